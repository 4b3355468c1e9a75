//! A case's history: timeline events, call-backs, photos.

use crate::db::{Deferred, Tx};
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub order_id: Option<i64>,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

const EVENT_PREFIX: &str =
    "insert into case_events (case_id, order_id, at, actor_id, actor, kind, detail) ";

/// A timeline event, written when `buf` is flushed (after the events written directly in
/// the same transaction: flush before writing one that must follow it).
#[allow(clippy::too_many_arguments)]
pub fn insert_event_later(
    buf: &mut Deferred,
    case_id: i64,
    order_id: Option<i64>,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    kind: &str,
    detail: &serde_json::Value,
) {
    buf.push(
        EVENT_PREFIX,
        vec![
            case_id.into(),
            order_id.into(),
            at.into(),
            actor_id.into(),
            actor.into(),
            kind.into(),
            detail.to_string().into(),
        ],
    );
}

const INSERT_EVENT: &str = "insert into case_events (case_id, order_id, at, actor_id, actor, kind, detail) values ($1, $2, $3, $4, $5, $6, $7) returning id";
const EVENTS: &str =
    "select id, order_id, at, actor, kind, detail from case_events where case_id = $1 order by id";

#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    tx: &mut Tx,
    case_id: i64,
    order_id: Option<i64>,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    kind: &str,
    detail: &serde_json::Value,
) -> Result<i64, sqlx::Error> {
    let detail = detail.to_string();
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_EVENT)
        .bind(case_id)
        .bind(order_id)
        .bind(at)
        .bind(actor_id)
        .bind(actor)
        .bind(kind)
        .bind(&detail)
        .fetch_one(&mut **x)
        .await)
}

pub async fn events(tx: &mut Tx, case_id: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(EVENTS)
        .bind(case_id)
        .fetch_all(&mut **x)
        .await)
}

const INSERT_CALLBACK: &str = "insert into callbacks (case_id, solved, satisfaction, comment, user_id, at) values ($1, $2, $3, $4, $5, $6)";

pub async fn insert_callback(
    tx: &mut Tx,
    case_id: i64,
    solved: bool,
    satisfaction: Option<i64>,
    comment: &str,
    user_id: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_CALLBACK)
        .bind(case_id)
        .bind(solved)
        .bind(satisfaction)
        .bind(comment)
        .bind(user_id)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const INSERT_ATTACHMENT: &str = "insert into attachments (case_id, mime, sha256, bytes, created_by, created_at) values ($1, $2, $3, $4, $5, $6) returning id";
const FIND_ATTACHMENT: &str = "select case_id, mime, bytes from attachments where id = $1";

pub async fn insert_attachment(
    tx: &mut Tx,
    case_id: i64,
    mime: &str,
    sha256: &str,
    bytes: &[u8],
    user: Option<i64>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_ATTACHMENT)
        .bind(case_id)
        .bind(mime)
        .bind(sha256)
        .bind(bytes)
        .bind(user)
        .bind(now)
        .fetch_one(&mut **x)
        .await)
}

pub async fn find_attachment(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<(Option<i64>, String, Vec<u8>)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(FIND_ATTACHMENT)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

const SET_PHOTOS: &str = "update cases set photos = $2 where id = $1";

pub async fn set_photos(tx: &mut Tx, id: i64, photos: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(SET_PHOTOS)
        .bind(id)
        .bind(photos)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const CLOSED_BEFORE: &str = "select id from cases where status = 'closed' and closed_at < $1";

/// Retention of closed cases' personal parts: their photos (report and feedback) and the
/// reporters' sealed texts-as-typed. Returns (photos deleted, texts dropped).
pub async fn purge_closed_before(tx: &mut Tx, cutoff: i64) -> Result<(u64, u64), sqlx::Error> {
    let photos = format!("delete from attachments where case_id in ({CLOSED_BEFORE})");
    let refs =
        format!("update cases set photos = '[]' where photos <> '[]' and id in ({CLOSED_BEFORE})");
    let feedback = format!(
        "update work_orders set feedback_photos = '[]' where feedback_photos <> '[]' and case_id in ({CLOSED_BEFORE})"
    );
    let originals = format!(
        "update case_reporters set original_sealed = null where original_sealed is not null and case_id in ({CLOSED_BEFORE})"
    );
    let mut counts = [0u64; 2];
    for (i, sql) in [photos, refs, feedback, originals].iter().enumerate() {
        let n = on_tx!(tx, |c| sqlx::query(sql)
            .bind(cutoff)
            .execute(&mut **c)
            .await
            .map(|r| r.rows_affected()))?;
        match i {
            0 => counts[0] = n,
            3 => counts[1] = n,
            _ => {}
        }
    }
    Ok((counts[0], counts[1]))
}
