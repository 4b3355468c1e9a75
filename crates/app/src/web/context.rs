//! Request context: resolves the session (bearer token or cookie), the language and the
//! elderly-mode choice once per request, enforces CSRF on state-changing requests, and
//! audits refused access. Handlers take [`Ctx`] or [`AuthUser`].

use std::net::SocketAddr;

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;

use crate::audit::{self, Actor, Event};
use crate::auth::service::{self as auth, CurrentUser};
use crate::error::{AppError, ErrorInfo};
use crate::i18n::Lang;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "gz_session";
pub const CSRF_COOKIE: &str = "gz_csrf";
pub const LANG_COOKIE: &str = "gz_lang";
pub const ELDER_COOKIE: &str = "gz_elder";
pub const CSRF_HEADER: &str = "x-csrf-token";
const MAX_FORM: usize = 1 << 20;

/// Everything a handler needs to know about who is asking and how to answer.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub user: Option<CurrentUser>,
    pub ip: Option<String>,
    pub lang: Lang,
    pub elder: bool,
    /// The double-submit token for anonymous forms (login), from the `gz_csrf` cookie.
    pub anon_csrf: Option<String>,
}

impl Ctx {
    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(u) => u.actor(),
            None => Actor {
                id: None,
                name: "anonymous".into(),
                ip: self.ip.clone(),
            },
        }
    }

    /// The CSRF token to put in forms.
    pub fn csrf(&self) -> String {
        match &self.user {
            Some(u) => u.csrf.clone(),
            None => self.anon_csrf.clone().unwrap_or_default(),
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context middleware missing")))
    }
}

/// A signed-in user, or 401.
#[derive(Debug, Clone)]
pub struct AuthUser(pub CurrentUser, pub Ctx);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, AppError> {
        let ctx = Ctx::from_request_parts(parts, st).await?;
        match ctx.user.clone() {
            Some(u) => Ok(AuthUser(u, ctx)),
            None => Err(AppError::Unauthenticated),
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let t = v
        .strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))?;
    Some(t.trim().to_string())
}

/// The client's address: the peer, or — when the peer is a trusted reverse proxy — the
/// last address the proxy added to X-Forwarded-For (earlier ones are the client's word).
fn client_ip(req: &Request, trusted: &[std::net::IpAddr]) -> Option<String> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if trusted.contains(&peer)
        && let Some(forwarded) = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
            .next_back()
    {
        return Some(forwarded.to_string());
    }
    Some(peer.to_string())
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Reads `_csrf` from an urlencoded body, handing the body back for the handler.
async fn form_token(req: Request) -> Result<(Option<String>, Request), AppError> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_FORM)
        .await
        .map_err(|_| AppError::invalid("BODY_TOO_LARGE"))?;
    let token = form_urlencoded_get(&bytes, "_csrf");
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

fn form_urlencoded_get(body: &[u8], key: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// What a read-only role (the auditor) may still post: their own session, preferences,
/// password and notifications.
const READ_ONLY_MAY_POST: &[&str] = &[
    "/logout",
    "/api/v1/auth/logout",
    "/prefs",
    "/api/v1/notifications/read",
    "/account/password",
    "/api/v1/me/password",
    "/account/totp",
    "/account/totp/confirm",
    "/api/v1/me/totp",
    "/api/v1/me/totp/confirm",
];

/// The middleware: resolve context, enforce CSRF, audit refusals.
pub async fn resolve(State(st): State<AppState>, req: Request, next: Next) -> Response {
    match resolve_inner(st, req, next).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn resolve_inner(st: AppState, mut req: Request, next: Next) -> Result<Response, AppError> {
    let jar = CookieJar::from_headers(req.headers());
    let ip = client_ip(&req, &st.config.trusted_proxies);
    // Device tokens are checked by the device endpoint itself, not as user sessions.
    // Nor is the metrics token (checked by /metrics).
    let bearer_token = bearer(req.headers())
        .filter(|t| !t.starts_with(crate::devices::service::TOKEN_PREFIX))
        .filter(|_| req.uri().path() != "/metrics");
    let cookie_token = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    let via_cookie = bearer_token.is_none() && cookie_token.is_some();
    let user = match bearer_token.as_deref().or(cookie_token.as_deref()) {
        Some(t) if !t.is_empty() => auth::authenticate(&st, t, ip.clone()).await?,
        _ => None,
    };
    if bearer_token.is_some() && user.is_none() {
        return Err(AppError::Unauthenticated);
    }
    let lang = match &user {
        Some(u) => u.lang,
        None => jar
            .get(LANG_COOKIE)
            .map(|c| Lang::parse(c.value()))
            .or_else(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map(Lang::from_accept)
            })
            .unwrap_or_default(),
    };
    let elder = match &user {
        Some(u) => u.elder_mode,
        None => jar.get(ELDER_COOKIE).is_some_and(|c| c.value() == "1"),
    };
    let anon_csrf = jar.get(CSRF_COOKIE).map(|c| c.value().to_string());
    let ctx = Ctx {
        user: user.clone(),
        ip: ip.clone(),
        lang,
        elder,
        anon_csrf: anon_csrf.clone(),
    };

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Open311 authenticates each POST by its api_key and carries no cookie credentials.
    let key_api = req.uri().path().starts_with("/open311/");
    if unsafe_method && bearer_token.is_none() && !key_api {
        let expected = match (&user, via_cookie) {
            (Some(u), true) => Some(u.csrf.clone()),
            // No session: JSON cannot be posted cross-site without CORS, forms can.
            _ if is_json(req.headers()) => None,
            _ => Some(anon_csrf.clone().unwrap_or_default()),
        };
        if let Some(expected) = expected {
            let header_token = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let given = match header_token {
                Some(t) => Some(t),
                None if is_form(req.headers()) => {
                    let (t, r) = form_token(req).await?;
                    req = r;
                    t
                }
                None => None,
            };
            let ok = !expected.is_empty()
                && given
                    .as_deref()
                    .is_some_and(|g| constant_time_eq(g, &expected));
            if !ok {
                let path = req.uri().path().to_string();
                // Anonymous refusals are audited once a minute per address, with a count,
                // so a flood of forged posts cannot flood the trail.
                let quiet = match &ctx.user {
                    Some(_) => Some(1),
                    None => st.audit_quietly(&format!("csrf:{}", ip.as_deref().unwrap_or(""))),
                };
                if let Some(n) = quiet {
                    audit::record_alone(
                        &st.db,
                        st.now_ms(),
                        &ctx.actor(),
                        Event::ok("access.denied", "route", path)
                            .result("denied")
                            .with(serde_json::json!({"reason": "csrf", "attempts": n})),
                    )
                    .await?;
                }
                return Err(AppError::Forbidden("CSRF_INVALID"));
            }
        }
    }
    // An expired staff password: nothing but changing it (and leaving).
    if let Some(u) = &user
        && u.password_expired
    {
        let path = req.uri().path();
        let allowed = READ_ONLY_MAY_POST.contains(&path)
            || path.starts_with("/assets/")
            || path == "/account/password"
            || path == "/api/v1/me";
        if !allowed {
            if path.starts_with("/api/") {
                return Err(AppError::Forbidden("PASSWORD_EXPIRED"));
            }
            return Ok(axum::response::Redirect::to("/account/password?expired=1").into_response());
        }
    }
    // A role that must sign in with two factors and has not enrolled one: nothing but
    // enrolling (the step-up challenge), and leaving.
    if let Some(u) = &user
        && u.second_factor_missing
    {
        let path = req.uri().path();
        let allowed = READ_ONLY_MAY_POST.contains(&path)
            || path.starts_with("/assets/")
            || path.starts_with("/account/totp")
            || path.starts_with("/api/v1/me/totp")
            || path == "/api/v1/me";
        if !allowed {
            if path.starts_with("/api/") {
                return Err(AppError::Forbidden("TOTP_REQUIRED"));
            }
            return Ok(axum::response::Redirect::to("/account/totp?required=1").into_response());
        }
    }
    if unsafe_method
        && let Some(u) = &user
        && u.role.is_read_only()
        && !READ_ONLY_MAY_POST.contains(&req.uri().path())
    {
        let path = req.uri().path().to_string();
        audit::record_alone(
            &st.db,
            st.now_ms(),
            &ctx.actor(),
            Event::ok("access.denied", "route", path)
                .result("denied")
                .with(serde_json::json!({"reason": "read_only_role"})),
        )
        .await?;
        return Err(AppError::Forbidden("READ_ONLY_ROLE"));
    }

    let path = req.uri().path().to_string();
    req.extensions_mut().insert(ctx.clone());
    let mut resp = crate::i18n::scoped(lang, next.run(req)).await;
    resp.extensions_mut().insert(lang);
    if let Some(info) = resp.extensions().get::<ErrorInfo>().cloned() {
        let denied = info.denied.clone();
        if denied.is_some() || resp.status() == axum::http::StatusCode::FORBIDDEN {
            let (otype, oid) = denied.unwrap_or(("route", path));
            audit::record_alone(
                &st.db,
                st.now_ms(),
                &ctx.actor(),
                Event {
                    action: "access.denied",
                    object_type: otype,
                    object_id: Some(oid),
                    result: "denied",
                    detail: serde_json::json!({"code": info.code}),
                },
            )
            .await?;
        }
    }
    Ok(resp)
}
