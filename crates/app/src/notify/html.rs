//! The inbox page: the user's own messages, newest first.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use super::service::{self, NotificationRow};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

pub struct NoteLine {
    pub n: NotificationRow,
    pub at: String,
}

#[derive(Template)]
#[template(path = "notify/templates/inbox.html")]
struct InboxPage {
    layout: Layout,
    unread: i64,
    items: Vec<NoteLine>,
}

pub async fn inbox(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let (unread, items) = service::inbox(&st, &user).await?;
    let page = InboxPage {
        layout: Layout::new(&st, &ctx, "cases.inbox_title", "/inbox"),
        unread,
        items: items
            .into_iter()
            .map(|n| NoteLine {
                at: crate::clock::format_cn(n.created_at),
                n,
            })
            .collect(),
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
