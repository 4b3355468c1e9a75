//! JSON API of residents (staff only, always masked).

use axum::Json;
use axum::extract::{Path, Query, State};

use super::service::{self, ResidentView, Search};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::{AuthUser, Page, PageParams};

/// Residents within the caller's scope; phone and ID number masked.
#[utoipa::path(get, path = "/api/v1/residents", tag = "residents", params(PageParams, Search),
    responses((status = 200, body = Page<ResidentView>), (status = 401), (status = 403, description = "Role may not list residents")),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<Search>,
) -> AppResult<Json<Page<ResidentView>>> {
    Ok(Json(service::list(&st, &user, &q, &p).await?))
}

/// One resident, masked; 404 when outside the caller's scope.
#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "residents", params(("id" = i64, Path)),
    responses((status = 200, body = ResidentView), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ResidentView>> {
    Ok(Json(service::get(&st, &user, id).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// `phone` or `id_number`.
    pub field: String,
    /// Why it is needed (kept in the audit trail).
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Revealed {
    pub value: String,
}

/// One field of a resident in clear, for grid workers and community staff in scope; a
/// reason is required and the reveal is audited.
#[utoipa::path(post, path = "/api/v1/residents/{id}/reveal", tag = "residents", request_body = RevealRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = Revealed), (status = 401), (status = 403, description = "ROLE_FORBIDDEN"), (status = 404),
        (status = 422, description = "REVEAL_REASON_REQUIRED, REVEAL_FIELD_UNKNOWN")),
    security(("bearer" = [])))]
pub async fn reveal(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<RevealRequest>,
) -> AppResult<Json<Revealed>> {
    Ok(Json(Revealed {
        value: service::reveal(&st, &user, id, &req.field, &req.reason).await?,
    }))
}
