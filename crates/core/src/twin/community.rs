//! A community as the simulator sees it, built from the community model: a walking road
//! graph from the geometry (streets along the grids' boundaries, a path from each compound's
//! gates to its centre and on to its buildings), where the vulnerable residents live, the
//! responders who stand there today, and the incident mix — and a planner's choices
//! ([`Spec`]) turned into an engine [`Scenario`].
//!
//! The community model has no road centrelines, so the graph is an approximation: the grid
//! boundaries follow streets (grids are drawn along them), compound gates are the two street
//! points nearest the compound's centre, and paths inside a compound are straight lines.
//! A fire station or an ambulance base outside the community is a node joined to the
//! community's nearest street point by a road of the stated driving time.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::scenario::{
    Dispatch, Edge, IncidentKind, Responder, Roads, Scenario, Vulnerable, haversine,
};
use crate::Coded;

/// Street points further apart than this are joined through intermediate points, so that a
/// post or an incident can be mid-street.
const MAX_STREET_SEGMENT_M: f64 = 120.0;

/// A grid of the community: its name and boundary (exterior ring, WGS-84 lng/lat).
#[derive(Debug, Clone)]
pub struct GridIn {
    pub name: String,
    pub ring: Vec<[f64; 2]>,
}

/// A compound (小区) in grid `grid` (index into the grids), with its boundary if drawn.
#[derive(Debug, Clone)]
pub struct CompoundIn {
    pub name: String,
    pub grid: usize,
    pub ring: Vec<[f64; 2]>,
    /// Its property company, if any.
    pub property: Option<String>,
}

/// A building of compound `compound` (index into the compounds).
#[derive(Debug, Clone)]
pub struct BuildingIn {
    pub id: i64,
    pub name: String,
    pub compound: usize,
    pub lng: f64,
    pub lat: f64,
    pub floors: i64,
    /// Residents who need help to evacuate (独居老人, 残疾人).
    pub vulnerable: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Street,
    Compound,
    Building,
    External,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Node {
    pub lng: f64,
    pub lat: f64,
    pub label: String,
    pub kind: NodeKind,
    pub floors: i64,
    /// The org unit of a building node.
    pub building_id: Option<i64>,
}

/// The community as a road graph with its people and today's responders.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub nodes: Vec<Node>,
    /// Walkable links inside the community (the external roads are added per scenario).
    pub edges: Vec<[usize; 2]>,
    /// Vulnerable residents per node (building nodes only).
    pub vulnerable: Vec<(usize, u32)>,
    /// The fire station's and the ambulance base's nodes.
    pub fire_station: usize,
    pub ambulance_base: usize,
    /// The street point the outside roads join.
    pub entrance: usize,
    /// The responders who stand there today.
    pub today: Vec<ResponderSpec>,
}

/// Kinds of incident the builder offers.
pub const KINDS: [&str; 5] = [
    "fire",
    "burst_pipe",
    "lift_entrapment",
    "collapse",
    "flooding",
];

/// Kinds of responder the builder offers.
pub const ROLES: [&str; 6] = [
    "technician",
    "grid_worker",
    "volunteer",
    "micro_fire_station",
    "fire_station",
    "ambulance",
];

/// An incident kind's Chinese name, the skill it needs, its default yearly rate for a
/// community and its default minutes on scene.
pub fn kind_facts(kind: &str) -> Option<(&'static str, &'static str, f64, f64)> {
    Some(match kind {
        "fire" => ("火灾", "fire", 6.0, 40.0),
        "burst_pipe" => ("爆管漏水", "plumbing", 60.0, 45.0),
        "lift_entrapment" => ("电梯困人", "lift", 24.0, 30.0),
        "collapse" => ("人员突发疾病倒地", "first_aid", 18.0, 30.0),
        "flooding" => ("道路积水", "flooding", 8.0, 90.0),
        _ => return None,
    })
}

/// When in the day an incident kind happens: relative rates by hour (0–23). Illustrative
/// shapes, not statistics: residential fires peak at cooking times, lift entrapments at
/// the commutes, collapses of the elderly in the morning, burst pipes when water is used;
/// street flooding follows the rain, any hour.
pub fn kind_hours(kind: &str) -> Option<[f64; 24]> {
    Some(match kind {
        "fire" => [
            1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.5, 1.5, 1.5, 1.5, 2.0, 2.0, 1.5, 1.5, 1.5, 1.5,
            2.5, 3.0, 3.0, 2.5, 2.0, 1.5, 1.0,
        ],
        "burst_pipe" => [
            0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.5, 2.0, 1.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.5, 2.0, 1.5, 1.0, 1.0, 0.5,
        ],
        "lift_entrapment" => [
            0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 1.0, 2.5, 2.0, 1.0, 1.0, 1.5, 1.5, 1.0, 1.0, 1.0, 1.5,
            2.5, 2.0, 1.5, 1.0, 0.8, 0.4, 0.3,
        ],
        "collapse" => [
            0.5, 0.5, 0.5, 0.5, 0.5, 1.0, 1.5, 2.0, 2.0, 1.5, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
            1.2, 1.2, 1.0, 1.0, 0.8, 0.6, 0.5,
        ],
        "flooding" => [1.0; 24],
        _ => return None,
    })
}

/// What a responder role is: its Chinese name, skills, speed, default shift and whether it
/// is stationed outside the community.
#[derive(Debug, Clone, Copy)]
pub struct RoleFacts {
    pub name: &'static str,
    pub skills: &'static [&'static str],
    pub speed_kmh: f64,
    pub shift: Option<[f64; 2]>,
    pub fixed: bool,
}

pub fn role_facts(role: &str) -> Option<RoleFacts> {
    let f = |name, skills, speed_kmh, shift, fixed| RoleFacts {
        name,
        skills,
        speed_kmh,
        shift,
        fixed,
    };
    Some(match role {
        "technician" => f(
            "物业值班技工",
            &["plumbing", "lift", "flooding", "fire"],
            5.0,
            None,
            false,
        ),
        "grid_worker" => f(
            "网格员",
            &["first_aid", "fire", "flooding"],
            5.0,
            Some([8.0, 18.0]),
            false,
        ),
        "volunteer" => f(
            "楼组长志愿者",
            &["first_aid", "fire"],
            4.5,
            Some([18.0, 8.0]),
            false,
        ),
        "micro_fire_station" => f(
            "微型消防站队员",
            &["fire", "first_aid", "lift"],
            12.0,
            None,
            false,
        ),
        "fire_station" => f(
            "消防救援站",
            &["fire", "lift", "flooding"],
            30.0,
            None,
            true,
        ),
        "ambulance" => f("120急救站", &["first_aid"], 30.0, None, true),
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindSpec {
    pub kind: String,
    pub per_year: f64,
    pub on_scene_minutes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponderSpec {
    pub role: String,
    pub name: String,
    /// A node of the model (ignored for the fire station and the ambulance: they stand at
    /// their own node).
    pub post: usize,
    /// On duty from..to (hours); none: round the clock.
    #[serde(default)]
    pub shift: Option<[f64; 2]>,
}

/// A planner's choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub name: String,
    pub target_minutes: f64,
    /// Simulated years (many, for steady figures: fires are rare).
    pub years: f64,
    pub seed: u64,
    #[serde(default)]
    pub dispatch: Dispatch,
    pub incidents: Vec<KindSpec>,
    pub responders: Vec<ResponderSpec>,
    /// Driving minutes from the fire station and the ambulance base to the community.
    pub fire_station_minutes: f64,
    pub ambulance_minutes: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TwinError {
    #[error("the community has no grids with boundaries to build roads from")]
    NoRoads,
    #[error("a scenario needs a name of 1–60 characters")]
    Name,
    #[error("the target time must be 1–60 minutes")]
    Target,
    #[error("the simulated years must be 1–200")]
    Years,
    #[error("choose at least one kind of incident")]
    NoIncidents,
    #[error("unknown incident kind")]
    Kind,
    #[error("a rate must be above 0 and at most 10,000 a year, time on scene 1–600 minutes")]
    Rate,
    #[error("add at least one responder (at most 60)")]
    Responders,
    #[error("unknown responder role")]
    Role,
    #[error("a responder's post must be a place in the community")]
    Post,
    #[error("shift hours must lie within 0–24")]
    Shift,
    #[error("driving minutes from outside must be 1–60")]
    Lead,
}

impl Coded for TwinError {
    fn code(&self) -> &'static str {
        match self {
            TwinError::NoRoads => "TWIN_NO_ROADS",
            TwinError::Name => "TWIN_NAME_INVALID",
            TwinError::Target => "TWIN_TARGET_INVALID",
            TwinError::Years => "TWIN_YEARS_INVALID",
            TwinError::NoIncidents => "TWIN_INCIDENTS_EMPTY",
            TwinError::Kind => "TWIN_KIND_UNKNOWN",
            TwinError::Rate => "TWIN_RATE_INVALID",
            TwinError::Responders => "TWIN_RESPONDERS_INVALID",
            TwinError::Role => "TWIN_ROLE_UNKNOWN",
            TwinError::Post => "TWIN_POST_INVALID",
            TwinError::Shift => "TWIN_SHIFT_INVALID",
            TwinError::Lead => "TWIN_LEAD_INVALID",
        }
    }
}

fn key(p: [f64; 2]) -> (i64, i64) {
    ((p[0] * 1e6).round() as i64, (p[1] * 1e6).round() as i64)
}

fn centre(ring: &[[f64; 2]]) -> Option<[f64; 2]> {
    // The ring's vertices without the closing repeat.
    let pts = match ring {
        [first, .., last] if first == last => &ring[..ring.len() - 1],
        _ => ring,
    };
    if pts.is_empty() {
        return None;
    }
    let n = pts.len() as f64;
    Some([
        pts.iter().map(|p| p[0]).sum::<f64>() / n,
        pts.iter().map(|p| p[1]).sum::<f64>() / n,
    ])
}

struct Builder {
    nodes: Vec<Node>,
    edges: Vec<[usize; 2]>,
    seen: std::collections::HashSet<(usize, usize)>,
    at: HashMap<(i64, i64), usize>,
}

impl Builder {
    fn node(&mut self, p: [f64; 2], label: impl FnOnce() -> String, kind: NodeKind) -> usize {
        if let Some(&i) = self.at.get(&key(p)) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(Node {
            lng: p[0],
            lat: p[1],
            label: label(),
            kind,
            floors: 0,
            building_id: None,
        });
        self.at.insert(key(p), i);
        i
    }

    fn link(&mut self, a: usize, b: usize) {
        let k = (a.min(b), a.max(b));
        if a != b && self.seen.insert(k) {
            self.edges.push([k.0, k.1]);
        }
    }

    fn pos(&self, i: usize) -> [f64; 2] {
        [self.nodes[i].lng, self.nodes[i].lat]
    }

    /// The `k` nodes of `among` nearest `p`.
    fn nearest(&self, p: [f64; 2], among: &[usize], k: usize) -> Vec<usize> {
        let mut v: Vec<(f64, usize)> = among
            .iter()
            .map(|&i| (haversine(p, self.pos(i)), i))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        v.into_iter().take(k).map(|(_, i)| i).collect()
    }
}

/// Builds the community's model. Today's responders: a duty technician of each property
/// company at the first building of the first compound it manages, one grid worker per grid
/// (一格一员) at the grid's centre, a volunteer building head per compound at its middle
/// building, the fire station and the ambulance outside.
pub fn build(
    grids: &[GridIn],
    compounds: &[CompoundIn],
    buildings: &[BuildingIn],
) -> Result<Model, TwinError> {
    let mut b = Builder {
        nodes: vec![],
        edges: vec![],
        seen: Default::default(),
        at: HashMap::new(),
    };
    // Streets along the grids' boundaries.
    let mut street: Vec<usize> = vec![];
    let mut grid_street: Vec<Vec<usize>> = vec![vec![]; grids.len()];
    for (g, grid) in grids.iter().enumerate() {
        let mut n = 0;
        for w in grid.ring.windows(2) {
            // The same segment of two neighbouring grids is cut at the same points.
            let (p, q) = if key(w[0]) <= key(w[1]) {
                (w[0], w[1])
            } else {
                (w[1], w[0])
            };
            let parts = (haversine(p, q) / MAX_STREET_SEGMENT_M).ceil().max(1.0) as usize;
            let mut prev = None;
            for k in 0..=parts {
                let t = k as f64 / parts as f64;
                let pt = [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
                let i = b.node(
                    pt,
                    || {
                        n += 1;
                        format!("{} 道路{}", grid.name, n)
                    },
                    NodeKind::Street,
                );
                if let Some(j) = prev {
                    b.link(j, i);
                }
                prev = Some(i);
                if !street.contains(&i) {
                    street.push(i);
                }
                if !grid_street[g].contains(&i) {
                    grid_street[g].push(i);
                }
            }
        }
    }
    if street.is_empty() {
        return Err(TwinError::NoRoads);
    }
    // Compounds: a centre joined to the two nearest street points (its gates).
    let mut compound_node = vec![usize::MAX; compounds.len()];
    for (c, comp) in compounds.iter().enumerate() {
        let own: Vec<[f64; 2]> = buildings
            .iter()
            .filter(|x| x.compound == c)
            .map(|x| [x.lng, x.lat])
            .collect();
        let Some(p) = centre(&comp.ring).or_else(|| centre(&own)) else {
            continue;
        };
        let i = b.node(
            p,
            || format!("{}（小区中心）", comp.name),
            NodeKind::Compound,
        );
        compound_node[c] = i;
        for g in b.nearest(p, &street, 2) {
            b.link(i, g);
        }
    }
    // Buildings: joined to their compound's centre and to the nearest building beside them.
    let mut building_node = vec![usize::MAX; buildings.len()];
    for (k, x) in buildings.iter().enumerate() {
        let Some(&c) = compound_node.get(x.compound).filter(|c| **c != usize::MAX) else {
            continue;
        };
        let i = b.node(
            [x.lng, x.lat],
            || format!("{} {}", compounds[x.compound].name, x.name),
            NodeKind::Building,
        );
        b.nodes[i].floors = x.floors;
        b.nodes[i].building_id = Some(x.id);
        building_node[k] = i;
        b.link(i, c);
    }
    for (k, x) in buildings.iter().enumerate() {
        if building_node[k] == usize::MAX {
            continue;
        }
        let siblings: Vec<usize> = buildings
            .iter()
            .enumerate()
            .filter(|(j, y)| *j != k && y.compound == x.compound && building_node[*j] != usize::MAX)
            .map(|(j, _)| building_node[j])
            .collect();
        if let Some(&n) = b.nearest([x.lng, x.lat], &siblings, 1).first() {
            b.link(building_node[k], n);
        }
    }
    // Where the outside roads join: the street point at the south-west.
    let entrance = *street
        .iter()
        .min_by(|&&x, &&y| {
            let s = |i: usize| b.nodes[i].lng + b.nodes[i].lat;
            s(x).total_cmp(&s(y)).then(x.cmp(&y))
        })
        .expect("streets");
    let e = b.pos(entrance);
    let fire_station = b.node(
        [e[0] - 0.006, e[1] - 0.003],
        || "消防救援站".into(),
        NodeKind::External,
    );
    let ambulance_base = b.node(
        [e[0] - 0.003, e[1] - 0.006],
        || "120急救站".into(),
        NodeKind::External,
    );

    let vulnerable: Vec<(usize, u32)> = buildings
        .iter()
        .enumerate()
        .filter(|(k, x)| x.vulnerable > 0 && building_node[*k] != usize::MAX)
        .map(|(k, x)| (building_node[k], x.vulnerable))
        .collect();

    // Today's posts.
    let mut today = vec![];
    let mut companies: Vec<&str> = vec![];
    for (c, comp) in compounds.iter().enumerate() {
        let Some(p) = comp.property.as_deref() else {
            continue;
        };
        if companies.contains(&p) {
            continue;
        }
        let first = buildings
            .iter()
            .enumerate()
            .find(|(k, x)| x.compound == c && building_node[*k] != usize::MAX);
        if let Some((k, _)) = first {
            companies.push(p);
            today.push(ResponderSpec {
                role: "technician".into(),
                name: format!("{p} 值班技工"),
                post: building_node[k],
                shift: None,
            });
        }
    }
    for (g, grid) in grids.iter().enumerate() {
        let (Some(p), Some(_)) = (centre(&grid.ring), grid_street[g].first()) else {
            continue;
        };
        // The grid's work station: the compound centre in it, else its nearest street point.
        let inside: Vec<usize> = compounds
            .iter()
            .enumerate()
            .filter(|(c, comp)| comp.grid == g && compound_node[*c] != usize::MAX)
            .map(|(c, _)| compound_node[c])
            .collect();
        let post = b.nearest(
            p,
            if inside.is_empty() {
                &grid_street[g]
            } else {
                &inside
            },
            1,
        )[0];
        today.push(ResponderSpec {
            role: "grid_worker".into(),
            name: format!("{} 网格员", grid.name),
            post,
            shift: Some([8.0, 18.0]),
        });
    }
    for (c, comp) in compounds.iter().enumerate() {
        let own: Vec<usize> = buildings
            .iter()
            .enumerate()
            .filter(|(k, x)| x.compound == c && building_node[*k] != usize::MAX)
            .map(|(k, _)| building_node[k])
            .collect();
        if let Some(&post) = own.get(own.len() / 2) {
            today.push(ResponderSpec {
                role: "volunteer".into(),
                name: format!("{} 楼组长志愿者", comp.name),
                post,
                shift: Some([18.0, 8.0]),
            });
        }
    }
    for (role, post) in [
        ("fire_station", fire_station),
        ("ambulance", ambulance_base),
    ] {
        today.push(ResponderSpec {
            role: role.into(),
            name: role_facts(role).map(|f| f.name).unwrap_or_default().into(),
            post,
            shift: None,
        });
    }
    Ok(Model {
        nodes: b.nodes,
        edges: b.edges,
        vulnerable,
        fire_station,
        ambulance_base,
        entrance,
        today,
    })
}

impl Model {
    /// The builder's first proposal: a fire scenario with today's responders.
    pub fn default_spec(&self) -> Spec {
        Spec {
            name: "火灾应急情景".into(),
            target_minutes: 5.0,
            years: 50.0,
            seed: 1,
            dispatch: Dispatch::Nearest,
            incidents: vec![{
                let (_, _, per_year, on_scene) = kind_facts("fire").expect("fire");
                KindSpec {
                    kind: "fire".into(),
                    per_year,
                    on_scene_minutes: on_scene,
                }
            }],
            responders: self.today.clone(),
            fire_station_minutes: 8.0,
            ambulance_minutes: 12.0,
        }
    }

    /// Nodes inside the community where a responder may stand.
    pub fn posts(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind != NodeKind::External)
            .collect()
    }

    /// The engine's scenario for a planner's choices.
    pub fn scenario(&self, spec: &Spec) -> Result<Scenario, TwinError> {
        let name = spec.name.trim();
        if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
            return Err(TwinError::Name);
        }
        if !(1.0..=60.0).contains(&spec.target_minutes) {
            return Err(TwinError::Target);
        }
        if !(1.0..=200.0).contains(&spec.years) {
            return Err(TwinError::Years);
        }
        if spec.incidents.is_empty() {
            return Err(TwinError::NoIncidents);
        }
        if spec.responders.is_empty() || spec.responders.len() > 60 {
            return Err(TwinError::Responders);
        }
        for lead in [spec.fire_station_minutes, spec.ambulance_minutes] {
            if !(1.0..=60.0).contains(&lead) {
                return Err(TwinError::Lead);
            }
        }
        let buildings: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind == NodeKind::Building)
            .collect();
        let streets: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind == NodeKind::Street)
            .collect();
        let mut incidents = vec![];
        for k in &spec.incidents {
            let (_, skill, _, _) = kind_facts(&k.kind).ok_or(TwinError::Kind)?;
            let rate_ok = k.per_year > 0.0 && k.per_year <= 10_000.0;
            if !(rate_ok && (1.0..=600.0).contains(&k.on_scene_minutes)) {
                return Err(TwinError::Rate);
            }
            let places = match k.kind.as_str() {
                "flooding" => streets.clone(),
                "lift_entrapment" => {
                    let tall: Vec<usize> = buildings
                        .iter()
                        .copied()
                        .filter(|&i| self.nodes[i].floors >= 7)
                        .collect();
                    if tall.is_empty() {
                        buildings.clone()
                    } else {
                        tall
                    }
                }
                _ => buildings.clone(),
            };
            incidents.push(IncidentKind {
                kind: k.kind.clone(),
                per_day: k.per_year / 365.0,
                on_scene_minutes: k.on_scene_minutes,
                skill: skill.into(),
                by_hour: kind_hours(&k.kind).map(|h| h.to_vec()),
                places: Some(if places.is_empty() {
                    streets.clone()
                } else {
                    places
                }),
            });
        }
        let mut responders = vec![];
        for r in &spec.responders {
            let RoleFacts {
                name: role_name,
                skills,
                speed_kmh,
                fixed,
                ..
            } = role_facts(&r.role).ok_or(TwinError::Role)?;
            let post = match r.role.as_str() {
                "fire_station" => self.fire_station,
                "ambulance" => self.ambulance_base,
                _ => r.post,
            };
            if !fixed
                && self
                    .nodes
                    .get(post)
                    .is_none_or(|n| n.kind == NodeKind::External)
            {
                return Err(TwinError::Post);
            }
            if let Some([a, b]) = r.shift
                && !((0.0..=24.0).contains(&a) && (0.0..=24.0).contains(&b) && a != b)
            {
                return Err(TwinError::Shift);
            }
            let label = r.name.trim();
            responders.push(Responder {
                name: if label.is_empty() {
                    role_name.into()
                } else {
                    label.chars().take(40).collect()
                },
                post,
                skills: skills.iter().map(|s| s.to_string()).collect(),
                speed_kmh,
                shift: r.shift,
                fixed,
            });
        }
        let mut edges: Vec<Edge> = self.edges.iter().map(|&e| Edge::Ends(e)).collect();
        for (node, role, minutes) in [
            (self.fire_station, "fire_station", spec.fire_station_minutes),
            (self.ambulance_base, "ambulance", spec.ambulance_minutes),
        ] {
            let speed = role_facts(role).map_or(30.0, |f| f.speed_kmh);
            edges.push(Edge::Measured {
                a: node,
                b: self.entrance,
                metres: minutes * speed * 1000.0 / 60.0,
            });
        }
        Ok(Scenario {
            name: name.into(),
            seed: spec.seed,
            days: spec.years * 365.0,
            target_minutes: spec.target_minutes,
            roads: Roads {
                nodes: self.nodes.iter().map(|n| [n.lng, n.lat]).collect(),
                edges,
            },
            incidents,
            responders,
            vulnerable: self
                .vulnerable
                .iter()
                .map(|&(node, count)| Vulnerable { node, count })
                .collect(),
            candidates: Some(self.posts()),
            dispatch: spec.dispatch,
            cover_skill: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twin::scenario::{compare, distances};

    /// Two grids side by side (200 m squares), a compound in each with four buildings.
    fn area() -> (Vec<GridIn>, Vec<CompoundIn>, Vec<BuildingIn>) {
        let d = 0.002; // ≈ 190 m of longitude, 220 m of latitude here
        let square = |x0: f64| {
            vec![
                [121.5 + x0, 31.24],
                [121.5 + x0 + d, 31.24],
                [121.5 + x0 + d, 31.24 + d],
                [121.5 + x0, 31.24 + d],
                [121.5 + x0, 31.24],
            ]
        };
        let grids = vec![
            GridIn {
                name: "第1网格".into(),
                ring: square(0.0),
            },
            GridIn {
                name: "第2网格".into(),
                ring: square(d),
            },
        ];
        let compounds = (0..2)
            .map(|g| CompoundIn {
                name: format!("{}号小区", g + 1),
                grid: g,
                ring: vec![],
                property: Some(if g == 0 { "甲物业" } else { "乙物业" }.into()),
            })
            .collect();
        let buildings = (0..8)
            .map(|k| {
                let (c, j) = (k / 4, k % 4);
                BuildingIn {
                    id: 100 + k as i64,
                    name: format!("{}号楼", j + 1),
                    compound: c,
                    lng: 121.5 + c as f64 * d + d * (0.3 + 0.4 * (j % 2) as f64),
                    lat: 31.24 + d * (0.3 + 0.4 * (j / 2) as f64),
                    floors: if j == 0 { 18 } else { 6 },
                    vulnerable: if k == 7 { 3 } else { u32::from(j == 0) },
                }
            })
            .collect();
        (grids, compounds, buildings)
    }

    #[test]
    fn the_road_graph_joins_every_place_and_shares_streets_between_grids() {
        let (g, c, b) = area();
        let m = build(&g, &c, &b).expect("model");
        let s = m.scenario(&m.default_spec()).expect("scenario");
        let dist = distances(&s.roads).expect("roads");
        // Every node reaches every other, the outside ones included.
        assert!(dist.iter().flatten().all(|d| d.is_finite()));
        // The shared boundary is one street: its points are not duplicated.
        let streets = m
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Street)
            .count();
        // Two squares of 190 × 220 m, each side cut in two: 8 points each, 3 of them on the
        // shared side.
        assert_eq!(streets, 13, "{:?}", m.nodes);
        assert_eq!(
            m.vulnerable.iter().map(|v| v.1).sum::<u32>(),
            b.iter().map(|x| x.vulnerable).sum::<u32>()
        );
        // Today: two technicians, two grid workers, two volunteers, the fire station and the
        // ambulance.
        let roles: Vec<&str> = m.today.iter().map(|r| r.role.as_str()).collect();
        assert_eq!(
            roles,
            [
                "technician",
                "technician",
                "grid_worker",
                "grid_worker",
                "volunteer",
                "volunteer",
                "fire_station",
                "ambulance"
            ]
        );
        // Each kind happens by its hours of the day.
        assert_eq!(
            s.incidents[0].by_hour.as_deref(),
            kind_hours("fire").as_ref().map(|h| &h[..])
        );
        // The fire station's road takes the stated minutes at its speed.
        let fs = &s.responders[6];
        assert!(fs.fixed);
        let minutes = dist[m.fire_station][m.entrance] / (fs.speed_kmh * 1000.0 / 60.0);
        assert!((minutes - 8.0).abs() < 1e-9);
    }

    #[test]
    fn the_comparison_of_a_built_scenario_moves_only_the_community_s_own() {
        let (g, c, b) = area();
        let m = build(&g, &c, &b).expect("model");
        let mut spec = m.default_spec();
        spec.target_minutes = 1.0;
        spec.years = 5.0;
        let s = m.scenario(&spec).expect("scenario");
        let cmp = compare(&s).expect("compare");
        assert_eq!(cmp.vulnerable, 5.0);
        assert!(cmp.optimised.covered >= cmp.today.covered);
        assert!(cmp.optimised.covered >= cmp.greedy.covered);
        for (r, resp) in s.responders.iter().enumerate() {
            let p = cmp.optimised.posts[r];
            if resp.fixed {
                assert_eq!(p, s.responders[r].post);
            } else {
                assert_ne!(m.nodes[p].kind, NodeKind::External);
            }
        }
    }

    #[test]
    fn bad_choices_are_refused_with_a_reason() {
        let (g, c, b) = area();
        let m = build(&g, &c, &b).expect("model");
        let refuse = |f: &dyn Fn(&mut Spec)| {
            let mut s = m.default_spec();
            f(&mut s);
            m.scenario(&s).err().map(|e| e.code())
        };
        assert_eq!(refuse(&|s| s.name = " ".into()), Some("TWIN_NAME_INVALID"));
        assert_eq!(
            refuse(&|s| s.target_minutes = 0.0),
            Some("TWIN_TARGET_INVALID")
        );
        assert_eq!(refuse(&|s| s.years = 500.0), Some("TWIN_YEARS_INVALID"));
        assert_eq!(
            refuse(&|s| s.incidents.clear()),
            Some("TWIN_INCIDENTS_EMPTY")
        );
        assert_eq!(
            refuse(&|s| s.incidents[0].kind = "meteor".into()),
            Some("TWIN_KIND_UNKNOWN")
        );
        assert_eq!(
            refuse(&|s| s.incidents[0].per_year = f64::NAN),
            Some("TWIN_RATE_INVALID")
        );
        assert_eq!(
            refuse(&|s| s.responders.clear()),
            Some("TWIN_RESPONDERS_INVALID")
        );
        assert_eq!(
            refuse(&|s| s.responders[0].role = "wizard".into()),
            Some("TWIN_ROLE_UNKNOWN")
        );
        assert_eq!(
            refuse(&|s| s.responders[0].post = 9999),
            Some("TWIN_POST_INVALID")
        );
        let fire = m.fire_station;
        assert_eq!(
            refuse(&|s| s.responders[0].post = fire),
            Some("TWIN_POST_INVALID")
        );
        assert_eq!(
            refuse(&|s| s.responders[0].shift = Some([8.0, 30.0])),
            Some("TWIN_SHIFT_INVALID")
        );
        assert_eq!(
            refuse(&|s| s.fire_station_minutes = 0.0),
            Some("TWIN_LEAD_INVALID")
        );
        assert_eq!(build(&[], &[], &[]).err(), Some(TwinError::NoRoads));
    }
}
