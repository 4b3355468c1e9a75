//! 议事协商: who sees and does what. Residents see their own community's bodies, meetings,
//! decisions and suggestions (other residents' names masked), raise and support suggestions
//! and check in at meetings; community and street staff of the area keep bodies and
//! members, call meetings (the notice is published and sent), mark attendance, publish
//! minutes on the ledger, follow decisions, and take each suggestion through its course.
//! Grid workers and building heads read their community's. Units and mediators see none.

use gongzhi_core::identity::{Role, Scope};

mod bodies;
mod meetings;
mod suggestions;

pub use bodies::{BodyView, MemberView, NewBody, NewMember, add_member, bodies, create_body};
pub use meetings::{
    DecisionView, MeetingView, NewDecision, NewMeeting, add_decision, call_meeting, check_in,
    decision_done, mark_present, meeting, meetings, publish_minutes,
};
pub use suggestions::{
    MonthRates, NewSuggestionRequest, SuggestionAction, SuggestionView, act, raise, rates,
    suggestions, support,
};

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

pub(super) fn day(s: &str, field: &'static str) -> AppResult<String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| invalid("DATE_INVALID", field))
}

/// The community the caller's pages are about: a resident's own; staff's, grid workers' and
/// building heads' area (street staff and the district choose one, else their first).
pub async fn community_of(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<i64> {
    let map = st.org_map();
    match (u.role, u.scope) {
        (Role::Resident, _) => {
            let r = u.resident_id.ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?;
            crate::residents::service::party(st, r)
                .await?
                .map(|p| p.place.community_id)
                .ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))
        }
        (Role::UnitStaff | Role::Mediator, _) => Err(AppError::Forbidden("ROLE_FORBIDDEN")),
        (_, Scope::Community(c)) => Ok(c),
        (_, Scope::Grid(id) | Scope::Building(id)) => map
            .unit(id)
            .and_then(|x| x.community)
            .ok_or(AppError::Forbidden("ROLE_FORBIDDEN")),
        (_, scope) => {
            let mine: Vec<i64> = map
                .communities()
                .into_iter()
                .map(|c| c.0)
                .filter(|c| map.unit_in_scope(*c, scope))
                .collect();
            match wanted {
                Some(w) if mine.contains(&w) => Ok(w),
                Some(_) => Err(AppError::NotFound),
                None => mine.first().copied().ok_or(AppError::NotFound),
            }
        }
    }
}

/// Whether `u` may read community `c`'s participation.
pub(super) async fn reads(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<bool> {
    Ok(match u.role {
        Role::UnitStaff | Role::Mediator => false,
        Role::Resident => community_of(st, u, None).await? == c,
        _ => st.org_map().unit_in_scope(c, u.scope) || community_of(st, u, None).await? == c,
    })
}

/// Whether `u` keeps community `c`'s bodies, meetings and suggestions.
pub fn manages(st: &AppState, u: &CurrentUser, c: i64) -> bool {
    matches!(u.role, Role::CommunityStaff | Role::StreetStaff)
        && st.org_map().unit_in_scope(c, u.scope)
}

pub fn must_manage(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<()> {
    if manages(st, u, c) {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
}

pub(super) async fn masked(st: &AppState, resident: Option<i64>) -> AppResult<String> {
    match resident {
        Some(r) => crate::residents::service::masked_name(st, r).await,
        None => Ok(String::new()),
    }
}
