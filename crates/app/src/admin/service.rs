//! Administration use-cases. Only the admin role may call them (function-level check here,
//! so every front end gets it).

use gongzhi_core::identity::{Role, Scope};

use crate::audit::{self, Event};
use crate::auth::service::{self as auth, CurrentUser, UserSpec};
use crate::auth::store as users;
use crate::error::{AppError, AppResult};
use crate::org::store as org_store;
use crate::state::AppState;
use crate::web::{Ctx, Page, PageParams};

pub fn require_admin(user: &CurrentUser) -> AppResult<()> {
    if user.role.may_administer() {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
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
    pub locked: bool,
}

pub async fn list_users(
    st: &AppState,
    user: &CurrentUser,
    role: &str,
    p: &PageParams,
) -> AppResult<Page<UserItem>> {
    require_admin(user)?;
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    let (rows, total) = users::list(&mut tx, role, p.per_page(), p.offset()).await?;
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
                locked: u.locked_until.is_some_and(|t| t > now),
            }
        })
        .collect();
    Ok(Page::new(items, p, total))
}

/// Parses a scope from form fields, checking the unit exists at that level.
pub async fn parse_scope(st: &AppState, kind: &str, id: Option<i64>) -> AppResult<Scope> {
    let scope = Scope::from_parts(kind, id);
    if scope.kind() != kind {
        return Err(AppError::Invalid {
            code: "SCOPE_INVALID",
            field: Some("scope_id"),
        });
    }
    let mut tx = st.db.read().await?;
    let ok = match scope {
        Scope::District | Scope::Nothing => true,
        Scope::Street(i) | Scope::Community(i) | Scope::Grid(i) | Scope::Building(i) => {
            org_store::find(&mut tx, i)
                .await?
                .is_some_and(|u| u.level == kind)
        }
        Scope::Unit(i) => org_store::find_handling(&mut tx, i).await?.is_some(),
        Scope::OwnResident(i) => crate::residents::store::find(&mut tx, i).await?.is_some(),
    };
    if ok {
        Ok(scope)
    } else {
        Err(AppError::Invalid {
            code: "SCOPE_INVALID",
            field: Some("scope_id"),
        })
    }
}

pub async fn create_user(
    st: &AppState,
    ctx: &Ctx,
    user: &CurrentUser,
    spec: &UserSpec<'_>,
) -> AppResult<i64> {
    require_admin(user)?;
    auth::create_user(st, &ctx.actor(), spec).await
}

/// Changes a user's role, scope and name, and enables or disables the account.
/// The access an administrator gives a user.
pub struct Access<'a> {
    pub role: Role,
    pub scope: Scope,
    pub display_name: &'a str,
    pub disabled: bool,
}

pub async fn update_user(
    st: &AppState,
    ctx: &Ctx,
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
    let before = users::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    users::update_access(
        &mut tx,
        id,
        role.code(),
        scope.kind(),
        scope.id(),
        display_name.trim(),
        now,
    )
    .await?;
    users::set_disabled(&mut tx, id, disabled, now).await?;
    let access_changed = before.role != role.code()
        || before.scope_kind != scope.kind()
        || before.scope_id != scope.id();
    if disabled || access_changed {
        users::revoke_user_sessions(&mut tx, id, now).await?;
    }
    audit::record(&mut tx, now, &ctx.actor(), Event::ok("user.update", "user", id).with(serde_json::json!({
        "role": {"from": before.role, "to": role.code()},
        "scope": {"from": [before.scope_kind, before.scope_id.map(|v| v.to_string()).unwrap_or_default()], "to": [scope.kind(), scope.id().map(|v| v.to_string()).unwrap_or_default()]},
        "disabled": disabled,
    }))).await?;
    tx.commit().await?;
    Ok(())
}
