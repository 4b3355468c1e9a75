//! Assigning work orders to a unit's workers (派工): by distance, current load and skill.
//! A batch is assigned optimally — minimum total cost over all orders at once, with the
//! Hungarian algorithm (Kuhn–Munkres) — not greedily one order after another.

use pathfinding::kuhn_munkres::kuhn_munkres_min;
use pathfinding::matrix::Matrix;

use crate::org::distance_m;

/// A worker of the unit.
#[derive(Debug, Clone)]
pub struct Worker {
    pub id: i64,
    /// Where the worker is (their post or last known position).
    pub lng: f64,
    pub lat: f64,
    /// Open orders now.
    pub load: i64,
    /// Most open orders the worker should hold.
    pub capacity: i64,
    /// Category codes or prefixes the worker handles (`FAC.WATER`, `FAC.`); empty = any.
    pub skills: Vec<String>,
}

/// An order to assign.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub lng: f64,
    pub lat: f64,
    pub category: String,
}

/// Cost weights (metres-equivalent).
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Added per open order the worker already holds.
    pub per_load: i64,
    /// Added when the worker lacks the skill.
    pub no_skill: i64,
}

impl Default for Weights {
    /// One more open order weighs like 300 m more walking; a missing skill like 3 km.
    fn default() -> Self {
        Weights {
            per_load: 300,
            no_skill: 3_000,
        }
    }
}

fn has_skill(w: &Worker, category: &str) -> bool {
    w.skills.is_empty() || w.skills.iter().any(|s| category.starts_with(s.as_str()))
}

/// The cost of giving `job` to `worker` as their `(load + extra + 1)`-th open order.
pub fn cost(job: &Job, w: &Worker, extra: i64, wt: &Weights) -> i64 {
    let d = distance_m([job.lng, job.lat], [w.lng, w.lat]).round() as i64;
    d + wt.per_load * (w.load + extra)
        + if has_skill(w, &job.category) {
            0
        } else {
            wt.no_skill
        }
}

/// Optimal assignment of `jobs` to `workers`, respecting capacities: `(job id, worker id)`
/// for every job that could be placed (jobs beyond the total free capacity stay unassigned,
/// the most expensive ones first).
pub fn assign(jobs: &[Job], workers: &[Worker], wt: &Weights) -> Vec<(i64, i64)> {
    // One column per free slot: a worker's k-th new order costs its k-th load step.
    let mut slots: Vec<(usize, i64)> = vec![];
    for (wi, w) in workers.iter().enumerate() {
        for k in 0..(w.capacity - w.load).clamp(0, jobs.len() as i64) {
            slots.push((wi, k));
        }
    }
    if jobs.is_empty() || slots.is_empty() {
        return vec![];
    }
    // Kuhn–Munkres wants rows ≤ columns: pad with "unassigned" columns that cost more
    // than any real slot.
    let real = slots.len();
    let mut max_cost = 0;
    let mut weights = Vec::with_capacity(jobs.len() * real.max(jobs.len()));
    for j in jobs {
        for &(wi, k) in &slots {
            let c = cost(j, &workers[wi], k, wt);
            max_cost = max_cost.max(c);
            weights.push(c);
        }
    }
    let cols = real.max(jobs.len());
    let pad = max_cost.saturating_mul(2).saturating_add(1);
    let mut m = Vec::with_capacity(jobs.len() * cols);
    for r in 0..jobs.len() {
        m.extend_from_slice(&weights[r * real..(r + 1) * real]);
        m.extend(std::iter::repeat_n(pad, cols - real));
    }
    let Ok(matrix) = Matrix::from_vec(jobs.len(), cols, m) else {
        return vec![];
    };
    let (_, cols_of_rows) = kuhn_munkres_min(&matrix);
    cols_of_rows
        .into_iter()
        .enumerate()
        .filter(|(_, c)| *c < real)
        .map(|(r, c)| (jobs[r].id, workers[slots[c].0].id))
        .collect()
}

/// The single best worker for one order (the batch of one).
pub fn best_worker(job: &Job, workers: &[Worker], wt: &Weights) -> Option<i64> {
    assign(std::slice::from_ref(job), workers, wt)
        .first()
        .map(|(_, w)| *w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(id: i64, lng: f64, load: i64, skills: &[&str]) -> Worker {
        Worker {
            id,
            lng,
            lat: 31.0,
            load,
            capacity: 5,
            skills: skills.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn job(id: i64, lng: f64, cat: &str) -> Job {
        Job {
            id,
            lng,
            lat: 31.0,
            category: cat.into(),
        }
    }

    #[test]
    fn single_order_prefers_near_free_skilled() {
        let wt = Weights::default();
        let ws = [worker(1, 121.0, 0, &[]), worker(2, 121.02, 0, &[])];
        assert_eq!(best_worker(&job(9, 121.001, "X"), &ws, &wt), Some(1));
        // Worker 1 is busy: 4 open orders weigh 1,200 m; worker 2 is ~1.9 km away.
        let ws = [worker(1, 121.0, 4, &[]), worker(2, 121.02, 0, &[])];
        assert_eq!(best_worker(&job(9, 121.001, "X"), &ws, &wt), Some(1));
        let ws = [
            worker(1, 121.0, 4, &["ENV."]),
            worker(2, 121.005, 0, &["FAC."]),
        ];
        assert_eq!(
            best_worker(&job(9, 121.001, "FAC.WATER"), &ws, &wt),
            Some(2)
        );
    }

    #[test]
    fn batch_is_optimal_not_greedy() {
        // Greedy (job order) gives job 1 to worker A (cost 100 m) and leaves job 2 with
        // worker B far away; the optimum swaps them.
        let wt = Weights {
            per_load: 0,
            no_skill: 0,
        };
        let a = Worker {
            capacity: 1,
            ..worker(10, 121.000, 0, &[])
        };
        let b = Worker {
            capacity: 1,
            ..worker(20, 121.010, 0, &[])
        };
        let jobs = [job(1, 121.001, "X"), job(2, 120.999, "X")];
        let mut got = assign(&jobs, &[a.clone(), b.clone()], &wt);
        got.sort();
        let total: i64 = got
            .iter()
            .map(|(j, w)| {
                let j = jobs.iter().find(|x| x.id == *j).unwrap();
                let w = if *w == 10 { &a } else { &b };
                cost(j, w, 0, &wt)
            })
            .sum();
        // Job 1 (east) to B, job 2 (west) to A is cheaper in total than the greedy choice.
        assert_eq!(got, vec![(1, 20), (2, 10)], "total {total}");
    }

    #[test]
    fn capacity_limits_and_leftovers() {
        let wt = Weights::default();
        let w = Worker {
            capacity: 2,
            ..worker(1, 121.0, 1, &[])
        };
        let jobs = [
            job(1, 121.0, "X"),
            job(2, 121.03, "X"),
            job(3, 121.001, "X"),
        ];
        let got = assign(&jobs, &[w], &wt);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, 1);
        assert!(assign(&jobs, &[], &wt).is_empty());
        assert!(assign(&[], &[worker(1, 121.0, 0, &[])], &wt).is_empty());
    }
}
