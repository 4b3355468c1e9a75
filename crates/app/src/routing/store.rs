//! Every SQL statement of the routing model: the corrections staff make, which every node
//! replays in order on the shipped model.

use crate::db::Tx;
use crate::on_tx;

const INSERT_CORRECTION: &str = "insert into routing_corrections (case_id, text, model_label, label, user_id, created_at, status) values ($1, $2, $3, $4, $5, $6, $7)";
const CORRECTIONS_AFTER: &str = "select applied_seq, text, label from routing_corrections \
     where status = 'accepted' and applied_seq > $1 order by applied_seq limit 1000";
const COUNT_BY_USER_SINCE: &str = "select count(*) from routing_corrections where user_id = $1 and created_at >= $2 and status <> 'over_limit'";
const LIST: &str = "select id, case_id, text, model_label, label, user_id, created_at, status from routing_corrections \
     where status = $1 order by id limit $2 offset $3";
const COUNT: &str = "select count(*) from routing_corrections where status = $1";
const FIND: &str = "select id, case_id, text, model_label, label, user_id, created_at, status from routing_corrections where id = $1";
const REVIEW: &str = "update routing_corrections set status = $2, reviewed_by = $3, reviewed_at = $4, \
     applied_seq = case when $2 = 'accepted' then (select coalesce(max(applied_seq), 0) + 1 from routing_corrections) else null end \
     where id = $1 and status = 'pending'";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CorrectionRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub text: String,
    pub model_label: String,
    pub label: String,
    pub user_id: Option<i64>,
    pub created_at: i64,
    pub status: String,
}

/// A correction to store.
pub struct NewCorrection<'a> {
    pub case_id: Option<i64>,
    pub text: &'a str,
    pub model_label: &'a str,
    pub label: &'a str,
    pub user: Option<i64>,
    pub now: i64,
    pub status: &'a str,
}

pub async fn insert_correction(tx: &mut Tx, c: &NewCorrection<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_CORRECTION)
        .bind(c.case_id)
        .bind(c.text)
        .bind(c.model_label)
        .bind(c.label)
        .bind(c.user)
        .bind(c.now)
        .bind(c.status)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

pub async fn corrections_after(
    tx: &mut Tx,
    id: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(CORRECTIONS_AFTER)
        .bind(id)
        .fetch_all(&mut **x)
        .await)
}

pub async fn count_by_user_since(tx: &mut Tx, user: i64, since: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(COUNT_BY_USER_SINCE)
        .bind(user)
        .bind(since)
        .fetch_one(&mut **x)
        .await)
}

pub async fn list(
    tx: &mut Tx,
    status: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CorrectionRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |x| sqlx::query_as(LIST)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **x)
        .await)?;
    let total = on_tx!(tx, |x| sqlx::query_scalar(COUNT)
        .bind(status)
        .fetch_one(&mut **x)
        .await)?;
    Ok((rows, total))
}

pub async fn find(tx: &mut Tx, id: i64) -> Result<Option<CorrectionRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(FIND)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn review(
    tx: &mut Tx,
    id: i64,
    status: &str,
    by: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(REVIEW)
        .bind(id)
        .bind(status)
        .bind(by)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))
}
