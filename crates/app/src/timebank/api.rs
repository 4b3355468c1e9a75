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
