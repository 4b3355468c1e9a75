//! Every SQL statement of the residents domain.

use gongzhi_core::identity::ScopeFilter;

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResidentRow {
    pub id: i64,
    pub room: String,
    pub building_id: i64,
    pub grid_id: i64,
    pub community_id: i64,
    pub street_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_year: i64,
    pub phone_enc: String,
    pub id_number_enc: String,
    pub tags: String,
    /// Care needs (sealed JSON), kept only with the resident's separate consent.
    pub care_sealed: Option<String>,
}

// The scope filter: $1 all, $2 street, $3 community, $4 grid, $5 building, $6 resident.
const LIST: &str = "select r.id, r.household_id, h.room, r.building_id, r.grid_id, r.community_id, r.street_id, r.name, r.gender, r.birth_year, r.phone_enc, r.id_number_enc, r.tags, r.care_sealed \
     from residents r join households h on h.id = r.household_id \
     where ($1 or r.street_id = $2 or r.community_id = $3 or r.grid_id = $4 or r.building_id = $5 or r.id = $6) \
       and ($7 = '' or r.tags like $7) and ($8 = '' or r.name like $8) and ($9 = '' or r.phone_idx = $9) \
     order by r.id limit $10 offset $11";
const COUNT: &str = "select count(*) from residents r \
     where ($1 or r.street_id = $2 or r.community_id = $3 or r.grid_id = $4 or r.building_id = $5 or r.id = $6) \
       and ($7 = '' or r.tags like $7) and ($8 = '' or r.name like $8) and ($9 = '' or r.phone_idx = $9)";
const FIND: &str = "select r.id, r.household_id, h.room, r.building_id, r.grid_id, r.community_id, r.street_id, r.name, r.gender, r.birth_year, r.phone_enc, r.id_number_enc, r.tags, r.care_sealed \
     from residents r join households h on h.id = r.household_id where r.id = $1";
const FIND_BY_ID_NUMBER: &str = "select id from residents where id_number_idx = $1";
const INSERT_HOUSEHOLD: &str = "insert into households (building_id, grid_id, community_id, street_id, room) values ($1, $2, $3, $4, $5) returning id";
const INSERT: &str = "insert into residents (household_id, building_id, grid_id, community_id, street_id, name, gender, birth_year, phone_enc, phone_idx, id_number_enc, id_number_idx, tags, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) returning id";

/// Search filters (already normalised: LIKE patterns or a blind index).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub tag_like: String,
    pub name_like: String,
    pub phone_idx: String,
}

pub async fn list(
    tx: &mut Tx,
    s: &ScopeFilter,
    f: &Filters,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ResidentRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |c| sqlx::query_as(LIST)
        .bind(s.all)
        .bind(s.street)
        .bind(s.community)
        .bind(s.grid)
        .bind(s.building)
        .bind(s.resident)
        .bind(&f.tag_like)
        .bind(&f.name_like)
        .bind(&f.phone_idx)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?;
    let total = on_tx!(tx, |c| sqlx::query_scalar(COUNT)
        .bind(s.all)
        .bind(s.street)
        .bind(s.community)
        .bind(s.grid)
        .bind(s.building)
        .bind(s.resident)
        .bind(&f.tag_like)
        .bind(&f.name_like)
        .bind(&f.phone_idx)
        .fetch_one(&mut **c)
        .await)?;
    Ok((rows, total))
}

pub async fn find(tx: &mut Tx, id: i64) -> Result<Option<ResidentRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(FIND)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn find_by_id_number(tx: &mut Tx, idx: &str) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(FIND_BY_ID_NUMBER)
        .bind(idx)
        .fetch_optional(&mut **c)
        .await)
}

/// A household's place in the tree.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub building_id: i64,
    pub grid_id: i64,
    pub community_id: i64,
    pub street_id: i64,
}

pub async fn insert_household(tx: &mut Tx, p: Place, room: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT_HOUSEHOLD)
        .bind(p.building_id)
        .bind(p.grid_id)
        .bind(p.community_id)
        .bind(p.street_id)
        .bind(room)
        .fetch_one(&mut **c)
        .await)
}

/// A resident ready to store: personal fields already encrypted and indexed.
pub struct NewResident<'a> {
    pub household_id: i64,
    pub place: Place,
    pub name: &'a str,
    pub gender: &'a str,
    pub birth_year: i64,
    pub phone_enc: String,
    pub phone_idx: String,
    pub id_number_enc: String,
    pub id_number_idx: String,
    pub tags: String,
}

pub async fn insert(tx: &mut Tx, r: &NewResident<'_>, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(r.household_id)
        .bind(r.place.building_id)
        .bind(r.place.grid_id)
        .bind(r.place.community_id)
        .bind(r.place.street_id)
        .bind(r.name)
        .bind(r.gender)
        .bind(r.birth_year)
        .bind(&r.phone_enc)
        .bind(&r.phone_idx)
        .bind(&r.id_number_enc)
        .bind(&r.id_number_idx)
        .bind(&r.tags)
        .bind(now)
        .fetch_one(&mut **c)
        .await)
}

/// Residents per building, with the counts the home page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BuildingStats {
    pub building_id: i64,
    pub grid_id: i64,
    pub community_id: i64,
    pub street_id: i64,
    pub total: i64,
    pub alone_elderly: i64,
    pub disabled: i64,
}

const STATS: &str = "select building_id, grid_id, community_id, street_id, count(*) as total, \
     cast(sum(case when tags like '%独居老人%' then 1 else 0 end) as bigint) as alone_elderly, \
     cast(sum(case when tags like '%残疾人%' then 1 else 0 end) as bigint) as disabled \
     from residents group by building_id, grid_id, community_id, street_id";

pub async fn building_stats(tx: &mut Tx) -> Result<Vec<BuildingStats>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(STATS).fetch_all(&mut **c).await)
}

const ALL_IDS: &str = "select id from residents order by id";

/// Every resident id (demo seeding).
pub async fn all_ids(tx: &mut Tx) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(ALL_IDS)
        .fetch_all(&mut **c)
        .await)
}

const SET_PHONE: &str =
    "update residents set phone_enc = $2, phone_idx = $3, updated_at = $4 where id = $1";

pub async fn set_phone(
    tx: &mut Tx,
    id: i64,
    phone_enc: &str,
    phone_idx: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_PHONE)
        .bind(id)
        .bind(phone_enc)
        .bind(phone_idx)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const SET_CARE: &str = "update residents set care_sealed = $2, updated_at = $3 where id = $1";

/// Sets (or, with `None`, erases) a resident's sealed care needs; rows changed.
pub async fn set_care(
    tx: &mut Tx,
    id: i64,
    sealed: Option<&str>,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_CARE)
        .bind(id)
        .bind(sealed)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const ERASE: &str = "update residents set name = $2, phone_enc = $3, phone_idx = $4, id_number_enc = $5, id_number_idx = $6, \
     care_sealed = null, tags = '[]', updated_at = $7 where id = $1";

/// Replaces a resident's identifying fields (the caller computes the placeholders).
#[allow(clippy::too_many_arguments)]
pub async fn erase(
    tx: &mut Tx,
    id: i64,
    name: &str,
    phone_enc: &str,
    phone_idx: &str,
    id_enc: &str,
    id_idx: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(ERASE)
        .bind(id)
        .bind(name)
        .bind(phone_enc)
        .bind(phone_idx)
        .bind(id_enc)
        .bind(id_idx)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const HOUSEHOLDS_OF: &str = "select h.room, min(r.id), \
     (select e.id from residents e where e.household_id = h.id order by e.birth_year, e.id limit 1) \
     from households h join residents r on r.household_id = h.id \
     where h.building_id = $1 group by h.id, h.room order by h.room";

/// (room, first resident registered, eldest resident) of each household of a building.
pub async fn households_of(
    tx: &mut Tx,
    building: i64,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(HOUSEHOLDS_OF)
        .bind(building)
        .fetch_all(&mut **c)
        .await)
}

/// Whether two residents live in one household.
pub async fn same_household(tx: &mut Tx, a: i64, b: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, |c| {
        sqlx::query_scalar(
        "select count(*) from residents a join residents b on a.household_id = b.household_id where a.id = $1 and b.id = $2"
    )
    .bind(a)
    .bind(b)
    .fetch_one(&mut **c)
    .await
    })?;
    Ok(n > 0)
}

/// Residents of a community born in `born_from` or later, with their birth year, ordered
/// (the demo's children for 四点半课堂).
pub async fn born_from_in(
    tx: &mut Tx,
    community: i64,
    born_from: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, birth_year from residents where community_id = $1 and birth_year >= $2 order by id limit 50"
    )
    .bind(community)
    .bind(born_from)
    .fetch_all(&mut **c)
    .await
    })
}
