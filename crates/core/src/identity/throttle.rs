//! Login throttling that cannot be used to lock someone out (security checklist item 22).
//!
//! Failures are counted per (account name, source address) and per source address:
//! - five failures for one name from one address within 15 minutes refuse that name from
//!   that address for 15 minutes — the right password included — while the same name from
//!   another address is still let in;
//! - an address with more than [`ADDRESS_FREE`] failures within 15 minutes (any names, known
//!   or not) waits before each further attempt, twice as long after each failure, up to 15
//!   minutes.
//!
//! Unknown and known names are counted alike, so the answer never tells them apart. The
//! state is in memory, bounded in size; a restart forgets it (documented in SECURITY.md).

use std::collections::{HashMap, VecDeque};

use super::{LOCKOUT_DURATION_MS, LOCKOUT_THRESHOLD, LOCKOUT_WINDOW_MS};

/// Failures an address may make within the window before it must wait between attempts.
pub const ADDRESS_FREE: usize = 20;
/// The longest wait imposed on an address.
pub const ADDRESS_MAX_WAIT_MS: i64 = 15 * 60 * 1000;
/// Entries kept at most (oldest dropped first); about 100 bytes each.
const MAX_KEYS: usize = 200_000;

/// Why an attempt was refused without checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This name from this address failed too often: refused until the given time.
    Account { until_ms: i64 },
    /// This address failed too often: refused until the given time.
    Address { until_ms: i64 },
}

#[derive(Debug, Default)]
struct Failures {
    at: VecDeque<i64>,
    locked_until: i64,
}

impl Failures {
    fn prune(&mut self, now: i64) {
        while self
            .at
            .front()
            .is_some_and(|t| *t <= now - LOCKOUT_WINDOW_MS)
        {
            self.at.pop_front();
        }
    }
}

/// The throttle's memory.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    accounts: HashMap<(String, String), Failures>,
    addresses: HashMap<String, Failures>,
}

fn account_key(name: &str, addr: &str) -> (String, String) {
    (name.trim().to_lowercase(), addr.to_string())
}

impl LoginThrottle {
    /// Whether an attempt for `name` from `addr` may be checked now.
    pub fn check(&mut self, name: &str, addr: &str, now: i64) -> Result<(), Refusal> {
        if let Some(f) = self.accounts.get_mut(&account_key(name, addr)) {
            f.prune(now);
            if f.locked_until > now {
                return Err(Refusal::Account {
                    until_ms: f.locked_until,
                });
            }
        }
        if let Some(f) = self.addresses.get_mut(addr) {
            f.prune(now);
            if f.locked_until > now {
                return Err(Refusal::Address {
                    until_ms: f.locked_until,
                });
            }
        }
        Ok(())
    }

    /// Records a failed attempt; returns the refusal it starts, if any.
    pub fn failed(&mut self, name: &str, addr: &str, now: i64) -> Option<Refusal> {
        if self.accounts.len() + self.addresses.len() > MAX_KEYS {
            self.forget_before(now - LOCKOUT_WINDOW_MS);
        }
        let mut started = None;
        let f = self.accounts.entry(account_key(name, addr)).or_default();
        f.prune(now);
        f.at.push_back(now);
        if f.at.len() as i64 >= LOCKOUT_THRESHOLD {
            f.locked_until = now + LOCKOUT_DURATION_MS;
            f.at.clear();
            started = Some(Refusal::Account {
                until_ms: f.locked_until,
            });
        }
        let a = self.addresses.entry(addr.to_string()).or_default();
        a.prune(now);
        a.at.push_back(now);
        if a.at.len() > ADDRESS_FREE {
            let over = (a.at.len() - ADDRESS_FREE - 1).min(20) as u32;
            let wait = (1000i64 << over).min(ADDRESS_MAX_WAIT_MS);
            a.locked_until = now + wait;
            started = started.or(Some(Refusal::Address {
                until_ms: a.locked_until,
            }));
        }
        started
    }

    /// A successful login for `name` from `addr` clears that pair's failures.
    pub fn succeeded(&mut self, name: &str, addr: &str) {
        self.accounts.remove(&account_key(name, addr));
    }

    /// Drops everything that no longer counts (the window has passed and no lock is live).
    pub fn forget_before(&mut self, cutoff: i64) {
        let stale =
            |f: &Failures| f.locked_until <= cutoff && f.at.back().is_none_or(|t| *t <= cutoff);
        self.accounts.retain(|_, f| !stale(f));
        self.addresses.retain(|_, f| !stale(f));
        if self.accounts.len() + self.addresses.len() > MAX_KEYS {
            // Under a flood of distinct names and addresses: keep the address limits.
            self.accounts.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_refuse_the_pair_but_not_another_address() {
        let mut t = LoginThrottle::default();
        for i in 0..4 {
            assert!(t.check("grid1", "10.0.0.1", i).is_ok());
            assert_eq!(t.failed("grid1", "10.0.0.1", i), None);
        }
        assert!(matches!(
            t.failed("grid1", "10.0.0.1", 5),
            Some(Refusal::Account { .. })
        ));
        assert!(t.check("GRID1", "10.0.0.1", 6).is_err());
        assert!(t.check("grid1", "10.0.0.2", 6).is_ok());
        assert!(
            t.check("grid1", "10.0.0.1", 5 + LOCKOUT_DURATION_MS)
                .is_ok()
        );
    }

    #[test]
    fn unknown_names_count_like_known_ones() {
        let mut t = LoginThrottle::default();
        for i in 0..5 {
            t.failed("nobody", "a", i);
        }
        assert!(t.check("nobody", "a", 10).is_err());
    }

    #[test]
    fn an_address_spraying_names_waits_longer_after_each_failure() {
        let mut t = LoginThrottle::default();
        let mut now = 0;
        for i in 0..ADDRESS_FREE {
            assert!(t.check(&format!("u{i}"), "x", now).is_ok());
            assert_eq!(t.failed(&format!("u{i}"), "x", now), None);
            now += 10;
        }
        let Some(Refusal::Address { until_ms }) = t.failed("v", "x", now) else {
            panic!("the 21st failure starts a wait");
        };
        assert_eq!(until_ms - now, 1000);
        assert!(t.check("w", "x", now + 999).is_err());
        assert!(
            t.check("w", "y", now + 999).is_ok(),
            "other addresses go on"
        );
        now += 1000;
        assert!(t.check("w", "x", now).is_ok());
        let Some(Refusal::Address { until_ms }) = t.failed("w", "x", now) else {
            panic!()
        };
        assert_eq!(until_ms - now, 2000);
    }

    #[test]
    fn success_clears_the_pair() {
        let mut t = LoginThrottle::default();
        for i in 0..4 {
            t.failed("a", "x", i);
        }
        t.succeeded("a", "x");
        assert_eq!(t.failed("a", "x", 10), None);
    }
}
