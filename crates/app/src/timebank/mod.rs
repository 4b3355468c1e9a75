//! 时间银行: a time bank in whole minutes, double entry (every transfer is two movements
//! summing to zero, the community's bank account included); services recorded by verified
//! volunteers and credited once on confirmation by the recipient, their guardian or staff.

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new().route("/timebank", axum::routing::get(html::index))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::account))
        .routes(routes!(api::record))
        .routes(routes!(api::show))
        .routes(routes!(api::confirm))
        .routes(routes!(api::verify))
}
