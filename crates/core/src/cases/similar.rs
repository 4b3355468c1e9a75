//! Duplicate detection (重复诉求合并): a new report that matches an open case — same
//! category, nearby, recent, similar text — is merged into that case and its reporter added,
//! instead of filing the same problem twice.

use rustc_hash::FxHashSet;

use crate::org::distance_m;

fn bigrams(s: &str) -> FxHashSet<(char, char)> {
    let chars: Vec<char> = s
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let mut out = FxHashSet::default();
    if chars.len() == 1 {
        out.insert((chars[0], ' '));
    }
    for w in chars.windows(2) {
        out.insert((w[0], w[1]));
    }
    out
}

/// Text similarity in [0, 1]: the overlap coefficient of character bigrams (how much of the
/// shorter text the longer one contains), which suits short Chinese reports of one problem
/// told in different words ("3号楼门口水管爆了" / "3号楼水管爆裂, 门口全是水").
pub fn text_similarity(a: &str, b: &str) -> f64 {
    let (x, y) = (bigrams(a), bigrams(b));
    let smaller = x.len().min(y.len());
    if smaller == 0 {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / smaller as f64
}

/// When two reports are the same matter.
#[derive(Debug, Clone, Copy)]
pub struct MergeRule {
    pub radius_m: f64,
    pub window_ms: i64,
    pub min_similarity: f64,
}

impl Default for MergeRule {
    /// 150 m, 72 hours, a third of the shorter text's bigrams shared.
    fn default() -> Self {
        MergeRule {
            radius_m: 150.0,
            window_ms: 72 * 3_600_000,
            min_similarity: 0.34,
        }
    }
}

/// An open case that a new report might duplicate.
#[derive(Debug, Clone)]
pub struct OpenCase<'a> {
    pub id: i64,
    pub category: &'a str,
    pub lng: f64,
    pub lat: f64,
    pub at_ms: i64,
    pub text: &'a str,
}

/// A new report.
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    pub category: &'a str,
    pub lng: f64,
    pub lat: f64,
    pub at_ms: i64,
    pub text: &'a str,
}

/// The best open case the report duplicates (highest similarity, then nearest), if any.
pub fn best_match(r: &NewReport, candidates: &[OpenCase], rule: &MergeRule) -> Option<i64> {
    candidates
        .iter()
        .filter(|c| c.category == r.category)
        .filter(|c| r.at_ms - c.at_ms <= rule.window_ms)
        .filter_map(|c| {
            let d = distance_m([r.lng, r.lat], [c.lng, c.lat]);
            if d > rule.radius_m {
                return None;
            }
            let s = text_similarity(r.text, c.text);
            (s >= rule.min_similarity).then_some((c.id, s, d))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.total_cmp(&a.2)))
        .map(|(id, _, _)| id)
}

/// Degrees of latitude and longitude spanning `m` metres at latitude `lat` (for a
/// bounding-box prefilter in SQL).
pub fn degrees_for(m: f64, lat: f64) -> (f64, f64) {
    let dlat = m / 111_320.0;
    let dlng = m / (111_320.0 * lat.to_radians().cos().max(0.01));
    (dlng, dlat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        // One thousandth of a degree of latitude is about 111 m.
        let d = distance_m([121.0, 31.0], [121.0, 31.001]);
        assert!((d - 111.2).abs() < 0.5, "{d}");
        assert_eq!(distance_m([121.0, 31.0], [121.0, 31.0]), 0.0);
    }

    #[test]
    fn similar_texts() {
        let a = "3号楼门口水管爆了";
        let b = "3号楼水管爆裂，门口全是水";
        assert!(text_similarity(a, b) >= 0.34, "{}", text_similarity(a, b));
        assert!(text_similarity(a, "小区垃圾桶满了没人清运") < 0.2);
        assert_eq!(text_similarity("", "x"), 0.0);
        assert_eq!(text_similarity("同一句话", "同一句话"), 1.0);
    }

    #[test]
    fn matching_rules() {
        let rule = MergeRule::default();
        let h = 3_600_000;
        let open = [
            OpenCase {
                id: 1,
                category: "FAC.WATER",
                lng: 121.0,
                lat: 31.0,
                at_ms: 0,
                text: "3号楼门口水管爆了",
            },
            OpenCase {
                id: 2,
                category: "ENV.GARBAGE",
                lng: 121.0,
                lat: 31.0,
                at_ms: 0,
                text: "3号楼门口水管爆了",
            },
        ];
        let mut r = NewReport {
            category: "FAC.WATER",
            lng: 121.0005,
            lat: 31.0,
            at_ms: h,
            text: "3号楼水管爆裂，门口全是水",
        };
        assert_eq!(best_match(&r, &open, &rule), Some(1));
        r.at_ms = 80 * h; // too late
        assert_eq!(best_match(&r, &open, &rule), None);
        r.at_ms = h;
        r.lng = 121.01; // ~950 m away
        assert_eq!(best_match(&r, &open, &rule), None);
        r.lng = 121.0;
        r.text = "路灯不亮了";
        assert_eq!(best_match(&r, &open, &rule), None);
    }
}
