//! A community emergency scenario on the event engine: incidents of several kinds arrive
//! (Poisson, by kind and hour of day) at places on a road graph; the nearest available
//! responder on duty with the skill is sent, travels the shortest road path, stays on scene
//! and goes back to their post; vulnerable residents at the place (the elderly living
//! alone, the disabled) count as reached when the first responder arrives.
//!
//! Outputs: the response-time distribution, the share of incidents and of vulnerable
//! residents reached within the target time, those never reached, and each responder's
//! utilisation. Deterministic for a seed.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use pathfinding::kuhn_munkres::kuhn_munkres_min;
use pathfinding::matrix::Matrix;

use super::des::{Engine, Exp, stream};
use super::placement::{PlacementError, Team, TeamPlacement, team_exact, team_greedy};
use crate::Coded;

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
}

impl Coded for ScenarioError {
    fn code(&self) -> &'static str {
        match self {
            ScenarioError::Node(_) => "SCENARIO_NODE_INVALID",
            ScenarioError::NotPositive(_) => "SCENARIO_VALUE_INVALID",
            ScenarioError::Hours => "SCENARIO_HOURS_INVALID",
            ScenarioError::Shift => "SCENARIO_SHIFT_INVALID",
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
        let m = m.unwrap_or_else(|| haversine(roads.nodes[a], roads.nodes[b]));
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

/// Great-circle distance in metres between two lng/lat points.
pub fn haversine(a: [f64; 2], b: [f64; 2]) -> f64 {
    let r = 6_371_008.8;
    let (la1, la2) = (a[1].to_radians(), b[1].to_radians());
    let dla = la2 - la1;
    let dlo = (b[0] - a[0]).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().asin()
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

fn on_duty(shift: Option<[f64; 2]>, t: f64) -> bool {
    let Some([a, b]) = shift else { return true };
    let h = (t % DAY) / 60.0;
    if a <= b {
        a <= h && h < b
    } else {
        h >= a || h < b
    }
}

/// Minutes on duty within [0, end).
fn duty_minutes(shift: Option<[f64; 2]>, end: f64) -> f64 {
    let Some([a, b]) = shift else { return end };
    // The shift as stretches of one day, in minutes.
    let spans: Vec<(f64, f64)> = if a <= b {
        vec![(a * 60.0, b * 60.0)]
    } else {
        vec![(0.0, b * 60.0), (a * 60.0, DAY)]
    };
    let whole = (end / DAY).floor();
    let rest = end - whole * DAY;
    spans
        .iter()
        .map(|&(x, y)| whole * (y - x) + (y.min(rest) - x).max(0.0))
        .sum()
}

#[derive(Clone, Copy)]
enum Ev {
    Incident { kind: usize },
    Arrive { incident: usize, responder: usize },
    Cleared { responder: usize, node: usize },
    Back { responder: usize },
    Tick,
}

struct Open {
    node: usize,
    kind: usize,
    at: f64,
    answered: Option<f64>,
}

/// The responders during a run: where each is, whether free, their busy time, and the
/// calls waiting for one of them.
struct Crew<'a> {
    s: &'a Scenario,
    dist: &'a [Vec<f64>],
    at_node: Vec<usize>,
    free: Vec<bool>,
    busy_since: Vec<f64>,
    busy_total: Vec<f64>,
    served: Vec<u64>,
    waiting: VecDeque<usize>,
}

impl<'a> Crew<'a> {
    fn new(s: &'a Scenario, dist: &'a [Vec<f64>]) -> Self {
        let n = s.responders.len();
        Crew {
            s,
            dist,
            at_node: s.responders.iter().map(|r| r.post).collect(),
            free: vec![true; n],
            busy_since: vec![0.0; n],
            busy_total: vec![0.0; n],
            served: vec![0; n],
            waiting: VecDeque::new(),
        }
    }

    /// Travel minutes of responder `r` from node `a` to node `b`.
    fn minutes(&self, r: usize, a: usize, b: usize) -> f64 {
        self.dist[a][b] / (self.s.responders[r].speed_kmh * 1000.0 / 60.0)
    }

    /// Whether responder `r` can take a call of incident kind `kind` now.
    fn can_take(&self, r: usize, kind: usize, now: f64) -> bool {
        let resp = &self.s.responders[r];
        let skill = &self.s.incidents[kind].skill;
        self.free[r] && on_duty(resp.shift, now) && resp.skills.iter().any(|x| x == skill)
    }

    /// Sends responder `r`, `m` minutes away, to incident `i`.
    fn send(&mut self, r: usize, i: usize, m: f64, now: f64, engine: &mut Engine<Ev>) {
        self.free[r] = false;
        self.busy_since[r] = now;
        engine.after(
            m,
            Ev::Arrive {
                incident: i,
                responder: r,
            },
        );
    }

    /// Sends the nearest free responder on duty with the skill to incident `i`, if any.
    fn dispatch(
        &mut self,
        i: usize,
        incidents: &[Open],
        now: f64,
        engine: &mut Engine<Ev>,
    ) -> bool {
        let inc = &incidents[i];
        let best = (0..self.s.responders.len())
            .filter(|&r| self.can_take(r, inc.kind, now))
            .map(|r| (r, self.minutes(r, self.at_node[r], inc.node)))
            .filter(|(_, m)| m.is_finite())
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((r, m)) = best else { return false };
        self.send(r, i, m, now, engine);
        true
    }

    /// A new call: sent at once, or waiting its turn.
    fn offer(&mut self, i: usize, incidents: &[Open], now: f64, engine: &mut Engine<Ev>) {
        match self.s.dispatch {
            Dispatch::Nearest => {
                if !self.dispatch(i, incidents, now, engine) {
                    self.waiting.push_back(i);
                }
            }
            Dispatch::Optimal => {
                self.waiting.push_back(i);
                self.match_all(incidents, now, engine);
            }
        }
    }

    /// Offers the waiting calls to the free responders: in order (nearest) or matched all
    /// at once (optimal).
    fn drain(&mut self, incidents: &[Open], now: f64, engine: &mut Engine<Ev>) {
        if self.s.dispatch == Dispatch::Optimal {
            return self.match_all(incidents, now, engine);
        }
        for _ in 0..self.waiting.len() {
            let Some(i) = self.waiting.pop_front() else {
                break;
            };
            self.offer(i, incidents, now, engine);
        }
    }

    /// The optimal policy: the most waiting calls answered with the least total travel
    /// (Kuhn–Munkres on travel seconds; an impossible pair costs more than any matching
    /// of possible ones, so it is only chosen when nothing better exists, and then not
    /// sent). Calls left over keep their order.
    fn match_all(&mut self, incidents: &[Open], now: f64, engine: &mut Engine<Ev>) {
        let calls: Vec<usize> = self.waiting.iter().copied().collect();
        let free: Vec<usize> = (0..self.s.responders.len())
            .filter(|&r| self.free[r] && on_duty(self.s.responders[r].shift, now))
            .collect();
        if calls.is_empty() || free.is_empty() {
            return;
        }
        const NONE: i64 = 1 << 40;
        let cost = |c: usize, r: usize| -> (i64, f64) {
            let inc = &incidents[c];
            let m = self.minutes(r, self.at_node[r], inc.node);
            if self.can_take(r, inc.kind, now) && m.is_finite() {
                ((m * 60.0).round() as i64, m)
            } else {
                (NONE, f64::INFINITY)
            }
        };
        let pairs: Vec<(usize, usize)> = if calls.len() <= free.len() {
            let w = Matrix::from_fn(calls.len(), free.len(), |(c, r)| cost(calls[c], free[r]).0);
            let (_, cols) = kuhn_munkres_min(&w);
            cols.iter().enumerate().map(|(c, &r)| (c, r)).collect()
        } else {
            let w = Matrix::from_fn(free.len(), calls.len(), |(r, c)| cost(calls[c], free[r]).0);
            let (_, cols) = kuhn_munkres_min(&w);
            cols.iter().enumerate().map(|(r, &c)| (c, r)).collect()
        };
        let go: Vec<(usize, usize, f64)> = pairs
            .into_iter()
            .filter_map(|(c, r)| {
                let (w, m) = cost(calls[c], free[r]);
                (w < NONE).then_some((c, r, m))
            })
            .collect();
        let mut sent = vec![false; calls.len()];
        for (c, r, m) in go {
            self.send(free[r], calls[c], m, now, engine);
            sent[c] = true;
        }
        self.waiting = calls
            .iter()
            .zip(&sent)
            .filter(|(_, s)| !**s)
            .map(|(c, _)| *c)
            .collect();
    }

    /// Responder `r` is free at `node`; the stretch they were busy is counted and told.
    fn release(&mut self, r: usize, node: usize, now: f64, busy: &mut impl FnMut(usize, f64, f64)) {
        self.at_node[r] = node;
        self.free[r] = true;
        self.busy_total[r] += now - self.busy_since[r];
        busy(r, self.busy_since[r], now);
    }
}

/// Runs the scenario.
pub fn run(s: &Scenario) -> Result<Metrics, ScenarioError> {
    run_traced(s, |_, _, _| {})
}

/// [`run`], telling `busy(responder, from, to)` each stretch a responder was busy.
pub fn run_traced(
    s: &Scenario,
    mut busy: impl FnMut(usize, f64, f64),
) -> Result<Metrics, ScenarioError> {
    s.check()?;
    let dist = distances(&s.roads)?;
    let end = s.days * DAY;
    let mut vulnerable_at = vec![0u64; s.roads.nodes.len()];
    for v in &s.vulnerable {
        vulnerable_at[v.node] += u64::from(v.count);
    }
    let mut engine: Engine<Ev> = Engine::new();
    // One stream per incident kind (arrivals and places): plans compared with the same seed
    // meet the same incidents.
    let mut rngs: Vec<_> = (0..s.incidents.len())
        .map(|k| stream(s.seed, 100 + k as u64))
        .collect();
    // Time-of-day rates by thinning: draw at the peak hour's rate, keep with rate/peak.
    let peaks: Vec<f64> = s
        .incidents
        .iter()
        .map(|k| {
            let h = k.by_hour.clone().unwrap_or_else(|| vec![1.0; 24]);
            let mean = h.iter().sum::<f64>() / 24.0;
            h.iter().fold(0.0f64, |m, x| m.max(*x)) / mean
        })
        .collect();
    for (k, kind) in s.incidents.iter().enumerate() {
        let t = Exp::rate(kind.per_day * peaks[k] / DAY).sample(&mut rngs[k]);
        if t < end {
            engine.at(t, Ev::Incident { kind: k });
        }
    }
    let mut crew = Crew::new(s, &dist);
    let mut incidents: Vec<Open> = vec![];
    let mut responses: Vec<f64> = vec![];
    // Shift changes: whoever comes on duty takes what is waiting (a responder who frees up
    // takes it anyway). Minutes of the day at which some shift begins, ascending.
    let mut starts: Vec<f64> = s
        .responders
        .iter()
        .filter_map(|r| r.shift.map(|[a, _]| (a % 24.0) * 60.0))
        .collect();
    starts.sort_by(f64::total_cmp);
    starts.dedup();
    let next_start = |now: f64| -> Option<f64> {
        let day = (now / DAY).floor() * DAY;
        starts
            .iter()
            .map(|m| day + m)
            .find(|t| *t > now)
            .or_else(|| starts.first().map(|m| day + DAY + m))
    };
    if let Some(t) = next_start(-1.0) {
        engine.at(t.max(0.0), Ev::Tick);
    }

    while let Some((now, ev)) = engine.pop() {
        if now >= end {
            break;
        }
        match ev {
            Ev::Incident { kind } => {
                let k = &s.incidents[kind];
                let rng = &mut rngs[kind];
                // Next arrival of this kind (thinned to the hour's rate).
                let next = now + Exp::rate(k.per_day * peaks[kind] / DAY).sample(rng);
                if next < end {
                    engine.at(next, Ev::Incident { kind });
                }
                if let Some(h) = &k.by_hour {
                    let peak = h.iter().fold(0.0f64, |m, x| m.max(*x));
                    let hour = ((now % DAY) / 60.0) as usize % 24;
                    if rand::Rng::r#gen::<f64>(rng) * peak >= h[hour] {
                        continue;
                    }
                }
                let node = match &k.places {
                    Some(p) => p[rand::Rng::gen_range(rng, 0..p.len())],
                    None => rand::Rng::gen_range(rng, 0..s.roads.nodes.len()),
                };
                incidents.push(Open {
                    node,
                    kind,
                    at: now,
                    answered: None,
                });
                crew.offer(incidents.len() - 1, &incidents, now, &mut engine);
            }
            Ev::Arrive {
                incident,
                responder,
            } => {
                let inc = &mut incidents[incident];
                crew.at_node[responder] = inc.node;
                if inc.answered.is_none() {
                    inc.answered = Some(now);
                    responses.push(now - inc.at);
                }
                crew.served[responder] += 1;
                let stay = s.incidents[inc.kind].on_scene_minutes;
                engine.after(
                    stay,
                    Ev::Cleared {
                        responder,
                        node: inc.node,
                    },
                );
            }
            Ev::Cleared { responder, node } => {
                crew.release(responder, node, now, &mut busy);
                // Waiting incidents first (the nearest free responder takes each) …
                crew.drain(&incidents, now, &mut engine);
                if crew.free[responder] {
                    // … else back to the post, busy until there.
                    crew.free[responder] = false;
                    crew.busy_since[responder] = now;
                    let m = crew.minutes(responder, node, s.responders[responder].post);
                    engine.after(if m.is_finite() { m } else { 0.0 }, Ev::Back { responder });
                }
            }
            Ev::Back { responder } => {
                crew.release(responder, s.responders[responder].post, now, &mut busy);
                crew.drain(&incidents, now, &mut engine);
            }
            Ev::Tick => {
                crew.drain(&incidents, now, &mut engine);
                if let Some(t) = next_start(now).filter(|t| *t < end) {
                    engine.at(t, Ev::Tick);
                }
            }
        }
    }
    // Responders still busy at the end count their time up to it.
    for r in 0..s.responders.len() {
        if !crew.free[r] {
            crew.busy_total[r] += end - crew.busy_since[r];
            busy(r, crew.busy_since[r], end);
        }
    }
    let target = s.target_minutes;
    let mut affected = 0;
    let mut in_time = 0;
    let mut never = 0;
    for inc in &incidents {
        let v = vulnerable_at[inc.node];
        affected += v;
        match inc.answered {
            Some(t) if t - inc.at <= target => in_time += v,
            Some(_) => {}
            None => never += v,
        }
    }
    let answered = responses.len() as u64;
    let within = responses.iter().filter(|r| **r <= target).count();
    Ok(Metrics {
        name: s.name.clone(),
        incidents: incidents.len() as u64,
        within_target: if incidents.is_empty() {
            1.0
        } else {
            within as f64 / incidents.len() as f64
        },
        response_minutes: distribution(responses),
        vulnerable_affected: affected,
        vulnerable_reached_in_time: in_time,
        vulnerable_not_reached: never,
        incidents_not_reached: incidents.len() as u64 - answered,
        responders: s
            .responders
            .iter()
            .enumerate()
            .map(|(r, resp)| ResponderUse {
                name: resp.name.clone(),
                utilisation: {
                    let duty = duty_minutes(resp.shift, end);
                    if duty > 0.0 {
                        (crew.busy_total[r] / duty).min(1.0)
                    } else {
                        0.0
                    }
                },
                incidents: crew.served[r],
            })
            .collect(),
        events: engine.processed(),
    })
}

/// The covering problem of a scenario: where should the responders stand so that the
/// vulnerable residents are reached within the target time, at every hour of the day?
///
/// Demand points are the places of vulnerable residents, weighted by how many live there.
/// The responders placed are those who are not fixed and have the covering skill (the
/// scenario's `cover_skill`, by default the first incident kind's: for a fire scenario,
/// `fire`). Each reaches, within the target, as far as their own speed takes them along the
/// roads, and only while on duty: the day is cut into periods at the shift changes, and a
/// place counts in a period when someone on duty then reaches it, or a fixed force with the
/// skill (the fire station) does. Coverage is averaged over the day.
#[derive(Debug, Clone)]
pub struct Covering {
    pub team: Team,
    /// The responders placed (indexes into the scenario's responders).
    pub placed: Vec<usize>,
    /// Candidate posts (road nodes), indexed like each responder's `team.covers[r]`.
    pub candidates: Vec<usize>,
    /// Demand points (road nodes), indexed like `team.weights`.
    pub places: Vec<usize>,
    /// The periods of the day (from, to hours).
    pub periods: Vec<[f64; 2]>,
    pub skill: String,
    /// How far (metres) the slowest placed responder gets within the target.
    pub reach: f64,
}

impl Covering {
    /// The placed responders' posts (candidate indexes) when everyone stands at `posts`
    /// (road nodes, in the scenario's order).
    fn team_posts(&self, posts: &[usize]) -> Vec<usize> {
        self.placed
            .iter()
            .map(|&r| {
                self.candidates
                    .iter()
                    .position(|&c| c == posts[r])
                    .expect("every post is a candidate")
            })
            .collect()
    }

    /// Vulnerable residents covered with everyone at `posts` (road nodes, in the
    /// scenario's order): averaged over the day, and in each period.
    pub fn covered(&self, posts: &[usize]) -> (f64, Vec<f64>) {
        let p = self.team_posts(posts);
        (self.team.coverage(&p), self.team.coverage_by_period(&p))
    }
}

pub fn coverage_instance(s: &Scenario) -> Result<Covering, ScenarioError> {
    s.check()?;
    let dist = distances(&s.roads)?;
    let skill = s
        .cover_skill
        .clone()
        .or_else(|| s.incidents.first().map(|k| k.skill.clone()))
        .unwrap_or_default();
    let has = |r: &Responder| r.skills.contains(&skill);
    let placed: Vec<usize> = (0..s.responders.len())
        .filter(|&r| !s.responders[r].fixed && has(&s.responders[r]))
        .collect();
    let reach_of = |r: &Responder| s.target_minutes * r.speed_kmh * 1000.0 / 60.0;
    let mut places: Vec<usize> = s.vulnerable.iter().map(|v| v.node).collect();
    places.sort_unstable();
    places.dedup();
    let weights: Vec<f64> = places
        .iter()
        .map(|&n| {
            s.vulnerable
                .iter()
                .filter(|v| v.node == n)
                .map(|v| f64::from(v.count))
                .sum()
        })
        .collect();
    let mut candidates: Vec<usize> = match &s.candidates {
        Some(c) => c.clone(),
        None => (0..s.roads.nodes.len()).collect(),
    };
    for &r in &placed {
        if !candidates.contains(&s.responders[r].post) {
            candidates.push(s.responders[r].post);
        }
    }
    // The day cut at every shift change of those who count.
    let mut cuts: Vec<f64> = s
        .responders
        .iter()
        .filter(|r| has(r))
        .filter_map(|r| r.shift)
        .flat_map(|[a, b]| [a % 24.0, b % 24.0])
        .collect();
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let periods: Vec<[f64; 2]> = match cuts.len() {
        0 => vec![[0.0, 24.0]],
        n => (0..n).map(|k| [cuts[k], cuts[(k + 1) % n]]).collect(),
    };
    let length = |p: &[f64; 2]| {
        let d = p[1] - p[0];
        if d <= 0.0 { d + 24.0 } else { d }
    };
    let mid = |p: &[f64; 2]| ((p[0] + length(p) / 2.0) % 24.0) * 60.0;
    let pre = places
        .iter()
        .map(|&n| {
            periods
                .iter()
                .map(|p| {
                    s.responders
                        .iter()
                        .filter(|r| r.fixed && has(r))
                        .any(|r| on_duty(r.shift, mid(p)) && dist[r.post][n] <= reach_of(r))
                })
                .collect()
        })
        .collect();
    let team = Team {
        covers: placed
            .iter()
            .map(|&r| {
                let reach = reach_of(&s.responders[r]);
                candidates
                    .iter()
                    .map(|&j| {
                        places
                            .iter()
                            .enumerate()
                            .filter(|(_, n)| dist[j][**n] <= reach)
                            .map(|(i, _)| i)
                            .collect()
                    })
                    .collect()
            })
            .collect(),
        on: placed
            .iter()
            .map(|&r| {
                periods
                    .iter()
                    .map(|p| on_duty(s.responders[r].shift, mid(p)))
                    .collect()
            })
            .collect(),
        current: placed
            .iter()
            .map(|&r| {
                candidates
                    .iter()
                    .position(|&c| c == s.responders[r].post)
                    .expect("added above")
            })
            .collect(),
        moving: placed
            .iter()
            .map(|&r| {
                candidates
                    .iter()
                    .map(|&j| {
                        let d = dist[s.responders[r].post][j];
                        if d.is_finite() { d } else { 1e7 }
                    })
                    .collect()
            })
            .collect(),
        periods: periods.iter().map(length).collect(),
        weights,
        pre,
    };
    let reach = placed
        .iter()
        .map(|&r| reach_of(&s.responders[r]))
        .fold(f64::INFINITY, f64::min);
    Ok(Covering {
        team,
        placed,
        candidates,
        places,
        periods,
        skill,
        reach: if reach.is_finite() { reach } else { 0.0 },
    })
}

/// One plan: where each responder stands (in the scenario's order), the vulnerable
/// residents that covers (averaged over the day, and in each period), and the
/// simulated metrics with them standing there.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub posts: Vec<usize>,
    pub covered: f64,
    /// Covered in each of the comparison's `periods`.
    pub covered_by_period: Vec<f64>,
    pub metrics: Metrics,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    /// Vulnerable residents in all.
    pub vulnerable: f64,
    /// The skill whose responders are placed.
    pub skill: String,
    /// The periods of the day coverage is counted in (from, to hours).
    pub periods: Vec<[f64; 2]>,
    /// How far (metres) the slowest placed responder gets within the target time.
    pub reach_metres: f64,
    pub today: Plan,
    pub greedy: Plan,
    pub optimised: Plan,
    /// Time to solve the covering problem exactly.
    pub solve_ms: f64,
    /// Today's posts under each dispatch policy.
    pub dispatch: DispatchComparison,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DispatchComparison {
    pub nearest: Metrics,
    pub optimal: Metrics,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Placement(#[from] PlacementError),
}

impl Coded for CompareError {
    fn code(&self) -> &'static str {
        match self {
            CompareError::Scenario(e) => e.code(),
            CompareError::Placement(e) => e.code(),
        }
    }
}

/// Today's posts beside the greedy and the exact placements, each simulated with the same
/// incidents (same seed, same streams), and today's posts under both dispatch policies.
/// Fixed responders and those without the covering skill stay where they are.
pub fn compare(s: &Scenario) -> Result<Comparison, CompareError> {
    let cov = coverage_instance(s)?;
    let simulate = |posts: &[usize], dispatch: Dispatch| -> Result<Metrics, ScenarioError> {
        let mut moved = s.clone();
        moved.dispatch = dispatch;
        for (r, p) in moved.responders.iter_mut().zip(posts) {
            r.post = *p;
        }
        run(&moved)
    };
    let today: Vec<usize> = s.responders.iter().map(|r| r.post).collect();
    let plan = |posts: Vec<usize>| -> Result<Plan, CompareError> {
        let (covered, covered_by_period) = cov.covered(&posts);
        Ok(Plan {
            covered,
            covered_by_period,
            metrics: simulate(&posts, s.dispatch)?,
            posts,
        })
    };
    let with = |p: &TeamPlacement| -> Vec<usize> {
        let mut posts = today.clone();
        for (k, &r) in cov.placed.iter().enumerate() {
            posts[r] = cov.candidates[p.posts[k]];
        }
        posts
    };
    let g = team_greedy(&cov.team)?;
    let t = std::time::Instant::now();
    let e = team_exact(&cov.team)?;
    let solve_ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok(Comparison {
        vulnerable: cov.team.weights.iter().sum(),
        skill: cov.skill.clone(),
        periods: cov.periods.clone(),
        reach_metres: cov.reach,
        today: plan(today.clone())?,
        greedy: plan(with(&g))?,
        optimised: plan(with(&e))?,
        solve_ms,
        dispatch: DispatchComparison {
            nearest: simulate(&today, Dispatch::Nearest)?,
            optimal: simulate(&today, Dispatch::Optimal)?,
        },
    })
}

fn distribution(mut v: Vec<f64>) -> Distribution {
    if v.is_empty() {
        return Distribution::default();
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v[((v.len() as f64 * p) as usize).min(v.len() - 1)];
    let mut by_minute = vec![0u64; 31];
    for x in &v {
        by_minute[(*x as usize).min(30)] += 1;
    }
    Distribution {
        count: v.len() as u64,
        mean: v.iter().sum::<f64>() / v.len() as f64,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: v[v.len() - 1],
        by_minute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five nodes on a line, 100 m apart; one responder walking 100 m a minute.
    fn line(post: usize, per_day: f64) -> Scenario {
        Scenario {
            name: "line".into(),
            seed: 3,
            days: 60.0,
            target_minutes: 5.0,
            roads: Roads {
                nodes: (0..5)
                    .map(|i| [121.5 + f64::from(i) * 0.001, 31.24])
                    .collect(),
                edges: (0..4)
                    .map(|i| Edge::Measured {
                        a: i,
                        b: i + 1,
                        metres: 100.0,
                    })
                    .collect(),
            },
            incidents: vec![IncidentKind {
                kind: "fire".into(),
                per_day,
                on_scene_minutes: 20.0,
                skill: "fire".into(),
                by_hour: None,
                places: Some(vec![4]),
            }],
            responders: vec![Responder {
                name: "志愿者".into(),
                post,
                skills: vec!["fire".into()],
                speed_kmh: 6.0,
                shift: None,
                fixed: false,
            }],
            vulnerable: vec![Vulnerable { node: 4, count: 2 }],
            candidates: None,
            dispatch: Dispatch::Nearest,
            cover_skill: None,
        }
    }

    #[test]
    fn travel_on_the_roads_decides_who_is_reached_in_time() {
        let m = run(&line(0, 0.5)).expect("runs");
        assert!(m.incidents > 10, "{m:?}");
        // 400 m at 100 m/min: four minutes, every time (the calls never overlap here).
        assert!((m.response_minutes.p50 - 4.0).abs() < 1e-9, "{m:?}");
        assert!((m.response_minutes.max - 4.0).abs() < 1e-9, "{m:?}");
        assert_eq!(m.within_target, 1.0);
        assert_eq!(m.vulnerable_affected, 2 * m.incidents);
        assert_eq!(m.vulnerable_reached_in_time, m.vulnerable_affected);
        // Posted at the same place: reached at once.
        let m = run(&line(4, 0.5)).expect("runs");
        assert_eq!(m.response_minutes.max, 0.0);
        // A road cut: the far end cannot be reached; nobody is.
        let mut cut = line(0, 0.5);
        cut.roads.edges.remove(2);
        let m = run(&cut).expect("runs");
        assert_eq!(m.vulnerable_reached_in_time, 0);
        assert_eq!(m.vulnerable_not_reached, m.vulnerable_affected);
    }

    #[test]
    fn the_same_seed_gives_the_same_run_and_a_busy_responder_makes_calls_wait() {
        let s = line(0, 40.0);
        assert_eq!(run(&s).expect("a"), run(&s).expect("b"));
        let other = run(&Scenario {
            seed: 4,
            ..s.clone()
        })
        .expect("c");
        assert_ne!(run(&s).expect("a").incidents, 0);
        assert_ne!(run(&s).expect("a"), other);
        // 40 calls a day of 28 minutes' work each keep one responder busy: calls queue.
        let m = run(&s).expect("a");
        assert!(m.response_minutes.p90 > 5.0, "{:?}", m.response_minutes);
        assert!(m.responders[0].utilisation > 0.6 && m.responders[0].utilisation <= 1.0);
    }

    #[test]
    fn nobody_is_in_two_places_at_once_and_shifts_are_kept() {
        let mut s = line(2, 30.0);
        s.responders.push(Responder {
            name: "夜班保安".into(),
            post: 0,
            skills: vec!["fire".into()],
            speed_kmh: 12.0,
            shift: Some([20.0, 8.0]),
            fixed: false,
        });
        let mut spans: Vec<Vec<(f64, f64)>> = vec![vec![]; 2];
        run_traced(&s, |r, a, b| spans[r].push((a, b))).expect("runs");
        for (r, sp) in spans.iter().enumerate() {
            assert!(!sp.is_empty());
            for w in sp.windows(2) {
                assert!(
                    w[0].1 <= w[1].0 + 1e-9,
                    "responder {r} double-booked: {w:?}"
                );
            }
            for (a, b) in sp {
                assert!(a <= b);
            }
        }
        // The night guard is only ever sent out at night: a stretch that begins by day is
        // the walk back to the post that continues a night call.
        for (k, (a, _)) in spans[1].iter().enumerate() {
            let h = (a % DAY) / 60.0;
            if (8.0..20.0).contains(&h) {
                let continues = k > 0 && (spans[1][k - 1].1 - a).abs() < 1e-9;
                assert!(continues, "sent at {h}h");
            }
        }
    }

    #[test]
    fn optimised_posts_cover_at_least_what_today_and_greedy_do() {
        // Vulnerable residents at both ends of the line, one responder in the middle who
        // reaches neither within a minute; two responders placed well reach both.
        let mut s = line(2, 2.0);
        s.target_minutes = 1.0;
        s.vulnerable = vec![
            Vulnerable { node: 0, count: 1 },
            Vulnerable { node: 4, count: 3 },
        ];
        s.incidents[0].places = Some(vec![0, 4]);
        s.responders.push(Responder {
            post: 2,
            ..s.responders[0].clone()
        });
        let c = compare(&s).expect("compare");
        assert_eq!(c.vulnerable, 4.0);
        assert_eq!(c.today.covered, 0.0);
        assert_eq!(c.optimised.covered, 4.0);
        assert!(c.optimised.covered >= c.greedy.covered);
        // Standing there, they reach nearly everyone in time in the simulation too (not
        // all: while one is on a call, the other comes from the far end) — and today's
        // posts reach no one in time.
        let m = &c.optimised.metrics;
        assert!(
            m.vulnerable_reached_in_time as f64 >= 0.9 * m.vulnerable_affected as f64,
            "{m:?}"
        );
        assert_eq!(c.today.metrics.vulnerable_reached_in_time, 0);
        // The same incidents in every plan.
        assert_eq!(c.today.metrics.incidents, c.optimised.metrics.incidents);
    }

    #[test]
    fn optimal_dispatch_matches_waiting_calls_with_the_least_travel() {
        // Calls wait at nodes 3 (first) and 4; responders stand at 1 and 4. In order, the
        // first call takes its nearest (node 4's, 1 min) and the second the other (3 min);
        // matched at once, node 1's goes to 3 (2 min) and node 4's stays (0 min).
        let mut s = line(1, 1.0);
        s.incidents[0].places = None;
        s.responders.push(Responder {
            post: 4,
            ..s.responders[0].clone()
        });
        let dist = distances(&s.roads).expect("roads");
        let calls = [3, 4].map(|node| Open {
            node,
            kind: 0,
            at: 0.0,
            answered: None,
        });
        let travel = |policy: Dispatch| {
            let mut s = s.clone();
            s.dispatch = policy;
            let mut crew = Crew::new(&s, &dist);
            let mut engine: Engine<Ev> = Engine::new();
            crew.waiting.extend([0, 1]);
            crew.drain(&calls, 0.0, &mut engine);
            assert!(crew.waiting.is_empty() && crew.free.iter().all(|f| !f));
            let mut sent = vec![];
            while let Some((t, ev)) = engine.pop() {
                if let Ev::Arrive {
                    incident,
                    responder,
                } = ev
                {
                    sent.push((incident, responder, (t * 1e6).round() / 1e6));
                }
            }
            sent.sort_by_key(|x| x.0);
            sent
        };
        assert_eq!(travel(Dispatch::Nearest), vec![(0, 1, 1.0), (1, 0, 3.0)]);
        assert_eq!(travel(Dispatch::Optimal), vec![(0, 0, 2.0), (1, 1, 0.0)]);
        // Under load over a year, both policies keep everyone in one place at a time and
        // answer the same calls.
        let mut busy = line(2, 40.0);
        busy.dispatch = Dispatch::Optimal;
        let mut spans: Vec<(f64, f64)> = vec![];
        let m = run_traced(&busy, |_, a, b| spans.push((a, b))).expect("runs");
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0 + 1e-9));
        assert_eq!(m.incidents, run(&line(2, 40.0)).expect("runs").incidents);
    }

    #[test]
    fn fixed_responders_stay_and_count_for_the_places_they_reach() {
        // A fire station outside at the far end (node 4) reaches node 4 in time; the one
        // movable volunteer then serves node 0 (the least move that does), and the station is
        // never moved.
        let mut s = line(2, 2.0);
        s.target_minutes = 1.0;
        s.vulnerable = vec![
            Vulnerable { node: 0, count: 1 },
            Vulnerable { node: 4, count: 3 },
        ];
        s.responders.push(Responder {
            name: "消防站".into(),
            post: 4,
            fixed: true,
            ..s.responders[0].clone()
        });
        s.candidates = Some(vec![0, 1, 2, 3]);
        let c = compare(&s).expect("compare");
        assert_eq!(c.today.covered, 3.0);
        // Node 1 reaches node 0 within the minute too, and is the shorter move from node 2.
        assert_eq!(c.optimised.posts, vec![1, 4]);
        assert_eq!(c.optimised.covered, 4.0);
        assert_eq!(c.dispatch.nearest.incidents, c.dispatch.optimal.incidents);
        s.candidates = Some(vec![7]);
        assert_eq!(
            compare(&s).err().map(|e| e.code()),
            Some("SCENARIO_NODE_INVALID")
        );
    }

    #[test]
    fn bad_scenarios_are_refused_with_a_reason() {
        let mut s = line(0, 1.0);
        s.responders[0].post = 9;
        assert_eq!(run(&s).err(), Some(ScenarioError::Node(9)));
        let mut s = line(0, 1.0);
        s.incidents[0].per_day = -1.0;
        assert_eq!(
            run(&s).err().map(|e| e.code()),
            Some("SCENARIO_VALUE_INVALID")
        );
        let mut s = line(0, 1.0);
        s.incidents[0].by_hour = Some(vec![1.0; 23]);
        assert_eq!(run(&s).err(), Some(ScenarioError::Hours));
        let mut s = line(0, 1.0);
        s.responders[0].shift = Some([8.0, 25.0]);
        assert_eq!(run(&s).err(), Some(ScenarioError::Shift));
    }
}
