//! Time bank rules (互助时间银行): accounts in whole minutes; every transfer is two
//! movements that sum to zero (double entry, as TimeOverflow keeps it), the community's own
//! bank account included. A confirmed service is paid from the community's bank account to
//! the volunteer (the elder served is not charged: the community owes the hours, which is
//! what "storing hours" means); spending moves hours from a member back to the bank, or to
//! another member (a gift to family). A member's balance never goes below zero; the bank's
//! balance is minus everything its members hold.

pub mod matching;

use std::collections::HashMap;

/// The longest service one record may carry: a day.
pub const MAX_SERVICE_MINUTES: i64 = 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimebankError {
    #[error("minutes must be a whole number from 1 to 1440")]
    Minutes,
    #[error("not enough minutes in the account")]
    Insufficient,
    #[error("a transfer needs two different accounts")]
    SameAccount,
    #[error("unknown kind of service")]
    Kind,
}

impl TimebankError {
    /// The stable machine code of the API.
    pub fn code(self) -> &'static str {
        match self {
            TimebankError::Minutes => "MINUTES_INVALID",
            TimebankError::Insufficient => "TIMEBANK_INSUFFICIENT",
            TimebankError::SameAccount => "TIMEBANK_SAME_ACCOUNT",
            TimebankError::Kind => "SERVICE_KIND_INVALID",
        }
    }
}

/// The minutes of one service: 1 to 1,440.
pub fn check_minutes(m: i64) -> Result<i64, TimebankError> {
    if (1..=MAX_SERVICE_MINUTES).contains(&m) {
        Ok(m)
    } else {
        Err(TimebankError::Minutes)
    }
}

/// Kinds of service, as the seed's time banks record them.
pub const KINDS: [(&str, &str, &str); 9] = [
    ("meal_delivery", "送餐", "Meal delivery"),
    ("companionship", "陪伴聊天", "Companionship"),
    ("escort", "陪同就医", "Escort to the doctor"),
    ("shopping", "代购", "Shopping"),
    ("cleaning", "家政清洁", "Cleaning"),
    ("haircut", "理发", "Haircut"),
    ("repair", "小修小补", "Small repairs"),
    ("tutoring", "课业辅导", "Tutoring"),
    ("other", "其他", "Other"),
];

pub fn check_kind(k: &str) -> Result<&'static str, TimebankError> {
    KINDS
        .iter()
        .find(|(c, ..)| *c == k)
        .map(|(c, ..)| *c)
        .ok_or(TimebankError::Kind)
}

/// One transfer: `minutes` from one account to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transfer {
    pub from: i64,
    pub to: i64,
    pub minutes: i64,
}

impl Transfer {
    /// Checks the transfer against the payer's balance (`None`: the payer is the
    /// community's bank, which may owe). Returns its two movements, summing to zero.
    pub fn movements(&self, payer_balance: Option<i64>) -> Result<[(i64, i64); 2], TimebankError> {
        if self.from == self.to {
            return Err(TimebankError::SameAccount);
        }
        if self.minutes <= 0 {
            return Err(TimebankError::Minutes);
        }
        if let Some(b) = payer_balance
            && b < self.minutes
        {
            return Err(TimebankError::Insufficient);
        }
        Ok([(self.from, -self.minutes), (self.to, self.minutes)])
    }
}

/// Balances from movements (account, minutes).
pub fn balances(movements: &[(i64, i64)]) -> HashMap<i64, i64> {
    let mut out = HashMap::new();
    for (a, m) in movements {
        *out.entry(*a).or_insert(0) += m;
    }
    out
}

/// `h:mm` for people (`90` → `1小时30分`).
pub fn hours_text(minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m}分钟"),
        (h, 0) => format!("{h}小时"),
        (h, m) => format!("{h}小时{m}分"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn minutes_and_kinds_are_checked() {
        assert_eq!(check_minutes(0), Err(TimebankError::Minutes));
        assert_eq!(check_minutes(1441), Err(TimebankError::Minutes));
        assert_eq!(check_minutes(60), Ok(60));
        assert_eq!(check_kind("meal_delivery"), Ok("meal_delivery"));
        assert!(check_kind("massage").is_err());
        assert_eq!(hours_text(90), "1小时30分");
        let t = Transfer {
            from: 1,
            to: 2,
            minutes: 30,
        };
        assert_eq!(t.movements(Some(29)), Err(TimebankError::Insufficient));
        assert_eq!(t.movements(None).unwrap(), [(1, -30), (2, 30)]);
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// A confirmed service: the bank pays member `to`.
        Service { to: usize, minutes: i64 },
        /// A member spends on the catalogue: back to the bank.
        Spend { from: usize, minutes: i64 },
        /// A gift between members.
        Gift {
            from: usize,
            to: usize,
            minutes: i64,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..5usize, 1..=MAX_SERVICE_MINUTES)
                .prop_map(|(to, minutes)| Op::Service { to, minutes }),
            (0..5usize, 1..600i64).prop_map(|(from, minutes)| Op::Spend { from, minutes }),
            (0..5usize, 0..5usize, 1..600i64).prop_map(|(from, to, minutes)| Op::Gift {
                from,
                to,
                minutes
            }),
        ]
    }

    proptest! {
        /// Any interleaving of transfers keeps every account equal to the sum of its
        /// movements, the community's movements summing to zero, and no member below zero.
        #[test]
        fn any_interleaving_keeps_the_books_balanced(ops in proptest::collection::vec(op(), 0..200)) {
            const BANK: i64 = 0;
            let member = |i: usize| i as i64 + 1;
            let mut movements: Vec<(i64, i64)> = vec![];
            let mut running: HashMap<i64, i64> = HashMap::new();
            for o in ops {
                let t = match o {
                    Op::Service { to, minutes } => Transfer { from: BANK, to: member(to), minutes },
                    Op::Spend { from, minutes } => Transfer { from: member(from), to: BANK, minutes },
                    Op::Gift { from, to, minutes } => Transfer { from: member(from), to: member(to), minutes },
                };
                let payer = if t.from == BANK { None } else { Some(*running.get(&t.from).unwrap_or(&0)) };
                if let Ok(ms) = t.movements(payer) {
                    prop_assert_eq!(ms[0].1 + ms[1].1, 0);
                    for (a, m) in ms {
                        *running.entry(a).or_insert(0) += m;
                        movements.push((a, m));
                    }
                }
                for i in 0..5 {
                    prop_assert!(*running.get(&member(i)).unwrap_or(&0) >= 0, "member {} below zero", i);
                }
            }
            let derived = balances(&movements);
            for (a, b) in &running {
                prop_assert_eq!(derived.get(a).copied().unwrap_or(0), *b);
            }
            prop_assert_eq!(movements.iter().map(|m| m.1).sum::<i64>(), 0);
            prop_assert_eq!(-running.get(&BANK).copied().unwrap_or(0),
                (0..5).map(|i| running.get(&member(i)).copied().unwrap_or(0)).sum::<i64>());
        }
    }
}
