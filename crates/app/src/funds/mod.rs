//! 公示: the public account books of every community — the maintenance fund (专项维修资金)
//! and the micro-renewal fund (微更新基金) — and published documents, each movement and
//! document on the public ledger; the public pages that show them with their proofs.

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/gongshi", get(html::overview))
        .route("/gongshi/communities/{id}", get(html::community))
        .route("/gongshi/communities/{id}/movements", post(html::record))
        .route("/gongshi/entries/{index}", get(html::entry))
        .route("/gongshi/documents/{id}", get(html::document))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::books))
        .routes(routes!(api::record))
        .routes(routes!(api::publish))
}
