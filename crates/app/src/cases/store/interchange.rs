//! Reads for interchange with other platforms (Open311 GeoReport v2): requests by id, code,
//! status and date, and the history events since a time.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub category: String,
    pub text: String,
    pub status: String,
    pub lng: f64,
    pub lat: f64,
    pub address: String,
    pub community_id: i64,
    pub grid_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

// $1 ids (comma list, overrides the rest), $2 codes, $3 status, $4 from, $5 to.
const REQUESTS: &str = "select c.id, c.category, c.text, c.status, c.lng, c.lat, c.address, c.community_id, c.grid_id, c.created_at, c.updated_at, c.closed_at \
     from cases c where \
       (($1 <> '' and (',' || $1 || ',') like ('%,' || cast(c.id as text) || ',%')) \
        or ($1 = '' and ($2 = '' or (',' || $2 || ',') like ('%,' || c.category || ',%')) \
            and ($3 = '' or ($3 = 'open' and c.status <> 'closed') or ($3 = 'closed' and c.status = 'closed')) \
            and c.created_at >= $4 and c.created_at < $5)) \
     order by c.id desc limit $6 offset $7";

#[allow(clippy::too_many_arguments)]
pub async fn requests(
    tx: &mut Tx,
    ids: &str,
    codes: &str,
    status: &str,
    from: i64,
    to: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(REQUESTS)
        .bind(ids)
        .bind(codes)
        .bind(status)
        .bind(from)
        .bind(to)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UpdateRow {
    pub id: i64,
    pub case_id: i64,
    pub at: i64,
    pub kind: String,
    pub status: String,
}

const UPDATES: &str = "select e.id, e.case_id, e.at, e.kind, c.status from case_events e join cases c on c.id = e.case_id \
     where e.at >= $1 and e.at < $2 order by e.id limit 1000";

pub async fn updates(tx: &mut Tx, from: i64, to: i64) -> Result<Vec<UpdateRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(UPDATES)
        .bind(from)
        .bind(to)
        .fetch_all(&mut **x)
        .await)
}
