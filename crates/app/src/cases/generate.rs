//! `gongzhi cases generate`: synthetic case load for benchmarks (a year of cases with their
//! work orders and call-backs, written with multi-row inserts). It fills what the
//! supervision board and the 三率 read; it writes no timeline or audit records, so it is
//! for benchmark databases only and refuses a database that is not the demo district.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::db::{Db, Tx};
use crate::on_tx;
use crate::state::AppState;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const BATCH: usize = 400;

async fn exec(tx: &mut Tx, sql: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(sql).execute(&mut **c).await.map(|_| ()))
}

async fn max_id(tx: &mut Tx, table: &str) -> Result<i64, sqlx::Error> {
    let sql = format!("select coalesce(max(id), 0) from {table}");
    on_tx!(tx, |c| sqlx::query_scalar(&sql).fetch_one(&mut **c).await)
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn opt(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "null".into())
}

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
    let mut next_case = max_id(&mut tx, "cases").await? + 1;
    let first_id = next_case;
    let mut next_order = max_id(&mut tx, "work_orders").await? + 1;
    let mut next_cb = max_id(&mut tx, "callbacks").await? + 1;
    tx.commit().await?;
    let (bool_t, bool_f) = match st.db {
        Db::Pg(_) => ("true", "false"),
        Db::Sqlite(..) => ("1", "0"),
    };
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
            let rung = if overdue { "'community'" } else { "null" };
            let solved = rng.gen_bool(0.9);
            let sat: i64 = if solved {
                rng.gen_range(3..=5)
            } else {
                rng.gen_range(1..=3)
            };
            let closed_at = closed.then(|| created + rng.gen_range(sla / 4..sla * 2));
            cv.push(format!(
                "({id}, 'web', {cat}, 0.9, 'model', {text}, {lng}, {lat}, '', {street}, {comm}, {grid}, {cp}, {bd}, {zone}, {urg}, '{status}', null, null, {f}, null, null, '[]', {rung2}, {sup}, {solved_v}, {sat_v}, {cb_at}, 0, {created}, {updated}, {closed_at}, {next_due})",
                cat = q(&cat.code),
                text = q(&format!("{}（生成数据 #{id}）", cat.name)),
                comm = loc.community,
                grid = loc.grid,
                cp = opt(loc.compound),
                bd = opt(loc.compound.map(|_| b.id)),
                zone = if loc.compound.is_some() { "'compound'" } else { "'public'" },
                urg = if cat.urgent { bool_t } else { bool_f },
                f = bool_f,
                rung2 = if overdue { "'community'" } else { "'grid'" },
                sup = if overdue { (created + sla).to_string() } else { "null".into() },
                solved_v = if closed { if solved { bool_t } else { bool_f } } else { "null" },
                sat_v = if closed { sat.to_string() } else { "null".into() },
                cb_at = opt(closed_at),
                updated = closed_at.unwrap_or(created),
                closed_at = opt(closed_at),
                next_due = if closed { "null".to_string() } else { (created + sla).to_string() },
            ));
            let n_orders = if rng.gen_bool(0.2) { 2 } else { 1 };
            for _ in 0..n_orders {
                let oid = next_order;
                next_order += 1;
                let unit = units[rng.gen_range(0..units.len())];
                let sign_by = created + if cat.urgent { 30 * 60_000 } else { 2 * HOUR };
                let responded = created + rng.gen_range(5 * 60_000..3 * HOUR);
                let signed = status != "dispatched";
                ov.push(format!(
                    "({oid}, {id}, {unit}, '{os}', null, {sign_by}, {warn}, {due}, {sa}, {sa}, {done}, {closed_at}, null, null, null, null, '[]', {warned}, {rung}, {created}, {updated})",
                    os = match status { "closed" => "closed", "handling" => "handling", _ => "dispatched" },
                    warn = created + sla * 3 / 4,
                    due = created + sla,
                    sa = if signed { responded.to_string() } else { "null".into() },
                    done = opt(closed_at.map(|c| c - HOUR)),
                    closed_at = opt(closed_at),
                    warned = if overdue { bool_t } else { bool_f },
                    updated = closed_at.unwrap_or(created),
                ));
                orders += 1;
            }
            if let Some(at) = closed_at {
                let kid = next_cb;
                next_cb += 1;
                kv.push(format!(
                    "({kid}, {id}, {s}, {sat}, '', null, {at})",
                    s = if solved { bool_t } else { bool_f }
                ));
                callbacks += 1;
            }
            cases += 1;
        }
        let mut tx = st.db.begin().await?;
        if !cv.is_empty() {
            exec(&mut tx, &format!("insert into cases (id, channel, category, confidence, category_by, text, lng, lat, address, street_id, community_id, grid_id, compound_id, building_id, zone, urgent, status, reporter_user_id, resident_id, filed_by_staff, caller_enc, external_ref, photos, rung, supervised_at, solved, satisfaction, callback_at, reopened, created_at, updated_at, closed_at, next_due) values {}", cv.join(","))).await?;
        }
        // Each case's one reporter (the count of reporters is read from these rows).
        exec(&mut tx, &format!("insert into case_reporters (case_id, user_id, resident_id, channel, text, created_at) select id, null, null, channel, text, created_at from cases where id >= {} and id < {next_case}", next_case - k as i64)).await?;
        if !ov.is_empty() {
            exec(&mut tx, &format!("insert into work_orders (id, case_id, unit_id, status, assignee_id, sign_by, warn_at, due_at, signed_at, responded_at, done_at, closed_at, return_reason, ext_until, ext_reason, feedback, feedback_photos, warned, overdue_rung, created_at, updated_at) values {}", ov.join(","))).await?;
        }
        if !kv.is_empty() {
            exec(&mut tx, &format!("insert into callbacks (id, case_id, solved, satisfaction, comment, user_id, at) values {}", kv.join(","))).await?;
        }
        tx.commit().await?;
    }
    let mut tx = st.db.begin().await?;
    crate::cases::rollup::rebuild(&mut tx, now).await?;
    tx.commit().await?;
    if let Db::Pg(_) = st.db {
        let mut tx = st.db.begin().await?;
        for t in ["cases", "work_orders", "callbacks"] {
            exec(
                &mut tx,
                &format!(
                    "select setval(pg_get_serial_sequence('{t}', 'id'), (select max(id) from {t}))"
                ),
            )
            .await?;
        }
        exec(&mut tx, "analyze").await?;
        tx.commit().await?;
    } else {
        let mut tx = st.db.begin().await?;
        exec(&mut tx, "analyze").await?;
        tx.commit().await?;
    }
    Ok((cases, orders, callbacks))
}
