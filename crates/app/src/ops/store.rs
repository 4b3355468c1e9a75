//! The intake benchmark's bare baseline table: not part of the product's schema, created
//! only in a database served with `--bench-endpoints`.

use crate::db::Tx;
use crate::on_tx;

const CREATE: &str =
    "create table if not exists bench_rows (body text not null, created_at bigint not null)";
const INSERT: &str = "insert into bench_rows (body, created_at) values ($1, $2)";

pub async fn create(tx: &mut Tx) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(CREATE)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

pub async fn insert(tx: &mut Tx, body: &str, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(INSERT)
        .bind(body)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}
