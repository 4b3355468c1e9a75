//! Notifications: every message goes to the in-app inbox, and — for users with a contact
//! and a configured channel — into the outbox for SMS/app push (an HTTP webhook of the
//! city's gateway) and e-mail (SMTP). The outbox row is written in the same transaction as
//! the change that caused it, and a delivery job retries it until it is delivered: a crash
//! or an unreachable gateway delays a message, never loses it.
//!
//! `service` is the way in for every other domain; `deliver` is the outbox job.

pub mod api;
pub mod deliver;
pub mod html;
pub mod service;
mod store;

pub use service::{Recipient, send, send_to, send_to_deferred, set_contacts};

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/inbox", get(html::inbox))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::inbox))
        .routes(routes!(api::inbox_read))
}
