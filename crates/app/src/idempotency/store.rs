//! Every SQL statement of the idempotency keys.

use crate::db::Tx;
use crate::on_tx;

const FIND: &str = "select request_sha256, result_id from idempotency_keys where user_id = $1 and scope = $2 and key = $3";
const INSERT: &str = "insert into idempotency_keys (user_id, scope, key, request_sha256, result_id, created_at) values ($1, $2, $3, $4, $5, $6)";
const DELETE_BEFORE: &str = "delete from idempotency_keys where created_at < $1";

pub async fn find(
    tx: &mut Tx,
    user_id: i64,
    scope: &str,
    key: &str,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(FIND)
        .bind(user_id)
        .bind(scope)
        .bind(key)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    scope: &str,
    key: &str,
    sha: &str,
    result_id: i64,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(INSERT)
        .bind(user_id)
        .bind(scope)
        .bind(key)
        .bind(sha)
        .bind(result_id)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn delete_before(tx: &mut Tx, cutoff: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(DELETE_BEFORE)
        .bind(cutoff)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}
