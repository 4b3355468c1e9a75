//! Every SQL statement of the routing model: the corrections staff make, which every node
//! replays in order on the shipped model.

use crate::db::Tx;
use crate::on_tx;

const INSERT_CORRECTION: &str = "insert into routing_corrections (case_id, text, model_label, label, user_id, created_at) values ($1, $2, $3, $4, $5, $6)";
const CORRECTIONS_AFTER: &str =
    "select id, text, label from routing_corrections where id > $1 order by id limit 1000";

pub async fn insert_correction(
    tx: &mut Tx,
    case_id: Option<i64>,
    text: &str,
    model_label: &str,
    label: &str,
    user: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_CORRECTION)
        .bind(case_id)
        .bind(text)
        .bind(model_label)
        .bind(label)
        .bind(user)
        .bind(now)
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
