//! Erlang C: the exact waiting-time figures of an M/M/c queue, against which the simulator
//! is validated.

/// P(wait > 0) and the mean wait in queue of M/M/c with arrival rate `lambda`, service
/// rate `mu` per server, `c` servers; `None` when the queue is unstable (ρ ≥ 1) or a
/// parameter is out of range.
pub fn erlang_c(lambda: f64, mu: f64, c: u32) -> Option<(f64, f64)> {
    if !(lambda > 0.0 && mu > 0.0 && c > 0) {
        return None;
    }
    let a = lambda / mu;
    let rho = a / f64::from(c);
    if rho >= 1.0 {
        return None;
    }
    // Erlang B by its stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let p_wait = b / (1.0 - rho * (1.0 - b));
    Some((p_wait, p_wait / (f64::from(c) * mu - lambda)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_values() {
        // ../shared/domain/erlang-c.md, computed exactly.
        let cases = [
            (0.8, 1.0, 1, 0.8, 4.0),
            (1.0, 0.5, 3, 4.0 / 9.0, 8.0 / 9.0),
            (8.0, 2.0, 5, 128.0 / 231.0, 64.0 / 231.0),
            (2.25, 0.25, 10, 0.6687315241, 2.6749260964),
        ];
        for (l, m, c, p, w) in cases {
            let (gp, gw) = erlang_c(l, m, c).expect("stable");
            assert!((gp - p).abs() < 1e-9, "{l} {m} {c}: {gp} vs {p}");
            assert!((gw - w).abs() < 1e-9, "{l} {m} {c}: {gw} vs {w}");
        }
        assert_eq!(erlang_c(1.0, 1.0, 1), None, "ρ = 1");
        assert_eq!(erlang_c(1.0, 1.0, 0), None);
        assert_eq!(erlang_c(-1.0, 1.0, 2), None);
    }
}
