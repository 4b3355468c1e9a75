//! Every SQL statement of the Open311 interface.

use crate::db::Tx;
use crate::on_tx;

const KEY: &str = "select k.name, k.user_id from open311_keys k where k.key_hash = $1";
const INSERT_KEY: &str =
    "insert into open311_keys (key_hash, name, user_id, created_at) values ($1, $2, $3, $4)";

pub async fn key(tx: &mut Tx, hash: &str) -> Result<Option<(String, i64)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(KEY)
        .bind(hash)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn insert_key(
    tx: &mut Tx,
    hash: &str,
    name: &str,
    user: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_KEY)
        .bind(hash)
        .bind(name)
        .bind(user)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}
