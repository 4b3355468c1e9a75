//! Every SQL statement of the devices domain.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub token_hash: String,
    pub lng: f64,
    pub lat: f64,
    pub last_event_at: Option<i64>,
    pub last_event_type: Option<String>,
    pub created_at: i64,
}

const COLS: &str =
    "id, code, name, kind, token_hash, lng, lat, last_event_at, last_event_type, created_at";

pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<DeviceRow>, sqlx::Error> {
    let sql = format!("select {COLS} from devices where code = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn list(
    tx: &mut Tx,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DeviceRow>, i64), sqlx::Error> {
    let sql = format!("select {COLS} from devices order by code limit $1 offset $2");
    let rows = on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **x)
        .await)?;
    let total = on_tx!(tx, |x| sqlx::query_scalar("select count(*) from devices")
        .fetch_one(&mut **x)
        .await)?;
    Ok((rows, total))
}

const INSERT: &str = "insert into devices (code, name, kind, token_hash, lng, lat, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id";

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    code: &str,
    name: &str,
    kind: &str,
    token_hash: &str,
    lng: f64,
    lat: f64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(INSERT)
        .bind(code)
        .bind(name)
        .bind(kind)
        .bind(token_hash)
        .bind(lng)
        .bind(lat)
        .bind(now)
        .fetch_one(&mut **x)
        .await)
}

const SEEN: &str = "select case_id from device_events where device_id = $1 and event_id = $2";
const INSERT_EVENT: &str = "insert into device_events (device_id, event_id, type, at, case_id, received_at) values ($1, $2, $3, $4, $5, $6)";
const TOUCH: &str = "update devices set last_event_at = $2, last_event_type = $3 where id = $1 and (last_event_at is null or last_event_at <= $2)";

/// `Some(case)` when the event was received before (`Some(None)`: it made no case).
pub async fn seen(
    tx: &mut Tx,
    device: i64,
    event_id: &str,
) -> Result<Option<Option<i64>>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(SEEN)
        .bind(device)
        .bind(event_id)
        .fetch_optional(&mut **x)
        .await)
}

#[allow(clippy::too_many_arguments)]
pub async fn record_event(
    tx: &mut Tx,
    device: i64,
    event_id: &str,
    kind: &str,
    at: i64,
    case_id: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_EVENT)
        .bind(device)
        .bind(event_id)
        .bind(kind)
        .bind(at)
        .bind(case_id)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))?;
    on_tx!(tx, |x| sqlx::query(TOUCH)
        .bind(device)
        .bind(at)
        .bind(kind)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}
