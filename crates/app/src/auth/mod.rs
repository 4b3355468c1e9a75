//! 身份与访问: password login (Argon2id), server-side sessions as HttpOnly cookies for the
//! web and bearer tokens for the API, lockout after repeated failures, logout, preferences.

pub mod api;
pub mod html;
pub mod password;
pub mod service;
mod store;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(html::login_form).post(html::login))
        .route("/logout", post(html::logout))
        .route("/prefs", post(html::prefs))
        .route(
            "/account/password",
            get(html::password_form).post(html::change_password),
        )
        .route("/account/totp", get(html::totp_page).post(html::totp_begin))
        .route("/account/totp/confirm", post(html::totp_confirm))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::login))
        .routes(routes!(api::logout))
        .routes(routes!(api::me))
        .routes(routes!(api::change_password))
        .routes(routes!(api::totp_status, api::totp_begin))
        .routes(routes!(api::totp_confirm))
}
