//! Individuals' rights under PIPL (arts. 44–50): the export of everything the platform
//! holds about the caller, correction, cancellation that erases and survives a restore
//! (the tombstone journal), and rights requests with a 30-day due date. Each asks the
//! domains' services — the one way in — and audits itself.

pub mod api;
pub mod service;
mod store;
pub mod tombstones;

/// The rights API.
pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(api::export))
        .routes(utoipa_axum::routes!(api::correct))
        .routes(utoipa_axum::routes!(api::cancel))
        .routes(utoipa_axum::routes!(api::file_request, api::own_requests))
        .routes(utoipa_axum::routes!(api::staff_requests))
        .routes(utoipa_axum::routes!(api::act_on_request))
}
