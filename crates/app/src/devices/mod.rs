//! 物联感知: IoT sensors and AI cameras. Devices post events over HTTP (device bearer
//! token) or MQTT; case-making events become cases exactly once; the registry page lists
//! every device with its last event.

pub mod api;
pub mod html;
pub mod mqtt;
pub mod service;
mod store;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/devices", get(html::list))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list, api::register))
        .routes(routes!(api::event))
}
