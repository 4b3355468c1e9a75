//! Every SQL statement of the public ledger.

use gongzhi_core::tlog::Hash;

use crate::db::{Tx, TxInner};
use crate::on_tx;

const HEAD: &str = "select size, root from ledger_head where id = 1";
const HEAD_FOR_UPDATE: &str = "select size, root from ledger_head where id = 1 for update";
const SET_HEAD: &str = "update ledger_head set size = $1, root = $2 where id = 1";
const TILE: &str = "select hashes from ledger_tiles where level = $1 and idx = $2";
const PUT_TILE: &str = "insert into ledger_tiles (level, idx, hashes) values ($1, $2, $3) \
     on conflict (level, idx) do update set hashes = excluded.hashes";
const ENTRY: &str = "select kind, body, at_ms from ledger_entries where idx = $1";
/// A range of entries as one row: their lengths and their bytes back to back (reading a
/// bundle row by row costs more in the driver than the bytes do).
const RANGE_SQLITE: &str = "select count(*), coalesce(group_concat(length(body), ',' order by idx), ''), \
     cast(coalesce(group_concat(body, '' order by idx), '') as blob) \
     from ledger_entries where idx >= $1 and idx < $2";
const RANGE_PG: &str = "select count(*), coalesce(string_agg(octet_length(body)::text, ',' order by idx), ''), \
     coalesce(string_agg(body, ''::bytea order by idx), ''::bytea) \
     from ledger_entries where idx >= $1 and idx < $2";
const LATEST_CHECKPOINT: &str =
    "select size, note from ledger_checkpoints order by size desc limit 1";
const PUT_CHECKPOINT: &str = "insert into ledger_checkpoints (size, root, note, at_ms) \
     values ($1, $2, $3, $4) on conflict (size) do nothing";
/// Rows per multi-row insert of entries (4 parameters each).
pub const ENTRY_CHUNK: usize = 256;

fn hash(b: Vec<u8>) -> anyhow::Result<Hash> {
    b.try_into()
        .map_err(|_| anyhow::anyhow!("a stored ledger hash is not 32 bytes"))
}

/// The log's size and root; on PostgreSQL the row stays locked until the transaction ends,
/// so appenders on every node take turns (on SQLite the write gate does that).
pub async fn lock_head(tx: &mut Tx) -> anyhow::Result<(u64, Hash)> {
    let (size, root): (i64, Vec<u8>) = match &mut tx.inner {
        TxInner::Sqlite(c) => sqlx::query_as(HEAD).fetch_one(&mut **c).await?,
        TxInner::Pg(c) => sqlx::query_as(HEAD_FOR_UPDATE).fetch_one(&mut **c).await?,
    };
    Ok((size as u64, hash(root)?))
}

pub async fn head(tx: &mut Tx) -> anyhow::Result<(u64, Hash)> {
    let (size, root): (i64, Vec<u8>) =
        on_tx!(tx, |c| sqlx::query_as(HEAD).fetch_one(&mut **c).await)?;
    Ok((size as u64, hash(root)?))
}

pub async fn set_head(tx: &mut Tx, size: u64, root: &Hash) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(SET_HEAD)
        .bind(size as i64)
        .bind(root.as_slice())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The stored bytes of a tile (32 per hash), if it exists.
pub async fn tile(tx: &mut Tx, level: u8, index: u64) -> anyhow::Result<Option<Vec<u8>>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(TILE)
        .bind(level as i64)
        .bind(index as i64)
        .fetch_optional(&mut **c)
        .await)?)
}

pub async fn put_tile(tx: &mut Tx, level: u8, index: u64, hashes: &[u8]) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(PUT_TILE)
        .bind(level as i64)
        .bind(index as i64)
        .bind(hashes)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Inserts entries at indexes `first`, `first + 1`, …: (kind, canonical bytes).
pub async fn insert_entries(
    tx: &mut Tx,
    first: u64,
    entries: &[(&str, Vec<u8>)],
    at_ms: i64,
) -> anyhow::Result<()> {
    for (n, chunk) in entries.chunks(ENTRY_CHUNK).enumerate() {
        let mut sql = String::from("insert into ledger_entries (idx, kind, body, at_ms) values ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let p = i * 4;
            sql.push_str(&format!("(${},${},${},${})", p + 1, p + 2, p + 3, p + 4));
        }
        let base = first + (n * ENTRY_CHUNK) as u64;
        on_tx!(tx, |c| {
            let mut q = sqlx::query(&sql);
            for (i, (kind, body)) in chunk.iter().enumerate() {
                q = q
                    .bind((base + i as u64) as i64)
                    .bind(*kind)
                    .bind(body.as_slice())
                    .bind(at_ms);
            }
            q.execute(&mut **c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// One entry: (kind, canonical bytes, appended at).
pub async fn entry(tx: &mut Tx, index: u64) -> anyhow::Result<Option<(String, Vec<u8>, i64)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(ENTRY)
        .bind(index as i64)
        .fetch_optional(&mut **c)
        .await)?)
}

/// The entries with indexes in [from, to), in order, read as one row.
pub async fn entries_joined(tx: &mut Tx, from: u64, to: u64) -> anyhow::Result<Vec<Vec<u8>>> {
    let (n, lengths, bytes): (i64, String, Vec<u8>) = match &mut tx.inner {
        TxInner::Sqlite(c) => {
            sqlx::query_as(RANGE_SQLITE)
                .bind(from as i64)
                .bind(to as i64)
                .fetch_one(&mut **c)
                .await?
        }
        TxInner::Pg(c) => {
            sqlx::query_as(RANGE_PG)
                .bind(from as i64)
                .bind(to as i64)
                .fetch_one(&mut **c)
                .await?
        }
    };
    let mut out = Vec::with_capacity(n as usize);
    let mut at = 0usize;
    for l in lengths.split(',').filter(|l| !l.is_empty()) {
        let l: usize = l.parse()?;
        let b = bytes
            .get(at..at + l)
            .ok_or_else(|| anyhow::anyhow!("ledger entries {from}..{to}: lengths do not add up"))?;
        out.push(b.to_vec());
        at += l;
    }
    anyhow::ensure!(
        out.len() as i64 == n && at == bytes.len(),
        "ledger entries {from}..{to}: lengths do not add up"
    );
    Ok(out)
}

/// The latest signed checkpoint: (size, note).
pub async fn latest_checkpoint(tx: &mut Tx) -> anyhow::Result<Option<(u64, String)>> {
    let row: Option<(i64, String)> = on_tx!(tx, |c| sqlx::query_as(LATEST_CHECKPOINT)
        .fetch_optional(&mut **c)
        .await)?;
    Ok(row.map(|(s, n)| (s as u64, n)))
}

pub async fn put_checkpoint(
    tx: &mut Tx,
    size: u64,
    root: &Hash,
    note: &str,
    at_ms: i64,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(PUT_CHECKPOINT)
        .bind(size as i64)
        .bind(root.as_slice())
        .bind(note)
        .bind(at_ms)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    Ok(())
}
