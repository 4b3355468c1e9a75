//! The similar-case index kept current with the disputes: each dispute's document with who
//! may see it, rebuilt on start and refreshed after every change.

use super::*;

/// The index document of a dispute: its account, who may see it (`people`: the users and
/// residents with standing), how it ended.
fn doc_of(
    st: &AppState,
    d: &store::IndexRow,
    people: impl Iterator<Item = (Option<i64>, Option<i64>)>,
) -> crate::mediation::index::Doc {
    let mut access = vec![
        "all".to_string(),
        format!("s:{}", d.street_id),
        format!("c:{}", d.community_id),
        format!("u:{}", d.filed_by),
    ];
    for (user, resident) in people {
        if let Some(u) = user {
            access.push(format!("u:{u}"));
        }
        if let Some(r) = resident {
            access.push(format!("r:{r}"));
        }
    }
    access.sort();
    access.dedup();
    let status = Status::parse(&d.status).unwrap_or(Status::Filed);
    let outcome = match (status, d.resolved_level.as_deref().and_then(Level::parse)) {
        (Status::Resolved, Some(l)) => format!("{}（{}）", status.name_zh(), l.name_zh()),
        _ => status.name_zh().to_string(),
    };
    crate::mediation::index::Doc {
        key: format!("d:{}", d.id),
        id: d.id,
        dtype: type_name(&d.dtype),
        title: d.title.clone(),
        body: st.shown_text(ACCOUNT_FIELD, &d.account_enc, true),
        outcome,
        access,
    }
}

/// The index documents of the next `limit` disputes after `after`.
async fn docs_after(
    st: &AppState,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<crate::mediation::index::Doc>> {
    let (rows, people) = {
        let mut tx = st.db.read().await?;
        store::index_batch(&mut tx, after, limit).await?
    };
    // Dispute → (user, resident) of each party and mediator.
    type People = Vec<(Option<i64>, Option<i64>)>;
    let mut by: std::collections::HashMap<i64, People> = std::collections::HashMap::new();
    for (d, u, r) in people {
        by.entry(d).or_default().push((u, r));
    }
    Ok(rows
        .iter()
        .map(|d| doc_of(st, d, by.remove(&d.id).unwrap_or_default().into_iter()))
        .collect())
}

/// The index document of one dispute (`None` if it is gone).
async fn doc(st: &AppState, id: i64) -> anyhow::Result<Option<crate::mediation::index::Doc>> {
    Ok(docs_after(st, id - 1, 1)
        .await?
        .into_iter()
        .find(|d| d.id == id))
}

/// Puts a dispute's current state into the similar-case index. The index is derived: a
/// failure here is logged, never fails the (already committed) change.
pub async fn reindex(st: &AppState, id: i64) {
    let result = async {
        let index = st.similar_cases().await?;
        let d = doc(st, id).await?;
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            match d {
                Some(d) => index.add(&[d])?,
                None => index.remove(&format!("d:{id}")),
            }
            index.commit()?;
            Ok(())
        })
        .await??;
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(dispute = id, error = %format!("{e:#}"), "similar-case index not updated");
    }
}

/// Keeps this node's index in step with disputes changed through other nodes: every few
/// seconds, re-indexes the disputes changed since the last look (with a margin for
/// transactions that committed late). Does nothing until the index is first used.
pub async fn watch(st: AppState) {
    const EVERY_MS: u64 = 5_000;
    const MARGIN_MS: i64 = 30_000;
    // The time of the last look: a change stamped after (it - MARGIN_MS) may not have been
    // seen yet (its transaction may have committed after that look).
    let mut last = st.now_ms();
    let mut every = tokio::time::interval(std::time::Duration::from_millis(EVERY_MS));
    loop {
        every.tick().await;
        let now = st.now_ms();
        let Some(index) = st.similar_cases_if_built() else {
            last = now;
            continue;
        };
        let since = last - MARGIN_MS;
        last = now;
        if let Err(e) = refresh_index(&st, &index, since).await {
            tracing::warn!(error = %format!("{e:#}"), "refreshing the similar-case index failed");
        }
    }
}

/// Re-indexes the disputes changed at or after `since` (at most 5,000 a call); returns how
/// many.
pub async fn refresh_index(
    st: &AppState,
    index: &crate::mediation::index::CaseIndex,
    since: i64,
) -> anyhow::Result<usize> {
    let changed = {
        let mut tx = st.db.read().await?;
        store::changed_since(&mut tx, since, 5_000).await?
    };
    let mut docs = vec![];
    for (id, _) in &changed {
        docs.extend(doc(st, *id).await?);
    }
    let n = docs.len();
    if n > 0 {
        let index = index.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            index.add(&docs)?;
            index.commit()?;
            Ok(())
        })
        .await??;
    }
    Ok(n)
}

/// Adds every dispute in the database to a freshly built index (at start), in batches
/// (decrypting and tokenizing a batch while the next one is read).
pub async fn index_all(
    st: &AppState,
    index: &crate::mediation::index::CaseIndex,
) -> anyhow::Result<usize> {
    const BATCH: i64 = 20_000;
    let mut after = 0;
    let mut n = 0;
    let mut pending: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    loop {
        let docs = docs_after(st, after, BATCH).await?;
        if let Some(p) = pending.take() {
            p.await??;
        }
        let Some(last) = docs.last() else { break };
        after = last.id;
        n += docs.len();
        let index = index.clone();
        pending = Some(tokio::task::spawn_blocking(move || {
            index.add(&docs).map_err(Into::into)
        }));
    }
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit()).await??;
    Ok(n)
}

/// Past cases most like an account, best first, among those the caller may see: for whoever
/// works disputes (mediators, community and street staff, administrators).
pub async fn similar(
    st: &AppState,
    user: &CurrentUser,
    text: &str,
    k: usize,
) -> AppResult<Vec<crate::mediation::index::Hit>> {
    if !works_disputes(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(AppError::Invalid {
            code: "TEXT_INVALID",
            field: Some("q"),
        });
    }
    if !(1..=50).contains(&k) {
        return Err(AppError::Invalid {
            code: "K_INVALID",
            field: Some("k"),
        });
    }
    let keys = access_keys(user);
    let index = st.similar_cases().await?;
    let text = text.to_string();
    // Searching is CPU work (tokenizing the account, scoring): off the async workers.
    tokio::task::spawn_blocking(move || index.similar(&text, k, Some(&keys), None))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}

/// Similar past cases for the dispute `id` (itself left out), for those who work it.
pub async fn similar_to(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    k: usize,
) -> AppResult<Vec<crate::mediation::index::Hit>> {
    let v = get(st, user, id).await?;
    if !v.standing.works() {
        return Err(AppError::Forbidden("MEDIATORS_ONLY"));
    }
    let keys = access_keys(user);
    let index = st.similar_cases().await?;
    let text = v.account;
    tokio::task::spawn_blocking(move || {
        index.similar(&text, k, Some(&keys), Some(&format!("d:{id}")))
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))
}
