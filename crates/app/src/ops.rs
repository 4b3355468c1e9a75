//! Operations endpoints: liveness, readiness (checks the database), the 404 fallback, and
//! the small API route that reports the version.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::state::AppState;

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(version))
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(st): State<AppState>) -> Response {
    match st.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Version {
    pub name: &'static str,
    pub version: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
}

/// Server name, version and database kind.
#[utoipa::path(get, path = "/api/v1/version", tag = "ops", responses((status = 200, body = Version)))]
pub async fn version(State(st): State<AppState>) -> Json<Version> {
    Json(Version {
        name: "gongzhi",
        version: env!("CARGO_PKG_VERSION"),
        database: if st.db.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        },
    })
}
