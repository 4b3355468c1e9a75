//! Reviewing corrections before the live model learns them: street staff accept or reject
//! each pending correction (never their own); accepted ones are learnt by every node in the
//! order they were accepted.

use gongzhi_core::identity::Role;
use serde::Serialize;

use super::store;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, PageParams};

/// Who reviews corrections: street staff (the district's model serves every community of
/// the street; community staff and dispatchers make the corrections).
pub fn may_review(user: &CurrentUser) -> bool {
    user.role == Role::StreetStaff
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CorrectionView {
    pub id: i64,
    pub case_id: Option<i64>,
    /// The report's text as the model saw it (phone and ID numbers masked).
    pub text: String,
    /// What the model said.
    pub model_label: String,
    /// What the person chose.
    pub label: String,
    pub user_id: Option<i64>,
    pub created_at_ms: i64,
    /// `pending`, `accepted`, `rejected` or `over_limit`.
    pub status: String,
}

/// Corrections of one status (default `pending`), oldest first.
pub async fn corrections(
    st: &AppState,
    user: &CurrentUser,
    status: &str,
    p: &PageParams,
) -> AppResult<Page<CorrectionView>> {
    if !may_review(user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if !matches!(status, "pending" | "accepted" | "rejected" | "over_limit") {
        return Err(AppError::Invalid {
            code: "STATUS_INVALID",
            field: Some("status"),
        });
    }
    let mut tx = st.db.read().await?;
    let (rows, total) = store::list(&mut tx, status, p.per_page(), p.offset()).await?;
    let items = rows
        .into_iter()
        .map(|r| CorrectionView {
            id: r.id,
            case_id: r.case_id,
            text: gongzhi_core::pii::mask_text(&r.text).unwrap_or(r.text),
            model_label: r.model_label,
            label: r.label,
            user_id: r.user_id,
            created_at_ms: r.created_at,
            status: r.status,
        })
        .collect();
    Ok(Page::new(items, p, total))
}

/// Accepts (the live model learns it) or rejects a pending correction.
pub async fn review(st: &AppState, user: &CurrentUser, id: i64, accept: bool) -> AppResult<()> {
    if !may_review(user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if c.user_id == Some(user.id) {
        return Err(AppError::Forbidden("CORRECTION_OWN"));
    }
    if c.status != "pending" {
        return Err(AppError::Conflict("CORRECTION_REVIEWED"));
    }
    let status = if accept { "accepted" } else { "rejected" };
    let n = crate::db::unique_or(
        store::review(&mut tx, id, status, user.id, now).await,
        "CORRECTION_REVIEWED",
        "id",
    )?;
    if n == 0 {
        return Err(AppError::Conflict("CORRECTION_REVIEWED"));
    }
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("routing.correction.review", "routing_correction", id).with(
            serde_json::json!({"status": status, "model_label": c.model_label, "label": c.label}),
        ),
    )
    .await?;
    tx.commit().await?;
    if accept {
        super::sync_corrections(st).await?;
    }
    Ok(())
}
