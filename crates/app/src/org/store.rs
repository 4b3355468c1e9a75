//! Every SQL statement of the organisation domain.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub level: String,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub street_id: Option<i64>,
    pub community_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub geometry: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub floors: Option<i64>,
    pub property_unit_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HandlingUnitRow {
    pub id: i64,
    pub code: String,
    pub kind: String,
    pub name: String,
}

const BY_LEVEL: &str = "select id, level, code, name, parent_id, street_id, community_id, grid_id, geometry, lng, lat, floors, property_unit_id \
     from org_units where level = $1 order by code";
const BY_ID: &str = "select id, level, code, name, parent_id, street_id, community_id, grid_id, geometry, lng, lat, floors, property_unit_id \
     from org_units where id = $1";
const CHILDREN: &str = "select id, level, code, name, parent_id, street_id, community_id, grid_id, geometry, lng, lat, floors, property_unit_id \
     from org_units where parent_id = $1 order by code limit $2 offset $3";
const COUNT_CHILDREN: &str = "select count(*) from org_units where parent_id = $1";
const INSERT: &str = "insert into org_units (level, code, name, parent_id, street_id, community_id, grid_id, geometry, lng, lat, floors, property_unit_id, created_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id";
const RENAME: &str = "update org_units set name = $2 where id = $1";
const GET_META: &str = "select value from app_meta where key = $1";
const PUT_META: &str = "insert into app_meta (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value";
const LIST_HANDLING: &str =
    "select id, code, kind, name from units order by kind, code limit $1 offset $2";
const COUNT_HANDLING: &str = "select count(*) from units";
const INSERT_HANDLING: &str =
    "insert into units (code, kind, name, created_at) values ($1, $2, $3, $4) returning id";

pub async fn by_level(tx: &mut Tx, level: &str) -> Result<Vec<UnitRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(BY_LEVEL)
        .bind(level)
        .fetch_all(&mut **c)
        .await)
}

pub async fn find(tx: &mut Tx, id: i64) -> Result<Option<UnitRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(BY_ID)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn children(
    tx: &mut Tx,
    parent: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UnitRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |c| sqlx::query_as(CHILDREN)
        .bind(parent)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?;
    let total = on_tx!(tx, |c| sqlx::query_scalar(COUNT_CHILDREN)
        .bind(parent)
        .fetch_one(&mut **c)
        .await)?;
    Ok((rows, total))
}

/// A new organisation unit; ancestors are denormalised for scope filters.
#[derive(Debug, Clone, Default)]
pub struct NewUnit {
    pub level: &'static str,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub street_id: Option<i64>,
    pub community_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub geometry: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub floors: Option<i64>,
    pub property_unit_id: Option<i64>,
}

pub async fn insert(tx: &mut Tx, u: &NewUnit, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(u.level)
        .bind(&u.code)
        .bind(&u.name)
        .bind(u.parent_id)
        .bind(u.street_id)
        .bind(u.community_id)
        .bind(u.grid_id)
        .bind(&u.geometry)
        .bind(u.lng)
        .bind(u.lat)
        .bind(u.floors)
        .bind(u.property_unit_id)
        .bind(now)
        .fetch_one(&mut **c)
        .await)
}

pub async fn rename(tx: &mut Tx, id: i64, name: &str) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(RENAME)
        .bind(id)
        .bind(name)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn get_meta(tx: &mut Tx, key: &str) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(GET_META)
        .bind(key)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn put_meta(tx: &mut Tx, key: &str, value: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(PUT_META)
        .bind(key)
        .bind(value)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

pub async fn list_handling(
    tx: &mut Tx,
    limit: i64,
    offset: i64,
) -> Result<(Vec<HandlingUnitRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |c| sqlx::query_as(LIST_HANDLING)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?;
    let total = on_tx!(tx, |c| sqlx::query_scalar(COUNT_HANDLING)
        .fetch_one(&mut **c)
        .await)?;
    Ok((rows, total))
}

pub async fn insert_handling(
    tx: &mut Tx,
    code: &str,
    kind: &str,
    name: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT_HANDLING)
        .bind(code)
        .bind(kind)
        .bind(name)
        .bind(now)
        .fetch_one(&mut **c)
        .await)
}

const UNIT_ROUTES: &str = "select community_id, category, unit_id from unit_routes";
const SET_ROUTE: &str = "insert into unit_routes (community_id, category, unit_id) values ($1, $2, $3) \
     on conflict (community_id, category) do update set unit_id = excluded.unit_id";
const DELETE_ROUTE: &str = "delete from unit_routes where community_id = $1 and category = $2";

/// Every per-community routing rule.
pub async fn unit_routes(tx: &mut Tx) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(UNIT_ROUTES)
        .fetch_all(&mut **c)
        .await)
}

pub async fn set_unit_route(
    tx: &mut Tx,
    community: i64,
    category: &str,
    unit: Option<i64>,
) -> Result<(), sqlx::Error> {
    match unit {
        Some(u) => on_tx!(tx, |c| sqlx::query(SET_ROUTE)
            .bind(community)
            .bind(category)
            .bind(u)
            .execute(&mut **c)
            .await
            .map(|_| ())),
        None => on_tx!(tx, |c| sqlx::query(DELETE_ROUTE)
            .bind(community)
            .bind(category)
            .execute(&mut **c)
            .await
            .map(|_| ())),
    }
}
