//! What a mediation produces: sessions, agreement versions, follow-up visits, attachments.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub held_at: i64,
    pub mode: String,
    pub place: String,
    pub minutes_enc: String,
    pub recorder: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_session(
    tx: &mut Tx,
    dispute: i64,
    held_at: i64,
    mode: &str,
    place: &str,
    minutes_enc: &str,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_sessions (dispute_id, held_at, mode, place, minutes_enc, recorded_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id"
    )
    .bind(dispute)
    .bind(held_at)
    .bind(mode)
    .bind(place)
    .bind(minutes_enc)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn sessions(tx: &mut Tx, dispute: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select s.id, s.held_at, s.mode, s.place, s.minutes_enc, s.recorded_by, u.display_name as recorder \
         from dispute_sessions s join users u on u.id = s.recorded_by where s.dispute_id = $1 order by s.held_at, s.id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgreementRow {
    pub id: i64,
    pub version: i64,
    pub terms_enc: String,
    pub sha256: String,
    pub drafted_by: i64,
    pub created_at: i64,
}

pub async fn insert_agreement(
    tx: &mut Tx,
    dispute: i64,
    terms_enc: &str,
    sha256: &str,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_agreements (dispute_id, version, terms_enc, sha256, drafted_by, created_at) \
         values ($1, (select coalesce(max(version), 0) + 1 from dispute_agreements where dispute_id = $1), $2, $3, $4, $5) returning version"
    )
    .bind(dispute)
    .bind(terms_enc)
    .bind(sha256)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn agreement(tx: &mut Tx, dispute: i64) -> Result<Option<AgreementRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, version, terms_enc, sha256, drafted_by, created_at from dispute_agreements where dispute_id = $1 order by version desc limit 1"
    )
    .bind(dispute)
    .fetch_optional(&mut **c)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowUpRow {
    pub holds: bool,
    pub note_enc: String,
    pub visitor: String,
    pub created_at: i64,
}

pub async fn insert_followup(
    tx: &mut Tx,
    dispute: i64,
    holds: bool,
    note_enc: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into dispute_followups (dispute_id, holds, note_enc, visited_by, created_at) values ($1, $2, $3, $4, $5)"
    )
    .bind(dispute)
    .bind(holds)
    .bind(note_enc)
    .bind(by)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

pub async fn followups(tx: &mut Tx, dispute: i64) -> Result<Vec<FollowUpRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select f.holds, f.note_enc, u.display_name as visitor, f.created_at from dispute_followups f join users u on u.id = f.visited_by \
         where f.dispute_id = $1 order by f.id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
}

pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub mime: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub data_enc: &'a str,
    pub by: i64,
    pub now: i64,
}

pub async fn insert_attachment(
    tx: &mut Tx,
    dispute: i64,
    a: &NewAttachment<'_>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_attachments (dispute_id, name, mime, size, sha256, data_enc, uploaded_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(dispute)
    .bind(a.name)
    .bind(a.mime)
    .bind(a.size)
    .bind(a.sha256)
    .bind(a.data_enc)
    .bind(a.by)
    .bind(a.now)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn attachments(tx: &mut Tx, dispute: i64) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, dispute_id, name, mime, size, sha256, created_at from dispute_attachments where dispute_id = $1 order by id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

/// An attachment's owner dispute and its encrypted bytes.
pub async fn attachment_data(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<(i64, String, String, String)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(
        "select dispute_id, name, mime, data_enc from dispute_attachments where id = $1"
    )
    .bind(id)
    .fetch_optional(&mut **c)
    .await)
}
