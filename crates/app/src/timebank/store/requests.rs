//! SQL of requests, volunteers' offers, visits and health notes.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfferRow {
    pub user_id: i64,
    pub community_id: i64,
    pub kinds: String,
    pub weekdays: String,
    pub from_minute: i64,
    pub to_minute: i64,
    pub capacity: i64,
    pub note: String,
    pub updated_at: i64,
}

pub async fn set_offer(tx: &mut Tx, o: &OfferRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_offers (user_id, community_id, kinds, weekdays, from_minute, to_minute, capacity, note, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (user_id) do update set community_id = excluded.community_id, \
         kinds = excluded.kinds, weekdays = excluded.weekdays, from_minute = excluded.from_minute, to_minute = excluded.to_minute, \
         capacity = excluded.capacity, note = excluded.note, updated_at = excluded.updated_at"
    )
    .bind(o.user_id)
    .bind(o.community_id)
    .bind(&o.kinds)
    .bind(&o.weekdays)
    .bind(o.from_minute)
    .bind(o.to_minute)
    .bind(o.capacity)
    .bind(&o.note)
    .bind(o.updated_at)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

const OFFER_COLS: &str = "o.user_id, o.community_id, o.kinds, o.weekdays, o.from_minute, o.to_minute, o.capacity, o.note, o.updated_at";

pub async fn offer(tx: &mut Tx, user: i64) -> Result<Option<OfferRow>, sqlx::Error> {
    let sql = format!("select {OFFER_COLS} from timebank_offers o where o.user_id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(user)
        .fetch_optional(&mut **x)
        .await)
}

/// Offers of verified volunteers living in a community.
pub async fn offers_in(tx: &mut Tx, community: i64) -> Result<Vec<OfferRow>, sqlx::Error> {
    let sql = format!(
        "select {OFFER_COLS} from timebank_offers o join timebank_volunteers v on v.user_id = o.user_id \
         where o.community_id = $1 order by o.user_id"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

/// Open requests (matched or visiting) each volunteer of a community holds.
pub async fn open_loads(tx: &mut Tx, community: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select volunteer_user, count(*) from timebank_requests where community_id = $1 \
         and status in ('matched', 'visiting') and volunteer_user is not null group by volunteer_user"
    )
    .bind(community)
    .fetch_all(&mut **x)
    .await
    })
}

/// Minutes each volunteer was credited for services in a community since `since`.
pub async fn recent_minutes(
    tx: &mut Tx,
    community: i64,
    since: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select provider_user, cast(sum(minutes) as bigint) from timebank_services where community_id = $1 \
         and status = 'confirmed' and confirmed_at >= $2 group by provider_user"
    )
    .bind(community)
    .bind(since)
    .fetch_all(&mut **x)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub community_id: i64,
    pub recipient_user: i64,
    pub kind: String,
    pub minutes: i64,
    pub wanted_at: i64,
    pub note: String,
    pub channel: String,
    pub entered_by: i64,
    pub pay_hours: bool,
    pub status: String,
    pub volunteer_user: Option<i64>,
    pub match_reason: Option<String>,
    pub matched_at: Option<i64>,
    pub checkin_at: Option<i64>,
    pub checkin_m: Option<i64>,
    pub checkout_at: Option<i64>,
    pub service_id: Option<i64>,
    pub alerted_at: Option<i64>,
    pub created_at: i64,
}

const REQUEST_COLS: &str = "id, community_id, recipient_user, kind, minutes, wanted_at, note, channel, entered_by, pay_hours, status, \
    volunteer_user, match_reason, matched_at, checkin_at, checkin_m, checkout_at, service_id, alerted_at, created_at";

pub struct NewRequest<'a> {
    pub community: i64,
    pub recipient: i64,
    pub kind: &'a str,
    pub minutes: i64,
    pub wanted_at: i64,
    pub note: &'a str,
    pub channel: &'a str,
    pub entered_by: i64,
    pub pay_hours: bool,
    pub now: i64,
}

pub async fn insert_request(tx: &mut Tx, r: &NewRequest<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into timebank_requests (community_id, recipient_user, kind, minutes, wanted_at, note, channel, entered_by, pay_hours, status, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10) returning id"
    )
    .bind(r.community)
    .bind(r.recipient)
    .bind(r.kind)
    .bind(r.minutes)
    .bind(r.wanted_at)
    .bind(r.note)
    .bind(r.channel)
    .bind(r.entered_by)
    .bind(r.pay_hours)
    .bind(r.now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn request(tx: &mut Tx, id: i64) -> Result<Option<RequestRow>, sqlx::Error> {
    let sql = format!("select {REQUEST_COLS} from timebank_requests where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// The request a service came from.
pub async fn request_of_service(
    tx: &mut Tx,
    service: i64,
) -> Result<Option<RequestRow>, sqlx::Error> {
    let sql = format!("select {REQUEST_COLS} from timebank_requests where service_id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(service)
        .fetch_optional(&mut **x)
        .await)
}

/// Requests a user asked for, entered, or was matched to, newest first.
pub async fn requests_of(
    tx: &mut Tx,
    user: i64,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = format!(
        "select {REQUEST_COLS} from timebank_requests where recipient_user = $1 or volunteer_user = $1 or entered_by = $1 \
         order by id desc limit $2"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(user)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// A community's requests in `statuses` (comma-separated list bound as text), soonest
/// wanted first.
pub async fn requests_in(
    tx: &mut Tx,
    community: i64,
    open_only: bool,
    limit: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = format!(
        "select {REQUEST_COLS} from timebank_requests where community_id = $1 and ($2 = false or status = 'open') \
         order by case when status = 'open' then 0 else 1 end, wanted_at desc limit $3"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .bind(open_only)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// Open requests of a community wanted after `after`, for a matching batch.
pub async fn open_requests(
    tx: &mut Tx,
    community: i64,
    after: i64,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = format!(
        "select {REQUEST_COLS} from timebank_requests where community_id = $1 and status = 'open' and wanted_at >= $2 \
         order by wanted_at, id limit 500"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .bind(after)
        .fetch_all(&mut **x)
        .await)
}

/// Matches an open request (false: someone else took it first).
pub async fn set_match(
    tx: &mut Tx,
    id: i64,
    volunteer: i64,
    reason: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update timebank_requests set status = 'matched', volunteer_user = $2, match_reason = $3, matched_at = $4 \
         where id = $1 and status = 'open'"
    )
    .bind(id)
    .bind(volunteer)
    .bind(reason)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn checkin(tx: &mut Tx, id: i64, at: (i64, f64, f64, i64)) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update timebank_requests set status = 'visiting', checkin_at = $2, checkin_lng = $3, checkin_lat = $4, checkin_m = $5 \
         where id = $1 and status = 'matched'"
    )
    .bind(id)
    .bind(at.0)
    .bind(at.1)
    .bind(at.2)
    .bind(at.3)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn checkout(
    tx: &mut Tx,
    id: i64,
    at: (i64, f64, f64),
    service: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update timebank_requests set status = 'done', checkout_at = $2, checkout_lng = $3, checkout_lat = $4, service_id = $5 \
         where id = $1 and status = 'visiting'"
    )
    .bind(id)
    .bind(at.0)
    .bind(at.1)
    .bind(at.2)
    .bind(service)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn cancel(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update timebank_requests set status = 'cancelled' where id = $1 and status in ('open', 'matched')"
    )
    .bind(id)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Matched visits not checked in by `before` and not yet alerted.
pub async fn missed(tx: &mut Tx, before: i64) -> Result<Vec<RequestRow>, sqlx::Error> {
    let sql = format!(
        "select {REQUEST_COLS} from timebank_requests where status = 'matched' and alerted_at is null and wanted_at < $1 \
         order by id limit 200"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(before)
        .fetch_all(&mut **x)
        .await)
}

pub async fn set_alerted(tx: &mut Tx, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update timebank_requests set alerted_at = $2 where id = $1 and alerted_at is null and status = 'matched'"
    )
    .bind(id)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn set_health(
    tx: &mut Tx,
    resident: i64,
    sealed: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_health_notes (resident_id, note_enc, written_by, updated_at) values ($1, $2, $3, $4) \
         on conflict (resident_id) do update set note_enc = excluded.note_enc, written_by = excluded.written_by, updated_at = excluded.updated_at"
    )
    .bind(resident)
    .bind(sealed)
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

pub async fn health(tx: &mut Tx, resident: i64) -> Result<Option<String>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select note_enc from timebank_health_notes where resident_id = $1"
    )
    .bind(resident)
    .fetch_optional(&mut **x)
    .await)
}

pub async fn forget_health(tx: &mut Tx, resident: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "delete from timebank_health_notes where resident_id = $1"
    )
    .bind(resident)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected()))
}

pub async fn link_service(tx: &mut Tx, service: i64, request: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "update timebank_services set request_id = $2, checkin_at = (select checkin_at from timebank_requests where id = $2), \
         checkout_at = (select checkout_at from timebank_requests where id = $2) where id = $1"
    )
    .bind(service)
    .bind(request)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}
