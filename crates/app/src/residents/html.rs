//! Resident pages for staff: a scoped, masked list with filters, and a detail page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Html;

use super::service::{self, ResidentView, Search};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page, PageParams};

#[derive(Template)]
#[template(path = "residents/templates/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<ResidentView>,
    tags: &'static [&'static str],
    tag: String,
    name: String,
    phone: String,
    query: String,
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<Search>,
) -> AppResult<Html<String>> {
    let page = service::list(&st, &user, &q, &p).await?;
    let query = serde_urlencoded::to_string([
        ("tag", q.tag.clone().unwrap_or_default()),
        ("name", q.name.clone().unwrap_or_default()),
        ("phone", q.phone.clone().unwrap_or_default()),
    ])
    .unwrap_or_default();
    let tpl = ListPage {
        layout: Layout::new(&st, &ctx, "residents.title", "/residents"),
        page,
        tags: super::TAGS,
        tag: q.tag.unwrap_or_default(),
        name: q.name.unwrap_or_default(),
        phone: q.phone.unwrap_or_default(),
        query,
    };
    Ok(Html(
        tpl.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}

#[derive(Template)]
#[template(path = "residents/templates/show.html")]
struct ShowPage {
    layout: Layout,
    r: ResidentView,
}

pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let r = service::get(&st, &user, id).await?;
    let tpl = ShowPage {
        layout: Layout::new(&st, &ctx, "residents.detail", "/residents"),
        r,
    };
    Ok(Html(
        tpl.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
