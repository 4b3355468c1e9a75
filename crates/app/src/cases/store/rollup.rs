//! Daily tallies behind the 三率 and the heat map. Every change that moves a rate adds to
//! `rate_daily` in its own transaction (an upsert per dimension); the rebuild recomputes
//! the tables from the base tables, set-based, and a test checks the two agree.

use gongzhi_core::cases::calendar::CST_OFFSET_MS;

use crate::db::{Deferred, Tx};
use crate::on_tx;

const DAY: i64 = 86_400_000;

/// Days since 1970-01-01 in China Standard Time.
pub fn day_of(ms: i64) -> i64 {
    (ms + CST_OFFSET_MS).div_euclid(DAY)
}

/// What one change adds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Delta {
    pub due_to_sign: i64,
    pub signed_in_time: i64,
    pub callbacks: i64,
    pub solved: i64,
    pub rated: i64,
    pub satisfied: i64,
}

const UPSERT: &str = "insert into rate_daily (dim, key, day, due_to_sign, signed_in_time, callbacks, solved, rated, satisfied) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     on conflict (dim, key, day) do update set due_to_sign = rate_daily.due_to_sign + excluded.due_to_sign, \
       signed_in_time = rate_daily.signed_in_time + excluded.signed_in_time, callbacks = rate_daily.callbacks + excluded.callbacks, \
       solved = rate_daily.solved + excluded.solved, rated = rate_daily.rated + excluded.rated, satisfied = rate_daily.satisfied + excluded.satisfied";

/// Adds `d` on `day` to every (dimension, key).
pub async fn add(
    tx: &mut Tx,
    dims: &[(&str, i64)],
    day: i64,
    d: &Delta,
) -> Result<(), sqlx::Error> {
    for (dim, key) in dims {
        on_tx!(tx, |x| sqlx::query(UPSERT)
            .bind(*dim)
            .bind(*key)
            .bind(day)
            .bind(d.due_to_sign)
            .bind(d.signed_in_time)
            .bind(d.callbacks)
            .bind(d.solved)
            .bind(d.rated)
            .bind(d.satisfied)
            .execute(&mut **x)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// The dimension of a unit's work within one community (keys from [`unit_in`]), so that a
/// street's or a community's board ranks the units by their work there, not district-wide.
pub const UNIT_IN: &str = "unit_c";

/// The key of a unit's work in a community (ids are below 2³¹).
pub fn unit_in(unit: i64, community: i64) -> i64 {
    (unit << 32) | community
}

/// The unit and the community of a [`UNIT_IN`] key.
pub fn split_unit_in(key: i64) -> (i64, i64) {
    (key >> 32, key & 0xffff_ffff)
}

/// The place dimensions of a case.
pub fn places(grid: i64, community: i64, street: i64) -> [(&'static str, i64); 3] {
    [("grid", grid), ("community", community), ("street", street)]
}

const CLAIM_RESPONSE: &str =
    "update work_orders set response_counted = true where id = $1 and not response_counted";

/// Counts an order for the response rate once: when signed or returned (`responded_at`),
/// or when its signing deadline passed unanswered (`responded_at = None`).
#[allow(clippy::too_many_arguments)]
pub async fn count_response(
    tx: &mut Tx,
    order: i64,
    unit: i64,
    created_at: i64,
    sign_by: i64,
    responded_at: Option<i64>,
    place: [(&'static str, i64); 3],
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(CLAIM_RESPONSE)
        .bind(order)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(false);
    }
    let d = Delta {
        due_to_sign: 1,
        signed_in_time: i64::from(responded_at.is_some_and(|t| t <= sign_by)),
        ..Delta::default()
    };
    let mut dims = vec![("unit", unit)];
    if let Some((_, community)) = place.iter().find(|p| p.0 == "community") {
        dims.push((UNIT_IN, unit_in(unit, *community)));
    }
    dims.extend(place);
    add(tx, &dims, day_of(created_at), &d).await?;
    Ok(true)
}

const INSERT_COUNT: &str = "insert into case_daily (day, grid_id, category, n) ";

/// Counts `n` new cases of one day, grid and category: a row appended with the
/// transaction's other deferred rows (no row shared with concurrent filings is updated;
/// [`fold`] merges each key's rows later).
pub fn count_cases_later(buf: &mut Deferred, day: i64, grid: i64, category: &str, n: i64) {
    buf.push(
        INSERT_COUNT,
        vec![day.into(), grid.into(), category.into(), n.into()],
    );
}

/// Folds the tally rows of each (day, grid, category) into one; returns the number of keys
/// folded. Sums are unchanged, so readers may run at any time; rows appended meanwhile by
/// other transactions are left for the next fold.
pub async fn fold(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    let (rows, n) = match &mut tx.inner {
        crate::db::TxInner::Pg(x) => {
            // One folder at a time across app nodes (two could deadlock on each other's rows).
            let mine: bool = sqlx::query_scalar("select pg_try_advisory_xact_lock(7242002)")
                .fetch_one(&mut **x)
                .await?;
            if !mine {
                return Ok(0);
            }
            // Deletes exactly the rows it sums (those its snapshot sees), in one statement.
            let sql: &str = "with k as (select day, grid_id, category from case_daily \
                   group by day, grid_id, category having count(*) > 1 limit 1000), d as (delete from case_daily t using k \
                   where t.day = k.day and t.grid_id = k.grid_id and t.category = k.category \
                   returning t.day, t.grid_id, t.category, t.n) \
                 insert into case_daily (day, grid_id, category, n) \
                 select day, grid_id, category, cast(sum(n) as bigint) from d group by day, grid_id, category";
            return sqlx::query(sql)
                .execute(&mut **x)
                .await
                .map(|r| r.rows_affected());
        }
        crate::db::TxInner::Sqlite(x) => {
            // The SQLite writer holds the database: nothing is appended between the steps.
            let keys: Vec<(i64, i64, String, i64)> = sqlx::query_as(
                "select day, grid_id, category, cast(sum(n) as bigint) from case_daily \
                 group by day, grid_id, category having count(*) > 1 limit 1000",
            )
            .fetch_all(&mut **x)
            .await?;
            let mut rows = Deferred::default();
            for (day, grid, category, n) in &keys {
                sqlx::query(
                    "delete from case_daily where day = $1 and grid_id = $2 and category = $3",
                )
                .bind(day)
                .bind(grid)
                .bind(category)
                .execute(&mut **x)
                .await?;
                count_cases_later(&mut rows, *day, *grid, category, *n);
            }
            (rows, keys.len() as u64)
        }
    };
    let mut rows = rows;
    rows.flush(tx).await?;
    Ok(n)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SumRow {
    pub key: i64,
    pub due_to_sign: i64,
    pub signed_in_time: i64,
    pub callbacks: i64,
    pub solved: i64,
    pub rated: i64,
    pub satisfied: i64,
}

const SUMS: &str = "select key, cast(sum(due_to_sign) as bigint) as due_to_sign, cast(sum(signed_in_time) as bigint) as signed_in_time, \
       cast(sum(callbacks) as bigint) as callbacks, cast(sum(solved) as bigint) as solved, cast(sum(rated) as bigint) as rated, \
       cast(sum(satisfied) as bigint) as satisfied \
     from rate_daily where dim = $1 and day >= $2 and day < $3 group by key";

/// Sums per key of a dimension over days `[from_day, to_day)`.
pub async fn sums(
    tx: &mut Tx,
    dim: &str,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<SumRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(SUMS)
        .bind(dim)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&mut **x)
        .await)
}

const HEAT: &str = "select grid_id, category, cast(sum(n) as bigint) from case_daily where day >= $1 and day < $2 group by grid_id, category";

pub async fn heat(
    tx: &mut Tx,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(HEAT)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&mut **x)
        .await)
}

async fn exec(tx: &mut Tx, sql: &str, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(sql)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

/// Recomputes both tables from cases, work orders and call-backs (after bulk loads, or to
/// repair). Orders count for the response rate once answered or past their signing
/// deadline, as they do live.
pub async fn rebuild(tx: &mut Tx, now: i64) -> Result<(), sqlx::Error> {
    exec(tx, "delete from rate_daily where $1 = $1", now).await?;
    exec(tx, "delete from case_daily where $1 = $1", now).await?;
    exec(
        tx,
        "update work_orders set response_counted = (responded_at is not null or (status = 'dispatched' and sign_by <= $1))",
        now,
    )
    .await?;
    let day = |col: &str| format!("(({col} + {CST_OFFSET_MS}) / {DAY})");
    let resp = |dim: &str, key: &str| {
        format!(
            "select '{dim}' as dim, {key} as key, {d} as day, 1 as a, case when o.responded_at is not null and o.responded_at <= o.sign_by then 1 else 0 end as b, \
             0 as c, 0 as e, 0 as f, 0 as g from work_orders o join cases c on c.id = o.case_id where o.response_counted",
            d = day("o.created_at")
        )
    };
    let cb = |dim: &str, key: &str, join: &str| {
        format!(
            "select '{dim}' as dim, {key} as key, {d} as day, 0 as a, 0 as b, 1 as c, case when k.solved then 1 else 0 end as e, \
             case when k.satisfaction is not null then 1 else 0 end as f, case when k.satisfaction >= 4 then 1 else 0 end as g \
             from callbacks k join cases c on c.id = k.case_id {join}",
            d = day("k.at")
        )
    };
    let parts = [
        resp("unit", "o.unit_id"),
        resp("grid", "c.grid_id"),
        resp("community", "c.community_id"),
        resp("street", "c.street_id"),
        cb(
            "unit",
            "o.unit_id",
            "join work_orders o on o.case_id = k.case_id and o.status <> 'rerouted'",
        ),
        resp(UNIT_IN, "(o.unit_id * 4294967296 + c.community_id)"),
        cb(
            UNIT_IN,
            "(o.unit_id * 4294967296 + c.community_id)",
            "join work_orders o on o.case_id = k.case_id and o.status <> 'rerouted'",
        ),
        cb("grid", "c.grid_id", ""),
        cb("community", "c.community_id", ""),
        cb("street", "c.street_id", ""),
    ];
    let sql = format!(
        "insert into rate_daily (dim, key, day, due_to_sign, signed_in_time, callbacks, solved, rated, satisfied) \
         select dim, key, day, cast(sum(a) as bigint), cast(sum(b) as bigint), cast(sum(c) as bigint), cast(sum(e) as bigint), cast(sum(f) as bigint), cast(sum(g) as bigint) \
         from ({}) t where $1 = $1 group by dim, key, day",
        parts.join(" union all ")
    );
    exec(tx, &sql, now).await?;
    exec(
        tx,
        &format!(
            "insert into case_daily (day, grid_id, category, n) select {d}, grid_id, category, count(*) from cases where $1 = $1 group by {d}, grid_id, category",
            d = day("created_at")
        ),
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_in_china_standard_time() {
        // 2026-11-22 00:00 +08:00 is 2026-11-21 16:00 UTC.
        let midnight = 1_795_305_600_000 - CST_OFFSET_MS;
        assert_eq!(day_of(midnight), day_of(midnight + DAY - 1));
        assert_eq!(day_of(midnight) + 1, day_of(midnight + DAY));
        assert_eq!(day_of(midnight - 1) + 1, day_of(midnight));
    }
}
