//! 居民: resident records with their household and tags. Phone and ID numbers are
//! encrypted at rest, findable by keyed hash, and masked in every response.

pub mod api;
pub mod html;
pub mod service;
mod store;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/residents", get(html::list))
        .route("/residents/{id}", get(html::show))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list))
        .routes(routes!(api::show))
        .routes(routes!(api::reveal))
}

/// The tags a resident record may carry (重点人群 for care and emergencies).
pub const TAGS: &[&str] = &[
    "独居老人",
    "残疾人",
    "低保",
    "留守儿童",
    "退役军人",
    "党员",
    "孕产妇",
];
