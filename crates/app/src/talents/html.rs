//! The 能人库 page `/talents`: the community's talents with their certificates and open
//! slots (residents book one), the caller's own listing, slots and bookings, and teams.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;

use super::service::{self, TalentOverview};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "talents/templates/index.html")]
struct IndexPage {
    layout: Layout,
    o: TalentOverview,
    skills: [&'static str; 9],
    outcomes: [&'static str; 4],
    resident: bool,
    done: bool,
}

impl IndexPage {
    fn at(&self, ms: &i64) -> String {
        crate::clock::format_cn(*ms)
    }
    fn has_skill(&self, s: &str) -> bool {
        self.o
            .me
            .as_ref()
            .is_some_and(|m| m.skills.iter().any(|x| x == s))
    }
}

pub async fn index(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let o = service::overview(&st, &user, None).await?;
    let layout = Layout::new(&st, &ctx, "talents.title", "/talents");
    let page = IndexPage {
        o,
        skills: service::SKILLS,
        outcomes: service::OUTCOMES,
        resident: user.role == gongzhi_core::identity::Role::Resident,
        done: q.done.is_some(),
        layout,
    };
    Ok(Html(
        page.render().map_err(|e| AppError::Internal(e.into()))?,
    ))
}
