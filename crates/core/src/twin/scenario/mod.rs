//! A community emergency scenario on the event engine: incidents of several kinds arrive
//! (Poisson, by kind and hour of day) at places on a road graph; the nearest available
//! responder on duty with the skill is sent, travels the shortest road path, stays on scene
//! and goes back to their post; vulnerable residents at the place (the elderly living
//! alone, the disabled) count as reached when the first responder arrives.
//!
//! Outputs: the response-time distribution, the share of incidents and of vulnerable
//! residents reached within the target time, those never reached, and each responder's
//! utilisation. Deterministic for a seed.
//!
//! `mod.rs` holds the scenario as a planner states it and its checks; [`sim`] runs it on
//! the event engine; [`covering`] turns it into the covering problem of where responders
//! should stand; [`compare`] simulates today's posts beside the optimised ones.

mod compare;
mod covering;
mod sim;

pub use compare::{
    CompareError, Comparison, DispatchComparison, Plan, SOLVE_LIMIT, compare, compare_within,
};
pub use covering::{Covering, coverage_instance};
pub use sim::{run, run_traced, run_within};

use serde::{Deserialize, Serialize};

use crate::Coded;
use crate::org::distance_m;

/// Minutes in a day.
const DAY: f64 = 1440.0;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default = "one")]
    pub seed: u64,
    /// Simulated days.
    pub days: f64,
    /// The response target in minutes (e.g. 5).
    pub target_minutes: f64,
    pub roads: Roads,
    pub incidents: Vec<IncidentKind>,
    pub responders: Vec<Responder>,
    /// Residents who need help to evacuate, by place.
    #[serde(default)]
    pub vulnerable: Vec<Vulnerable>,
    /// Where responders may be posted when placement is optimised (default: every node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<usize>>,
    /// Who is sent when calls wait and responders are free.
    #[serde(default)]
    pub dispatch: Dispatch,
    /// The skill whose responders placement moves (default: the first incident kind's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_skill: Option<String>,
}

/// Dispatch policies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dispatch {
    /// Calls in order of arrival, each to the nearest free responder with the skill.
    #[default]
    Nearest,
    /// At each decision, waiting calls and free responders are matched so that as many
    /// calls as possible are answered with the least total travel (Kuhn–Munkres).
    Optimal,
}

fn one() -> u64 {
    1
}

/// The road graph: nodes (WGS-84 lng/lat) and two-way edges; an edge's length is the
/// great-circle distance of its ends unless given (metres).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Roads {
    pub nodes: Vec<[f64; 2]>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Edge {
    Ends([usize; 2]),
    Measured { a: usize, b: usize, metres: f64 },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentKind {
    /// fire, burst_pipe, lift_entrapment, collapse, flooding …
    pub kind: String,
    pub per_day: f64,
    pub on_scene_minutes: f64,
    /// The skill a responder needs.
    pub skill: String,
    /// Relative rate by hour of day (24 numbers; default flat).
    #[serde(default)]
    pub by_hour: Option<Vec<f64>>,
    /// Where it can happen (nodes; default: every node), uniformly.
    #[serde(default)]
    pub places: Option<Vec<usize>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Responder {
    pub name: String,
    pub post: usize,
    pub skills: Vec<String>,
    /// Walking or driving speed on the roads.
    pub speed_kmh: f64,
    /// On duty from..to, hours of the day (default the whole day; 20..8 wraps midnight).
    #[serde(default)]
    pub shift: Option<[f64; 2]>,
    /// Stationed outside the community's control (a fire station, an ambulance base):
    /// placement does not move them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fixed: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vulnerable {
    pub node: usize,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("the scenario refers to road node {0}, which does not exist")]
    Node(usize),
    #[error("{0} must be a positive number")]
    NotPositive(&'static str),
    #[error("by_hour needs 24 non-negative numbers, not all zero")]
    Hours,
    #[error("shift hours must lie within 0–24")]
    Shift,
    #[error("the scenario expects more than {MAX_INCIDENTS} incidents in a run")]
    TooLarge,
    #[error("the run passed its time limit or was cancelled")]
    OverBudget,
}

/// Expected incidents in a run at most (days × incidents a day); larger scenarios are
/// refused before they start.
pub const MAX_INCIDENTS: f64 = 1_000_000.0;

/// What a run may spend: it stops with [`ScenarioError::OverBudget`] after its deadline
/// or once cancelled (a server shutting down), checked every thousand events.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    pub deadline: Option<std::time::Instant>,
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl Budget {
    /// No bound (the command line, tests).
    pub fn unbounded() -> Budget {
        Budget::default()
    }

    /// At most `d` from now, and stopped early when `cancel` is set.
    pub fn within(
        d: std::time::Duration,
        cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    ) -> Budget {
        Budget {
            deadline: std::time::Instant::now().checked_add(d),
            cancel,
        }
    }

    pub fn spent(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
            || self
                .deadline
                .is_some_and(|d| std::time::Instant::now() >= d)
    }
}

impl Coded for ScenarioError {
    fn code(&self) -> &'static str {
        match self {
            ScenarioError::Node(_) => "SCENARIO_NODE_INVALID",
            ScenarioError::NotPositive(_) => "SCENARIO_VALUE_INVALID",
            ScenarioError::Hours => "SCENARIO_HOURS_INVALID",
            ScenarioError::Shift => "SCENARIO_SHIFT_INVALID",
            ScenarioError::TooLarge => "SCENARIO_TOO_LARGE",
            ScenarioError::OverBudget => "SCENARIO_OVER_BUDGET",
        }
    }
}

/// Percentiles and mean of response times (minutes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    /// Incidents answered in minute 0–1, 1–2, … (the last bin: 30 or more).
    pub by_minute: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponderUse {
    pub name: String,
    /// Busy minutes (travelling, on scene, going back) over on-duty minutes.
    pub utilisation: f64,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub name: String,
    pub incidents: u64,
    /// From the call to the first responder's arrival, incidents that were answered.
    pub response_minutes: Distribution,
    /// Share of incidents answered within the target.
    pub within_target: f64,
    /// Vulnerable residents at the incidents' places …
    pub vulnerable_affected: u64,
    /// … reached within the target …
    pub vulnerable_reached_in_time: u64,
    /// … and never reached before the simulation ended.
    pub vulnerable_not_reached: u64,
    pub incidents_not_reached: u64,
    pub responders: Vec<ResponderUse>,
    pub events: u64,
}

/// Shortest travel distances (metres) from every node, Dijkstra over the road graph.
pub fn distances(roads: &Roads) -> Result<Vec<Vec<f64>>, ScenarioError> {
    let n = roads.nodes.len();
    let mut adj: Vec<Vec<(usize, f64)>> = vec![vec![]; n];
    for e in &roads.edges {
        let (a, b, m) = match *e {
            Edge::Ends([a, b]) => (a, b, None),
            Edge::Measured { a, b, metres } => (a, b, Some(metres)),
        };
        for x in [a, b] {
            if x >= n {
                return Err(ScenarioError::Node(x));
            }
        }
        let m = m.unwrap_or_else(|| distance_m(roads.nodes[a], roads.nodes[b]));
        if !(m.is_finite() && m >= 0.0) {
            return Err(ScenarioError::NotPositive("an edge's length"));
        }
        adj[a].push((b, m));
        adj[b].push((a, m));
    }
    Ok((0..n)
        .map(|s| {
            let mut d = vec![f64::INFINITY; n];
            let mut heap = std::collections::BinaryHeap::new();
            d[s] = 0.0;
            heap.push((std::cmp::Reverse(0u64), s));
            while let Some((std::cmp::Reverse(bits), u)) = heap.pop() {
                let du = f64::from_bits(bits);
                if du > d[u] {
                    continue;
                }
                for &(v, w) in &adj[u] {
                    let nd = du + w;
                    if nd < d[v] {
                        d[v] = nd;
                        heap.push((std::cmp::Reverse(nd.to_bits()), v));
                    }
                }
            }
            d
        })
        .collect())
}

impl Scenario {
    fn check(&self) -> Result<(), ScenarioError> {
        let n = self.roads.nodes.len();
        let node = |i: usize| {
            if i < n {
                Ok(())
            } else {
                Err(ScenarioError::Node(i))
            }
        };
        let pos = |x: f64, what| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(ScenarioError::NotPositive(what))
            }
        };
        pos(self.days, "days")?;
        pos(self.target_minutes, "target_minutes")?;
        for k in &self.incidents {
            pos(k.per_day, "per_day")?;
            pos(k.on_scene_minutes, "on_scene_minutes")?;
            if let Some(h) = &k.by_hour
                && (h.len() != 24
                    || h.iter().any(|x| !(x.is_finite() && *x >= 0.0))
                    || h.iter().sum::<f64>() <= 0.0)
            {
                return Err(ScenarioError::Hours);
            }
            for &p in k.places.iter().flatten() {
                node(p)?;
            }
            if k.places.as_ref().is_some_and(Vec::is_empty) || n == 0 {
                return Err(ScenarioError::NotPositive("the number of places"));
            }
        }
        let expected: f64 = self.incidents.iter().map(|k| k.per_day).sum::<f64>() * self.days;
        if expected > MAX_INCIDENTS {
            return Err(ScenarioError::TooLarge);
        }
        for r in &self.responders {
            node(r.post)?;
            pos(r.speed_kmh, "speed_kmh")?;
            if let Some([a, b]) = r.shift
                && !((0.0..=24.0).contains(&a) && (0.0..=24.0).contains(&b))
            {
                return Err(ScenarioError::Shift);
            }
        }
        for v in &self.vulnerable {
            node(v.node)?;
        }
        for &c in self.candidates.iter().flatten() {
            node(c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
