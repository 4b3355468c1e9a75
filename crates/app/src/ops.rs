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

const BASELINE: &str = "insert into bench_rows (body, created_at) values ($1, $2)";

/// The benchmark baseline: authenticate, insert one row, commit. Only with
/// `--bench-endpoints`; otherwise 404 like any unknown path.
pub async fn bench_baseline(
    axum::extract::State(st): axum::extract::State<AppState>,
    crate::web::AuthUser(_user, _): crate::web::AuthUser,
    body: axum::body::Bytes,
) -> crate::error::AppResult<axum::http::StatusCode> {
    if !st.config.bench {
        return Err(crate::error::AppError::NotFound);
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let mut tx = st.db.begin().await?;
    crate::on_tx!(&mut tx, |c| sqlx::query(BASELINE)
        .bind(&body)
        .bind(st.now_ms())
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    tx.commit().await?;
    Ok(axum::http::StatusCode::CREATED)
}
