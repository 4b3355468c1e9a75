//! gongzhi (共治): the community governance platform — web app, JSON API and command line.
//!
//! Each domain is a folder owning its routes, handlers, service and SQL (see
//! docs/ARCHITECTURE.md). This file assembles them into one router.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod cases;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consent;
pub mod db;
pub mod demo;
pub mod devices;
pub mod error;
pub mod funds;
pub mod i18n;
pub mod idempotency;
pub mod ledger;
pub mod mediation;
pub mod notify;
pub mod open311;
pub mod ops;
pub mod org;
pub mod participation;
pub mod partners;
pub mod programmes;
pub mod renewal;
pub mod residents;
pub mod retention;
pub mod rights;
pub mod routing;
pub mod state;
pub mod talents;
pub mod taxonomy;
pub mod timebank;
pub mod twin;
pub mod votes;
pub mod web;

use axum::Router;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "gongzhi API", description = "共治 · 社区治理平台: JSON API. Errors: {\"errors\":[{\"code\",\"detail\"}]}."),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "org"), (name = "residents"), (name = "routing"), (name = "cases"), (name = "orders"), (name = "insight"), (name = "devices"), (name = "mediation"), (name = "ledger"), (name = "funds"), (name = "twin"), (name = "ops"), (name = "consent"), (name = "votes"))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The JSON API with its OpenAPI document (built together, so every route is documented).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::api())
        .merge(org::api())
        .merge(residents::api())
        .merge(routing::api())
        .merge(cases::api())
        .merge(mediation::api())
        .merge(ledger::api())
        .merge(funds::api())
        .merge(votes::api())
        .merge(participation::api())
        .merge(renewal::api())
        .merge(timebank::api())
        .merge(partners::api())
        .merge(talents::api())
        .merge(programmes::api())
        .merge(twin::api())
        .merge(devices::api())
        .merge(notify::api())
        .merge(ops::api())
        .merge(rights::api())
        .merge(consent::api())
        .split_for_parts();
    web::errors::document_refusals(&mut doc);
    (router, doc)
}

/// The whole application.
pub fn router(st: AppState) -> Router {
    let (api, mut doc) = api();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let doc_json = std::sync::Arc::new(doc.to_pretty_json().unwrap_or_default());
    Router::new()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc_json.clone();
                async move { ([("content-type", "application/json")], (*doc).clone()) }
            }),
        )
        .merge(auth::routes())
        .merge(org::routes())
        .merge(residents::routes())
        .merge(cases::routes())
        .merge(routing::routes())
        .merge(mediation::routes())
        .merge(ledger::routes())
        .merge(funds::routes())
        .merge(votes::routes())
        .merge(participation::routes())
        .merge(renewal::routes())
        .merge(timebank::routes())
        .merge(partners::routes())
        .merge(talents::routes())
        .merge(programmes::routes())
        .merge(twin::routes())
        .merge(devices::routes())
        .merge(notify::routes())
        .merge(open311::routes())
        .merge(admin::routes())
        .merge(audit::routes())
        .merge(consent::routes())
        .route("/assets/{*path}", get(web::assets::serve))
        .route("/healthz", get(ops::healthz))
        .route(
            "/api/v1/bench/baseline",
            axum::routing::post(ops::bench_baseline),
        )
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(web::metrics::render))
        .fallback(ops::not_found)
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            web::context::resolve,
        ))
        .layer(axum::middleware::from_fn(web::input::refuse_control_chars))
        .layer(axum::middleware::from_fn(web::errors::render))
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            web::headers::secure,
        ))
        .layer(axum::middleware::from_fn(web::metrics::track))
        // The request span names the method and path only: a query string can carry a
        // phone number (staff search residents by phone), which must never reach a log.
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::http::Request<axum::body::Body>| {
                    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
                },
            ),
        )
        .layer(tower_http::limit::RequestBodyLimitLayer::new(8 << 20))
        .layer(axum::middleware::from_fn(web::detach::run_to_completion))
        .layer(CatchPanicLayer::new())
        .with_state(st)
}
