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

#[derive(Debug, serde::Deserialize)]
pub struct FormatQuery {
    /// `xlsx` or `csv`: the registry as a file.
    pub format: Option<String>,
}

/// The registry as a sheet.
fn sheet(ctx: &crate::web::Ctx, rows: Vec<DeviceView>) -> crate::web::export::Sheet {
    use crate::web::export::{Cell, Sheet};
    let t = |k: &str| ctx.lang.t(k).to_string();
    let tc = |g: &str, c: &str| ctx.lang.tc(g, c);
    Sheet {
        title: t("devices.title"),
        filters: String::new(),
        headers: [
            "devices.code",
            "devices.name",
            "devices.kind",
            "devices.last_event",
            "devices.last_at",
            "devices.state",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: rows
            .into_iter()
            .map(|d| {
                vec![
                    d.code.into(),
                    d.name.into(),
                    tc("device_kind", &d.kind).into(),
                    d.last_event_type
                        .as_deref()
                        .map(|e| tc("device_event", e))
                        .unwrap_or_default()
                        .into(),
                    d.last_event_at
                        .as_deref()
                        .and_then(crate::clock::parse_time)
                        .map(Cell::Time)
                        .unwrap_or(Cell::Empty),
                    t(if d.online {
                        "devices.online"
                    } else {
                        "devices.offline"
                    })
                    .into(),
                ]
            })
            .collect(),
    }
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(fq): Query<FormatQuery>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if let Some(format) = crate::web::export::wanted(fq.format.as_deref())? {
        let rows = service::export_list(&st, &user).await?;
        return crate::web::export::respond(&sheet(&ctx, rows), format, st.now_ms());
    }
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
    Ok(Html(tpl.render().map_err(|e| AppError::Internal(e.into()))?).into_response())
}
