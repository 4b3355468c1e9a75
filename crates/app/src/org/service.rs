//! Organisation use-cases, and the in-memory [`OrgMap`] that serves maps and point location.
//!
//! The map is a cache rebuilt from the database: at start, after every local change, and
//! whenever another node has bumped `org_version` (checked every few seconds), so any
//! number of app nodes agree without shared memory.

use std::collections::HashMap;

use gongzhi_core::org::{self, Located, Locator, parse_area};
use serde::Serialize;

use super::store::{self, NewUnit};
use crate::audit::{self, Actor, Event};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A grid as the API and the map show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridView {
    pub code: String,
    pub name: String,
    /// The community's code.
    pub community: String,
    pub community_name: String,
    /// GeoJSON Polygon or MultiPolygon (WGS-84).
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
}

/// A compound (小区) with its boundary (红线).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompoundView {
    pub code: String,
    pub name: String,
    /// The grid's code.
    pub grid: String,
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
}

/// Counts of organisation units for dashboards.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub streets: i64,
    pub communities: i64,
    pub grids: i64,
    pub compounds: i64,
    pub buildings: i64,
}

#[derive(Debug, Default)]
pub struct OrgMap {
    pub locator: Locator,
    pub district_name: Option<String>,
    pub grids: Vec<GridView>,
    pub compounds: Vec<CompoundView>,
    pub counts: Counts,
    pub version: String,
    /// The database holds the demo district (show the 演示数据 banner).
    pub demo: bool,
    names: HashMap<i64, (String, String)>,
}

impl OrgMap {
    pub fn unit_name(&self, id: i64) -> Option<String> {
        self.names.get(&id).map(|(_, n)| n.clone())
    }

    pub fn unit_code(&self, id: i64) -> Option<&str> {
        self.names.get(&id).map(|(c, _)| c.as_str())
    }

    pub fn locate(&self, lng: f64, lat: f64) -> Option<Located> {
        self.locator.locate(lng, lat)
    }
}

const VERSION_KEY: &str = "org_version";

/// Rebuilds the map from the database.
pub async fn load(st: &AppState) -> anyhow::Result<OrgMap> {
    let mut tx = st.db.read().await?;
    let mut map = OrgMap {
        version: store::get_meta(&mut tx, VERSION_KEY)
            .await?
            .unwrap_or_default(),
        demo: store::get_meta(&mut tx, "demo_seeded").await?.is_some(),
        ..OrgMap::default()
    };
    for level in [
        "district",
        "street",
        "community",
        "grid",
        "compound",
        "building",
    ] {
        for u in store::by_level(&mut tx, level).await? {
            map.names.insert(u.id, (u.code.clone(), u.name.clone()));
        }
    }
    if let Some(d) = store::by_level(&mut tx, "district")
        .await?
        .into_iter()
        .next()
    {
        map.district_name = Some(d.name);
    }
    for g in store::by_level(&mut tx, "grid").await? {
        let Some(geom) = &g.geometry else { continue };
        let Some(community) = g.community_id else {
            continue;
        };
        match parse_area(geom) {
            Ok(area) => map.locator.add_grid(g.id, community, area),
            Err(e) => tracing::warn!(grid = %g.code, error = %e, "grid geometry skipped"),
        }
        let (ccode, cname) = map.names.get(&community).cloned().unwrap_or_default();
        map.grids.push(GridView {
            code: g.code,
            name: g.name,
            community: ccode,
            community_name: cname,
            geometry: serde_json::from_str(geom).unwrap_or(serde_json::Value::Null),
        });
    }
    for c in store::by_level(&mut tx, "compound").await? {
        let Some(geom) = &c.geometry else { continue };
        let Some(grid) = c.grid_id else { continue };
        match parse_area(geom) {
            Ok(area) => map.locator.add_compound(c.id, grid, area),
            Err(e) => tracing::warn!(compound = %c.code, error = %e, "compound geometry skipped"),
        }
        map.compounds.push(CompoundView {
            code: c.code,
            name: c.name,
            grid: map
                .names
                .get(&grid)
                .map(|(code, _)| code.clone())
                .unwrap_or_default(),
            geometry: serde_json::from_str(geom).unwrap_or(serde_json::Value::Null),
        });
    }
    for (level, n) in store::count_levels(&mut tx).await? {
        match level.as_str() {
            "street" => map.counts.streets = n,
            "community" => map.counts.communities = n,
            "grid" => map.counts.grids = n,
            "compound" => map.counts.compounds = n,
            "building" => map.counts.buildings = n,
            _ => {}
        }
    }
    Ok(map)
}

pub async fn reload(st: &AppState) -> anyhow::Result<()> {
    let map = load(st).await?;
    st.set_org_map(map);
    Ok(())
}

/// Reloads when another node changed the organisation; runs until the process ends.
pub async fn watch(st: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        let current = async {
            let mut tx = st.db.read().await?;
            store::get_meta(&mut tx, VERSION_KEY).await
        }
        .await;
        match current {
            Ok(v) if v.as_deref().unwrap_or_default() != st.org_map().version.as_str() => {
                if let Err(e) = reload(&st).await {
                    tracing::warn!(error = %e, "reloading the organisation map failed");
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "checking org_version failed"),
        }
    }
}

/// Marks the organisation changed (inside the changing transaction).
pub async fn bump_version(tx: &mut crate::db::Tx, now: i64) -> Result<(), sqlx::Error> {
    store::put_meta(tx, VERSION_KEY, &now.to_string()).await
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

/// The level that must be a unit's parent.
fn parent_level(level: org::Level) -> Option<&'static str> {
    use org::Level::*;
    match level {
        District => None,
        Street => Some("district"),
        Community => Some("street"),
        Grid => Some("community"),
        Compound => Some("grid"),
        Building => Some("compound"),
    }
}

fn level_code(level: org::Level) -> &'static str {
    use org::Level::*;
    match level {
        District => "district",
        Street => "street",
        Community => "community",
        Grid => "grid",
        Compound => "compound",
        Building => "building",
    }
}

/// Creates an organisation unit under its parent, with validated code, name and geometry.
pub async fn create_unit(st: &AppState, actor: &Actor, spec: UnitSpec) -> AppResult<i64> {
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
        level: level_code(spec.level),
        code: spec.code.clone(),
        name: spec.name.trim().to_string(),
        geometry: spec.geometry,
        lng: spec.lng,
        lat: spec.lat,
        ..Default::default()
    };
    if let Some(want) = parent_level(spec.level) {
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
    let id = match store::insert(&mut tx, &new, now).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Invalid {
                code: "CODE_TAKEN",
                field: Some("code"),
            });
        }
        Err(e) => return Err(e.into()),
    };
    bump_version(&mut tx, now).await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("org.create", "org_unit", id)
            .with(serde_json::json!({"level": new.level, "code": new.code, "name": new.name})),
    )
    .await?;
    tx.commit().await?;
    reload(st).await?;
    Ok(id)
}

/// Renames a unit.
pub async fn rename_unit(st: &AppState, actor: &Actor, id: i64, name: &str) -> AppResult<()> {
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
        actor,
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
    actor: &Actor,
    code: &str,
    kind: &str,
    name: &str,
) -> AppResult<i64> {
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
    let id = match store::insert_handling(&mut tx, code, kind, name.trim(), now).await {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Invalid {
                code: "CODE_TAKEN",
                field: Some("code"),
            });
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("unit.create", "unit", id)
            .with(serde_json::json!({"code": code, "kind": kind, "name": name.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
