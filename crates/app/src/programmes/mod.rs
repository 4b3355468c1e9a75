//! The community's programmes: 社区食堂 (meals with price tiers by age and 低保 support,
//! each order's split between government, company and resident kept and a month's totals
//! on the ledger) and 四点半课堂 (sessions with a teacher and a social worker, children
//! enrolled under a guardian's consent, attendance, outcomes with their change computed).

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/canteen", get(html::canteen))
        .route("/afterschool", get(html::classes))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::canteen))
        .routes(routes!(api::put_tiers))
        .routes(routes!(api::add_meal))
        .routes(routes!(api::meal))
        .routes(routes!(api::order))
        .routes(routes!(api::month))
        .routes(routes!(api::publish_month))
        .routes(routes!(api::classes))
        .routes(routes!(api::add_session))
        .routes(routes!(api::attendance))
        .routes(routes!(api::enrol))
        .routes(routes!(api::enrolment))
        .routes(routes!(api::outcome))
        .routes(routes!(api::report))
}
