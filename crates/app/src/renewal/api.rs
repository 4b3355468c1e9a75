//! JSON API of 微更新: projects (propose, read, post on the board, pick an option, staff's
//! steps, pledge, adopt, record use) and rounds (open, read, vote, close, pabulib export
//! and import).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::service::{
    self, AdoptRequest, NewPostRequest, NewProjectRequest, NewRoundRequest, PledgeRequest,
    ProjectAction, ProjectSummary, ProjectView, RoundBallot, RoundSummary, RoundView, UseRequest,
};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CommunityQuery {
    /// Street and district staff: which community (default: their first).
    pub community: Option<i64>,
}

fn created(id: i64) -> (StatusCode, Json<serde_json::Value>) {
    (StatusCode::CREATED, Json(serde_json::json!({ "id": id })))
}

/// The micro-renewal projects of the caller's community, newest first.
#[utoipa::path(get, path = "/api/v1/renewal/projects", tag = "renewal", params(CommunityQuery),
    responses((status = 200, body = Vec<ProjectSummary>), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<Vec<ProjectSummary>>> {
    let c = service::community_of(&st, &user, q.community).await?;
    Ok(Json(service::projects(&st, &user, c).await?))
}

/// Proposes an idea with photos and a map pin (a resident or building head; staff for a
/// resident, by their mobile).
#[utoipa::path(post, path = "/api/v1/renewal/projects", tag = "renewal", request_body = NewProjectRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn propose(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<NewProjectRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    Ok(created(service::propose(&st, &user, &req).await?))
}

/// A project with its board, review, funding, milestones, movements, rota and use.
#[utoipa::path(get, path = "/api/v1/renewal/projects/{id}", tag = "renewal", params(("id" = i64, Path)),
    responses((status = 200, body = ProjectView), (status = 404)),
    security(("bearer" = [])))]
pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ProjectView>> {
    Ok(Json(service::project(&st, &user, id).await?))
}

/// Posts on the co-design board: an idea, a sketch or photo, a comment; staff a design
/// option. `409 RENEWAL_BOARD_CLOSED` once co-design has ended.
#[utoipa::path(post, path = "/api/v1/renewal/projects/{id}/posts", tag = "renewal", params(("id" = i64, Path)),
    request_body = NewPostRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn post(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<NewPostRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    Ok(created(service::post(&st, &user, id, &req).await?))
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PickRequest {
    /// The design option (a post of kind `option`).
    pub post: i64,
}

/// A resident picks a design option (a later pick replaces the earlier).
#[utoipa::path(post, path = "/api/v1/renewal/projects/{id}/pick", tag = "renewal", params(("id" = i64, Path)),
    request_body = PickRequest,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn pick(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<PickRequest>,
) -> AppResult<StatusCode> {
    service::pick(&st, &user, id, req.post).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A step of the project's course (its community's staff): codesign, workshop, review,
/// feasible, refuse, plan, subsidy, share, collect, start, milestone, spend, accept.
/// `409 RENEWAL_STAGE` when the step is not open from where the project is.
#[utoipa::path(post, path = "/api/v1/renewal/projects/{id}/actions", tag = "renewal", params(("id" = i64, Path)),
    request_body = ProjectAction,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn act(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<ProjectAction>,
) -> AppResult<StatusCode> {
    service::act(&st, &user, id, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pledges to the crowdfunding (a resident; staff for a partner or company).
/// `409 RENEWAL_PLEDGE_OVER_MAX` past the maximum.
#[utoipa::path(post, path = "/api/v1/renewal/projects/{id}/pledges", tag = "renewal", params(("id" = i64, Path)),
    request_body = PledgeRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn pledge(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<PledgeRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    Ok(created(service::pledge(&st, &user, id, &req).await?))
}

/// A resident adopts the space's upkeep on a weekday.
#[utoipa::path(post, path = "/api/v1/renewal/projects/{id}/adopt", tag = "renewal", params(("id" = i64, Path)),
    request_body = AdoptRequest,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn adopt(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<AdoptRequest>,
) -> AppResult<StatusCode> {
    service::adopt(&st, &user, id, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records one use of the space: a resident's check-in or booking, or a visit registered
/// by staff.
#[utoipa::path(post, path = "/api/v1/renewal/projects/{id}/uses", tag = "renewal", params(("id" = i64, Path)),
    request_body = UseRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn record_use(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<UseRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    Ok(created(service::record_use(&st, &user, id, &req).await?))
}

/// The rounds of the caller's community, newest first.
#[utoipa::path(get, path = "/api/v1/renewal/rounds", tag = "renewal", params(CommunityQuery),
    responses((status = 200, body = Vec<RoundSummary>), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn rounds(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<Vec<RoundSummary>>> {
    let c = service::community_of(&st, &user, q.community).await?;
    Ok(Json(service::rounds(&st, &user, c).await?))
}

/// Opens a round with feasible projects, a budget, a rule and dated voting (staff).
#[utoipa::path(post, path = "/api/v1/renewal/rounds", tag = "renewal", request_body = NewRoundRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_round(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<NewRoundRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    Ok(created(service::create_round(&st, &user, &req).await?))
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct ImportRequest {
    pub community: Option<i64>,
    /// `greedy` or `mes`.
    pub rule: String,
    /// The pabulib file's text.
    pub file: String,
}

/// Imports a round from a pabulib file and tallies it (staff). A malformed file: `422`
/// with `RENEWAL_FILE_INVALID`, the file's `line` and pabulib's `reason` code.
#[utoipa::path(post, path = "/api/v1/renewal/rounds/import", tag = "renewal", request_body = ImportRequest,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn import_round(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Json(req): Json<ImportRequest>,
) -> AppResult<Response> {
    Ok(
        match service::import_pb(&st, &user, req.community, &req.rule, &req.file).await? {
            Ok(id) => created(id).into_response(),
            Err(e) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({"errors": [{
                    "code": "RENEWAL_FILE_INVALID",
                    "detail": format!("{}（第 {} 行：{}）", ctx.lang.error("RENEWAL_FILE_INVALID"), e.line, e.code),
                    "field": "file", "line": e.line, "reason": e.code,
                }]})),
            )
                .into_response(),
        },
    )
}

/// A round: its phases, projects with votes, cost and why (once closed), and the caller's
/// own ballot.
#[utoipa::path(get, path = "/api/v1/renewal/rounds/{id}", tag = "renewal", params(("id" = i64, Path)),
    responses((status = 200, body = RoundView), (status = 404)),
    security(("bearer" = [])))]
pub async fn round(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<RoundView>> {
    Ok(Json(service::round(&st, &user, id).await?))
}

/// Casts an approval ballot, once (`409 BALLOT_EXISTS`), while voting is open; staff enter
/// a paper ballot with the voter's mobile.
#[utoipa::path(post, path = "/api/v1/renewal/rounds/{id}/ballot", tag = "renewal", params(("id" = i64, Path)),
    request_body = RoundBallot,
    responses((status = 201), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn ballot(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<RoundBallot>,
) -> AppResult<StatusCode> {
    service::ballot(&st, &user, id, &req).await?;
    Ok(StatusCode::CREATED)
}

/// Closes a round after voting ended (staff): tallies it, publishes the pabulib file on
/// the ledger and moves the projects on.
#[utoipa::path(post, path = "/api/v1/renewal/rounds/{id}/close", tag = "renewal", params(("id" = i64, Path)),
    responses((status = 204), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn close(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    service::close(&st, &user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A closed round as a pabulib file with every ballot under its pseudonym.
#[utoipa::path(get, path = "/api/v1/renewal/rounds/{id}/pb", tag = "renewal", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/plain", body = String), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn export_pb(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let text = service::export_pb(&st, &user, id).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"round-{id}.pb\""),
            ),
        ],
        text,
    )
        .into_response())
}
