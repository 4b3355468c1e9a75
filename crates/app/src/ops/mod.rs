//! Operations endpoints: liveness, readiness (checks the database), the 404 fallback, the
//! small API route that reports the version, and the intake benchmark's bare baseline.

pub mod backup;
mod store;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
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

/// Creates the benchmark baseline's table (`serve --bench-endpoints` only).
pub async fn prepare_bench(st: &AppState) -> anyhow::Result<()> {
    let mut tx = st.db.begin().await?;
    store::create(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// The benchmark baseline: a signed-in user, one row inserted, committed. Only with
/// `--bench-endpoints`; otherwise 404 like any unknown path.
async fn baseline(st: &AppState, _user: &CurrentUser, body: &str) -> AppResult<()> {
    if !st.config.bench {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.begin().await?;
    store::insert(&mut tx, body, st.now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// `POST /api/v1/bench/baseline`: authenticate, insert one row, commit.
pub async fn bench_baseline(
    State(st): State<AppState>,
    crate::web::AuthUser(user, _): crate::web::AuthUser,
    body: axum::body::Bytes,
) -> AppResult<StatusCode> {
    baseline(&st, &user, &String::from_utf8_lossy(&body)).await?;
    Ok(StatusCode::CREATED)
}
