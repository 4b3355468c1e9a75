//! JSON API of the digital twin.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongzhi_core::twin::community::{Model, Spec};

use super::service::{self, DrillRequest, DrillView, ScenarioSummary, ScenarioView};
use crate::auth::service::Who;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

/// A community's model as the simulator sees it (road graph, vulnerable residents per
/// building, today's responders) and the builder's default choices.
#[utoipa::path(get, path = "/api/v1/twin/communities/{id}/model", tag = "twin", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn model(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    let m: Model = service::builder(&st, Who::User(&user), id).await?;
    let spec = m.default_spec();
    Ok(Json(
        serde_json::json!({ "model": m, "default_spec": spec }),
    ))
}

/// Builds a scenario from the community's model and the choices, simulates today's posts
/// beside the optimised ones (and both dispatch policies), and saves it with the result.
#[utoipa::path(post, path = "/api/v1/twin/communities/{id}/scenarios", tag = "twin", params(("id" = i64, Path)),
    request_body = Object,
    responses((status = 201, body = ScenarioView), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(spec): Json<Spec>,
) -> AppResult<(StatusCode, Json<ScenarioView>)> {
    let sid = service::create(&st, Who::User(&user), id, &spec).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::get(&st, &user, sid).await?),
    ))
}

/// Saved scenarios the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/twin/scenarios", tag = "twin",
    responses((status = 200, body = Vec<ScenarioSummary>), (status = 401)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<Vec<ScenarioSummary>>> {
    Ok(Json(service::list(&st, &user).await?))
}

/// A saved scenario with its latest run.
#[utoipa::path(get, path = "/api/v1/twin/scenarios/{id}", tag = "twin", params(("id" = i64, Path)),
    responses((status = 200, body = ScenarioView), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ScenarioView>> {
    Ok(Json(service::get(&st, &user, id).await?))
}

/// Records a drill (演练) of a community.
#[utoipa::path(post, path = "/api/v1/twin/drills", tag = "twin",
    request_body = DrillRequest,
    responses((status = 201, body = DrillView), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn record_drill(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<DrillRequest>,
) -> AppResult<(StatusCode, Json<DrillView>)> {
    let id = service::record_drill(&st, Who::User(&user), &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::drill(&st, &user, id).await?),
    ))
}

/// A drill.
#[utoipa::path(get, path = "/api/v1/twin/drills/{id}", tag = "twin", params(("id" = i64, Path)),
    responses((status = 200, body = DrillView), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn drill(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<DrillView>> {
    Ok(Json(service::drill(&st, &user, id).await?))
}
