//! Every SQL statement of notifications: inbox messages, the outbox, users' contacts, and
//! whom to tell at a place.

use crate::db::{Deferred, Tx};
use crate::on_tx;

pub const USER_PHONE_FIELD: &str = "users.notify_phone";

const CONTACTS: &str = "select notify_email, notify_phone_enc from users where id = $1";
const SET_CONTACTS: &str =
    "update users set notify_email = $2, notify_phone_enc = $3 where id = $1";
const QUEUE: &str = "insert into outbox (channel, recipient, subject, body, attempts, next_at, created_at, recipient_idx) values ($1, $2, $3, $4, 0, $5, $5, $6)";
const SENT_SINCE: &str =
    "select count(*) from outbox where channel = $1 and recipient_idx = $2 and created_at >= $3";

pub async fn contacts(
    tx: &mut Tx,
    user: i64,
) -> Result<(Option<String>, Option<String>), sqlx::Error> {
    let r: Option<(Option<String>, Option<String>)> = on_tx!(tx, |x| sqlx::query_as(CONTACTS)
        .bind(user)
        .fetch_optional(&mut **x)
        .await)?;
    Ok(r.unwrap_or((None, None)))
}

pub async fn set_contacts(
    tx: &mut Tx,
    user: i64,
    email: Option<&str>,
    phone_enc: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(SET_CONTACTS)
        .bind(user)
        .bind(email)
        .bind(phone_enc)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

#[allow(clippy::too_many_arguments)]
pub async fn queue(
    tx: &mut Tx,
    channel: &str,
    recipient: &str,
    recipient_idx: &str,
    subject: &str,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(QUEUE)
        .bind(channel)
        .bind(recipient)
        .bind(subject)
        .bind(body)
        .bind(now)
        .bind(recipient_idx)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

/// Messages queued on `channel` for one recipient (by keyed hash) since `since`.
pub async fn sent_since(
    tx: &mut Tx,
    channel: &str,
    recipient_idx: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(SENT_SINCE)
        .bind(channel)
        .bind(recipient_idx)
        .bind(since)
        .fetch_one(&mut **x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

const DUE: &str = "select id, channel, recipient, subject, body, attempts from outbox \
     where delivered_at is null and next_at <= $1 and (claimed_until is null or claimed_until < $1) order by id limit $2";
const CLAIM: &str = "update outbox set claimed_until = $2 where id = $1 and delivered_at is null and (claimed_until is null or claimed_until < $3)";
const DELIVERED: &str = "update outbox set delivered_at = $2, attempts = attempts + 1, claimed_until = null, last_error = null where id = $1";
const FAILED: &str = "update outbox set attempts = attempts + 1, next_at = $2, claimed_until = null, last_error = $3 where id = $1";

pub async fn due(tx: &mut Tx, now: i64, limit: i64) -> Result<Vec<OutboxRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(DUE)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// Claims a message for `until` (false: another node has it).
pub async fn claim(tx: &mut Tx, id: i64, until: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(CLAIM)
        .bind(id)
        .bind(until)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn delivered(tx: &mut Tx, id: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(DELIVERED)
        .bind(id)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

pub async fn failed(tx: &mut Tx, id: i64, next_at: i64, error: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(FAILED)
        .bind(id)
        .bind(next_at)
        .bind(error)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

/// Staff to notify at a place: users whose scope is exactly that unit or place.
const STAFF_AT: &str = "select id from users where scope_kind = $1 and (scope_id = $2 or $1 = 'district') and not disabled and role <> 'resident' and role <> 'auditor' order by id limit 50";

const STAFF_CONTACTS_AT: &str = "select id, notify_email, notify_phone_enc from users where scope_kind = $1 and (scope_id = $2 or $1 = 'district') and not disabled and role <> 'resident' and role <> 'auditor' order by id limit 50";

/// Staff at a place with their contacts (one query for a notification).
pub async fn staff_contacts_at(
    tx: &mut Tx,
    kind: &str,
    id: Option<i64>,
) -> Result<Vec<super::service::Recipient>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(STAFF_CONTACTS_AT)
        .bind(kind)
        .bind(id)
        .fetch_all(&mut **x)
        .await)
}

pub async fn staff_at(tx: &mut Tx, kind: &str, id: Option<i64>) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(STAFF_AT)
        .bind(kind)
        .bind(id)
        .fetch_all(&mut **x)
        .await)
}

const NOTE_PREFIX: &str =
    "insert into notifications (user_id, case_id, kind, title, body, created_at) ";

/// An inbox message, written when `buf` is flushed.
pub fn insert_notification_later(
    buf: &mut Deferred,
    user: i64,
    case_id: Option<i64>,
    kind: &str,
    title: &str,
    body: &str,
    now: i64,
) {
    buf.push(
        NOTE_PREFIX,
        vec![
            user.into(),
            case_id.into(),
            kind.into(),
            title.into(),
            body.into(),
            now.into(),
        ],
    );
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

const NOTES: &str = "select id, case_id, kind, title, body, created_at, read_at from notifications where user_id = $1 order by id desc limit $2";
const UNREAD: &str = "select count(*) from notifications where user_id = $1 and read_at is null";
const MARK_READ: &str =
    "update notifications set read_at = $2 where user_id = $1 and read_at is null";

pub async fn notifications(
    tx: &mut Tx,
    user: i64,
    limit: i64,
) -> Result<Vec<NotificationRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(NOTES)
        .bind(user)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

pub async fn unread(tx: &mut Tx, user: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(UNREAD)
        .bind(user)
        .fetch_one(&mut **x)
        .await)
}

pub async fn mark_read(tx: &mut Tx, user: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(MARK_READ)
        .bind(user)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const PURGE_OUTBOX: &str =
    "delete from outbox where created_at < $1 and (delivered_at is not null or next_at < $1)";
const PURGE_READ: &str = "delete from notifications where read_at is not null and read_at < $1";

/// Deletes outbox messages delivered (or given up) before `cutoff`, and notifications read
/// before `read_cutoff`; (outbox rows, notifications).
pub async fn purge(tx: &mut Tx, cutoff: i64, read_cutoff: i64) -> Result<(u64, u64), sqlx::Error> {
    let a = on_tx!(tx, |x| sqlx::query(PURGE_OUTBOX)
        .bind(cutoff)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    let b = on_tx!(tx, |x| sqlx::query(PURGE_READ)
        .bind(read_cutoff)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok((a, b))
}
