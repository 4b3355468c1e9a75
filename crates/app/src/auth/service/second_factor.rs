//! The second factor (security checklist 24): TOTP enrolment, the login's check, recovery
//! codes, and the operator's reset. Staff, mediators and administrators must enrol when the
//! install requires it (`Config::require_totp`); anyone may.

use gongzhi_core::identity::totp;
use sha2::{Digest, Sha256};

use super::CurrentUser;
use crate::audit::{self, Actor, Event};
use crate::auth::store;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The sealed field of TOTP secrets (associated data of the AEAD).
pub const TOTP_FIELD: &str = "users.totp";
/// The issuer shown in authenticator apps.
const ISSUER: &str = "共治 gongzhi";

/// A started enrolment: the secret to type in, and the link to scan.
#[derive(Debug, Clone)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
}

/// Whether the caller has the second factor on, and how many recovery codes are left.
pub async fn status(st: &AppState, user: &CurrentUser) -> AppResult<(bool, i64)> {
    let mut tx = st.db.read().await?;
    let row = store::find(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let left = store::recovery_codes_left(&mut tx, user.id).await?;
    Ok((row.totp_enabled_at.is_some(), left))
}

/// Starts enrolment: a new secret, kept sealed and pending until a code from it is
/// confirmed. Once the factor is on, `409 TOTP_ALREADY_ON` (the operator resets it).
pub async fn begin(st: &AppState, user: &CurrentUser) -> AppResult<Enrolment> {
    let secret = totp::new_secret();
    let sealed = st.cipher.encrypt(TOTP_FIELD, &secret);
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if store::set_totp_pending(&mut tx, user.id, &sealed, now).await? == 0 {
        return Err(AppError::Conflict("TOTP_ALREADY_ON"));
    }
    tx.commit().await?;
    Ok(Enrolment {
        uri: totp::otpauth_uri(ISSUER, &user.username, &secret),
        secret,
    })
}

/// The pending enrolment's secret again (the page shows it until confirmed).
pub async fn pending(st: &AppState, user: &CurrentUser) -> AppResult<Option<Enrolment>> {
    let mut tx = st.db.read().await?;
    let row = store::find(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.totp_enabled_at.is_some() {
        return Ok(None);
    }
    Ok(row
        .totp_sealed
        .and_then(|s| st.cipher.decrypt(TOTP_FIELD, &s).ok())
        .map(|secret| Enrolment {
            uri: totp::otpauth_uri(ISSUER, &user.username, &secret),
            secret,
        }))
}

fn hash_code(code: &str) -> String {
    hex::encode(Sha256::digest(totp::normalise_recovery(code).as_bytes()))
}

/// Confirms enrolment with a code from the app: the factor is on, and the recovery codes
/// (shown this once) are returned. Audited.
pub async fn confirm(st: &AppState, user: &CurrentUser, code: &str) -> AppResult<Vec<String>> {
    let now = st.now_ms();
    let Some(p) = pending(st, user).await? else {
        let (on, _) = status(st, user).await?;
        return Err(if on {
            AppError::Conflict("TOTP_ALREADY_ON")
        } else {
            AppError::Conflict("TOTP_NOT_STARTED")
        });
    };
    let Some(step) = totp::verify(&p.secret, code, now, None) else {
        return Err(AppError::Invalid {
            code: "TOTP_CODE_WRONG",
            field: Some("code"),
        });
    };
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| hash_code(c)).collect();
    let mut tx = st.db.begin().await?;
    if store::enable_totp(&mut tx, user.id, step, now).await? == 0 {
        return Err(AppError::Conflict("TOTP_ALREADY_ON"));
    }
    store::set_recovery_codes(&mut tx, user.id, &hashes).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("user.totp", "user", user.id).with(serde_json::json!({"action": "enable"})),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

/// The login's check of the second factor, inside the transaction that opens the session:
/// a TOTP code of a step not used before, or an unspent recovery code. Returns how the
/// factor was given (`totp` or `recovery`), or `None` when the code is wrong or used.
pub(super) async fn check_at_login(
    st: &AppState,
    tx: &mut Tx,
    user: &store::UserRow,
    typed: &str,
    now: i64,
) -> AppResult<Option<&'static str>> {
    if totp::looks_like_recovery(typed) {
        let used = store::use_recovery_code(tx, user.id, &hash_code(typed), now).await?;
        return Ok((used == 1).then_some("recovery"));
    }
    let Some(secret) = user
        .totp_sealed
        .as_deref()
        .and_then(|s| st.cipher.decrypt(TOTP_FIELD, s).ok())
    else {
        return Ok(None);
    };
    let Some(step) = totp::verify(&secret, typed, now, user.totp_last_step) else {
        return Ok(None);
    };
    // The conditional update makes a concurrent replay of the same code lose.
    Ok((store::use_totp_step(tx, user.id, step).await? == 1).then_some("totp"))
}

/// The operator's reset (a lost phone and lost recovery codes): the factor and its codes
/// are removed and the user's sessions end; they enrol again at their next sign-in.
pub async fn reset(st: &AppState, username: &str, by: &'static str) -> AppResult<()> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let user = store::find_by_username(&mut tx, username)
        .await?
        .ok_or(AppError::NotFound)?;
    store::clear_totp(&mut tx, user.id, now).await?;
    store::revoke_user_sessions(&mut tx, user.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &Actor::named(by),
        Event::ok("user.totp", "user", user.id).with(serde_json::json!({"action": "reset"})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
