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
    /// 能人库: their listing, their slots, their bookings and questions.
    #[schema(value_type = Object)]
    pub talents: serde_json::Value,
    /// 社区食堂 orders and 四点半课堂 enrolments (their own and their wards').
    #[schema(value_type = Object)]
    pub programmes: serde_json::Value,
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
        talents: crate::talents::service::export_own(st, user).await?,
        programmes: crate::programmes::service::export_own(st, user).await?,
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

use gongzhi_core::Coded;
use gongzhi_core::identity::Role;
use gongzhi_core::rights::{self, Action, Status};

use super::store;
use super::tombstones::{self, Tombstone};
use crate::db::Tx;
use crate::error::AppError;

/// Erases one person inside the caller's transaction, in every domain that holds their
/// data, and leaves a tombstone row. Idempotent (a replay after a restore runs it again).
/// Returns what each domain changed, for the audit record.
async fn erase_person(
    st: &AppState,
    tx: &mut Tx,
    user: i64,
    resident: Option<i64>,
    now: i64,
) -> AppResult<serde_json::Value> {
    let account = crate::auth::service::erase_account(tx, user, now).await?;
    let record = match resident {
        Some(r) => crate::residents::service::erase(st, tx, r, now).await?,
        None => 0,
    };
    let reports = crate::cases::service::erase_reporter(tx, user, resident).await?;
    let talents = crate::talents::service::erase_user(tx, user, now).await?;
    let classes = match resident {
        Some(r) => crate::programmes::service::erase_resident(tx, r).await?,
        None => 0,
    };
    store::tombstone(tx, "user", user, now).await?;
    Ok(serde_json::json!({
        "account": account, "resident_record": record, "report_originals": reports,
        "talents": talents, "afterschool": classes,
    }))
}

/// Cancels the caller's own account (PIPL art. 47): their password again, then their
/// personal data is erased everywhere it is not kept under another law, the account
/// becomes a pseudonym (`cancelled-<id>`) that cannot sign in, and a tombstone is journalled
/// outside the database before the erasure commits. Kept, as records of the community: the
/// cases they reported (texts already masked), the public ledger (masked names and amounts),
/// dispute files (the mediation archive's own retention), the audit trail (security law).
/// Staff accounts are disabled by an administrator instead (`CANCEL_NOT_FOR_STAFF`).
pub async fn cancel(st: &AppState, user: &CurrentUser, password: &str) -> AppResult<()> {
    if user.role != Role::Resident {
        return Err(AppError::Forbidden("CANCEL_NOT_FOR_STAFF"));
    }
    if !crate::auth::service::recheck_password(st, user, password).await? {
        return Err(AppError::Invalid {
            code: "PASSWORD_CURRENT_WRONG",
            field: Some("password"),
        });
    }
    let now = st.now_ms();
    if let Some(path) = &st.config.tombstone_journal {
        let t = Tombstone {
            kind: "user".into(),
            user: user.id,
            resident: user.resident_id,
            at_ms: now,
        };
        let path = path.clone();
        tokio::task::spawn_blocking(move || tombstones::append(&path, &t))
            .await
            .map_err(|e| anyhow::anyhow!("journal: {e}"))?
            .map_err(|e| anyhow::anyhow!("writing the erasure journal: {e}"))?;
    }
    let mut tx = st.db.begin().await?;
    let changed = erase_person(st, &mut tx, user.id, user.resident_id, now).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("user.cancel", "user", user.id).with(changed),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Re-applies every erasure in the journal (after a restore). Returns (journalled, people
/// whose data was still there and is erased again). Audited once.
pub async fn replay_tombstones(
    st: &AppState,
    journal: &std::path::Path,
) -> AppResult<(usize, usize)> {
    let all = tombstones::read(journal)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", journal.display()))?;
    let now = st.now_ms();
    let mut again = 0;
    let mut tx = st.db.begin().await?;
    for t in all.iter().filter(|t| t.kind == "user") {
        if erase_person(st, &mut tx, t.user, t.resident, now).await?["account"].as_u64() > Some(0) {
            again += 1;
        }
    }
    audit::record(
        &mut tx,
        now,
        &crate::audit::Actor::named("restore"),
        Event::ok("user.cancel", "journal", journal.display().to_string())
            .with(serde_json::json!({"replayed": all.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok((all.len(), again))
}

/// A rights request as its requester and staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    pub id: i64,
    pub kind: String,
    pub detail: String,
    /// open, in_progress, done, refused
    pub status: String,
    pub created_at_ms: i64,
    pub due_at_ms: i64,
    pub overdue: bool,
    pub reason: Option<String>,
    pub closed_at_ms: Option<i64>,
}

pub const DETAIL_FIELD: &str = "rights_requests.detail";

fn request_view(st: &AppState, r: store::RequestRow, now: i64) -> RequestView {
    let status = Status::parse(&r.status).unwrap_or(Status::Open);
    RequestView {
        id: r.id,
        kind: r.kind,
        detail: st
            .cipher
            .decrypt(DETAIL_FIELD, &r.detail_enc)
            .map(|d| gongzhi_core::pii::mask_text(&d).unwrap_or(d))
            .unwrap_or_default(),
        status: r.status,
        created_at_ms: r.created_at,
        due_at_ms: r.due_at,
        overdue: rights::is_overdue(status, r.due_at, now),
        reason: r.reason,
        closed_at_ms: r.closed_at,
    }
}

/// Files a rights request; due in 30 days. Audited.
pub async fn file_request(
    st: &AppState,
    user: &CurrentUser,
    kind: &str,
    detail: &str,
) -> AppResult<RequestView> {
    let now = st.now_ms();
    let due = rights::file(kind, detail, now).map_err(|e| AppError::Invalid {
        code: e.code(),
        field: Some(if e == rights::RequestError::Kind {
            "kind"
        } else {
            "detail"
        }),
    })?;
    let mut tx = st.db.begin().await?;
    let id = store::insert(
        &mut tx,
        user.id,
        kind,
        &st.cipher.encrypt(DETAIL_FIELD, detail.trim()),
        due,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("rights.request", "rights_request", id).with(serde_json::json!({"kind": kind})),
    )
    .await?;
    let row = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(request_view(st, row, now))
}

/// The caller's own requests.
pub async fn own_requests(st: &AppState, user: &CurrentUser) -> AppResult<Vec<RequestView>> {
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    Ok(store::of_user(&mut tx, user.id)
        .await?
        .into_iter()
        .map(|r| request_view(st, r, now))
        .collect())
}

/// Who answers requests: street staff (of the requester's street) and district-wide staff.
fn handles(user: &CurrentUser) -> Option<(bool, i64)> {
    use gongzhi_core::identity::Scope;
    match (user.role, user.scope) {
        (Role::StreetStaff, Scope::District) => Some((true, 0)),
        (Role::StreetStaff, Scope::Street(s)) => Some((false, s)),
        _ => None,
    }
}

/// Requests for the staff who answer them; `overdue` lists only those open past their due
/// date.
pub async fn requests_for_staff(
    st: &AppState,
    user: &CurrentUser,
    overdue: bool,
) -> AppResult<Vec<RequestView>> {
    let (all, street) = handles(user).ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?;
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    Ok(store::list(&mut tx, all, street, overdue.then_some(now))
        .await?
        .into_iter()
        .map(|r| request_view(st, r, now))
        .collect())
}

/// Moves a request on: start, done, or refuse (with a reason). Audited.
pub async fn act_on_request(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    action: &str,
    reason: Option<&str>,
) -> AppResult<RequestView> {
    let (all, street) = handles(user).ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?;
    let action = Action::parse(action).ok_or(AppError::Invalid {
        code: "REQUEST_ACTION_UNKNOWN",
        field: Some("action"),
    })?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let row = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !all && row.street_id.is_some_and(|s| s != street) {
        return Err(AppError::Denied {
            object_type: "rights_request",
            object_id: id.to_string(),
        });
    }
    let from = Status::parse(&row.status).unwrap_or(Status::Open);
    let to = rights::step(from, action, reason).map_err(|e| AppError::Invalid {
        code: e.code(),
        field: (e == rights::RequestError::ReasonRequired).then_some("reason"),
    })?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let closed = to.is_closed().then_some(now);
    if store::step(&mut tx, id, to.code(), user.id, reason, closed, from.code()).await? == 0 {
        return Err(AppError::Conflict("REQUEST_STATE_INVALID"));
    }
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("rights.request", "rights_request", id)
            .with(serde_json::json!({"from": from.code(), "to": to.code(), "reason": reason})),
    )
    .await?;
    let row = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(request_view(st, row, now))
}
