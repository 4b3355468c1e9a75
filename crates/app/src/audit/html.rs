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
    /// `xlsx` or `csv`: the trail (under the filter) as a file.
    format: Option<String>,
}

/// The audit trail under its filter as a sheet; the export is itself recorded.
async fn export(
    st: &AppState,
    user: &crate::auth::service::CurrentUser,
    ctx: &crate::web::Ctx,
    action: &str,
    format: crate::web::export::Format2,
) -> AppResult<axum::response::Response> {
    use crate::web::export::{Cell, MAX_ROWS, Sheet};
    let mut rows = vec![];
    loop {
        let (page, _) = service::recent(&st.db, user, action, 1000, rows.len() as i64).await?;
        let n = page.len();
        rows.extend(page);
        if n < 1000 || rows.len() >= MAX_ROWS {
            break;
        }
    }
    rows.truncate(MAX_ROWS);
    crate::audit::record_alone(
        &st.db,
        st.now_ms(),
        &user.actor(),
        crate::audit::Event::ok("list.export", "audit", "")
            .with(serde_json::json!({"rows": rows.len(), "action": action})),
    )
    .await?;
    let t = |k: &str| ctx.lang.t(k).to_string();
    let tc = |g: &str, c: &str| ctx.lang.tc(g, c);
    let sheet = Sheet {
        title: t("audit.title"),
        filters: if action.is_empty() {
            String::new()
        } else {
            format!("{}{}{action}", t("audit.action"), t("common.colon"))
        },
        headers: vec![
            "#".into(),
            t("audit.at"),
            t("audit.actor"),
            t("audit.action"),
            t("audit.object"),
            "IP".into(),
            t("audit.result"),
            t("audit.detail"),
        ],
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
                    Cell::Int(r.seq),
                    Cell::Time(r.at_ms),
                    r.actor.into(),
                    format!("{} ({})", tc("audit_action", &r.action), r.action).into(),
                    format!("{} {}", r.object_type, r.object_id.unwrap_or_default()).into(),
                    r.ip.unwrap_or_default().into(),
                    tc("audit_result", &r.result).into(),
                    r.detail.into(),
                ]
            })
            .collect(),
    };
    crate::web::export::respond(&sheet, format, st.now_ms())
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(f): Query<Filter>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let action = f.action.unwrap_or_default();
    if let Some(format) = crate::web::export::wanted(f.format.as_deref())? {
        return export(&st, &user, &ctx, action.trim(), format).await;
    }
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
    Ok(Html(tpl.render().map_err(|e| AppError::Internal(e.into()))?).into_response())
}
