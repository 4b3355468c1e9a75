//! JSON API of individuals' rights.

use axum::Json;
use axum::extract::State;

use super::service::{self, Export};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

/// Everything the platform holds about the caller, as JSON (PIPL art. 45): the account and
/// sessions, the resident record, their reports (as typed), the disputes they are party to,
/// their notifications and the trail of their own actions — nobody else's.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "auth",
    responses((status = 200, body = Export), (status = 401)), security(("bearer" = [])))]
pub async fn export(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<Export>> {
    Ok(Json(service::export(&st, &user).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The caller's own phone number (11 digits; +86 and spaces allowed).
    pub phone: String,
}

/// Corrects the caller's own personal data (PIPL art. 46; today the phone number of their
/// resident record). Audited; nobody else's record can be reached this way.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = CorrectionRequest,
    responses((status = 204), (status = 401), (status = 404, description = "No resident record"), (status = 422, description = "PHONE_INVALID")),
    security(("bearer" = [])))]
pub async fn correct(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<CorrectionRequest>,
) -> AppResult<axum::http::StatusCode> {
    crate::residents::service::correct_own_phone(&st, &user, &req.phone).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// The caller's password, again.
    pub password: String,
}

/// Cancels the caller's own account (residents): their personal data is erased, the
/// account cannot sign in again, and the erasure survives restoring a backup.
#[utoipa::path(post, path = "/api/v1/me/cancel", tag = "auth", request_body = CancelRequest,
    responses((status = 204), (status = 401), (status = 403, description = "CANCEL_NOT_FOR_STAFF"),
        (status = 422, description = "PASSWORD_CURRENT_WRONG")),
    security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<CancelRequest>,
) -> AppResult<axum::http::StatusCode> {
    service::cancel(&st, &user, &req.password).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRightsRequest {
    /// access, correct, delete, explain, withdraw, other
    pub kind: String,
    /// What is asked (1–2000 characters).
    pub detail: String,
}

/// Files a request about one's personal data that self-service does not settle; answered
/// within 30 days.
#[utoipa::path(post, path = "/api/v1/me/requests", tag = "auth", request_body = NewRightsRequest,
    responses((status = 201, body = service::RequestView), (status = 401),
        (status = 422, description = "REQUEST_KIND_UNKNOWN, REQUEST_DETAIL_INVALID")),
    security(("bearer" = [])))]
pub async fn file_request(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<NewRightsRequest>,
) -> AppResult<(axum::http::StatusCode, Json<service::RequestView>)> {
    let v = service::file_request(&st, &user, &req.kind, &req.detail).await?;
    Ok((axum::http::StatusCode::CREATED, Json(v)))
}

/// The caller's own rights requests.
#[utoipa::path(get, path = "/api/v1/me/requests", tag = "auth",
    responses((status = 200, body = Vec<service::RequestView>), (status = 401)),
    security(("bearer" = [])))]
pub async fn own_requests(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<Vec<service::RequestView>>> {
    Ok(Json(service::own_requests(&st, &user).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct RequestFilter {
    /// Only requests open past their due date.
    #[serde(default)]
    pub overdue: bool,
}

/// Rights requests for the street staff who answer them.
#[utoipa::path(get, path = "/api/v1/rights/requests", tag = "auth", params(RequestFilter),
    responses((status = 200, body = Vec<service::RequestView>), (status = 401), (status = 403, description = "ROLE_FORBIDDEN")),
    security(("bearer" = [])))]
pub async fn staff_requests(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    axum::extract::Query(q): axum::extract::Query<RequestFilter>,
) -> AppResult<Json<Vec<service::RequestView>>> {
    Ok(Json(
        service::requests_for_staff(&st, &user, q.overdue).await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestAction {
    /// start, done, refuse
    pub action: String,
    /// Required to refuse.
    pub reason: Option<String>,
}

/// Moves a rights request on; a refusal needs its reason.
#[utoipa::path(post, path = "/api/v1/rights/requests/{id}", tag = "auth", request_body = RequestAction,
    params(("id" = i64, Path)),
    responses((status = 200, body = service::RequestView), (status = 401), (status = 403, description = "ROLE_FORBIDDEN"),
        (status = 404), (status = 409, description = "REQUEST_STATE_INVALID"),
        (status = 422, description = "REFUSAL_REASON_REQUIRED, REQUEST_ACTION_UNKNOWN, REQUEST_STATE_INVALID")),
    security(("bearer" = [])))]
pub async fn act_on_request(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Json(req): Json<RequestAction>,
) -> AppResult<Json<service::RequestView>> {
    Ok(Json(
        service::act_on_request(&st, &user, id, &req.action, req.reason.as_deref()).await?,
    ))
}
