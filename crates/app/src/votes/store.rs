//! Every SQL statement of owners' votes: the register, the votes with their frozen
//! registers, and the ballots.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnerUnit {
    pub unit: String,
    pub floor: i64,
    pub area_e4: i64,
    pub owner_key: String,
}

pub struct NewOwnerUnit<'a> {
    pub building_id: i64,
    pub compound_id: Option<i64>,
    pub community_id: i64,
    pub unit: &'a str,
    pub floor: i64,
    pub area_e4: i64,
    pub owner_key: &'a str,
    pub resident_id: Option<i64>,
    pub updated_by: Option<i64>,
    pub now: i64,
}

const PUT_UNIT: &str = "insert into owner_units (building_id, compound_id, community_id, unit, floor, area_e4, owner_key, resident_id, updated_by, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     on conflict (building_id, unit) do update set floor = excluded.floor, area_e4 = excluded.area_e4, owner_key = excluded.owner_key, \
     resident_id = excluded.resident_id, updated_by = excluded.updated_by, updated_at = excluded.updated_at";

pub async fn put_unit(tx: &mut Tx, u: &NewOwnerUnit<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(PUT_UNIT)
        .bind(u.building_id)
        .bind(u.compound_id)
        .bind(u.community_id)
        .bind(u.unit)
        .bind(u.floor)
        .bind(u.area_e4)
        .bind(u.owner_key)
        .bind(u.resident_id)
        .bind(u.updated_by)
        .bind(u.now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const UNITS_OF_BUILDING: &str = "select unit, cast(floor as bigint) as floor, area_e4, owner_key from owner_units where building_id = $1 order by unit";

/// The register of a building.
pub async fn register(tx: &mut Tx, building: i64) -> Result<Vec<OwnerUnit>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(UNITS_OF_BUILDING)
        .bind(building)
        .fetch_all(&mut **x)
        .await)
}

/// The register of a compound: every unit of its buildings, labelled with the building
/// (`3号楼-101`: unit numbers repeat across buildings).
pub async fn register_of_compound(
    tx: &mut Tx,
    compound: i64,
) -> Result<Vec<(i64, OwnerUnit)>, sqlx::Error> {
    let rows: Vec<(i64, String, i64, i64, String)> = on_tx!(tx, |x| sqlx::query_as(
        "select building_id, unit, cast(floor as bigint), area_e4, owner_key from owner_units \
         where compound_id = $1 order by building_id, unit"
    )
    .bind(compound)
    .fetch_all(&mut **x)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(b, unit, floor, area_e4, owner_key)| {
            (
                b,
                OwnerUnit {
                    unit,
                    floor,
                    area_e4,
                    owner_key,
                },
            )
        })
        .collect())
}

/// A unit of the register with what staff see of it on the register page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegisterRow {
    pub id: i64,
    pub building_id: i64,
    pub unit: String,
    pub floor: i64,
    pub area_e4: i64,
    pub owner_key: String,
    pub resident_id: Option<i64>,
    pub owner_name_sealed: Option<String>,
    pub updated_at: i64,
}

const REGISTER_COLS: &str = "id, building_id, unit, cast(floor as bigint) as floor, area_e4, owner_key, resident_id, owner_name_sealed, updated_at";

/// The register rows of some buildings.
pub async fn register_rows(tx: &mut Tx, building: i64) -> Result<Vec<RegisterRow>, sqlx::Error> {
    let sql =
        format!("select {REGISTER_COLS} from owner_units where building_id = $1 order by unit");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(building)
        .fetch_all(&mut **x)
        .await)
}

pub async fn register_row(tx: &mut Tx, id: i64) -> Result<Option<RegisterRow>, sqlx::Error> {
    let sql = format!("select {REGISTER_COLS} from owner_units where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// Sets a non-resident owner's sealed name on a unit (after `put_unit`).
pub async fn set_owner_name(
    tx: &mut Tx,
    building: i64,
    unit: &str,
    sealed: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update owner_units set owner_name_sealed = $3 where building_id = $1 and unit = $2"
    )
    .bind(building)
    .bind(unit)
    .bind(sealed)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

/// A community's local rules, if it has set any: (online voting, non-voters follow,
/// support threshold).
pub async fn rules(tx: &mut Tx, community: i64) -> Result<Option<(bool, bool, i64)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select online_voting, non_voters_follow, support_threshold from community_rules where community_id = $1"
    )
    .bind(community)
    .fetch_optional(&mut **x)
    .await
    })
}

pub async fn set_rules(
    tx: &mut Tx,
    community: i64,
    online_voting: bool,
    non_voters_follow: bool,
    support_threshold: i64,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into community_rules (community_id, online_voting, non_voters_follow, updated_by, updated_at, support_threshold) \
         values ($1, $2, $3, $4, $5, $6) on conflict (community_id) do update set online_voting = excluded.online_voting, \
         non_voters_follow = excluded.non_voters_follow, updated_by = excluded.updated_by, updated_at = excluded.updated_at, \
         support_threshold = excluded.support_threshold"
    )
    .bind(community)
    .bind(online_voting)
    .bind(non_voters_follow)
    .bind(by)
    .bind(now)
    .bind(support_threshold)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VoteRow {
    pub id: i64,
    pub community_id: i64,
    pub scope: String,
    pub scope_id: i64,
    pub matter: String,
    pub title: String,
    pub body: String,
    pub status: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub register_sha256: String,
    pub total_area_e4: i64,
    pub total_heads: i64,
    pub lift_plan: Option<String>,
    pub online_voting: bool,
    pub non_voters_follow: bool,
}

const VOTE_COLS: &str = "id, community_id, scope, scope_id, matter, title, body, status, opens_at, closes_at, register_sha256, total_area_e4, total_heads, lift_plan, online_voting, non_voters_follow";

pub struct NewVote<'a> {
    pub community_id: i64,
    pub scope: &'a str,
    pub scope_id: i64,
    pub matter: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub opens_at: i64,
    pub closes_at: i64,
    pub register_sha256: &'a str,
    pub total_area_e4: i64,
    pub total_heads: i64,
    pub lift_plan: Option<&'a str>,
    pub online_voting: bool,
    pub non_voters_follow: bool,
    pub created_by: Option<i64>,
    pub now: i64,
}

const INSERT_VOTE: &str = "insert into votes (community_id, scope, scope_id, matter, title, body, status, opens_at, closes_at, register_sha256, total_area_e4, total_heads, lift_plan, created_by, created_at, online_voting, non_voters_follow) \
     values ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) returning id";

pub async fn insert_vote(tx: &mut Tx, v: &NewVote<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_VOTE)
        .bind(v.community_id)
        .bind(v.scope)
        .bind(v.scope_id)
        .bind(v.matter)
        .bind(v.title)
        .bind(v.body)
        .bind(v.opens_at)
        .bind(v.closes_at)
        .bind(v.register_sha256)
        .bind(v.total_area_e4)
        .bind(v.total_heads)
        .bind(v.lift_plan)
        .bind(v.created_by)
        .bind(v.now)
        .bind(v.online_voting)
        .bind(v.non_voters_follow)
        .fetch_one(&mut **x)
        .await)
}

const FREEZE_UNIT: &str =
    "insert into vote_units (vote_id, unit, floor, owner_key, area_e4) values ($1, $2, $3, $4, $5)";

pub async fn freeze_unit(tx: &mut Tx, vote: i64, u: &OwnerUnit) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(FREEZE_UNIT)
        .bind(vote)
        .bind(&u.unit)
        .bind(u.floor)
        .bind(&u.owner_key)
        .bind(u.area_e4)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const FROZEN: &str = "select unit, cast(floor as bigint) as floor, area_e4, owner_key from vote_units where vote_id = $1 order by unit";

/// The register as it was when the vote opened.
pub async fn frozen(tx: &mut Tx, vote: i64) -> Result<Vec<OwnerUnit>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(FROZEN)
        .bind(vote)
        .fetch_all(&mut **x)
        .await)
}

pub async fn find(tx: &mut Tx, id: i64) -> Result<Option<VoteRow>, sqlx::Error> {
    let sql = format!("select {VOTE_COLS} from votes where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// Votes of some communities (`all`: every one), by status ('' = any), newest first.
pub async fn list(
    tx: &mut Tx,
    all: bool,
    communities: &[i64],
    status: &str,
) -> Result<Vec<VoteRow>, sqlx::Error> {
    let ids = communities
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let scope = if all {
        "1 = 1".to_string()
    } else if ids.is_empty() {
        "1 = 0".to_string()
    } else {
        format!("community_id in ({ids})")
    };
    let sql = format!(
        "select {VOTE_COLS} from votes where {scope} and ($1 = '' or status = $1) order by id desc limit 200"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(status)
        .fetch_all(&mut **x)
        .await)
}

/// Open votes whose frozen register holds `owner`.
pub async fn votes_of_owner(tx: &mut Tx, owner: &str) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select distinct vote_id from vote_units where owner_key = $1"
    )
    .bind(owner)
    .fetch_all(&mut **x)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BallotRow {
    pub owner_key: String,
    pub choice: String,
}

pub struct NewBallot<'a> {
    pub vote_id: i64,
    pub owner_key: &'a str,
    pub choice: &'a str,
    pub channel: &'a str,
    pub entered_by: Option<i64>,
    pub attachment_sealed: Option<&'a str>,
    pub now: i64,
}

/// Records a ballot unless the owner has one in this vote (the unique key decides, so two
/// channels at once still give one): false = one existed.
pub async fn insert_ballot(tx: &mut Tx, b: &NewBallot<'_>) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into ballots (vote_id, owner_key, choice, channel, entered_by, attachment_sealed, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7) on conflict (vote_id, owner_key) do nothing"
    )
    .bind(b.vote_id)
    .bind(b.owner_key)
    .bind(b.choice)
    .bind(b.channel)
    .bind(b.entered_by)
    .bind(b.attachment_sealed)
    .bind(b.now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// The ballots of a vote after the one with id `after`, with their ids, in order.
pub async fn ballots_after(
    tx: &mut Tx,
    vote: i64,
    after: i64,
) -> Result<Vec<(i64, BallotRow)>, sqlx::Error> {
    let rows: Vec<(i64, String, String)> = on_tx!(tx, |x| sqlx::query_as(
        "select id, owner_key, choice from ballots where vote_id = $1 and id > $2 order by id"
    )
    .bind(vote)
    .bind(after)
    .fetch_all(&mut **x)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, owner_key, choice)| (id, BallotRow { owner_key, choice }))
        .collect())
}

pub async fn ballots(tx: &mut Tx, vote: i64) -> Result<Vec<BallotRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select owner_key, choice from ballots where vote_id = $1 order by id"
    )
    .bind(vote)
    .fetch_all(&mut **x)
    .await)
}

/// Each owner who has voted, with the channel of their ballot.
pub async fn channels(tx: &mut Tx, vote: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select owner_key, channel from ballots where vote_id = $1"
    )
    .bind(vote)
    .fetch_all(&mut **x)
    .await)
}

pub async fn has_voted(tx: &mut Tx, vote: i64, owner: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, |x| sqlx::query_scalar(
        "select count(*) from ballots where vote_id = $1 and owner_key = $2"
    )
    .bind(vote)
    .bind(owner)
    .fetch_one(&mut **x)
    .await)?;
    Ok(n > 0)
}

/// Open votes whose closing time has passed.
pub async fn due_to_close(tx: &mut Tx, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select id from votes where status = 'open' and closes_at <= $1 order by id"
    )
    .bind(now)
    .fetch_all(&mut **x)
    .await)
}

/// The SHA-256 of the vote's published register, once its id is known.
pub async fn set_register_sha256(tx: &mut Tx, id: i64, sha: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update votes set register_sha256 = $2 where id = $1"
    )
    .bind(id)
    .bind(sha)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

/// Closes a vote with its result, if it is still open (false: someone closed it first).
pub async fn close(tx: &mut Tx, id: i64, result: &str) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(
        "update votes set status = 'closed', result = $2 where id = $1 and status = 'open'"
    )
    .bind(id)
    .bind(result)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
