//! 回访 and 督办: the reporter (or a dispatcher calling them) says whether the matter is
//! solved and how satisfied they are; a dispatcher puts a case under supervision.

use gongzhi_core::cases::calendar;
use gongzhi_core::cases::lifecycle::{CaseStatus, OrderStatus};

use super::access::{check_visible, may_call_back, require_dispatcher};
use super::store::{self, OrderUpdate};
use super::{category, notify, reason, refresh_status, user_label};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The call-back (回访): the reporter, or a dispatcher calling them, says whether it is
/// solved and how satisfied they are. Solved closes the case; not solved reopens every
/// order that reported back, with fresh deadlines.
pub async fn callback(
    st: &AppState,
    u: &CurrentUser,
    case_id: i64,
    solved: bool,
    satisfaction: Option<i64>,
    comment: &str,
) -> AppResult<CaseStatus> {
    if let Some(s) = satisfaction
        && !(1..=5).contains(&s)
    {
        return Err(AppError::Invalid {
            code: "SATISFACTION_INVALID",
            field: Some("satisfaction"),
        });
    }
    let comment: String = comment.trim().chars().take(500).collect();
    let actor = u.actor();
    let cal = crate::cases::calendar::calendar(st).await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let standing = check_visible(&mut tx, u, &c).await?;
    if !may_call_back(u, &c, &standing) {
        return Err(AppError::Forbidden("CALLBACK_FORBIDDEN"));
    }
    if c.status != CaseStatus::Feedback.code() {
        return Err(AppError::Conflict("CASE_NOT_AWAITING_CALLBACK"));
    }
    store::insert_callback(
        &mut tx,
        case_id,
        solved,
        satisfaction,
        &comment,
        Some(u.id),
        now,
    )
    .await?;
    store::set_callback(&mut tx, case_id, solved, satisfaction, now).await?;
    {
        let d = store::rollup::Delta {
            callbacks: 1,
            solved: i64::from(solved),
            rated: i64::from(satisfaction.is_some()),
            satisfied: i64::from(satisfaction.is_some_and(|s| s >= 4)),
            ..Default::default()
        };
        let mut dims: Vec<(&str, i64)> =
            store::rollup::places(c.grid_id, c.community_id, c.street_id).to_vec();
        for o in store::orders_of_case(&mut tx, case_id).await? {
            if o.status != OrderStatus::Rerouted.code() {
                dims.push(("unit", o.unit_id));
                dims.push((
                    store::rollup::UNIT_IN,
                    store::rollup::unit_in(o.unit_id, c.community_id),
                ));
            }
        }
        store::rollup::add(&mut tx, &dims, store::rollup::day_of(now), &d).await?;
    }
    let cat = category(&c.category);
    for o in store::orders_of_case(&mut tx, case_id).await? {
        if o.status != OrderStatus::Done.code() {
            continue;
        }
        let (to, change) = if solved {
            (OrderStatus::Closed, OrderUpdate::Close)
        } else {
            let (due_at, warn_at) = match cat {
                Some(cat) => {
                    let d = calendar::deadlines(&cal, now, cat.sla_hours, cat.urgent);
                    (d.due_at, d.warn_at)
                }
                None => (o.due_at, o.warn_at),
            };
            (
                OrderStatus::Handling,
                OrderUpdate::Reopen { due_at, warn_at },
            )
        };
        if !store::transition(&mut tx, o.id, &o.status, to.code(), &change, now).await? {
            return Err(AppError::Conflict("ORDER_CHANGED"));
        }
        if !solved {
            let to = crate::notify::service::staff_at(&mut tx, "unit", Some(o.unit_id)).await?;
            notify(
                st,
                &mut tx,
                &to,
                case_id,
                "reopened",
                &format!("工单重办 #{case_id}: 回访未解决"),
                &comment,
                now,
            )
            .await?;
        }
    }
    store::insert_event(
        &mut tx,
        case_id,
        None,
        now,
        Some(u.id),
        &user_label(u),
        if solved {
            "callback_solved"
        } else {
            "callback_unsolved"
        },
        &serde_json::json!({"solved": solved, "satisfaction": satisfaction, "comment": comment}),
    )
    .await?;
    let status = refresh_status(&mut tx, case_id, now).await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok("case.callback", "case", case_id)
            .with(serde_json::json!({"solved": solved, "satisfaction": satisfaction})),
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// 督办 by hand: a dispatcher puts a case under supervision and tells the units.
pub async fn supervise(st: &AppState, u: &CurrentUser, case_id: i64, note: &str) -> AppResult<()> {
    let note = reason(note, "note")?;
    let actor = u.actor();
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require_dispatcher(&mut tx, u, &c).await?;
    if c.status == CaseStatus::Closed.code() {
        return Err(AppError::Conflict("CASE_CLOSED"));
    }
    store::set_rung(&mut tx, case_id, &c.rung, now).await?;
    let mut to = vec![];
    for o in store::orders_of_case(&mut tx, case_id).await? {
        if OrderStatus::parse(&o.status).is_some_and(|s| s.is_open()) {
            to.extend(crate::notify::service::staff_at(&mut tx, "unit", Some(o.unit_id)).await?);
        }
    }
    notify(
        st,
        &mut tx,
        &to,
        case_id,
        "supervise",
        &format!("督办 #{case_id}"),
        &note,
        now,
    )
    .await?;
    store::insert_event(
        &mut tx,
        case_id,
        None,
        now,
        Some(u.id),
        &user_label(u),
        "supervised",
        &serde_json::json!({"note": note}),
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok("case.supervise", "case", case_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
