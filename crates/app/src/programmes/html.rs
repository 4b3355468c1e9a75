//! Programme pages: `/canteen` (tiers, meals with their split, ordering for oneself, a
//! ward, or at the counter) and `/afterschool` (sessions, enrolment, attendance, outcomes
//! and the figures computed from them).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use super::service::{self, CanteenOverview, ClassOverview};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "programmes/templates/canteen.html")]
struct CanteenPage {
    layout: Layout,
    o: CanteenOverview,
    resident: bool,
    done: bool,
}

impl CanteenPage {
    fn yuan(&self, fen: &i64) -> String {
        gongzhi_core::ledger::yuan(*fen)
    }
}

pub async fn canteen(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let o = service::canteen(&st, &user, None).await?;
    let layout = Layout::new(&st, &ctx, "canteen.title", "/canteen");
    let page = CanteenPage {
        o,
        resident: user.resident_id.is_some(),
        done: q.done.is_some(),
        layout,
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}

#[derive(Template)]
#[template(path = "programmes/templates/afterschool.html")]
struct ClassPage {
    layout: Layout,
    o: ClassOverview,
    done: bool,
}

impl ClassPage {
    fn at(&self, ms: &i64) -> String {
        crate::clock::format_cn(*ms)
    }
    fn num(&self, v: &f64) -> String {
        format!("{v:.1}")
    }
    fn signed(&self, v: &f64) -> String {
        format!("{v:+.1}")
    }
    fn pct(&self, v: &f64) -> String {
        format!("{:+.1}", v * 100.0)
    }
    fn score(&self, e: &service::ClassEnrolmentView, measure: &str, phase: &str) -> String {
        e.outcomes
            .iter()
            .find(|o| o.measure == measure && o.phase == phase)
            .map(|o| format!("{:.0}", o.score))
            .unwrap_or_else(|| "—".into())
    }
}

pub async fn classes(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let o = service::classes(&st, &user, None).await?;
    let layout = Layout::new(&st, &ctx, "afterschool.title", "/afterschool");
    let page = ClassPage {
        o,
        done: q.done.is_some(),
        layout,
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
