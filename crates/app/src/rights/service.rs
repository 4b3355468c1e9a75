//! The export of a person's data (PIPL art. 45; security checklist 12).

use serde::Serialize;

use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;

/// Everything the platform holds about the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export {
    /// The format's version.
    pub version: u32,
    pub generated_at_ms: i64,
    /// The account and its sessions (no token or password hash).
    #[schema(value_type = Object)]
    pub account: serde_json::Value,
    /// The resident record linked to the account, in clear (null if none).
    #[schema(value_type = Object)]
    pub resident: Option<serde_json::Value>,
    /// Every report the person made: their words as typed, and the case each went into.
    #[schema(value_type = Vec<Object>)]
    pub reports: Vec<serde_json::Value>,
    /// The disputes they are a party to, as they see them.
    #[schema(value_type = Vec<Object>)]
    pub disputes: Vec<crate::mediation::service::DisputeView>,
    /// The notifications sent to them.
    #[schema(value_type = Vec<Object>)]
    pub notifications: Vec<serde_json::Value>,
    /// Their consents and withdrawals (and the children they are guardian of).
    #[schema(value_type = Object)]
    pub consents: serde_json::Value,
    /// What the audit trail records of their own actions.
    #[schema(value_type = Vec<Object>)]
    pub activity: Vec<serde_json::Value>,
}

pub async fn export(st: &AppState, user: &CurrentUser) -> AppResult<Export> {
    let out = Export {
        version: 1,
        generated_at_ms: st.now_ms(),
        account: crate::auth::service::export_own(st, user).await?,
        resident: crate::residents::service::export_own(st, user).await?,
        reports: crate::cases::service::export_own(st, user).await?,
        disputes: crate::mediation::service::export_own(st, user).await?,
        notifications: crate::notify::service::export_own(st, user).await?,
        consents: crate::consent::service::export_own(st, user).await?,
        activity: audit::export_own(&st.db, user).await?,
    };
    audit::record_alone(
        &st.db,
        st.now_ms(),
        &user.actor(),
        Event::ok("pi.export", "user", user.id).with(serde_json::json!({
            "reports": out.reports.len(), "disputes": out.disputes.len(),
            "notifications": out.notifications.len(),
        })),
    )
    .await?;
    Ok(out)
}
