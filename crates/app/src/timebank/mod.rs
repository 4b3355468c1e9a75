//! 时间银行: a time bank in whole minutes, double entry (every transfer is two movements
//! summing to zero, the community's bank account included); services recorded by verified
//! volunteers and credited once on confirmation by the recipient, their guardian or staff.

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/timebank", get(html::index))
        .route("/timebank/requests/{id}", get(html::request))
        .route("/timebank/months", get(html::month))
        .route("/timebank/certificates/{code}", get(html::certificate))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::account))
        .routes(routes!(api::record))
        .routes(routes!(api::show))
        .routes(routes!(api::confirm))
        .routes(routes!(api::verify))
        .routes(routes!(api::offer, api::set_offer))
        .routes(routes!(api::requests, api::create_request))
        .routes(routes!(api::request))
        .routes(routes!(api::take))
        .routes(routes!(api::cancel))
        .routes(routes!(api::checkin))
        .routes(routes!(api::checkout))
        .routes(routes!(api::run_match))
        .routes(routes!(api::health_note, api::set_health_note))
        .routes(routes!(api::items, api::add_item))
        .routes(routes!(api::redeem))
        .routes(routes!(api::gift))
        .routes(routes!(api::issue_certificate))
        .routes(routes!(api::certificate))
        .routes(routes!(api::month))
        .routes(routes!(api::publish_month))
}
