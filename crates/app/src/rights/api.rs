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
