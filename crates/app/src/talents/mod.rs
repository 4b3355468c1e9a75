//! 能人库: the community's own talent — retired teachers, doctors, lawyers (mediation's
//! lawyers among them) listed under their own consent, with certificates staff verify,
//! volunteer teams, and consultation slots residents book (a lawyer's monthly 法律咨询).

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    axum::Router::new().route("/talents", axum::routing::get(html::index))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::overview))
        .routes(routes!(api::put_own, api::unlist_own))
        .routes(routes!(api::verify))
        .routes(routes!(api::open_slot))
        .routes(routes!(api::slot))
        .routes(routes!(api::book))
        .routes(routes!(api::cancel))
        .routes(routes!(api::outcome))
        .routes(routes!(api::add_team))
        .routes(routes!(api::team))
        .routes(routes!(api::join))
}
