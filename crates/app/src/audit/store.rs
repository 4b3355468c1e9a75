//! Every SQL statement of the audit trail.

use gongzhi_core::audit::AuditFields;

use crate::db::Tx;
use crate::on_tx;

/// Takes the next sequence number and the previous hash, locking the head row until commit
/// (this serialises appends so the chain has one order).
const BUMP_HEAD: &str = "update audit_head set seq = seq + 1 where id = 1 returning seq, hash";
const SET_HEAD: &str = "update audit_head set hash = $1 where id = 1";
const INSERT: &str = "insert into audit_log (seq, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail, prev_hash, hash) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
const PAGE: &str = "select seq, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail, prev_hash, hash \
     from audit_log where seq > $1 order by seq limit $2";
const RECENT: &str = "select seq, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail, prev_hash, hash \
     from audit_log where ($1 = '' or action = $1) order by seq desc limit $2 offset $3";
const COUNT: &str = "select count(*) from audit_log where ($1 = '' or action = $1)";
const HEAD: &str = "select seq, hash from audit_head where id = 1";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub ip: Option<String>,
    pub result: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Row {
    pub fn fields(&self) -> AuditFields {
        AuditFields {
            seq: self.seq,
            at_ms: self.at_ms,
            actor_id: self.actor_id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            object_type: self.object_type.clone(),
            object_id: self.object_id.clone(),
            ip: self.ip.clone(),
            result: self.result.clone(),
            detail: self.detail.clone(),
        }
    }
}

pub async fn bump_head(tx: &mut Tx) -> Result<(i64, String), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(BUMP_HEAD).fetch_one(&mut **c).await)
}

pub async fn set_head(tx: &mut Tx, hash: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_HEAD)
        .bind(hash)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

pub async fn insert(
    tx: &mut Tx,
    f: &AuditFields,
    prev: &str,
    hash: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(INSERT)
        .bind(f.seq)
        .bind(f.at_ms)
        .bind(f.actor_id)
        .bind(&f.actor)
        .bind(&f.action)
        .bind(&f.object_type)
        .bind(&f.object_id)
        .bind(&f.ip)
        .bind(&f.result)
        .bind(&f.detail)
        .bind(prev)
        .bind(hash)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

pub async fn page_after(tx: &mut Tx, after: i64, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(PAGE)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)
}

pub async fn recent(
    tx: &mut Tx,
    action: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(RECENT)
        .bind(action)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)
}

pub async fn count(tx: &mut Tx, action: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(COUNT)
        .bind(action)
        .fetch_one(&mut **c)
        .await)
}

pub async fn head(tx: &mut Tx) -> Result<(i64, String), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(HEAD).fetch_one(&mut **c).await)
}
