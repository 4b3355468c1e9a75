//! Organisation use-cases: administrators build the tree (units, handling units, per-community
//! routing rules); every change bumps `org_version` so all nodes rebuild their [`OrgMap`].
//! The demo seeder writes a whole district through the `*_in` functions, in its own
//! transaction.

use gongzhi_core::identity::Scope;
use gongzhi_core::org::{self, parse_area};

pub use super::map::{
    BuildingPoint, CompoundView, Counts, GridView, OrgMap, UnitInfo, bump_version, load, reload,
    watch,
};
use super::store;
pub use super::store::{HandlingUnitRow, NewUnit, UnitRow};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Only administrators change the organisation.
fn require_admin(user: &CurrentUser) -> AppResult<()> {
    if user.role.may_administer() {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
}

/// Sets (or with `unit: None` removes) where a community sends a category instead of the
/// taxonomy's unit. Takes effect at once here and within seconds on other nodes.
pub async fn set_route(
    st: &AppState,
    user: &CurrentUser,
    community: &str,
    category: &str,
    unit: Option<&str>,
) -> AppResult<Option<String>> {
    require_admin(user)?;
    let map = st.org_map();
    let cid = map
        .unit_id_by_code("community", community)
        .ok_or(AppError::Invalid {
            code: "COMMUNITY_UNKNOWN",
            field: Some("community"),
        })?;
    if !crate::taxonomy::get()
        .categories
        .iter()
        .any(|c| c.code == category)
    {
        return Err(AppError::Invalid {
            code: "CATEGORY_UNKNOWN",
            field: Some("category"),
        });
    }
    let uid = match unit {
        Some(code) => Some(map.handling_unit_by_code(code).ok_or(AppError::Invalid {
            code: "UNIT_UNKNOWN",
            field: Some("unit"),
        })?),
        None => None,
    };
    drop(map);
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::set_unit_route(&mut tx, cid, category, uid).await?;
    bump_version(&mut tx, now).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("org.route", "org_unit", cid)
            .with(serde_json::json!({"category": category, "unit": unit})),
    )
    .await?;
    tx.commit().await?;
    reload(st).await?;
    Ok(unit.map(str::to_string))
}

/// What an administrator asks to create.
pub struct UnitSpec {
    pub level: org::Level,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub geometry: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// One page of the units under `parent` (the districts when `None`), with the parent.
pub async fn children_page(
    st: &AppState,
    user: &CurrentUser,
    parent: Option<i64>,
    p: &crate::web::PageParams,
) -> AppResult<(Option<UnitRow>, Vec<UnitRow>, i64)> {
    require_admin(user)?;
    let mut tx = st.db.read().await?;
    let Some(pid) = parent else {
        let all = store::by_level(&mut tx, org::Level::District.code()).await?;
        let n = all.len() as i64;
        return Ok((None, all, n));
    };
    let unit = store::find(&mut tx, pid).await?.ok_or(AppError::NotFound)?;
    let (rows, total) = store::children(&mut tx, pid, p.per_page(), p.offset()).await?;
    Ok((Some(unit), rows, total))
}

/// One page of the handling units.
pub async fn handling_units_page(
    st: &AppState,
    user: &CurrentUser,
    p: &crate::web::PageParams,
) -> AppResult<(Vec<HandlingUnitRow>, i64)> {
    require_admin(user)?;
    let mut tx = st.db.read().await?;
    Ok(store::list_handling(&mut tx, p.per_page(), p.offset()).await?)
}

/// Creates an organisation unit under its parent, with validated code, name and geometry.
#[tracing::instrument(skip_all, fields(code = %spec.code))]
pub async fn create_unit(st: &AppState, user: &CurrentUser, spec: UnitSpec) -> AppResult<i64> {
    require_admin(user)?;
    org::check_code(&spec.code).map_err(|e| AppError::field("code", e))?;
    if !org::check_name(&spec.name) {
        return Err(AppError::Invalid {
            code: "NAME_INVALID",
            field: Some("name"),
        });
    }
    let needs_area = matches!(spec.level, org::Level::Grid | org::Level::Compound);
    match (&spec.geometry, needs_area) {
        (Some(g), _) => {
            parse_area(g).map_err(|e| AppError::field("geometry", e))?;
        }
        (None, true) => {
            return Err(AppError::Invalid {
                code: "GEOMETRY_REQUIRED",
                field: Some("geometry"),
            });
        }
        (None, false) => {}
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let mut new = NewUnit {
        level: spec.level.code(),
        code: spec.code.clone(),
        name: spec.name.trim().to_string(),
        geometry: spec.geometry,
        lng: spec.lng,
        lat: spec.lat,
        ..Default::default()
    };
    if let Some(want) = spec.level.parent().map(org::Level::code) {
        let parent = match spec.parent_id {
            Some(pid) => store::find(&mut tx, pid).await?,
            None => None,
        };
        let parent = parent
            .filter(|p| p.level == want)
            .ok_or(AppError::Invalid {
                code: "PARENT_INVALID",
                field: Some("parent_id"),
            })?;
        new.parent_id = Some(parent.id);
        new.street_id = if want == "street" {
            Some(parent.id)
        } else {
            parent.street_id
        };
        new.community_id = if want == "community" {
            Some(parent.id)
        } else {
            parent.community_id
        };
        new.grid_id = if want == "grid" {
            Some(parent.id)
        } else {
            parent.grid_id
        };
    }
    let id = crate::db::unique_or(
        store::insert(&mut tx, &new, now).await,
        "CODE_TAKEN",
        "code",
    )?;
    bump_version(&mut tx, now).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("org.create", "org_unit", id)
            .with(serde_json::json!({"level": new.level, "code": new.code, "name": new.name})),
    )
    .await?;
    tx.commit().await?;
    reload(st).await?;
    Ok(id)
}

/// Renames a unit.
pub async fn rename_unit(st: &AppState, user: &CurrentUser, id: i64, name: &str) -> AppResult<()> {
    require_admin(user)?;
    if !org::check_name(name) {
        return Err(AppError::Invalid {
            code: "NAME_INVALID",
            field: Some("name"),
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let before = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    store::rename(&mut tx, id, name.trim()).await?;
    bump_version(&mut tx, now).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("org.rename", "org_unit", id)
            .with(serde_json::json!({"from": before.name, "to": name.trim()})),
    )
    .await?;
    tx.commit().await?;
    reload(st).await?;
    Ok(())
}

/// Creates a handling unit (处置单位).
pub async fn create_handling_unit(
    st: &AppState,
    user: &CurrentUser,
    code: &str,
    kind: &str,
    name: &str,
) -> AppResult<i64> {
    require_admin(user)?;
    org::check_code(code).map_err(|e| AppError::field("code", e))?;
    if !org::check_name(name) {
        return Err(AppError::Invalid {
            code: "NAME_INVALID",
            field: Some("name"),
        });
    }
    if !crate::taxonomy::unit_kinds().iter().any(|(k, _)| k == kind) {
        return Err(AppError::Invalid {
            code: "UNIT_KIND_INVALID",
            field: Some("kind"),
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = crate::db::unique_or(
        store::insert_handling(&mut tx, code, kind, name.trim(), now).await,
        "CODE_TAKEN",
        "code",
    )?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("unit.create", "unit", id)
            .with(serde_json::json!({"code": code, "kind": kind, "name": name.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether a scope names a unit that exists at its level (a resident scope is checked by
/// the residents domain).
pub fn scope_exists(st: &AppState, scope: Scope) -> bool {
    let map = st.org_map();
    match scope {
        Scope::District | Scope::Nothing | Scope::OwnResident(_) => true,
        Scope::Street(i) | Scope::Community(i) | Scope::Grid(i) | Scope::Building(i) => {
            map.unit(i).is_some_and(|u| u.level == scope.kind())
        }
        Scope::Unit(i) => map.handling_unit_code(i).is_some(),
    }
}

/// Whether the database already holds an organisation (a district).
pub async fn has_district(st: &AppState) -> AppResult<bool> {
    let mut tx = st.db.read().await?;
    Ok(!store::by_level(&mut tx, org::Level::District.code())
        .await?
        .is_empty())
}

/// A value of the installation's own settings (`app_meta`).
pub async fn meta(st: &AppState, key: &str) -> AppResult<Option<String>> {
    let mut tx = st.db.read().await?;
    Ok(store::get_meta(&mut tx, key).await?)
}

/// Sets a value of the installation's settings inside the caller's transaction.
pub async fn put_meta_in(tx: &mut crate::db::Tx, key: &str, value: &str) -> AppResult<()> {
    Ok(store::put_meta(tx, key, value).await?)
}

/// Writes a unit inside the demo seeder's transaction (the seeder builds a whole district at
/// once and bumps `org_version` at its end).
pub async fn insert_unit_in(tx: &mut crate::db::Tx, new: &NewUnit, now: i64) -> AppResult<i64> {
    Ok(store::insert(tx, new, now).await?)
}

/// Writes a handling unit inside the demo seeder's transaction.
pub async fn insert_handling_in(
    tx: &mut crate::db::Tx,
    code: &str,
    kind: &str,
    name: &str,
    now: i64,
) -> AppResult<i64> {
    Ok(store::insert_handling(tx, code, kind, name, now).await?)
}
