//! The writing half of filing: reports that arrive together are written in one
//! transaction — merged into an open case about the same matter, or opened as a new case
//! with its work orders — with their history, notifications and audit records.

use gongzhi_core::cases::calendar;
use gongzhi_core::cases::lifecycle::CaseStatus;
use gongzhi_core::cases::similar::{self, MergeRule, NewReport, OpenCase};
use gongzhi_core::identity::Role;
use gongzhi_core::org::Zone;
use sha2::{Digest, Sha256};

use super::dispatch::{dispatch_order, route_units};
use super::intake::{Filed, Filer, Prepared};
use super::store::{self, CaseRow};
use super::{notify, short_text};
use crate::audit::{self, Actor, Event};
use crate::db::{Deferred, Tx};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// What filing a batch gathers as it goes: the rows nobody reads back in the transaction
/// (timeline events, reporters, inbox messages, audit records, heat-map tallies), written
/// at its end in one statement; the cases it has opened; the staff of the units it has
/// dispatched to. Filing updates no row that concurrent filings also write, so concurrent
/// batches never wait for each other's commits.
#[derive(Default)]
pub(crate) struct Batch {
    pub(super) rows: Deferred,
    counts: std::collections::BTreeMap<(i64, i64, String), i64>,
    /// The cases this batch has opened so far.
    fresh: Vec<CaseRow>,
    /// Each unit's staff as read in this batch, with the batch's assignments counted.
    pub(super) people: std::collections::HashMap<i64, Vec<store::UnitPerson>>,
}

impl Batch {
    pub(super) async fn finish(mut self, tx: &mut Tx) -> AppResult<()> {
        for ((day, grid, cat), n) in &self.counts {
            store::rollup::count_cases_later(&mut self.rows, *day, *grid, cat, *n);
        }
        self.rows.flush(tx).await?;
        Ok(())
    }
}

/// Files reports in one transaction; any failure rolls all of them back (the caller then
/// files them one by one, so one bad report cannot sink the others).
pub(crate) async fn file_together(st: &AppState, batch: &[&Prepared]) -> AppResult<Vec<Filed>> {
    let mut tx = st.db.begin().await?;
    let mut b = Batch::default();
    let mut out = Vec::with_capacity(batch.len());
    // On PostgreSQL the duplicate candidates of the whole batch are read in one statement.
    let mut near: Vec<Option<Vec<CaseRow>>> = if batch.len() > 1 && st.db.is_postgres() {
        let rule = MergeRule::default();
        let qs: Vec<store::NearQuery> = batch.iter().map(|p| near_query(p, &rule)).collect();
        store::open_near_many(&mut tx, &qs)
            .await?
            .into_iter()
            .map(Some)
            .collect()
    } else {
        batch.iter().map(|_| None).collect()
    };
    for (p, near) in batch.iter().zip(near.iter_mut()) {
        out.push(file_in(st, &mut tx, &mut b, p, near.take()).await?);
    }
    // The orders of the cases reports were merged into, in one read.
    let merged: Vec<i64> = out.iter().filter(|f| f.merged).map(|f| f.case.id).collect();
    if !merged.is_empty() {
        let orders = store::orders_of_cases(&mut tx, &merged).await?;
        for f in out.iter_mut().filter(|f| f.merged) {
            f.orders = orders
                .iter()
                .filter(|o| o.case_id == f.case.id)
                .cloned()
                .collect();
        }
    }
    b.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}

/// Files one report in its own transaction. Two deliveries of the same keyed report racing
/// each other (two app nodes): the loser retries and finds the winner's case.
pub(crate) async fn file_alone(st: &AppState, p: &Prepared) -> AppResult<Filed> {
    let r = match file_together(st, &[p]).await {
        Err(e) if p.intake_key.is_some() && e.is_unique_violation() => {
            file_together(st, &[p]).await
        }
        other => other,
    };
    r.map(|mut v| v.remove(0))
}

/// The writing half of filing, inside the caller's transaction; what can wait for the end
/// of the batch goes to `b`.
/// Where the duplicates of `p` would be.
fn near_query<'a>(p: &'a Prepared, rule: &MergeRule) -> store::NearQuery<'a> {
    let (dlng, dlat) = similar::degrees_for(rule.radius_m, p.lat);
    store::NearQuery {
        category: &p.cat.code,
        since: p.now - rule.window_ms,
        bbox: [p.lng - dlng, p.lat - dlat, p.lng + dlng, p.lat + dlat],
    }
}

/// `near`: the open cases that `p` may duplicate, if already read for the batch.
async fn file_in(
    st: &AppState,
    tx: &mut Tx,
    b: &mut Batch,
    p: &Prepared,
    near: Option<Vec<CaseRow>>,
) -> AppResult<Filed> {
    let (cat, now, text) = (p.cat, p.now, &p.text);
    let (user_id, resident_id, channel) = (p.user_id, p.resident_id, p.channel);
    // Exactly once: a redelivered device event or re-imported order returns its case.
    if let Some((src, key)) = &p.intake_key
        && let Some(existing) = store::find_intake_key(tx, src, key).await?
    {
        let case = store::find_case(tx, existing)
            .await?
            .ok_or(AppError::NotFound)?;
        let orders = store::orders_of_case(tx, existing).await?;
        return Ok(Filed {
            case,
            orders,
            merged: false,
            corrected: false,
        });
    }
    // Duplicate of an open case (filed earlier, or earlier in this batch): add the
    // reporter, do not file twice.
    let rule = MergeRule::default();
    let near = match near {
        // Read for the whole batch before it started: add the cases it has opened since.
        Some(mut near) => {
            near.extend(b.fresh.iter().filter(|c| c.category == cat.code).cloned());
            near
        }
        None => {
            let q = near_query(p, &rule);
            store::open_near(tx, q.category, q.since, q.bbox).await?
        }
    };
    let candidates: Vec<OpenCase> = near
        .iter()
        .map(|n| OpenCase {
            id: n.id,
            category: &n.category,
            lng: n.lng,
            lat: n.lat,
            at_ms: n.created_at,
            text: &n.text,
        })
        .collect();
    let new = NewReport {
        category: &cat.code,
        lng: p.lng,
        lat: p.lat,
        at_ms: now,
        text,
    };
    if let Some(target) = similar::best_match(&new, &candidates, &rule) {
        let case = near
            .into_iter()
            .find(|c| c.id == target)
            .ok_or(AppError::NotFound)?;
        let buf = &mut b.rows;
        let report = (channel, text.as_str(), p.original.as_deref());
        store::insert_reporter_later(buf, target, user_id, resident_id, report, now);
        if let Some((src, key)) = &p.intake_key {
            store::insert_intake_key(tx, src, key, target, now).await?;
        }
        store::insert_event_later(
            buf,
            target,
            None,
            now,
            p.actor.id,
            &p.label,
            "merged",
            &serde_json::json!({"channel": channel}),
        );
        audit::record_later(
            buf,
            now,
            &p.actor,
            Event::ok("case.merge", "case", target).with(serde_json::json!({"channel": channel})),
        );
        // Its orders are read for the whole batch at once (see `file_together`).
        return Ok(Filed {
            case,
            orders: vec![],
            merged: true,
            corrected: false,
        });
    }
    let map = st.org_map();
    let zone = match p.zone {
        Zone::Compound => "compound",
        Zone::Public => "public",
    };
    let units = route_units(&map, cat, p.community, p.compound, p.zone);
    let status = if units.is_empty() {
        CaseStatus::Accepted
    } else {
        CaseStatus::Dispatched
    };
    let filed_by_staff = p.staff && p.on_behalf_of.is_some();
    let new_case = store::NewCase {
        channel,
        category: &cat.code,
        confidence: p.confidence,
        category_by: p.by,
        text,
        lng: p.lng,
        lat: p.lat,
        address: &p.address,
        street_id: p.street,
        community_id: p.community,
        grid_id: p.grid,
        compound_id: p.compound,
        building_id: p.building,
        zone,
        urgent: cat.urgent,
        status: status.code(),
        reporter_user_id: user_id,
        resident_id,
        filed_by_staff,
        caller_enc: p.caller_enc.clone(),
        external_ref: p.intake_key.as_ref().map(|k| k.1.as_str()),
        photos: "[]".into(),
        // Every order of a new case gets the same deadlines.
        next_due: (!units.is_empty())
            .then(|| calendar::deadlines(&p.cal, now, cat.sla_hours, cat.urgent).due_at),
        created_at: now,
    };
    let id = store::insert_case(tx, &new_case).await?;
    *b.counts
        .entry((store::rollup::day_of(now), p.grid, cat.code.clone()))
        .or_default() += 1;
    let buf = &mut b.rows;
    let report = (channel, text.as_str(), p.original.as_deref());
    store::insert_reporter_later(buf, id, user_id, resident_id, report, now);
    if let Some((src, key)) = &p.intake_key {
        store::insert_intake_key(tx, src, key, id, now).await?;
    }
    let mut photo_ids = vec![];
    for ph in &p.photos {
        let sha = hex::encode(Sha256::digest(&ph.bytes));
        photo_ids
            .push(store::insert_attachment(tx, id, ph.mime, &sha, &ph.bytes, user_id, now).await?);
    }
    let photos_json = serde_json::to_string(&photo_ids).unwrap_or_else(|_| "[]".into());
    if !photo_ids.is_empty() {
        store::set_photos(tx, id, &photos_json).await?;
    }
    // A staff member who overrides the model leaves a training example.
    let corrected = p.by == "human" && p.staff && p.predicted != cat.code;
    if corrected {
        crate::routing::record_correction(
            tx,
            Some(id),
            text,
            &p.predicted,
            &cat.code,
            user_id,
            now,
        )
        .await?;
    }
    store::insert_event_later(
        buf,
        id,
        None,
        now,
        p.actor.id,
        &p.label,
        "accepted",
        &serde_json::json!({
            "channel": channel, "category": cat.code, "by": p.by, "confidence": p.confidence,
            "on_behalf": p.on_behalf_of.is_some(), "zone": zone,
        }),
    );
    // The case as stored, without reading it back.
    let c = CaseRow {
        id,
        channel: channel.to_string(),
        category: cat.code.clone(),
        confidence: p.confidence,
        category_by: p.by.to_string(),
        text: text.clone(),
        lng: p.lng,
        lat: p.lat,
        address: p.address.clone(),
        street_id: p.street,
        community_id: p.community,
        grid_id: p.grid,
        compound_id: p.compound,
        building_id: p.building,
        zone: zone.to_string(),
        urgent: cat.urgent,
        status: status.code().to_string(),
        reporter_user_id: user_id,
        resident_id,
        filed_by_staff,
        caller_enc: None,
        external_ref: None,
        photos: photos_json,
        reporters: 1,
        rung: "grid".into(),
        supervised_at: None,
        solved: None,
        satisfaction: None,
        callback_at: None,
        reopened: 0,
        created_at: now,
        updated_at: now,
        closed_at: None,
    };
    // Routing at filing is the platform's (智能分拨), whoever filed: the timeline must not
    // read as if the resident or the operator had dispatched the order.
    let router = Actor {
        id: None,
        name: ROUTER_LABEL.into(),
        ip: p.actor.ip.clone(),
    };
    let mut orders = Vec::with_capacity(units.len());
    for u in &units {
        orders.push(
            dispatch_order(st, tx, b, &p.cal, &c, cat, *u, &router, ROUTER_LABEL, now).await?,
        );
    }
    if units.is_empty() {
        // Nobody to send it to: the community's dispatchers must route it by hand.
        let to = crate::notify::service::staff_at(tx, "community", Some(p.community)).await?;
        notify(
            st,
            tx,
            &to,
            id,
            "unrouted",
            &format!("待派单 #{id}: {}", cat.name),
            &short_text(text),
            now,
        )
        .await?;
    }
    audit::record_later(
        &mut b.rows,
        now,
        &p.actor,
        Event::ok("case.file", "case", id).with(serde_json::json!({
            "channel": channel, "category": cat.code, "units": units.len(),
            "on_behalf_of": p.on_behalf_of,
        })),
    );
    b.fresh.push(c.clone());
    Ok(Filed {
        case: c,
        orders,
        merged: false,
        corrected,
    })
}

/// Who dispatches at filing: the routing model and the unit map, not a person.
pub(crate) const ROUTER_LABEL: &str = "智能分拨";

/// How a person appears in a case's timeline: staff by account, residents only as 居民
/// (the handling units need not know who reported).
pub(super) fn actor_label(who: &Filer<'_>) -> String {
    match who.user {
        Some(u) if u.role == Role::Resident => "居民".into(),
        Some(u) => u.display_name.clone(),
        None => who.actor.name.clone(),
    }
}
