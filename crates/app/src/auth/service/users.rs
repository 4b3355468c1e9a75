//! Accounts: creating users, the administrator's list and access changes, and the lookups
//! other domains make of an account (by name for the command line and the demo, by id for
//! a service that must know a user's role or resident record).

use gongzhi_core::identity::{self, Role, Scope};

use super::{CurrentUser, Who};
use crate::audit::{self, Actor, Event};
use crate::auth::password;
use crate::auth::store::{self, NewUser, UserRow};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use crate::web::{Page, PageParams};

/// Only administrators manage accounts (separation of duties: not the auditor).
fn require_admin(user: &CurrentUser) -> AppResult<()> {
    if user.role.may_administer() {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
}

/// Refuses a scope whose unit (or resident record) does not exist at its level.
async fn check_scope(st: &AppState, scope: Scope) -> AppResult<()> {
    let ok = match scope {
        Scope::OwnResident(id) => crate::residents::service::party(st, id).await?.is_some(),
        other => crate::org::service::scope_exists(st, other),
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::Invalid {
            code: "SCOPE_INVALID",
            field: Some("scope_id"),
        })
    }
}

/// What a new account is.
pub struct UserSpec<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub scope: Scope,
    pub resident_id: Option<i64>,
}

/// Validates and creates a user inside the caller's transaction (the demo seeder and the
/// test fixtures, which write a district in one transaction).
#[tracing::instrument(skip_all, fields(username = %spec.username))]
pub async fn create_user_in(
    st: &AppState,
    tx: &mut crate::db::Tx,
    actor: &Actor,
    spec: &UserSpec<'_>,
) -> AppResult<i64> {
    if !identity::check_username(spec.username) {
        return Err(AppError::Invalid {
            code: "USERNAME_INVALID",
            field: Some("username"),
        });
    }
    identity::check_new_password(spec.password, &[spec.username, spec.display_name])
        .map_err(|e| AppError::field("password", e))?;
    if !gongzhi_core::org::check_name(spec.display_name) {
        return Err(AppError::Invalid {
            code: "NAME_INVALID",
            field: Some("display_name"),
        });
    }
    let hash = password::hash(st.config.password_cost, spec.password)?;
    let now = st.now_ms();
    let new = NewUser {
        username: spec.username,
        display_name: spec.display_name.trim(),
        role: spec.role.code(),
        scope_kind: spec.scope.kind(),
        scope_id: spec.scope.id(),
        resident_id: spec.resident_id,
        password_hash: &hash,
    };
    let id = crate::db::unique_or(
        store::insert(tx, &new, now).await,
        "USERNAME_TAKEN",
        "username",
    )?;
    audit::record(tx, now, actor, Event::ok("user.create", "user", id).with(serde_json::json!({
        "username": spec.username, "role": spec.role.code(), "scope": spec.scope.kind(), "scope_id": spec.scope.id()
    }))).await?;
    Ok(id)
}

/// Creates a user: an administrator, or the system (`gongzhi admin create-user`).
pub async fn create_user(st: &AppState, who: Who<'_>, spec: &UserSpec<'_>) -> AppResult<i64> {
    if let Who::User(u) = who {
        require_admin(u)?;
        if !u.role.may_manage_role(spec.role) {
            return Err(AppError::Forbidden("ROLE_SEPARATED"));
        }
    }
    check_scope(st, spec.scope).await?;
    let mut tx = st.db.begin().await?;
    let id = create_user_in(st, &mut tx, &who.actor(), spec).await?;
    tx.commit().await?;
    Ok(id)
}

/// A user row as the admin list shows it (no hash).
pub struct UserItem {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
    pub scope_name: String,
    pub disabled: bool,
}

/// Accounts, optionally of one role, for an administrator.
pub async fn list_users(
    st: &AppState,
    user: &CurrentUser,
    role: &str,
    p: &PageParams,
) -> AppResult<Page<UserItem>> {
    require_admin(user)?;
    let mut tx = st.db.read().await?;
    let (rows, total) = store::list(&mut tx, role, p.per_page(), p.offset()).await?;
    let items = rows
        .into_iter()
        .map(|u| {
            let scope = Scope::from_parts(&u.scope_kind, u.scope_id);
            UserItem {
                id: u.id,
                role: Role::parse(&u.role).unwrap_or(Role::Resident),
                scope_name: crate::web::layout::scope_label(st, scope, user.lang),
                username: u.username,
                display_name: u.display_name,
                scope_kind: u.scope_kind,
                scope_id: u.scope_id,
                disabled: u.disabled,
            }
        })
        .collect();
    Ok(Page::new(items, p, total))
}

/// The access an administrator gives a user.
pub struct Access<'a> {
    pub role: Role,
    pub scope: Scope,
    pub display_name: &'a str,
    pub disabled: bool,
}

/// Changes a user's role, scope and name, and enables or disables the account; a change of
/// access or a disabled account ends the user's sessions.
pub async fn update_user(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    access: Access<'_>,
) -> AppResult<()> {
    let Access {
        role,
        scope,
        display_name,
        disabled,
    } = access;
    require_admin(user)?;
    check_scope(st, scope).await?;
    if !gongzhi_core::org::check_name(display_name) {
        return Err(AppError::Invalid {
            code: "NAME_INVALID",
            field: Some("display_name"),
        });
    }
    if id == user.id && (disabled || role != Role::Admin) {
        return Err(AppError::Invalid {
            code: "CANNOT_DEMOTE_SELF",
            field: None,
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let before = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let before_role = Role::parse(&before.role).unwrap_or(Role::Resident);
    if !user.role.may_manage_role(before_role) || !user.role.may_manage_role(role) {
        return Err(AppError::Forbidden("ROLE_SEPARATED"));
    }
    store::update_access(
        &mut tx,
        id,
        role.code(),
        scope.kind(),
        scope.id(),
        display_name.trim(),
        now,
    )
    .await?;
    store::set_disabled(&mut tx, id, disabled, now).await?;
    let access_changed = before.role != role.code()
        || before.scope_kind != scope.kind()
        || before.scope_id != scope.id();
    if disabled || access_changed {
        store::revoke_user_sessions(&mut tx, id, now).await?;
    }
    audit::record(&mut tx, now, &user.actor(), Event::ok("user.update", "user", id).with(serde_json::json!({
        "role": {"from": before.role, "to": role.code()},
        "scope": {"from": [before.scope_kind, before.scope_id.map(|v| v.to_string()).unwrap_or_default()], "to": [scope.kind(), scope.id().map(|v| v.to_string()).unwrap_or_default()]},
        "disabled": disabled,
    }))).await?;
    tx.commit().await?;
    Ok(())
}

/// An account as other domains see it: who, which role, where, and their resident record.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Option<Role>,
    pub scope: Scope,
    pub resident_id: Option<i64>,
}

impl From<UserRow> for Account {
    fn from(u: UserRow) -> Self {
        Account {
            id: u.id,
            role: Role::parse(&u.role).ok(),
            scope: Scope::from_parts(&u.scope_kind, u.scope_id),
            username: u.username,
            display_name: u.display_name,
            resident_id: u.resident_id,
        }
    }
}

/// An account by user name (the command line, the demo seeder).
pub async fn account_named(st: &AppState, username: &str) -> AppResult<Option<Account>> {
    let mut tx = st.db.read().await?;
    Ok(store::find_by_username(&mut tx, username)
        .await?
        .map(Account::from))
}

/// An account by id, for a service that has decided its caller may act on a matter naming
/// this user (e.g. a mediator registering a colleague, a dispute made from a case).
pub async fn account(st: &AppState, id: i64) -> AppResult<Option<Account>> {
    let mut tx = st.db.read().await?;
    Ok(store::find(&mut tx, id).await?.map(Account::from))
}

/// The user `username` as a job or the command line acts for them (no session): what a
/// service then allows is exactly what it allows that user.
pub async fn acting_as(st: &AppState, username: &str) -> AppResult<CurrentUser> {
    let mut tx = st.db.read().await?;
    let u = store::find_by_username(&mut tx, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let role =
        Role::parse(&u.role).map_err(|_| anyhow::anyhow!("user {} has unknown role", u.id))?;
    Ok(CurrentUser {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role,
        scope: Scope::from_parts(&u.scope_kind, u.scope_id),
        resident_id: u.resident_id,
        lang: Lang::parse(&u.lang),
        elder_mode: u.elder_mode,
        session_id: String::new(),
        csrf: String::new(),
        ip: None,
        password_expired: false,
        second_factor_missing: false,
    })
}

/// The accounts of some residents, inside the caller's transaction (a service telling
/// residents of something it has decided they should hear about).
pub async fn accounts_of_residents(
    tx: &mut crate::db::Tx,
    residents: &[i64],
) -> AppResult<Vec<i64>> {
    Ok(store::accounts_of_residents(tx, residents).await?)
}
