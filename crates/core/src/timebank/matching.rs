//! Matching service requests to volunteers (派单): by skill, walking distance, availability
//! and fairness of load. A batch is solved optimally — the least total cost over all
//! requests at once, with the Hungarian algorithm (Kuhn–Munkres, as the work-order
//! assignment in `cases::assign`) — and each match carries the figures that decided it, so
//! the page can say why. A volunteer who lacks the skill, is not free at the time asked, is
//! beyond walking distance or is full is never matched; a request nobody can take says why.

use pathfinding::kuhn_munkres::kuhn_munkres_min;
use pathfinding::matrix::Matrix;
use serde::Serialize;

use crate::org::distance_m;

/// Farther than this is not a walk for a volunteer who is often over 60.
pub const MAX_WALK_M: f64 = 2_000.0;

/// A volunteer who offers help.
#[derive(Debug, Clone)]
pub struct Volunteer {
    pub id: i64,
    /// Home (their building).
    pub lng: f64,
    pub lat: f64,
    /// Kinds of service offered (`meal_delivery` …).
    pub kinds: Vec<String>,
    /// Days free, Monday = 1 … Sunday = 7.
    pub weekdays: Vec<u8>,
    /// Free from/to, minutes after midnight (China time).
    pub from_minute: i64,
    pub to_minute: i64,
    /// Requests matched to them and not yet done.
    pub open: i64,
    /// Most open requests they take.
    pub capacity: i64,
    /// Minutes served in the last 30 days (fairness: the less, the sooner asked).
    pub recent_minutes: i64,
}

/// A request for help.
#[derive(Debug, Clone)]
pub struct Need {
    pub id: i64,
    /// The elder's home.
    pub lng: f64,
    pub lat: f64,
    pub kind: String,
    /// Monday = 1 … Sunday = 7.
    pub weekday: u8,
    /// Minutes after midnight.
    pub minute: i64,
    /// Expected length.
    pub minutes: i64,
}

/// Why a volunteer cannot take a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unfit {
    /// Does not offer this kind of service.
    Skill,
    /// Not free that day or hour.
    Time,
    /// Lives beyond walking distance.
    Distance,
    /// Holds as many open requests as they take.
    Full,
}

impl Unfit {
    pub fn code(self) -> &'static str {
        match self {
            Unfit::Skill => "skill",
            Unfit::Time => "time",
            Unfit::Distance => "distance",
            Unfit::Full => "full",
        }
    }
}

/// A match and the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub need: i64,
    pub volunteer: i64,
    /// Walking distance from the volunteer's home, metres (straight line).
    pub walk_m: i64,
    /// Open requests the volunteer held before this batch.
    pub open: i64,
    /// Minutes they served in the last 30 days.
    pub recent_minutes: i64,
    /// The cost the solver minimised (metres-equivalent).
    pub cost: i64,
}

/// What the batch left: a request nobody could take, and the commonest reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmatched {
    pub need: i64,
    pub reason: Unfit,
}

/// Cost weights (metres-equivalent).
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Per open request the volunteer already holds (or is given earlier in this batch).
    pub per_open: i64,
    /// Per hour served in the last 30 days.
    pub per_recent_hour: i64,
}

impl Default for Weights {
    /// One more open request weighs like 400 m more walking; an hour served lately like 50 m.
    fn default() -> Self {
        Weights {
            per_open: 400,
            per_recent_hour: 50,
        }
    }
}

/// Whether `v` can take `n` at all, and the walk.
pub fn fit(n: &Need, v: &Volunteer) -> Result<f64, Unfit> {
    if !v.kinds.contains(&n.kind) {
        return Err(Unfit::Skill);
    }
    let end = n.minute + n.minutes;
    if !v.weekdays.contains(&n.weekday) || n.minute < v.from_minute || end > v.to_minute {
        return Err(Unfit::Time);
    }
    let walk = distance_m([n.lng, n.lat], [v.lng, v.lat]);
    if walk > MAX_WALK_M {
        return Err(Unfit::Distance);
    }
    if v.open >= v.capacity {
        return Err(Unfit::Full);
    }
    Ok(walk)
}

/// The cost of giving `n` to `v` as their `(open + extra + 1)`-th open request.
pub fn cost(walk_m: f64, v: &Volunteer, extra: i64, wt: &Weights) -> i64 {
    walk_m.round() as i64
        + wt.per_open * (v.open + extra)
        + wt.per_recent_hour * v.recent_minutes / 60
}

/// Optimal matching of a batch: every request that someone can take is matched if free
/// capacity allows, at the least total cost; the rest say why not.
pub fn solve(needs: &[Need], vols: &[Volunteer], wt: &Weights) -> (Vec<Match>, Vec<Unmatched>) {
    // One column per free slot: a volunteer's k-th new request costs its k-th load step.
    let mut slots: Vec<(usize, i64)> = vec![];
    for (vi, v) in vols.iter().enumerate() {
        for k in 0..(v.capacity - v.open).clamp(0, needs.len() as i64) {
            slots.push((vi, k));
        }
    }
    let walks: Vec<Vec<Result<f64, Unfit>>> = needs
        .iter()
        .map(|n| vols.iter().map(|v| fit(n, v)).collect())
        .collect();
    let mut matches = vec![];
    if !needs.is_empty() && !slots.is_empty() {
        let real = slots.len();
        let cols = real.max(needs.len());
        let mut weights = Vec::with_capacity(needs.len() * real);
        let mut max_cost = 0;
        for row in &walks {
            for &(vi, k) in &slots {
                let c = match row[vi] {
                    Ok(w) => cost(w, &vols[vi], k, wt),
                    Err(_) => -1,
                };
                max_cost = max_cost.max(c);
                weights.push(c);
            }
        }
        // Infeasible pairs and padding cost more than any feasible pair could, so the solver
        // takes a feasible pair whenever one is free; they are dropped afterwards.
        let never = max_cost
            .saturating_add(1)
            .saturating_mul(needs.len() as i64 + 1);
        let mut m = Vec::with_capacity(needs.len() * cols);
        for r in 0..needs.len() {
            m.extend(
                weights[r * real..(r + 1) * real]
                    .iter()
                    .map(|&c| if c < 0 { never } else { c }),
            );
            m.extend(std::iter::repeat_n(never, cols - real));
        }
        if let Ok(matrix) = Matrix::from_vec(needs.len(), cols, m) {
            let (_, cols_of_rows) = kuhn_munkres_min(&matrix);
            for (r, c) in cols_of_rows.into_iter().enumerate() {
                if c >= real {
                    continue;
                }
                let (vi, k) = slots[c];
                if let Ok(w) = walks[r][vi] {
                    let v = &vols[vi];
                    matches.push(Match {
                        need: needs[r].id,
                        volunteer: v.id,
                        walk_m: w.round() as i64,
                        open: v.open,
                        recent_minutes: v.recent_minutes,
                        cost: cost(w, v, k, wt),
                    });
                }
            }
        }
    }
    let unmatched = needs
        .iter()
        .enumerate()
        .filter(|(_, n)| !matches.iter().any(|m| m.need == n.id))
        .map(|(r, n)| Unmatched {
            need: n.id,
            reason: reason(&walks[r]),
        })
        .collect();
    (matches, unmatched)
}

/// Why nobody took a request: the "nearest miss" — full if someone fit but was full or
/// taken, else the furthest stage any volunteer reached (skill, then time, then distance).
fn reason(row: &[Result<f64, Unfit>]) -> Unfit {
    let rank = |u: Unfit| match u {
        Unfit::Skill => 0,
        Unfit::Time => 1,
        Unfit::Distance => 2,
        Unfit::Full => 3,
    };
    if row.iter().any(|r| r.is_ok()) {
        return Unfit::Full;
    }
    row.iter()
        .filter_map(|r| r.err())
        .max_by_key(|u| rank(*u))
        .unwrap_or(Unfit::Skill)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vol(id: i64, lng: f64, kinds: &[&str], open: i64, recent: i64) -> Volunteer {
        Volunteer {
            id,
            lng,
            lat: 32.0,
            kinds: kinds.iter().map(|k| k.to_string()).collect(),
            weekdays: vec![1, 2, 3, 4, 5],
            from_minute: 8 * 60,
            to_minute: 18 * 60,
            open,
            capacity: 3,
            recent_minutes: recent,
        }
    }

    fn need(id: i64, lng: f64, kind: &str) -> Need {
        Need {
            id,
            lng,
            lat: 32.0,
            kind: kind.into(),
            weekday: 3,
            minute: 10 * 60,
            minutes: 60,
        }
    }

    #[test]
    fn a_batch_is_optimal_not_greedy() {
        // Greedy (request 1 first, to its nearest) would give A to 1 and B to 2 far away;
        // the optimum gives B to 1 (a little farther) and A to 2.
        let a = vol(1, 118.7800, &["meal_delivery"], 0, 0);
        let b = vol(2, 118.7900, &["meal_delivery"], 0, 0);
        let a = Volunteer { capacity: 1, ..a };
        let b = Volunteer { capacity: 1, ..b };
        let needs = [
            need(10, 118.7840, "meal_delivery"),
            need(11, 118.7790, "meal_delivery"),
        ];
        let (m, left) = solve(&needs, &[a, b], &Weights::default());
        assert!(left.is_empty());
        let of = |n: i64| m.iter().find(|x| x.need == n).map(|x| x.volunteer);
        assert_eq!(of(10), Some(2));
        assert_eq!(of(11), Some(1));
    }

    #[test]
    fn skill_time_distance_and_load_decide_and_say_why() {
        let near = vol(1, 118.7800, &["companionship"], 0, 0);
        let cook = vol(2, 118.7810, &["meal_delivery"], 0, 0);
        let far = vol(3, 118.9000, &["escort"], 0, 0);
        let (m, left) = solve(
            &[
                need(1, 118.7801, "meal_delivery"),
                need(2, 118.7801, "escort"),
            ],
            &[near, cook.clone(), far],
            &Weights::default(),
        );
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].need, m[0].volunteer), (1, 2));
        assert!(m[0].walk_m < 200);
        assert_eq!(
            left,
            vec![Unmatched {
                need: 2,
                reason: Unfit::Distance
            }]
        );
        // Sunday: nobody is free.
        let sunday = Need {
            weekday: 7,
            ..need(3, 118.7801, "meal_delivery")
        };
        let (_, left) = solve(&[sunday], std::slice::from_ref(&cook), &Weights::default());
        assert_eq!(left[0].reason, Unfit::Time);
        // Fairness: of two equally near, the one who served less lately is asked.
        let busy = vol(4, 118.7810, &["meal_delivery"], 0, 600);
        let (m, _) = solve(
            &[need(4, 118.7801, "meal_delivery")],
            &[busy, cook],
            &Weights::default(),
        );
        assert_eq!(m[0].volunteer, 2);
        // Full volunteers are not matched.
        let full = vol(5, 118.7801, &["meal_delivery"], 3, 0);
        let (m, left) = solve(
            &[need(5, 118.7801, "meal_delivery")],
            &[full],
            &Weights::default(),
        );
        assert!(m.is_empty());
        assert_eq!(left[0].reason, Unfit::Full);
    }

    #[test]
    fn load_spreads_across_a_batch() {
        let a = vol(1, 118.7800, &["meal_delivery"], 0, 0);
        let b = vol(2, 118.7803, &["meal_delivery"], 0, 0);
        let needs: Vec<Need> = (0..4).map(|i| need(i, 118.7800, "meal_delivery")).collect();
        let (m, _) = solve(&needs, &[a, b], &Weights::default());
        let to_a = m.iter().filter(|x| x.volunteer == 1).count();
        assert_eq!(m.len(), 4);
        assert_eq!(to_a, 2, "two each, not four to the nearest");
    }
}
