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
