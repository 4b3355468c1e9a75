//! Idempotency keys for writes that must happen once — money and ledger posts (security
//! checklist 30). A client sends `Idempotency-Key: <key>` (the web forms carry one made
//! when the form was drawn); the first request under a key does the write and remembers
//! its result; a repeat of the same request replays that result; a different request under
//! the same key is refused with `IDEMPOTENCY_KEY_REUSED`. Keys are per user and per kind of
//! write, checked inside the write's own transaction, after the lock that serialises such
//! writes, so two racing repeats cannot both write.

mod store;

use sha2::{Digest, Sha256};

use crate::db::Tx;
use crate::error::{AppError, AppResult};

/// The header clients send.
pub const HEADER: &str = "idempotency-key";

/// A checked key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// 1–128 visible ASCII characters (a UUID or any random token).
    pub fn parse(s: &str) -> AppResult<Key> {
        let s = s.trim();
        if s.is_empty() || s.len() > 128 || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::Invalid {
                code: "IDEMPOTENCY_KEY_INVALID",
                field: Some("idempotency_key"),
            });
        }
        Ok(Key(s.to_string()))
    }

    /// From a request's headers, if it carries one.
    pub fn from_headers(h: &axum::http::HeaderMap) -> AppResult<Option<Key>> {
        match h.get(HEADER) {
            None => Ok(None),
            Some(v) => Key::parse(v.to_str().unwrap_or("")).map(Some),
        }
    }

    /// From a form's hidden field (empty: none).
    pub fn from_form(s: Option<&str>) -> AppResult<Option<Key>> {
        match s.map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => Key::parse(s).map(Some),
        }
    }
}

/// A fresh key for a form.
pub fn new_key() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The fingerprint of a request (any canonical serialisation of what was asked).
pub fn fingerprint(request: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(request).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// What a key says about this request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First use: do the write, then [`remember`] its result.
    Fresh,
    /// The same request was done before: its result.
    Replay(i64),
}

/// Looks the key up (inside the write's transaction, after its serialising lock).
pub async fn claim(
    tx: &mut Tx,
    user_id: i64,
    scope: &str,
    key: &Key,
    request_sha256: &str,
) -> AppResult<Claim> {
    match store::find(tx, user_id, scope, &key.0).await? {
        None => Ok(Claim::Fresh),
        Some((sha, id)) if sha == request_sha256 => Ok(Claim::Replay(id)),
        Some(_) => Err(AppError::Conflict("IDEMPOTENCY_KEY_REUSED")),
    }
}

/// Remembers the result of a fresh write under its key (same transaction).
pub async fn remember(
    tx: &mut Tx,
    user_id: i64,
    scope: &str,
    key: &Key,
    request_sha256: &str,
    result_id: i64,
    now_ms: i64,
) -> AppResult<()> {
    crate::db::unique_or(
        store::insert(
            tx,
            user_id,
            scope,
            &key.0,
            request_sha256,
            result_id,
            now_ms,
        )
        .await,
        "IDEMPOTENCY_KEY_REUSED",
        "idempotency_key",
    )?;
    Ok(())
}

/// Forgets keys older than `cutoff_ms` (a retention job; keys need to outlive retries only).
pub async fn forget_before(db: &crate::db::Db, cutoff_ms: i64) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let n = store::delete_before(&mut tx, cutoff_ms).await?;
    tx.commit().await?;
    Ok(n)
}
