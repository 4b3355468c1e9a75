//! JSON API of owners' votes. The tally and the two CSV files are public (pseudonymous): anyone
//! may recount a vote with `gongzhi votes tally`.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::service::{self, BallotReceipt, BallotRequest, ListQuery, VoteItem};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

/// The votes the caller may see, each with `can_vote`.
#[utoipa::path(get, path = "/api/v1/votes", tag = "votes", params(ListQuery),
    responses((status = 200, body = Vec<VoteItem>), (status = 401), (status = 422)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Vec<VoteItem>>> {
    Ok(Json(service::list(&st, &user, &q).await?))
}

/// Casts a ballot (an owner) or enters one (staff: `channel`, `owner`, `attachment`).
#[utoipa::path(post, path = "/api/v1/votes/{id}/ballots", tag = "votes", params(("id" = i64, Path)), request_body = BallotRequest,
    responses((status = 201, body = BallotReceipt), (status = 403), (status = 404),
        (status = 409, description = "BALLOT_EXISTS (one per owner across every channel) or VOTE_CLOSED"), (status = 422)),
    security(("bearer" = [])))]
pub async fn cast(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<BallotRequest>,
) -> AppResult<(StatusCode, Json<BallotReceipt>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::cast(&st, &user, id, &req).await?),
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct CloseRequest {
    /// Why it closes before its time (all ballots are in; the assembly so decided).
    pub reason: String,
}

/// Closes a vote before its time (community and street staff), with the reason; the count
/// of this moment is its result, on the ledger.
#[utoipa::path(post, path = "/api/v1/votes/{id}/close", tag = "votes", params(("id" = i64, Path)), request_body = CloseRequest,
    responses((status = 200, body = Object), (status = 403), (status = 404),
        (status = 409, description = "VOTE_CLOSED"), (status = 422, description = "REASON_REQUIRED")),
    security(("bearer" = [])))]
pub async fn close(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<CloseRequest>,
) -> AppResult<Json<gongzhi_core::votes::Tally>> {
    service::close_now(&st, &user, id, &req.reason).await?;
    Ok(Json(service::tally(&st, id).await?))
}

/// The live count: the same JSON as `gongzhi votes tally` (public).
#[utoipa::path(get, path = "/api/v1/votes/{id}/tally", tag = "votes", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404)))]
pub async fn tally(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<gongzhi_core::votes::Tally>> {
    Ok(Json(service::tally(&st, id).await?))
}

fn csv(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response()
}

/// The register frozen at opening, `unit,owner,area_m2` with pseudonymous owners (public).
#[utoipa::path(get, path = "/api/v1/votes/{id}/register.csv", tag = "votes", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404)))]
pub async fn register_csv(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(csv(service::register_csv(&st, id).await?))
}

/// The ballots, `owner,choice` with pseudonymous owners (public).
#[utoipa::path(get, path = "/api/v1/votes/{id}/ballots.csv", tag = "votes", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404)))]
pub async fn ballots_csv(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    Ok(csv(service::ballots_csv(&st, id).await?))
}

/// Opens a vote on a building or compound (community and street staff of its area): the
/// register is frozen now and the community's rules of this moment apply.
#[utoipa::path(post, path = "/api/v1/votes", tag = "votes", request_body = service::OpenRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 409, description = "REGISTER_EMPTY"), (status = 422)),
    security(("bearer" = [])))]
pub async fn open(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<service::OpenRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let id = service::open_by_staff(&st, &user, &req).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// A building's owners' register (community and street staff; owners masked).
#[utoipa::path(get, path = "/api/v1/votes/register/{building}", tag = "votes", params(("building" = i64, Path)),
    responses((status = 200, body = super::register::RegisterView), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn register(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(building): Path<i64>,
) -> AppResult<Json<super::register::RegisterView>> {
    Ok(Json(super::register::view(&st, &user, building).await?))
}

/// Imports a building's register from CSV or XLSX (房号, 楼层, 专有面积, 业主姓名, 证件号码):
/// all rows or none, each wrong row named with its code.
#[utoipa::path(post, path = "/api/v1/votes/register/{building}/import", tag = "votes", params(("building" = i64, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = super::register::RegisterImport), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn import_register(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(building): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Json<super::register::RegisterImport>> {
    Ok(Json(
        super::register::import(&st, &user, ctx.lang, building, &body).await?,
    ))
}

/// Corrects one unit of the register (area, floor, owner); audited.
#[utoipa::path(put, path = "/api/v1/votes/register/units/{id}", tag = "votes", params(("id" = i64, Path)),
    request_body = super::register::UnitEdit,
    responses((status = 200, body = super::register::RegisterView), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn edit_unit(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<super::register::UnitEdit>,
) -> AppResult<Json<super::register::RegisterView>> {
    let building = super::register::edit(&st, &user, id, &req).await?;
    Ok(Json(super::register::view(&st, &user, building).await?))
}

/// A community's local rules for owners' votes (public: they decide how votes count).
#[utoipa::path(get, path = "/api/v1/votes/rules/{community}", tag = "votes", params(("community" = i64, Path)),
    responses((status = 200, body = service::LocalRules), (status = 404)))]
pub async fn rules(
    State(st): State<AppState>,
    Path(community): Path<i64>,
) -> AppResult<Json<service::LocalRules>> {
    Ok(Json(service::rules(&st, community).await?))
}

/// Sets a community's local rules (its community staff, or street staff over it); audited.
/// Votes already open keep the rules they opened with.
#[utoipa::path(put, path = "/api/v1/votes/rules/{community}", tag = "votes", params(("community" = i64, Path)),
    request_body = service::LocalRules,
    responses((status = 200, body = service::LocalRules), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn set_rules(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(community): Path<i64>,
    Json(req): Json<service::LocalRules>,
) -> AppResult<Json<service::LocalRules>> {
    Ok(Json(service::set_rules(&st, &user, community, req).await?))
}
