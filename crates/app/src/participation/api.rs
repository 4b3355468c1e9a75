//! JSON API of 议事协商: suggestions (raise, support, take a step), their monthly rates,
//! and meeting check-in.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::service::{self, MonthRates, NewSuggestionRequest, SuggestionAction, SuggestionView};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CommunityQuery {
    /// Street and district staff: which community (default: their first).
    pub community: Option<i64>,
}

/// The suggestions and matters of the caller's community, newest first.
#[utoipa::path(get, path = "/api/v1/suggestions", tag = "participation", params(CommunityQuery),
    responses((status = 200, body = Vec<SuggestionView>), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<Vec<SuggestionView>>> {
    let c = service::community_of(&st, &user, q.community).await?;
    Ok(Json(service::suggestions(&st, &user, c).await?))
}

/// Raises a matter or suggestion (a resident online; staff from the 开放日 or 议事角).
#[utoipa::path(post, path = "/api/v1/suggestions", tag = "participation", request_body = NewSuggestionRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn raise(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<NewSuggestionRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let id = service::raise(&st, &user, &req).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// Supports (附议) a suggestion: once per resident (`409 ALREADY_SUPPORTED`).
#[utoipa::path(post, path = "/api/v1/suggestions/{id}/support", tag = "participation", params(("id" = i64, Path)),
    responses((status = 200, body = Object, description = "`{\"supports\"}`"), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn support(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    let n = service::support(&st, &user, id).await?;
    Ok(Json(serde_json::json!({ "supports": n })))
}

/// Takes a suggestion a step on its course (staff): answer, adopt, implement, not_adopt,
/// merge. `409 SUGGESTION_STATE` when that step is not open from where it is.
#[utoipa::path(post, path = "/api/v1/suggestions/{id}/actions", tag = "participation", params(("id" = i64, Path)),
    request_body = SuggestionAction,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn act(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<SuggestionAction>,
) -> AppResult<StatusCode> {
    service::act(&st, &user, id, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Each month's suggestions of the caller's community, counted from the rows: received,
/// replied, adopted, implemented, and the 落实率.
#[utoipa::path(get, path = "/api/v1/suggestions/rates", tag = "participation", params(CommunityQuery),
    responses((status = 200, body = Vec<MonthRates>), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn rates(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<Vec<MonthRates>>> {
    let c = service::community_of(&st, &user, q.community).await?;
    Ok(Json(service::rates(&st, &user, c).await?))
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct CheckIn {
    /// The token in the meeting's QR code.
    pub token: String,
}

/// A resident checks in at a meeting with its QR code's token.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/checkin", tag = "participation", params(("id" = i64, Path)),
    request_body = CheckIn,
    responses((status = 200, body = Object, description = "`{\"recorded\"}`: false if already"), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn check_in(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<CheckIn>,
) -> AppResult<Json<serde_json::Value>> {
    let fresh = service::check_in(&st, &user, id, &req.token).await?;
    Ok(Json(serde_json::json!({ "recorded": fresh })))
}
