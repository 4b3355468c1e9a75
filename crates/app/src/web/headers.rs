//! Response headers every page and API answer carries (security checklist 19): a content
//! security policy with no inline script, no framing, no MIME sniffing, a same-origin
//! referrer, `no-store` on anything answered to a signed-in caller, and — when the platform
//! is served over HTTPS (`--secure-cookies`) — HSTS, with plain-HTTP page visits redirected
//! to HTTPS and plain-HTTP API calls and writes refused (`HTTPS_REQUIRED`), never silently
//! followed.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::AppError;
use crate::state::AppState;

/// The policy: scripts and styles from this site only (styles may be inline: Leaflet and
/// ECharts set them), images also as data/blob URLs and from the base-map tile server.
pub fn content_security_policy(tile_url: Option<&str>) -> String {
    let tiles = tile_url
        .and_then(|u| url::Url::parse(&u.replace(['{', '}'], "")).ok())
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .filter(|o| o != " null")
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{tiles}; connect-src 'self'; font-src 'self' data:; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Whether the request reached us over HTTPS: our proxy says so (`X-Forwarded-Proto`, which
/// the proxy in front must set and overwrite; see docs/SECURITY.md).
fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn signed_in(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
        || headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| c.contains(super::context::SESSION_COOKIE))
}

/// The middleware.
pub async fn secure(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let secure = st.config.secure_cookies;
    let path = req.uri().path().to_owned();
    if secure && !over_https(req.headers()) && path != "/healthz" && path != "/readyz" {
        let page_read = matches!(*req.method(), Method::GET | Method::HEAD)
            && !path.starts_with("/api/")
            && !req.headers().contains_key(header::AUTHORIZATION);
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            });
        return match (page_read, host) {
            (true, Some(host)) => {
                let pq = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "/".into());
                Redirect::permanent(&format!("https://{host}{pq}")).into_response()
            }
            _ => AppError::Forbidden("HTTPS_REQUIRED").into_response(),
        };
    }
    let personal = signed_in(req.headers());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(name, v);
        }
    };
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        &content_security_policy(st.config.tile_url.as_deref()),
    );
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(self), geolocation=(self), microphone=(), payment=()",
    );
    if secure {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    let public = h
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("public"));
    if personal && !public && !path.starts_with("/assets/") {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    resp
}
