//! The M/M/c queue on the event engine: the validation model of the simulator (its mean
//! wait must fall within a batch-means confidence interval of Erlang C) and the peer
//! benchmark's model (SimPy runs the same one).

use serde::Serialize;

use super::des::{Engine, Exp, Time, stream};
use super::erlang::erlang_c;
use crate::Coded;

/// Batches for the batch-means interval, and Student's t for their 29 degrees of freedom.
const BATCHES: u64 = 30;
const T_975_29: f64 = 2.045_229_642;
/// The smallest run that gives an interval.
pub const MIN_CUSTOMERS: u64 = 1_000;

#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub lambda: f64,
    pub mu: f64,
    pub servers: u32,
    pub customers: u64,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MmcError {
    #[error("rates must be positive finite numbers")]
    Rate,
    #[error("there must be at least one server")]
    Servers,
    #[error("at least {MIN_CUSTOMERS} customers are needed for a confidence interval")]
    Customers,
    #[error("the queue is unstable: utilisation ρ = λ/(c·μ) = {rho:.4} must be below 1")]
    Unstable { rho: f64 },
}

impl Coded for MmcError {
    fn code(&self) -> &'static str {
        match self {
            MmcError::Rate => "SIM_RATE_INVALID",
            MmcError::Servers => "SIM_SERVERS_INVALID",
            MmcError::Customers => "SIM_CUSTOMERS_INVALID",
            MmcError::Unstable { .. } => "SIM_UNSTABLE",
        }
    }
}

/// The exact values beside the simulated ones.
#[derive(Debug, Clone, Serialize)]
pub struct Exact {
    pub mean_wait: f64,
    pub p_wait: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MmcResult {
    /// Mean wait in queue after the warm-up (the mean of the batch means).
    pub mean_wait: f64,
    /// 95 % batch-means confidence interval of the mean wait.
    pub ci95: [f64; 2],
    /// Share of customers who waited at all.
    pub p_wait: f64,
    pub customers: u64,
    /// Events processed (arrivals and departures).
    pub events: u64,
    pub rho: f64,
    /// Customers left out at the start (2 %: the empty system's transient).
    pub warm_up: u64,
    pub erlang_c: Exact,
}

#[derive(Clone, Copy)]
enum Ev {
    Arrival,
    Departure { server: u32 },
}

/// One customer's service: who, on which server, when they arrived, began and how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    pub customer: u64,
    pub server: u32,
    pub arrived: Time,
    pub start: Time,
    pub service: Time,
}

/// A first-come-first-served queue before `servers` identical servers, driven by the next
/// arrival time (`None`: no more) and the next service time; `on_start` sees each service
/// as it begins. Returns the number of events processed.
pub fn run_fcfs(
    servers: u32,
    mut next_arrival: impl FnMut() -> Option<Time>,
    mut next_service: impl FnMut() -> Time,
    mut on_start: impl FnMut(Start),
) -> u64 {
    let mut engine: Engine<Ev> = Engine::with_capacity(servers as usize + 2);
    let mut free: Vec<u32> = (0..servers).rev().collect();
    let mut queue: std::collections::VecDeque<(u64, Time)> = Default::default();
    let mut arrived = 0u64;
    if let Some(t) = next_arrival() {
        engine.at(t, Ev::Arrival);
    }
    let mut begin = |engine: &mut Engine<Ev>, customer: u64, at: Time, server: u32, now: Time| {
        let service = next_service();
        on_start(Start {
            customer,
            server,
            arrived: at,
            start: now,
            service,
        });
        engine.after(service, Ev::Departure { server });
    };
    while let Some((now, ev)) = engine.pop() {
        match ev {
            Ev::Arrival => {
                let customer = arrived;
                arrived += 1;
                if let Some(t) = next_arrival() {
                    engine.at(t, Ev::Arrival);
                }
                match free.pop() {
                    Some(server) => begin(&mut engine, customer, now, server, now),
                    None => queue.push_back((customer, now)),
                }
            }
            Ev::Departure { server } => match queue.pop_front() {
                Some((customer, at)) => begin(&mut engine, customer, at, server, now),
                None => free.push(server),
            },
        }
    }
    engine.processed()
}

/// Simulates M/M/c for `customers` customers.
pub fn simulate(p: &Params) -> Result<MmcResult, MmcError> {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    if !ok(p.lambda) || !ok(p.mu) {
        return Err(MmcError::Rate);
    }
    if p.servers == 0 {
        return Err(MmcError::Servers);
    }
    if p.customers < MIN_CUSTOMERS {
        return Err(MmcError::Customers);
    }
    let rho = p.lambda / (p.mu * f64::from(p.servers));
    let Some((exact_p, exact_w)) = erlang_c(p.lambda, p.mu, p.servers) else {
        return Err(MmcError::Unstable { rho });
    };
    let mut arrivals = stream(p.seed, 1);
    let mut services = stream(p.seed, 2);
    let (inter, service, n) = (Exp::rate(p.lambda), Exp::rate(p.mu), p.customers);
    let mut t = 0.0;
    let mut made = 0u64;
    let warm_up = n / 50;
    let batch = (n - warm_up) / BATCHES;
    let mut sums = [0.0f64; BATCHES as usize];
    let mut waited = 0u64;
    let (mut current, mut in_batch) = (0usize, 0u64);
    let events = run_fcfs(
        p.servers,
        || {
            if made == n {
                return None;
            }
            made += 1;
            t += inter.sample(&mut arrivals);
            Some(t)
        },
        || service.sample(&mut services),
        // Services begin in arrival order (FCFS): count batches off as they fill.
        |s| {
            if s.customer < warm_up || current == BATCHES as usize {
                return;
            }
            let w = s.start - s.arrived;
            sums[current] += w;
            waited += u64::from(w > 0.0);
            in_batch += 1;
            if in_batch == batch {
                in_batch = 0;
                current += 1;
            }
        },
    );
    let means: Vec<f64> = sums.iter().map(|s| s / batch as f64).collect();
    let mean = means.iter().sum::<f64>() / BATCHES as f64;
    let var = means.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (BATCHES - 1) as f64;
    let half = T_975_29 * (var / BATCHES as f64).sqrt();
    Ok(MmcResult {
        mean_wait: mean,
        ci95: [mean - half, mean + half],
        p_wait: waited as f64 / (batch * BATCHES) as f64,
        customers: n,
        events,
        rho,
        warm_up,
        erlang_c: Exact {
            mean_wait: exact_w,
            p_wait: exact_p,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deterministic_check_gives_exactly_the_stated_waits() {
        // Two servers; arrivals at 0..4 with services 3,3,3,1,1 → waits 0,0,1,1,1.
        let mut arrivals = [0.0, 1.0, 2.0, 3.0, 4.0].into_iter();
        let mut services = [3.0, 3.0, 3.0, 1.0, 1.0].into_iter();
        let mut waits = vec![f64::NAN; 5];
        let events = run_fcfs(
            2,
            || arrivals.next(),
            || services.next().unwrap_or(0.0),
            |s| waits[s.customer as usize] = s.start - s.arrived,
        );
        assert_eq!(waits, vec![0.0, 0.0, 1.0, 1.0, 1.0]);
        assert_eq!(waits.iter().sum::<f64>() / 5.0, 0.6);
        assert_eq!(events, 10);
    }

    #[test]
    fn erlang_c_falls_within_the_batch_means_interval() {
        for (lambda, mu, servers) in [
            (0.8, 1.0, 1),
            (1.0, 0.5, 3),
            (8.0, 2.0, 5),
            (2.25, 0.25, 10),
        ] {
            let r = simulate(&Params {
                lambda,
                mu,
                servers,
                customers: 400_000,
                seed: 42,
            })
            .expect("stable");
            let w = r.erlang_c.mean_wait;
            assert!(
                r.ci95[0] <= w && w <= r.ci95[1],
                "c={servers} λ={lambda} μ={mu}: {w} outside {:?}",
                r.ci95
            );
            assert!((r.p_wait - r.erlang_c.p_wait).abs() < 0.02, "{r:?}");
            assert_eq!(r.events, 2 * r.customers);
        }
    }

    #[test]
    fn bad_parameters_are_refused_with_a_reason() {
        let p = Params {
            lambda: 1.0,
            mu: 1.0,
            servers: 1,
            customers: 10_000,
            seed: 1,
        };
        assert_eq!(
            simulate(&p).err().map(|e| e.code()),
            Some("SIM_UNSTABLE"),
            "ρ = 1"
        );
        let e = simulate(&Params { lambda: 3.0, ..p }).expect_err("ρ = 3");
        assert!(e.to_string().contains("3.0000"), "{e}");
        assert_eq!(
            simulate(&Params { servers: 0, ..p }).err(),
            Some(MmcError::Servers)
        );
        assert_eq!(
            simulate(&Params { mu: f64::NAN, ..p }).err(),
            Some(MmcError::Rate)
        );
        assert_eq!(
            simulate(&Params { lambda: -1.0, ..p }).err(),
            Some(MmcError::Rate)
        );
        assert_eq!(
            simulate(&Params {
                customers: 10,
                lambda: 0.5,
                ..p
            })
            .err(),
            Some(MmcError::Customers)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(40))]

        /// Same seed, same result; and no server ever serves two customers at once, none
        /// is idle while someone waits, and service is first come first served.
        #[test]
        fn runs_repeat_and_no_server_is_in_two_places_at_once(
            seed in proptest::num::u64::ANY,
            servers in 1u32..8,
            load in 0.1f64..0.95,
        ) {
            let p = Params { lambda: load * f64::from(servers), mu: 1.0, servers, customers: 2_000, seed };
            let a = simulate(&p).expect("stable");
            let b = simulate(&p).expect("stable");
            proptest::prop_assert_eq!(a.mean_wait.to_bits(), b.mean_wait.to_bits());
            proptest::prop_assert_eq!(a.ci95, b.ci95);

            let mut arr = stream(seed, 1);
            let mut svc = stream(seed, 2);
            let mut t = 0.0;
            let mut k = 0;
            let mut starts: Vec<Start> = vec![];
            run_fcfs(servers, || { k += 1; (k <= 2_000).then(|| { t += super::super::des::exp(&mut arr, p.lambda); t }) },
                || super::super::des::exp(&mut svc, 1.0), |s| starts.push(s));
            let mut last_end = vec![0.0f64; servers as usize];
            let mut last_customer = None;
            for s in &starts {
                proptest::prop_assert!(s.start >= last_end[s.server as usize], "server {} double-booked", s.server);
                proptest::prop_assert!(s.start >= s.arrived);
                if s.start > s.arrived {
                    // A waiting customer starts the moment their server frees up.
                    proptest::prop_assert_eq!(s.start, last_end[s.server as usize], "idle while waiting");
                }
                last_end[s.server as usize] = s.start + s.service;
                if let Some(c) = last_customer { proptest::prop_assert!(s.customer > c, "FCFS"); }
                last_customer = Some(s.customer);
            }
            proptest::prop_assert_eq!(starts.len(), 2_000);
        }
    }
}
