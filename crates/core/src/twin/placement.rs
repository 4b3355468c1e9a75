//! Where responders should stand: the maximal covering location problem (Church & ReVelle
//! 1974). Given candidate posts, demand points with weights (vulnerable residents) and
//! which points each post reaches within the target time, choose `p` posts that cover the
//! most weight. Solved exactly as a mixed-integer programme (`good_lp` with the pure-Rust
//! `microlp` solver), and greedily for comparison.

use good_lp::{
    Expression, ProblemVariables, Solution, SolverModel, Variable, constraint, microlp, variable,
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
}
