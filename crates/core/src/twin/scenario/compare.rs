//! Today's posts beside the greedy and the exact placements, each simulated with the same
//! incidents, and today's posts under both dispatch policies.

use std::time::Duration;

use super::super::placement::{PlacementError, TeamPlacement, team_exact, team_greedy};
use super::*;

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
    /// Whether `optimised` is proven optimal. When the solver's time limit ran out first,
    /// it is the better of the best placement found by then and the greedy one.
    #[serde(default = "proven")]
    pub exact: bool,
    /// The solver's time limit, in seconds (none: it ran to the end).
    #[serde(default)]
    pub solve_limit_s: Option<f64>,
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

/// Earlier results were always solved to the end.
fn proven() -> bool {
    true
}

/// How long a planner waits for the exact placement before the best found so far is shown
/// (a community's placement solves in milliseconds; this bounds a pathological one).
pub const SOLVE_LIMIT: Duration = Duration::from_secs(10);

/// Today's posts beside the greedy and the exact placements, each simulated with the same
/// incidents (same seed, same streams), and today's posts under both dispatch policies.
/// Fixed responders and those without the covering skill stay where they are. The exact
/// solve stops at `limit` (if given) with the best placement found, never worse than
/// greedy's.
pub fn compare(s: &Scenario, limit: Option<Duration>) -> Result<Comparison, CompareError> {
    compare_within(s, limit, &Budget::unbounded())
}

/// [`compare`] within a budget for all its runs (the exact solve keeps its own `limit`).
pub fn compare_within(
    s: &Scenario,
    limit: Option<Duration>,
    budget: &Budget,
) -> Result<Comparison, CompareError> {
    s.check()?;
    let cov = coverage_instance(s)?;
    let simulate = |posts: &[usize], dispatch: Dispatch| -> Result<Metrics, ScenarioError> {
        let mut moved = s.clone();
        moved.dispatch = dispatch;
        for (r, p) in moved.responders.iter_mut().zip(posts) {
            r.post = *p;
        }
        run_within(&moved, budget, |_, _, _| {})
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
    let (e, exact) = match team_exact(&cov.team, limit)? {
        Some(e) if e.optimal || e.placement.covered >= g.covered => (e.placement, e.optimal),
        _ => (g.clone(), false),
    };
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
        exact,
        solve_limit_s: limit.map(|l| l.as_secs_f64()),
        dispatch: DispatchComparison {
            nearest: simulate(&today, Dispatch::Nearest)?,
            optimal: simulate(&today, Dispatch::Optimal)?,
        },
    })
}
