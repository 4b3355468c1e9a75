//! 社区合伙人 and 五社联动: partners (companies, social organisations, shops, foundations)
//! with what they offer, agreements published on the ledger and a record of contributions;
//! charity campaigns with a target, donations and help given in the community's charity
//! book (every movement on the ledger), beneficiaries masked, coverage counted from rows.

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/partners", get(html::index))
        .route("/partners/campaigns/{id}", get(html::campaign))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::overview, api::add_partner))
        .routes(routes!(api::partner))
        .routes(routes!(api::add_agreement))
        .routes(routes!(api::contribute))
        .routes(routes!(api::add_campaign))
        .routes(routes!(api::campaign))
        .routes(routes!(api::donate))
        .routes(routes!(api::add_beneficiary))
        .routes(routes!(api::give))
}
