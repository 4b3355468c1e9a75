//! `gongzhi ledger bench`: durable appends per second (batched, each batch one committed
//! transaction) and inclusion-proof latency, on the database given.

use std::time::Instant;

use gongzhi_core::ledger::{Book, Category, Direction, Entry, FundMovement, VERSION};
use rand::{Rng, SeedableRng};

use super::service;
use crate::state::AppState;

/// A plausible fund movement (the same shape and size as the demo's).
pub fn synthetic(i: u64) -> Entry {
    let out = i.is_multiple_of(3);
    Entry::Fund(FundMovement {
        v: VERSION,
        record: format!("fund:{}", i + 1),
        community_id: (i % 12 + 1) as i64,
        community: "翠竹社区".into(),
        book: if i.is_multiple_of(2) {
            Book::Maintenance
        } else {
            Book::Renewal
        },
        direction: if out { Direction::Out } else { Direction::In },
        category: if out {
            Category::Repair
        } else {
            Category::ResidentShare
        },
        amount_fen: (i * 7919 % 5_000_000) as i64 + 100,
        purpose: format!("{}号楼公共部位维修第{}期", i % 40 + 1, i % 9 + 1),
        counterparty: if out {
            "某物业服务有限公司".into()
        } else {
            "张*".into()
        },
        approval: "业主大会表决通过（双三分之二）".into(),
        occurred_on: format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
        receipt_sha256: out.then(|| format!("{:064x}", i)),
        reverses: None,
        recorded_ms: 1_780_000_000_000 + i as i64,
    })
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

pub async fn run(
    st: &AppState,
    entries: u64,
    batch: usize,
    proofs: usize,
) -> anyhow::Result<serde_json::Value> {
    let (start, _) = service::head(&st.db).await?;
    let t = Instant::now();
    let mut appended = 0u64;
    let mut bytes = 0usize;
    while appended < entries {
        let n = (entries - appended).min(batch as u64);
        let raw: Vec<(&str, Vec<u8>)> = (0..n)
            .map(|k| {
                let e = synthetic(start + appended + k);
                (e.kind(), e.canonical())
            })
            .collect();
        bytes += raw.iter().map(|(_, b)| b.len()).sum::<usize>();
        let mut tx = st.db.begin().await?;
        service::append_raw(&mut tx, &raw, st.now_ms()).await?;
        tx.commit().await?;
        appended += n;
    }
    let append_s = t.elapsed().as_secs_f64();
    let signer = st.ledger_signer()?;
    let (size, _) = service::sign(&st.db, &signer, st.now_ms()).await?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6962);
    let mut lat = Vec::with_capacity(proofs);
    for _ in 0..proofs {
        let i = rng.gen_range(0..size);
        let t = Instant::now();
        service::inclusion(&st.db, i, size)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(f64::total_cmp);
    Ok(serde_json::json!({
        "database": if st.db.is_postgres() { "postgres" } else { "sqlite" },
        "appended": appended,
        "batch": batch,
        "log_size": size,
        "append_seconds": append_s,
        "appends_per_second": appended as f64 / append_s,
        "mean_entry_bytes": bytes as f64 / appended.max(1) as f64,
        "inclusion_proofs": proofs,
        "inclusion_ms": {"p50": pct(&lat, 0.5), "p99": pct(&lat, 0.99), "max": lat.last().copied().unwrap_or(0.0)},
    }))
}
