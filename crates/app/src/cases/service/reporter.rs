//! What the person who reported a case can do with it: 催办 (ask for it to be hurried, once
//! a day), 补充情况 (add information the units are told about), and 撤回 (withdraw it while no
//! unit has taken it on). Only the reporter — the resident whose case it is, or the account
//! that filed it — may; the units and the community's dispatchers are told.

use gongzhi_core::cases::lifecycle::{self, CaseStatus, OrderAction, OrderStatus};
use gongzhi_core::identity::Role;

use super::store::{self, CaseRow, OrderUpdate};
use super::{notify, user_label};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How often a reporter may 催办 one case.
pub const URGE_EVERY_MS: i64 = 24 * 3_600_000;

/// Whether `u` reported case `c` (as the resident it is about, or as its filer).
pub fn is_reporter(u: &CurrentUser, c: &CaseRow) -> bool {
    c.reporter_user_id == Some(u.id)
        || (u.role == Role::Resident && u.resident_id.is_some() && c.resident_id == u.resident_id)
}

async fn load_own(tx: &mut Tx, u: &CurrentUser, id: i64) -> AppResult<CaseRow> {
    let c = store::find_case(tx, id).await?.ok_or(AppError::NotFound)?;
    if !is_reporter(u, &c) {
        // Another person's case does not exist for them.
        super::access::check_visible(tx, u, &c).await?;
        return Err(AppError::Forbidden("REPORTER_ONLY"));
    }
    if c.status == CaseStatus::Closed.code() {
        return Err(AppError::Conflict("CASE_CLOSED"));
    }
    Ok(c)
}

/// Everyone to tell about a reporter's action: the staff of the units with open orders,
/// and the community's dispatchers.
async fn people_to_tell(tx: &mut Tx, c: &CaseRow) -> AppResult<Vec<i64>> {
    let mut to = vec![];
    for o in store::orders_of_case(tx, c.id).await? {
        if OrderStatus::parse(&o.status).is_some_and(|s| s.is_open()) {
            to.extend(crate::notify::service::staff_at(tx, "unit", Some(o.unit_id)).await?);
        }
    }
    to.extend(crate::notify::service::staff_at(tx, "community", Some(c.community_id)).await?);
    Ok(to)
}

/// What each reporter action leaves: the units and dispatchers told, the timeline's event,
/// the audit record.
#[allow(clippy::too_many_arguments)]
async fn record(
    st: &AppState,
    tx: &mut Tx,
    u: &CurrentUser,
    c: &CaseRow,
    (kind, title, body): (&str, String, &str),
    event: &str,
    detail: serde_json::Value,
    audit_event: Event,
    now: i64,
) -> AppResult<()> {
    let to = people_to_tell(tx, c).await?;
    notify(st, tx, &to, c.id, kind, &title, body, now).await?;
    store::insert_event(
        tx,
        c.id,
        None,
        now,
        Some(u.id),
        &user_label(u),
        event,
        &detail,
    )
    .await?;
    audit::record(tx, now, &u.actor(), audit_event).await?;
    Ok(())
}

/// 催办: at most once a day per case; the units and dispatchers are told.
pub async fn urge(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<()> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = load_own(&mut tx, u, id).await?;
    let last = store::events(&mut tx, id)
        .await?
        .into_iter()
        .filter(|e| e.kind == "urged")
        .map(|e| e.at)
        .max();
    if last.is_some_and(|t| now - t < URGE_EVERY_MS) {
        return Err(AppError::Conflict("URGE_TOO_SOON"));
    }
    record(
        st,
        &mut tx,
        u,
        &c,
        ("urge", format!("群众催办 #{id}"), "反映人催促尽快办理"),
        "urged",
        serde_json::json!({}),
        Event::ok("case.urge", "case", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 补充情况: 2–2,000 characters, numbers of people masked as in reports; the units are told.
pub async fn add_info(st: &AppState, u: &CurrentUser, id: i64, text: &str) -> AppResult<()> {
    let t = text.trim();
    let n = t.chars().count();
    if !(2..=2000).contains(&n) {
        return Err(AppError::Invalid {
            code: "TEXT_INVALID",
            field: Some("text"),
        });
    }
    let shown = gongzhi_core::pii::mask_text(t).unwrap_or_else(|| t.to_string());
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = load_own(&mut tx, u, id).await?;
    record(
        st,
        &mut tx,
        u,
        &c,
        ("info", format!("反映人补充情况 #{id}"), &shown),
        "info_added",
        serde_json::json!({"text": shown}),
        Event::ok("case.add_info", "case", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 撤回: while no unit has signed for it (a unit at work, or one that reported back, keeps
/// the case), and only by its sole reporter (a merged case belongs to several people).
pub async fn withdraw(st: &AppState, u: &CurrentUser, id: i64, reason: &str) -> AppResult<()> {
    let reason = super::reason(reason, "reason")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = load_own(&mut tx, u, id).await?;
    if c.reporters > 1 {
        return Err(AppError::Conflict("CASE_SHARED"));
    }
    let orders = store::orders_of_case(&mut tx, id).await?;
    for o in &orders {
        let Some(s) = OrderStatus::parse(&o.status) else {
            continue;
        };
        if !s.is_active() {
            continue;
        }
        let to = lifecycle::next(s, OrderAction::Withdraw)
            .map_err(|_| AppError::Conflict("CASE_IN_HAND"))?;
        if !store::transition(
            &mut tx,
            o.id,
            &o.status,
            to.code(),
            &OrderUpdate::Close,
            now,
        )
        .await?
        {
            return Err(AppError::Conflict("CASE_CHANGED"));
        }
    }
    store::set_case_status(&mut tx, id, CaseStatus::Closed.code(), now, Some(now), None).await?;
    record(
        st,
        &mut tx,
        u,
        &c,
        ("withdrawn", format!("反映人已撤回 #{id}"), &reason),
        "withdrawn",
        serde_json::json!({"reason": reason}),
        Event::ok("case.withdraw", "case", id).with(serde_json::json!({"reason": reason})),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
