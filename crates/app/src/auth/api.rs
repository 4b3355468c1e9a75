//! JSON API of identity: login (token and cookie), logout, the current user.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::{Deserialize, Serialize};

use super::html::cookie;
use super::service::{self, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::context::SESSION_COOKIE;
use crate::web::{AuthUser, Ctx};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The second factor, for accounts that enrolled one: a 6-digit TOTP code or an unused
    /// recovery code (`xxxxx-xxxxx`).
    #[serde(default)]
    pub otp: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScopeView {
    /// district, street, community, grid, building, unit, resident or none.
    pub kind: String,
    pub id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Stable role code, e.g. `community_staff`.
    pub role: String,
    pub role_name: String,
    pub scope: ScopeView,
    pub resident_id: Option<i64>,
    pub lang: String,
    pub elder_mode: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …` (also set as the session cookie).
    pub token: String,
    pub user: UserView,
}

pub fn user_view(st: &AppState, u: &CurrentUser) -> UserView {
    UserView {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.code().into(),
        role_name: match u.lang {
            crate::i18n::Lang::Zh => u.role.name_zh().into(),
            crate::i18n::Lang::En => u.role.name_en().into(),
        },
        scope: ScopeView {
            kind: u.scope.kind().into(),
            id: u.scope.id(),
            name: crate::web::layout::scope_label(st, u.scope, u.lang),
        },
        resident_id: u.resident_id,
        lang: u.lang.code().into(),
        elder_mode: u.elder_mode,
    }
}

/// Logs in with a username and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "Wrong password, unknown name, disabled account or throttled attempt: the same AUTH_BAD_CREDENTIALS for all (5 failures of one name from one address wait 15 minutes). After a right password: AUTH_OTP_REQUIRED (send `otp`) or AUTH_OTP_INVALID (wrong or already used code)")))]
pub async fn login(
    State(st): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Json(req): Json<LoginRequest>,
) -> AppResult<Response> {
    if req.username.len() > 64
        || req.password.len() > 256
        || req.otp.as_ref().is_some_and(|o| o.len() > 32)
    {
        return Err(AppError::BadCredentials);
    }
    let done = service::login(
        &st,
        &req.username,
        &req.password,
        req.otp.as_deref(),
        ctx.ip.clone(),
    )
    .await?;
    let jar = jar.add(cookie(
        &st,
        SESSION_COOKIE,
        done.token.clone(),
        Some(st.config.session_absolute_ms / 1000),
    ));
    let body = LoginResponse {
        user: user_view(&st, &done.user),
        token: done.token,
    };
    Ok((jar, Json(body)).into_response())
}

/// Ends the current session on the server.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = 401)), security(("bearer" = [])))]
pub async fn logout(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    jar: CookieJar,
) -> AppResult<Response> {
    service::logout(&st, &user).await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((axum::http::StatusCode::NO_CONTENT, jar).into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401)), security(("bearer" = [])))]
pub async fn me(State(st): State<AppState>, AuthUser(user, _): AuthUser) -> Json<UserView> {
    Json(user_view(&st, &user))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordRequest {
    pub current: String,
    /// 8–128 characters, not a common or guessable password.
    pub new: String,
}

/// Changes the caller's password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordRequest,
    responses((status = 204), (status = 401), (status = 422, description = "PASSWORD_CURRENT_WRONG, PASSWORD_TOO_SHORT, PASSWORD_TOO_COMMON, PASSWORD_SAME")),
    security(("bearer" = [])))]
pub async fn change_password(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<PasswordRequest>,
) -> AppResult<axum::http::StatusCode> {
    service::change_password(&st, &user, &req.current, &req.new).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotpStatus {
    pub enabled: bool,
    pub recovery_codes_left: i64,
}

/// Whether the caller signs in with a second factor.
#[utoipa::path(get, path = "/api/v1/me/totp", tag = "auth",
    responses((status = 200, body = TotpStatus), (status = 401)), security(("bearer" = [])))]
pub async fn totp_status(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<TotpStatus>> {
    let (enabled, recovery_codes_left) = service::totp::status(&st, &user).await?;
    Ok(Json(TotpStatus {
        enabled,
        recovery_codes_left,
    }))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotpEnrolment {
    /// The secret in base32, to type into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://totp/…` link (what the QR code holds).
    pub otpauth_uri: String,
}

/// Starts enrolling a second factor (TOTP, RFC 6238): a new secret, on once a code from it
/// is confirmed.
#[utoipa::path(post, path = "/api/v1/me/totp", tag = "auth",
    responses((status = 200, body = TotpEnrolment), (status = 401), (status = 409, description = "TOTP_ALREADY_ON")),
    security(("bearer" = [])))]
pub async fn totp_begin(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<TotpEnrolment>> {
    let e = service::totp::begin(&st, &user).await?;
    Ok(Json(TotpEnrolment {
        secret: e.secret,
        otpauth_uri: e.uri,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TotpConfirm {
    /// The 6-digit code the app shows now.
    pub code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Ten one-time codes for signing in without the phone; shown only this once.
    pub recovery_codes: Vec<String>,
}

/// Confirms the enrolment with a code from the app; returns the recovery codes (once).
#[utoipa::path(post, path = "/api/v1/me/totp/confirm", tag = "auth", request_body = TotpConfirm,
    responses((status = 200, body = RecoveryCodes), (status = 401),
        (status = 409, description = "TOTP_ALREADY_ON, TOTP_NOT_STARTED"), (status = 422, description = "TOTP_CODE_WRONG")),
    security(("bearer" = [])))]
pub async fn totp_confirm(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<TotpConfirm>,
) -> AppResult<Json<RecoveryCodes>> {
    let recovery_codes = service::totp::confirm(&st, &user, &req.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}
