//! The audit trail page for auditors (read-only; separation of duties: not for admins).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use super::service::{self, Row};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page, PageParams};

#[derive(Template)]
#[template(path = "audit/templates/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<RowView>,
    action: String,
}

struct RowView {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    ip: String,
    result: String,
    detail: String,
}

#[derive(Debug, Deserialize)]
pub struct Filter {
    action: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(f): Query<Filter>,
) -> AppResult<Html<String>> {
    let action = f.action.unwrap_or_default();
    let (rows, total) =
        service::recent(&st.db, &user, action.trim(), p.per_page(), p.offset()).await?;
    let items = rows
        .into_iter()
        .map(|r: Row| RowView {
            seq: r.seq,
            at: crate::clock::format_cn(r.at_ms),
            actor: r.actor,
            action: r.action,
            object: format!("{} {}", r.object_type, r.object_id.unwrap_or_default()),
            ip: r.ip.unwrap_or_default(),
            result: r.result,
            detail: r.detail,
        })
        .collect();
    let tpl = ListPage {
        layout: Layout::new(&st, &ctx, "audit.title", "/audit"),
        page: Page::new(items, &p, total),
        action,
    };
    Ok(Html(
        tpl.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
