//! The audit trail: every state change, login, failed login and refused access is recorded
//! (who, what, object, when, from where, result) in the same transaction as the change. A
//! single sealer then links the committed records into a hash chain (within a second, and
//! before anything reads the trail). The table is append-only (database triggers refuse
//! UPDATE and DELETE), so `gongzhi audit verify` names the first record that was altered or
//! removed.

pub mod html;
pub mod service;
mod store;

pub use service::{Actor, Event, export_own, record, record_alone, record_later, seal, verify};

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(html::list))
}
