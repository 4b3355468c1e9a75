//! Error rendering: JSON envelopes for the API in the caller's language, an HTML page (or a
//! redirect to the login page) for the web, and the log line for every 500.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;

use super::context::LANG_COOKIE;
use crate::error::ErrorInfo;
use crate::i18n::Lang;

/// `{"errors":[{"code","detail","field"?}]}`
pub fn envelope(lang: Lang, info: &ErrorInfo) -> serde_json::Value {
    let mut e = serde_json::json!({"code": info.code, "detail": lang.error(info.code)});
    if let Some(f) = info.field {
        e["field"] = serde_json::Value::String(f.to_string());
    }
    serde_json::json!({"errors": [e]})
}

fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/open311")
        || path.starts_with("/ledger")
        || path == "/metrics"
        || path.starts_with("/readyz")
        || path.starts_with("/healthz")
}

#[derive(askama::Template)]
#[template(path = "web/templates/error.html")]
struct ErrorPage {
    lang: Lang,
    status: u16,
    message: &'static str,
}

pub async fn render(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let jar = CookieJar::from_headers(req.headers());
    let fallback = jar
        .get(LANG_COOKIE)
        .map(|c| Lang::parse(c.value()))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept)
        })
        .unwrap_or_default();
    let resp = next.run(req).await;
    let Some(info) = resp.extensions().get::<ErrorInfo>().cloned() else {
        return resp;
    };
    let status = resp.status();
    if let Some(internal) = &info.internal {
        tracing::error!(%path, error = %internal, "internal error");
    }
    let lang = resp.extensions().get::<Lang>().copied().unwrap_or(fallback);
    if is_machine_path(&path) {
        let mut out = (status, axum::Json(envelope(lang, &info))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            out.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        return out;
    }
    if status == StatusCode::UNAUTHORIZED {
        let next_url = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let enc: String = url::form_urlencoded::byte_serialize(next_url.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={enc}")).into_response();
    }
    let page = ErrorPage {
        lang,
        status: status.as_u16(),
        message: lang.error(info.code),
    };
    match askama::Template::render(&page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, lang.error(info.code)).into_response(),
    }
}
