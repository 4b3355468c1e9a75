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
        Self::named("system")
    }

    /// The platform itself acting as `name` (a job, the command line, the demo seeder).
    pub fn named(name: &str) -> Self {
        Actor {
            id: None,
            name: name.into(),
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

/// Records one event inside the caller's transaction: it commits or rolls back with the
/// change it describes. The record waits in `audit_pending` until [`seal`] chains it
/// (within a second, from the background sealer, or at once before any read of the trail).
pub async fn record(tx: &mut Tx, now_ms: i64, actor: &Actor, ev: Event) -> Result<(), sqlx::Error> {
    let mut buf = crate::db::Deferred::default();
    record_later(&mut buf, now_ms, actor, ev);
    buf.flush(tx).await
}

/// [`record`], written when `buf` is flushed in the same transaction.
pub fn record_later(buf: &mut crate::db::Deferred, now_ms: i64, actor: &Actor, ev: Event) {
    store::insert_pending_later(
        buf,
        store::Pending {
            id: 0,
            at_ms: now_ms,
            actor_id: actor.id,
            actor: actor.name.clone(),
            action: ev.action.to_string(),
            object_type: ev.object_type.to_string(),
            object_id: ev.object_id,
            ip: actor.ip.clone(),
            result: ev.result.to_string(),
            detail: ev.detail.to_string(),
        },
    );
}

/// Moves every committed waiting record into the hash chain, in batches, in the order the
/// records were written; returns how many. Safe to run from several tasks and app nodes at
/// once (one sealer holds the chain at a time).
pub async fn seal(db: &Db) -> Result<usize, sqlx::Error> {
    const BATCH: i64 = 1000;
    let mut sealed = 0;
    loop {
        let mut tx = db.read().await?;
        let any = store::any_pending(&mut tx).await?;
        drop(tx);
        if !any {
            return Ok(sealed);
        }
        let mut tx = db.begin().await?;
        let pending = store::lock_pending(&mut tx, BATCH).await?;
        if pending.is_empty() {
            return Ok(sealed);
        }
        let (mut seq, mut prev) = store::head(&mut tx).await?;
        let mut rows = Vec::with_capacity(pending.len());
        for p in &pending {
            seq += 1;
            let f = AuditFields {
                seq,
                at_ms: p.at_ms,
                actor_id: p.actor_id,
                actor: p.actor.clone(),
                action: p.action.clone(),
                object_type: p.object_type.clone(),
                object_id: p.object_id.clone(),
                ip: p.ip.clone(),
                result: p.result.clone(),
                detail: p.detail.clone(),
            };
            let hash = f.chain_hash(&prev);
            rows.push((f, std::mem::replace(&mut prev, hash.clone()), hash));
        }
        let ids: Vec<i64> = pending.iter().map(|p| p.id).collect();
        store::append_sealed(&mut tx, &rows, &ids).await?;
        store::set_head(&mut tx, seq, &prev).await?;
        tx.commit().await?;
        sealed += pending.len();
        if (pending.len() as i64) < BATCH {
            return Ok(sealed);
        }
    }
}

/// Seals in the background, a few times a second while there is anything to seal.
pub async fn sealer(db: Db) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = seal(&db).await {
            tracing::warn!(error = %e, "sealing the audit trail failed; retrying");
        }
    }
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
    seal(db).await?;
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

/// A page of the newest records, optionally of one action, for an auditor (separation of
/// duties: not the administrator whose actions the trail records).
pub async fn recent(
    db: &Db,
    user: &crate::auth::service::CurrentUser,
    action: &str,
    limit: i64,
    offset: i64,
) -> crate::error::AppResult<(Vec<Row>, i64)> {
    if !user.role.may_read_audit() {
        return Err(crate::error::AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    seal(db).await?;
    let mut tx = db.read().await?;
    let rows = store::recent(&mut tx, action, limit, offset).await?;
    let total = store::count(&mut tx, action).await?;
    Ok((rows, total))
}

/// What the trail records of the caller's own actions (when, what, from where), for
/// `GET /api/v1/me/export`.
pub async fn export_own(
    db: &Db,
    user: &crate::auth::service::CurrentUser,
) -> crate::error::AppResult<Vec<serde_json::Value>> {
    seal(db).await?;
    let mut tx = db.read().await?;
    let rows = store::by_actor(&mut tx, user.id, 100_000).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "at_ms": r.at_ms, "action": r.action, "object_type": r.object_type,
                "object_id": r.object_id, "ip": r.ip, "result": r.result,
            })
        })
        .collect())
}
