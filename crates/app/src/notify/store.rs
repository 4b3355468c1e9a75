//! Every SQL statement of notifications outside the app.

use crate::db::Tx;
use crate::on_tx;

pub const USER_PHONE_FIELD: &str = "users.notify_phone";

const CONTACTS: &str = "select notify_email, notify_phone_enc from users where id = $1";
const SET_CONTACTS: &str =
    "update users set notify_email = $2, notify_phone_enc = $3 where id = $1";
const QUEUE: &str = "insert into outbox (channel, recipient, subject, body, attempts, next_at, created_at) values ($1, $2, $3, $4, 0, $5, $5)";

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

pub async fn queue(
    tx: &mut Tx,
    channel: &str,
    recipient: &str,
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
        .execute(&mut **x)
        .await
        .map(|_| ()))
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
