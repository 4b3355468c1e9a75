//! What similar-case search needs that is not the index itself: the words a dispute's
//! account is searched by, and the retrieval-quality measure of the case base.

use crate::classify::tokenizer;

/// The distinct search words of a text with how often each occurs, most frequent first
/// (ties: first seen first), at most `max`. Words of one character are kept only when
/// nothing longer covers them (房, 车 still count; 楼 inside 楼上 does not twice).
pub fn query_words(text: &str, max: usize) -> Vec<(String, u32)> {
    let words = tokenizer().search_words(text);
    let mut out: Vec<(String, u32, usize)> = vec![];
    for (i, (a, b, w)) in words.iter().enumerate() {
        // Parties appear as 王某, 赵某某: a name tells nothing about the kind of dispute.
        if w.contains('某') {
            continue;
        }
        let single = w.chars().count() == 1;
        if single
            && words
                .iter()
                .any(|(a2, b2, w2)| w2.chars().count() > 1 && a2 <= a && b2 >= b)
        {
            continue;
        }
        match out.iter_mut().find(|(x, ..)| x == w) {
            Some(e) => e.1 += 1,
            None => out.push((w.to_string(), 1, i)),
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    out.truncate(max);
    out.into_iter().map(|(w, n, _)| (w, n)).collect()
}

/// Precision@k of the dispute type per query: for each query `i`, the share of its first
/// `k` results whose type is the query's own (`results[i]` holds indices into `types`, the
/// query itself already left out).
pub fn precision_per_query(types: &[&str], results: &[Vec<usize>], k: usize) -> Vec<f64> {
    if k == 0 {
        return vec![0.0; results.len()];
    }
    results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let hits = r.iter().take(k).filter(|&&j| types[j] == types[i]).count();
            hits as f64 / k as f64
        })
        .collect()
}

/// Mean precision@k of the dispute type over all queries (see [`precision_per_query`]).
pub fn precision_at_k(types: &[&str], results: &[Vec<usize>], k: usize) -> f64 {
    if types.is_empty() {
        return 0.0;
    }
    precision_per_query(types, results, k).iter().sum::<f64>() / types.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_count_and_skip_covered_single_characters() {
        let q = query_words("楼上漏水，漏水把我家天花板泡坏了，楼上不肯赔", 10);
        assert_eq!(q[0].1, 2, "{q:?}");
        let words: Vec<&str> = q.iter().map(|(w, _)| w.as_str()).collect();
        assert!(
            words.contains(&"漏水") && words.contains(&"天花板"),
            "{words:?}"
        );
        assert!(query_words("漏水", 0).is_empty());
        let q = query_words("王某与赵某某因宅基地发生争执", 10);
        assert!(q.iter().all(|(w, _)| !w.contains('某')), "{q:?}");
        assert!(q.iter().any(|(w, _)| w == "宅基地"), "{q:?}");
    }

    #[test]
    fn precision_counts_same_type_neighbours() {
        let types = ["a", "a", "b", "b"];
        let results = vec![vec![1, 2], vec![0, 3], vec![0, 1], vec![2, 0]];
        // a: 1/2, a: 1/2, b: 0, b: 1/2
        assert!((precision_at_k(&types, &results, 2) - 0.375).abs() < 1e-9);
        assert_eq!(precision_at_k(&[], &[], 5), 0.0);
    }
}
