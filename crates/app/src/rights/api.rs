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
