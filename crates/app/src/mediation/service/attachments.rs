//! Evidence attached to a dispute (photos, PDFs), encrypted at rest, shown only to whoever
//! may see the dispute.

use super::*;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AttachmentRequest {
    pub name: String,
    /// `data:…;base64,…` (JPEG, PNG, WebP or PDF, ≤ 5 MiB).
    pub data: String,
}

pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    crate::cases::service::sniff_image(bytes).or_else(|| {
        if bytes.starts_with(b"%PDF-") {
            Some("application/pdf")
        } else {
            None
        }
    })
}

/// Adds evidence or a document; parties, mediators and supervisors may.
pub async fn attach(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &AttachmentRequest,
) -> AppResult<i64> {
    let actor = &user.actor();
    let name = text_field(&req.name, 1, 100, "NAME_INVALID", "name")?;
    let bytes = crate::cases::service::data_url_bytes(&req.data).ok_or(AppError::Invalid {
        code: "ATTACHMENT_INVALID",
        field: Some("data"),
    })?;
    if bytes.len() > MAX_ATTACHMENT {
        return Err(AppError::Invalid {
            code: "ATTACHMENT_TOO_LARGE",
            field: Some("data"),
        });
    }
    let mime = sniff(&bytes).ok_or(AppError::Invalid {
        code: "ATTACHMENT_INVALID",
        field: Some("data"),
    })?;
    let sha = hex::encode(Sha256::digest(&bytes));
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (d, ..) = load(&mut tx, user, id, true).await?;
    if Status::parse(&d.status).is_some_and(|s| s.is_closed() && s != Status::Resolved) {
        return Err(AppError::Conflict("DISPUTE_CLOSED"));
    }
    let data_enc = st.cipher.encrypt(
        ATTACHMENT_FIELD,
        &base64::engine::general_purpose::STANDARD.encode(&bytes),
    );
    let aid = store::insert_attachment(
        &mut tx,
        id,
        &store::NewAttachment {
            name: &name,
            mime,
            size: bytes.len() as i64,
            sha256: &sha,
            data_enc: &data_enc,
            by: user.id,
            now,
        },
    )
    .await?;
    let detail =
        serde_json::json!({"attachment": aid, "mime": mime, "size": bytes.len(), "sha256": sha});
    store::event(&mut tx, id, Some(user.id), "dispute.attach", &detail, now).await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("dispute.attach", "dispute", id).with(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(aid)
}

/// An attachment's name, type and bytes, for those with standing in its dispute.
pub async fn attachment(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    aid: i64,
) -> AppResult<(String, String, Vec<u8>)> {
    let mut tx = st.db.read().await?;
    let (dispute, name, mime, enc) = store::attachment_data(&mut tx, aid)
        .await?
        .ok_or(AppError::NotFound)?;
    if dispute != id {
        return Err(AppError::NotFound);
    }
    load(&mut tx, user, id, false).await?;
    let b64 = st
        .cipher
        .decrypt(ATTACHMENT_FIELD, &enc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment {aid}: {e}")))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment {aid}: {e}")))?;
    Ok((name, mime, bytes))
}
