//! The selection rules of a participatory-budgeting round.
//!
//! - **Greedy** (what most cities use): projects in order of approvals, each taken if it
//!   still fits the budget.
//! - **Method of Equal Shares** with cost satisfaction (a voter's utility from a project is
//!   its cost when they approve it; Peters, Pierczyński and Skowron), without completion:
//!   every voter gets an equal share of the budget; a project is bought by its supporters
//!   paying as equally as they can, and among affordable projects the one whose supporters
//!   pay the least per unit of utility (ρ) is taken first; it stops when no project can be
//!   paid for by its supporters. Used in Wieliczka and Aarau, so a small group's project is
//!   not always crowded out by the majority's.
//!
//! Ties go to the project whose id comes first (as strings, the reference implementation's
//! order). Money is in f64; two prices within a relative 1e-10 of each other are the same
//! price (a tie), which is how exact arithmetic would see them.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::pabulib::Election;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Greedy,
    Mes,
}

impl Rule {
    pub fn parse(s: &str) -> Option<Rule> {
        match s {
            "greedy" => Some(Rule::Greedy),
            "mes" => Some(Rule::Mes),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Rule::Greedy => "greedy",
            Rule::Mes => "mes",
        }
    }
}

/// The projects a rule selects, in the order it took them, and why the others were not.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Indices into the election's projects.
    pub selected: Vec<usize>,
    pub cost: f64,
    /// For each project in MES: what each supporter paid per unit of utility when it was
    /// taken (ρ), or None; in greedy: None.
    pub price: Vec<Option<f64>>,
    /// For each project, why it was or was not selected.
    pub why: Vec<Why>,
}

/// Why a project was or was not selected, for the round's page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// Taken, as the n-th (1-based).
    Selected { order: usize },
    /// Greedy: when its turn came, only `left` of the budget remained.
    NoMoneyLeft { left: f64 },
    /// MES: its supporters held only `held` of their shares when it could no longer be
    /// paid for.
    SupportersShort { held: f64 },
}

pub fn select(e: &Election, rule: Rule) -> Selection {
    match rule {
        Rule::Greedy => greedy(e),
        Rule::Mes => mes(e),
    }
}

/// Fits within the budget, allowing for rounding of sums of decimal costs.
fn fits(spent: f64, cost: f64, budget: f64) -> bool {
    spent + cost <= budget * (1.0 + 1e-12)
}

/// Projects in order of approvals (ties: id), each taken if it still fits.
pub fn greedy(e: &Election) -> Selection {
    let approvals = e.approvals();
    let mut order: Vec<usize> = (0..e.projects.len()).collect();
    order.sort_by(|&a, &b| {
        approvals[b]
            .cmp(&approvals[a])
            .then_with(|| e.projects[a].id.cmp(&e.projects[b].id))
    });
    let mut spent = 0.0;
    let mut selected = vec![];
    let mut why = vec![Why::NoMoneyLeft { left: 0.0 }; e.projects.len()];
    for p in order {
        if fits(spent, e.projects[p].cost, e.budget) {
            spent += e.projects[p].cost;
            selected.push(p);
            why[p] = Why::Selected {
                order: selected.len(),
            };
        } else {
            why[p] = Why::NoMoneyLeft {
                left: e.budget - spent,
            };
        }
    }
    Selection {
        selected,
        cost: spent,
        price: vec![None; e.projects.len()],
        why,
    }
}

/// Whether two prices are the same (relative 1e-10).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-10 * a.abs().max(b.abs())
}

/// A candidate in the queue: its lower bound on ρ and its id (smaller first).
struct Candidate<'a> {
    rho: f64,
    id: &'a str,
    index: usize,
}

impl Ord for Candidate<'_> {
    fn cmp(&self, o: &Self) -> Ordering {
        // BinaryHeap is a max-heap: the smallest price, then the smallest id, is greatest.
        if same(self.rho, o.rho) {
            o.id.cmp(self.id)
        } else {
            o.rho.total_cmp(&self.rho)
        }
    }
}
impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Candidate<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Candidate<'_> {}

/// The price per unit of utility at which `supporters` (with `budget`s) buy a project of
/// `cost` under cost utilities, or None when they cannot afford it. `scratch` is reused.
fn price(cost: f64, supporters: &[u32], budget: &[f64], scratch: &mut Vec<f64>) -> Option<f64> {
    scratch.clear();
    let mut total = 0.0;
    for &v in supporters {
        let b = budget[v as usize];
        if b > 0.0 {
            scratch.push(b);
            total += b;
        }
    }
    if total < cost * (1.0 - 1e-12) || scratch.is_empty() {
        return None;
    }
    scratch.sort_unstable_by(f64::total_cmp);
    // Each supporter pays min(budget, α); α = what the richer ones pay equally.
    let mut paid = 0.0;
    let mut left = scratch.len();
    for &b in scratch.iter() {
        let alpha = (cost - paid) / left as f64;
        if b >= alpha * (1.0 - 1e-12) {
            return Some(alpha / cost);
        }
        paid += b;
        left -= 1;
    }
    // Everyone pays all they have (total ≈ cost).
    Some(scratch.last().copied().unwrap_or(0.0) / cost)
}

/// The Method of Equal Shares with cost satisfaction, without completion.
pub fn mes(e: &Election) -> Selection {
    let n = e.votes.len();
    let mut supporters: Vec<Vec<u32>> = vec![vec![]; e.projects.len()];
    for (v, (_, approved)) in e.votes.iter().enumerate() {
        for &p in approved {
            supporters[p].push(v as u32);
        }
    }
    let mut budget = vec![if n == 0 { 0.0 } else { e.budget / n as f64 }; n];
    let mut scratch = Vec::new();
    let mut heap = BinaryHeap::new();
    let held = |supporters: &[u32], budget: &[f64]| -> f64 {
        supporters.iter().map(|&v| budget[v as usize]).sum()
    };
    let mut why = vec![Why::SupportersShort { held: 0.0 }; e.projects.len()];
    // A project's price only rises as budgets are spent: the last price is a lower bound,
    // so only the candidate on top needs recomputing (lazy evaluation).
    for (i, p) in e.projects.iter().enumerate() {
        match price(p.cost, &supporters[i], &budget, &mut scratch) {
            Some(rho) => heap.push(Candidate {
                rho,
                id: &p.id,
                index: i,
            }),
            None => {
                why[i] = Why::SupportersShort {
                    held: held(&supporters[i], &budget),
                }
            }
        }
    }
    let mut selected = vec![];
    let mut prices = vec![None; e.projects.len()];
    let mut spent = 0.0;
    while let Some(top) = heap.pop() {
        let p = &e.projects[top.index];
        let Some(rho) = price(p.cost, &supporters[top.index], &budget, &mut scratch) else {
            why[top.index] = Why::SupportersShort {
                held: held(&supporters[top.index], &budget),
            };
            continue;
        };
        if !same(rho, top.rho) {
            heap.push(Candidate {
                rho,
                id: &p.id,
                index: top.index,
            });
            continue;
        }
        // Its current price equals its bound, and no other bound is lower: take it.
        let alpha = rho * p.cost;
        for &v in &supporters[top.index] {
            let b = &mut budget[v as usize];
            *b = if *b <= alpha { 0.0 } else { *b - alpha };
        }
        selected.push(top.index);
        why[top.index] = Why::Selected {
            order: selected.len(),
        };
        prices[top.index] = Some(rho);
        spent += p.cost;
    }
    Selection {
        selected,
        cost: spent,
        price: prices,
        why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::pabulib::{Project, parse};
    use proptest::prelude::*;

    fn election(budget: f64, costs: &[f64], votes: &[&[usize]]) -> Election {
        Election {
            meta: vec![],
            budget,
            projects: costs
                .iter()
                .enumerate()
                .map(|(i, c)| Project {
                    id: format!("p{i:02}"),
                    cost: *c,
                    name: String::new(),
                    extra: vec![],
                })
                .collect(),
            votes: votes
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.to_vec()))
                .collect(),
        }
    }

    #[test]
    fn greedy_takes_by_approvals_and_skips_what_no_longer_fits() {
        // A (3 votes, 600), B (2 votes, 500), C (1 vote, 400): budget 1000 → A, C.
        let e = election(
            1000.0,
            &[600.0, 500.0, 400.0],
            &[&[0, 1], &[0, 1], &[0], &[2]],
        );
        assert_eq!(greedy(&e).selected, vec![0, 2]);
        assert_eq!(greedy(&e).cost, 1000.0);
    }

    #[test]
    fn equal_shares_gives_the_minority_its_share() {
        // 70 voters want three projects of 300 each; 30 voters want one of 300. Budget
        // 1000: greedy gives the majority everything it fits; MES gives the 30 voters
        // (who hold 300) their project.
        let mut votes: Vec<&[usize]> = vec![&[0, 1, 2]; 70];
        votes.extend(std::iter::repeat_n(&[3usize][..], 30));
        let e = election(1000.0, &[300.0, 300.0, 300.0, 300.0], &votes);
        assert_eq!(greedy(&e).selected, vec![0, 1, 2]);
        let m = mes(&e);
        assert!(m.selected.contains(&3), "{m:?}");
        assert_eq!(m.selected.len(), 3);
    }

    #[test]
    fn equal_shares_matches_a_worked_example() {
        // Budget 900, 3 voters (300 each). P0 cost 600 by {0,1}: each pays 300, ρ=0.5.
        // P1 cost 300 by {2}: ρ=1. P2 cost 200 by {0,1,2}: 66.7 each, ρ=1/3 → first.
        // After P2: budgets 233.3 each. P0: 466.7 < 600, unaffordable. P1: 233.3 < 300.
        let e = election(900.0, &[600.0, 300.0, 200.0], &[&[0, 2], &[0, 2], &[1, 2]]);
        let m = mes(&e);
        assert_eq!(m.selected, vec![2]);
        assert!((m.price[2].unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // P0's two supporters held 466.67 of its 600 when it was dropped.
        let Why::SupportersShort { held } = m.why[0] else {
            panic!("{:?}", m.why[0])
        };
        assert!((held - 1400.0 / 3.0).abs() < 1e-9);
        // Without P2, P0 (ρ 0.5) then P1 (ρ 1).
        let e = election(900.0, &[600.0, 300.0], &[&[0], &[0], &[1]]);
        assert_eq!(mes(&e).selected, vec![0, 1]);
    }

    #[test]
    fn ties_go_to_the_smaller_id() {
        let e = election(100.0, &[100.0, 100.0], &[&[0], &[1]]);
        assert_eq!(greedy(&e).selected, vec![0]);
        let e = election(200.0, &[100.0, 100.0], &[&[1, 0], &[0, 1]]);
        assert_eq!(mes(&e).selected, vec![0, 1]);
    }

    #[test]
    fn reads_a_file_and_selects() {
        let e = parse("META\nkey;value\nbudget;1000\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;600\n2;500\n3;400\nVOTES\nvoter_id;vote\n1;1,2\n2;1,2\n3;1\n4;3\n").expect("parses");
        let g = greedy(&e);
        assert_eq!(
            g.selected
                .iter()
                .map(|&i| e.projects[i].id.as_str())
                .collect::<Vec<_>>(),
            ["1", "3"]
        );
    }

    /// MES by its definition, recomputing every price every round (no lazy queue).
    fn mes_plain(e: &Election) -> Vec<usize> {
        let n = e.votes.len();
        let mut budget = vec![e.budget / n as f64; n];
        let mut left: Vec<usize> = (0..e.projects.len()).collect();
        let mut out = vec![];
        let mut scratch = vec![];
        loop {
            let mut best: Option<(f64, usize)> = None;
            for &p in &left {
                let sup: Vec<u32> = e
                    .votes
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, v))| v.contains(&p))
                    .map(|(i, _)| i as u32)
                    .collect();
                if let Some(r) = price(e.projects[p].cost, &sup, &budget, &mut scratch) {
                    let better = match best {
                        None => true,
                        Some((br, bp)) => {
                            if same(r, br) {
                                e.projects[p].id < e.projects[bp].id
                            } else {
                                r < br
                            }
                        }
                    };
                    if better {
                        best = Some((r, p));
                    }
                }
            }
            let Some((r, p)) = best else { return out };
            let alpha = r * e.projects[p].cost;
            for (i, (_, v)) in e.votes.iter().enumerate() {
                if v.contains(&p) {
                    budget[i] = if budget[i] <= alpha {
                        0.0
                    } else {
                        budget[i] - alpha
                    };
                }
            }
            left.retain(|&x| x != p);
            out.push(p);
        }
    }

    proptest! {
        #[test]
        fn the_lazy_queue_selects_what_the_definition_does(
            costs in proptest::collection::vec(1u32..50, 1..9),
            votes in proptest::collection::vec(proptest::collection::vec(0usize..8, 0..5), 1..30),
            budget in 10u32..200,
        ) {
            let k = costs.len();
            let votes: Vec<Vec<usize>> = votes
                .into_iter()
                .map(|v| {
                    let mut v: Vec<usize> = v.into_iter().filter(|p| *p < k).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect();
            let refs: Vec<&[usize]> = votes.iter().map(Vec::as_slice).collect();
            let costs: Vec<f64> = costs.iter().map(|c| f64::from(*c) * 10.0).collect();
            let e = election(f64::from(budget) * 10.0, &costs, &refs);
            let m = mes(&e);
            prop_assert_eq!(&m.selected, &mes_plain(&e));
            prop_assert!(m.cost <= e.budget * (1.0 + 1e-9));
            let g = greedy(&e);
            prop_assert!(g.cost <= e.budget * (1.0 + 1e-9));
        }
    }
}
