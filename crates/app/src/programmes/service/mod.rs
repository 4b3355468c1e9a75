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

use crate::participation::service::must_manage;

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

/// What the programmes hold about the caller, for their export (PIPL art. 45): their
/// canteen orders (and their wards'), and the after-school enrolments of themselves and
/// their wards with attendance and outcomes.
pub async fn export_own(st: &AppState, u: &CurrentUser) -> AppResult<serde_json::Value> {
    let mut people: Vec<i64> = u.resident_id.into_iter().collect();
    people.extend(crate::consent::service::wards_of(st, u.id).await?);
    let mut orders = vec![];
    let mut enrolments = vec![];
    for p in &people {
        let mut tx = st.db.read().await?;
        let rows = store::orders_of(&mut tx, *p, "0000-00-00").await?;
        let kids = store::enrolments_of_child(&mut tx, *p).await?;
        drop(tx);
        for o in &rows {
            orders.push(serde_json::json!({
                "resident": p, "meal": o.meal_id, "tier": o.tier_name,
                "government_fen": o.government_fen, "company_fen": o.company_fen,
                "resident_fen": o.resident_fen, "channel": o.channel, "at_ms": o.created_at,
            }));
        }
        for e in &kids {
            enrolments.push(serde_json::json!({
                "resident": p,
                "enrolment": classes::enrolment_view_in(st, e).await?,
            }));
        }
    }
    Ok(serde_json::json!({"canteen_orders": orders, "afterschool": enrolments}))
}

/// Erases a resident's after-school records inside the cancellation's transaction (their
/// canteen orders stay: the month's published accounts rest on them, by resident id only).
pub async fn erase_resident(tx: &mut crate::db::Tx, resident: i64) -> AppResult<u64> {
    Ok(store::forget_child(tx, resident).await?)
}
