//! The discrete-event engine: a future-event list ordered by time (ties in the order they
//! were scheduled, so a run is deterministic), and seeded random streams, one per purpose,
//! so that changing how one stream is used does not shift the others (common random
//! numbers when two plans are compared).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Simulated time (the unit is the model's: minutes, hours …).
pub type Time = f64;

#[derive(Clone, Copy)]
struct Scheduled<E> {
    /// The time's bits above the scheduling sequence number: one integer comparison orders
    /// by time, then by scheduling order (non-negative times order like their bits).
    key: u128,
    event: E,
}

/// Children per heap node: a shallower heap, and the four children of a node share a cache
/// line or two.
const ARITY: usize = 4;

/// The future-event list and the clock. Events are small `Copy` values, so sifting moves
/// each displaced entry once into the hole instead of swapping.
pub struct Engine<E: Copy> {
    heap: Vec<Scheduled<E>>,
    seq: u64,
    now: Time,
    processed: u64,
}

impl<E: Copy> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Engine<E> {
    pub fn new() -> Self {
        Engine {
            heap: Vec::new(),
            seq: 0,
            now: 0.0,
            processed: 0,
        }
    }

    /// An engine expecting about `n` pending events at a time.
    pub fn with_capacity(n: usize) -> Self {
        Engine {
            heap: Vec::with_capacity(n),
            ..Self::new()
        }
    }

    /// Schedules `event` at absolute time `at` (clamped to now: the past cannot change).
    #[inline]
    pub fn at(&mut self, at: Time, event: E) {
        // Never before now (also catches NaN); now is never negative.
        let at = if at >= self.now { at } else { self.now };
        let item = Scheduled {
            key: (u128::from(at.to_bits()) << 64) | u128::from(self.seq),
            event,
        };
        self.seq += 1;
        // Sift up: parents later than the item move down into the hole.
        let mut i = self.heap.len();
        self.heap.push(item);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let p = self.heap[parent];
            if item.key < p.key {
                self.heap[i] = p;
                i = parent;
            } else {
                break;
            }
        }
        self.heap[i] = item;
    }

    #[inline]
    pub fn after(&mut self, delay: Time, event: E) {
        self.at(self.now + delay.max(0.0), event);
    }

    /// The next event, advancing the clock to it.
    /// The next event, advancing the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let last = self.heap.pop()?;
        let n = self.heap.len();
        let top = if n == 0 {
            last
        } else {
            let top = self.heap[0];
            // Sift the last entry down from the root: earlier children move up into the hole.
            let mut i = 0;
            loop {
                let first = i * ARITY + 1;
                if first >= n {
                    break;
                }
                let mut best = first;
                let mut best_key = self.heap[first].key;
                for c in first + 1..(first + ARITY).min(n) {
                    let k = self.heap[c].key;
                    if k < best_key {
                        best = c;
                        best_key = k;
                    }
                }
                if best_key < last.key {
                    self.heap[i] = self.heap[best];
                    i = best;
                } else {
                    break;
                }
            }
            self.heap[i] = last;
            top
        };
        self.now = f64::from_bits((top.key >> 64) as u64);
        self.processed += 1;
        Some((self.now, top.event))
    }

    pub fn now(&self) -> Time {
        self.now
    }

    /// Events taken from the list so far.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    pub fn pending(&self) -> usize {
        self.heap.len()
    }
}

/// Independent random streams from one seed: stream `k` is ChaCha8 with that seed on
/// stream number `k`.
pub fn stream(seed: u64, k: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(k);
    r
}

/// Exponential variates of a given rate, by the ziggurat method (`rand_distr`), several
/// times faster than inverting the distribution with a logarithm.
#[derive(Debug, Clone, Copy)]
pub struct Exp {
    mean: f64,
}

impl Exp {
    pub fn rate(rate: f64) -> Exp {
        Exp { mean: 1.0 / rate }
    }
    #[inline]
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        rng.sample::<f64, _>(rand_distr::Exp1) * self.mean
    }
}

/// One exponential variate of the given rate (mean 1/rate).
pub fn exp(rng: &mut impl Rng, rate: f64) -> f64 {
    Exp::rate(rate).sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_in_time_order_and_ties_in_scheduling_order() {
        let mut e = Engine::new();
        e.at(3.0, "c");
        e.at(1.0, "a");
        e.at(3.0, "d");
        e.at(2.0, "b");
        let got: Vec<_> = std::iter::from_fn(|| e.pop()).collect();
        assert_eq!(got, vec![(1.0, "a"), (2.0, "b"), (3.0, "c"), (3.0, "d")]);
        assert_eq!(e.processed(), 4);
        // Scheduling in the past (or at NaN) lands at now.
        e.at(1.0, "late");
        e.at(f64::NAN, "nan");
        assert_eq!(e.pop(), Some((3.0, "late")));
        assert_eq!(e.pop(), Some((3.0, "nan")));
        // Times order as numbers across magnitudes.
        for t in [1e-300, 0.5, 7.0, 1e12] {
            e.at(t, "x");
        }
        let ts: Vec<f64> = std::iter::from_fn(|| e.pop()).map(|(t, _)| t).collect();
        assert_eq!(
            ts,
            vec![3.0, 3.0, 7.0, 1e12],
            "past times land at now (3.0)"
        );
    }

    proptest::proptest! {
        /// The heap gives every event back in (time, scheduling) order, however events
        /// are interleaved with taking them.
        #[test]
        fn the_heap_orders_like_a_sort(ops in proptest::collection::vec((0u8..4, 0u32..50), 1..300)) {
            let mut e = Engine::new();
            let mut model: Vec<(f64, u64)> = vec![];
            let mut seq = 0u64;
            for (op, t) in ops {
                if op == 0 {
                    let got = e.pop();
                    model.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    let want = if model.is_empty() { None } else { Some(model.remove(0)) };
                    proptest::prop_assert_eq!(got, want);
                } else {
                    let at = e.now() + f64::from(t) / 4.0;
                    e.at(at, seq);
                    model.push((at, seq));
                    seq += 1;
                }
            }
        }
    }

    #[test]
    fn streams_are_independent_and_repeatable() {
        let a: Vec<u64> = (0..4).map(|_| stream(7, 1).r#gen()).collect();
        let b: Vec<u64> = (0..4).map(|_| stream(7, 1).r#gen()).collect();
        assert_eq!(a, b);
        assert_ne!(stream(7, 1).r#gen::<u64>(), stream(7, 2).r#gen::<u64>());
        let mut r = stream(1, 0);
        let n = 200_000;
        let mean = (0..n).map(|_| exp(&mut r, 4.0)).sum::<f64>() / n as f64;
        assert!((mean - 0.25).abs() < 0.005, "{mean}");
    }
}
