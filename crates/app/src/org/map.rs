//! The in-memory [`OrgMap`] that serves maps and point location.
//!
//! The map is a cache rebuilt from the database: at start, after every local change, and
//! whenever another node has bumped `org_version` (checked every few seconds), so any
//! number of app nodes agree without shared memory.

use std::collections::HashMap;

use gongzhi_core::identity::Scope;
use gongzhi_core::org::{Located, Locator, parse_area};
use serde::Serialize;

use super::store;
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

/// The offline base map drawn from the district's own geometry (no tiles needed): the road
/// network along the grid boundaries (grids are cut along streets), and each building's
/// place and name, which the map draws as a footprint with its label at close zoom.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Basemap {
    /// Road segments `[[lng, lat], [lng, lat]]`, each drawn once.
    pub roads: Vec<[[f64; 2]; 2]>,
    pub buildings: Vec<BasemapBuilding>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BasemapBuilding {
    /// `阳光花苑1号楼`.
    pub name: String,
    pub lng: f64,
    pub lat: f64,
}

/// The outer rings of a GeoJSON Polygon or MultiPolygon.
fn outer_rings(g: &serde_json::Value) -> Vec<Vec<[f64; 2]>> {
    let ring = |r: &serde_json::Value| -> Vec<[f64; 2]> {
        r.as_array()
            .map(|pts| {
                pts.iter()
                    .filter_map(|p| Some([p.get(0)?.as_f64()?, p.get(1)?.as_f64()?]))
                    .collect()
            })
            .unwrap_or_default()
    };
    let coords = &g["coordinates"];
    match g["type"].as_str() {
        Some("Polygon") => coords.get(0).map(ring).into_iter().collect(),
        Some("MultiPolygon") => coords
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p.get(0)).map(ring).collect())
            .unwrap_or_default(),
        _ => vec![],
    }
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

/// A building as a place to pick when reporting.
#[derive(Debug, Clone)]
pub struct BuildingPoint {
    pub id: i64,
    pub name: String,
    pub compound: String,
    pub community: Option<i64>,
    pub lng: f64,
    pub lat: f64,
}

/// Where an organisation unit sits, for scope checks and counts.
#[derive(Debug, Clone)]
pub struct UnitInfo {
    pub level: String,
    pub code: String,
    pub name: String,
    pub street: Option<i64>,
    pub community: Option<i64>,
    pub grid: Option<i64>,
    /// The unit it belongs to (a building's compound, a compound's grid …).
    pub parent: Option<i64>,
    /// Bounding box [west, south, east, north] of its area, if it has one.
    pub bbox: Option<[f64; 4]>,
}

#[derive(Debug, Default)]
pub struct OrgMap {
    pub locator: Locator,
    pub district_name: Option<String>,
    pub grids: Vec<GridView>,
    pub compounds: Vec<CompoundView>,
    pub buildings: Vec<BuildingPoint>,
    pub counts: Counts,
    pub version: String,
    /// The database holds the demo district (show the 演示数据 banner).
    pub demo: bool,
    units: HashMap<i64, UnitInfo>,
    handling_units: HashMap<i64, String>,
    /// Handling units as (id, code, name), by id.
    handling: Vec<(i64, String, String)>,
    /// The first handling unit of each kind (routing by the taxonomy).
    unit_by_kind: HashMap<String, i64>,
    /// Each compound's property company.
    compound_property: HashMap<i64, i64>,
    /// Per-community routing: (community, category) → the handling unit that takes it
    /// instead of the taxonomy's.
    routes: HashMap<(i64, String), i64>,
}

impl OrgMap {
    /// The unit a community sends a category to instead of the taxonomy's, if it set one.
    pub fn route_override(&self, community: i64, category: &str) -> Option<i64> {
        self.routes.get(&(community, category.to_string())).copied()
    }

    /// An organisation unit (district … building) by its code.
    pub fn unit_id_by_code(&self, level: &str, code: &str) -> Option<i64> {
        self.units
            .iter()
            .find(|(_, u)| u.level == level && u.code == code)
            .map(|(id, _)| *id)
    }

    pub fn unit_name(&self, id: i64) -> Option<String> {
        self.units.get(&id).map(|u| u.name.clone())
    }

    /// Every community as (id, name, street), by id.
    pub fn communities(&self) -> Vec<(i64, String, Option<i64>)> {
        let mut v: Vec<_> = self
            .units
            .iter()
            .filter(|(_, u)| u.level == "community")
            .map(|(id, u)| (*id, u.name.clone(), u.street))
            .collect();
        v.sort_by_key(|c| c.0);
        v
    }

    pub fn unit_code(&self, id: i64) -> Option<&str> {
        self.units.get(&id).map(|u| u.code.as_str())
    }

    pub fn unit(&self, id: i64) -> Option<&UnitInfo> {
        self.units.get(&id)
    }

    /// The name of a handling unit (物业, 水务 …).
    pub fn handling_unit_name(&self, id: i64) -> Option<String> {
        self.handling_units.get(&id).cloned()
    }

    /// The building nearest to a point, if one stands within `max_m` metres.
    pub fn nearest_building(&self, lng: f64, lat: f64, max_m: f64) -> Option<&BuildingPoint> {
        self.buildings
            .iter()
            .map(|b| (gongzhi_core::org::distance_m([lng, lat], [b.lng, b.lat]), b))
            .filter(|(d, _)| *d <= max_m)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, b)| b)
    }

    /// The code of a handling unit (WATER, PROPERTY-1 …).
    pub fn handling_unit_code(&self, id: i64) -> Option<&str> {
        self.handling
            .iter()
            .find(|h| h.0 == id)
            .map(|h| h.1.as_str())
    }

    /// A handling unit's id by its code.
    pub fn handling_unit_by_code(&self, code: &str) -> Option<i64> {
        self.handling.iter().find(|h| h.1 == code).map(|h| h.0)
    }

    /// The default handling unit of a taxonomy kind (lowest code of that kind).
    pub fn unit_of_kind(&self, kind: &str) -> Option<i64> {
        self.unit_by_kind.get(kind).copied()
    }

    /// The property company of a compound.
    pub fn compound_property(&self, compound: i64) -> Option<i64> {
        self.compound_property.get(&compound).copied()
    }

    /// Every handling unit as (id, code, name).
    pub fn handling_units(&self) -> &[(i64, String, String)] {
        &self.handling
    }

    pub fn locate(&self, lng: f64, lat: f64) -> Option<Located> {
        self.locator.locate(lng, lat)
    }

    /// The offline base map (see [`Basemap`]): grid edges shared by two grids are one road.
    pub fn basemap(&self) -> Basemap {
        let key = |p: [f64; 2]| ((p[0] * 1e6).round() as i64, (p[1] * 1e6).round() as i64);
        let mut seen = std::collections::HashSet::new();
        let mut roads = vec![];
        for g in &self.grids {
            for ring in outer_rings(&g.geometry) {
                for w in ring.windows(2) {
                    let (a, b) = (key(w[0]), key(w[1]));
                    if a == b {
                        continue;
                    }
                    if seen.insert(if a < b { (a, b) } else { (b, a) }) {
                        roads.push([w[0], w[1]]);
                    }
                }
            }
        }
        let buildings = self
            .buildings
            .iter()
            .map(|b| BasemapBuilding {
                name: format!("{}{}", b.compound, b.name),
                lng: b.lng,
                lat: b.lat,
            })
            .collect();
        Basemap { roads, buildings }
    }

    /// Whether an organisation unit lies within a scope.
    pub fn unit_in_scope(&self, id: i64, scope: Scope) -> bool {
        let Some(u) = self.units.get(&id) else {
            return false;
        };
        match scope {
            Scope::District => true,
            Scope::Street(s) => id == s || u.street == Some(s),
            Scope::Community(c) => id == c || u.community == Some(c),
            Scope::Grid(g) => id == g || u.grid == Some(g),
            Scope::Building(b) => id == b,
            Scope::Unit(_) | Scope::OwnResident(_) | Scope::Nothing => false,
        }
    }

    /// Counts of units within a scope (the whole district for scopes without a place).
    pub fn counts_in(&self, scope: Scope) -> Counts {
        let scope = match scope {
            Scope::Unit(_) | Scope::OwnResident(_) | Scope::Nothing => Scope::District,
            s => s,
        };
        let mut c = Counts::default();
        for (id, u) in &self.units {
            if !self.unit_in_scope(*id, scope) {
                continue;
            }
            match u.level.as_str() {
                "street" => c.streets += 1,
                "community" => c.communities += 1,
                "grid" => c.grids += 1,
                "compound" => c.compounds += 1,
                "building" => c.buildings += 1,
                _ => {}
            }
        }
        c
    }

    /// The map extent [west, south, east, north] of a scope's grids (for focusing the map).
    pub fn extent_of(&self, scope: Scope) -> Option<[f64; 4]> {
        let scope = match scope {
            Scope::Building(b) => self.units.get(&b).and_then(|u| u.grid).map(Scope::Grid)?,
            s => s,
        };
        let mut out: Option<[f64; 4]> = None;
        for (id, u) in &self.units {
            if u.level != "grid" || !self.unit_in_scope(*id, scope) {
                continue;
            }
            let Some(b) = u.bbox else { continue };
            out = Some(match out {
                None => b,
                Some(o) => [
                    o[0].min(b[0]),
                    o[1].min(b[1]),
                    o[2].max(b[2]),
                    o[3].max(b[3]),
                ],
            });
        }
        out
    }
}

const VERSION_KEY: &str = "org_version";
const LEVELS: [&str; 6] = [
    "district",
    "street",
    "community",
    "grid",
    "compound",
    "building",
];

/// Rebuilds the map from the database.
#[tracing::instrument(skip_all)]
pub async fn load(st: &AppState) -> anyhow::Result<OrgMap> {
    let mut tx = st.db.read().await?;
    let mut map = OrgMap {
        version: store::get_meta(&mut tx, VERSION_KEY)
            .await?
            .unwrap_or_default(),
        demo: store::get_meta(&mut tx, "demo_seeded").await?.is_some(),
        ..OrgMap::default()
    };
    let mut rows = vec![];
    for level in LEVELS {
        rows.extend(store::by_level(&mut tx, level).await?);
    }
    let (handling, _) = store::list_handling(&mut tx, 10_000, 0).await?;
    map.routes = store::unit_routes(&mut tx)
        .await?
        .into_iter()
        .map(|(c, cat, u)| ((c, cat), u))
        .collect();
    map.handling_units = handling.iter().map(|h| (h.id, h.name.clone())).collect();
    for h in &handling {
        // Ordered by kind, then code: the first of a kind is its default unit.
        map.unit_by_kind.entry(h.kind.clone()).or_insert(h.id);
    }
    map.handling = handling
        .into_iter()
        .map(|h| (h.id, h.code, h.name))
        .collect();
    drop(tx);
    for u in &rows {
        let area = u
            .geometry
            .as_deref()
            .filter(|_| matches!(u.level.as_str(), "grid" | "compound"))
            .map(parse_area);
        let area = match area {
            Some(Ok(a)) => Some(a),
            Some(Err(e)) => {
                tracing::warn!(unit = %u.code, error = %e, "geometry skipped");
                None
            }
            None => None,
        };
        let bbox = area.as_ref().map(|a| {
            [
                a.bbox.min().x,
                a.bbox.min().y,
                a.bbox.max().x,
                a.bbox.max().y,
            ]
        });
        map.units.insert(
            u.id,
            UnitInfo {
                level: u.level.clone(),
                code: u.code.clone(),
                name: u.name.clone(),
                street: u.street_id,
                community: u.community_id,
                grid: u.grid_id,
                parent: u.parent_id,
                bbox,
            },
        );
        match (u.level.as_str(), area) {
            ("district", _) => map.district_name = Some(u.name.clone()),
            ("grid", Some(a)) => {
                if let Some(c) = u.community_id {
                    map.locator.add_grid(u.id, c, a);
                }
            }
            ("compound", Some(a)) => {
                if let Some(g) = u.grid_id {
                    map.locator.add_compound(u.id, g, a);
                }
            }
            _ => {}
        }
    }
    let geometry = |g: &Option<String>| {
        g.as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(serde_json::Value::Null)
    };
    let code_name = |id: Option<i64>| {
        id.and_then(|i| map.units.get(&i))
            .map(|u| (u.code.clone(), u.name.clone()))
            .unwrap_or_default()
    };
    let mut grids = vec![];
    let mut compounds = vec![];
    for u in &rows {
        match u.level.as_str() {
            "grid" if u.geometry.is_some() => {
                let (community, community_name) = code_name(u.community_id);
                grids.push(GridView {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    community,
                    community_name,
                    geometry: geometry(&u.geometry),
                });
            }
            "compound" if u.geometry.is_some() => {
                let (grid, _) = code_name(u.grid_id);
                compounds.push(CompoundView {
                    code: u.code.clone(),
                    name: u.name.clone(),
                    grid,
                    geometry: geometry(&u.geometry),
                });
            }
            _ => {}
        }
    }
    for u in &rows {
        if let ("compound", Some(p)) = (u.level.as_str(), u.property_unit_id) {
            map.compound_property.insert(u.id, p);
        }
    }
    let mut buildings = vec![];
    for u in &rows {
        if let ("building", Some(lng), Some(lat)) = (u.level.as_str(), u.lng, u.lat) {
            buildings.push(BuildingPoint {
                id: u.id,
                name: u.name.clone(),
                compound: u
                    .parent_id
                    .and_then(|p| map.units.get(&p))
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                community: u.community_id,
                lng,
                lat,
            });
        }
    }
    map.grids = grids;
    map.compounds = compounds;
    map.buildings = buildings;
    map.counts = map.counts_in(Scope::District);
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
