//! A dispute's history, whom to alert, and the rows the search index reads.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub at: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub detail: String,
}

pub async fn event(
    tx: &mut Tx,
    dispute: i64,
    actor: Option<i64>,
    kind: &str,
    detail: &serde_json::Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into dispute_events (dispute_id, at, actor_id, kind, detail) values ($1, $2, $3, $4, $5)"
    )
    .bind(dispute)
    .bind(now)
    .bind(actor)
    .bind(kind)
    .bind(detail.to_string())
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

pub async fn events(tx: &mut Tx, dispute: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select e.at, u.display_name as actor, e.kind, e.detail from dispute_events e left join users u on u.id = e.actor_id \
         where e.dispute_id = $1 order by e.id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

/// Users to alert about a high-risk dispute: police mediators and the street's staff.
pub async fn alert_recipients(tx: &mut Tx, street: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "select u.id from users u left join mediators m on m.user_id = u.id \
         where not u.disabled and ((m.office = 'police' and m.available) \
           or (u.role = 'street_staff' and u.scope_kind = 'street' and u.scope_id = $1)) order by u.id"
    )
    .bind(street)
    .fetch_all(&mut **c)
    .await
    })
}

/// The account of a resident, if they have one.
pub async fn user_of_resident(tx: &mut Tx, resident: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "select id from users where resident_id = $1 and not disabled order by id limit 1"
    )
    .bind(resident)
    .fetch_optional(&mut **c)
    .await)
}

/// What the similar-case index needs of a dispute.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndexRow {
    pub id: i64,
    pub dtype: String,
    pub title: String,
    pub account_enc: String,
    pub status: String,
    pub resolved_level: Option<String>,
    pub street_id: i64,
    pub community_id: i64,
    pub filed_by: i64,
}

/// Up to `limit` disputes after `after` (by id), with the users and residents who have
/// standing in each (parties' accounts and residents, mediators).
#[allow(clippy::type_complexity)]
pub async fn index_batch(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> Result<(Vec<IndexRow>, Vec<(i64, Option<i64>, Option<i64>)>), sqlx::Error> {
    let rows: Vec<IndexRow> = on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, dtype, title, account_enc, status, resolved_level, street_id, community_id, filed_by \
         from disputes where id > $1 order by id limit $2"
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut **c)
    .await
    })?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok((rows, vec![]));
    };
    let (lo, hi) = (first.id, last.id);
    let people: Vec<(i64, Option<i64>, Option<i64>)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "select dispute_id, user_id, resident_id from dispute_parties where dispute_id between $1 and $2 \
         union all select dispute_id, user_id, null from dispute_mediators where dispute_id between $1 and $2"
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut **c)
    .await
    })?;
    Ok((rows, people))
}
