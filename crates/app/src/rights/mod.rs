//! Individuals' rights under PIPL (arts. 44–50): today the export of everything the
//! platform holds about the caller; correction, cancellation and rights requests with due
//! dates come next (docs/SECURITY.md). The export asks each domain's service for the
//! caller's own records — the one way in — and audits itself.

pub mod api;
pub mod service;

/// The rights API.
pub fn api() -> utoipa_axum::router::OpenApiRouter<crate::state::AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(api::export))
        .routes(utoipa_axum::routes!(api::correct))
}
