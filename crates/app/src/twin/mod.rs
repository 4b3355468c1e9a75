//! 数字孪生: emergency scenarios built from a community's model, simulated with today's
//! responder posts beside the optimised ones; the drills register (演练).

pub mod api;
pub mod html;
pub mod service;
mod store;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/twin", get(html::home))
        .route("/twin/new", get(html::new).post(html::create))
        .route("/twin/scenarios/{id}", get(html::show))
        .route("/twin/scenarios/{id}/scenario.toml", get(html::toml_file))
        // The drills are listed on the twin's home page.
        .route(
            "/twin/drills",
            get(|| async { axum::response::Redirect::to("/twin#drills") }).post(html::drill_create),
        )
        .route("/twin/drills/new", get(html::drill_new))
        .route("/twin/drills/{id}", get(html::drill))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::model))
        .routes(routes!(api::create))
        .routes(routes!(api::list))
        .routes(routes!(api::get))
        .routes(routes!(api::record_drill))
        .routes(routes!(api::drill))
}
