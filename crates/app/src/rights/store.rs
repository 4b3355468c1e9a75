//! Every SQL statement of individuals' rights: tombstones of erased people and rights
//! requests.

use crate::db::Tx;
use crate::on_tx;

const TOMBSTONE: &str =
    "insert into tombstones (kind, subject_id, at) values ($1, $2, $3) on conflict do nothing";

pub async fn tombstone(tx: &mut Tx, kind: &str, subject: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(TOMBSTONE)
        .bind(kind)
        .bind(subject)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub kind: String,
    pub detail_enc: String,
    pub status: String,
    pub due_at: i64,
    pub created_at: i64,
    pub reason: Option<String>,
    pub closed_at: Option<i64>,
    /// The requester's street (none: an account without a resident record).
    pub street_id: Option<i64>,
}

const COLUMNS: &str = "q.id, q.kind, q.detail_enc, q.status, q.due_at, q.created_at, q.reason, q.closed_at, r.street_id";
const FROM: &str = "from rights_requests q join users u on u.id = q.user_id left join residents r on r.id = u.resident_id";

const INSERT: &str = "insert into rights_requests (user_id, kind, detail_enc, status, due_at, created_at) values ($1, $2, $3, 'open', $4, $5) returning id";

pub async fn insert(
    tx: &mut Tx,
    user: i64,
    kind: &str,
    detail_enc: &str,
    due_at: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(user)
        .bind(kind)
        .bind(detail_enc)
        .bind(due_at)
        .bind(now)
        .fetch_one(&mut **c)
        .await)
}

pub async fn find(tx: &mut Tx, id: i64) -> Result<Option<RequestRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} {FROM} where q.id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn of_user(tx: &mut Tx, user: i64) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = format!("select {COLUMNS} {FROM} where q.user_id = $1 order by q.id");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user)
        .fetch_all(&mut **c)
        .await)
}

/// Requests for staff: `all` or those of one street (and of accounts without a resident
/// record); only open ones past `overdue_at` when it is given.
pub async fn list(
    tx: &mut Tx,
    all: bool,
    street: i64,
    overdue_at: Option<i64>,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = format!(
        "select {COLUMNS} {FROM} where ($1 or r.street_id = $2 or r.id is null) \
         and ($3 = 0 or (q.status in ('open', 'in_progress') and q.due_at < $3)) order by q.due_at, q.id limit 500"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(all)
        .bind(street)
        .bind(overdue_at.unwrap_or(0))
        .fetch_all(&mut **c)
        .await)
}

const STEP: &str = "update rights_requests set status = $2, handled_by = $3, reason = $4, closed_at = $5 where id = $1 and status = $6";

#[allow(clippy::too_many_arguments)]
pub async fn step(
    tx: &mut Tx,
    id: i64,
    to: &str,
    by: i64,
    reason: Option<&str>,
    closed_at: Option<i64>,
    from: &str,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(STEP)
        .bind(id)
        .bind(to)
        .bind(by)
        .bind(reason)
        .bind(closed_at)
        .bind(from)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}
