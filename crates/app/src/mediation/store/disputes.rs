//! Disputes: the row, the lists by who may see them, figures, state changes.

use crate::db::Tx;
use crate::on_tx;

macro_rules! cols {
    () => {
        "id, dtype, title, account_enc, wants_enc, risk, risk_reasons, status, level, resolved_level, channel, street_id, community_id, case_id, filed_by, follow_up_days, follow_up_due, created_at, updated_at, closed_at"
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeRow {
    pub id: i64,
    pub dtype: String,
    pub title: String,
    pub account_enc: String,
    pub wants_enc: String,
    pub risk: String,
    pub risk_reasons: String,
    pub status: String,
    pub level: String,
    pub resolved_level: Option<String>,
    pub channel: String,
    pub street_id: i64,
    pub community_id: i64,
    pub case_id: Option<i64>,
    pub filed_by: i64,
    pub follow_up_days: i64,
    pub follow_up_due: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

/// A dispute ready to store (personal fields already encrypted).
pub struct NewDispute<'a> {
    pub dtype: &'a str,
    pub title: &'a str,
    pub account_enc: &'a str,
    pub wants_enc: &'a str,
    pub risk: &'a str,
    pub risk_reasons: &'a str,
    pub channel: &'a str,
    pub street_id: i64,
    pub community_id: i64,
    pub case_id: Option<i64>,
    pub filed_by: i64,
    pub follow_up_days: i64,
    pub now: i64,
}

const INSERT: &str = "insert into disputes (dtype, title, account_enc, wants_enc, risk, risk_reasons, status, level, channel, street_id, community_id, case_id, filed_by, follow_up_days, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, 'filed', 'community', $7, $8, $9, $10, $11, $12, $13, $13) returning id";

pub async fn insert(tx: &mut Tx, d: &NewDispute<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(d.dtype)
        .bind(d.title)
        .bind(d.account_enc)
        .bind(d.wants_enc)
        .bind(d.risk)
        .bind(d.risk_reasons)
        .bind(d.channel)
        .bind(d.street_id)
        .bind(d.community_id)
        .bind(d.case_id)
        .bind(d.filed_by)
        .bind(d.follow_up_days)
        .bind(d.now)
        .fetch_one(&mut **c)
        .await)
}

/// The dispute, read for update on PostgreSQL (a write transaction on SQLite is already
/// exclusive).
pub async fn find(tx: &mut Tx, id: i64, lock: bool) -> Result<Option<DisputeRow>, sqlx::Error> {
    let sql = if lock && matches!(tx.inner, crate::db::TxInner::Pg(_)) {
        FIND_LOCK
    } else {
        FIND
    };
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}
const FIND: &str = concat!("select ", cols!(), " from disputes where id = $1");
const FIND_LOCK: &str = concat!(
    "select ",
    cols!(),
    " from disputes where id = $1 for update"
);

pub async fn find_by_case(tx: &mut Tx, case_id: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "select id from disputes where case_id = $1"
    )
    .bind(case_id)
    .fetch_optional(&mut **c)
    .await)
}

/// Who a list is for: supervisors by place ($1 all, $2 street, $3 community), anyone by
/// standing ($4 user: party, mediator or filer; $5 resident: party).
#[derive(Debug, Clone, Copy)]
pub struct Visible {
    pub all: bool,
    pub street: i64,
    pub community: i64,
    pub user: i64,
    pub resident: i64,
}

macro_rules! visible {
    () => {
        "($1 or d.street_id = $2 or d.community_id = $3 or d.filed_by = $4 \
     or exists (select 1 from dispute_parties p where p.dispute_id = d.id and (p.user_id = $4 or p.resident_id = $5)) \
     or exists (select 1 from dispute_mediators m where m.dispute_id = d.id and m.user_id = $4))"
    };
}
const LIST: &str = concat!(
    "select d.id, d.dtype, d.title, d.account_enc, d.wants_enc, d.risk, d.risk_reasons, d.status, d.level, d.resolved_level, d.channel, d.street_id, d.community_id, d.case_id, d.filed_by, d.follow_up_days, d.follow_up_due, d.created_at, d.updated_at, d.closed_at \
     from disputes d where ",
    visible!(),
    " and ($6 = '' or d.status = $6) order by d.id desc limit $7 offset $8"
);
const COUNT: &str = concat!(
    "select count(*) from disputes d where ",
    visible!(),
    " and ($6 = '' or d.status = $6)"
);

pub async fn list(
    tx: &mut Tx,
    v: Visible,
    status: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DisputeRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |c| sqlx::query_as(LIST)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?;
    let total = on_tx!(tx, |c| sqlx::query_scalar(COUNT)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(status)
        .fetch_one(&mut **c)
        .await)?;
    Ok((rows, total))
}

/// One closed or open dispute as the figures count it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureRow {
    pub dtype: String,
    pub status: String,
    pub resolved_level: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub lead: Option<i64>,
}

const FIGURES: &str = concat!(
    "select d.dtype, d.status, d.resolved_level, d.created_at, d.closed_at, \
       (select m.user_id from dispute_mediators m where m.dispute_id = d.id and m.lead order by m.assigned_at limit 1) as lead \
     from disputes d where ",
    visible!(),
    " and d.created_at >= $6"
);

pub async fn figures(tx: &mut Tx, v: Visible, since: i64) -> Result<Vec<FigureRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(FIGURES)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(since)
        .fetch_all(&mut **c)
        .await)
}

/// Resolved disputes whose follow-up visit is due, visible to `v`.
pub async fn follow_ups_due(
    tx: &mut Tx,
    v: Visible,
    now: i64,
) -> Result<Vec<DisputeRow>, sqlx::Error> {
    const SQL: &str = concat!(
        "select d.id, d.dtype, d.title, d.account_enc, d.wants_enc, d.risk, d.risk_reasons, d.status, d.level, d.resolved_level, d.channel, d.street_id, d.community_id, d.case_id, d.filed_by, d.follow_up_days, d.follow_up_due, d.created_at, d.updated_at, d.closed_at \
         from disputes d where ",
        visible!(),
        " and d.status = 'resolved' and d.follow_up_due <= $6 order by d.follow_up_due limit 50"
    );
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(now)
        .fetch_all(&mut **c)
        .await)
}

/// The new state of a dispute after an action.
pub struct Transition<'a> {
    pub status: &'a str,
    pub level: &'a str,
    pub resolved_level: Option<&'a str>,
    pub follow_up_due: Option<i64>,
    pub closed_at: Option<i64>,
    pub now: i64,
}

pub async fn set_state(tx: &mut Tx, id: i64, t: &Transition<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "update disputes set status = $2, level = $3, resolved_level = $4, follow_up_due = $5, closed_at = $6, updated_at = $7 where id = $1"
    )
    .bind(id)
    .bind(t.status)
    .bind(t.level)
    .bind(t.resolved_level)
    .bind(t.follow_up_due)
    .bind(t.closed_at)
    .bind(t.now)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

/// Marks a dispute changed (its index entry is refreshed on every node).
pub async fn touch(tx: &mut Tx, id: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update disputes set updated_at = $2 where id = $1"
    )
    .bind(id)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

/// Disputes changed at or after `since` (epoch ms), oldest first.
pub async fn changed_since(
    tx: &mut Tx,
    since: i64,
    limit: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, updated_at from disputes where updated_at >= $1 order by updated_at, id limit $2"
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut **c)
    .await
    })
}

/// The follow-up visit is done.
pub async fn clear_follow_up(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update disputes set follow_up_due = null where id = $1"
    )
    .bind(id)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}
