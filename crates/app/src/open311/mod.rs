//! Open311 GeoReport v2 (JSON and XML) with the FixMyStreet `servicerequestupdates`
//! extension: services are our categories; requests are cases. Interchange with city
//! platforms and FixMyStreet-style clients. See docs/DECISIONS.md ("Open311").
//!
//! Personal data: GET methods need no key (as the spec says), so without a valid `api_key`
//! a request's description is withheld and its point is rounded to about 100 m; reporters'
//! names and e-mail are never stored, a phone number only encrypted.

pub mod api;
pub mod service;
mod store;
pub mod xml;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The demo integration key (demo databases only).
pub const DEMO_KEY: &str = "gongzhi-demo-open311";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/{file}", get(api::discovery))
        .route(
            "/open311/v2/{file}",
            get(api::get_root).post(api::post_root),
        )
        .route("/open311/v2/services/{file}", get(api::service_definition))
        .route("/open311/v2/requests/{file}", get(api::request_by_id))
        .route("/open311/v2/tokens/{file}", get(api::token))
}
