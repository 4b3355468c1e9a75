//! Text that no field may hold: NUL and the other control characters except tab, line feed
//! and carriage return (and DEL). PostgreSQL cannot store a NUL in text, and nothing a
//! person types contains one, so they are refused with `TEXT_CONTROL_CHAR` at the door —
//! in the path, the query and JSON or form bodies — before any handler sees them.
//! Files (multipart, CSV, XLSX) are not scanned here; what is read from them into fields
//! is checked where it is parsed ([`has_control_char`]).

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// The largest body read here (the router's own limit is the same).
const MAX_BODY: usize = 8 << 20;

fn refused_char(c: u32) -> bool {
    (c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) || c == 0x7f
}

/// Whether decoded text carries a refused character (for files read into fields: CSV and
/// XLSX imports).
pub fn has_control_char(s: &str) -> bool {
    s.chars().any(|c| refused_char(c as u32))
}

/// Whether percent-encoded text (a path, a query, a form) carries a refused character,
/// raw or encoded.
pub fn percent_text_refused(s: &[u8]) -> bool {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if refused_char(u32::from(b)) {
            return true;
        }
        if b == b'%'
            && i + 2 < s.len()
            && let (Some(h), Some(l)) = (hex(s[i + 1]), hex(s[i + 2]))
        {
            if refused_char(h * 16 + l) {
                return true;
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    false
}

/// Whether a JSON text carries a refused character, raw or as a `\u` escape.
pub fn json_text_refused(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if refused_char(u32::from(b)) {
            return true;
        }
        if b == b'\\' {
            if s.get(i + 1) == Some(&b'u')
                && let Some(code) = s
                    .get(i + 2..i + 6)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                && refused_char(code)
            {
                return true;
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    false
}

fn refusal() -> Response {
    AppError::Invalid {
        code: "TEXT_CONTROL_CHAR",
        field: None,
    }
    .into_response()
}

/// The middleware.
pub async fn refuse_control_chars(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if percent_text_refused(uri.path().as_bytes())
        || uri
            .query()
            .is_some_and(|q| percent_text_refused(q.as_bytes()))
    {
        return refusal();
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
        .unwrap_or_default();
    let json = kind.starts_with("application/json") || kind.contains("+json");
    let form = kind.starts_with("application/x-www-form-urlencoded");
    if !(json || form) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return AppError::invalid("BODY_TOO_LARGE").into_response(),
    };
    let bad = if form {
        percent_text_refused(&bytes)
    } else {
        json_text_refused(&bytes)
    };
    if bad {
        return refusal();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_controls_are_found_raw_and_encoded() {
        assert!(percent_text_refused(b"username=a%00b"));
        assert!(percent_text_refused(b"x=%1b"));
        assert!(percent_text_refused(b"x=%7F"));
        assert!(!percent_text_refused(b"x=%0D%0Aline&y=%09tab%20"));
        assert!(!percent_text_refused(b"x=100%"));
        assert!(json_text_refused(br#"{"a":"x\u0000"}"#));
        assert!(json_text_refused(b"{\"a\":\"x\x01\"}"));
        assert!(
            !json_text_refused(br#"{"a":"x\\u0000"}"#),
            "an escaped backslash"
        );
        assert!(!json_text_refused(br#"{"a":"line\nnext\ttab \u00e9"}"#));
    }
}
