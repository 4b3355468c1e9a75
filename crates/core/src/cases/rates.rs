//! The 三率 of 接诉即办: 响应率 (share of orders signed for in time), 解决率 (share of
//! call-backs where the reporter says it is solved) and 满意率 (share of rated call-backs
//! rated satisfied), plus a weighted composite whose weights each city sets.

/// Raw counts for one unit, community or grid over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// Orders whose signing deadline has passed or that were signed.
    pub due_to_sign: i64,
    /// Of those, signed by the deadline.
    pub signed_in_time: i64,
    /// Call-backs made.
    pub callbacks: i64,
    /// Call-backs where the reporter said it is solved.
    pub solved: i64,
    /// Call-backs with a rating.
    pub rated: i64,
    /// Ratings of 4 or 5 (满意 and 比较满意).
    pub satisfied: i64,
}

/// A rating counts as satisfied from this value up (1–5 scale).
pub const SATISFIED_FROM: i64 = 4;

/// Weights of the composite score, per mille (Beijing's 2021 scheme: 20/40/40).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWeights {
    pub response: i64,
    pub resolution: i64,
    pub satisfaction: i64,
}

impl Default for RateWeights {
    fn default() -> Self {
        RateWeights {
            response: 200,
            resolution: 400,
            satisfaction: 400,
        }
    }
}

/// The three rates and the composite, each in [0, 1]; `None` when nothing was counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Rates {
    pub response: Option<f64>,
    pub resolution: Option<f64>,
    pub satisfaction: Option<f64>,
    pub composite: Option<f64>,
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.due_to_sign += o.due_to_sign;
        self.signed_in_time += o.signed_in_time;
        self.callbacks += o.callbacks;
        self.solved += o.solved;
        self.rated += o.rated;
        self.satisfied += o.satisfied;
    }

    pub fn rates(&self, w: &RateWeights) -> Rates {
        let response = share(self.signed_in_time, self.due_to_sign);
        let resolution = share(self.solved, self.callbacks);
        let satisfaction = share(self.satisfied, self.rated);
        // The composite re-weights over the rates that exist.
        let parts = [
            (response, w.response),
            (resolution, w.resolution),
            (satisfaction, w.satisfaction),
        ];
        let wsum: i64 = parts.iter().filter(|p| p.0.is_some()).map(|p| p.1).sum();
        let composite = (wsum > 0).then(|| {
            parts
                .iter()
                .filter_map(|(r, wt)| r.map(|r| r * *wt as f64))
                .sum::<f64>()
                / wsum as f64
        });
        Rates {
            response,
            resolution,
            satisfaction,
            composite,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_composite() {
        let t = Tally {
            due_to_sign: 10,
            signed_in_time: 9,
            callbacks: 4,
            solved: 3,
            rated: 4,
            satisfied: 2,
        };
        let r = t.rates(&RateWeights::default());
        assert_eq!(r.response, Some(0.9));
        assert_eq!(r.resolution, Some(0.75));
        assert_eq!(r.satisfaction, Some(0.5));
        let c = r.composite.unwrap();
        assert!((c - (0.9 * 0.2 + 0.75 * 0.4 + 0.5 * 0.4)).abs() < 1e-12);
        let empty = Tally::default().rates(&RateWeights::default());
        assert_eq!(empty.composite, None);
        let only_response = Tally {
            due_to_sign: 2,
            signed_in_time: 1,
            ..Tally::default()
        };
        assert_eq!(
            only_response.rates(&RateWeights::default()).composite,
            Some(0.5)
        );
    }
}
