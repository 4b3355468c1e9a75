//! 系统管理: administrators manage users (roles and data scopes), organisation units and
//! handling units. Every change is audited; disabling a user ends their sessions.

pub mod html;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(html::users).post(html::create_user))
        .route("/admin/users/{id}", post(html::update_user))
        .route("/admin/org", get(html::org).post(html::create_unit))
        .route("/admin/org/{id}/rename", post(html::rename_unit))
        .route(
            "/admin/units",
            get(html::units).post(html::create_handling_unit),
        )
}
