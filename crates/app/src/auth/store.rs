//! Every SQL statement of identity and access: users, sessions, login failures.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub password_hash: String,
    pub disabled: bool,
    pub lang: String,
    pub elder_mode: bool,
    pub created_at: i64,
    /// When the password was last set (creation, a change, a reset).
    pub password_changed_at: i64,
    /// The TOTP secret, sealed (pending until `totp_enabled_at` is set).
    pub totp_sealed: Option<String>,
    pub totp_enabled_at: Option<i64>,
    pub totp_last_step: Option<i64>,
}

/// A user row joined with its live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub session_id: String,
    pub kind: String,
    pub csrf: String,
    pub last_seen: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub disabled: bool,
    pub lang: String,
    pub elder_mode: bool,
    pub password_changed_at: i64,
    pub totp_enabled_at: Option<i64>,
}

const BY_USERNAME: &str = "select id, username, display_name, role, scope_kind, scope_id, resident_id, password_hash, disabled, lang, elder_mode, created_at, coalesce(password_changed_at, created_at) as password_changed_at, totp_sealed, totp_enabled_at, totp_last_step from users where username = $1";
const BY_ID: &str = "select id, username, display_name, role, scope_kind, scope_id, resident_id, password_hash, disabled, lang, elder_mode, created_at, coalesce(password_changed_at, created_at) as password_changed_at, totp_sealed, totp_enabled_at, totp_last_step from users where id = $1";

const INSERT_USER: &str = "insert into users (username, display_name, role, scope_kind, scope_id, resident_id, password_hash, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id";
const LIST_USERS: &str = "select id, username, display_name, role, scope_kind, scope_id, resident_id, password_hash, disabled, lang, elder_mode, created_at, coalesce(password_changed_at, created_at) as password_changed_at, totp_sealed, totp_enabled_at, totp_last_step \
     from users where ($1 = '' or role = $1) order by id limit $2 offset $3";
const COUNT_USERS: &str = "select count(*) from users where ($1 = '' or role = $1)";
const UPDATE_ACCESS: &str = "update users set role = $2, scope_kind = $3, scope_id = $4, display_name = $5, updated_at = $6 where id = $1";
const SET_DISABLED: &str = "update users set disabled = $2, updated_at = $3 where id = $1";
const SET_PREFS: &str =
    "update users set lang = $2, elder_mode = $3, updated_at = $4 where id = $1";

const INSERT_SESSION: &str = "insert into sessions (id, user_id, kind, csrf, created_at, last_seen, expires_at, ip) values ($1, $2, $3, $4, $5, $5, $6, $7)";
const FIND_SESSION: &str = "select s.id as session_id, s.kind, s.csrf, s.created_at, s.last_seen, s.expires_at, s.revoked_at, \
     u.id as user_id, u.username, u.display_name, u.role, u.scope_kind, u.scope_id, u.resident_id, u.disabled, u.lang, u.elder_mode, coalesce(u.password_changed_at, u.created_at) as password_changed_at, u.totp_enabled_at \
     from sessions s join users u on u.id = s.user_id where s.id = $1";
const SET_PASSWORD: &str =
    "update users set password_hash = $2, password_changed_at = $3, updated_at = $3 where id = $1";
const REVOKE_OTHER_SESSIONS: &str =
    "update sessions set revoked_at = $3 where user_id = $1 and id <> $2 and revoked_at is null";
const TOUCH_SESSION: &str = "update sessions set last_seen = $2 where id = $1";
const REVOKE_SESSION: &str =
    "update sessions set revoked_at = $2 where id = $1 and revoked_at is null";
const REVOKE_USER_SESSIONS: &str =
    "update sessions set revoked_at = $2 where user_id = $1 and revoked_at is null";

pub async fn find_by_username(tx: &mut Tx, username: &str) -> Result<Option<UserRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(BY_USERNAME)
        .bind(username)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn find(tx: &mut Tx, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(BY_ID)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

/// New user fields.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub scope_kind: &'a str,
    pub scope_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub password_hash: &'a str,
}

pub async fn insert(tx: &mut Tx, u: &NewUser<'_>, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT_USER)
        .bind(u.username)
        .bind(u.display_name)
        .bind(u.role)
        .bind(u.scope_kind)
        .bind(u.scope_id)
        .bind(u.resident_id)
        .bind(u.password_hash)
        .bind(now)
        .fetch_one(&mut **c)
        .await)
}

pub async fn list(
    tx: &mut Tx,
    role: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UserRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |c| sqlx::query_as(LIST_USERS)
        .bind(role)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?;
    let total = on_tx!(tx, |c| sqlx::query_scalar(COUNT_USERS)
        .bind(role)
        .fetch_one(&mut **c)
        .await)?;
    Ok((rows, total))
}

pub async fn update_access(
    tx: &mut Tx,
    id: i64,
    role: &str,
    scope_kind: &str,
    scope_id: Option<i64>,
    display_name: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(UPDATE_ACCESS)
        .bind(id)
        .bind(role)
        .bind(scope_kind)
        .bind(scope_id)
        .bind(display_name)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn set_disabled(
    tx: &mut Tx,
    id: i64,
    disabled: bool,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_DISABLED)
        .bind(id)
        .bind(disabled)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn set_prefs(
    tx: &mut Tx,
    id: i64,
    lang: &str,
    elder: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_PREFS)
        .bind(id)
        .bind(lang)
        .bind(elder)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

/// New session fields (the id is the token's hash).
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub kind: &'a str,
    pub csrf: &'a str,
    pub expires_at: i64,
    pub ip: Option<&'a str>,
}

pub async fn insert_session(tx: &mut Tx, s: &NewSession<'_>, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(INSERT_SESSION)
        .bind(s.id)
        .bind(s.user_id)
        .bind(s.kind)
        .bind(s.csrf)
        .bind(now)
        .bind(s.expires_at)
        .bind(s.ip)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

pub async fn find_session(tx: &mut Tx, id: &str) -> Result<Option<SessionUser>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(FIND_SESSION)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn touch_session(tx: &mut Tx, id: &str, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(TOUCH_SESSION)
        .bind(id)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

pub async fn revoke_session(tx: &mut Tx, id: &str, now: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(REVOKE_SESSION)
        .bind(id)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn revoke_user_sessions(tx: &mut Tx, user_id: i64, now: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(REVOKE_USER_SESSIONS)
        .bind(user_id)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const SESSIONS_OF: &str = "select kind, created_at, last_seen, expires_at, revoked_at, ip from sessions where user_id = $1 order by created_at";

/// A user's sessions: (kind, created, last seen, expires, revoked, ip).
#[allow(clippy::type_complexity)]
pub async fn sessions_of(
    tx: &mut Tx,
    user_id: i64,
) -> Result<Vec<(String, i64, i64, i64, Option<i64>, Option<String>)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(SESSIONS_OF)
        .bind(user_id)
        .fetch_all(&mut **c)
        .await)
}

pub async fn set_password(tx: &mut Tx, id: i64, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_PASSWORD)
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ()))
}

/// Ends every session of the user but `keep`.
pub async fn revoke_other_sessions(
    tx: &mut Tx,
    user_id: i64,
    keep: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(REVOKE_OTHER_SESSIONS)
        .bind(user_id)
        .bind(keep)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const DORMANT_STAFF: &str = "select u.id from users u where u.role <> 'resident' and not u.disabled \
     and coalesce((select max(s.last_seen) from sessions s where s.user_id = u.id and s.kind <> 'integration'), u.created_at) < $1 \
     and u.created_at < $1 order by u.id";

/// Staff accounts with no sign-in activity since `before`.
pub async fn dormant_staff(tx: &mut Tx, before: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(DORMANT_STAFF)
        .bind(before)
        .fetch_all(&mut **c)
        .await)
}

const SET_TOTP_PENDING: &str = "update users set totp_sealed = $2, totp_enabled_at = null, totp_last_step = null, updated_at = $3 where id = $1 and totp_enabled_at is null";
const ENABLE_TOTP: &str = "update users set totp_enabled_at = $2, totp_last_step = $3, updated_at = $2 where id = $1 and totp_enabled_at is null and totp_sealed is not null";
const USE_STEP: &str = "update users set totp_last_step = $2 where id = $1 and (totp_last_step is null or totp_last_step < $2)";
const CLEAR_TOTP: &str = "update users set totp_sealed = null, totp_enabled_at = null, totp_last_step = null, updated_at = $2 where id = $1";
const DELETE_RECOVERY: &str = "delete from recovery_codes where user_id = $1";
const INSERT_RECOVERY: &str = "insert into recovery_codes (user_id, code_sha256) values ($1, $2)";
const USE_RECOVERY: &str = "update recovery_codes set used_at = $3 where user_id = $1 and code_sha256 = $2 and used_at is null";
const RECOVERY_LEFT: &str =
    "select count(*) from recovery_codes where user_id = $1 and used_at is null";

/// Stores a new, not yet confirmed TOTP secret (refused once one is enabled: 0 rows).
pub async fn set_totp_pending(
    tx: &mut Tx,
    id: i64,
    sealed: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(SET_TOTP_PENDING)
        .bind(id)
        .bind(sealed)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

/// Turns the pending secret on, with the step of the confirming code used.
pub async fn enable_totp(tx: &mut Tx, id: i64, step: i64, now: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(ENABLE_TOTP)
        .bind(id)
        .bind(now)
        .bind(step)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

/// Records a time step as used; 0 rows when it (or a later one) already was: a replay.
pub async fn use_totp_step(tx: &mut Tx, id: i64, step: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(USE_STEP)
        .bind(id)
        .bind(step)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

/// Removes the second factor and its recovery codes (the operator's reset).
pub async fn clear_totp(tx: &mut Tx, id: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(CLEAR_TOTP)
        .bind(id)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    on_tx!(tx, |c| sqlx::query(DELETE_RECOVERY)
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Replaces the user's recovery codes (given as SHA-256 hex).
pub async fn set_recovery_codes(
    tx: &mut Tx,
    id: i64,
    hashes: &[String],
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(DELETE_RECOVERY)
        .bind(id)
        .execute(&mut **c)
        .await
        .map(|_| ()))?;
    for h in hashes {
        on_tx!(tx, |c| sqlx::query(INSERT_RECOVERY)
            .bind(id)
            .bind(h)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// Spends a recovery code; 0 rows when it is unknown or already spent.
pub async fn use_recovery_code(
    tx: &mut Tx,
    id: i64,
    hash: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(USE_RECOVERY)
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn recovery_codes_left(tx: &mut Tx, id: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(RECOVERY_LEFT)
        .bind(id)
        .fetch_one(&mut **c)
        .await)
}

const ERASE_USER: &str = "update users set username = $2, display_name = $3, password_hash = '!', disabled = true, \
     notify_email = null, notify_phone_enc = null, totp_sealed = null, totp_enabled_at = null, totp_last_step = null, updated_at = $4 where id = $1 and username <> $2";

/// Replaces an account's personal data with a pseudonym and makes it unusable.
pub async fn erase(tx: &mut Tx, id: i64, pseudonym: &str, now: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(ERASE_USER)
        .bind(id)
        .bind(pseudonym)
        .bind("已注销用户")
        .bind(now)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const PURGE_SESSIONS: &str =
    "delete from sessions where (revoked_at is not null and revoked_at < $1) or expires_at < $1";

/// Deletes sessions that ended before `cutoff` (they hold addresses); rows deleted.
pub async fn purge_sessions(tx: &mut Tx, cutoff: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(PURGE_SESSIONS)
        .bind(cutoff)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

/// The enabled accounts of some residents (to tell them of a meeting, an answer).
pub async fn accounts_of_residents(
    tx: &mut Tx,
    residents: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    if residents.is_empty() {
        return Ok(vec![]);
    }
    let ids = residents
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql =
        format!("select id from users where resident_id in ({ids}) and not disabled order by id");
    on_tx!(tx, |c| sqlx::query_scalar(&sql).fetch_all(&mut **c).await)
}
