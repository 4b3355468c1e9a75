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

/// A refusal made by the framework rather than by our code (axum's extractors, the
/// method router, the body limit, a caught panic): a 4xx or 5xx with a plain-text or empty
/// body. It gets a stable code by its status, so every refusal is in the envelope.
fn framework_refusal(resp: &Response) -> Option<ErrorInfo> {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let plain = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !plain {
        return None;
    }
    let code = match status.as_u16() {
        400 => "REQUEST_MALFORMED",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        408 => "REQUEST_TIMEOUT",
        411 => "LENGTH_REQUIRED",
        413 => "BODY_TOO_LARGE",
        415 => "CONTENT_TYPE_UNSUPPORTED",
        422 => "BODY_INVALID",
        500..=599 => "INTERNAL",
        _ => "REQUEST_INVALID",
    };
    Some(ErrorInfo {
        code,
        field: None,
        internal: (status.is_server_error()).then(|| format!("framework {status}")),
        denied: None,
    })
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
    let Some(info) = resp
        .extensions()
        .get::<ErrorInfo>()
        .cloned()
        .or_else(|| framework_refusal(&resp))
    else {
        return resp;
    };
    let allow = resp.headers().get(header::ALLOW).cloned();
    let status = resp.status();
    if let Some(internal) = &info.internal {
        tracing::error!(%path, error = %internal, "internal error");
    }
    let lang = resp.extensions().get::<Lang>().copied().unwrap_or(fallback);
    if is_machine_path(&path) {
        let mut out = (status, axum::Json(envelope(lang, &info))).into_response();
        if let Some(a) = allow {
            out.headers_mut().insert(header::ALLOW, a);
        }
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

/// Documents, on every operation of the OpenAPI, the refusals any request may get (the
/// framework's and the platform's), each as the error envelope — unless the operation
/// already documents that status.
pub fn document_refusals(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        ContentBuilder, ObjectBuilder, RefOr, ResponseBuilder, Schema, Type, schema::ArrayBuilder,
    };
    let error = ObjectBuilder::new()
        .property("code", ObjectBuilder::new().schema_type(Type::String))
        .property("detail", ObjectBuilder::new().schema_type(Type::String))
        .property("field", ObjectBuilder::new().schema_type(Type::String))
        .required("code")
        .required("detail");
    let envelope: Schema = ObjectBuilder::new()
        .property("errors", ArrayBuilder::new().items(error))
        .required("errors")
        .into();
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert("ErrorEnvelope".into(), RefOr::T(envelope));
    let always: &[(&str, &str)] = &[
        (
            "400",
            "Malformed request: unparsable JSON or query, an id that is not a number (REQUEST_MALFORMED)",
        ),
        ("404", "Not found, or not visible to the caller (NOT_FOUND)"),
        ("405", "Method not allowed (METHOD_NOT_ALLOWED)"),
        (
            "422",
            "Invalid input, with a stable code (e.g. TEXT_CONTROL_CHAR, BODY_INVALID)",
        ),
        ("429", "Too many requests (RATE_LIMITED)"),
        ("500", "Internal error (INTERNAL)"),
    ];
    let secured: &[(&str, &str)] = &[
        (
            "401",
            "Not signed in, or the session has ended (AUTH_REQUIRED)",
        ),
        (
            "403",
            "Not allowed for this role or scope (ROLE_FORBIDDEN, CSRF_INVALID, …)",
        ),
    ];
    let writes: &[(&str, &str)] = &[
        (
            "409",
            "Conflicts with the current state (e.g. a duplicate, a stale version)",
        ),
        ("413", "Body too large (BODY_TOO_LARGE)"),
        ("415", "Unsupported content type (CONTENT_TYPE_UNSUPPORTED)"),
    ];
    let response = |text: &str| {
        ResponseBuilder::new()
            .description(text)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name(
                        "ErrorEnvelope",
                    )))
                    .build(),
            )
            .build()
    };
    for item in doc.paths.paths.values_mut() {
        let ops = [
            (&mut item.get, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
            (&mut item.delete, true),
        ];
        for (op, write) in ops {
            let Some(op) = op.as_mut() else { continue };
            let mut add: Vec<(&str, &str)> = always.to_vec();
            add.extend_from_slice(secured);
            if write {
                add.extend_from_slice(writes);
            }
            for (status, text) in add {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| RefOr::T(response(text)));
            }
        }
    }
}
