//! `gongzhi backup` and `gongzhi restore` (security checklist 11 and 32): a consistent copy
//! of the database — SQLite's `VACUUM INTO` (a transactionally consistent, compacted file,
//! taken while the server runs) or PostgreSQL's `pg_dump --format=custom` — and its
//! restoration into an *empty* target, after which the erasure journal is replayed and the
//! audit chain verified. Keys are not in backups: back the key files up separately.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

use crate::db::Db;

/// Writes a backup of `db` (opened on `url`) to `out`, which must not exist.
pub async fn backup(db: &Db, url: &str, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} exists: choose a new file", out.display());
    }
    match db {
        Db::Sqlite(pool, _) => {
            let path = out.to_str().context("backup path is not UTF-8")?;
            sqlx::query("vacuum into ?")
                .bind(path)
                .execute(pool)
                .await
                .context("VACUUM INTO")?;
        }
        Db::Pg(_) => {
            let status = Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(out)
                .arg(url)
                .status()
                .context("running pg_dump (install postgresql-client)")?;
            if !status.success() {
                bail!("pg_dump failed: {status}");
            }
        }
    }
    Ok(())
}

/// Restores `from` into the database at `url`, which must be empty: a new SQLite file, or
/// a PostgreSQL database with no tables (createdb it first). Nothing is overwritten.
pub async fn restore(from: &Path, url: &str) -> anyhow::Result<()> {
    if !from.exists() {
        bail!("{} does not exist", from.display());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let db = Db::connect(url).await?;
        let Db::Pg(pool) = &db else {
            unreachable!("a postgres URL opens PostgreSQL")
        };
        let tables: i64 = sqlx::query_scalar(
            "select count(*) from information_schema.tables where table_schema = 'public'",
        )
        .fetch_one(pool)
        .await?;
        db.close().await;
        if tables > 0 {
            bail!("the target database is not empty ({tables} tables): restore into a new one");
        }
        let status = Command::new("pg_restore")
            .args([
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
            ])
            .arg(url)
            .arg(from)
            .status()
            .context("running pg_restore (install postgresql-client)")?;
        if !status.success() {
            bail!("pg_restore failed: {status}");
        }
    } else {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        let path = Path::new(path);
        if path.exists() {
            bail!("{} exists: restore into a new file", path.display());
        }
        std::fs::copy(from, path).with_context(|| format!("copying to {}", path.display()))?;
        std::fs::File::open(path)?.sync_all()?;
    }
    Ok(())
}
