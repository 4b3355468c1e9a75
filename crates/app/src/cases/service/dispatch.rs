//! Dispatch (派单): which units a category goes to at a place, the order with its deadlines
//! on the working-day calendar and the best worker, a dispatcher sending a case to a unit by
//! hand, and reclassification (which re-routes what nobody has signed yet).

use gongzhi_core::cases::lifecycle::{CaseStatus, OrderStatus};
use gongzhi_core::cases::{WorkCalendar, assign, calendar};
use gongzhi_core::org::Zone;

use super::access::require_dispatcher;
use super::filing::Batch;
use super::store::{self, CaseRow, OrderRow, OrderUpdate};
use super::{category, refresh_status, short_text, unit_code, user_label};
use crate::audit::{self, Actor, Event};
use crate::auth::service::CurrentUser;
use crate::clock::iso;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::taxonomy::Category;

/// The units a category goes to at a place: per-community override, else the taxonomy's
/// unit for the zone (the compound's own property company inside a compound), plus the
/// `also` units. Empty when no unit exists: the case waits for a dispatcher.
pub(crate) fn route_units(
    map: &crate::org::OrgMap,
    cat: &Category,
    community: i64,
    compound: Option<i64>,
    zone: Zone,
) -> Vec<i64> {
    let primary = match zone {
        Zone::Compound => &cat.compound,
        Zone::Public => &cat.public,
    };
    let mut out: Vec<i64> = vec![];
    let first = match map.route_override(community, &cat.code) {
        Some(u) => Some(u),
        None => match (primary.as_str(), compound) {
            ("property", Some(cp)) => map
                .compound_property(cp)
                .or_else(|| map.unit_of_kind(primary)),
            _ => map.unit_of_kind(primary),
        },
    };
    out.extend(first);
    for kind in &cat.also {
        if let Some(u) = map.unit_of_kind(kind)
            && !out.contains(&u)
        {
            out.push(u);
        }
    }
    out
}

/// Picks the best worker of the unit for a new order (distance, load, skill).
fn pick_worker(rows: Vec<store::WorkerRow>, category: &str, lng: f64, lat: f64) -> Option<i64> {
    if rows.is_empty() {
        return None;
    }
    let workers: Vec<assign::Worker> = rows
        .into_iter()
        .map(|w| assign::Worker {
            id: w.id,
            lng: w.lng.unwrap_or(lng),
            lat: w.lat.unwrap_or(lat),
            load: w.load,
            capacity: w.capacity.unwrap_or(50),
            skills: w
                .skills
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
        })
        .collect();
    let job = assign::Job {
        id: 0,
        lng,
        lat,
        category: category.to_string(),
    };
    assign::best_worker(&job, &workers, &assign::Weights::default())
}

/// Creates one work order and tells the unit (and, when urgent, the community at once).
#[allow(clippy::too_many_arguments)]
pub(super) async fn dispatch_order(
    st: &AppState,
    tx: &mut Tx,
    b: &mut Batch,
    cal: &WorkCalendar,
    c: &CaseRow,
    cat: &Category,
    unit: i64,
    actor: &Actor,
    label: &str,
    now: i64,
) -> AppResult<OrderRow> {
    let d = calendar::deadlines(cal, now, cat.sla_hours, cat.urgent);
    // A unit's staff are read once per batch; the loads count this batch's assignments.
    let people = match b.people.get(&unit) {
        Some(p) => p.clone(),
        None => {
            let p = store::unit_people(tx, unit).await?;
            b.people.insert(unit, p.clone());
            p
        }
    };
    let worker = pick_worker(
        people
            .iter()
            .filter_map(store::UnitPerson::worker)
            .collect(),
        &c.category,
        c.lng,
        c.lat,
    );
    if let Some(w) = worker
        && let Some(p) = b
            .people
            .get_mut(&unit)
            .and_then(|v| v.iter_mut().find(|p| p.id == w))
    {
        p.load += 1;
    }
    let buf = &mut b.rows;
    let id =
        store::insert_order(tx, c.id, unit, worker, d.sign_by, d.warn_at, d.due_at, now).await?;
    store::insert_event_later(
        buf,
        c.id,
        Some(id),
        now,
        actor.id,
        label,
        "dispatched",
        &serde_json::json!({"unit": unit_code(st, unit), "due_at": iso(d.due_at), "sign_by": iso(d.sign_by), "assignee": worker}),
    );
    let mut to: Vec<crate::notify::Recipient> =
        people.iter().map(store::UnitPerson::recipient).collect();
    let kind = if cat.urgent { "urgent" } else { "order" };
    if cat.urgent {
        to.extend(
            crate::notify::service::staff_contacts_at(tx, "community", Some(c.community_id))
                .await?,
        );
    }
    let title = if cat.urgent {
        format!("【紧急】新工单 #{}: {}", c.id, cat.name)
    } else {
        format!("新工单 #{}: {}", c.id, cat.name)
    };
    crate::notify::send_to_deferred(
        st,
        tx,
        buf,
        &to,
        Some(c.id),
        kind,
        &title,
        &short_text(&c.text),
        now,
    )
    .await?;
    Ok(OrderRow {
        id,
        case_id: c.id,
        unit_id: unit,
        unit_name: st.org_map().handling_unit_name(unit).unwrap_or_default(),
        status: OrderStatus::Dispatched.code().into(),
        assignee_id: worker,
        sign_by: d.sign_by,
        warn_at: d.warn_at,
        due_at: d.due_at,
        signed_at: None,
        responded_at: None,
        done_at: None,
        closed_at: None,
        return_reason: None,
        ext_until: None,
        ext_reason: None,
        feedback: None,
        feedback_photos: "[]".into(),
        warned: false,
        overdue_rung: None,
        created_at: now,
        updated_at: now,
    })
}

/// [`dispatch_order`] with its rows written at once (for changes that write more events
/// after it).
#[allow(clippy::too_many_arguments)]
pub(super) async fn dispatch_order_now(
    st: &AppState,
    tx: &mut Tx,
    cal: &WorkCalendar,
    c: &CaseRow,
    cat: &Category,
    unit: i64,
    actor: &Actor,
    label: &str,
    now: i64,
) -> AppResult<OrderRow> {
    let mut b = Batch::default();
    let o = dispatch_order(st, tx, &mut b, cal, c, cat, unit, actor, label, now).await?;
    b.finish(tx).await?;
    Ok(o)
}

/// Sends a case (with no order yet, or after returns) to a unit.
pub async fn dispatch(st: &AppState, u: &CurrentUser, case_id: i64, unit: i64) -> AppResult<()> {
    let cal = crate::cases::calendar::calendar(st).await?;
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
    if st.org_map().handling_unit_code(unit).is_none() {
        return Err(AppError::Invalid {
            code: "UNIT_UNKNOWN",
            field: Some("unit"),
        });
    }
    let orders = store::orders_of_case(&mut tx, case_id).await?;
    if orders
        .iter()
        .any(|x| x.unit_id == unit && OrderStatus::parse(&x.status).is_some_and(|s| s.is_active()))
    {
        return Err(AppError::Conflict("UNIT_ALREADY_ON_CASE"));
    }
    let cat = category(&c.category)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown category {}", c.category)))?;
    let id = dispatch_order_now(
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
    .await?
    .id;
    refresh_status(&mut tx, case_id, now).await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok("case.dispatch", "case", case_id)
            .with(serde_json::json!({"order": id, "unit": unit_code(st, unit)})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A dispatcher corrects the category. The correction is a training example the model
/// learns from at once; orders nobody has signed yet are re-routed for the new category.
pub async fn reclassify(st: &AppState, u: &CurrentUser, case_id: i64, code: &str) -> AppResult<()> {
    let cat = category(code).ok_or(AppError::Invalid {
        code: "CATEGORY_UNKNOWN",
        field: Some("category"),
    })?;
    let cal = crate::cases::calendar::calendar(st).await?;
    let actor = u.actor();
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require_dispatcher(&mut tx, u, &c).await?;
    if c.category == cat.code {
        return Ok(());
    }
    store::set_category(&mut tx, case_id, &cat.code, cat.urgent, now).await?;
    crate::routing::record_correction(
        &mut tx,
        Some(case_id),
        &c.text,
        &c.category,
        &cat.code,
        Some(u.id),
        now,
    )
    .await?;
    let orders = store::orders_of_case(&mut tx, case_id).await?;
    let unsigned: Vec<&OrderRow> = orders
        .iter()
        .filter(|o| {
            matches!(
                OrderStatus::parse(&o.status),
                Some(OrderStatus::Dispatched | OrderStatus::Returned)
            )
        })
        .collect();
    let any_signed = orders.iter().any(|o| {
        matches!(
            OrderStatus::parse(&o.status),
            Some(OrderStatus::Handling | OrderStatus::Done | OrderStatus::Closed)
        )
    });
    let mut rerouted = 0;
    if !any_signed {
        for o in unsigned {
            let to = OrderStatus::Rerouted.code();
            if !store::transition(&mut tx, o.id, &o.status, to, &OrderUpdate::Reroute, now).await? {
                return Err(AppError::Conflict("ORDER_CHANGED"));
            }
            rerouted += 1;
        }
        let zone = if c.zone == "compound" {
            Zone::Compound
        } else {
            Zone::Public
        };
        let c2 = store::find_case(&mut tx, case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        for unit in route_units(&st.org_map(), cat, c.community_id, c.compound_id, zone) {
            dispatch_order_now(
                st,
                &mut tx,
                &cal,
                &c2,
                cat,
                unit,
                &actor,
                &user_label(u),
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
        "reclassified",
        &serde_json::json!({"from": c.category, "to": cat.code, "rerouted": rerouted}),
    )
    .await?;
    refresh_status(&mut tx, case_id, now).await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok("case.reclassify", "case", case_id)
            .with(serde_json::json!({"from": c.category, "to": cat.code})),
    )
    .await?;
    tx.commit().await?;
    crate::routing::sync_corrections(st).await?;
    Ok(())
}
