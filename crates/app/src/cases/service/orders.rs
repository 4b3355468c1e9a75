//! The work-order life cycle as the handling unit and the dispatcher move it: sign (签收),
//! return (退单), ask for more time (延期) and its decision, report back (反馈), reroute
//! (改派); and a unit re-planning its unsigned orders in one batch (派工).

use gongzhi_core::cases::assign;
use gongzhi_core::cases::calendar;
use gongzhi_core::cases::lifecycle::{self, OrderAction, OrderStatus};
use sha2::{Digest, Sha256};

use super::access::{check_visible, dispatches, unit_of};
use super::dispatch::dispatch_order_now;
use super::media::Photo;
use super::store::{self, OrderUpdate};
use super::{MAX_PHOTOS, category, notify, reason, refresh_status, unit_code, user_label};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::clock::iso;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What a unit or a dispatcher does to an order.
#[derive(Debug, Clone)]
pub enum Act {
    Sign,
    Return {
        reason: String,
    },
    /// Ask for more time: a new deadline and why.
    Extend {
        until: i64,
        reason: String,
    },
    /// The dispatcher approves or refuses the pending extension.
    DecideExtension {
        approve: bool,
    },
    Feedback {
        text: String,
        photos: Vec<Photo>,
    },
    /// The dispatcher sends the order to another unit.
    Reroute {
        unit: i64,
        reason: String,
    },
}

impl Act {
    fn action(&self) -> OrderAction {
        match self {
            Act::Sign => OrderAction::Sign,
            Act::Return { .. } => OrderAction::Return,
            Act::Extend { .. } => OrderAction::RequestExtension,
            Act::DecideExtension { .. } => OrderAction::DecideExtension,
            Act::Feedback { .. } => OrderAction::Feedback,
            Act::Reroute { .. } => OrderAction::Reroute,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Act::Sign => "signed",
            Act::Return { .. } => "returned",
            Act::Extend { .. } => "extension_requested",
            Act::DecideExtension { approve: true } => "extension_approved",
            Act::DecideExtension { approve: false } => "extension_refused",
            Act::Feedback { .. } => "feedback",
            Act::Reroute { .. } => "rerouted",
        }
    }

    /// Whether the unit acts (else a dispatcher).
    fn by_unit(&self) -> bool {
        matches!(
            self,
            Act::Sign | Act::Return { .. } | Act::Extend { .. } | Act::Feedback { .. }
        )
    }
}

/// Applies an action to a work order, with the life-cycle rules, permissions, history,
/// notifications and audit in one transaction. Returns the case id.
#[tracing::instrument(skip_all, fields(order = order_id))]
pub async fn act(st: &AppState, u: &CurrentUser, order_id: i64, act: Act) -> AppResult<i64> {
    // Validate free text before opening the transaction.
    let act = match act {
        Act::Return { reason: r } => Act::Return {
            reason: reason(&r, "reason")?,
        },
        Act::Extend { until, reason: r } => Act::Extend {
            until,
            reason: reason(&r, "reason")?,
        },
        Act::Reroute { unit, reason: r } => Act::Reroute {
            unit,
            reason: reason(&r, "reason")?,
        },
        Act::Feedback { text, photos } => {
            if photos.len() > MAX_PHOTOS {
                return Err(AppError::Invalid {
                    code: "PHOTO_TOO_MANY",
                    field: Some("photos"),
                });
            }
            Act::Feedback {
                text: reason(&text, "text")?,
                photos,
            }
        }
        other => other,
    };
    let cal = crate::cases::calendar::calendar(st).await?;
    let now = st.now_ms();
    let actor = u.actor();
    let mut tx = st.db.begin().await?;
    let o = store::find_order(&mut tx, order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = store::find_case(&mut tx, o.case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Permission: the order's own unit for unit actions; a dispatcher over the case's
    // place for the others. Anyone else gets the same 404 as a missing order.
    let allowed = if act.by_unit() {
        unit_of(u) == Some(o.unit_id)
    } else {
        dispatches(u, &c)
    };
    if !allowed {
        check_visible(&mut tx, u, &c).await?;
        return Err(AppError::Forbidden("ORDER_ACTION_FORBIDDEN"));
    }
    let from = OrderStatus::parse(&o.status)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad order status {}", o.status)))?;
    let to = lifecycle::next(from, act.action())
        .map_err(|e| AppError::Conflict(gongzhi_core::Coded::code(&e)))?;
    let mut detail = serde_json::json!({"from": o.status, "to": to.code()});
    let mut notify_units = false;
    let mut new_unit = None;
    let photos_json;
    let change = match &act {
        Act::Sign => OrderUpdate::Sign { by: u.id },
        Act::Return { reason } => {
            detail["reason"] = reason.clone().into();
            OrderUpdate::Return { reason }
        }
        Act::Extend { until, reason } => {
            if o.ext_until.is_some() {
                return Err(AppError::Conflict("EXTENSION_PENDING"));
            }
            if *until <= o.due_at || *until > now + 90 * 86_400_000 {
                return Err(AppError::Invalid {
                    code: "EXTENSION_INVALID",
                    field: Some("until"),
                });
            }
            detail["until"] = iso(*until).into();
            detail["reason"] = reason.clone().into();
            OrderUpdate::RequestExtension {
                until: *until,
                reason,
            }
        }
        Act::DecideExtension { approve } => {
            let Some(until) = o.ext_until else {
                return Err(AppError::Conflict("EXTENSION_NONE"));
            };
            notify_units = true;
            if *approve {
                detail["due_at"] = iso(until).into();
                OrderUpdate::GrantExtension {
                    due_at: until,
                    // A fresh warning for the new deadline, at the same share of the extra time.
                    warn_at: o.due_at + (until - o.due_at) * calendar::WARN_PER_MILLE / 1000,
                }
            } else {
                OrderUpdate::RefuseExtension
            }
        }
        Act::Feedback { text, photos } => {
            let mut ids = vec![];
            for p in photos {
                let sha = hex::encode(Sha256::digest(&p.bytes));
                ids.push(
                    store::insert_attachment(
                        &mut tx,
                        c.id,
                        p.mime,
                        &sha,
                        &p.bytes,
                        Some(u.id),
                        now,
                    )
                    .await?,
                );
            }
            photos_json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
            detail["text"] = text.clone().into();
            detail["photos"] = ids.len().into();
            OrderUpdate::Feedback {
                text,
                photos: &photos_json,
            }
        }
        Act::Reroute { unit, reason } => {
            if st.org_map().handling_unit_code(*unit).is_none() {
                return Err(AppError::Invalid {
                    code: "UNIT_UNKNOWN",
                    field: Some("unit"),
                });
            }
            let others = store::orders_of_case(&mut tx, c.id).await?;
            if others.iter().any(|x| {
                x.unit_id == *unit
                    && x.id != o.id
                    && OrderStatus::parse(&x.status).is_some_and(|s| s.is_active())
            }) {
                return Err(AppError::Conflict("UNIT_ALREADY_ON_CASE"));
            }
            detail["unit"] = unit_code(st, *unit).into();
            detail["reason"] = reason.clone().into();
            new_unit = Some(*unit);
            OrderUpdate::Reroute
        }
    };
    if !store::transition(&mut tx, o.id, &o.status, to.code(), &change, now).await? {
        return Err(AppError::Conflict("ORDER_CHANGED"));
    }
    if matches!(act, Act::Sign | Act::Return { .. }) {
        store::rollup::count_response(
            &mut tx,
            o.id,
            o.unit_id,
            o.created_at,
            o.sign_by,
            Some(now),
            store::rollup::places(c.grid_id, c.community_id, c.street_id),
        )
        .await?;
    }
    store::insert_event(
        &mut tx,
        c.id,
        Some(o.id),
        now,
        Some(u.id),
        &user_label(u),
        act.code(),
        &detail,
    )
    .await?;
    let cat = category(&c.category);
    if let (Some(unit), Some(cat)) = (new_unit, cat) {
        dispatch_order_now(
            st,
            &mut tx,
            &cal,
            &c,
            cat,
            unit,
            &actor,
            &user_label(u),
            now,
        )
        .await?;
    }
    // Tell whoever must act next.
    match &act {
        Act::Return { reason } | Act::Extend { reason, .. } => {
            let (kind, what) = match &act {
                Act::Return { .. } => ("returned", "退单"),
                _ => ("extension", "延期申请"),
            };
            let to = crate::notify::service::staff_at(&mut tx, "community", Some(c.community_id))
                .await?;
            let title = format!("{what} #{}: {}", c.id, o.unit_name);
            notify(st, &mut tx, &to, c.id, kind, &title, reason, now).await?;
        }
        Act::Feedback { .. } => {
            if let Some(rep) = c.reporter_user_id {
                notify(
                    st,
                    &mut tx,
                    &[rep],
                    c.id,
                    "feedback",
                    &format!("您反映的问题 #{} 已有处理结果", c.id),
                    "请查看处理情况并评价。",
                    now,
                )
                .await?;
            }
        }
        _ => {}
    }
    if notify_units {
        let to = crate::notify::service::staff_at(&mut tx, "unit", Some(o.unit_id)).await?;
        let approved = matches!(act, Act::DecideExtension { approve: true });
        let title = if approved {
            "延期申请已批准"
        } else {
            "延期申请未批准"
        };
        notify(
            st,
            &mut tx,
            &to,
            c.id,
            "extension",
            &format!("{title} #{}", c.id),
            "",
            now,
        )
        .await?;
    }
    refresh_status(&mut tx, c.id, now).await?;
    let action: &'static str = match &act {
        Act::Sign => "order.sign",
        Act::Return { .. } => "order.return",
        Act::Extend { .. } => "order.extend",
        Act::DecideExtension { .. } => "order.extension_decide",
        Act::Feedback { .. } => "order.feedback",
        Act::Reroute { .. } => "order.reroute",
    };
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok(action, "work_order", o.id).with(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(c.id)
}

/// 派工 in one batch: every order of the caller's unit that nobody has signed for yet is
/// (re)assigned so that total distance, load and skill mismatch over the whole batch is
/// least (Kuhn–Munkres), respecting each worker's capacity. Orders are auto-assigned one
/// by one as they arrive; this re-plans the queue as a whole. Returns the changed
/// (order, worker) pairs.
pub async fn assign_batch(st: &AppState, u: &CurrentUser) -> AppResult<Vec<(i64, i64)>> {
    let Some(unit) = unit_of(u) else {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let open = store::unsigned(&mut tx, unit).await?;
    let rows = store::workers(&mut tx, unit).await?;
    let (clng, clat) = open.first().map(|j| (j.1, j.2)).unwrap_or((0.0, 0.0));
    let workers: Vec<assign::Worker> = rows
        .iter()
        .map(|w| {
            // The orders being re-planned do not count as the worker's load.
            let planned = open.iter().filter(|j| j.4 == Some(w.id)).count() as i64;
            assign::Worker {
                id: w.id,
                lng: w.lng.unwrap_or(clng),
                lat: w.lat.unwrap_or(clat),
                load: (w.load - planned).max(0),
                capacity: w.capacity.unwrap_or(50),
                skills: w
                    .skills
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let jobs: Vec<assign::Job> = open
        .iter()
        .map(|(id, lng, lat, cat, _)| assign::Job {
            id: *id,
            lng: *lng,
            lat: *lat,
            category: cat.clone(),
        })
        .collect();
    let pairs = assign::assign(&jobs, &workers, &assign::Weights::default());
    let mut changed = vec![];
    for (order, worker) in pairs {
        let before = open.iter().find(|j| j.0 == order).and_then(|j| j.4);
        if before == Some(worker) {
            continue;
        }
        if store::assign(&mut tx, order, worker, now).await?
            && let Some(o) = store::find_order(&mut tx, order).await?
        {
            store::insert_event(
                &mut tx,
                o.case_id,
                Some(order),
                now,
                Some(u.id),
                &user_label(u),
                "assigned",
                &serde_json::json!({"assignee": worker}),
            )
            .await?;
            changed.push((order, worker));
        }
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("order.assign_batch", "unit", unit)
            .with(serde_json::json!({"changed": changed.len(), "orders": jobs.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}
