//! A dispute's parties: consent, positions, confirmations of the agreement.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartyRow {
    pub id: i64,
    pub side: String,
    pub name_enc: String,
    pub phone_enc: Option<String>,
    pub user_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub consent: String,
    pub consent_at: Option<i64>,
    pub consent_by: Option<i64>,
    pub position_enc: Option<String>,
    pub confirmed_at: Option<i64>,
}

pub struct NewParty<'a> {
    pub side: &'a str,
    pub name_enc: &'a str,
    pub phone_enc: Option<&'a str>,
    pub user_id: Option<i64>,
    pub resident_id: Option<i64>,
    /// `yes` when the party filed it themselves (filing is asking for mediation).
    pub consent: &'a str,
    pub consent_at: Option<i64>,
    pub consent_by: Option<i64>,
}

pub async fn insert_party(tx: &mut Tx, dispute: i64, p: &NewParty<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_parties (dispute_id, side, name_enc, phone_enc, user_id, resident_id, consent, consent_at, consent_by) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id"
    )
    .bind(dispute)
    .bind(p.side)
    .bind(p.name_enc)
    .bind(p.phone_enc)
    .bind(p.user_id)
    .bind(p.resident_id)
    .bind(p.consent)
    .bind(p.consent_at)
    .bind(p.consent_by)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn parties(tx: &mut Tx, dispute: i64) -> Result<Vec<PartyRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, dispute_id, side, name_enc, phone_enc, user_id, resident_id, consent, consent_at, consent_by, position_enc, confirmed_at, confirmed_by \
         from dispute_parties where dispute_id = $1 order by id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

pub async fn set_consent(
    tx: &mut Tx,
    party: i64,
    consent: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set consent = $2, consent_by = $3, consent_at = $4 where id = $1"
    )
    .bind(party)
    .bind(consent)
    .bind(by)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

pub async fn set_position(tx: &mut Tx, party: i64, position_enc: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set position_enc = $2 where id = $1"
    )
    .bind(party)
    .bind(position_enc)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

pub async fn confirm(tx: &mut Tx, party: i64, by: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set confirmed_at = $3, confirmed_by = $2 where id = $1"
    )
    .bind(party)
    .bind(by)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

/// A new draft: every confirmation starts over.
pub async fn clear_confirmations(tx: &mut Tx, dispute: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set confirmed_at = null, confirmed_by = null where dispute_id = $1"
    )
    .bind(dispute)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

const DISPUTES_OF_PERSON: &str = "select distinct dispute_id from dispute_parties \
     where user_id = $1 or (resident_id is not null and resident_id = $2) order by dispute_id";

/// The disputes a person is a party to (by account, or by resident record).
pub async fn disputes_of_person(
    tx: &mut Tx,
    user_id: i64,
    resident_id: Option<i64>,
) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(DISPUTES_OF_PERSON)
        .bind(user_id)
        .bind(resident_id)
        .fetch_all(&mut **c)
        .await)
}
