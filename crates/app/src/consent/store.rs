//! Every SQL statement of consent: the append-only consent events and guardian links.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsentRow {
    pub user_id: i64,
    pub purpose: String,
    pub policy_version: i64,
    pub kind: String,
    pub granted: bool,
    pub channel: String,
    pub at: i64,
}

const OF_SUBJECT: &str = "select user_id, purpose, policy_version, kind, granted, channel, at \
     from consents where subject = $1 order by id";
const INSERT: &str = "insert into consents (subject, user_id, purpose, policy_version, kind, granted, channel, at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8)";
const IS_GUARDIAN: &str =
    "select count(*) from guardians where ward_resident_id = $1 and guardian_user_id = $2";
const ADD_GUARDIAN: &str = "insert into guardians (ward_resident_id, guardian_user_id, created_by, created_at) values ($1, $2, $3, $4)";
const WARDS: &str =
    "select ward_resident_id from guardians where guardian_user_id = $1 order by ward_resident_id";

/// A subject's consent events, oldest first.
pub async fn of_subject(tx: &mut Tx, subject: &str) -> Result<Vec<ConsentRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(OF_SUBJECT)
        .bind(subject)
        .fetch_all(&mut **c)
        .await)
}

pub struct NewConsent<'a> {
    pub subject: &'a str,
    pub user_id: i64,
    pub purpose: &'a str,
    pub policy_version: i64,
    pub kind: &'a str,
    pub granted: bool,
    pub channel: &'a str,
}

pub async fn insert(tx: &mut Tx, c: &NewConsent<'_>, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |conn| sqlx::query(INSERT)
        .bind(c.subject)
        .bind(c.user_id)
        .bind(c.purpose)
        .bind(c.policy_version)
        .bind(c.kind)
        .bind(c.granted)
        .bind(c.channel)
        .bind(now)
        .execute(&mut **conn)
        .await
        .map(|_| ()))
}

pub async fn is_guardian(tx: &mut Tx, ward: i64, user: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(IS_GUARDIAN)
        .bind(ward)
        .bind(user)
        .fetch_one(&mut **c)
        .await)?;
    Ok(n > 0)
}

pub async fn add_guardian(
    tx: &mut Tx,
    ward: i64,
    guardian: i64,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(ADD_GUARDIAN)
        .bind(ward)
        .bind(guardian)
        .bind(by)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

/// The accounts registered as guardians of a resident.
pub async fn guardians_of(tx: &mut Tx, ward: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "select guardian_user_id from guardians where ward_resident_id = $1 order by guardian_user_id"
    )
    .bind(ward)
    .fetch_all(&mut **c)
    .await
    })
}

/// The resident records a user is guardian of.
pub async fn wards(tx: &mut Tx, user: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(WARDS)
        .bind(user)
        .fetch_all(&mut **c)
        .await)
}
