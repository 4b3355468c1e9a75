//! Storage: one set of queries on SQLite (embedded default) and PostgreSQL (production).
//!
//! [`Db`] is a pool of either kind, chosen from the URL. Every statement is a `const` SQL
//! string with `$1…$n` placeholders, which both databases accept; store functions run it
//! through [`on_tx!`], which expands the same code for each driver. Writes begin with
//! `BEGIN IMMEDIATE` on SQLite so that read-then-write transactions never deadlock. SQLite
//! runs in WAL mode with `synchronous = FULL`: a commit is on disk before it is acknowledged.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sha2::Digest as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// Runs the same expression against whichever driver a [`Tx`] holds.
/// `on_tx!(tx, |c| sqlx::query(SQL).bind(x).execute(&mut **c).await)`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::db::TxInner::Sqlite($c) => $body,
            $crate::db::TxInner::Pg($c) => $body,
        }
    };
}

/// SQLite admits one writer at a time. Writers queue here, in order and without sleeping,
/// instead of in SQLite's busy handler, which backs off with sleeps of up to 100 ms and made
/// tail latencies of hundreds of milliseconds under load.
pub type WriteGate = Arc<tokio::sync::Mutex<()>>;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 500;

/// A connection pool on one of the two supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, WriteGate),
    Pg(PgPool),
}

/// An open transaction; dropped without [`Tx::commit`] it rolls back (and, on SQLite,
/// lets the next writer in).
pub struct Tx {
    pub inner: TxInner,
    _write: Option<tokio::sync::OwnedMutexGuard<()>>,
}

pub enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

impl Db {
    /// Connects from a URL: `postgres://…` or `sqlite://…` / a bare file path.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Room for every statement the app prepares, including the multi-row inserts
            // of each batch size, so none is evicted and prepared again.
            let opts = PgConnectOptions::from_str(url)
                .context("parsing PostgreSQL URL")?
                .statement_cache_capacity(STATEMENT_CACHE);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .context("connecting to PostgreSQL")?;
            Ok(Db::Pg(pool))
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(10))
                .statement_cache_capacity(STATEMENT_CACHE)
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .with_context(|| format!("opening SQLite database {path}"))?;
            Ok(Db::Sqlite(pool, WriteGate::default()))
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Pg(_))
    }

    /// A transaction that will write.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p, gate) => {
                let (p, gate) = (p.clone(), gate.clone());
                let (guard, tx) = detached(async move {
                    let guard = gate.lock_owned().await;
                    let tx = p.begin_with("BEGIN IMMEDIATE").await;
                    (guard, tx)
                })
                .await?;
                Tx {
                    inner: TxInner::Sqlite(tx?),
                    _write: Some(guard),
                }
            }
            Db::Pg(p) => {
                let p = p.clone();
                Tx {
                    inner: TxInner::Pg(detached(async move { p.begin().await }).await??),
                    _write: None,
                }
            }
        })
    }

    /// A read-only transaction (a consistent snapshot; takes no write lock on SQLite).
    pub async fn read(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p, _) => {
                let p = p.clone();
                Tx {
                    inner: TxInner::Sqlite(detached(async move { p.begin().await }).await??),
                    _write: None,
                }
            }
            Db::Pg(p) => {
                let p = p.clone();
                Tx {
                    inner: TxInner::Pg(detached(async move { p.begin().await }).await??),
                    _write: None,
                }
            }
        })
    }

    /// A fingerprint of this database kind's migrations (their versions and checksums):
    /// equal fingerprints mean equal schemas (tests keep one migrated template per
    /// fingerprint).
    pub fn migrations_fingerprint(postgres: bool) -> String {
        let m = if postgres {
            sqlx::migrate!("./migrations/postgres")
        } else {
            sqlx::migrate!("./migrations/sqlite")
        };
        let mut h = sha2::Sha256::new();
        for x in m.iter() {
            sha2::Digest::update(&mut h, x.version.to_le_bytes());
            sha2::Digest::update(&mut h, &x.checksum);
        }
        hex::encode(sha2::Digest::finalize(h))
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p, _) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Db::Pg(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Liveness of the database for `/readyz`.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(p, _) => sqlx::query("select 1").execute(p).await.map(|_| ()),
            Db::Pg(p) => sqlx::query("select 1").execute(p).await.map(|_| ()),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p, _) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await,
            TxInner::Pg(t) => t.commit().await,
        }
    }
}

/// True when the error is a unique-constraint violation (for 409/422 answers).
/// Runs a transaction's BEGIN in a task of its own. A caller dropped halfway through BEGIN
/// would otherwise leave its connection inside a transaction that no handle owns, so nobody
/// ends it: on SQLite it keeps the write lock (or an old snapshot) for good. The task always
/// finishes, and a transaction whose caller has gone is dropped there, which rolls it back.
async fn detached<T: Send + 'static>(
    f: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, sqlx::Error> {
    tokio::spawn(f)
        .await
        .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))
}

pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// A write whose unique constraint names a taken value: the violation becomes a 422 with
/// `code` on `field`; any other failure stays an internal error.
pub fn unique_or<T>(
    r: Result<T, sqlx::Error>,
    code: &'static str,
    field: &'static str,
) -> Result<T, crate::error::AppError> {
    r.map_err(|e| {
        if is_unique_violation(&e) {
            crate::error::AppError::Invalid {
                code,
                field: Some(field),
            }
        } else {
            e.into()
        }
    })
}

/// A value of a deferred row.
#[derive(Debug, Clone)]
pub enum Val {
    I(Option<i64>),
    S(Option<String>),
    B(bool),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::I(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::S(Some(v.to_string()))
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::S(Some(v))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::S(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::B(v)
    }
}

/// Inserts whose results nobody reads back in the same transaction (timeline events, inbox
/// messages, audit records), gathered and written at the end as one multi-row statement
/// per table, in the order they were added. A transaction that files many reports pays a
/// few statements for all of them instead of a few each.
#[derive(Debug, Default)]
pub struct Deferred {
    /// (`insert into t (a, b) ` prefix, rows), in first-use order.
    tables: Vec<(&'static str, Vec<Vec<Val>>)>,
}

impl Deferred {
    /// Adds a row; `prefix` is `insert into t (c1, …, cn) ` and `row` has n values.
    pub fn push(&mut self, prefix: &'static str, row: Vec<Val>) {
        match self.tables.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, rows)) => rows.push(row),
            None => self.tables.push((prefix, vec![row])),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Writes everything gathered. On PostgreSQL that is one statement whatever the number
    /// of rows and tables: each table's rows go in as one array per column (`unnest`), and
    /// the tables' inserts are joined as data-modifying CTEs, so the statement text depends
    /// only on which tables have rows and stays prepared. On SQLite (no round trips) it is a
    /// multi-row insert per table, in chunks inside its limit on bound parameters.
    pub async fn flush(&mut self, tx: &mut Tx) -> Result<(), sqlx::Error> {
        let tables = std::mem::take(&mut self.tables);
        if tables.is_empty() {
            return Ok(());
        }
        match &mut tx.inner {
            TxInner::Pg(c) => {
                let mut sql = String::new();
                let mut cols: Vec<PgColumn> = vec![];
                let n = tables.len();
                for (t, (prefix, rows)) in tables.iter().enumerate() {
                    let width = rows.first().map_or(0, Vec::len);
                    let mut insert = format!("{prefix}select * from unnest(");
                    for k in 0..width {
                        let col = PgColumn::gather(rows, k);
                        let sep = if k == 0 { "" } else { ", " };
                        insert.push_str(&format!("{sep}${}::{}", cols.len() + 1, col.cast()));
                        cols.push(col);
                    }
                    insert.push(')');
                    if n == 1 {
                        sql = insert;
                    } else {
                        let sep = if t == 0 { "with " } else { ", " };
                        sql.push_str(&format!("{sep}w{t} as ({insert})"));
                    }
                }
                if n > 1 {
                    sql.push_str(" select 1");
                }
                let mut q = sqlx::query(&sql);
                for col in cols {
                    q = match col {
                        PgColumn::I(v) => q.bind(v),
                        PgColumn::S(v) => q.bind(v),
                        PgColumn::B(v) => q.bind(v),
                    };
                }
                q.execute(&mut **c).await.map(|_| ())
            }
            TxInner::Sqlite(c) => {
                for (prefix, rows) in tables {
                    let width = rows.first().map_or(1, Vec::len).max(1);
                    for chunk in rows.chunks((30_000 / width).max(1)) {
                        let mut q = sqlx::QueryBuilder::new(prefix);
                        q.push_values(chunk, |mut b, row| {
                            for v in row {
                                match v {
                                    Val::I(x) => b.push_bind(*x),
                                    Val::S(x) => b.push_bind(x.clone()),
                                    Val::B(x) => b.push_bind(*x),
                                };
                            }
                        });
                        q.build().execute(&mut **c).await?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// One column of deferred rows as a PostgreSQL array (typed by its first row's value).
enum PgColumn {
    I(Vec<Option<i64>>),
    S(Vec<Option<String>>),
    B(Vec<bool>),
}

impl PgColumn {
    fn gather(rows: &[Vec<Val>], k: usize) -> PgColumn {
        match rows.first().and_then(|r| r.get(k)) {
            Some(Val::S(_)) => PgColumn::S(
                rows.iter()
                    .map(|r| match &r[k] {
                        Val::S(s) => s.clone(),
                        Val::I(i) => i.map(|i| i.to_string()),
                        Val::B(b) => Some(b.to_string()),
                    })
                    .collect(),
            ),
            Some(Val::B(_)) => {
                PgColumn::B(rows.iter().map(|r| matches!(r[k], Val::B(true))).collect())
            }
            _ => PgColumn::I(
                rows.iter()
                    .map(|r| match &r[k] {
                        Val::I(i) => *i,
                        Val::B(b) => Some(i64::from(*b)),
                        Val::S(s) => s.as_deref().and_then(|s| s.parse().ok()),
                    })
                    .collect(),
            ),
        }
    }

    fn cast(&self) -> &'static str {
        match self {
            PgColumn::I(_) => "int8[]",
            PgColumn::S(_) => "text[]",
            PgColumn::B(_) => "bool[]",
        }
    }
}
