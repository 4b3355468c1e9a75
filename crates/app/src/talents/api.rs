//! JSON API of 能人库: talents, consultation slots and volunteer teams.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::service::{
    self, ConsultationOutcomeIn, TalentBookIn, TalentIn, TalentOverview, TalentSlotIn,
    TalentSlotView, TalentVerifyIn, TeamIn, TeamJoinIn, TeamView,
};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CommunityQuery {
    /// The community (street staff, a mediator); omitted: the caller's.
    pub community: Option<i64>,
}

fn created(id: i64) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({"id": id})))
}

/// The community's talents with their open slots, its teams, and the caller's own listing,
/// slots and bookings.
#[utoipa::path(get, path = "/api/v1/talents", tag = "talents", params(CommunityQuery),
    responses((status = 200, body = TalentOverview)), security(("bearer" = [])))]
pub async fn overview(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<TalentOverview>> {
    Ok(Json(service::overview(&st, &user, q.community).await?))
}

/// Lists the caller in the talent pool (needs the consent `talent_listing`): `200 {"id"}`.
#[utoipa::path(put, path = "/api/v1/talents/me", tag = "talents", request_body = TalentIn,
    responses((status = 200, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn put_own(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<TalentIn>,
) -> AppResult<Json<Value>> {
    Ok(Json(json!({"id": service::put_own(&st, &user, &r).await?})))
}

/// Unlists the caller: the profile is erased, past consultations stay.
#[utoipa::path(delete, path = "/api/v1/talents/me", tag = "talents",
    responses((status = 204)), security(("bearer" = [])))]
pub async fn unlist_own(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<StatusCode> {
    service::unlist_own(&st, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Staff mark a talent's certificate checked.
#[utoipa::path(post, path = "/api/v1/talents/{id}/verify", tag = "talents", params(("id" = i64, Path)),
    request_body = TalentVerifyIn,
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn verify(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<TalentVerifyIn>,
) -> AppResult<Json<Value>> {
    service::verify(&st, &user, id, &r).await?;
    Ok(Json(json!({"verified": r.certificate})))
}

/// A listed talent opens a consultation slot: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/talents/slots", tag = "talents", request_body = TalentSlotIn,
    responses((status = 201, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn open_slot(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<TalentSlotIn>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::open_slot(&st, &user, &r).await?))
}

/// A consultation slot (the question only to the talent and the booker).
#[utoipa::path(get, path = "/api/v1/talents/slots/{id}", tag = "talents", params(("id" = i64, Path)),
    responses((status = 200, body = TalentSlotView), (status = 404)), security(("bearer" = [])))]
pub async fn slot(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<TalentSlotView>> {
    Ok(Json(service::slot(&st, &user, id).await?))
}

/// A resident books a free slot (`409 SLOT_TAKEN` if someone was first).
#[utoipa::path(post, path = "/api/v1/talents/slots/{id}/book", tag = "talents", params(("id" = i64, Path)),
    request_body = TalentBookIn,
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn book(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<TalentBookIn>,
) -> AppResult<Json<Value>> {
    service::book(&st, &user, id, &r).await?;
    Ok(Json(json!({"id": id, "booked": true})))
}

/// The booker gives the booking back, or the talent withdraws the slot.
#[utoipa::path(post, path = "/api/v1/talents/slots/{id}/cancel", tag = "talents", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Value>> {
    service::cancel(&st, &user, id).await?;
    Ok(Json(json!({"id": id, "cancelled": true})))
}

/// The talent records what came of a consultation (once, after it began).
#[utoipa::path(post, path = "/api/v1/talents/slots/{id}/outcome", tag = "talents", params(("id" = i64, Path)),
    request_body = ConsultationOutcomeIn,
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn outcome(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<ConsultationOutcomeIn>,
) -> AppResult<Json<Value>> {
    service::record_outcome(&st, &user, id, &r).await?;
    Ok(Json(json!({"id": id, "outcome": r.outcome})))
}

/// Staff form a volunteer team: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/teams", tag = "talents", request_body = TeamIn,
    responses((status = 201, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_team(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<TeamIn>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::add_team(&st, &user, &r).await?))
}

/// A team and its members.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "talents", params(("id" = i64, Path)),
    responses((status = 200, body = TeamView), (status = 404)), security(("bearer" = [])))]
pub async fn team(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<TeamView>> {
    Ok(Json(service::team(&st, &user, id).await?))
}

/// A listed talent joins (or staff add one with `talent`).
#[utoipa::path(post, path = "/api/v1/teams/{id}/members", tag = "talents", params(("id" = i64, Path)),
    request_body = TeamJoinIn,
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn join(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<TeamJoinIn>,
) -> AppResult<Json<Value>> {
    service::join(&st, &user, id, &r).await?;
    Ok(Json(json!({"team": id, "joined": true})))
}
