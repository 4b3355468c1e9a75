//! TF-IDF: sublinear term frequency (1 + ln tf), smoothed idf (ln((1+n)/(1+df)) + 1), L2
//! normalisation — the weighting that works best for short texts with linear models.

use std::collections::HashMap;

pub use rustc_hash::FxHashMap;

/// A sparse vector: (feature index, value), sorted by index.
pub type Sparse = Vec<(u32, f32)>;

/// Counts terms, keeps the known ones (`lookup`), weights and normalises.
pub fn tfidf(terms: &[String], lookup: impl Fn(&str) -> Option<u32>, idf: &[f32]) -> Sparse {
    let mut counts: HashMap<u32, u32> = HashMap::with_capacity(terms.len());
    for t in terms {
        if let Some(i) = lookup(t) {
            *counts.entry(i).or_insert(0) += 1;
        }
    }
    let mut v: Sparse = counts
        .into_iter()
        .map(|(i, n)| {
            (
                i,
                (1.0 + (n as f32).ln()) * idf.get(i as usize).copied().unwrap_or(1.0),
            )
        })
        .collect();
    v.sort_unstable_by_key(|(i, _)| *i);
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v
}

/// Builds a sorted vocabulary and its idf from tokenised documents.
pub fn fit(docs: &[Vec<String>]) -> (Vec<String>, Vec<f32>) {
    let mut df: HashMap<&str, u32> = HashMap::new();
    for d in docs {
        let mut seen: Vec<&str> = d.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for t in seen {
            *df.entry(t).or_insert(0) += 1;
        }
    }
    let mut vocab: Vec<(&str, u32)> = df.into_iter().collect();
    vocab.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let n = docs.len() as f32;
    let idf = vocab
        .iter()
        .map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0)
        .collect();
    (vocab.into_iter().map(|(t, _)| t.to_string()).collect(), idf)
}

/// The idf a term gets when it first appears after training (seen in one document).
pub fn idf_of_new_term(docs: u32) -> f32 {
    ((1.0 + docs as f32) / 2.0).ln() + 1.0
}

/// TF-IDF of a bag of known feature ids (any order, repeats counted).
pub fn tfidf_ids(mut ids: Vec<u32>, idf: &[f32]) -> Sparse {
    ids.sort_unstable();
    let mut v: Sparse = Vec::with_capacity(ids.len());
    let mut i = 0;
    while i < ids.len() {
        let id = ids[i];
        let mut n = 0u32;
        while i < ids.len() && ids[i] == id {
            n += 1;
            i += 1;
        }
        v.push((
            id,
            (1.0 + (n as f32).ln()) * idf.get(id as usize).copied().unwrap_or(1.0),
        ));
    }
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v
}
