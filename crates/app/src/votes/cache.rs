//! What a running vote reads again and again, kept in memory: its frozen register (never
//! changes once the vote opens) and its ballots (only ever added: each read fetches the
//! rows after the last one it holds). Ballot ids grow in commit order because every ballot
//! is written under the ledger head's lock (`service::cast`), so "after the last id" never
//! skips a ballot committed late, on any node.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use gongzhi_core::votes::{Register, Unit};

use super::store;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A vote's register as frozen at opening.
pub struct Frozen {
    pub units: Vec<store::OwnerUnit>,
    pub reg: Register,
    pub owners: HashSet<String>,
    /// Unit number → owner key.
    pub by_unit: HashMap<String, String>,
}

#[derive(Default)]
struct Ballots {
    last_id: i64,
    rows: Arc<Vec<store::BallotRow>>,
    /// The tally of exactly these rows, once counted.
    tally: Option<Arc<gongzhi_core::votes::Tally>>,
}

#[derive(Default)]
pub struct Cache {
    frozen: std::sync::Mutex<HashMap<i64, Arc<Frozen>>>,
    ballots: tokio::sync::Mutex<HashMap<i64, Ballots>>,
}

impl Cache {
    pub fn new() -> Cache {
        Cache::default()
    }
}

/// The frozen register of vote `id` (from memory after the first read).
pub async fn frozen(st: &AppState, id: i64) -> AppResult<Arc<Frozen>> {
    if let Some(f) = st
        .votes
        .frozen
        .lock()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("votes cache poisoned")))?
        .get(&id)
    {
        return Ok(f.clone());
    }
    let mut tx = st.db.read().await?;
    let units = store::frozen(&mut tx, id).await?;
    drop(tx);
    let reg = Register::new(
        &units
            .iter()
            .map(|x| Unit {
                unit: x.unit.clone(),
                owner: x.owner_key.clone(),
                area: x.area_e4,
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    let f = Arc::new(Frozen {
        owners: units.iter().map(|x| x.owner_key.clone()).collect(),
        by_unit: units
            .iter()
            .map(|x| (x.unit.clone(), x.owner_key.clone()))
            .collect(),
        units,
        reg,
    });
    // An empty register is a vote being opened right now (not yet committed): not kept.
    if !f.units.is_empty() {
        st.votes
            .frozen
            .lock()
            .map_err(|_| AppError::Internal(anyhow::anyhow!("votes cache poisoned")))?
            .insert(id, f.clone());
    }
    Ok(f)
}

/// The live tally of vote `id`: counted by `count` from its ballots when a ballot came in
/// since the last count, else the last count again.
pub async fn tally(
    st: &AppState,
    id: i64,
    count: impl FnOnce(&[store::BallotRow]) -> AppResult<gongzhi_core::votes::Tally>,
) -> AppResult<Arc<gongzhi_core::votes::Tally>> {
    let (_, t) = ballots_and_tally(st, id, |rows| count(rows).map(Some)).await?;
    t.ok_or_else(|| AppError::Internal(anyhow::anyhow!("no tally")))
}

/// Every ballot of vote `id` in the order they were cast, and their tally.
async fn ballots_and_tally(
    st: &AppState,
    id: i64,
    count: impl FnOnce(&[store::BallotRow]) -> AppResult<Option<gongzhi_core::votes::Tally>>,
) -> AppResult<(
    Arc<Vec<store::BallotRow>>,
    Option<Arc<gongzhi_core::votes::Tally>>,
)> {
    let mut all = st.votes.ballots.lock().await;
    let entry = all.entry(id).or_default();
    let mut tx = st.db.read().await?;
    let fresh = store::ballots_after(&mut tx, id, entry.last_id).await?;
    drop(tx);
    if let Some((last, _)) = fresh.last() {
        entry.last_id = *last;
        let mut rows = Vec::with_capacity(entry.rows.len() + fresh.len());
        rows.extend(entry.rows.iter().cloned());
        rows.extend(fresh.into_iter().map(|(_, b)| b));
        entry.rows = Arc::new(rows);
        entry.tally = None;
    }
    if entry.tally.is_none()
        && let Some(t) = count(&entry.rows)?
    {
        entry.tally = Some(Arc::new(t));
    }
    Ok((entry.rows.clone(), entry.tally.clone()))
}
