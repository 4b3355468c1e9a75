//! Background jobs of the cases domain: deadline warnings (预警) and escalation of overdue
//! orders up the ladder grid → community → street → district (督办). Every step is claimed
//! with a conditional UPDATE inside its own transaction, so the jobs survive restarts (the
//! state is in the database, nothing in memory) and any number of app nodes can run them
//! at once without sending a warning or an escalation twice.

use gongzhi_core::cases::lifecycle::{self, Rung};
use gongzhi_core::cases::{calendar, taxonomy_sla_step};

use super::store;
use crate::audit::{self, Actor, Event};
use crate::error::AppResult;
use crate::state::AppState;

/// The holiday notices shipped with the code (an administrator adds later years).
pub const CALENDAR_SEED: &[(i32, &str)] =
    &[(2026, include_str!("../../../../data/calendar/cn-2026.txt"))];

/// How often the jobs look for work.
pub const TICK_MS: u64 = 15_000;
const BATCH: i64 = 200;

fn system() -> Actor {
    Actor {
        id: None,
        name: "system".into(),
        ip: None,
    }
}

/// Seeds the working-day calendar with the shipped years it does not hold yet.
pub async fn ensure_calendar(st: &AppState) -> anyhow::Result<()> {
    let mut tx = st.db.begin().await?;
    let have = store::calendar_days(&mut tx).await?;
    for (year, text) in CALENDAR_SEED {
        let prefix = format!("{year:04}-");
        if have.iter().any(|(d, _, _)| d.starts_with(&prefix)) {
            continue;
        }
        let days = calendar::parse_days(text)?;
        let rows: Vec<(String, String, String)> = days
            .iter()
            .map(|d| {
                (
                    calendar::format_date(d.day),
                    d.kind.code().to_string(),
                    d.name.clone(),
                )
            })
            .collect();
        store::replace_year(&mut tx, *year, &rows).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub warned: usize,
    pub escalated: usize,
}

/// One pass over warnings and overdue orders.
pub async fn tick(st: &AppState) -> AppResult<TickReport> {
    let now = st.now_ms();
    let mut report = TickReport::default();
    let mut tx = st.db.read().await?;
    let warn = store::due_warnings(&mut tx, now, BATCH).await?;
    let late = store::overdue(&mut tx, now, BATCH).await?;
    let unanswered = store::unanswered(&mut tx, now, BATCH).await?;
    drop(tx);
    // Orders nobody signed for in time count against the response rate (once).
    for (id, unit, created, sign_by, grid, community, street) in unanswered {
        let mut tx = st.db.begin().await?;
        super::store::rollup::count_response(
            &mut tx,
            id,
            unit,
            created,
            sign_by,
            None,
            super::store::rollup::places(grid, community, street),
        )
        .await?;
        tx.commit().await?;
    }
    // The heat-map tallies that intake appended since the last pass, one row per key again.
    let mut tx = st.db.begin().await?;
    super::store::rollup::fold(&mut tx).await?;
    tx.commit().await?;
    for id in warn {
        if warn_one(st, id, now).await? {
            report.warned += 1;
        }
    }
    for id in late {
        if escalate_one(st, id, now).await? {
            report.escalated += 1;
        }
    }
    Ok(report)
}

async fn warn_one(st: &AppState, id: i64, now: i64) -> AppResult<bool> {
    let mut tx = st.db.begin().await?;
    if !store::claim_warning(&mut tx, id).await? {
        return Ok(false);
    }
    let Some(o) = store::find_order(&mut tx, id).await? else {
        return Ok(false);
    };
    let to = crate::notify::service::staff_at(&mut tx, "unit", Some(o.unit_id)).await?;
    crate::notify::send(
        st,
        &mut tx,
        &to,
        Some(o.case_id),
        "warning",
        &format!("预警 #{}: 即将超期", o.case_id),
        &format!("办结时限 {}", crate::clock::format_cn(o.due_at)),
        now,
    )
    .await?;
    store::insert_event(
        &mut tx,
        o.case_id,
        Some(o.id),
        now,
        None,
        "系统",
        "warned",
        &serde_json::json!({"due_at": crate::clock::iso(o.due_at)}),
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &system(),
        Event::ok("order.warn", "work_order", id),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn escalate_one(st: &AppState, id: i64, now: i64) -> AppResult<bool> {
    let mut tx = st.db.begin().await?;
    let Some(o) = store::find_order(&mut tx, id).await? else {
        return Ok(false);
    };
    let Some(c) = store::find_case(&mut tx, o.case_id).await? else {
        return Ok(false);
    };
    let step = taxonomy_sla_step(c.urgent);
    let Some(target) = lifecycle::escalation_rung(now - o.due_at, step) else {
        return Ok(false);
    };
    let current = o.overdue_rung.as_deref().and_then(Rung::parse);
    if current.is_some_and(|r| r >= target) {
        return Ok(false);
    }
    let from = o.overdue_rung.clone().unwrap_or_default();
    if !store::claim_rung(&mut tx, id, &from, target.code()).await? {
        return Ok(false);
    }
    let mut to = crate::notify::service::staff_at(&mut tx, "unit", Some(o.unit_id)).await?;
    // Every rung passed is told (a long outage may climb several at once).
    for rung in Rung::ALL {
        if rung <= current.unwrap_or(Rung::Grid) || rung > target {
            continue;
        }
        to.extend(match rung {
            Rung::Grid | Rung::Community => {
                crate::notify::service::staff_at(&mut tx, "community", Some(c.community_id)).await?
            }
            Rung::Street => {
                crate::notify::service::staff_at(&mut tx, "street", Some(c.street_id)).await?
            }
            Rung::District => crate::notify::service::staff_at(&mut tx, "district", None).await?,
        });
    }
    to.sort_unstable();
    to.dedup();
    let title = format!("督办 #{}: 工单超期, 已上报{}", c.id, target.name_zh());
    let body = format!(
        "{} 办结时限 {}",
        o.unit_name,
        crate::clock::format_cn(o.due_at)
    );
    crate::notify::send(st, &mut tx, &to, Some(c.id), "overdue", &title, &body, now).await?;
    store::set_rung(&mut tx, c.id, target.code(), now).await?;
    store::insert_event(
        &mut tx,
        c.id,
        Some(o.id),
        now,
        None,
        "系统",
        "escalated",
        &serde_json::json!({"to": target.code(), "unit": o.unit_name}),
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &system(),
        Event::ok("order.escalate", "work_order", id)
            .with(serde_json::json!({"to": target.code()})),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Runs the jobs until the process ends; errors are logged and the next tick retries.
pub async fn run(st: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_millis(TICK_MS));
    loop {
        every.tick().await;
        match tick(&st).await {
            Ok(r) if r != TickReport::default() => {
                tracing::info!(warned = r.warned, escalated = r.escalated, "case jobs")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "case jobs failed; retrying next tick"),
        }
        if let Err(e) = crate::routing::sync_corrections(&st).await {
            tracing::warn!(error = %e, "syncing routing corrections failed");
        }
    }
}
