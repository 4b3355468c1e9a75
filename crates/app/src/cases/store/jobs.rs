//! The working-day calendar and the background jobs' claims (warnings, escalation).

use crate::db::Tx;
use crate::on_tx;

// --- the working-day calendar ---

const ALL_DAYS: &str = "select day, kind, name from calendar_days order by day";
const DELETE_YEAR: &str = "delete from calendar_days where day like $1";
const INSERT_DAY: &str = "insert into calendar_days (day, kind, name) values ($1, $2, $3)";

pub async fn calendar_days(tx: &mut Tx) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(ALL_DAYS).fetch_all(&mut **x).await)
}

pub async fn replace_year(
    tx: &mut Tx,
    year: i32,
    days: &[(String, String, String)],
) -> Result<(), sqlx::Error> {
    let like = format!("{year:04}-%");
    on_tx!(tx, |x| sqlx::query(DELETE_YEAR)
        .bind(&like)
        .execute(&mut **x)
        .await
        .map(|_| ()))?;
    for (d, k, n) in days {
        on_tx!(tx, |x| sqlx::query(INSERT_DAY)
            .bind(d)
            .bind(k)
            .bind(n)
            .execute(&mut **x)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

// --- background jobs ---

const DUE_WARN: &str = "select id from work_orders where status in ('dispatched', 'handling') and not warned and warn_at <= $1 order by warn_at limit $2";
const MARK_WARNED: &str = "update work_orders set warned = true where id = $1 and not warned";
const OVERDUE: &str = "select o.id from work_orders o where o.status in ('dispatched', 'handling') and o.due_at <= $1 \
     and (o.overdue_rung is null or o.overdue_rung <> 'district') order by o.due_at limit $2";
const CLAIM_RUNG: &str =
    "update work_orders set overdue_rung = $2 where id = $1 and coalesce(overdue_rung, '') = $3";

pub async fn due_warnings(tx: &mut Tx, now: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(DUE_WARN)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// Claims the warning of an order (false: another node already sent it).
pub async fn claim_warning(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(MARK_WARNED)
        .bind(id)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn overdue(tx: &mut Tx, now: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(OVERDUE)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// Claims an escalation step from `from` ('' = none yet) to `to` (false: already done).
pub async fn claim_rung(tx: &mut Tx, id: i64, from: &str, to: &str) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(CLAIM_RUNG)
        .bind(id)
        .bind(to)
        .bind(from)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

const UNANSWERED: &str = "select o.id, o.unit_id, o.created_at, o.sign_by, c.grid_id, c.community_id, c.street_id \
     from work_orders o join cases c on c.id = o.case_id \
     where o.status = 'dispatched' and not o.response_counted and o.sign_by <= $1 order by o.sign_by limit $2";

/// Orders whose signing deadline passed unanswered and that the response rate has not
/// counted yet.
#[allow(clippy::type_complexity)]
pub async fn unanswered(
    tx: &mut Tx,
    now: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, i64, i64, i64, i64, i64)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(UNANSWERED)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}
