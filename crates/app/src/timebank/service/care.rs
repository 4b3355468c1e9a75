//! Health notes about an elder: sensitive personal data under their own consent
//! (`care_health_notes`, PIPL art. 29), sealed at rest, written by the elder or a guardian,
//! shown to the matched volunteer only while serving; withdrawing the consent erases them.

use serde::{Deserialize, Serialize};

use super::invalid;
use super::requests::beneficiary;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::timebank::store;

/// The purpose under which health notes are kept (separate consent, PIPL art. 29).
pub const HEALTH_PURPOSE: &str = "care_health_notes";
const HEALTH_FIELD: &str = "timebank_health_note";

/// The health note of the person `recipient_user` is (decrypted).
pub(super) async fn health_note_of(
    st: &AppState,
    recipient_user: i64,
) -> AppResult<Option<String>> {
    let Some(r) = crate::auth::service::account(st, recipient_user)
        .await?
        .and_then(|a| a.resident_id)
    else {
        return Ok(None);
    };
    let mut tx = st.db.read().await?;
    Ok(store::health(&mut tx, r)
        .await?
        .and_then(|sealed| st.cipher.decrypt(HEALTH_FIELD, &sealed).ok()))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct HealthNoteRequest {
    /// The ward's username when a guardian writes it.
    #[serde(rename = "for")]
    pub for_user: Option<String>,
    /// What a volunteer should know (allergies, mobility, medicine times); empty deletes it.
    pub health_note: String,
}

/// The elder (or their guardian) writes the health note volunteers see while serving. Needs
/// the separate consent `care_health_notes` (PIPL art. 29); withdrawing it erases the note.
pub async fn set_health_note(
    st: &AppState,
    u: &CurrentUser,
    r: &HealthNoteRequest,
) -> AppResult<Option<String>> {
    let note = r.health_note.trim();
    if note.chars().count() > 500 {
        return Err(invalid("NOTE_INVALID", "health_note"));
    }
    let (who, channel) = beneficiary(st, u, r.for_user.as_deref()).await?;
    if channel == "staff" {
        // Staff may ask for services, not write health notes: that is the person's own
        // consent to give.
        return Err(invalid("RECIPIENT_UNKNOWN", "for"));
    }
    let resident = who.resident_id.ok_or(invalid("RECIPIENT_UNKNOWN", "for"))?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    crate::consent::service::require_for_resident(st, &mut tx, resident, HEALTH_PURPOSE).await?;
    if note.is_empty() {
        store::forget_health(&mut tx, resident).await?;
    } else {
        let sealed = st.cipher.encrypt(HEALTH_FIELD, note);
        store::set_health(&mut tx, resident, &sealed, u.id, now).await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.health_note", "resident", resident)
            .with(serde_json::json!({"by": channel, "cleared": note.is_empty()})),
    )
    .await?;
    tx.commit().await?;
    Ok((!note.is_empty()).then(|| note.to_string()))
}

/// The caller's own health note (or their ward's).
pub async fn health_note(
    st: &AppState,
    u: &CurrentUser,
    for_user: Option<&str>,
) -> AppResult<Option<String>> {
    let (who, channel) = beneficiary(st, u, for_user).await?;
    if channel == "staff" {
        return Err(invalid("RECIPIENT_UNKNOWN", "for"));
    }
    health_note_of(st, who.id).await
}

/// Erases a resident's health note (consent withdrawn).
pub async fn forget_health(tx: &mut crate::db::Tx, resident: i64) -> AppResult<u64> {
    Ok(store::forget_health(tx, resident).await?)
}
