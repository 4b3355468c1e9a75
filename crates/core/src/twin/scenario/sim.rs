//! Running a scenario on the event engine: incidents arrive by kind and hour, the nearest
//! available responder on duty with the skill goes (or, under the optimal policy, the
//! waiting calls and free responders are matched at once), and the response times, reach
//! of vulnerable residents and utilisation are counted.

use std::collections::VecDeque;

use pathfinding::kuhn_munkres::kuhn_munkres_min;
use pathfinding::matrix::Matrix;

use super::super::des::{Engine, Exp, stream};
use super::*;

pub(super) fn on_duty(shift: Option<[f64; 2]>, t: f64) -> bool {
    let Some([a, b]) = shift else { return true };
    let h = (t % DAY) / 60.0;
    if a <= b {
        a <= h && h < b
    } else {
        h >= a || h < b
    }
}

/// Minutes on duty within [0, end).
pub(super) fn duty_minutes(shift: Option<[f64; 2]>, end: f64) -> f64 {
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
pub(super) enum Ev {
    Incident { kind: usize },
    Arrive { incident: usize, responder: usize },
    Cleared { responder: usize, node: usize },
    Back { responder: usize },
    Tick,
}

pub(super) struct Open {
    pub(super) node: usize,
    pub(super) kind: usize,
    pub(super) at: f64,
    pub(super) answered: Option<f64>,
}

/// The responders during a run: where each is, whether free, their busy time, and the
/// calls waiting for one of them.
pub(super) struct Crew<'a> {
    pub(super) s: &'a Scenario,
    pub(super) dist: &'a [Vec<f64>],
    pub(super) at_node: Vec<usize>,
    pub(super) free: Vec<bool>,
    pub(super) busy_since: Vec<f64>,
    pub(super) busy_total: Vec<f64>,
    pub(super) served: Vec<u64>,
    pub(super) waiting: VecDeque<usize>,
}

impl<'a> Crew<'a> {
    pub(super) fn new(s: &'a Scenario, dist: &'a [Vec<f64>]) -> Self {
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
    pub(super) fn minutes(&self, r: usize, a: usize, b: usize) -> f64 {
        self.dist[a][b] / (self.s.responders[r].speed_kmh * 1000.0 / 60.0)
    }

    /// Whether responder `r` can take a call of incident kind `kind` now.
    pub(super) fn can_take(&self, r: usize, kind: usize, now: f64) -> bool {
        let resp = &self.s.responders[r];
        let skill = &self.s.incidents[kind].skill;
        self.free[r] && on_duty(resp.shift, now) && resp.skills.iter().any(|x| x == skill)
    }

    /// Sends responder `r`, `m` minutes away, to incident `i`.
    pub(super) fn send(&mut self, r: usize, i: usize, m: f64, now: f64, engine: &mut Engine<Ev>) {
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
    pub(super) fn dispatch(
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
    pub(super) fn offer(
        &mut self,
        i: usize,
        incidents: &[Open],
        now: f64,
        engine: &mut Engine<Ev>,
    ) {
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
    pub(super) fn drain(&mut self, incidents: &[Open], now: f64, engine: &mut Engine<Ev>) {
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
    pub(super) fn match_all(&mut self, incidents: &[Open], now: f64, engine: &mut Engine<Ev>) {
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
    pub(super) fn release(
        &mut self,
        r: usize,
        node: usize,
        now: f64,
        busy: &mut impl FnMut(usize, f64, f64),
    ) {
        self.at_node[r] = node;
        self.free[r] = true;
        self.busy_total[r] += now - self.busy_since[r];
        busy(r, self.busy_since[r], now);
    }
}

/// Runs the scenario.
pub fn run(s: &Scenario) -> Result<Metrics, ScenarioError> {
    run_within(s, &Budget::unbounded(), |_, _, _| {})
}

/// [`run`], telling `busy(responder, from, to)` each stretch a responder was busy.
pub fn run_traced(
    s: &Scenario,
    busy: impl FnMut(usize, f64, f64),
) -> Result<Metrics, ScenarioError> {
    run_within(s, &Budget::unbounded(), busy)
}

/// [`run_traced`] within a budget.
pub fn run_within(
    s: &Scenario,
    budget: &Budget,
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

    let mut events: u64 = 0;
    while let Some((now, ev)) = engine.pop() {
        events += 1;
        if events.is_multiple_of(1024) && budget.spent() {
            return Err(ScenarioError::OverBudget);
        }
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
