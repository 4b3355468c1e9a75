//! 微更新 and 参与式设计: residents' projects from an idea to a space in use — co-design,
//! the feasibility review, rounds of selection by approval voting (greedy or the Method of
//! Equal Shares, published as pabulib files on the ledger), funding from a subsidy,
//! crowdfunding pledges and the residents' share (every yuan in the 微更新基金 book),
//! milestones, acceptance with the final account, adoption, and the space's use before and
//! after, counted from rows.

pub mod api;
pub mod demo;
pub mod html;
pub mod service;
mod store;

pub fn routes() -> axum::Router<crate::state::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/renewal", get(html::index))
        .route("/renewal/new", get(html::new))
        .route("/renewal/projects/{id}", get(html::project))
        .route("/renewal/rounds/{id}", get(html::round))
        .route("/renewal/photos/{id}", get(html::photo))
}

pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api::list, api::propose))
        .routes(routes!(api::show))
        .routes(routes!(api::post))
        .routes(routes!(api::pick))
        .routes(routes!(api::act))
        .routes(routes!(api::pledge))
        .routes(routes!(api::adopt))
        .routes(routes!(api::record_use))
        .routes(routes!(api::rounds, api::create_round))
        .routes(routes!(api::import_round))
        .routes(routes!(api::round))
        .routes(routes!(api::ballot))
        .routes(routes!(api::close))
        .routes(routes!(api::export_pb))
}
