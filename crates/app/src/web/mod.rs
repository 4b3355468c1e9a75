//! The web shell shared by every domain: request context (who, language, elderly mode),
//! CSRF protection, error rendering, metrics, static assets, the page layout and paging.

pub mod assets;
pub mod context;
pub mod detach;
pub mod errors;
pub mod export;
pub mod forms;
pub mod headers;
pub mod input;
pub mod layout;
pub mod metrics;
pub mod paging;
pub mod todo;

pub use context::{AuthUser, Ctx};
pub use layout::Layout;
pub use paging::{Page, PageParams};

/// A stored file as a response: its sniffed type (never re-sniffed by the browser) and how
/// long it may be cached (`private, …` for anything behind an access check).
pub fn file_response(
    media_type: String,
    cache: &'static str,
    bytes: Vec<u8>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, media_type),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}
