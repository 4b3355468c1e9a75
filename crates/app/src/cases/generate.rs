//! `gongzhi cases generate`: synthetic case load for benchmarks (a year of cases with their
//! work orders and call-backs, written with multi-row inserts). It fills what the
//! supervision board and the 三率 read; it writes no timeline or audit records, so it is
//! for benchmark databases only and refuses a database that is not the demo district.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::store::{self, GenCallback, GenCase, GenOrder, GenTable};
use crate::state::AppState;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const BATCH: usize = 400;

/// Writes `n` cases ending now. Returns (cases, orders, call-backs).
pub async fn generate(st: &AppState, n: usize, seed: u64) -> anyhow::Result<(usize, usize, usize)> {
    let map = st.org_map();
    anyhow::ensure!(
        st.is_demo(),
        "cases generate writes benchmark data into demo databases only"
    );
    anyhow::ensure!(
        !map.buildings.is_empty(),
        "no buildings: seed the demo first (serve --demo)"
    );
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cats = &crate::taxonomy::get().categories;
    let units: Vec<i64> = map.handling_units().iter().map(|h| h.0).collect();
    let now = st.now_ms();
    let (mut cases, mut orders, mut callbacks) = (0usize, 0usize, 0usize);
    let mut tx = st.db.begin().await?;
    let mut next_case = store::max_id(&mut tx, GenTable::Cases).await? + 1;
    let first_id = next_case;
    let mut next_order = store::max_id(&mut tx, GenTable::Orders).await? + 1;
    let mut next_cb = store::max_id(&mut tx, GenTable::Callbacks).await? + 1;
    tx.commit().await?;
    while cases < n {
        let k = BATCH.min(n - cases);
        let mut cv = Vec::with_capacity(k);
        let mut ov = vec![];
        let mut kv = vec![];
        for _ in 0..k {
            let id = next_case;
            next_case += 1;
            let cat = &cats[rng.gen_range(0..cats.len())];
            let b = &map.buildings[rng.gen_range(0..map.buildings.len())];
            let lng = b.lng + rng.gen_range(-0.0004..0.0004);
            let lat = b.lat + rng.gen_range(-0.0003..0.0003);
            let Some(loc) = map.locate(lng, lat).or_else(|| map.locate(b.lng, b.lat)) else {
                continue;
            };
            let street = map.unit(loc.community).and_then(|u| u.street).unwrap_or(0);
            // In time order (with jitter): index inserts stay near the end of each index,
            // which keeps a million-row load minutes shorter on SQLite.
            let created = now - 365 * DAY
                + (365 * DAY / n.max(1) as i64) * (id - first_id)
                + rng.gen_range(0..60_000);
            let created = created.min(now - 1);
            let age = now - created;
            let sla = cat.sla_hours.max(1) * HOUR;
            let r: f64 = rng.r#gen();
            // Old cases are mostly closed; recent ones still in hand.
            let (status, closed) = if age > 10 * DAY || r < 0.5 {
                if r < 0.97 {
                    ("closed", true)
                } else {
                    ("handling", false)
                }
            } else if r < 0.8 {
                ("handling", false)
            } else {
                ("dispatched", false)
            };
            let overdue = !closed && created + sla < now;
            let solved = rng.gen_bool(0.9);
            let sat: i64 = if solved {
                rng.gen_range(3..=5)
            } else {
                rng.gen_range(1..=3)
            };
            let closed_at = closed.then(|| created + rng.gen_range(sla / 4..sla * 2));
            cv.push(GenCase {
                id,
                category: cat.code.clone(),
                text: format!("{}（生成数据 #{id}）", cat.name),
                lng,
                lat,
                street_id: street,
                community_id: loc.community,
                grid_id: loc.grid,
                compound_id: loc.compound,
                building_id: loc.compound.map(|_| b.id),
                zone: if loc.compound.is_some() {
                    "compound"
                } else {
                    "public"
                },
                urgent: cat.urgent,
                status,
                rung: if overdue { "community" } else { "grid" },
                supervised_at: overdue.then_some(created + sla),
                solved: closed.then_some(solved),
                satisfaction: closed.then_some(sat),
                callback_at: closed_at,
                created_at: created,
                updated_at: closed_at.unwrap_or(created),
                closed_at,
                next_due: (!closed).then_some(created + sla),
            });
            let n_orders = if rng.gen_bool(0.2) { 2 } else { 1 };
            for _ in 0..n_orders {
                let oid = next_order;
                next_order += 1;
                let unit = units[rng.gen_range(0..units.len())];
                let responded = created + rng.gen_range(5 * 60_000..3 * HOUR);
                ov.push(GenOrder {
                    id: oid,
                    case_id: id,
                    unit_id: unit,
                    status: match status {
                        "closed" => "closed",
                        "handling" => "handling",
                        _ => "dispatched",
                    },
                    sign_by: created + if cat.urgent { 30 * 60_000 } else { 2 * HOUR },
                    warn_at: created + sla * 3 / 4,
                    due_at: created + sla,
                    signed_at: (status != "dispatched").then_some(responded),
                    done_at: closed_at.map(|c| c - HOUR),
                    closed_at,
                    warned: overdue,
                    overdue_rung: overdue.then_some("community"),
                    created_at: created,
                    updated_at: closed_at.unwrap_or(created),
                });
                orders += 1;
            }
            if let Some(at) = closed_at {
                kv.push(GenCallback {
                    id: next_cb,
                    case_id: id,
                    solved,
                    satisfaction: sat,
                    at,
                });
                next_cb += 1;
                callbacks += 1;
            }
            cases += 1;
        }
        let mut tx = st.db.begin().await?;
        store::insert(&mut tx, &cv, &ov, &kv).await?;
        tx.commit().await?;
    }
    let mut tx = st.db.begin().await?;
    store::rollup::rebuild(&mut tx, now).await?;
    tx.commit().await?;
    let mut tx = st.db.begin().await?;
    store::after_load(&mut tx).await?;
    tx.commit().await?;
    Ok((cases, orders, callbacks))
}
