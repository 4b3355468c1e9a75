//! The supervision board (监督考核): the 三率 of the user's area by unit and by community,
//! overdue and supervised cases, the heat map, and the ranking as a file.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::html::{focus, render};
use super::insight::{self, RateRow};
use super::service::CaseListItem;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page};

fn pct(v: &Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub struct RateLine {
    pub name: String,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
    pub composite: String,
    pub orders: i64,
    pub callbacks: i64,
}

fn lines(rows: &[RateRow]) -> Vec<RateLine> {
    rows.iter()
        .map(|r| RateLine {
            name: r.name.clone(),
            response: pct(&r.response_rate),
            resolution: pct(&r.resolution_rate),
            satisfaction: pct(&r.satisfaction_rate),
            composite: pct(&r.composite),
            orders: r.counts.due_to_sign,
            callbacks: r.counts.callbacks,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases/templates/supervision.html")]
struct SupervisionPage {
    layout: Layout,
    units: Vec<RateLine>,
    communities: Vec<RateLine>,
    total: RateLine,
    /// The area the figures cover (范围).
    area: String,
    overdue: Page<CaseListItem>,
    supervised: Page<CaseListItem>,
    heat_data: serde_json::Value,
    from: String,
    to: String,
    focus: String,
    tile_url: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `xlsx` or `csv`: the 三率 table as a file, ranked.
    pub format: Option<String>,
    /// For the file: `unit` (default) or `community`.
    pub level: Option<String>,
}

pub async fn supervision(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(pq): Query<PeriodQuery>,
) -> AppResult<Response> {
    if let Some(format) = crate::web::export::wanted(pq.format.as_deref())? {
        let q = insight::RatesQuery {
            level: Some(pq.level.clone().unwrap_or_else(|| "unit".into())),
            from: pq.from.clone(),
            to: pq.to.clone(),
        };
        if !matches!(q.level.as_deref(), Some("unit" | "community")) {
            return Err(AppError::Invalid {
                code: "LEVEL_INVALID",
                field: Some("level"),
            });
        }
        let v = insight::rates(&st, &user, &q).await?;
        return crate::web::export::respond(&super::sheets::rates(&ctx, &v), format, st.now_ms());
    }
    let board = insight::board(&st, &user, pq.from, pq.to).await?;
    let (by_unit, by_community, overdue, supervised, heat) = (
        board.by_unit,
        board.by_community,
        board.overdue,
        board.supervised,
        board.heat,
    );
    let names: std::collections::HashMap<String, String> = crate::taxonomy::get()
        .categories
        .iter()
        .map(|c| {
            let name = crate::taxonomy::name_in(&c.code, ctx.lang).unwrap_or_default();
            (c.code.clone(), name)
        })
        .collect();
    let heat_data = serde_json::json!({
        "cells": heat,
        "categories": names,
    });
    render(&SupervisionPage {
        layout: Layout::new(&st, &ctx, "cases.supervision_title", "/supervision"),
        units: lines(&by_unit.rows),
        communities: lines(&by_community.rows),
        // Per case, not per order: a case sent to two units is called back once.
        total: lines(std::slice::from_ref(&by_community.total)).remove(0),
        area: crate::web::layout::scope_label(
            &st,
            insight::rate_area(&st.org_map(), user.scope)
                .unwrap_or(gongzhi_core::identity::Scope::District),
            ctx.lang,
        ),
        overdue,
        supervised,
        heat_data,
        from: by_unit.from.chars().take(10).collect(),
        to: by_unit.to.chars().take(10).collect(),
        focus: focus(&st, user.scope),
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
    })
    .map(IntoResponse::into_response)
}
