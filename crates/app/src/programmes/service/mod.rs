//! The community's programmes: who may do what. 社区食堂: staff set the price tiers and
//! the meals; a resident orders for themselves, a guardian for their ward, staff at the
//! counter for anyone of the community (by mobile); each order's split between government,
//! company and resident is computed by `gongzhi_core::programmes::canteen` and kept; a
//! month's totals go on the ledger. 四点半课堂: staff hold sessions with a teacher and a
//! social worker (双师制); a guardian enrols their ward under the separate consent
//! `afterschool` (a child under 14 cannot consent, PIPL art. 31); staff record attendance
//! and outcome measures (sealed); the change and its interval are computed from rows.

use gongzhi_core::identity::Role;
use serde::{Deserialize, Serialize};

use super::store;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

mod canteen;
mod classes;
pub use canteen::*;
pub use classes::*;

fn invalid(code: &'static str, field: &'static str) -> AppError {
    AppError::Invalid {
        code,
        field: Some(field),
    }
}

fn text(s: &str, max: usize, field: &'static str) -> AppResult<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(invalid("PROGRAMME_TEXT_INVALID", field));
    }
    Ok(t.to_string())
}

fn today(st: &AppState) -> String {
    crate::clock::iso(st.now_ms())
        .get(..10)
        .unwrap_or_default()
        .to_string()
}

async fn community(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<i64> {
    crate::participation::service::community_of(st, u, wanted).await
}

fn manages(st: &AppState, u: &CurrentUser, c: i64) -> bool {
    crate::participation::service::manages(st, u, c)
}

fn must_manage(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<()> {
    if manages(st, u, c) {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
}

/// Whether `u` reads community `c`'s programmes: its residents and the staff whose area
/// holds it (handling units and mediators have no part in them).
async fn reads(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<bool> {
    Ok(match u.role {
        Role::UnitStaff | Role::Mediator => false,
        Role::Resident => community(st, u, None).await.ok() == Some(c),
        _ => st.org_map().unit_in_scope(c, u.scope) || community(st, u, None).await.ok() == Some(c),
    })
}

/// The community of resident `r`, if any.
async fn home_of(st: &AppState, r: i64) -> AppResult<Option<i64>> {
    Ok(crate::residents::service::party(st, r)
        .await?
        .map(|p| p.place.community_id))
}
