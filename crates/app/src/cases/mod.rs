//! 一网统管: every report becomes a case that reaches the right hands and is closed on time.
//! Intake from every channel, triage (classify, locate, route, merge duplicates), work
//! orders through the hotline life cycle, deadlines on the working-day calendar, warnings and
//! escalation in background jobs, the in-app inbox, and the supervision figures (三率).

pub mod api;
pub mod calendar;
pub mod demo;
pub mod generate;
pub mod html;
pub mod import;
pub mod insight;
pub mod intake;
pub mod jobs;
pub mod print;
pub mod service;
mod sheets;
mod store;
pub mod supervision;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(html::list))
        .route("/cases/new", get(html::new_form).post(html::create))
        .route("/cases/import", get(html::import_page))
        .route("/cases/{id}", get(html::show))
        .route("/cases/{id}/print", get(print::print))
        .route("/cases/{id}/act", post(html::act))
        .route("/cases/{id}/reveal", post(html::reveal))
        .route("/dispatch", get(html::dispatch_console))
        .route("/orders", get(html::unit_orders))
        .route("/supervision", get(supervision::supervision))
        .route("/attachments/{id}", get(html::attachment))
        .route(
            "/admin/calendar",
            get(html::calendar_page).post(html::calendar_save),
        )
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create, api::list))
        .routes(routes!(api::show))
        .routes(routes!(api::reveal))
        .routes(routes!(api::callback))
        .routes(routes!(api::dispatch))
        .routes(routes!(api::reclassify))
        .routes(routes!(api::supervise))
        .routes(routes!(api::urge))
        .routes(routes!(api::add_info))
        .routes(routes!(api::withdraw))
        .routes(routes!(api::sign))
        .routes(routes!(api::return_order))
        .routes(routes!(api::extend))
        .routes(routes!(api::decide_extension))
        .routes(routes!(api::feedback))
        .routes(routes!(api::reroute))
        .routes(routes!(api::rates))
        .routes(routes!(api::import))
        .routes(routes!(api::assign_batch))
}
