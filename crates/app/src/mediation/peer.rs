//! The peer of the similar-case search, measured in the same run: SQLite FTS5 with its
//! trigram tokenizer (the usual way to full-text Chinese in SQLite, which has no Chinese
//! word tokenizer), on the same corpus and the same queries.
//!
//! A query is the account itself, as for our index: its distinct character trigrams (no
//! punctuation or spaces), the first [`QUERY_TRIGRAMS`] of them, OR-ed, ranked by FTS5's
//! bm25. Trigrams are the only unit FTS5 trigram can match: most Chinese words are two
//! characters long, so a word-level query is not available to it.

use std::collections::HashSet;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

use super::{generate, seed_cases};
use gongzhi_core::mediation::search::precision_at_k;

/// Trigrams per query (the same budget as our index's candidate words).
pub const QUERY_TRIGRAMS: usize = super::index::QUERY_WORDS;

/// The FTS5 MATCH expression for an account: its distinct trigrams, OR-ed.
pub fn trigram_query(text: &str) -> Option<String> {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut seen = HashSet::new();
    let mut terms = vec![];
    for w in chars.windows(3) {
        if w.iter().any(|c| c.is_whitespace()) {
            continue;
        }
        let t: String = w.iter().collect();
        if seen.insert(t.clone()) {
            terms.push(format!("\"{t}\""));
            if terms.len() == QUERY_TRIGRAMS {
                break;
            }
        }
    }
    (!terms.is_empty()).then(|| terms.join(" OR "))
}

async fn open(path: Option<&std::path::Path>) -> anyhow::Result<SqlitePool> {
    let opts = match path {
        Some(p) => {
            if p.exists() {
                std::fs::remove_file(p)?;
            }
            SqliteConnectOptions::new()
                .filename(p)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        }
        None => "sqlite::memory:".parse::<SqliteConnectOptions>()?,
    };
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?;
    sqlx::query(
        "create virtual table docs using fts5(body, dtype unindexed, community unindexed, tokenize = 'trigram')",
    )
    .execute(&pool)
    .await?;
    Ok(pool)
}

/// Leave-one-out precision@k of the dispute type on the published cases, for FTS5 trigram.
pub async fn evaluate(k: usize) -> anyhow::Result<f64> {
    let cases = seed_cases()?;
    let pool = open(None).await?;
    for (i, c) in cases.iter().enumerate() {
        sqlx::query("insert into docs (rowid, body, dtype, community) values ($1, $2, $3, 0)")
            .bind(i as i64)
            .bind(&c.event_description)
            .bind(&c.event_type)
            .execute(&pool)
            .await?;
    }
    let types: Vec<&str> = cases.iter().map(|c| c.event_type.as_str()).collect();
    let mut results = vec![];
    for (i, c) in cases.iter().enumerate() {
        let Some(q) = trigram_query(&c.event_description) else {
            results.push(vec![]);
            continue;
        };
        let rows = sqlx::query(
            "select rowid from docs where docs match $1 and rowid != $2 order by rank limit $3",
        )
        .bind(q)
        .bind(i as i64)
        .bind(k as i64)
        .fetch_all(&pool)
        .await?;
        results.push(
            rows.iter()
                .filter_map(|r| usize::try_from(r.get::<i64, _>(0)).ok())
                .collect(),
        );
    }
    Ok(precision_at_k(&types, &results, k))
}

/// What the peer measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PeerReport {
    pub engine: &'static str,
    pub docs: usize,
    pub build_seconds: f64,
    pub db_bytes: u64,
    pub queries: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub same_type_share: f64,
}

/// The FTS5 trigram table of the same synthetic disputes as [`super::bench`] (same
/// generator, same seeds) in the file `path`, and the same probes, each restricted to the
/// same ten communities.
pub async fn bench(
    docs: usize,
    queries: usize,
    k: usize,
    path: &std::path::Path,
    seed: u64,
) -> anyhow::Result<PeerReport> {
    let cases = seed_cases()?;
    let t = std::time::Instant::now();
    let pool = open(Some(path)).await?;
    let chunk = 50_000;
    let mut made = 0;
    while made < docs {
        let n = chunk.min(docs - made);
        let batch = generate::disputes(&cases, n, 1000 + made as i64, seed + made as u64);
        let mut tx = pool.begin().await?;
        for d in &batch {
            let community: i64 = d
                .access
                .first()
                .and_then(|a| a.strip_prefix("c:"))
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            sqlx::query("insert into docs (rowid, body, dtype, community) values ($1, $2, $3, $4)")
                .bind(d.id)
                .bind(&d.body)
                .bind(&d.dtype)
                .bind(community)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        made += n;
    }
    sqlx::query("insert into docs(docs) values('optimize')")
        .execute(&pool)
        .await?;
    let build_seconds = t.elapsed().as_secs_f64();
    let db_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let probes = generate::disputes(&cases, queries, 0, seed ^ 0x5eed);
    let mut times = Vec::with_capacity(queries);
    let (mut same, mut all) = (0usize, 0usize);
    for (i, p) in probes.iter().enumerate() {
        let communities: Vec<String> = (0..10).map(|c| ((i + c) % 40 + 1).to_string()).collect();
        let Some(q) = trigram_query(&p.body) else {
            continue;
        };
        let sql = format!(
            "select dtype from docs where docs match $1 and community in ({}) order by rank limit $2",
            communities.join(",")
        );
        let t = std::time::Instant::now();
        let rows = sqlx::query(&sql)
            .bind(q)
            .bind(k as i64)
            .fetch_all(&pool)
            .await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        all += rows.len();
        same += rows
            .iter()
            .filter(|r| r.get::<String, _>(0) == p.dtype)
            .count();
    }
    times.sort_by(f64::total_cmp);
    let pct = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    Ok(PeerReport {
        engine: "sqlite-fts5-trigram",
        docs,
        build_seconds,
        db_bytes,
        queries: times.len(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: times.last().copied().unwrap_or(0.0),
        same_type_share: same as f64 / all.max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_distinct_trigrams_without_punctuation() {
        assert_eq!(
            trigram_query("楼上漏水，漏水了").as_deref(),
            Some("\"楼上漏\" OR \"上漏水\" OR \"漏水了\"")
        );
        assert_eq!(trigram_query("漏水"), None);
    }

    #[tokio::test]
    async fn fts5_trigram_answers_the_leave_one_out() {
        let p = evaluate(5).await.expect("fts5 with trigram is available");
        assert!(p > 0.0 && p < 1.0, "{p}");
    }
}
