//! Resident pages for staff: a scoped, masked list with filters, and a detail page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};

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
    Query(fq): Query<crate::cases::html::FormatQuery>,
) -> AppResult<Response> {
    if let Some(format) = crate::web::export::wanted(fq.format.as_deref())? {
        use crate::web::export::{Cell, Sheet};
        let rows = service::export_list(&st, &user, &q).await?;
        let t = |k: &str| ctx.lang.t(k).to_string();
        let mut filters = vec![];
        if let Some(tag) = q.tag.as_deref().filter(|s| !s.is_empty()) {
            filters.push(format!("{}：{tag}", t("residents.tag")));
        }
        if let Some(n) = q.name.as_deref().filter(|s| !s.is_empty()) {
            filters.push(format!("{}：{n}", t("residents.name")));
        }
        let sheet = Sheet {
            title: t("residents.title"),
            filters: filters.join("；"),
            headers: [
                "cases.no",
                "residents.name",
                "residents.gender",
                "residents.birth_year",
                "residents.phone",
                "residents.id_number",
                "scope_kind.community",
                "scope_kind.grid",
                "scope_kind.building",
                "residents.room",
                "residents.tags",
            ]
            .iter()
            .map(|k| t(k))
            .collect(),
            rows: rows
                .into_iter()
                .map(|r| {
                    vec![
                        Cell::Int(r.id),
                        r.name.into(),
                        r.gender.into(),
                        Cell::Int(r.birth_year),
                        r.phone.into(),
                        r.id_number.into(),
                        r.community.into(),
                        r.grid.into(),
                        r.building.into(),
                        r.room.into(),
                        r.tags.join("、").into(),
                    ]
                })
                .collect(),
        };
        return crate::web::export::respond(&sheet, format, st.now_ms());
    }
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
    Ok(Html(tpl.render().map_err(|e| AppError::Internal(e.into()))?).into_response())
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
