//! JSON API of the time bank: the caller's account, services recorded and confirmed, and
//! staff verifying volunteers.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::service::{self, AccountView, NewService, ServiceView};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

/// The caller's time-bank account: `balance_minutes` (the sum of its movements), the
/// latest movements and services.
#[utoipa::path(get, path = "/api/v1/timebank/account", tag = "timebank",
    responses((status = 200, body = AccountView)),
    security(("bearer" = [])))]
pub async fn account(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<AccountView>> {
    Ok(Json(service::account(&st, &user).await?))
}

/// A verified volunteer records a service they gave: `201 {"id", "status": "pending"}`.
/// Minutes ≤ 0 or over a day: `422 MINUTES_INVALID`.
#[utoipa::path(post, path = "/api/v1/timebank/services", tag = "timebank", request_body = NewService,
    responses((status = 201, body = Object, description = "`{\"id\", \"status\": \"pending\"}`"), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn record(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<NewService>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let id = service::record(&st, &user, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"id": id, "status": "pending"})),
    ))
}

/// A service, to its parties, the recipient's guardians and the community's staff.
#[utoipa::path(get, path = "/api/v1/timebank/services/{id}", tag = "timebank", params(("id" = i64, Path)),
    responses((status = 200, body = ServiceView), (status = 404)),
    security(("bearer" = [])))]
pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ServiceView>> {
    Ok(Json(service::service(&st, &user, id).await?))
}

/// Confirms a service (its recipient, their guardian or staff): credited exactly once.
/// Again: `409 SERVICE_CONFIRMED`; anyone else: `404`.
#[utoipa::path(post, path = "/api/v1/timebank/services/{id}/confirm", tag = "timebank", params(("id" = i64, Path)),
    responses((status = 200, body = ServiceView), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn confirm(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ServiceView>> {
    Ok(Json(service::confirm(&st, &user, id).await?))
}

#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// The volunteer's username (a resident of the caller's area).
    pub username: String,
}

/// Staff verify a volunteer to serve elders.
#[utoipa::path(post, path = "/api/v1/timebank/volunteers", tag = "timebank", request_body = VerifyRequest,
    responses((status = 200, body = Object, description = "`{\"verified\": true, \"new\"}`"), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn verify(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<VerifyRequest>,
) -> AppResult<Json<serde_json::Value>> {
    let fresh = service::verify(&st, &user, &req.username).await?;
    Ok(Json(serde_json::json!({"verified": true, "new": fresh})))
}

use super::service::requests::{
    self as rq, BatchView, HealthNoteRequest, NewRequest, OfferRequest, OfferView, Position,
    RequestLists, RequestView,
};
use super::service::spend::{
    self as sp, CertificateRequest, CertificateView, GiftRequest, ItemView, MonthView, NewItem,
    SpendView,
};

/// The caller's offer as a volunteer.
#[utoipa::path(get, path = "/api/v1/timebank/offer", tag = "timebank",
    responses((status = 200, body = Option<OfferView>)), security(("bearer" = [])))]
pub async fn offer(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<Option<OfferView>>> {
    Ok(Json(rq::my_offer(&st, &user).await?))
}

/// A verified volunteer says what they do and when they are free.
#[utoipa::path(put, path = "/api/v1/timebank/offer", tag = "timebank", request_body = OfferRequest,
    responses((status = 200, body = OfferView), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn set_offer(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<OfferRequest>,
) -> AppResult<Json<OfferView>> {
    Ok(Json(rq::set_offer(&st, &user, &req).await?))
}

/// The caller's requests and the board (open requests to take; staff: the community's).
#[utoipa::path(get, path = "/api/v1/timebank/requests", tag = "timebank",
    responses((status = 200, body = RequestLists)), security(("bearer" = [])))]
pub async fn requests(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<RequestLists>> {
    Ok(Json(rq::requests(&st, &user).await?))
}

/// Asks for help: by the elder, a guardian (`for`), or staff for someone without a phone
/// (`for`; recorded as entered by staff). `201 {"id", "status": "open"}`.
#[utoipa::path(post, path = "/api/v1/timebank/requests", tag = "timebank", request_body = NewRequest,
    responses((status = 201, body = Object, description = "`{\"id\", \"status\": \"open\"}`"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create_request(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<NewRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let id = rq::create_request(&st, &user, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"id": id, "status": "open"})),
    ))
}

/// A request, to the person served, their guardians, whoever entered it, the matched
/// volunteer, staff, and (while open) verified volunteers of the street.
#[utoipa::path(get, path = "/api/v1/timebank/requests/{id}", tag = "timebank", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 404)), security(("bearer" = [])))]
pub async fn request(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(rq::request(&st, &user, id).await?))
}

/// A verified volunteer takes an open request (`409 REQUEST_TAKEN` if someone was first).
#[utoipa::path(post, path = "/api/v1/timebank/requests/{id}/take", tag = "timebank", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn take(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(rq::take(&st, &user, id).await?))
}

/// Cancels an open or matched request.
#[utoipa::path(post, path = "/api/v1/timebank/requests/{id}/cancel", tag = "timebank", params(("id" = i64, Path)),
    responses((status = 200, body = RequestView), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(rq::cancel(&st, &user, id).await?))
}

/// The matched volunteer checks in at the elder's home (within 300 m): `422 CHECKIN_TOO_FAR`.
#[utoipa::path(post, path = "/api/v1/timebank/requests/{id}/checkin", tag = "timebank", params(("id" = i64, Path)),
    request_body = Position,
    responses((status = 200, body = RequestView), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn checkin(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(p): Json<Position>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(rq::checkin(&st, &user, id, &p).await?))
}

/// The matched volunteer checks out: the service (minutes between check-in and check-out)
/// is recorded, pending the recipient's, a guardian's or staff's confirmation.
#[utoipa::path(post, path = "/api/v1/timebank/requests/{id}/checkout", tag = "timebank", params(("id" = i64, Path)),
    request_body = Position,
    responses((status = 200, body = RequestView), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn checkout(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(p): Json<Position>,
) -> AppResult<Json<RequestView>> {
    Ok(Json(rq::checkout(&st, &user, id, &p).await?))
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct MatchRun {
    /// The community (street staff); omitted: the caller's.
    pub community: Option<i64>,
}

/// Staff match the community's open requests to volunteers, optimally for the batch, with
/// the figures behind each match and why the rest stay open.
#[utoipa::path(post, path = "/api/v1/timebank/match", tag = "timebank", request_body = MatchRun,
    responses((status = 200, body = BatchView), (status = 403)), security(("bearer" = [])))]
pub async fn run_match(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<MatchRun>,
) -> AppResult<Json<BatchView>> {
    Ok(Json(rq::run_match(&st, &user, req.community).await?))
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ForQuery {
    /// The ward's username (a guardian).
    #[serde(rename = "for")]
    pub for_user: Option<String>,
}

/// The caller's (or their ward's) health note.
#[utoipa::path(get, path = "/api/v1/timebank/health-note", tag = "timebank", params(ForQuery),
    responses((status = 200, body = Object, description = "`{\"note\"}`")), security(("bearer" = [])))]
pub async fn health_note(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    axum::extract::Query(q): axum::extract::Query<ForQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let note = rq::health_note(&st, &user, q.for_user.as_deref()).await?;
    Ok(Json(serde_json::json!({"note": note})))
}

/// The elder or their guardian writes the health note matched volunteers see while
/// serving; needs the separate consent `care_health_notes` (`403 CONSENT_REQUIRED`).
#[utoipa::path(put, path = "/api/v1/timebank/health-note", tag = "timebank", request_body = HealthNoteRequest,
    responses((status = 200, body = Object, description = "`{\"note\"}`"), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn set_health_note(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<HealthNoteRequest>,
) -> AppResult<Json<serde_json::Value>> {
    let note = rq::set_health_note(&st, &user, &req).await?;
    Ok(Json(serde_json::json!({"note": note})))
}

/// The catalogue of the caller's community.
#[utoipa::path(get, path = "/api/v1/timebank/items", tag = "timebank",
    responses((status = 200, body = Vec<ItemView>)), security(("bearer" = [])))]
pub async fn items(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<Vec<ItemView>>> {
    Ok(Json(sp::items(&st, &user).await?))
}

/// Staff add goods to the catalogue: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/timebank/items", tag = "timebank", request_body = NewItem,
    responses((status = 201, body = Object, description = "`{\"id\"}`"), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_item(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<NewItem>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let id = sp::add_item(&st, &user, &req).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": id}))))
}

/// Redeems one of an item with stored hours: `409 TIMEBANK_INSUFFICIENT` or
/// `409 ITEM_OUT_OF_STOCK`; never below zero.
#[utoipa::path(post, path = "/api/v1/timebank/items/{id}/redeem", tag = "timebank", params(("id" = i64, Path)),
    responses((status = 200, body = SpendView), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn redeem(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<SpendView>> {
    Ok(Json(sp::redeem(&st, &user, id).await?))
}

/// Gives stored hours to a family member (same household, or guardian and ward), also in
/// another community of the street.
#[utoipa::path(post, path = "/api/v1/timebank/gifts", tag = "timebank", request_body = GiftRequest,
    responses((status = 200, body = SpendView), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn gift(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<GiftRequest>,
) -> AppResult<Json<SpendView>> {
    Ok(Json(sp::gift(&st, &user, &req).await?))
}

/// Issues a volunteer-hours certificate (the volunteer's own, or staff for a volunteer):
/// `201 {"code", "url"}`.
#[utoipa::path(post, path = "/api/v1/timebank/certificates", tag = "timebank", request_body = CertificateRequest,
    responses((status = 201, body = Object, description = "`{\"id\", \"code\", \"url\"}`"), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn issue_certificate(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<CertificateRequest>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let code = sp::issue_certificate(&st, &user, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            serde_json::json!({"id": code, "code": code, "url": format!("/timebank/certificates/{code}")}),
        ),
    ))
}

/// Checks a certificate by its code: anyone (the name masked unless the caller is the
/// volunteer or their staff).
#[utoipa::path(get, path = "/api/v1/timebank/certificates/{code}", tag = "timebank", params(("code" = String, Path)),
    responses((status = 200, body = CertificateView), (status = 404)))]
pub async fn certificate(
    State(st): State<AppState>,
    ctx: crate::web::Ctx,
    Path(code): Path<String>,
) -> AppResult<Json<CertificateView>> {
    Ok(Json(sp::certificate(&st, ctx.user.as_ref(), &code).await?))
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CommunityQuery {
    /// The community (street staff); omitted: the caller's.
    pub community: Option<i64>,
}

/// A month's figures (`YYYY-MM`): volunteers, hours, services by kind (staff).
#[utoipa::path(get, path = "/api/v1/timebank/months/{month}", tag = "timebank", params(("month" = String, Path), CommunityQuery),
    responses((status = 200, body = MonthView), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn month(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(month): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CommunityQuery>,
) -> AppResult<Json<MonthView>> {
    Ok(Json(sp::month(&st, &user, &month, q.community).await?))
}

/// Publishes an ended month's figures on the ledger, once (`409 MONTH_NOT_OVER`,
/// `409 MONTH_PUBLISHED`).
#[utoipa::path(post, path = "/api/v1/timebank/months/{month}/publish", tag = "timebank", params(("month" = String, Path), CommunityQuery),
    responses((status = 200, body = MonthView), (status = 403), (status = 409)), security(("bearer" = [])))]
pub async fn publish_month(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(month): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CommunityQuery>,
) -> AppResult<Json<MonthView>> {
    Ok(Json(
        sp::publish_month(&st, &user, &month, q.community).await?,
    ))
}
