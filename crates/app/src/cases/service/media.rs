//! Photos of reports and of units' reports back: recognised by their bytes, limited in
//! size and number, shown only to whoever may see their case.

use base64::Engine as _;

use super::access::check_visible;
use super::store;
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const MAX_PHOTO_BYTES: usize = 3 << 20;

/// A decoded photo.
#[derive(Debug, Clone)]
pub struct Photo {
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// Recognises JPEG, PNG and WebP by their first bytes (the declared type is not trusted).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A photo from the API: a `data:image/…;base64,…` URL or bare base64.
/// The bytes of a `data:…;base64,…` URL (or of bare base64); `None` if it is not base64.
pub fn data_url_bytes(s: &str) -> Option<Vec<u8>> {
    let b64 = match s.split_once(";base64,") {
        Some((head, body)) if head.starts_with("data:") => body,
        _ => s,
    };
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
}

pub fn decode_photo(s: &str) -> AppResult<Photo> {
    let bytes = data_url_bytes(s).ok_or(AppError::Invalid {
        code: "PHOTO_INVALID",
        field: Some("photos"),
    })?;
    photo_from_bytes(bytes)
}

pub fn photo_from_bytes(bytes: Vec<u8>) -> AppResult<Photo> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(AppError::Invalid {
            code: "PHOTO_TOO_LARGE",
            field: Some("photos"),
        });
    }
    let mime = sniff_image(&bytes).ok_or(AppError::Invalid {
        code: "PHOTO_INVALID",
        field: Some("photos"),
    })?;
    Ok(Photo { mime, bytes })
}

/// A photo of a case the user may see.
pub async fn attachment(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<(String, Vec<u8>)> {
    let mut tx = st.db.read().await?;
    let (case_id, mime, bytes) = store::find_attachment(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let case_id = case_id.ok_or(AppError::NotFound)?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_visible(&mut tx, u, &c).await?;
    Ok((mime, bytes))
}
