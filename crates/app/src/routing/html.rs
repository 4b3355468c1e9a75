//! The review page of routing-model corrections (street staff).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;

use super::review::{self, CorrectionView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page, PageParams};

#[derive(Template)]
#[template(path = "routing/templates/corrections.html")]
struct CorrectionsPage {
    layout: Layout,
    page: Page<CorrectionView>,
    names: std::collections::HashMap<String, String>,
    flash: bool,
}

impl CorrectionsPage {
    fn name<'a>(&'a self, code: &'a str) -> &'a str {
        self.names.get(code).map_or(code, String::as_str)
    }
    fn date(&self, ms: &i64) -> String {
        crate::clock::format_cn(*ms)
    }
}

#[derive(Debug, Deserialize)]
pub struct Flash {
    done: Option<String>,
}

pub async fn corrections(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(f): Query<Flash>,
) -> AppResult<Html<String>> {
    let page = review::corrections(&st, &user, "pending", &p).await?;
    let tpl = CorrectionsPage {
        layout: Layout::new(&st, &ctx, "routing.review_title", "/routing/corrections"),
        page,
        names: super::category_names(),
        flash: f.done.is_some(),
    };
    Ok(Html(
        tpl.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReviewForm {
    /// `accept` or `reject`.
    decision: String,
}

pub async fn review(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> AppResult<Redirect> {
    let accept = match f.decision.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(AppError::invalid("DECISION_INVALID")),
    };
    review::review(&st, &user, id, accept).await?;
    Ok(Redirect::to("/routing/corrections?done=1"))
}
