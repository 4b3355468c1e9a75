//! The covering problem a scenario poses: where the responders who can be moved should
//! stand so that the most vulnerable residents are reached within the target time, in
//! every period of the day.

use super::super::placement::Team;
use super::sim::on_duty;
use super::*;

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
