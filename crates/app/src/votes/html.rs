//! The votes pages: the list of votes the user may see, and one vote with the owner's own
//! share, the ballot buttons and the live count (quorum and both majorities as numbers and
//! fractions).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongzhi_core::votes::Tally;
use serde::Deserialize;

use super::service::{self, VoteItem};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Template)]
#[template(path = "votes/templates/list.html")]
struct ListPage {
    layout: Layout,
    votes: Vec<VoteItem>,
}

#[derive(Template)]
#[template(path = "votes/templates/show.html")]
struct ShowPage {
    layout: Layout,
    v: VoteItem,
    t: Tally,
    done: bool,
    entered: bool,
    closed_now: bool,
    refusal: Option<crate::web::forms::Refusal>,
    sheet: Option<service::Sheet>,
}

impl ShowPage {
    /// Whether the caller collects ballots door to door (a building head).
    fn door(&self) -> bool {
        self.sheet
            .as_ref()
            .is_some_and(|s| s.channels.contains(&"door"))
    }

    /// How many owners of the sheet have voted.
    fn voted(&self) -> usize {
        self.sheet
            .as_ref()
            .map_or(0, |s| s.rows.iter().filter(|r| r.channel.is_some()).count())
    }

    /// `a / b` as a percentage with one decimal.
    fn pct(&self, a: impl std::borrow::Borrow<f64>, b: impl std::borrow::Borrow<f64>) -> String {
        let (a, b) = (*a.borrow(), *b.borrow());
        if b <= 0.0 {
            "—".into()
        } else {
            format!("{:.1}%", a / b * 100.0)
        }
    }

    fn m2(&self, a: impl std::borrow::Borrow<f64>) -> String {
        format!("{:.2}", a.borrow())
    }
}

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let votes = service::list(&st, &user, &service::ListQuery::default()).await?;
    render(&ListPage {
        layout: Layout::new(&st, &ctx, "votes.title", "/votes"),
        votes,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct ShowFlags {
    pub done: Option<String>,
    pub entered: Option<String>,
    pub closed: Option<String>,
}

pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    axum::extract::Query(f): axum::extract::Query<ShowFlags>,
) -> AppResult<Html<String>> {
    let (v, t) = service::get(&st, &user, id).await?;
    let sheet = service::sheet(&st, &user, id).await?;
    render(&ShowPage {
        layout: Layout::new(&st, &ctx, "votes.title", "/votes"),
        v,
        t,
        done: f.done.is_some(),
        entered: f.entered.is_some(),
        closed_now: f.closed.is_some(),
        refusal: None,
        sheet,
    })
}

#[derive(Debug, Deserialize)]
pub struct BallotForm {
    pub choice: String,
}

/// An owner's ballot from the page; a refusal comes back on the page with why.
pub async fn cast(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<BallotForm>,
) -> AppResult<Response> {
    let req = service::BallotRequest {
        choice: f.choice,
        channel: None,
        owner: None,
        attachment: None,
    };
    match service::cast(&st, &user, id, &req).await {
        Ok(_) => Ok(Redirect::to(&format!("/votes/{id}?done=1")).into_response()),
        Err(e) => match crate::web::forms::Refusal::of(ctx.lang, &e) {
            Some(r) => {
                let (v, t) = service::get(&st, &user, id).await?;
                let sheet = service::sheet(&st, &user, id).await?;
                let page = render(&ShowPage {
                    layout: Layout::new(&st, &ctx, "votes.title", "/votes"),
                    v,
                    t,
                    done: false,
                    entered: false,
                    closed_now: false,
                    refusal: Some(r),
                    sheet,
                })?;
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            None => Err(e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    pub reason: String,
}

/// Staff close a vote before its time, with the reason.
pub async fn close(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> AppResult<Response> {
    service::close_now(&st, &user, id, &f.reason).await?;
    Ok(Redirect::to(&format!("/votes/{id}?closed=1")).into_response())
}
