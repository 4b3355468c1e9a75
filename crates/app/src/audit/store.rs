//! Every SQL statement of the audit trail.

use gongzhi_core::audit::AuditFields;

use crate::db::Tx;
use crate::on_tx;

const PENDING: &str = "select id, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail \
     from audit_pending order by id limit $1";
const ANY_PENDING: &str = "select exists (select 1 from audit_pending)";
/// One sealer at a time across app nodes (PostgreSQL; on SQLite the write gate is enough).
const SEALER_LOCK: &str = "select pg_advisory_xact_lock(7242001)";
const SET_HEAD: &str = "update audit_head set seq = $1, hash = $2 where id = 1";
const PAGE: &str = "select seq, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail, prev_hash, hash \
     from audit_log where seq > $1 order by seq limit $2";
const RECENT: &str = "select seq, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail, prev_hash, hash \
     from audit_log where ($1 = '' or action = $1) order by seq desc limit $2 offset $3";
const COUNT: &str = "select count(*) from audit_log where ($1 = '' or action = $1)";
const BY_ACTOR: &str = "select seq, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail, prev_hash, hash \
     from audit_log where actor_id = $1 order by seq limit $2";
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

/// An audit record waiting to be sealed into the chain.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub id: i64,
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub ip: Option<String>,
    pub result: String,
    pub detail: String,
}

const PENDING_PREFIX: &str = "insert into audit_pending (at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail) ";

pub fn insert_pending_later(buf: &mut crate::db::Deferred, p: Pending) {
    buf.push(
        PENDING_PREFIX,
        vec![
            p.at_ms.into(),
            p.actor_id.into(),
            p.actor.into(),
            p.action.into(),
            p.object_type.into(),
            p.object_id.into(),
            p.ip.into(),
            p.result.into(),
            p.detail.into(),
        ],
    );
}

pub async fn any_pending(tx: &mut Tx) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(ANY_PENDING)
        .fetch_one(&mut **c)
        .await)
}

/// Takes the sealer's lock (PostgreSQL), then the oldest waiting records.
pub async fn lock_pending(tx: &mut Tx, limit: i64) -> Result<Vec<Pending>, sqlx::Error> {
    if let crate::db::TxInner::Pg(c) = &mut tx.inner {
        sqlx::query(SEALER_LOCK).execute(&mut **c).await?;
    }
    on_tx!(tx, |c| sqlx::query_as(PENDING)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)
}

/// Appends sealed records to the chain and removes them from the waiting list, by id (a
/// record that commits meanwhile with a lower id stays waiting for the next pass).
pub async fn append_sealed(
    tx: &mut Tx,
    rows: &[(AuditFields, String, String)],
    pending_ids: &[i64],
) -> Result<(), sqlx::Error> {
    // 12 values a row: well inside both databases' limits on bound parameters.
    for chunk in rows.chunks(200) {
        on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new(
                "insert into audit_log (seq, at_ms, actor_id, actor, action, object_type, object_id, ip, result, detail, prev_hash, hash) ",
            );
            q.push_values(chunk, |mut b, (f, prev, hash)| {
                b.push_bind(f.seq)
                    .push_bind(f.at_ms)
                    .push_bind(f.actor_id)
                    .push_bind(f.actor.clone())
                    .push_bind(f.action.clone())
                    .push_bind(f.object_type.clone())
                    .push_bind(f.object_id.clone())
                    .push_bind(f.ip.clone())
                    .push_bind(f.result.clone())
                    .push_bind(f.detail.clone())
                    .push_bind(prev.clone())
                    .push_bind(hash.clone());
            });
            q.build().execute(&mut **c).await.map(|_| ())
        })?;
    }
    // One statement text whatever the number of ids (it stays prepared).
    match &mut tx.inner {
        crate::db::TxInner::Pg(c) => {
            sqlx::query("delete from audit_pending where id = any($1)")
                .bind(pending_ids)
                .execute(&mut **c)
                .await?;
        }
        crate::db::TxInner::Sqlite(c) => {
            let list = serde_json::to_string(pending_ids).unwrap_or_else(|_| "[]".into());
            sqlx::query("delete from audit_pending where id in (select value from json_each($1))")
                .bind(list)
                .execute(&mut **c)
                .await?;
        }
    }
    Ok(())
}

pub async fn set_head(tx: &mut Tx, seq: i64, hash: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_HEAD)
        .bind(seq)
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

pub async fn by_actor(tx: &mut Tx, actor_id: i64, limit: i64) -> Result<Vec<Row>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(BY_ACTOR)
        .bind(actor_id)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)
}
