//! The privacy page: what is processed for what, and the person's choices, each granted or
//! withdrawn with one button.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongzhi_core::consent::Kind;
use serde::Deserialize;

use super::service::{self, ConsentState};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Template)]
#[template(path = "consent/templates/privacy.html")]
struct PrivacyPage {
    layout: Layout,
    state: ConsentState,
}

pub async fn page(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Response> {
    let state = service::state(&st, &user, None).await?;
    let page = PrivacyPage {
        layout: Layout::new(&st, &ctx, "consent.title", ""),
        state,
    };
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Deserialize)]
pub struct PurposeForm {
    purpose: String,
    /// The separate consent's own tick box (sensitive purposes).
    #[serde(default)]
    separate: Option<String>,
}

pub async fn grant(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<PurposeForm>,
) -> AppResult<Response> {
    let sensitive = st
        .policy
        .purpose(&f.purpose)
        .is_some_and(|p| p.kind == Kind::Separate);
    if sensitive && f.separate.as_deref() != Some("yes") {
        return Err(AppError::Invalid {
            code: "SEPARATE_CONSENT_REQUIRED",
            field: Some("separate"),
        });
    }
    let kind = if sensitive {
        Kind::Separate
    } else {
        Kind::General
    };
    service::grant(
        &st,
        &user,
        std::slice::from_ref(&f.purpose),
        kind,
        None,
        "web",
    )
    .await?;
    Ok(Redirect::to("/account/privacy").into_response())
}

pub async fn withdraw(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<PurposeForm>,
) -> AppResult<Response> {
    service::withdraw(&st, &user, &f.purpose, None, "web").await?;
    Ok(Redirect::to("/account/privacy").into_response())
}
