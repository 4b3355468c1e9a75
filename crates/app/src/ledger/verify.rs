//! Verifying a log from outside: check the checkpoint's signature, fetch every entry bundle
//! and tile, recompute every leaf hash, tile and the root, and, given the checkpoint seen
//! last time, check that the log only grew. Trusts nothing but the verifier key. The same
//! walk runs over HTTP (the C2SP endpoints) or straight from the database.

use std::future::Future;

use anyhow::Context;
use gongzhi_core::ledger::Entry;
use gongzhi_core::tlog::store::{TileSubtrees, TileWrites, append};
use gongzhi_core::tlog::tiles::{full_tiles, partial_width};
use gongzhi_core::tlog::{
    Checkpoint, Hash, TILE_HEIGHT, TILE_WIDTH, entries_path, leaf_hash, tile_path,
};

use super::service::{self, hashes_of};
use crate::db::Db;

/// Where a log is read from.
pub trait Source: Clone + Send + Sync + 'static {
    fn checkpoint(&self) -> impl Future<Output = anyhow::Result<String>> + Send;
    /// The first `width` hashes of tile (level, index), if served.
    fn tile(
        &self,
        level: u8,
        index: u64,
        width: u64,
    ) -> impl Future<Output = anyhow::Result<Option<Vec<u8>>>> + Send;
    /// Entry bundle `index` of `width` entries, if served.
    fn bundle(
        &self,
        index: u64,
        width: u64,
    ) -> impl Future<Output = anyhow::Result<Option<Vec<u8>>>> + Send;
    /// One entry's bytes (to find which entry of a missing bundle is gone).
    fn entry(&self, index: u64) -> impl Future<Output = anyhow::Result<Option<Vec<u8>>>> + Send;
}

/// A log served over HTTP at `base` (`http://host:port`).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    pub fn new(base: &str) -> anyhow::Result<Http> {
        Ok(Http {
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .pool_max_idle_per_host(16)
                .build()?,
            base: base.trim_end_matches('/').to_string(),
        })
    }

    async fn get(&self, path: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let url = format!("{}/{path}", self.base);
        let r = self
            .client
            .get(&url)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        match r.status() {
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(r.bytes().await?.to_vec())),
            s => anyhow::bail!("GET {url}: {s}"),
        }
    }
}

impl Source for Http {
    async fn checkpoint(&self) -> anyhow::Result<String> {
        let b = self
            .get("ledger/checkpoint")
            .await?
            .context("the server has no /ledger/checkpoint")?;
        String::from_utf8(b).context("checkpoint is not UTF-8")
    }
    async fn tile(&self, level: u8, index: u64, width: u64) -> anyhow::Result<Option<Vec<u8>>> {
        let w = if width == TILE_WIDTH { 0 } else { width };
        self.get(&format!("ledger/{}", tile_path(level, index, w)))
            .await
    }
    async fn bundle(&self, index: u64, width: u64) -> anyhow::Result<Option<Vec<u8>>> {
        let w = if width == TILE_WIDTH { 0 } else { width };
        self.get(&format!("ledger/{}", entries_path(index, w)))
            .await
    }
    async fn entry(&self, index: u64) -> anyhow::Result<Option<Vec<u8>>> {
        let Some(b) = self.get(&format!("api/v1/ledger/entries/{index}")).await? else {
            return Ok(None);
        };
        let v: serde_json::Value = serde_json::from_slice(&b)?;
        Ok(v["canonical"].as_str().map(|s| s.as_bytes().to_vec()))
    }
}

/// A log read from its database (the latest stored checkpoint).
#[derive(Clone)]
pub struct Database(pub Db);

impl Source for Database {
    async fn checkpoint(&self) -> anyhow::Result<String> {
        let mut tx = self.0.read().await?;
        Ok(super::store::latest_checkpoint(&mut tx)
            .await?
            .context("the database holds no signed checkpoint yet")?
            .1)
    }
    async fn tile(&self, level: u8, index: u64, width: u64) -> anyhow::Result<Option<Vec<u8>>> {
        service::tile(&self.0, level, index, width).await
    }
    async fn bundle(&self, index: u64, width: u64) -> anyhow::Result<Option<Vec<u8>>> {
        service::bundle(&self.0, index, width).await
    }
    async fn entry(&self, index: u64) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(service::entry(&self.0, index).await?.map(|(_, b, _)| b))
    }
}

/// What a verification found wrong: the first bad entry where one can be named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("the checkpoint does not verify with the key: {0}")]
    Signature(String),
    #[error("entry {index}: {why}")]
    Entry { index: u64, why: String },
    #[error("tile {level}/{tile} disagrees with the entries {first}..{last}: a tile was altered")]
    Tile {
        level: u8,
        tile: u64,
        first: u64,
        last: u64,
    },
    #[error("the entries do not hash to the signed root of {size} entries")]
    Root { size: u64 },
    #[error("the log shrank from {old} to {new} entries")]
    Shrank { old: u64, new: u64 },
    #[error(
        "the first {size} entries no longer hash to the root signed earlier: history was rewritten"
    )]
    Rewritten { size: u64 },
}

impl Broken {
    /// The index of the first bad entry, where it is known.
    pub fn index(&self) -> Option<u64> {
        match self {
            Broken::Entry { index, .. } => Some(*index),
            Broken::Tile { first, .. } => Some(*first),
            _ => None,
        }
    }
}

/// A verified log.
#[derive(Debug, Clone)]
pub struct Verified {
    pub checkpoint: Checkpoint,
    /// The signed note that was verified (to keep as the next run's state).
    pub note: String,
    /// The size of the earlier checkpoint it was checked to extend.
    pub grew_from: Option<u64>,
}

struct Leaves(Vec<Hash>);

/// Checks bundle `t` (`width` entries) against level-0 tile `t`: its leaf hashes, or the
/// first bad entry.
async fn check_tile<S: Source>(
    src: S,
    t: u64,
    width: u64,
) -> anyhow::Result<Result<Leaves, Broken>> {
    let first = t * TILE_WIDTH;
    let (bundle, tile) = tokio::try_join!(src.bundle(t, width), src.tile(0, t, width))?;
    let Some(bundle) = bundle else {
        for i in first..first + width {
            if src.entry(i).await?.is_none() {
                return Ok(Err(Broken::Entry {
                    index: i,
                    why: "missing: it was deleted".into(),
                }));
            }
        }
        return Ok(Err(Broken::Entry {
            index: first,
            why: format!("its bundle {} is not served", entries_path(t, width)),
        }));
    };
    let served = tile.map(|b| hashes_of(&b)).unwrap_or_default();
    let mut leaves = Vec::with_capacity(width as usize);
    let mut rest = bundle.as_slice();
    for i in 0..width {
        let index = first + i;
        let bad = |why: &str| {
            Ok(Err(Broken::Entry {
                index,
                why: why.to_string(),
            }))
        };
        if rest.len() < 2 {
            return bad("missing from its bundle");
        }
        let n = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        let Some(bytes) = rest.get(2..2 + n) else {
            return bad("cut short in its bundle");
        };
        rest = &rest[2 + n..];
        if let Err(e) = Entry::parse(bytes) {
            return bad(&format!("not a valid entry ({e}): it was altered"));
        }
        let leaf = leaf_hash(bytes);
        match served.get(i as usize) {
            Some(h) if *h == leaf => {}
            Some(_) => {
                return bad(&format!(
                    "its bytes do not match its leaf hash in {}: the entry or the tile was altered",
                    tile_path(0, t, width % TILE_WIDTH)
                ));
            }
            None => return bad("its leaf hash is missing from the level-0 tile"),
        }
        leaves.push(leaf);
    }
    if !rest.is_empty() {
        return Ok(Err(Broken::Entry {
            index: first + width - 1,
            why: "its bundle has bytes after the last entry".into(),
        }));
    }
    Ok(Ok(Leaves(leaves)))
}

/// Verifies the log at `src` with the verifier key `vkey`; `previous` is the signed
/// checkpoint seen last time. `Ok(Err(_))` is a log that fails verification.
pub async fn verify<S: Source>(
    src: &S,
    vkey: &str,
    previous: Option<&str>,
) -> anyhow::Result<Result<Verified, Broken>> {
    let note = src.checkpoint().await?;
    let cp = match Checkpoint::open(&note, vkey) {
        Ok(cp) => cp,
        Err(e) => return Ok(Err(Broken::Signature(e.to_string()))),
    };
    let old = match previous {
        Some(p) => Some(
            Checkpoint::open(p, vkey)
                .map_err(|e| anyhow::anyhow!("the saved checkpoint does not verify: {e}"))?,
        ),
        None => None,
    };
    if let Some(o) = &old
        && o.size > cp.size
    {
        return Ok(Err(Broken::Shrank {
            old: o.size,
            new: cp.size,
        }));
    }
    let size = cp.size;
    // Level 0: every bundle against its tile, several at a time, in order.
    let tiles = size.div_ceil(TILE_WIDTH);
    let mut leaves: Vec<Hash> = Vec::with_capacity(size as usize);
    const WINDOW: u64 = 64;
    let mut next = 0u64;
    while next < tiles {
        let end = (next + WINDOW).min(tiles);
        let mut set = tokio::task::JoinSet::new();
        for t in next..end {
            let width = (size - t * TILE_WIDTH).min(TILE_WIDTH);
            let src = src.clone();
            set.spawn(async move { (t, check_tile(src, t, width).await) });
        }
        let mut done: Vec<(u64, anyhow::Result<Result<Leaves, Broken>>)> = set.join_all().await;
        done.sort_by_key(|(t, _)| *t);
        for (_, r) in done {
            match r? {
                Ok(l) => leaves.extend(l.0),
                Err(b) => return Ok(Err(b)),
            }
        }
        next = end;
    }
    // The levels above, recomputed from the leaves, against the tiles served.
    let Ok(computed) = append(&TileWrites::new(), 0, &leaves);
    for level in 1..=63u8 {
        if size >> (TILE_HEIGHT * level as u32) == 0 {
            break;
        }
        let n = full_tiles(level, size) + u64::from(partial_width(level, size) > 0);
        for t in 0..n {
            let want = computed
                .get(&(level, t))
                .context("recomputed tile missing")?;
            let width = if t < full_tiles(level, size) {
                TILE_WIDTH
            } else {
                partial_width(level, size)
            };
            let served = src
                .tile(level, t, width)
                .await?
                .map(|b| hashes_of(&b))
                .unwrap_or_default();
            if let Some(pos) = (0..width as usize).find(|&i| served.get(i) != want.get(i)) {
                let span = 1u64 << (TILE_HEIGHT * level as u32);
                let first = (t * TILE_WIDTH + pos as u64) * span;
                return Ok(Err(Broken::Tile {
                    level,
                    tile: t,
                    first,
                    last: (first + span).min(size) - 1,
                }));
            }
        }
    }
    let root_at = |n: u64| {
        TileSubtrees {
            reader: &computed,
            size: n,
        }
        .root()
        .map_err(|e| anyhow::anyhow!("recomputing the root: {e}"))
    };
    let root = root_at(size)?;
    if root != cp.root {
        return Ok(Err(Broken::Root { size }));
    }
    if let Some(o) = &old {
        let r = root_at(o.size)?;
        if r != o.root {
            return Ok(Err(Broken::Rewritten { size: o.size }));
        }
    }
    Ok(Ok(Verified {
        grew_from: old.map(|o| o.size),
        checkpoint: cp,
        note,
    }))
}

/// `gongzhi ledger verify`: prints the verdict; exit code 0 intact, 2 broken.
pub async fn run_cli(
    common: &crate::cli::Common,
    url: Option<String>,
    key: Option<String>,
    state: Option<std::path::PathBuf>,
) -> anyhow::Result<std::process::ExitCode> {
    use base64::Engine;
    let previous = match &state {
        Some(p) if p.exists() => Some(
            std::fs::read_to_string(p)
                .with_context(|| format!("reading the state file {}", p.display()))?,
        ),
        _ => None,
    };
    let started = std::time::Instant::now();
    let verdict = match url {
        Some(url) => {
            let key = key.context(
                "--key is required with --url (the server's /ledger/key, obtained once and kept)",
            )?;
            verify(&Http::new(&url)?, key.trim(), previous.as_deref()).await?
        }
        None => {
            let db = Db::connect(&common.database_url).await?;
            let key = match key {
                Some(k) => k,
                None => {
                    anyhow::ensure!(
                        common.ledger_key_file.exists(),
                        "no --key given and no ledger key file at {}",
                        common.ledger_key_file.display()
                    );
                    let master = crate::config::load_or_create_key(
                        common.secret_key.as_deref(),
                        &common.key_file,
                    )?;
                    service::Signer::load_or_create(
                        &gongzhi_core::pii::Cipher::new(&master),
                        Some(&common.ledger_key_file),
                        &common.ledger_origin,
                    )?
                    .vkey
                }
            };
            verify(&Database(db), key.trim(), previous.as_deref()).await?
        }
    };
    let secs = started.elapsed().as_secs_f64();
    match verdict {
        Ok(v) => {
            println!(
                "ledger intact: {} entries, root {}, checkpoint signed by {} ({secs:.2}s)",
                v.checkpoint.size,
                base64::engine::general_purpose::STANDARD.encode(v.checkpoint.root),
                v.checkpoint.origin
            );
            if let Some(m) = v.grew_from {
                println!(
                    "consistent with the checkpoint of {m} entries seen before: the log only grew"
                );
            }
            if let Some(p) = &state {
                // Replaced whole or not at all.
                let tmp = p.with_extension("tmp");
                std::fs::write(&tmp, &v.note)
                    .with_context(|| format!("writing {}", tmp.display()))?;
                std::fs::rename(&tmp, p).with_context(|| format!("writing {}", p.display()))?;
            }
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(b) => {
            println!("ledger BROKEN: {b}");
            if let Some(i) = b.index() {
                println!("first bad entry: {i}");
            }
            Ok(std::process::ExitCode::from(2))
        }
    }
}
