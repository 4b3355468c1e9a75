//! Every SQL statement of the devices domain.

use gongzhi_core::identity::{Placement, ScopeFilter};

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
    pub street_id: Option<i64>,
    pub community_id: Option<i64>,
    pub grid_id: Option<i64>,
}

const COLS: &str = "id, code, name, kind, token_hash, lng, lat, last_event_at, last_event_type, created_at, street_id, community_id, grid_id";
/// The scope filter: bind (all, street, community, grid).
const IN_SCOPE: &str = "($1 or street_id = $2 or community_id = $3 or grid_id = $4)";

pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<DeviceRow>, sqlx::Error> {
    let sql = format!("select {COLS} from devices where code = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(code)
        .fetch_optional(&mut **x)
        .await)
}

/// The devices within a scope, a page of them and how many there are.
pub async fn list(
    tx: &mut Tx,
    f: &ScopeFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DeviceRow>, i64), sqlx::Error> {
    let sql =
        format!("select {COLS} from devices where {IN_SCOPE} order by code limit $5 offset $6");
    let rows = on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(f.all)
        .bind(f.street)
        .bind(f.community)
        .bind(f.grid)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **x)
        .await)?;
    let count = format!("select count(*) from devices where {IN_SCOPE}");
    let total = on_tx!(tx, |x| sqlx::query_scalar(&count)
        .bind(f.all)
        .bind(f.street)
        .bind(f.community)
        .bind(f.grid)
        .fetch_one(&mut **x)
        .await)?;
    Ok((rows, total))
}

/// Devices not yet located (registered before devices carried their place).
pub async fn unplaced(tx: &mut Tx) -> Result<Vec<(i64, f64, f64)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select id, lng, lat from devices where community_id is null order by id"
    )
    .fetch_all(&mut **x)
    .await)
}

pub async fn set_place(tx: &mut Tx, id: i64, p: &Placement) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update devices set street_id = $2, community_id = $3, grid_id = $4 where id = $1"
    )
    .bind(id)
    .bind(p.street)
    .bind(p.community)
    .bind(p.grid)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

const CODES: &str = "select code from devices order by code";

/// Every device's code (a few thousand at most in a district).
pub async fn codes(tx: &mut Tx) -> Result<Vec<String>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(CODES).fetch_all(&mut **x).await)
}

const INSERT: &str = "insert into devices (code, name, kind, token_hash, lng, lat, created_at, street_id, community_id, grid_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id";

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    code: &str,
    name: &str,
    kind: &str,
    token_hash: &str,
    lng: f64,
    lat: f64,
    place: &Placement,
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
        .bind(place.street)
        .bind(place.community)
        .bind(place.grid)
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
