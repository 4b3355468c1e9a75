//! 智能分拨 (routing model): classifies a report's text into an event category of the
//! taxonomy. The shipped model is trained deterministically from the seed corpus
//! (`data/reports/train.csv`, embedded) the first time it is needed in a process (well under
//! a second in a release build); a city can train its own with `gongzhi model train`.

pub mod api;
pub mod cli;
pub mod html;
pub mod review;
mod store;

use std::collections::HashMap;
use std::sync::OnceLock;

use gongzhi_core::classify::{self, Model, TrainConfig};

/// The seed corpus the shipped model is trained from.
pub const SEED_CORPUS: &str = include_str!("../../../../data/reports/train.csv");
/// The seed of the shipped model.
pub const SEED: u64 = 42;

/// The routing API.
pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(api::classify))
        .routes(utoipa_axum::routes!(api::corrections))
        .routes(utoipa_axum::routes!(api::review))
}

/// The routing pages: corrections waiting for review.
pub fn routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new()
        .route(
            "/routing/corrections",
            axum::routing::get(html::corrections),
        )
        .route(
            "/routing/corrections/{id}",
            axum::routing::post(html::review),
        )
}

/// Display names of the taxonomy's categories.
pub fn category_names() -> HashMap<String, String> {
    crate::taxonomy::get()
        .categories
        .iter()
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect()
}

/// Training settings with the taxonomy's names for its codes.
pub fn config(seed: u64) -> TrainConfig {
    TrainConfig {
        seed,
        names: category_names(),
        ..TrainConfig::default()
    }
}

/// Trains the shipped model from the embedded seed corpus.
pub fn train_default() -> anyhow::Result<Model> {
    let examples = classify::read_csv(SEED_CORPUS.as_bytes())
        .map_err(|e| anyhow::anyhow!("seed corpus: {e}"))?;
    classify::train(&examples, &config(SEED))
        .map_err(|e| anyhow::anyhow!("training the shipped model: {e}"))
}

/// The shipped model, trained once per process (callers arriving meanwhile wait for that
/// one training instead of each training their own).
pub fn default_model() -> anyhow::Result<&'static Model> {
    static MODEL: OnceLock<Model> = OnceLock::new();
    static TRAINING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if let Some(m) = MODEL.get() {
        return Ok(m);
    }
    let _one = TRAINING.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(m) = MODEL.get() {
        return Ok(m);
    }
    let m = train_default()?;
    Ok(MODEL.get_or_init(|| m))
}

/// Trains the live model in the background so the first reports do not wait for it.
pub fn warm_up(st: &crate::state::AppState) {
    let st = st.clone();
    tokio::task::spawn_blocking(move || {
        if let Err(e) = live(&st) {
            tracing::error!(error = %e, "training the routing model failed");
        }
    });
}

/// The model in use: the shipped model plus every stored correction, learned in order.
/// Each node replays corrections it has not seen (at start, after a local correction, and
/// on the background tick), so all nodes converge on the same model.
#[derive(Default)]
pub struct Live {
    model: std::sync::RwLock<Option<std::sync::Arc<Model>>>,
    applied: std::sync::atomic::AtomicI64,
    sync: tokio::sync::Mutex<()>,
}

/// The live model (trains the shipped one on first use: call from a blocking thread).
/// The live model if it is already trained (no waiting).
pub fn loaded(st: &crate::state::AppState) -> Option<std::sync::Arc<Model>> {
    st.model.model.read().ok().and_then(|g| g.clone())
}

pub fn live(st: &crate::state::AppState) -> anyhow::Result<std::sync::Arc<Model>> {
    if let Some(m) = st.model.model.read().ok().and_then(|g| g.clone()) {
        return Ok(m);
    }
    let m = std::sync::Arc::new(default_model()?.clone());
    if let Ok(mut g) = st.model.model.write() {
        if let Some(existing) = g.as_ref() {
            return Ok(existing.clone());
        }
        *g = Some(m.clone());
    }
    Ok(m)
}

/// Corrections one account may put up for review in 24 hours; more are kept (over_limit)
/// but never learnt, so no single account can steer the district's model.
pub const CORRECTIONS_PER_USER_DAY: i64 = 20;

/// Stores a correction inside the transaction of the change that made it (a staff member
/// filing under another category than the model's, or reclassifying a case). It waits for
/// review ([`review::review`]) before the live model learns it.
pub async fn record_correction(
    tx: &mut crate::db::Tx,
    case_id: Option<i64>,
    text: &str,
    model_label: &str,
    label: &str,
    user: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let status = match user {
        Some(u)
            if store::count_by_user_since(tx, u, now - 86_400_000).await?
                >= CORRECTIONS_PER_USER_DAY =>
        {
            "over_limit"
        }
        _ => "pending",
    };
    store::insert_correction(
        tx,
        &store::NewCorrection {
            case_id,
            text,
            model_label,
            label,
            user,
            now,
            status,
        },
    )
    .await
}

/// Learns the corrections stored since the last sync. Returns how many were applied.
pub async fn sync_corrections(st: &crate::state::AppState) -> crate::error::AppResult<usize> {
    use std::sync::atomic::Ordering;
    let _one = st.model.sync.lock().await;
    let after = st.model.applied.load(Ordering::SeqCst);
    let mut tx = st.db.read().await?;
    let rows = store::corrections_after(&mut tx, after).await?;
    drop(tx);
    if rows.is_empty() {
        return Ok(0);
    }
    let st2 = st.clone();
    let (model, last, n) = tokio::task::spawn_blocking(move || {
        let mut m = (*live(&st2)?).clone();
        let mut last = after;
        for (id, text, label) in &rows {
            if let Err(e) = m.learn(text, label) {
                tracing::warn!(correction = id, error = %e, "correction not learned");
            }
            last = *id;
        }
        anyhow::Ok((m, last, rows.len()))
    })
    .await
    .map_err(|e| crate::error::AppError::Internal(e.into()))??;
    if let Ok(mut g) = st.model.model.write() {
        *g = Some(std::sync::Arc::new(model));
    }
    st.model.applied.store(last, Ordering::SeqCst);
    tracing::info!(corrections = n, "routing model learned corrections");
    Ok(n)
}
