//! JSON API of the in-app inbox.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::service::{self, NotificationRow};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub unread: i64,
    pub items: Vec<NotificationRow>,
}

/// The caller's in-app inbox (latest 50).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "cases",
    responses((status = 200, body = Inbox), (status = 401)), security(("bearer" = [])))]
pub async fn inbox(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<Inbox>> {
    let (unread, items) = service::inbox(&st, &user).await?;
    Ok(Json(Inbox { unread, items }))
}

/// Marks every message of the caller's inbox read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "cases",
    responses((status = 204), (status = 401)), security(("bearer" = [])))]
pub async fn inbox_read(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<StatusCode> {
    service::mark_read(&st, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}
