//! The application's error type: a small closed set of HTTP meanings, each with a stable
//! machine code. The JSON envelope is `{"errors":[{"code","detail"}]}`; the detail is in the
//! user's language (rendered by [`crate::web::errors`] middleware, which knows the request).
//! The real text of a 500 goes to the log, never to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongzhi_core::Coded;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Absent, or outside the caller's scope: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// The object exists but lies outside the caller's scope: answers 404 like
    /// [`AppError::NotFound`], and is audited as a refused access.
    #[error("access denied to {object_type} {object_id}")]
    Denied {
        object_type: &'static str,
        object_id: String,
    },
    #[error("authentication required")]
    Unauthenticated,
    #[error("bad credentials")]
    BadCredentials,
    /// The password was right; the second factor is missing or wrong (401 with its code).
    #[error("second factor: {0}")]
    Challenge(&'static str),
    #[error("too many requests: {0}")]
    RateLimited(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("invalid input: {code}")]
    Invalid {
        code: &'static str,
        field: Option<&'static str>,
    },
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    /// A validation failure from a core error, attributed to a form field.
    pub fn field<E: Coded>(field: &'static str, e: E) -> Self {
        AppError::Invalid {
            code: e.code(),
            field: Some(field),
        }
    }

    /// A database write refused by a unique constraint (a race the caller may resolve).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            AppError::Internal(a) => a
                .downcast_ref::<sqlx::Error>()
                .is_some_and(crate::db::is_unique_violation),
            _ => false,
        }
    }

    pub fn invalid(code: &'static str) -> Self {
        AppError::Invalid { code, field: None }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Denied { .. } => StatusCode::NOT_FOUND,
            AppError::Unauthenticated | AppError::BadCredentials | AppError::Challenge(_) => {
                StatusCode::UNAUTHORIZED
            }
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Invalid {
                code: "BODY_TOO_LARGE",
                ..
            } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound | AppError::Denied { .. } => "NOT_FOUND",
            AppError::Unauthenticated => "AUTH_REQUIRED",
            AppError::BadCredentials => "AUTH_BAD_CREDENTIALS",
            AppError::Forbidden(c) | AppError::Conflict(c) | AppError::Challenge(c) => c,
            AppError::Invalid { code, .. } => code,
            AppError::Internal(_) => "INTERNAL",
            AppError::RateLimited(c) => c,
        }
    }
}

/// Carried on error responses so the error middleware can localise and log them.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub field: Option<&'static str>,
    /// The internal message of a 500, for the log only.
    pub internal: Option<String>,
    /// A refused access to audit: (object type, object id).
    pub denied: Option<(&'static str, String)>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let info = ErrorInfo {
            code: self.code(),
            field: match &self {
                AppError::Invalid { field, .. } => *field,
                _ => None,
            },
            internal: match &self {
                AppError::Internal(e) => Some(format!("{e:#}")),
                _ => None,
            },
            denied: match &self {
                AppError::Denied {
                    object_type,
                    object_id,
                } => Some((*object_type, object_id.clone())),
                _ => None,
            },
        };
        // The body is filled in by the error middleware in the request's language; this
        // default keeps the envelope correct even without it.
        let body = crate::web::errors::envelope(crate::i18n::Lang::Zh, &info);
        let mut resp = (status, axum::Json(body)).into_response();
        resp.extensions_mut().insert(info);
        resp
    }
}
