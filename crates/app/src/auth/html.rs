//! Login, logout and preference pages.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

use super::service;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::Ctx;
use crate::web::context::{CSRF_COOKIE, ELDER_COOKIE, LANG_COOKIE, SESSION_COOKIE};

/// A cookie with our defaults: HttpOnly, SameSite=Lax, path /.
pub fn cookie(
    st: &AppState,
    name: &'static str,
    value: String,
    max_age_s: Option<i64>,
) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(st.config.secure_cookies);
    if let Some(s) = max_age_s {
        c.set_max_age(Some(time_duration(s)));
    }
    c
}

fn time_duration(s: i64) -> time::Duration {
    time::Duration::seconds(s)
}

#[derive(Template)]
#[template(path = "auth/templates/login.html")]
struct LoginPage {
    lang: Lang,
    elder: bool,
    csrf: String,
    next: String,
    username: String,
    error: Option<&'static str>,
    demo: bool,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site are followed after login (no open redirect): a single `/`
/// then no second `/` or `\\`, and no whitespace or control character anywhere (browsers
/// drop tabs and newlines from URLs, so `/\t/evil.example` would become `//evil.example`;
/// a CR or LF cannot go into a header).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n[1..].starts_with(['/', '\\'])
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace())
                && n.len() <= 2048 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn render_login(
    st: &AppState,
    ctx: &Ctx,
    jar: CookieJar,
    next: String,
    username: String,
    error: Option<&'static str>,
    status: axum::http::StatusCode,
) -> Response {
    let (jar, csrf) = match ctx.anon_csrf.clone() {
        Some(t) if !t.is_empty() => (jar, t),
        _ => {
            let t = service::new_csrf();
            (jar.add(cookie(st, CSRF_COOKIE, t.clone(), None)), t)
        }
    };
    let page = LoginPage {
        lang: ctx.lang,
        elder: ctx.elder,
        csrf,
        next,
        username,
        error,
        demo: st.is_demo(),
    };
    match page.render() {
        Ok(html) => (status, jar, Html(html)).into_response(),
        Err(e) => AppError::Internal(e.into()).into_response(),
    }
}

pub async fn login_form(
    State(st): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Response {
    if ctx.user.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    render_login(
        &st,
        &ctx,
        jar,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
        axum::http::StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    otp: Option<String>,
    next: Option<String>,
}

pub async fn login(
    State(st): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let otp = f
        .otp
        .as_deref()
        .filter(|o| !o.trim().is_empty() && o.len() <= 32);
    match service::login(&st, &f.username, &f.password, otp, ctx.ip.clone()).await {
        Ok(done) => {
            let max_age = st.config.session_absolute_ms / 1000;
            let jar = jar
                .add(cookie(&st, SESSION_COOKIE, done.token, Some(max_age)))
                .remove(Cookie::from(CSRF_COOKIE));
            (jar, Redirect::to(&next)).into_response()
        }
        Err(e @ (AppError::BadCredentials | AppError::Challenge(_))) => {
            let status = e.status();
            let code = e.code();
            render_login(
                &st,
                &ctx,
                jar,
                next,
                f.username,
                Some(ctx.lang.error(code)),
                status,
            )
        }
        Err(e) => e.into_response(),
    }
}

pub async fn logout(State(st): State<AppState>, ctx: Ctx, jar: CookieJar) -> AppResult<Response> {
    if let Some(u) = &ctx.user {
        service::logout(&st, u).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct PrefsForm {
    /// `elder` or `lang`: flip that preference.
    toggle: String,
}

/// Flips 适老模式 or the language; remembered on the account, or in a cookie before login.
pub async fn prefs(
    State(st): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    headers: axum::http::HeaderMap,
    Form(f): Form<PrefsForm>,
) -> AppResult<Response> {
    let (mut lang, mut elder) = (ctx.lang, ctx.elder);
    match f.toggle.as_str() {
        "elder" => elder = !elder,
        "lang" => lang = if lang == Lang::Zh { Lang::En } else { Lang::Zh },
        _ => return Err(AppError::invalid("PREF_UNKNOWN")),
    }
    if let Some(u) = &ctx.user {
        service::set_prefs(&st, u, lang, elder).await?;
    }
    let year = Some(365 * 86_400);
    let jar = jar
        .add(cookie(&st, LANG_COOKIE, lang.code().to_string(), year))
        .add(cookie(
            &st,
            ELDER_COOKIE,
            if elder { "1" } else { "0" }.to_string(),
            year,
        ));
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| {
            safe_next(Some(&format!(
                "{}{}",
                u.path(),
                u.query().map(|q| format!("?{q}")).unwrap_or_default()
            )))
        })
        .unwrap_or_else(|| "/".into());
    Ok((jar, Redirect::to(&back)).into_response())
}

#[derive(Template)]
#[template(path = "auth/templates/password.html")]
struct PasswordPage {
    layout: crate::web::Layout,
    expired: bool,
    done: bool,
    error: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct PasswordQuery {
    expired: Option<String>,
    done: Option<String>,
}

fn password_page(
    st: &AppState,
    ctx: &Ctx,
    expired: bool,
    done: bool,
    error: Option<&'static str>,
    status: axum::http::StatusCode,
) -> AppResult<Response> {
    let page = PasswordPage {
        layout: crate::web::Layout::new(st, ctx, "auth.change_password", ""),
        expired,
        done,
        error,
    };
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok((status, Html(html)).into_response())
}

/// The form to change one's password (also where an expired staff password leads).
pub async fn password_form(
    State(st): State<AppState>,
    crate::web::AuthUser(user, ctx): crate::web::AuthUser,
    Query(q): Query<PasswordQuery>,
) -> AppResult<Response> {
    password_page(
        &st,
        &ctx,
        q.expired.is_some() || user.password_expired,
        q.done.is_some(),
        None,
        axum::http::StatusCode::OK,
    )
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(
    State(st): State<AppState>,
    crate::web::AuthUser(user, ctx): crate::web::AuthUser,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let result = if f.new != f.confirm {
        Err(AppError::Invalid {
            code: "PASSWORD_MISMATCH",
            field: Some("confirm"),
        })
    } else {
        service::change_password(&st, &user, &f.current, &f.new).await
    };
    match result {
        Ok(()) => Ok(Redirect::to("/account/password?done=1").into_response()),
        Err(e @ AppError::Invalid { .. }) => password_page(
            &st,
            &ctx,
            user.password_expired,
            false,
            Some(ctx.lang.error(e.code())),
            e.status(),
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "auth/templates/totp.html")]
struct TotpPage {
    layout: crate::web::Layout,
    required: bool,
    enabled: bool,
    codes_left: i64,
    pending: Option<service::Enrolment>,
    qr_svg: String,
    recovery: Vec<String>,
    error: Option<&'static str>,
}

/// The otpauth link as an SVG QR code (drawn here: no script, no request elsewhere).
fn qr_svg(uri: &str) -> String {
    match qrcode::QrCode::new(uri.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

async fn totp_render(
    st: &AppState,
    ctx: &Ctx,
    user: &service::CurrentUser,
    recovery: Vec<String>,
    error: Option<&'static str>,
    status: axum::http::StatusCode,
) -> AppResult<Response> {
    let (enabled, codes_left) = service::totp::status(st, user).await?;
    let pending = service::totp::pending(st, user).await?;
    let page = TotpPage {
        layout: crate::web::Layout::new(st, ctx, "auth.totp", ""),
        required: user.second_factor_missing && !enabled,
        enabled,
        codes_left,
        qr_svg: pending.as_ref().map(|p| qr_svg(&p.uri)).unwrap_or_default(),
        pending,
        recovery,
        error,
    };
    let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok((status, Html(html)).into_response())
}

/// Two-step sign-in: its state, the enrolment (QR code and secret), the recovery codes.
pub async fn totp_page(
    State(st): State<AppState>,
    crate::web::AuthUser(user, ctx): crate::web::AuthUser,
) -> AppResult<Response> {
    totp_render(&st, &ctx, &user, vec![], None, axum::http::StatusCode::OK).await
}

/// Starts the enrolment (a new secret).
pub async fn totp_begin(
    State(st): State<AppState>,
    crate::web::AuthUser(user, _ctx): crate::web::AuthUser,
) -> AppResult<Response> {
    service::totp::begin(&st, &user).await?;
    Ok(Redirect::to("/account/totp").into_response())
}

#[derive(Debug, Deserialize)]
pub struct TotpConfirmForm {
    code: String,
}

/// Confirms the enrolment; the recovery codes are shown on this answer only.
pub async fn totp_confirm(
    State(st): State<AppState>,
    crate::web::AuthUser(user, ctx): crate::web::AuthUser,
    Form(f): Form<TotpConfirmForm>,
) -> AppResult<Response> {
    match service::totp::confirm(&st, &user, &f.code).await {
        Ok(codes) => totp_render(&st, &ctx, &user, codes, None, axum::http::StatusCode::OK).await,
        Err(e @ AppError::Invalid { .. }) => {
            totp_render(
                &st,
                &ctx,
                &user,
                vec![],
                Some(ctx.lang.error(e.code())),
                e.status(),
            )
            .await
        }
        Err(e) => Err(e),
    }
}
