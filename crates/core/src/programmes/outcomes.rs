//! 四点半课堂's outcome measures: each child measured before and after (a grade, 0–100; a
//! wellbeing screening, the SDQ's total difficulties score, 0–40, higher is worse). The
//! change is computed from the pairs, never typed: the mean change with its 95 % interval
//! (paired t), the change relative to the mean before, and for the screening the share of
//! children screening positive before and after with the interval of the difference
//! (paired, Wald). Wuhan's claims ("grades +15 %, psychological problems −40 %") are of
//! these two kinds.

use serde::{Deserialize, Serialize};

/// The SDQ total-difficulties score from which a parent-reported screening counts as
/// positive (the "abnormal" band, 17–40).
pub const SDQ_POSITIVE_FROM: f64 = 17.0;

/// Student's t at 0.975 for 1–30 degrees of freedom (two-sided 95 %).
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];
const Z975: f64 = 1.959_964;

/// The two-sided 95 % quantile of Student's t with `df` degrees of freedom: the table to
/// 30, then the Cornish–Fisher expansion (error below 1e-4 from 31 on).
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= 30 {
        return T975[df - 1];
    }
    let (z, n) = (Z975, df as f64);
    let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
    z + (z3 + z) / (4.0 * n)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
}

/// The change of a measure over children measured both times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanChange {
    /// Children with both measurements.
    pub n: usize,
    pub mean_before: f64,
    pub mean_after: f64,
    /// Mean of (after − before).
    pub change: f64,
    /// 95 % interval of the mean change (paired t; `None` under 2 pairs).
    pub interval: Option<(f64, f64)>,
    /// The change as a percentage of the mean before (`None` when that mean is 0).
    pub relative_pct: Option<f64>,
    /// The interval as a percentage of the mean before.
    pub relative_interval: Option<(f64, f64)>,
}

/// Mean change over `pairs` of (before, after).
pub fn mean_change(pairs: &[(f64, f64)]) -> Option<MeanChange> {
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean_before = pairs.iter().map(|p| p.0).sum::<f64>() / nf;
    let mean_after = pairs.iter().map(|p| p.1).sum::<f64>() / nf;
    let change = mean_after - mean_before;
    let interval = (n >= 2).then(|| {
        let var = pairs
            .iter()
            .map(|p| (p.1 - p.0 - change).powi(2))
            .sum::<f64>()
            / (nf - 1.0);
        let half = t975(n - 1) * (var / nf).sqrt();
        (change - half, change + half)
    });
    let rel = |x: f64| x / mean_before * 100.0;
    let relative = mean_before.abs() > f64::EPSILON;
    Some(MeanChange {
        n,
        mean_before,
        mean_after,
        change,
        interval,
        relative_pct: relative.then(|| rel(change)),
        relative_interval: interval.filter(|_| relative).map(|(a, b)| (rel(a), rel(b))),
    })
}

/// The change in the share of children screening positive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareChange {
    pub n: usize,
    pub positive_before: usize,
    pub positive_after: usize,
    /// Shares, 0–1.
    pub share_before: f64,
    pub share_after: f64,
    /// share_after − share_before, with its 95 % interval (paired Wald).
    pub change: f64,
    pub interval: (f64, f64),
    /// The change as a percentage of the share before (`None` when none was positive).
    pub relative_pct: Option<f64>,
}

/// Share positive before and after over `pairs` of (before, after) screenings.
pub fn share_change(pairs: &[(bool, bool)]) -> Option<ShareChange> {
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let before = pairs.iter().filter(|p| p.0).count();
    let after = pairs.iter().filter(|p| p.1).count();
    // Discordant pairs: recovered (b) and newly positive (c).
    let b = pairs.iter().filter(|p| p.0 && !p.1).count() as f64;
    let c = pairs.iter().filter(|p| !p.0 && p.1).count() as f64;
    let change = (c - b) / nf;
    let se = ((b + c) - (c - b).powi(2) / nf).max(0.0).sqrt() / nf;
    let (share_before, share_after) = (before as f64 / nf, after as f64 / nf);
    Some(ShareChange {
        n,
        positive_before: before,
        positive_after: after,
        share_before,
        share_after,
        change,
        interval: (change - Z975 * se, change + Z975 * se),
        relative_pct: (before > 0).then(|| change / share_before * 100.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn the_t_quantile_continues_the_table() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(30), 2.042);
        // Published values: t(40) = 2.0211, t(60) = 2.0003, t(120) = 1.9799.
        assert!(close(t975(40), 2.0211, 2e-4), "{}", t975(40));
        assert!(close(t975(60), 2.0003, 2e-4), "{}", t975(60));
        assert!(close(t975(120), 1.9799, 2e-4), "{}", t975(120));
        assert!(t975(31) < t975(30) && t975(31) > t975(40));
    }

    #[test]
    fn a_paired_change_with_its_interval() {
        // d = 6, 5, 12: mean 7.667, sd 3.786, se 2.186, t(2) = 4.303.
        let m = mean_change(&[(60.0, 66.0), (70.0, 75.0), (80.0, 92.0)]).unwrap();
        assert_eq!(m.n, 3);
        assert!(close(m.change, 7.6667, 1e-3));
        let (lo, hi) = m.interval.unwrap();
        assert!(
            close(lo, -1.739, 2e-3) && close(hi, 17.072, 2e-3),
            "{lo} {hi}"
        );
        assert!(close(m.relative_pct.unwrap(), 10.952, 1e-3));
        // One pair: a change, no interval.
        let one = mean_change(&[(50.0, 55.0)]).unwrap();
        assert_eq!((one.change, one.interval), (5.0, None));
        assert!(mean_change(&[]).is_none());
        // A mean of 0 before has no relative change.
        assert!(
            mean_change(&[(0.0, 3.0), (0.0, 1.0)])
                .unwrap()
                .relative_pct
                .is_none()
        );
    }

    #[test]
    fn the_share_screening_positive() {
        // 10 children: 5 positive before, 3 after (2 recovered, none newly positive).
        let mut pairs = vec![(true, true); 3];
        pairs.extend([(true, false); 2]);
        pairs.extend([(false, false); 5]);
        let s = share_change(&pairs).unwrap();
        assert_eq!((s.positive_before, s.positive_after), (5, 3));
        assert!(close(s.change, -0.2, 1e-9));
        assert!(close(s.relative_pct.unwrap(), -40.0, 1e-9));
        // se = sqrt(2 - 4/10) / 10 = 0.12649.
        assert!(close(s.interval.0, -0.2 - 1.959964 * 0.126_491, 1e-5));
        assert!(close(s.interval.1, -0.2 + 1.959964 * 0.126_491, 1e-5));
        // No discordant pair: no change and a zero-width interval.
        let same = share_change(&[(true, true), (false, false)]).unwrap();
        assert_eq!((same.change, same.interval), (0.0, (0.0, 0.0)));
    }
}
