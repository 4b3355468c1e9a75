//! Today's posts beside the greedy and the exact placements, each simulated with the same
//! incidents, and today's posts under both dispatch policies.

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
