//! The ledger's public endpoints. Their paths and shapes are fixed: independent verifiers
//! depend on them. Everything here is public (no sign-in): the log holds no personal data.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gongzhi_core::tlog::tiles::{parse_level, tile_in_range};
use gongzhi_core::tlog::{Hash, entries_path, leaf_hash, parse_tile_index, tile_path};
use serde::{Deserialize, Serialize};

use super::service;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::AuthUser;

fn b64(h: &Hash) -> String {
    STANDARD.encode(h)
}

fn text(body: String, cache: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, cache),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

/// `GET /ledger/checkpoint`: the latest signed checkpoint (C2SP signed note).
pub async fn checkpoint(State(st): State<AppState>) -> AppResult<Response> {
    let signer = st.ledger_signer()?;
    let (_, note) = service::latest(&st.db, &signer, st.now_ms()).await?;
    Ok(text(note, "no-cache"))
}

/// `GET /ledger/key`: the verifier key, `name+keyid+base64`.
pub async fn key(State(st): State<AppState>) -> AppResult<Response> {
    Ok(text(st.ledger_signer()?.vkey, "public, max-age=3600"))
}

/// `GET /ledger/tile/<L>/<N>[.p/<W>]` and `GET /ledger/tile/entries/<N>[.p/<W>]`: C2SP
/// tlog-tiles, immutable once they exist (a partial tile's path names its width).
pub async fn tile(State(st): State<AppState>, Path(path): Path<String>) -> AppResult<Response> {
    let (level, rest) = path.split_once('/').ok_or(AppError::NotFound)?;
    let (index, width) = parse_tile_index(rest).map_err(|_| AppError::NotFound)?;
    let want = if width == 0 { 256 } else { width };
    let body = if level == "entries" {
        if format!("tile/{path}") != entries_path(index, width) || !tile_in_range(None, index) {
            return Err(AppError::NotFound);
        }
        service::bundle(&st.db, index, want).await?
    } else {
        let l = parse_level(level).map_err(|_| AppError::NotFound)?;
        if format!("tile/{path}") != tile_path(l, index, width) || !tile_in_range(Some(l), index) {
            return Err(AppError::NotFound);
        }
        service::tile(&st.db, l, index, want).await?
    };
    let body = body.ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryView {
    pub index: u64,
    /// `fund.movement`, `document.published` or `mediation.agreement`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The entry as JSON.
    #[schema(value_type = Object)]
    pub entry: serde_json::Value,
    /// The exact bytes that were hashed (canonical JSON, UTF-8).
    pub canonical: String,
    /// RFC 6962 leaf hash, SHA-256(0x00 ‖ canonical), base64.
    pub leaf_hash: String,
    pub appended_at_ms: i64,
}

/// One entry of the log, with the bytes that were hashed and its leaf hash.
#[utoipa::path(get, path = "/api/v1/ledger/entries/{index}", tag = "ledger", params(("index" = u64, Path)),
    responses((status = 200, body = EntryView), (status = 404)))]
pub async fn entry(
    State(st): State<AppState>,
    Path(index): Path<u64>,
) -> AppResult<Json<EntryView>> {
    let (kind, body, at) = service::entry(&st.db, index)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(EntryView {
        index,
        kind,
        entry: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        canonical: String::from_utf8_lossy(&body).into_owned(),
        leaf_hash: b64(&leaf_hash(&body)),
        appended_at_ms: at,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct InclusionQuery {
    pub index: u64,
    /// Tree size the proof is for (default: the latest signed checkpoint's).
    pub size: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InclusionView {
    pub index: u64,
    pub size: u64,
    pub leaf_hash: String,
    /// The audit path, leaf's sibling first (RFC 9162 §2.1.3), base64.
    pub hashes: Vec<String>,
    /// The root of the tree of `size` entries, base64.
    pub root: String,
}

/// The inclusion proof of an entry in the tree of `size` entries.
#[utoipa::path(get, path = "/api/v1/ledger/proof/inclusion", tag = "ledger", params(InclusionQuery),
    responses((status = 200, body = InclusionView), (status = 404), (status = 422)))]
pub async fn inclusion(
    State(st): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> AppResult<Json<InclusionView>> {
    let size = match q.size {
        Some(s) => s,
        None => {
            let signer = st.ledger_signer()?;
            service::latest(&st.db, &signer, st.now_ms()).await?.0
        }
    };
    let (_, body, _) = service::entry(&st.db, q.index)
        .await?
        .ok_or(AppError::NotFound)?;
    let (path, root) = service::inclusion(&st.db, q.index, size).await?;
    Ok(Json(InclusionView {
        index: q.index,
        size,
        leaf_hash: b64(&leaf_hash(&body)),
        hashes: path.iter().map(b64).collect(),
        root: b64(&root),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ConsistencyQuery {
    pub from: u64,
    pub to: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsistencyView {
    pub from: u64,
    pub to: u64,
    /// RFC 9162 §2.1.4 consistency proof, base64.
    pub hashes: Vec<String>,
    pub from_root: String,
    pub to_root: String,
}

/// The proof that the tree of `to` entries extends the tree of `from` entries.
#[utoipa::path(get, path = "/api/v1/ledger/proof/consistency", tag = "ledger", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyView), (status = 422)))]
pub async fn consistency(
    State(st): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> AppResult<Json<ConsistencyView>> {
    let (proof, r1, r2) = service::consistency(&st.db, q.from, q.to).await?;
    Ok(Json(ConsistencyView {
        from: q.from,
        to: q.to,
        hashes: proof.iter().map(b64).collect(),
        from_root: b64(&r1),
        to_root: b64(&r2),
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    pub size: u64,
    /// The signed note.
    pub checkpoint: String,
}

/// Signs a checkpoint now (staff; otherwise one is signed every second while the log grows).
#[utoipa::path(post, path = "/api/v1/ledger/checkpoint", tag = "ledger",
    responses((status = 200, body = CheckpointView), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn sign_now(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<CheckpointView>> {
    let (size, note) = service::sign_now(&st, &user).await?;
    Ok(Json(CheckpointView {
        size,
        checkpoint: note,
    }))
}
