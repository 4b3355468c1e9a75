//! 知情同意 (PIPL arts. 13–17, 28–31): the privacy policy's purposes, consent records per
//! purpose and policy version (append-only), separate consent for sensitive data, guardians
//! for children under 14, one-call withdrawal. Every optional processing asks
//! [`service::require`] inside its own transaction.

pub mod api;
pub mod html;
pub mod service;
mod store;

use axum::Router;
use axum::routing::{get, post};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The policy compiled into the binary.
pub const DEFAULT_POLICY: &str = include_str!("../../privacy/policy.toml");

/// The policy in force: the install's (already checked by the command line) or the
/// compiled-in one, which a unit test checks.
pub fn policy(text: Option<&str>) -> gongzhi_core::consent::Policy {
    text.and_then(|t| gongzhi_core::consent::Policy::parse(t).ok())
        .unwrap_or_else(|| {
            gongzhi_core::consent::Policy::parse(DEFAULT_POLICY)
                .unwrap_or_else(|e| panic!("the compiled-in privacy policy: {e}"))
        })
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/privacy", get(html::page))
        .route("/account/privacy/grant", post(html::grant))
        .route("/account/privacy/withdraw", post(html::withdraw))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::state, api::grant))
        .routes(routes!(api::grant_separate))
        .routes(routes!(api::withdraw))
        .routes(routes!(api::add_guardian))
        .routes(routes!(api::contacts))
        .routes(routes!(api::care))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_compiled_in_policy_parses() {
        let p = gongzhi_core::consent::Policy::parse(super::DEFAULT_POLICY).unwrap();
        assert!(p.purpose("care_needs").is_some_and(|c| c.sensitive));
        assert!(p.purpose("case_handling").is_some());
    }
}
