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
//!
//! [`facts`] holds what the simulator assumes of each incident kind and responder role;
//! [`build`] makes the road graph; [`plan`] turns a planner's [`Spec`] into a [`Scenario`].

mod build;
mod facts;
mod plan;

pub use build::build;
pub use facts::{KINDS, ROLES, RoleFacts, kind_facts, kind_hours, role_facts};

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::scenario::{Dispatch, Edge, IncidentKind, Responder, Roads, Scenario, Vulnerable};
use crate::Coded;
use crate::org::distance_m;

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

#[cfg(test)]
mod tests;
