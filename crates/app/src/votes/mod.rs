//! 业主共同决定: owners' votes under Civil Code art. 278 — the owners' register (专有部分),
//! votes with their register frozen at opening, one ballot per owner across every channel,
//! the live tally by area and heads, and public pseudonymous files anyone can recount.

pub mod api;
pub mod cache;
pub mod demo;
pub mod html;
pub mod register;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/votes", get(html::list))
        .route("/votes/{id}", get(html::show))
        .route("/votes/{id}/ballot", post(html::cast))
        .route("/votes/{id}/close", post(html::close))
        .route("/votes/new", get(html::new_page).post(html::open))
        .route("/votes/register", get(html::register_page))
        .route("/votes/register/units/{id}", post(html::edit_unit))
        .route("/votes/rules/{community}", post(html::set_rules))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::list, api::open))
        .routes(routes!(api::register))
        .routes(routes!(api::import_register))
        .routes(routes!(api::edit_unit))
        .routes(routes!(api::rules, api::set_rules))
        .routes(routes!(api::cast))
        .routes(routes!(api::close))
        .routes(routes!(api::tally))
        .routes(routes!(api::register_csv))
        .routes(routes!(api::ballots_csv))
}
