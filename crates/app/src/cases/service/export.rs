//! The caller's own reports, for `GET /api/v1/me/export` (PIPL art. 45): every report they
//! made (their words as typed, unsealed, and as shown), with the case it went into. Other
//! people's reports merged into the same case are not theirs and are left out.

use super::*;

pub async fn export_own(st: &AppState, user: &CurrentUser) -> AppResult<Vec<serde_json::Value>> {
    let mut tx = st.db.read().await?;
    let rows = store::reports_by(&mut tx, user.id, user.resident_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let typed = r
                .original_sealed
                .as_deref()
                .and_then(|s| st.cipher.decrypt(ORIGINAL_FIELD, s).ok())
                .unwrap_or_else(|| r.text.clone());
            serde_json::json!({
                "case_id": r.case_id,
                "channel": r.channel,
                "text": typed,
                "text_as_shown": r.text,
                "reported_at_ms": r.created_at,
                "case": {"category": r.category, "status": r.status, "created_at_ms": r.case_created_at},
            })
        })
        .collect())
}

/// Account cancellation: the sealed texts a person typed go; what the cases show (already
/// masked) stays, since the cases are the community's records. Rows changed.
pub async fn erase_reporter(
    tx: &mut crate::db::Tx,
    user_id: i64,
    resident_id: Option<i64>,
) -> AppResult<u64> {
    let originals = store::forget_originals(tx, user_id, resident_id).await?;
    Ok(originals + store::forget_notes(tx, user_id).await?)
}

/// Retention (security checklist 9): photos and texts-as-typed of cases closed before
/// `cutoff` are removed; the cases themselves (masked text, place, timeline) stay.
/// Returns (photos, texts).
pub async fn purge_closed_before(tx: &mut crate::db::Tx, cutoff: i64) -> AppResult<(u64, u64)> {
    Ok(store::purge_closed_before(tx, cutoff).await?)
}

/// The texts of a case's reports as typed, before masking (a phone number the reporter
/// gave to be called on): for staff who may read the case and work on it, never for
/// residents or auditors; a reason is required and the reveal is audited (`pii.reveal`).
pub async fn reveal_original(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    reason: &str,
) -> AppResult<Vec<String>> {
    use gongzhi_core::identity::Role;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::Invalid {
            code: "REVEAL_REASON_REQUIRED",
            field: Some("reason"),
        });
    }
    let may = matches!(
        user.role,
        Role::GridWorker | Role::CommunityStaff | Role::StreetStaff | Role::UnitStaff
    );
    if !may {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    super::load_visible(st, user, id).await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let sealed = store::originals_of(&mut tx, id).await?;
    let texts: Vec<String> = sealed
        .iter()
        .filter_map(|s| st.cipher.decrypt(ORIGINAL_FIELD, s).ok())
        .collect();
    crate::audit::record(
        &mut tx,
        now,
        &user.actor(),
        crate::audit::Event::ok("pii.reveal", "case", id).with(
            serde_json::json!({"field": "report_text", "reason": reason, "count": texts.len()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(texts)
}
