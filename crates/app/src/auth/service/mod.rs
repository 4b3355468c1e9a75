//! Identity use-cases: logging in and out, resolving a request's session, preferences, and
//! who acts on every other service ([`CurrentUser`] or [`Who::System`]). Accounts are in
//! [`users`].

mod second_factor;
mod users;

pub use second_factor::{Enrolment, TOTP_FIELD};
pub mod totp {
    //! The second factor's use-cases.
    pub use super::second_factor::{begin, confirm, pending, reset, status};
}

pub use users::{
    Access, Account, UserItem, UserSpec, account, account_named, accounts_of_residents, acting_as,
    create_user, create_user_in, list_users, update_user,
};

use base64::Engine as _;
use gongzhi_core::identity::throttle::Refusal;
use gongzhi_core::identity::{Role, Scope};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::password;
use super::store::{self, NewSession};
use crate::audit::{self, Actor, Event};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub resident_id: Option<i64>,
    pub lang: Lang,
    pub elder_mode: bool,
    pub session_id: String,
    pub csrf: String,
    /// Where the request came from (for the audit trail).
    pub ip: Option<String>,
    /// A staff password older than 90 days: nothing but changing it is allowed.
    pub password_expired: bool,
    /// A role that needs a second factor, on an install that requires it, without one
    /// enrolled: nothing but enrolling is allowed (the step-up challenge).
    pub second_factor_missing: bool,
}

impl CurrentUser {
    /// The user as the audit trail records them.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.id),
            name: self.username.clone(),
            ip: self.ip.clone(),
        }
    }
}

/// Who acts on a service that both people and the platform itself call: a signed-in user
/// (whose role and scope the service checks), or the system — a background job, the
/// command line, the demo seeder — named for the audit trail.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    User(&'a CurrentUser),
    System(&'static str),
}

impl Who<'_> {
    pub fn actor(&self) -> Actor {
        match self {
            Who::User(u) => u.actor(),
            Who::System(name) => Actor::named(name),
        }
    }

    pub fn user(&self) -> Option<&CurrentUser> {
        match self {
            Who::User(u) => Some(u),
            Who::System(_) => None,
        }
    }
}

/// A successful login: the secret token (cookie value and bearer token) and the user.
pub struct LoggedIn {
    pub token: String,
    pub user: CurrentUser,
}

fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Sessions are stored by the SHA-256 of their token, so a database leak yields no tokens.
pub fn token_id(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh random value for double-submit CSRF cookies on anonymous forms.
pub fn new_csrf() -> String {
    random_token()
}

/// Checks credentials under the throttle, opens a session. Every attempt is audited (a
/// throttled one once a minute per name and address, with the count). The password is
/// checked outside any transaction, on the blocking pool, a bounded number at a time, so a
/// login flood cannot hold the database or every core. Wrong password, unknown name,
/// disabled account and throttled attempt all give the same `AUTH_BAD_CREDENTIALS`.
#[tracing::instrument(skip_all)]
pub async fn login(
    st: &AppState,
    username: &str,
    pw: &str,
    otp: Option<&str>,
    ip: Option<String>,
) -> AppResult<LoggedIn> {
    let now = st.now_ms();
    let name = username.trim();
    let addr = ip.clone().unwrap_or_default();
    let mut actor = Actor {
        id: None,
        name: name.chars().take(40).collect(),
        ip: ip.clone(),
    };
    let throttled = st
        .login_throttle
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .check(name, &addr, now);
    if let Err(refusal) = throttled {
        if let Some(n) = st.audit_quietly(&format!("login:{}:{addr}", actor.name)) {
            let why = match refusal {
                Refusal::Account { .. } => "account",
                Refusal::Address { .. } => "address",
            };
            audit::record_alone(
                &st.db,
                now,
                &actor,
                Event::ok("auth.login", "user", "")
                    .result("throttled")
                    .with(serde_json::json!({"by": why, "attempts": n})),
            )
            .await?;
        }
        return Err(AppError::BadCredentials);
    }
    let user = {
        let mut tx = st.db.read().await?;
        store::find_by_username(&mut tx, name).await?
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let verified = verify_bounded(st, stored, pw).await?;
    let user = match user {
        Some(u) if verified && !u.disabled => u,
        other => {
            let reason = match &other {
                None => "unknown_user",
                Some(u) if u.disabled => "disabled",
                Some(_) => "bad_password",
            };
            if let Some(u) = &other {
                actor.id = Some(u.id);
            }
            let started = st
                .login_throttle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .failed(name, &addr, now);
            audit::record_alone(
                &st.db,
                now,
                &actor,
                Event::ok(
                    "auth.login",
                    "user",
                    other.as_ref().map(|u| u.id.to_string()).unwrap_or_default(),
                )
                .result("failed")
                .with(serde_json::json!({"reason": reason, "throttled": started.is_some()})),
            )
            .await?;
            return Err(AppError::BadCredentials);
        }
    };
    let actor = Actor {
        id: Some(user.id),
        name: user.username.clone(),
        ip: ip.clone(),
    };
    let mut tx = st.db.begin().await?;
    // The second factor, once enrolled, is always asked for. Its refusals come after a
    // right password, so they may say what is missing; a wrong code counts as a failure.
    let mut factor = None;
    if user.totp_enabled_at.is_some() {
        let given = otp.map(str::trim).filter(|c| !c.is_empty());
        let ok = match given {
            Some(code) => second_factor::check_at_login(st, &mut tx, &user, code, now).await?,
            None => None,
        };
        if ok.is_none() {
            drop(tx);
            let (reason, code) = match given {
                None => ("otp_required", "AUTH_OTP_REQUIRED"),
                Some(_) => ("otp_invalid", "AUTH_OTP_INVALID"),
            };
            if given.is_some() {
                st.login_throttle
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .failed(name, &addr, now);
            }
            audit::record_alone(
                &st.db,
                now,
                &actor,
                Event::ok("auth.login", "user", user.id)
                    .result("failed")
                    .with(serde_json::json!({"reason": reason})),
            )
            .await?;
            return Err(AppError::Challenge(code));
        }
        factor = ok;
    }
    st.login_throttle
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .succeeded(name, &addr);
    let token = random_token();
    let id = token_id(&token);
    let csrf = random_token();
    let expires_at = now + st.config.session_absolute_ms;
    store::insert_session(
        &mut tx,
        &NewSession {
            id: &id,
            user_id: user.id,
            kind: "web",
            csrf: &csrf,
            expires_at,
            ip: ip.as_deref(),
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok("auth.login", "user", user.id).with(serde_json::json!({"second_factor": factor})),
    )
    .await?;
    tx.commit().await?;
    let role = Role::parse(&user.role)
        .map_err(|_| anyhow::anyhow!("user {} has unknown role", user.id))?;
    Ok(LoggedIn {
        token,
        user: CurrentUser {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role,
            scope: Scope::from_parts(&user.scope_kind, user.scope_id),
            resident_id: user.resident_id,
            lang: Lang::parse(&user.lang),
            elder_mode: user.elder_mode,
            session_id: id,
            csrf,
            ip,
            password_expired: expired(role, user.password_changed_at, now),
            second_factor_missing: factor_missing(st, role, user.totp_enabled_at),
        },
    })
}

fn factor_missing(st: &AppState, role: Role, enabled_at: Option<i64>) -> bool {
    st.config.require_totp && role.needs_second_factor() && enabled_at.is_none()
}

fn expired(role: Role, changed_at: i64, now: i64) -> bool {
    role.password_expires() && now - changed_at > gongzhi_core::identity::PASSWORD_MAX_AGE_MS
}

/// Resolves a token to its user if the session is live; refreshes `last_seen` at most once
/// a minute (so reads stay reads). `ip` is where the request came from.
pub async fn authenticate(
    st: &AppState,
    token: &str,
    ip: Option<String>,
) -> AppResult<Option<CurrentUser>> {
    let now = st.now_ms();
    let id = token_id(token);
    let mut tx = st.db.read().await?;
    let Some(s) = store::find_session(&mut tx, &id).await? else {
        return Ok(None);
    };
    drop(tx);
    let idle_ok = s.kind == "integration" || now - s.last_seen <= st.config.session_idle_ms;
    if s.revoked_at.is_some() || s.disabled || now >= s.expires_at || !idle_ok {
        return Ok(None);
    }
    if now - s.last_seen > 60_000 {
        let mut tx = st.db.begin().await?;
        store::touch_session(&mut tx, &id, now).await?;
        tx.commit().await?;
    }
    let Ok(role) = Role::parse(&s.role) else {
        return Ok(None);
    };
    Ok(Some(CurrentUser {
        id: s.user_id,
        username: s.username,
        display_name: s.display_name,
        role,
        scope: Scope::from_parts(&s.scope_kind, s.scope_id),
        resident_id: s.resident_id,
        lang: Lang::parse(&s.lang),
        elder_mode: s.elder_mode,
        session_id: s.session_id,
        csrf: s.csrf,
        ip,
        password_expired: s.kind != "integration" && expired(role, s.password_changed_at, now),
        second_factor_missing: s.kind != "integration"
            && factor_missing(st, role, s.totp_enabled_at),
    }))
}

/// Ends the session on the server.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn logout(st: &AppState, user: &CurrentUser) -> AppResult<()> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::revoke_session(&mut tx, &user.session_id, now).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("auth.logout", "user", user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a long-lived integration token for a user (shown once).
/// The command line's call (`gongzhi admin create-token`): the system acts.
pub async fn create_integration_token(
    st: &AppState,
    who: Who<'_>,
    username: &str,
    days: i64,
) -> AppResult<String> {
    if let Who::User(u) = who
        && !u.role.may_administer()
    {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let user = store::find_by_username(&mut tx, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = random_token();
    let id = token_id(&token);
    store::insert_session(
        &mut tx,
        &NewSession {
            id: &id,
            user_id: user.id,
            kind: "integration",
            csrf: &random_token(),
            expires_at: now + days * 86_400_000,
            ip: None,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &who.actor(),
        Event::ok("token.create", "user", user.id).with(serde_json::json!({"days": days})),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Saves the user's language and elderly-mode choice.
pub async fn set_prefs(
    st: &AppState,
    user: &CurrentUser,
    lang: Lang,
    elder: bool,
) -> AppResult<()> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::set_prefs(&mut tx, user.id, lang.code(), elder, now).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("user.prefs", "user", user.id)
            .with(serde_json::json!({"lang": lang.code(), "elder_mode": elder})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's account and sessions (never a token or a hash), for the export.
pub async fn export_own(st: &AppState, user: &CurrentUser) -> AppResult<serde_json::Value> {
    let mut tx = st.db.read().await?;
    let u = store::find(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sessions = store::sessions_of(&mut tx, user.id).await?;
    Ok(serde_json::json!({
        "account": {
            "id": u.id, "username": u.username, "display_name": u.display_name,
            "role": u.role, "scope": [u.scope_kind, u.scope_id], "lang": u.lang,
            "elder_mode": u.elder_mode, "created_at_ms": u.created_at, "disabled": u.disabled,
        },
        "sessions": sessions.into_iter().map(|(kind, created, last, expires, revoked, ip)| serde_json::json!({
            "kind": kind, "created_at_ms": created, "last_seen_ms": last, "expires_at_ms": expires,
            "revoked_at_ms": revoked, "ip": ip,
        })).collect::<Vec<_>>(),
    }))
}

/// Checks a password against a stored hash off the async workers, a bounded number at a
/// time (the login's rule, for every check).
async fn verify_bounded(st: &AppState, stored: Option<String>, pw: &str) -> AppResult<bool> {
    let pw = zeroize::Zeroizing::new(pw.to_string());
    hashing(st, move || match stored {
        Some(h) => password::verify(&h, &pw),
        None => {
            password::dummy_verify(&pw);
            false
        }
    })
    .await
}

/// Runs password hashing work on the blocking pool, at most `st.hashing`'s permits at once.
async fn hashing<T: Send + 'static>(
    st: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    let _permit = st
        .hashing
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("hashing pool closed: {e}"))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing: {e}")))
}

/// Changes the caller's own password: the current one must be right, the new one must pass
/// the policy and differ from it. The caller's other sessions end; this one goes on.
pub async fn change_password(
    st: &AppState,
    user: &CurrentUser,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let row = {
        let mut tx = st.db.read().await?;
        store::find(&mut tx, user.id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    if !verify_bounded(st, Some(row.password_hash.clone()), current).await? {
        audit::record_alone(
            &st.db,
            st.now_ms(),
            &user.actor(),
            Event::ok("user.password", "user", user.id).result("failed"),
        )
        .await?;
        return Err(AppError::Invalid {
            code: "PASSWORD_CURRENT_WRONG",
            field: Some("current"),
        });
    }
    gongzhi_core::identity::check_new_password(new, &[&row.username, &row.display_name])
        .map_err(|e| AppError::field("password", e))?;
    if new == current {
        return Err(AppError::Invalid {
            code: "PASSWORD_SAME",
            field: Some("password"),
        });
    }
    let cost = st.config.password_cost;
    let plain = zeroize::Zeroizing::new(new.to_string());
    let hash = hashing(st, move || password::hash(cost, &plain)).await??;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::set_password(&mut tx, user.id, &hash, now).await?;
    let ended = store::revoke_other_sessions(&mut tx, user.id, &user.session_id, now).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("user.password", "user", user.id)
            .with(serde_json::json!({"other_sessions_ended": ended, "was_expired": user.password_expired})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Staff accounts unused this long are disabled (security checklist 25).
pub const DORMANT_AFTER_MS: i64 = 90 * 86_400_000;

/// Disables staff accounts with no sign-in for [`DORMANT_AFTER_MS`] and ends their
/// sessions, each audited; an administrator (or the operator) enables them again. Returns
/// how many were disabled.
pub async fn disable_dormant(st: &AppState) -> AppResult<u64> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let ids = store::dormant_staff(&mut tx, now - DORMANT_AFTER_MS).await?;
    for &id in &ids {
        store::set_disabled(&mut tx, id, true, now).await?;
        store::revoke_user_sessions(&mut tx, id, now).await?;
        audit::record(
            &mut tx,
            now,
            &Actor::named("housekeeping"),
            Event::ok("user.dormant", "user", id)
                .with(serde_json::json!({"idle_days": DORMANT_AFTER_MS / 86_400_000})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids.len() as u64)
}

/// Hourly upkeep of identity and related keys: dormant staff accounts disabled,
/// idempotency keys older than a week forgotten; once a day the retention job.
pub async fn housekeeping(st: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    let mut hours = 0u64;
    loop {
        every.tick().await;
        // Retention once a day (the first hour included).
        if hours.is_multiple_of(24) {
            match crate::retention::run(&st).await {
                Ok(p) => tracing::info!(?p, "retention run"),
                Err(e) => tracing::warn!(error = %e, "retention run"),
            }
        }
        hours += 1;
        match disable_dormant(&st).await {
            Ok(n) if n > 0 => tracing::info!(disabled = n, "dormant staff accounts disabled"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "disabling dormant accounts"),
        }
        let week = st.now_ms() - 7 * 86_400_000;
        if let Err(e) = crate::idempotency::forget_before(&st.db, week).await {
            tracing::warn!(error = %e, "forgetting idempotency keys");
        }
    }
}

/// The pseudonym an erased account keeps (in the trail and the ledger's references).
pub fn pseudonym(id: i64) -> String {
    format!("cancelled-{id}")
}

/// Erases an account inside the caller's transaction: name, display name, contacts and
/// second factor replaced or removed, the password made unusable, sessions ended. The row
/// stays (as a pseudonym) so that records pointing at it keep their meaning. Idempotent.
pub async fn erase_account(tx: &mut crate::db::Tx, id: i64, now: i64) -> AppResult<u64> {
    let n = store::erase(tx, id, &pseudonym(id), now).await?;
    store::revoke_user_sessions(tx, id, now).await?;
    store::clear_totp(tx, id, now).await?;
    Ok(n)
}

/// Checks the caller's own password again (before cancelling the account), off the async
/// workers like a login.
pub async fn recheck_password(st: &AppState, user: &CurrentUser, pw: &str) -> AppResult<bool> {
    let row = {
        let mut tx = st.db.read().await?;
        store::find(&mut tx, user.id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    verify_bounded(st, Some(row.password_hash), pw).await
}

/// Retention: sessions that ended before `cutoff` are deleted; rows deleted.
pub async fn purge_sessions(tx: &mut crate::db::Tx, cutoff: i64) -> AppResult<u64> {
    Ok(store::purge_sessions(tx, cutoff).await?)
}
