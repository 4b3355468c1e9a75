//! 微更新: who sees and does what. Residents of a community see its projects and rounds,
//! propose ideas (building heads too; staff on a resident's behalf), post and comment on
//! the co-design board, pick a design option, vote in rounds, pledge, adopt the space and
//! check in or book it. Community and street staff of the area run the course: co-design
//! and its workshop, the feasibility review, rounds and their tally, the funding plan and
//! its three sources, milestones, payments with receipts, acceptance and the final account.
//! Grid workers read their community's. Units and mediators see none. Money moves only
//! through the funds domain, in the 微更新基金 book, so every yuan is on the ledger.

use gongzhi_core::identity::Role;
use serde::Serialize;

mod money;
mod projects;
mod rounds;
mod space;

pub use money::{FundingView, MilestoneView, PledgeRequest, PledgeView, pledge};
pub use projects::{
    NewPostRequest, NewProjectRequest, PostView, ProjectAction, ProjectSummary, ProjectView,
    WorkshopView, act, photo, pick, post, project, projects, propose,
};
pub(crate) use rounds::pseudonym;
pub use rounds::{
    ItemView, NewRoundRequest, RoundBallot, RoundSummary, RoundView, ballot, close, create_round,
    export_pb, import_pb, round, rounds,
};
pub use space::{AdoptRequest, UseRequest, UseView, adopt, record_use};

use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(super) fn invalid(code: &'static str, field: &'static str) -> AppError {
    AppError::Invalid {
        code,
        field: Some(field),
    }
}

/// A text of 1..=max characters, trimmed.
pub(super) fn text(
    s: &str,
    max: usize,
    code: &'static str,
    field: &'static str,
) -> AppResult<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(invalid(code, field));
    }
    Ok(t.to_string())
}

/// The community the caller's pages are about (as in 议事协商).
pub async fn community_of(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<i64> {
    crate::participation::service::community_of(st, u, wanted).await
}

/// Whether `u` may read community `c`'s projects and rounds.
pub(super) async fn reads(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<bool> {
    Ok(match u.role {
        Role::UnitStaff | Role::Mediator => false,
        Role::Resident | Role::BuildingHead => community_of(st, u, None).await? == c,
        // Grid workers read their grid's community.
        _ => {
            st.org_map().unit_in_scope(c, u.scope)
                || community_of(st, u, None).await.ok() == Some(c)
        }
    })
}

pub(super) async fn must_read(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<()> {
    if reads(st, u, c).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether `u` runs community `c`'s micro-renewal (its community or street staff).
pub fn manages(st: &AppState, u: &CurrentUser, c: i64) -> bool {
    crate::participation::service::manages(st, u, c)
}

pub(super) fn must_manage(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<()> {
    if manages(st, u, c) {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
}

/// The resident behind a resident's own request (else `RESIDENT_ONLY`).
pub(super) fn resident(u: &CurrentUser) -> AppResult<i64> {
    match (u.role, u.resident_id) {
        (Role::Resident | Role::BuildingHead, Some(r)) => Ok(r),
        _ => Err(AppError::Forbidden("RESIDENT_ONLY")),
    }
}

pub(super) async fn masked(st: &AppState, resident: Option<i64>) -> AppResult<String> {
    match resident {
        Some(r) => crate::residents::service::masked_name(st, r).await,
        None => Ok(String::new()),
    }
}

/// `12,345.67`.
pub fn yuan(fen: i64) -> String {
    gongzhi_core::ledger::yuan(fen)
}

/// Today in China, `YYYY-MM-DD`.
pub(super) fn today(st: &AppState) -> String {
    crate::clock::date_cn(st.now_ms())
}

/// Tells the proposer (if they have an account) how their project moved on.
pub(super) async fn tell_proposer(
    st: &AppState,
    tx: &mut crate::db::Tx,
    p: &super::store::ProjectRow,
    body: &str,
    now: i64,
) -> AppResult<()> {
    if let Some(r) = p.proposer_resident_id {
        let users = crate::auth::service::accounts_of_residents(tx, &[r]).await?;
        crate::notify::service::send(
            st,
            tx,
            &users,
            None,
            "renewal",
            "微更新项目有了新进展",
            body,
            now,
        )
        .await?;
    }
    Ok(())
}

/// A stage and where a project can go from it, for the course shown on its page.
pub const STAGES: [&str; 8] = [
    "idea",
    "codesign",
    "review",
    "feasible",
    "selection",
    "funding",
    "implementation",
    "in_use",
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Money {
    pub fen: i64,
    pub yuan: String,
}

impl From<i64> for Money {
    fn from(fen: i64) -> Self {
        Money {
            fen,
            yuan: yuan(fen),
        }
    }
}
