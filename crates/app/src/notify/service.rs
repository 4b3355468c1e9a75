//! Notification use-cases: sending (inbox, and the outbox for SMS and e-mail) inside the
//! transaction of the change that causes it, whom to tell at a place, and each user's own
//! inbox.

use super::store;
pub use super::store::{NotificationRow, USER_PHONE_FIELD};
use crate::auth::service::CurrentUser;
use crate::error::AppResult;

use crate::db::Tx;
use crate::state::AppState;

/// Kinds important enough for an SMS / push as well as e-mail.
const URGENT_KINDS: [&str; 4] = ["urgent", "overdue", "warning", "supervise"];
pub const RECIPIENT_FIELD: &str = "outbox.recipient";
/// At most this many SMS to one number per [`SMS_WINDOW_MS`]; the rest stay in the app's
/// inbox only (security checklist 30: nobody can make the platform flood a phone).
pub const SMS_PER_WINDOW: i64 = 5;
pub const SMS_WINDOW_MS: i64 = 10 * 60_000;

/// A user to tell, with where they are reached outside the app.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recipient {
    pub id: i64,
    pub notify_email: Option<String>,
    pub notify_phone_enc: Option<String>,
}

/// Sends one message to each user (once per user even if listed twice).
#[allow(clippy::too_many_arguments)]
pub async fn send(
    st: &AppState,
    tx: &mut Tx,
    users: &[i64],
    case_id: Option<i64>,
    kind: &str,
    title: &str,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut to = Vec::with_capacity(users.len());
    for &u in users {
        let (email, phone) = store::contacts(tx, u).await?;
        to.push(Recipient {
            id: u,
            notify_email: email,
            notify_phone_enc: phone,
        });
    }
    send_to(st, tx, &to, case_id, kind, title, body, now).await
}

/// Sends one message to each recipient whose contacts are already known.
#[allow(clippy::too_many_arguments)]
pub async fn send_to(
    st: &AppState,
    tx: &mut Tx,
    to: &[Recipient],
    case_id: Option<i64>,
    kind: &str,
    title: &str,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut buf = crate::db::Deferred::default();
    send_to_deferred(st, tx, &mut buf, to, case_id, kind, title, body, now).await?;
    buf.flush(tx).await
}

/// [`send_to`] with the inbox messages added to `buf` (written when the caller flushes it);
/// outbox rows for SMS and e-mail are queued at once.
#[allow(clippy::too_many_arguments)]
pub async fn send_to_deferred(
    st: &AppState,
    tx: &mut Tx,
    buf: &mut crate::db::Deferred,
    to: &[Recipient],
    case_id: Option<i64>,
    kind: &str,
    title: &str,
    body: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut seen: Vec<i64> = Vec::with_capacity(to.len());
    for r in to {
        if seen.contains(&r.id) {
            continue;
        }
        seen.push(r.id);
        store::insert_notification_later(buf, r.id, case_id, kind, title, body, now);
        let text = if body.is_empty() {
            title.to_string()
        } else {
            format!("{title}：{body}")
        };
        if let Some(e) = r
            .notify_email
            .as_deref()
            .filter(|_| st.config.smtp_url.is_some())
        {
            let addr = st.cipher.encrypt(RECIPIENT_FIELD, e);
            let idx = st.cipher.blind_index(RECIPIENT_FIELD, e);
            store::queue(tx, "email", &addr, &idx, title, &text, now).await?;
        }
        if URGENT_KINDS.contains(&kind)
            && st.config.sms_webhook.is_some()
            && let Some(p) = &r.notify_phone_enc
        {
            // Already encrypted under the users field; re-encrypted under the outbox's.
            if let Ok(plain) = st.cipher.decrypt(store::USER_PHONE_FIELD, p) {
                let idx = st.cipher.blind_index(RECIPIENT_FIELD, &plain);
                let recent = store::sent_since(tx, "sms", &idx, now - SMS_WINDOW_MS).await?;
                if recent >= SMS_PER_WINDOW {
                    metrics::counter!("gongzhi_sms_capped_total").increment(1);
                    tracing::info!(
                        user = r.id,
                        "SMS capped for this recipient; kept in the inbox"
                    );
                } else {
                    let addr = st.cipher.encrypt(RECIPIENT_FIELD, &plain);
                    store::queue(tx, "sms", &addr, &idx, title, &text, now).await?;
                }
            }
        }
    }
    Ok(())
}

/// Sets where a user is reached outside the app (phone encrypted at rest).
pub async fn set_contacts(
    st: &AppState,
    user: i64,
    email: Option<&str>,
    phone: Option<&str>,
) -> anyhow::Result<()> {
    let phone = match phone {
        Some(p) => Some(
            st.cipher.encrypt(
                store::USER_PHONE_FIELD,
                gongzhi_core::pii::PhoneNumber::parse(p)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .as_str(),
            ),
        ),
        None => None,
    };
    if let Some(e) = email {
        anyhow::ensure!(
            e.len() <= 200 && e.contains('@') && !e.contains(char::is_whitespace),
            "not an e-mail address: {e}"
        );
    }
    let mut tx = st.db.begin().await?;
    store::set_contacts(&mut tx, user, email, phone.as_deref()).await?;
    tx.commit().await?;
    Ok(())
}

/// Staff to tell at a place: the users whose scope is exactly that unit or place (`kind`
/// `community`, `street`, `unit` …), residents and auditors excluded.
pub async fn staff_at(tx: &mut Tx, kind: &str, id: Option<i64>) -> Result<Vec<i64>, sqlx::Error> {
    store::staff_at(tx, kind, id).await
}

/// [`staff_at`] with their contacts (one query for a notification).
pub async fn staff_contacts_at(
    tx: &mut Tx,
    kind: &str,
    id: Option<i64>,
) -> Result<Vec<Recipient>, sqlx::Error> {
    store::staff_contacts_at(tx, kind, id).await
}

/// The user's own inbox: how many are unread, and the latest 50.
pub async fn inbox(st: &AppState, user: &CurrentUser) -> AppResult<(i64, Vec<NotificationRow>)> {
    let mut tx = st.db.read().await?;
    let unread = store::unread(&mut tx, user.id).await?;
    let items = store::notifications(&mut tx, user.id, 50).await?;
    Ok((unread, items))
}

/// Marks every message of the user's own inbox read.
pub async fn mark_read(st: &AppState, user: &CurrentUser) -> AppResult<()> {
    let mut tx = st.db.begin().await?;
    store::mark_read(&mut tx, user.id, st.now_ms()).await?;
    tx.commit().await?;
    Ok(())
}

/// Every notification sent to the caller, for the export.
pub async fn export_own(st: &AppState, user: &CurrentUser) -> AppResult<Vec<serde_json::Value>> {
    let mut tx = st.db.read().await?;
    let rows = store::notifications(&mut tx, user.id, 100_000).await?;
    Ok(rows
        .into_iter()
        .map(|n| {
            serde_json::json!({
                "id": n.id, "case_id": n.case_id, "kind": n.kind, "title": n.title,
                "body": n.body, "created_at_ms": n.created_at, "read_at_ms": n.read_at,
            })
        })
        .collect())
}

/// Forgets where a user is reached outside the app (consent withdrawn, account
/// cancelled); 1 if there was something to forget.
pub async fn forget_contacts(tx: &mut Tx, user: i64) -> AppResult<u64> {
    let (email, phone) = store::contacts(tx, user).await?;
    store::set_contacts(tx, user, None, None).await?;
    Ok(u64::from(email.is_some() || phone.is_some()))
}

/// A person gives where they want progress sent outside the app: only with their consent
/// to `notify_external` (checked in the same transaction). Audited with the phone masked.
pub async fn set_own_contacts(
    st: &AppState,
    user: &CurrentUser,
    email: Option<&str>,
    phone: Option<&str>,
) -> AppResult<()> {
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(
            gongzhi_core::pii::PhoneNumber::parse(p)
                .map_err(|e| crate::error::AppError::field("phone", e))?,
        ),
        None => None,
    };
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    if let Some(e) = email
        && (e.len() > 200 || !e.contains('@') || e.contains(char::is_whitespace))
    {
        return Err(crate::error::AppError::Invalid {
            code: "EMAIL_INVALID",
            field: Some("email"),
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    crate::consent::service::require(st, &mut tx, user, "notify_external").await?;
    let sealed = phone
        .as_ref()
        .map(|p| st.cipher.encrypt(store::USER_PHONE_FIELD, p.as_str()));
    store::set_contacts(&mut tx, user.id, email, sealed.as_deref()).await?;
    crate::audit::record(
        &mut tx,
        now,
        &user.actor(),
        crate::audit::Event::ok("user.contacts", "user", user.id).with(serde_json::json!({
            "phone": phone.as_ref().map(|p| p.masked()),
            "email": email.map(gongzhi_core::pii::mask_email),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Retention: outbox messages settled before `cutoff` and notifications read before
/// `read_cutoff` are deleted; (outbox rows, notifications).
pub async fn purge(tx: &mut Tx, cutoff: i64, read_cutoff: i64) -> AppResult<(u64, u64)> {
    Ok(store::purge(tx, cutoff, read_cutoff).await?)
}
