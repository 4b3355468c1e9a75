//! 社区食堂: "政府补一点、企业让一点、居民出一点". A meal costs what it costs; the tier a diner
//! falls in (by age, and whether they live on 低保 / 特困 support) says what the government
//! and the company give per meal; the resident pays the rest. The three parts always sum
//! to the cost and none is negative, whatever the tiers say.

use serde::{Deserialize, Serialize};

/// A price tier: from `min_age`, (when `subsidised`) only for 低保 / 特困 residents, the
/// government's and the company's share of each meal, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub code: String,
    pub name: String,
    pub min_age: i64,
    pub subsidised: bool,
    pub government_fen: i64,
    pub company_fen: i64,
}

/// Who pays what for one meal, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub government_fen: i64,
    pub company_fen: i64,
    pub resident_fen: i64,
}

/// The tier a diner of `age` (and `subsidised` or not) gets: of those they qualify for,
/// the one that leaves them least to pay (most given by government and company), ties to
/// the first listed. `None` when none applies (they pay the full cost).
pub fn tier_for(tiers: &[Tier], age: i64, subsidised: bool) -> Option<&Tier> {
    tiers
        .iter()
        .filter(|t| age >= t.min_age && (subsidised || !t.subsidised))
        .fold(None, |best: Option<&Tier>, t| match best {
            Some(b) if b.government_fen + b.company_fen >= t.government_fen + t.company_fen => {
                Some(b)
            }
            _ => Some(t),
        })
}

/// The split of a meal costing `cost_fen` under `tier`: the government's share first, then
/// the company's, each capped by what is left; the resident pays the remainder.
pub fn split(cost_fen: i64, tier: Option<&Tier>) -> Split {
    let cost = cost_fen.max(0);
    let (g, c) = tier.map_or((0, 0), |t| (t.government_fen, t.company_fen));
    let government_fen = g.clamp(0, cost);
    let company_fen = c.clamp(0, cost - government_fen);
    Split {
        government_fen,
        company_fen,
        resident_fen: cost - government_fen - company_fen,
    }
}

/// The default tiers a community starts with (the common pattern of Shanghai's and
/// Nanjing's 助餐点: the older, the more the government gives; 低保 / 特困 residents more).
pub fn default_tiers() -> Vec<Tier> {
    let t = |code: &str, name: &str, min_age, subsidised, g, c| Tier {
        code: code.into(),
        name: name.into(),
        min_age,
        subsidised,
        government_fen: g,
        company_fen: c,
    };
    vec![
        t("resident", "普通居民", 0, false, 0, 0),
        t("age60", "60-69岁", 60, false, 200, 100),
        t("age70", "70-79岁", 70, false, 400, 200),
        t("age80", "80岁以上", 80, false, 600, 200),
        t("subsidised", "低保/特困老人", 60, true, 1000, 200),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_tier_that_leaves_least_to_pay() {
        let tiers = default_tiers();
        assert_eq!(tier_for(&tiers, 35, false).unwrap().code, "resident");
        assert_eq!(tier_for(&tiers, 65, false).unwrap().code, "age60");
        assert_eq!(tier_for(&tiers, 79, false).unwrap().code, "age70");
        assert_eq!(tier_for(&tiers, 86, false).unwrap().code, "age80");
        // 低保 at 86: 10 + 2 yuan beats 6 + 2.
        assert_eq!(tier_for(&tiers, 86, true).unwrap().code, "subsidised");
        // 低保 at 40: the subsidised tier starts at 60.
        assert_eq!(tier_for(&tiers, 40, true).unwrap().code, "resident");
        assert!(tier_for(&tiers[1..], 30, false).is_none());
    }

    #[test]
    fn a_fifteen_yuan_meal_for_an_elder_of_eighty() {
        let tiers = default_tiers();
        let s = split(1500, tier_for(&tiers, 82, false));
        assert_eq!(
            (s.government_fen, s.company_fen, s.resident_fen),
            (600, 200, 700)
        );
        // Shares never exceed a cheap meal's cost.
        let s = split(800, tier_for(&tiers, 82, true));
        assert_eq!(
            (s.government_fen, s.company_fen, s.resident_fen),
            (800, 0, 0)
        );
        assert_eq!(split(1500, None).resident_fen, 1500);
    }

    proptest! {
        #[test]
        fn the_parts_sum_to_the_cost_and_none_is_negative(
            cost in -100i64..100_000, g in -500i64..20_000, c in -500i64..20_000
        ) {
            let t = Tier { code: "x".into(), name: "x".into(), min_age: 0, subsidised: false,
                government_fen: g, company_fen: c };
            let s = split(cost, Some(&t));
            prop_assert_eq!(s.government_fen + s.company_fen + s.resident_fen, cost.max(0));
            prop_assert!(s.government_fen >= 0 && s.company_fen >= 0 && s.resident_fen >= 0);
        }
    }
}
