//! 系统管理: the administrator's pages for users (roles and data scopes), organisation units
//! and handling units. The rules live in the owning domains' services (`auth` for accounts,
//! `org` for units), which refuse anyone but an administrator; every change is audited and
//! disabling a user ends their sessions.

pub mod html;

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
