//! 公开存证: the public ledger — an append-only RFC 6962 Merkle log of typed entries (fund
//! movements, published documents, mediation agreement hashes), stored as C2SP tiles in
//! the database, with checkpoints signed as C2SP signed notes, served on fixed endpoints
//! that independent verifiers depend on:
//!
//! - `GET /ledger/checkpoint`, `GET /ledger/key`
//! - `GET /ledger/tile/<L>/<N>[.p/<W>]`, `GET /ledger/tile/entries/<N>[.p/<W>]`
//! - `GET /api/v1/ledger/entries/{index}`, `GET /api/v1/ledger/proof/inclusion`,
//!   `GET /api/v1/ledger/proof/consistency`
//!
//! `verify` checks a log from outside (over HTTP) or from its database.

pub mod api;
pub mod bench;
pub mod service;
mod store;
pub mod verify;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub use service::Signer;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ledger/checkpoint", get(api::checkpoint))
        .route("/ledger/key", get(api::key))
        .route("/ledger/tile/{*path}", get(api::tile))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::entry))
        .routes(routes!(api::inclusion))
        .routes(routes!(api::consistency))
        .routes(routes!(api::sign_now))
}
