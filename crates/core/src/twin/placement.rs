//! Where responders should stand: the maximal covering location problem (Church & ReVelle
//! 1974). Given candidate posts, demand points with weights (vulnerable residents) and
//! which points each post reaches within the target time, choose `p` posts that cover the
//! most weight. Solved exactly as a mixed-integer programme (`good_lp` with the pure-Rust
//! `microlp` solver), and greedily for comparison.

use std::time::Duration;

use good_lp::solvers::{SolutionStatus, WithTimeLimit};
use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolverModel, Variable, constraint,
    microlp, variable,
};
use serde::Serialize;

use crate::Coded;

/// A covering problem: `weights[i]` of demand point i; `covers[j]` the points post j
/// reaches in time; `p` posts to open.
#[derive(Debug, Clone)]
pub struct Instance {
    pub weights: Vec<f64>,
    pub covers: Vec<Vec<usize>>,
    pub p: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    /// The chosen posts (indexes into `covers`), ascending.
    pub posts: Vec<usize>,
    /// The weight covered.
    pub covered: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlacementError {
    #[error("a post covers a demand point that does not exist")]
    BadIndex,
    #[error("there are fewer candidate posts than responders to place")]
    TooFewPosts,
    #[error("the solver failed: {0}")]
    Solver(String),
}

impl Coded for PlacementError {
    fn code(&self) -> &'static str {
        match self {
            PlacementError::BadIndex => "PLACEMENT_INVALID",
            PlacementError::TooFewPosts => "PLACEMENT_TOO_FEW_POSTS",
            PlacementError::Solver(_) => "PLACEMENT_SOLVER",
        }
    }
}

impl Instance {
    fn check(&self) -> Result<(), PlacementError> {
        if self
            .covers
            .iter()
            .flatten()
            .any(|&i| i >= self.weights.len())
        {
            return Err(PlacementError::BadIndex);
        }
        if self.covers.len() < self.p {
            return Err(PlacementError::TooFewPosts);
        }
        Ok(())
    }

    /// The weight that a set of posts covers (each point counted once).
    pub fn coverage(&self, posts: &[usize]) -> f64 {
        let mut hit = vec![false; self.weights.len()];
        for &j in posts {
            for &i in self.covers.get(j).map(Vec::as_slice).unwrap_or(&[]) {
                hit[i] = true;
            }
        }
        hit.iter()
            .zip(&self.weights)
            .filter(|(h, _)| **h)
            .map(|(_, w)| w)
            .sum()
    }
}

/// Greedy: open, one at a time, the post that adds the most uncovered weight (ties: the
/// lower index). Within (1 − 1/e) of the optimum, and often short of it.
pub fn greedy(inst: &Instance) -> Result<Placement, PlacementError> {
    inst.check()?;
    let mut hit = vec![false; inst.weights.len()];
    let mut posts = vec![];
    for _ in 0..inst.p {
        let gain = |j: usize| -> f64 {
            inst.covers[j]
                .iter()
                .filter(|&&i| !hit[i])
                .map(|&i| inst.weights[i])
                .sum()
        };
        let best = (0..inst.covers.len())
            .filter(|j| !posts.contains(j))
            .map(|j| (j, gain(j)))
            .fold(None::<(usize, f64)>, |acc, (j, g)| match acc {
                Some((_, bg)) if bg >= g => acc,
                _ => Some((j, g)),
            });
        let Some((j, _)) = best else { break };
        posts.push(j);
        for &i in &inst.covers[j] {
            hit[i] = true;
        }
    }
    posts.sort_unstable();
    Ok(Placement {
        covered: inst.coverage(&posts),
        posts,
    })
}

/// The optimum: maximise Σ wᵢ·yᵢ subject to yᵢ ≤ Σ_{j covers i} xⱼ, Σ xⱼ = p, x binary,
/// 0 ≤ y ≤ 1 (y is integral at the optimum once x is).
pub fn exact(inst: &Instance) -> Result<Placement, PlacementError> {
    inst.check()?;
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = inst
        .covers
        .iter()
        .map(|_| vars.add(variable().binary()))
        .collect();
    let y: Vec<Variable> = inst
        .weights
        .iter()
        .map(|_| vars.add(variable().min(0.0).max(1.0)))
        .collect();
    let objective: Expression = y.iter().zip(&inst.weights).map(|(v, w)| *w * *v).sum();
    let mut by_point: Vec<Vec<usize>> = vec![vec![]; inst.weights.len()];
    for (j, c) in inst.covers.iter().enumerate() {
        for &i in c {
            by_point[i].push(j);
        }
    }
    let mut model = vars.maximise(objective).using(microlp);
    for (i, posts) in by_point.iter().enumerate() {
        let reach: Expression = posts.iter().map(|&j| x[j]).sum();
        model = model.with(constraint!(y[i] <= reach));
    }
    let opened: Expression = x.iter().copied().sum();
    model = model.with(constraint!(opened == inst.p as f64));
    let sol = model
        .solve()
        .map_err(|e| PlacementError::Solver(e.to_string()))?;
    let posts: Vec<usize> = (0..x.len()).filter(|&j| sol.value(x[j]) > 0.5).collect();
    Ok(Placement {
        covered: inst.coverage(&posts),
        posts,
    })
}

/// Placing a team of different responders, each at one candidate post. With responder `r`
/// at candidate `j`, `covers[r][j]` lists the demand points `r` reaches within the target
/// time (at `r`'s own speed); `r` is on duty in the periods where `on[r][t]`. A demand point
/// counts in period `t` when someone on duty then reaches it, or when `pre[i][t]` (a fixed
/// force reaches it). The objective is the covered weight times the period's length; among
/// placements that cover the same, the one that moves responders least from `current`.
#[derive(Debug, Clone)]
pub struct Team {
    pub weights: Vec<f64>,
    /// Length of each period of the day (hours).
    pub periods: Vec<f64>,
    pub covers: Vec<Vec<Vec<usize>>>,
    pub on: Vec<Vec<bool>>,
    pub pre: Vec<Vec<bool>>,
    /// Each responder's candidate post today.
    pub current: Vec<usize>,
    /// How far (metres) responder `r` moves to candidate `j`.
    pub moving: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamPlacement {
    /// Each responder's candidate post.
    pub posts: Vec<usize>,
    /// The covered weight, averaged over the day.
    pub covered: f64,
}

impl Team {
    fn check(&self) -> Result<(), PlacementError> {
        let r = self.covers.len();
        let bad_point = self
            .covers
            .iter()
            .flatten()
            .flatten()
            .any(|&i| i >= self.weights.len());
        let bad_shape = self.on.len() != r
            || self.current.len() != r
            || self.moving.len() != r
            || self.pre.len() != self.weights.len()
            || self
                .on
                .iter()
                .chain(&self.pre)
                .any(|v| v.len() != self.periods.len())
            || (0..r).any(|k| {
                self.current[k] >= self.covers[k].len()
                    || self.moving[k].len() != self.covers[k].len()
            });
        if bad_point || bad_shape {
            return Err(PlacementError::BadIndex);
        }
        Ok(())
    }

    /// Covered weight in each period with the responders at `posts`.
    pub fn coverage_by_period(&self, posts: &[usize]) -> Vec<f64> {
        (0..self.periods.len())
            .map(|t| {
                let mut hit: Vec<bool> = self.pre.iter().map(|p| p[t]).collect();
                for (r, &j) in posts.iter().enumerate() {
                    if self.on[r][t] {
                        for &i in &self.covers[r][j] {
                            hit[i] = true;
                        }
                    }
                }
                hit.iter()
                    .zip(&self.weights)
                    .filter(|(h, _)| **h)
                    .map(|(_, w)| w)
                    .sum()
            })
            .collect()
    }

    /// Covered weight averaged over the day.
    pub fn coverage(&self, posts: &[usize]) -> f64 {
        let day: f64 = self.periods.iter().sum();
        if day <= 0.0 {
            return 0.0;
        }
        self.coverage_by_period(posts)
            .iter()
            .zip(&self.periods)
            .map(|(c, d)| c * d)
            .sum::<f64>()
            / day
    }

    fn placed(&self, posts: Vec<usize>) -> TeamPlacement {
        TeamPlacement {
            covered: self.coverage(&posts),
            posts,
        }
    }
}

/// Greedy: place, one at a time, the responder and post that add the most uncovered weight
/// over the day (ties: the shorter move); once nothing adds, the rest stay where they are.
pub fn team_greedy(team: &Team) -> Result<TeamPlacement, PlacementError> {
    team.check()?;
    let n = team.covers.len();
    let mut hit: Vec<Vec<bool>> = team.pre.clone();
    let mut posts = team.current.clone();
    let mut placed = vec![false; n];
    for _ in 0..n {
        let mut best: Option<(usize, usize, f64, f64)> = None;
        for r in (0..n).filter(|&r| !placed[r]) {
            for (j, points) in team.covers[r].iter().enumerate() {
                let gain: f64 = (0..team.periods.len())
                    .filter(|&t| team.on[r][t])
                    .map(|t| {
                        team.periods[t]
                            * points
                                .iter()
                                .filter(|&&i| !hit[i][t])
                                .map(|&i| team.weights[i])
                                .sum::<f64>()
                    })
                    .sum();
                let m = team.moving[r][j];
                let better = match best {
                    None => true,
                    Some((_, _, g, bm)) => gain > g + 1e-9 || ((gain - g).abs() <= 1e-9 && m < bm),
                };
                if better {
                    best = Some((r, j, gain, m));
                }
            }
        }
        let Some((r, j, gain, _)) = best else { break };
        if gain <= 1e-9 {
            break;
        }
        placed[r] = true;
        posts[r] = j;
        for t in (0..team.periods.len()).filter(|&t| team.on[r][t]) {
            for &i in &team.covers[r][j] {
                hit[i][t] = true;
            }
        }
    }
    Ok(team.placed(posts))
}

/// The optimum, as a MIP: binary xᵣⱼ (responder r at post j, one post each), 0 ≤ yᵢₜ ≤ 1
/// with yᵢₜ ≤ Σ xᵣⱼ over the responders on duty in t whose post j reaches i; maximise
/// Σ lengthₜ·wᵢ·yᵢₜ − ε·Σ movingᵣⱼ·xᵣⱼ, with ε small enough that no move is ever bought at
/// the price of coverage. A responder's candidates are the posts that reach someone and
/// today's post.
/// An exact placement and whether the solver proved it optimal or stopped at its time limit
/// with the best placement found by then.
#[derive(Debug, Clone)]
pub struct Exact {
    pub placement: TeamPlacement,
    pub optimal: bool,
}

/// The exact team placement (mixed-integer programme), within `limit` if one is given:
/// `None` when the limit ran out before any placement was found.
pub fn team_exact(team: &Team, limit: Option<Duration>) -> Result<Option<Exact>, PlacementError> {
    team.check()?;
    let n = team.covers.len();
    let mut vars = ProblemVariables::new();
    let options: Vec<Vec<usize>> = (0..n)
        .map(|r| {
            (0..team.covers[r].len())
                .filter(|&j| j == team.current[r] || !team.covers[r][j].is_empty())
                .collect()
        })
        .collect();
    let x: Vec<Vec<Variable>> = options
        .iter()
        .map(|o| o.iter().map(|_| vars.add(variable().binary())).collect())
        .collect();
    let periods = team.periods.len();
    let open = |i: usize, t: usize| !team.pre[i][t] && team.weights[i] > 0.0;
    let mut y: Vec<Vec<Option<Variable>>> = vec![vec![None; periods]; team.weights.len()];
    for (i, row) in y.iter_mut().enumerate() {
        for (t, v) in row.iter_mut().enumerate() {
            if open(i, t) {
                *v = Some(vars.add(variable().min(0.0).max(1.0)));
            }
        }
    }
    let min_gain = team
        .weights
        .iter()
        .filter(|w| **w > 0.0)
        .chain(team.periods.iter().filter(|d| **d > 0.0))
        .fold(f64::INFINITY, |m, x| m.min(*x));
    let max_move = team
        .moving
        .iter()
        .flatten()
        .fold(0.0f64, |m, x| m.max(*x))
        .max(1.0);
    let eps =
        0.01 * if min_gain.is_finite() {
            min_gain * min_gain
        } else {
            1.0
        } / (n.max(1) as f64 * max_move);
    let mut objective = Expression::from(0.0);
    for (i, row) in y.iter().enumerate() {
        for (t, v) in row.iter().enumerate() {
            if let Some(v) = v {
                objective += (team.periods[t] * team.weights[i]) * *v;
            }
        }
    }
    for r in 0..n {
        for (k, &j) in options[r].iter().enumerate() {
            objective -= (eps * team.moving[r][j]) * x[r][k];
        }
    }
    let mut model = vars.maximise(objective).using(microlp);
    if let Some(l) = limit {
        model = model.with_time_limit(l.as_secs_f64());
    }
    for xr in &x {
        let one: Expression = xr.iter().copied().sum();
        model = model.with(constraint!(one == 1.0));
    }
    let mut reach: Vec<Vec<Expression>> =
        vec![vec![Expression::from(0.0); periods]; team.weights.len()];
    for r in 0..n {
        for (k, &j) in options[r].iter().enumerate() {
            for &i in &team.covers[r][j] {
                for t in (0..periods).filter(|&t| team.on[r][t]) {
                    reach[i][t] += x[r][k];
                }
            }
        }
    }
    for (i, row) in y.iter().enumerate() {
        for (t, v) in row.iter().enumerate() {
            if let Some(v) = v {
                model = model.with(constraint!(*v <= reach[i][t].clone()));
            }
        }
    }
    let sol = match model.solve() {
        Ok(sol) => sol,
        // good_lp's microlp reports a limit hit before any feasible placement this way.
        Err(ResolutionError::Other(_)) if limit.is_some() => return Ok(None),
        Err(e) => return Err(PlacementError::Solver(e.to_string())),
    };
    let optimal = matches!(sol.status(), SolutionStatus::Optimal);
    let posts = (0..n)
        .map(|r| {
            options[r]
                .iter()
                .enumerate()
                .find(|(k, _)| sol.value(x[r][*k]) > 0.5)
                .map_or(team.current[r], |(_, &j)| j)
        })
        .collect();
    Ok(Some(Exact {
        placement: team.placed(posts),
        optimal,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(inst: &Instance) -> f64 {
        let m = inst.covers.len();
        (0u32..1 << m)
            .filter(|s| s.count_ones() as usize == inst.p)
            .map(|s| {
                let posts: Vec<usize> = (0..m).filter(|j| s & (1 << j) != 0).collect();
                inst.coverage(&posts)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn the_exact_solution_beats_greedy_where_greedy_is_trapped() {
        // Post 0 reaches the most, but the other two together reach everyone.
        let inst = Instance {
            weights: vec![1.0; 6],
            covers: vec![vec![1, 2, 3, 4], vec![0, 1, 2], vec![3, 4, 5]],
            p: 2,
        };
        let g = greedy(&inst).expect("greedy");
        assert_eq!(g.posts[0], 0);
        assert_eq!(g.covered, 5.0);
        let e = exact(&inst).expect("exact");
        assert_eq!(
            e,
            Placement {
                posts: vec![1, 2],
                covered: 6.0
            }
        );
    }

    #[test]
    fn bad_instances_are_refused() {
        let bad = Instance {
            weights: vec![1.0],
            covers: vec![vec![3]],
            p: 1,
        };
        assert_eq!(exact(&bad).err(), Some(PlacementError::BadIndex));
        let few = Instance {
            weights: vec![1.0],
            covers: vec![vec![0]],
            p: 2,
        };
        assert_eq!(
            greedy(&few).err().map(|e| e.code()),
            Some("PLACEMENT_TOO_FEW_POSTS")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(60))]

        /// On random instances the MIP finds the brute-force optimum, and greedy is never
        /// better and never worse than (1 − 1/e) of it.
        #[test]
        fn exact_is_optimal_and_greedy_is_bounded(
            weights in proptest::collection::vec(1u8..10, 1..14),
            raw in proptest::collection::vec(proptest::collection::vec(0usize..14, 0..6), 1..9),
            p in 1usize..4,
        ) {
            let n = weights.len();
            let inst = Instance {
                weights: weights.iter().map(|&w| f64::from(w)).collect(),
                covers: raw.iter().map(|c| { let mut c: Vec<usize> = c.iter().map(|i| i % n).collect(); c.sort_unstable(); c.dedup(); c }).collect(),
                p: p.min(raw.len()),
            };
            let best = brute(&inst);
            let e = exact(&inst).expect("exact");
            proptest::prop_assert_eq!(e.posts.len(), inst.p);
            proptest::prop_assert!((e.covered - best).abs() < 1e-9, "exact {} vs brute {}", e.covered, best);
            let g = greedy(&inst).expect("greedy");
            proptest::prop_assert!(g.covered <= best + 1e-9);
            proptest::prop_assert!(g.covered >= (1.0 - 1.0 / std::f64::consts::E) * best - 1e-9);
        }
    }

    /// Brute force over every assignment of posts to responders.
    fn team_brute(team: &Team) -> f64 {
        let n = team.covers.len();
        let mut best = 0.0f64;
        let mut posts = vec![0usize; n];
        loop {
            best = best.max(team.coverage(&posts));
            let mut k = 0;
            loop {
                if k == n {
                    return best;
                }
                posts[k] += 1;
                if posts[k] < team.covers[k].len() {
                    break;
                }
                posts[k] = 0;
                k += 1;
            }
        }
    }

    fn random_team(seed: u64) -> Team {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (points, posts, n) = (7, 6, 3);
        let periods = vec![10.0, 14.0];
        Team {
            weights: (0..points)
                .map(|_| f64::from(rng.gen_range(1..4u32)))
                .collect(),
            covers: (0..n)
                .map(|_| {
                    (0..posts)
                        .map(|_| (0..points).filter(|_| rng.gen_bool(0.3)).collect())
                        .collect()
                })
                .collect(),
            on: (0..n)
                .map(|_| vec![rng.gen_bool(0.7), rng.gen_bool(0.7)])
                .collect(),
            pre: (0..points)
                .map(|_| vec![rng.gen_bool(0.1), false])
                .collect(),
            current: (0..n).map(|_| rng.gen_range(0..posts)).collect(),
            moving: (0..n)
                .map(|_| (0..posts).map(|_| rng.gen_range(0.0..500.0)).collect())
                .collect(),
            periods,
        }
    }

    #[test]
    fn the_team_optimum_equals_brute_force_and_greedy_never_beats_it() {
        for seed in 0..40 {
            let team = random_team(seed);
            let e = team_exact(&team, None)
                .expect("solves")
                .expect("solved")
                .placement;
            let g = team_greedy(&team).expect("greedy");
            let best = team_brute(&team);
            assert!(
                (e.covered - best).abs() < 1e-6,
                "seed {seed}: {} vs {best}",
                e.covered
            );
            assert!(g.covered <= e.covered + 1e-9);
        }
    }

    #[test]
    fn a_team_that_already_covers_everyone_stays_where_it_is() {
        let team = Team {
            weights: vec![1.0, 2.0],
            periods: vec![10.0, 14.0],
            // Both responders reach both points from posts 0 and 1.
            covers: vec![vec![vec![0, 1], vec![0, 1]]; 2],
            on: vec![vec![true, true]; 2],
            pre: vec![vec![false, false]; 2],
            current: vec![1, 0],
            moving: vec![vec![50.0, 0.0], vec![0.0, 50.0]],
        };
        assert_eq!(
            team_exact(&team, None)
                .expect("solves")
                .expect("solved")
                .placement
                .posts,
            vec![1, 0]
        );
        assert_eq!(team_greedy(&team).expect("greedy").posts, vec![1, 0]);
    }

    #[test]
    fn shifts_decide_who_can_cover_a_period() {
        // The night is covered only if the night volunteer stands by point 1.
        let team = Team {
            weights: vec![1.0, 1.0],
            periods: vec![12.0, 12.0],
            covers: vec![vec![vec![0], vec![1]], vec![vec![0], vec![1]]],
            on: vec![vec![true, false], vec![false, true]],
            pre: vec![vec![false, false]; 2],
            current: vec![0, 0],
            moving: vec![vec![0.0, 10.0]; 2],
        };
        let e = team_exact(&team, None)
            .expect("solves")
            .expect("solved")
            .placement;
        // By day point 0 (or 1), by night point 0 (or 1): one point each half, whatever.
        assert!((e.covered - 1.0).abs() < 1e-9);
        assert_eq!(team.coverage_by_period(&e.posts), vec![1.0, 1.0]);
        // Stays put: covering the same by moving is not better.
        assert_eq!(e.posts, vec![0, 0]);
    }
}
