//! The device registry page: every sensor and camera with its last event.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;

use super::service::{self, DeviceView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page, PageParams};

pub struct Row {
    pub d: DeviceView,
    pub last: String,
}

#[derive(Template)]
#[template(path = "devices/templates/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    page: Page<DeviceView>,
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
) -> AppResult<Html<String>> {
    let mut page = service::list(&st, &user, &p).await?;
    let rows = std::mem::take(&mut page.items)
        .into_iter()
        .map(|d| Row {
            last: d
                .last_event_at
                .as_deref()
                .and_then(crate::clock::parse_time)
                .map(crate::clock::format_cn)
                .unwrap_or_default(),
            d,
        })
        .collect();
    let tpl = ListPage {
        layout: Layout::new(&st, &ctx, "devices.title", "/devices"),
        rows,
        page,
    };
    Ok(Html(
        tpl.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
