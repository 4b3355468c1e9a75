//! The ledger's operations: appending entries inside the caller's transaction, signing
//! checkpoints, and reading entries, tiles and proofs for the public endpoints.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use gongzhi_core::ledger::{Entry, MAX_ENTRY_BYTES};
use gongzhi_core::pii::Cipher;
use gongzhi_core::tlog::store::{TileError, TileReader, TileSubtrees, append as append_tiles};
use gongzhi_core::tlog::{
    Checkpoint, Hash, TILE_HEIGHT, TILE_WIDTH, consistency_proof, inclusion_proof, key_from_seed,
    leaf_hash,
};
use sha2::{Digest, Sha256};

use super::store;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

/// The log's signing identity: its origin (= the key's name) and Ed25519 key pair.
#[derive(Clone)]
pub struct Signer {
    pub origin: String,
    skey: String,
    /// The verifier key, `name+id+base64` (published at `/ledger/key`).
    pub vkey: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("origin", &self.origin)
            .field("vkey", &self.vkey)
            .finish_non_exhaustive()
    }
}

const KEY_FIELD: &str = "ledger.signing_key";

impl Signer {
    /// The signing key kept in `path`, encrypted with the personal-data master key; made
    /// on first start. Without a file (tests, tools), a key derived from the master key.
    pub fn load_or_create(
        cipher: &Cipher,
        path: Option<&Path>,
        origin: &str,
    ) -> anyhow::Result<Signer> {
        let skey = match path {
            Some(p) if p.exists() => {
                let stored = std::fs::read_to_string(p)
                    .with_context(|| format!("reading ledger key file {}", p.display()))?;
                cipher.decrypt(KEY_FIELD, stored.trim()).map_err(|_| {
                    anyhow::anyhow!(
                        "ledger key file {} cannot be opened with this personal-data key",
                        p.display()
                    )
                })?
            }
            Some(p) => {
                let mut seed = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
                let (skey, _) = key_from_seed(origin, &seed)
                    .map_err(|e| anyhow::anyhow!("ledger origin {origin:?}: {e}"))?;
                crate::config::write_private(p, &cipher.encrypt(KEY_FIELD, &skey))?;
                tracing::info!(path = %p.display(), "created the ledger signing key; back it up with the personal-data key");
                skey
            }
            None => {
                let seed: [u8; 32] =
                    Sha256::digest(cipher.blind_index(KEY_FIELD, origin).as_bytes()).into();
                key_from_seed(origin, &seed)
                    .map_err(|e| anyhow::anyhow!("ledger origin {origin:?}: {e}"))?
                    .0
            }
        };
        Self::from_skey(&skey, origin)
    }

    fn from_skey(skey: &str, origin: &str) -> anyhow::Result<Signer> {
        // PRIVATE+KEY+name+id+base64(0x01 ‖ seed); base64 may itself hold '+'.
        let parts: Vec<&str> = skey.splitn(5, '+').collect();
        let [_, _, name, _, key] = parts.as_slice() else {
            anyhow::bail!("the ledger key is malformed");
        };
        anyhow::ensure!(
            *name == origin,
            "the ledger key belongs to origin {name:?}, but the origin is set to {origin:?} \
             (a log keeps its origin for life)"
        );
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(key)
            .context("ledger key")?;
        let seed: [u8; 32] = raw
            .get(1..)
            .and_then(|s| s.try_into().ok())
            .context("ledger key length")?;
        let (skey, vkey) =
            key_from_seed(origin, &seed).map_err(|e| anyhow::anyhow!("ledger key: {e}"))?;
        Ok(Signer {
            origin: origin.to_string(),
            skey,
            vkey,
        })
    }

    pub fn sign(&self, size: u64, root: Hash) -> anyhow::Result<String> {
        Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
        }
        .sign(&self.skey)
        .map_err(|e| anyhow::anyhow!("signing the checkpoint: {e}"))
    }
}

/// Tiles held in memory for one operation.
#[derive(Default)]
pub struct Tiles {
    map: HashMap<(u8, u64), Vec<Hash>>,
    /// When set, every read is recorded and answered with zeros (a dry run that finds which
    /// tiles an operation needs, so that they are fetched in one go).
    record: Option<Mutex<BTreeSet<(u8, u64)>>>,
}

impl TileReader for Tiles {
    type Error = std::convert::Infallible;
    fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<Hash>>, Self::Error> {
        if let Some(r) = &self.record {
            if let Ok(mut r) = r.lock() {
                r.insert((level, index));
            }
            return Ok(Some(vec![[0; 32]; TILE_WIDTH as usize]));
        }
        Ok(self.map.get(&(level, index)).cloned())
    }
}

pub fn hashes_of(bytes: &[u8]) -> Vec<Hash> {
    bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            h
        })
        .collect()
}

pub fn bytes_of(hashes: &[Hash]) -> Vec<u8> {
    hashes.concat()
}

impl Tiles {
    async fn load(tx: &mut Tx, keys: impl IntoIterator<Item = (u8, u64)>) -> anyhow::Result<Tiles> {
        let mut map = HashMap::new();
        for (level, index) in keys {
            if let Some(b) = store::tile(tx, level, index).await? {
                map.insert((level, index), hashes_of(&b));
            }
        }
        Ok(Tiles { map, record: None })
    }

    /// Runs `f` over the tiles it needs, read from the database in one pass.
    async fn run<T>(
        tx: &mut Tx,
        f: impl Fn(&Tiles) -> Result<T, TileError<std::convert::Infallible>>,
    ) -> anyhow::Result<T> {
        let dry = Tiles {
            map: HashMap::new(),
            record: Some(Mutex::new(BTreeSet::new())),
        };
        let _ = f(&dry);
        let keys = dry
            .record
            .map(|r| r.into_inner().unwrap_or_default())
            .unwrap_or_default();
        let tiles = Tiles::load(tx, keys).await?;
        f(&tiles).map_err(|e| anyhow::anyhow!("ledger tiles: {e}"))
    }
}

/// The right-most tile of every level of a log of `size` entries (the only ones an append
/// changes, and with the full tiles hashed above them, all that the new root needs).
fn right_edge(size: u64) -> Vec<(u8, u64)> {
    let mut out = vec![];
    let mut level = 0u8;
    loop {
        let count = size >> (TILE_HEIGHT * level as u32);
        if count == 0 {
            break;
        }
        if !count.is_multiple_of(TILE_WIDTH) {
            out.push((level, count / TILE_WIDTH));
        }
        level += 1;
    }
    out
}

/// Appends entries to the log inside `tx` (the transaction of the change they record):
/// they become durable, or vanish, together with it. Returns the first entry's index.
pub async fn append(tx: &mut Tx, entries: &[Entry], at_ms: i64) -> anyhow::Result<u64> {
    let raw: Vec<(&str, Vec<u8>)> = entries.iter().map(|e| (e.kind(), e.canonical())).collect();
    append_raw(tx, &raw, at_ms).await
}

/// [`append`] of entries already in canonical bytes.
pub async fn append_raw(
    tx: &mut Tx,
    entries: &[(&str, Vec<u8>)],
    at_ms: i64,
) -> anyhow::Result<u64> {
    if let Some((_, b)) = entries.iter().find(|(_, b)| b.len() > MAX_ENTRY_BYTES) {
        anyhow::bail!("a ledger entry of {} bytes is over the limit", b.len());
    }
    let (size, _) = store::lock_head(tx).await?;
    if entries.is_empty() {
        return Ok(size);
    }
    let leaves: Vec<Hash> = entries.iter().map(|(_, b)| leaf_hash(b)).collect();
    let mut tiles = Tiles::load(tx, right_edge(size)).await?;
    let Ok(writes) = append_tiles(&tiles, size, &leaves);
    for ((level, index), hashes) in &writes {
        store::put_tile(tx, *level, *index, &bytes_of(hashes)).await?;
    }
    tiles.map.extend(writes);
    let new_size = size + entries.len() as u64;
    let root = TileSubtrees {
        reader: &tiles,
        size: new_size,
    }
    .root()
    .map_err(|e| anyhow::anyhow!("ledger tiles: {e}"))?;
    store::insert_entries(tx, size, entries, at_ms).await?;
    store::set_head(tx, new_size, &root).await?;
    Ok(size)
}

/// Holds the log's head for the rest of `tx` and returns the index the next entry appended
/// in `tx` will have: a domain that writes that index into its own row before appending
/// (a fund movement names its ledger entry) calls this first, so no other appender on any
/// node can take the index in between (PostgreSQL row lock; SQLite's single writer).
pub async fn reserve_next(tx: &mut Tx) -> anyhow::Result<u64> {
    Ok(store::lock_head(tx).await?.0)
}

/// Signs a checkpoint now, for a staff member who wants one at once (otherwise the signer
/// loop signs within a second while the log grows).
pub async fn sign_now(
    st: &crate::state::AppState,
    user: &crate::auth::service::CurrentUser,
) -> crate::error::AppResult<(u64, String)> {
    if !user.role.may_sign_checkpoint() {
        return Err(crate::error::AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let signer = st.ledger_signer()?;
    Ok(sign(&st.db, &signer, st.now_ms()).await?)
}

/// Signs a checkpoint of the log as it stands, unless the latest one already covers it;
/// returns the latest signed note. Checkpoints are deterministic (Ed25519), so two nodes
/// signing the same size write the same note.
pub async fn sign(db: &Db, signer: &Signer, now_ms: i64) -> anyhow::Result<(u64, String)> {
    let mut tx = db.read().await?;
    let (size, root) = store::head(&mut tx).await?;
    let latest = store::latest_checkpoint(&mut tx).await?;
    drop(tx);
    if let Some((s, note)) = latest
        && s >= size
    {
        return Ok((s, note));
    }
    let note = signer.sign(size, root)?;
    let mut tx = db.begin().await?;
    store::put_checkpoint(&mut tx, size, &root, &note, now_ms).await?;
    tx.commit().await?;
    Ok((size, note))
}

/// Signs a new checkpoint every `every` while the log grows (and once at start, so that
/// entries appended before a restart are covered).
pub async fn signer_loop(st: crate::state::AppState, every: std::time::Duration) {
    loop {
        match st.ledger_signer() {
            Ok(signer) => {
                if let Err(e) = sign(&st.db, &signer, st.now_ms()).await {
                    tracing::warn!(error = %format!("{e:#}"), "signing a ledger checkpoint");
                }
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "ledger signing key"),
        }
        tokio::time::sleep(every).await;
    }
}

/// The latest signed checkpoint (signing the empty log's first one if there is none).
pub async fn latest(db: &Db, signer: &Signer, now_ms: i64) -> anyhow::Result<(u64, String)> {
    let mut tx = db.read().await?;
    let latest = store::latest_checkpoint(&mut tx).await?;
    drop(tx);
    match latest {
        Some(l) => Ok(l),
        None => sign(db, signer, now_ms).await,
    }
}

/// The log's current size and root (possibly ahead of the latest checkpoint).
pub async fn head(db: &Db) -> anyhow::Result<(u64, Hash)> {
    let mut tx = db.read().await?;
    store::head(&mut tx).await
}

/// The hashes of tile (level, index) as served: the full tile, or its first `width` hashes
/// (`.p/<width>`). `None` when the log does not have them (yet).
pub async fn tile(db: &Db, level: u8, index: u64, width: u64) -> anyhow::Result<Option<Vec<u8>>> {
    let mut tx = db.read().await?;
    let stored = store::tile(&mut tx, level, index).await?;
    Ok(stored.and_then(|b| {
        let want = (width * 32) as usize;
        (b.len() >= want).then(|| b[..want].to_vec())
    }))
}

/// Entry bundle `index` of `width` entries (C2SP: big-endian u16 length, then the bytes).
pub async fn bundle(db: &Db, index: u64, width: u64) -> anyhow::Result<Option<Vec<u8>>> {
    let mut tx = db.read().await?;
    let from = index * TILE_WIDTH;
    let rows = store::entries_joined(&mut tx, from, from + width).await?;
    if (rows.len() as u64) < width {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(rows.iter().map(|r| r.len() + 2).sum());
    for r in rows {
        out.extend_from_slice(&(r.len() as u16).to_be_bytes());
        out.extend_from_slice(&r);
    }
    Ok(Some(out))
}

/// One entry: (kind, canonical bytes, appended at).
pub async fn entry(db: &Db, index: u64) -> anyhow::Result<Option<(String, Vec<u8>, i64)>> {
    let mut tx = db.read().await?;
    store::entry(&mut tx, index).await
}

/// The audit path of entry `index` in the tree of `size` entries, and that tree's root.
pub async fn inclusion(db: &Db, index: u64, size: u64) -> AppResult<(Vec<Hash>, Hash)> {
    let mut tx = db.read().await?;
    let (current, _) = store::head(&mut tx).await?;
    if size == 0 || size > current || index >= size {
        return Err(AppError::invalid("LEDGER_RANGE_INVALID"));
    }
    let (path, root) = Tiles::run(&mut tx, |t| {
        let s = TileSubtrees { reader: t, size };
        Ok((inclusion_proof(index, size, &s)?, s.root()?))
    })
    .await?;
    Ok((
        path.map_err(|_| AppError::invalid("LEDGER_RANGE_INVALID"))?,
        root,
    ))
}

/// The consistency proof from the tree of `from` entries to the tree of `to`, and the two
/// roots.
pub async fn consistency(db: &Db, from: u64, to: u64) -> AppResult<(Vec<Hash>, Hash, Hash)> {
    let mut tx = db.read().await?;
    let (current, _) = store::head(&mut tx).await?;
    if from == 0 || from > to || to > current {
        return Err(AppError::invalid("LEDGER_RANGE_INVALID"));
    }
    let (proof, r1, r2) = Tiles::run(&mut tx, |t| {
        let a = TileSubtrees {
            reader: t,
            size: from,
        };
        let b = TileSubtrees {
            reader: t,
            size: to,
        };
        Ok((consistency_proof(from, to, &b)?, a.root()?, b.root()?))
    })
    .await?;
    Ok((
        proof.map_err(|_| AppError::invalid("LEDGER_RANGE_INVALID"))?,
        r1,
        r2,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_edge_tiles() {
        assert_eq!(right_edge(0), vec![]);
        assert_eq!(right_edge(1), vec![(0, 0)]);
        assert_eq!(right_edge(256), vec![(1, 0)]);
        // The spec's example: size 70000 → partial tiles 0/273 (112), 1/1 (17), 2/0 (1).
        assert_eq!(right_edge(70_000), vec![(0, 273), (1, 1), (2, 0)]);
    }

    #[test]
    fn signer_keys_come_from_the_master_key_or_a_file() {
        let cipher = Cipher::new(&[9; 32]);
        let a = Signer::load_or_create(&cipher, None, "gongzhi.test/ledger").expect("derived");
        let b = Signer::load_or_create(&cipher, None, "gongzhi.test/ledger").expect("derived");
        assert_eq!(a.vkey, b.vkey, "derived keys are stable");
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("ledger.key");
        let c = Signer::load_or_create(&cipher, Some(&p), "gongzhi.test/ledger").expect("new");
        let d = Signer::load_or_create(&cipher, Some(&p), "gongzhi.test/ledger").expect("again");
        assert_eq!(c.vkey, d.vkey, "the file keeps the key");
        assert_ne!(c.vkey, a.vkey);
        let text = std::fs::read_to_string(&p).expect("read");
        assert!(!text.contains("PRIVATE"), "the key file is encrypted");
        let err = Signer::load_or_create(&cipher, Some(&p), "other.origin/log")
            .expect_err("origin is fixed");
        assert!(format!("{err}").contains("gongzhi.test/ledger"));
        // Keys whose base64 holds '+' load too (every fresh key, many times over).
        for n in 0..64 {
            let p = dir.path().join(format!("k{n}"));
            let a = Signer::load_or_create(&cipher, Some(&p), "gongzhi.test/ledger").expect("new");
            let b = Signer::load_or_create(&cipher, Some(&p), "gongzhi.test/ledger").expect("load");
            assert_eq!(a.vkey, b.vkey);
        }
        let wrong = Cipher::new(&[1; 32]);
        assert!(Signer::load_or_create(&wrong, Some(&p), "gongzhi.test/ledger").is_err());
        let note = c.sign(1, [3; 32]).expect("sign");
        assert!(Checkpoint::open(&note, &c.vkey).is_ok());
    }
}
