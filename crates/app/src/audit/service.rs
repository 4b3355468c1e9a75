//! Appending to and verifying the audit chain.

use gongzhi_core::audit::{AuditFields, ChainBreak, ChainVerifier};

use super::store;
pub use super::store::Row;
use crate::db::{Db, Tx};

/// Who acted, and from where.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            id: None,
            name: "system".into(),
            ip: None,
        }
    }
}

/// What happened: an action on an object, its result and details (never personal data in
/// clear: details carry ids and masked values only).
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: Option<String>,
    pub result: &'static str,
    pub detail: serde_json::Value,
}

impl Event {
    pub fn ok(action: &'static str, object_type: &'static str, object_id: impl ToString) -> Self {
        Event {
            action,
            object_type,
            object_id: Some(object_id.to_string()),
            result: "ok",
            detail: serde_json::json!({}),
        }
    }

    pub fn with(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    pub fn result(mut self, result: &'static str) -> Self {
        self.result = result;
        self
    }
}

/// Appends one record inside the caller's transaction.
pub async fn record(
    tx: &mut Tx,
    now_ms: i64,
    actor: &Actor,
    ev: Event,
) -> Result<i64, sqlx::Error> {
    let (seq, prev) = store::bump_head(tx).await?;
    let f = AuditFields {
        seq,
        at_ms: now_ms,
        actor_id: actor.id,
        actor: actor.name.clone(),
        action: ev.action.to_string(),
        object_type: ev.object_type.to_string(),
        object_id: ev.object_id,
        ip: actor.ip.clone(),
        result: ev.result.to_string(),
        detail: ev.detail.to_string(),
    };
    let hash = f.chain_hash(&prev);
    store::insert(tx, &f, &prev, &hash).await?;
    store::set_head(tx, &hash).await?;
    Ok(seq)
}

/// Records an event that has no other change to go with (a refused access, a failed login).
pub async fn record_alone(
    db: &Db,
    now_ms: i64,
    actor: &Actor,
    ev: Event,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    record(&mut tx, now_ms, actor, ev).await?;
    tx.commit().await
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { records: u64 },
    Broken(ChainBreak),
}

/// Walks the chain from the first record, in pages, and checks it ends at the stored head.
#[tracing::instrument(skip_all)]
pub async fn verify(db: &Db) -> Result<Verdict, sqlx::Error> {
    let mut tx = db.read().await?;
    let mut v = ChainVerifier::new();
    let mut after = 0;
    loop {
        let page = store::page_after(&mut tx, after, 5000).await?;
        if page.is_empty() {
            break;
        }
        for r in &page {
            if let Err(b) = v.check(&r.fields(), &r.prev_hash, &r.hash) {
                return Ok(Verdict::Broken(b));
            }
            after = r.seq;
        }
    }
    let (head_seq, head_hash) = store::head(&mut tx).await?;
    if after != head_seq || v.head() != head_hash {
        // Records at the end were removed (the head remembers more than the log holds).
        return Ok(Verdict::Broken(ChainBreak::Missing {
            expected: after + 1,
            found: head_seq,
        }));
    }
    Ok(Verdict::Intact {
        records: v.checked(),
    })
}

/// A page of the newest records, optionally of one action.
pub async fn recent(
    db: &Db,
    action: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Row>, i64), sqlx::Error> {
    let mut tx = db.read().await?;
    let rows = store::recent(&mut tx, action, limit, offset).await?;
    let total = store::count(&mut tx, action).await?;
    Ok((rows, total))
}
