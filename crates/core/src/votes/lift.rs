//! Cost sharing for a lift retrofit (加装电梯 费用分摊 + 补偿低层住户): each paying unit's weight is
//! its floor coefficient × its area; low floors (coefficient 0) pay nothing and receive a
//! fixed compensation, which the paying units carry on top of the cost. Amounts in fen,
//! split by the largest-remainder method so that the shares add up to the fen exactly.

use serde::Serialize;

/// The plan's rule: coefficients in thousandths by floor (a floor above the last listed
/// takes the last coefficient), and what each non-paying unit receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub cost_fen: i64,
    /// (floor, coefficient ‰), ascending by floor.
    pub coefficients: Vec<(i32, i64)>,
    pub compensation_fen: i64,
}

/// One unit of the building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flat {
    pub unit: String,
    pub floor: i32,
    /// Ten-thousandths of a m² (as in the register).
    pub area: i64,
}

/// A unit's share: what it pays (≥ 0) and what it receives (≥ 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Share {
    pub unit: String,
    pub floor: i32,
    pub pays_fen: i64,
    pub receives_fen: i64,
}

impl Plan {
    /// The coefficient (‰) of a floor.
    pub fn coefficient(&self, floor: i32) -> i64 {
        let mut c = self.coefficients.first().map(|x| x.1).unwrap_or(1000);
        for (f, k) in &self.coefficients {
            if *f <= floor {
                c = *k;
            }
        }
        c.max(0)
    }

    /// Every unit's share. `None` when nobody pays (every coefficient 0) or an amount
    /// is negative.
    pub fn shares(&self, flats: &[Flat]) -> Option<Vec<Share>> {
        if self.cost_fen < 0 || self.compensation_fen < 0 {
            return None;
        }
        let weight = |f: &Flat| self.coefficient(f.floor) as i128 * f.area.max(0) as i128;
        let total: i128 = flats.iter().map(weight).sum();
        if total == 0 {
            return None;
        }
        let receivers = flats.iter().filter(|f| weight(f) == 0).count() as i64;
        let pool = (self.cost_fen + receivers * self.compensation_fen) as i128;
        // Floor of each exact share, then the leftover fen to the largest remainders
        // (ties: the unit listed first).
        let mut out: Vec<(Share, i128)> = flats
            .iter()
            .map(|f| {
                let w = weight(f);
                let exact = pool * w;
                (
                    Share {
                        unit: f.unit.clone(),
                        floor: f.floor,
                        pays_fen: (exact / total) as i64,
                        receives_fen: if w == 0 { self.compensation_fen } else { 0 },
                    },
                    exact % total,
                )
            })
            .collect();
        let paid: i64 = out.iter().map(|s| s.0.pays_fen).sum();
        let mut left = pool as i64 - paid;
        let mut order: Vec<usize> = (0..out.len()).filter(|i| weight(&flats[*i]) > 0).collect();
        order.sort_by(|a, b| out[*b].1.cmp(&out[*a].1).then(a.cmp(b)));
        for i in order {
            if left == 0 {
                break;
            }
            out[i].0.pays_fen += 1;
            left -= 1;
        }
        Some(out.into_iter().map(|s| s.0).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn flat(u: &str, floor: i32, m2: i64) -> Flat {
        Flat {
            unit: u.into(),
            floor,
            area: m2 * crate::votes::AREA_SCALE,
        }
    }

    #[test]
    fn high_floors_pay_more_and_the_ground_floor_is_compensated() {
        let plan = Plan {
            cost_fen: 60_000_000,
            coefficients: vec![(1, 0), (2, 300), (3, 800), (4, 1000), (6, 1200)],
            compensation_fen: 2_000_000,
        };
        let flats: Vec<Flat> = (1..=6)
            .flat_map(|f| {
                [
                    flat(&format!("{f}01"), f, 90),
                    flat(&format!("{f}02"), f, 90),
                ]
            })
            .collect();
        let s = plan.shares(&flats).unwrap();
        let pays: i64 = s.iter().map(|x| x.pays_fen).sum();
        assert_eq!(
            pays,
            60_000_000 + 2 * 2_000_000,
            "cost and compensation, to the fen"
        );
        assert_eq!(s[0].pays_fen, 0);
        assert_eq!(s[0].receives_fen, 2_000_000);
        let by_floor = |f: i32| s.iter().find(|x| x.floor == f).unwrap().pays_fen;
        assert!(
            by_floor(2) < by_floor(3) && by_floor(3) < by_floor(4) && by_floor(4) < by_floor(6)
        );
        assert!(
            (by_floor(4) - by_floor(5)).abs() <= 1,
            "a floor between listed ones takes the lower one's (to the fen)"
        );
        assert_eq!(plan.coefficient(9), 1200);
        // Nobody pays: no plan.
        let none = Plan {
            coefficients: vec![(1, 0)],
            ..plan
        };
        assert_eq!(none.shares(&flats), None);
    }

    proptest! {
        #[test]
        fn shares_add_up_exactly_and_follow_the_weights(
            cost in 0i64..100_000_000,
            comp in 0i64..5_000_000,
            flats in proptest::collection::vec((1i32..12, 30i64..200), 1..30),
        ) {
            let plan = Plan {
                cost_fen: cost,
                coefficients: vec![(1, 0), (2, 400), (4, 1000), (8, 1300)],
                compensation_fen: comp,
            };
            let flats: Vec<Flat> = flats
                .iter()
                .enumerate()
                .map(|(i, (f, a))| flat(&format!("u{i}"), *f, *a))
                .collect();
            match plan.shares(&flats) {
                None => prop_assert!(flats.iter().all(|f| f.floor < 2)),
                Some(s) => {
                    let receivers = s.iter().filter(|x| x.receives_fen > 0 || plan.coefficient(x.floor) == 0).count() as i64;
                    prop_assert_eq!(s.iter().map(|x| x.pays_fen).sum::<i64>(), cost + receivers * comp);
                    // Within a fen of the exact share.
                    let total: i128 = flats.iter().map(|f| plan.coefficient(f.floor) as i128 * f.area as i128).sum();
                    for (x, f) in s.iter().zip(&flats) {
                        let exact = (cost + receivers * comp) as i128 * plan.coefficient(f.floor) as i128 * f.area as i128;
                        let lo = exact / total;
                        prop_assert!(x.pays_fen as i128 == lo || x.pays_fen as i128 == lo + 1);
                    }
                }
            }
        }
    }
}
