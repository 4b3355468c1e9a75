//! Demo history (演示数据): a few thousand cases of the last 90 days across every channel
//! and state — closed with call-backs, in hand, overdue and escalated, returned and
//! re-routed — so the dispatcher console, the supervision board and the 三率 are alive on
//! first start. Deterministic for a seed, relative to the time of seeding. Texts come from
//! the routing model's seed corpus; people are never named (reporters are resident ids).

use std::collections::HashMap;

use gongzhi_core::cases::lifecycle::{self, CaseStatus, OrderStatus};
use gongzhi_core::cases::{calendar, taxonomy_sla_step};
use gongzhi_core::org::Zone;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::service::{category, route_units};
use super::store::{self, NewCase, OrderRow};
use crate::db::Tx;
use crate::state::AppState;

const DAY: i64 = 86_400_000;

/// One work order's simulated life.
struct Sim {
    unit: i64,
    d: calendar::Deadlines,
    status: OrderStatus,
    signed: Option<i64>,
    /// Each report-back (a reopened order reports back again).
    done: Vec<i64>,
    rung: Option<gongzhi_core::cases::Rung>,
}
const HOUR: i64 = 3_600_000;
/// How many of the history's reports are today's work (see [`TODAY_MIX`]).
const TODAY_WORK: usize = 48;
/// The kinds of today's work, in turn.
const TODAY_MIX: [&str; 6] = [
    "FAC.WATER",
    "SVC.PROPERTY",
    "FAC.ELEVATOR",
    "FAC.WATER",
    "ENV.GARBAGE",
    "FAC.ACCESS",
];

fn channel_of(text: &str, rng: &mut ChaCha8Rng) -> &'static str {
    if text.starts_with("AI识别") || text.starts_with("传感器") || text.contains("告警") {
        "device"
    } else if text.starts_with("市民来电") || text.starts_with("来电") {
        "hotline"
    } else if text.starts_with("网格员") || text.starts_with("巡查") {
        "patrol"
    } else {
        match rng.gen_range(0..10) {
            0..=5 => "web",
            6 | 7 => "hotline",
            8 => "property_desk",
            _ => "patrol",
        }
    }
}

fn satisfaction(rng: &mut ChaCha8Rng, solved: bool) -> i64 {
    let r = rng.gen_range(0..100);
    match (solved, r) {
        (true, 0..=57) => 5,
        (true, 58..=84) => 4,
        (true, 85..=94) => 3,
        (true, 95..=97) => 2,
        (true, _) => 1,
        (false, 0..=9) => 4,
        (false, 10..=39) => 3,
        (false, 40..=74) => 2,
        (false, _) => 1,
    }
}

/// A point on public land near a building, if one is found.
fn public_near(st: &AppState, lng: f64, lat: f64, rng: &mut ChaCha8Rng) -> Option<(f64, f64)> {
    let map = st.org_map();
    for _ in 0..30 {
        let p = (
            lng + rng.gen_range(-0.004..0.004),
            lat + rng.gen_range(-0.003..0.003),
        );
        if let Some(l) = map.locate(p.0, p.1)
            && l.zone == Zone::Public
        {
            return Some(p);
        }
    }
    None
}

#[allow(clippy::too_many_arguments)]
async fn event(
    tx: &mut Tx,
    case_id: i64,
    order: Option<i64>,
    at: i64,
    actor: &str,
    kind: &str,
    detail: serde_json::Value,
) -> anyhow::Result<()> {
    store::insert_event(tx, case_id, order, at, None, actor, kind, &detail).await?;
    Ok(())
}

/// Seeds `n` historical cases ending now, in one transaction. resident1 gets a few old
/// reports of their own; their compound gets no other open history, so a newcomer's first
/// report there is filed, not merged into an old one.
pub async fn seed_history(st: &AppState, seed: u64, n: usize) -> anyhow::Result<usize> {
    let now = st.now_ms();
    let resident_ids = crate::residents::service::all_ids(st).await?;
    let own = match crate::auth::service::account_named(st, "resident1").await? {
        Some(u) => match u.resident_id {
            Some(r) => crate::residents::service::party(st, r)
                .await?
                .map(|p| (u.id, r, p.place.building_id)),
            None => None,
        },
        None => None,
    };
    let mut tx = st.db.begin().await?;
    let made = history(st, &mut tx, seed, n, now, &resident_ids, own).await?;
    store::rollup::rebuild(&mut tx, now).await?;
    tx.commit().await?;
    Ok(made)
}

#[allow(clippy::too_many_arguments)]
async fn history(
    st: &AppState,
    tx: &mut Tx,
    seed: u64,
    n: usize,
    now: i64,
    resident_ids: &[i64],
    own: Option<(i64, i64, i64)>,
) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xCA5E);
    let corpus = gongzhi_core::classify::read_csv(crate::routing::SEED_CORPUS.as_bytes())
        .map_err(|e| anyhow::anyhow!("corpus: {e}"))?;
    let map = st.org_map();
    if map.buildings.is_empty() || corpus.is_empty() {
        return Ok(0);
    }
    let rows = store::calendar_days(tx).await?;
    let cal =
        calendar::WorkCalendar::new(rows.into_iter().filter_map(|(d, k, _)| {
            Some((calendar::parse_date(&d)?, calendar::DayKind::parse(&k)?))
        }));
    let handling: Vec<i64> = map.handling_units().iter().map(|h| h.0).collect();
    let own_building = own.map(|(_, _, b)| b);
    let avoid = own_building
        .and_then(|b| map.buildings.iter().find(|x| x.id == b))
        .map(|b| b.compound.clone());
    let mut made = 0;
    let mut route_cache: HashMap<(String, i64, Option<i64>, &str), Vec<i64>> = HashMap::new();
    // Today's work for the demo's own units (the water company's fitter, the property
    // desk, lifts, rubbish): the first reports are of these kinds and from the last day.
    let by_label = |l: &str| -> Vec<usize> {
        (0..corpus.len())
            .filter(|i| corpus[*i].label == l)
            .collect()
    };
    let today_mix: Vec<Vec<usize>> = TODAY_MIX.iter().map(|l| by_label(l)).collect();
    for i in 0..n {
        let fresh = i < TODAY_WORK && i % 400 != 7;
        let ex = match today_mix
            .get(i % TODAY_MIX.len())
            .filter(|v| fresh && !v.is_empty())
        {
            Some(v) => &corpus[v[rng.gen_range(0..v.len())]],
            None => &corpus[rng.gen_range(0..corpus.len())],
        };
        let Some(cat) = category(&ex.label) else {
            continue;
        };
        let is_own = own.is_some() && i % 400 == 7;
        let b = &map.buildings[rng.gen_range(0..map.buildings.len())];
        let b = match (&avoid, own_building) {
            (Some(_), Some(ob)) if is_own => map.buildings.iter().find(|x| x.id == ob).unwrap_or(b),
            (Some(c), _) if &b.compound == c => continue,
            _ => b,
        };
        let (lng, lat) = if rng.gen_bool(0.3) {
            public_near(st, b.lng, b.lat, &mut rng).unwrap_or((b.lng, b.lat))
        } else {
            (
                b.lng + rng.gen_range(-0.00008..0.00008),
                b.lat + rng.gen_range(-0.00006..0.00006),
            )
        };
        let Some(loc) = map.locate(lng, lat) else {
            continue;
        };
        let Some(street) = map.unit(loc.community).and_then(|u| u.street) else {
            continue;
        };
        // Reported in the last 90 days, mostly in the daytime (07–22 h local).
        let day = if fresh {
            now - rng.gen_range(0..2) * DAY
        } else {
            now - rng.gen_range(if is_own { 10 } else { 0 }..90) * DAY
        };
        let local_midnight = (day + calendar::CST_OFFSET_MS) / DAY * DAY - calendar::CST_OFFSET_MS;
        let created = (local_midnight + rng.gen_range(7 * HOUR..22 * HOUR)).min(now - 60_000);
        let channel = channel_of(&ex.text, &mut rng);
        let (reporter_user, resident) = match own {
            Some((user, res, _)) if is_own => (Some(user), Some(res)),
            _ if channel == "device" => (None, None),
            _ => (None, resident_ids.choose(&mut rng).copied()),
        };
        let zone = match loc.zone {
            Zone::Compound => "compound",
            Zone::Public => "public",
        };
        let by_model = rng.gen_bool(0.9);
        let new = NewCase {
            channel,
            category: &cat.code,
            confidence: by_model.then(|| rng.gen_range(0.55..0.99)),
            category_by: if by_model { "model" } else { "human" },
            text: &ex.text,
            lng,
            lat,
            address: "",
            street_id: street,
            community_id: loc.community,
            grid_id: loc.grid,
            compound_id: loc.compound,
            building_id: (loc.zone == Zone::Compound).then_some(b.id),
            zone,
            urgent: cat.urgent,
            status: CaseStatus::Accepted.code(),
            reporter_user_id: reporter_user,
            resident_id: resident,
            filed_by_staff: false,
            caller_enc: None,
            external_ref: None,
            photos: "[]".into(),
            next_due: None,
            created_at: created,
        };
        // The whole life of the case is decided in memory, then each row written once.
        let key = (cat.code.clone(), loc.community, loc.compound, zone);
        let units = match route_cache.get(&key) {
            Some(u) => u.clone(),
            None => {
                let mut u = route_units(&map, cat, loc.community, loc.compound, loc.zone);
                if u.is_empty() {
                    u.push(handling[rng.gen_range(0..handling.len())]);
                }
                route_cache.insert(key, u.clone());
                u
            }
        };
        let age = now - created;
        let step = taxonomy_sla_step(cat.urgent);
        let mut sims = vec![];
        for unit in units {
            let d = calendar::deadlines(&cal, created, cat.sla_hours, cat.urgent);
            let mut o = Sim {
                unit,
                d,
                status: OrderStatus::Dispatched,
                signed: None,
                done: vec![],
                rung: None,
            };
            let sign_window = (d.sign_by - created).max(10 * 60_000);
            let signed = created + (sign_window as f64 * rng.gen_range(0.05..1.25)) as i64;
            if signed < now {
                o.status = OrderStatus::Handling;
                o.signed = Some(signed);
                let span = (d.due_at - created).max(HOUR);
                // Most orders are done within their time; about one in eight runs late.
                let share = if rng.gen_bool(0.88) {
                    rng.gen_range(0.1..0.95)
                } else {
                    rng.gen_range(1.0..2.2)
                };
                let done = signed + (span as f64 * share) as i64;
                // A few recent orders are stuck: they go overdue and climb the ladder.
                let stuck = age < 10 * DAY && rng.gen_bool(0.04);
                if done < now && !stuck {
                    o.status = OrderStatus::Done;
                    o.done.push(done);
                }
            }
            sims.push(o);
        }
        // Call-backs once every unit has reported back; a "not solved" reopens the orders
        // and the units report back again (the third call-back closes it either way).
        let mut callbacks: Vec<(i64, bool, i64)> = vec![];
        while sims.iter().all(|o| o.status == OrderStatus::Done) {
            let last = sims
                .iter()
                .filter_map(|o| o.done.last().copied())
                .max()
                .unwrap_or(created);
            let at = last + rng.gen_range(HOUR..30 * HOUR);
            if at >= now {
                break;
            }
            let solved = callbacks.len() >= 2 || rng.gen_bool(0.88);
            callbacks.push((at, solved, satisfaction(&mut rng, solved)));
            if solved {
                for o in &mut sims {
                    o.status = OrderStatus::Closed;
                }
                break;
            }
            for o in &mut sims {
                let redo = at + rng.gen_range(3 * HOUR..2 * DAY);
                o.status = OrderStatus::Handling;
                if redo < now {
                    o.status = OrderStatus::Done;
                    o.done.push(redo);
                }
            }
        }
        // How far each order climbed: by its (first) report-back, or by now while open.
        for o in &mut sims {
            let until = if o.status.is_open() {
                now
            } else {
                o.done.first().copied().unwrap_or(now)
            };
            o.rung = lifecycle::escalation_rung(until - o.d.due_at, step);
        }
        let callback = callbacks.last().copied();
        let states: Vec<OrderStatus> = sims.iter().map(|o| o.status).collect();
        let status = lifecycle::case_status(&states);
        let closed = (status == CaseStatus::Closed).then(|| callback.map(|c| c.0).unwrap_or(now));
        let top_rung = sims.iter().filter_map(|o| o.rung).max();
        let new = NewCase {
            status: status.code(),
            ..new
        };
        let id = store::insert_case(tx, &new).await?;
        store::insert_reporter(tx, id, reporter_user, resident, channel, &ex.text, created).await?;
        let actor = if channel == "device" {
            "物联设备"
        } else {
            "居民"
        };
        // The timeline is written in time order (it is read in insertion order).
        let mut events: Vec<(i64, Option<i64>, String, &str, serde_json::Value)> = vec![(
            created,
            None,
            actor.into(),
            "accepted",
            serde_json::json!({"channel": channel, "category": cat.code}),
        )];
        let mut supervised_at = None;
        for o in &sims {
            let name = map.handling_unit_name(o.unit).unwrap_or_default();
            let row = OrderRow {
                id: 0,
                case_id: id,
                unit_id: o.unit,
                unit_name: name.clone(),
                status: o.status.code().into(),
                assignee_id: None,
                sign_by: o.d.sign_by,
                warn_at: o.d.warn_at,
                due_at: o.d.due_at,
                signed_at: o.signed,
                responded_at: o.signed,
                done_at: o.done.last().copied(),
                closed_at: callback.filter(|c| c.1).map(|c| c.0),
                return_reason: None,
                ext_until: None,
                ext_reason: None,
                feedback: o.done.last().map(|_| "已到现场处置完毕".to_string()),
                feedback_photos: "[]".into(),
                warned: now >= o.d.warn_at,
                overdue_rung: o.rung.map(|r| r.code().to_string()),
                created_at: created,
                updated_at: now,
            };
            let oid = store::insert_order_row(tx, &row).await?;
            events.push((
                created,
                Some(oid),
                super::service::ROUTER_LABEL.into(),
                "dispatched",
                serde_json::json!({"due_at": crate::clock::iso(o.d.due_at)}),
            ));
            if let Some(t) = o.signed {
                events.push((t, Some(oid), name.clone(), "signed", serde_json::json!({})));
            }
            for t in &o.done {
                events.push((
                    *t,
                    Some(oid),
                    name.clone(),
                    "feedback",
                    serde_json::json!({"text": "已到现场处置完毕"}),
                ));
            }
            // One escalation per rung, at the moment the order crossed it.
            if let Some(top) = o.rung {
                let rungs = [
                    gongzhi_core::cases::Rung::Community,
                    gongzhi_core::cases::Rung::Street,
                    gongzhi_core::cases::Rung::District,
                ];
                for (k, r) in rungs.iter().enumerate() {
                    if *r > top {
                        break;
                    }
                    let at = o.d.due_at + k as i64 * step + 60_000;
                    supervised_at = Some(supervised_at.map_or(at, |s: i64| s.min(at)));
                    events.push((
                        at,
                        Some(oid),
                        "系统".into(),
                        "escalated",
                        serde_json::json!({"to": r.code()}),
                    ));
                }
            }
        }
        for (at, solved, sat) in &callbacks {
            let kind = if *solved {
                "callback_solved"
            } else {
                "callback_unsolved"
            };
            events.push((
                *at,
                None,
                "回访员".into(),
                kind,
                serde_json::json!({"solved": solved, "satisfaction": sat}),
            ));
        }
        events.sort_by_key(|e| e.0);
        for (at, order, who, kind, detail) in events {
            event(tx, id, order, at, &who, kind, detail).await?;
        }
        if let (Some(r), Some(at)) = (top_rung, supervised_at) {
            store::set_rung(tx, id, r.code(), at).await?;
        }
        for (at, solved, sat) in &callbacks {
            store::insert_callback(tx, id, *solved, Some(*sat), "", None, *at).await?;
            store::set_callback(tx, id, *solved, Some(*sat), *at).await?;
        }
        let next_due = sims
            .iter()
            .filter(|o| o.status.is_open())
            .map(|o| o.d.due_at)
            .min();
        store::set_case_status(
            tx,
            id,
            status.code(),
            closed.unwrap_or(now).min(now),
            closed,
            next_due,
        )
        .await?;
        made += 1;
    }
    Ok(made)
}
