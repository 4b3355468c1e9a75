//! 议事协商: bodies of self-governance (楼组 with its 楼组长, 居民议事会, 业主大会 and 业委会)
//! with members and terms; their meetings (agenda, notice sent ahead, QR check-in or
//! attendance marked by staff, minutes published on the ledger, decisions followed to
//! 落实); residents' matters and suggestions with support, merging and their course, and
//! the monthly 落实率 counted from the rows.

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/participation", get(html::index))
        .route("/participation/suggestions", post(html::raise))
        .route(
            "/participation/suggestions/{id}/support",
            post(html::support),
        )
        .route("/participation/suggestions/{id}/act", post(html::act))
        .route("/participation/bodies", post(html::create_body))
        .route("/participation/bodies/{id}/members", post(html::add_member))
        .route("/participation/meetings", post(html::call_meeting))
        .route("/participation/meetings/{id}", get(html::meeting))
        .route(
            "/participation/meetings/{id}/checkin",
            get(html::checkin_page).post(html::check_in),
        )
        .route(
            "/participation/meetings/{id}/present",
            post(html::mark_present),
        )
        .route("/participation/meetings/{id}/minutes", post(html::minutes))
        .route(
            "/participation/meetings/{id}/decisions",
            post(html::add_decision),
        )
        .route(
            "/participation/decisions/{id}/done",
            post(html::decision_done),
        )
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::list, api::raise))
        .routes(routes!(api::support))
        .routes(routes!(api::act))
        .routes(routes!(api::rates))
        .routes(routes!(api::check_in))
}
