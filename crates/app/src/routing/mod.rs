//! 智能分拨 (routing model): classifies a report's text into an event category of the
//! taxonomy. The shipped model is trained deterministically from the seed corpus
//! (`data/reports/train.csv`, embedded) the first time it is needed in a process (well under
//! a second in a release build); a city can train its own with `gongzhi model train`.

pub mod api;
pub mod cli;

use std::collections::HashMap;
use std::sync::OnceLock;

use gongzhi_core::classify::{self, Model, TrainConfig};

/// The seed corpus the shipped model is trained from.
pub const SEED_CORPUS: &str = include_str!("../../../../data/reports/train.csv");
/// The seed of the shipped model.
pub const SEED: u64 = 42;

/// The routing API.
pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api::classify))
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

/// The shipped model, trained once per process.
pub fn default_model() -> anyhow::Result<&'static Model> {
    static MODEL: OnceLock<Model> = OnceLock::new();
    if let Some(m) = MODEL.get() {
        return Ok(m);
    }
    let m = train_default()?;
    Ok(MODEL.get_or_init(|| m))
}
