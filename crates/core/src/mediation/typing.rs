//! What kind of dispute an account describes, so that the similar cases shown are the same
//! kind. Three signals, each strongest where the others are weak, are added per type:
//!
//! - a classifier trained like the routing model (jieba words and character n-grams,
//!   TF-IDF, multinomial logistic regression) on the labelled accounts — the published cases
//!   and the disputes filed here with their (staff-corrected) types;
//! - a *type document* per type, all its accounts joined, scored against the account's
//!   query words with BM25 — which words a kind of dispute is told in;
//! - the cue words of each type ([`super::types::cue_counts`]), how residents name it.
//!
//! `z(t) = ln P(t | account) + CUE · cues(t) + DOC · bm25(t) / max bm25`. The weights were
//! chosen on the published cases, leave-one-out, both on their accounts and on the parties'
//! own first words in their dialogues (how residents put things) — never on the held-out
//! disputes (`data/mediation-holdout`), which only measure the result.

use std::collections::HashMap;

use super::search::query_words;
use super::types::{TYPES, cue_counts};
use crate::classify::{self, Example, FeatureSet, SgdParams, TrainConfig};

/// Weight of each distinct cue word.
pub const CUE: f64 = 2.0;
/// Weight of the type document's BM25 score (scaled so the best type scores 1).
pub const DOC: f64 = 5.0;
/// Query words considered, and of those the most telling used.
const QUERY_WORDS: usize = 64;
const QUERY_TERMS: usize = 32;
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// A labelled account: the type's code and what happened.
#[derive(Debug, Clone)]
pub struct Labelled<'a> {
    pub dtype: &'a str,
    pub text: &'a str,
}

/// The type model, trained on labelled accounts.
#[derive(Debug, Clone)]
pub struct TypeModel {
    classifier: Option<classify::Model>,
    /// Per type (in [`TYPES`] order): term frequencies of its document, and its length.
    docs: Vec<(HashMap<String, f64>, f64)>,
    /// In how many type documents each word occurs.
    doc_freq: HashMap<String, f64>,
    /// In how many accounts each word occurs, and how many accounts there are (for choosing
    /// the query's telling words).
    case_freq: HashMap<String, f64>,
    cases: f64,
}

/// The classifier's settings: words and character 1–3-grams, weakly regularised (few
/// examples per type), no calibration (the ranking needs the order, not probabilities
/// that mean frequencies).
fn config() -> TrainConfig {
    TrainConfig {
        calibrate: false,
        sgd: SgdParams {
            epochs: 60,
            learning_rate: 0.5,
            l2: 1e-5,
        },
        features: FeatureSet {
            word_pairs: false,
            char_min: 1,
            char_max: 3,
        },
        ..TrainConfig::default()
    }
}

impl TypeModel {
    /// Trains on labelled accounts (types outside [`TYPES`] are ignored).
    pub fn train(examples: &[Labelled<'_>]) -> TypeModel {
        let known: Vec<&Labelled<'_>> = examples
            .iter()
            .filter(|e| TYPES.iter().any(|t| t.code == e.dtype))
            .collect();
        let classifier = classify::train(
            &known
                .iter()
                .map(|e| Example {
                    label: e.dtype.to_string(),
                    text: e.text.to_string(),
                })
                .collect::<Vec<_>>(),
            &config(),
        )
        .ok();
        let mut docs: Vec<(HashMap<String, f64>, f64)> = vec![(HashMap::new(), 0.0); TYPES.len()];
        let mut case_freq: HashMap<String, f64> = HashMap::new();
        for e in &known {
            let Some(t) = TYPES.iter().position(|t| t.code == e.dtype) else {
                continue;
            };
            let words = query_words(e.text, usize::MAX);
            for (w, n) in &words {
                *docs[t].0.entry(w.clone()).or_default() += f64::from(*n);
                docs[t].1 += f64::from(*n);
                *case_freq.entry(w.clone()).or_default() += 1.0;
            }
        }
        let mut doc_freq: HashMap<String, f64> = HashMap::new();
        for (tf, _) in &docs {
            for w in tf.keys() {
                *doc_freq.entry(w.clone()).or_default() += 1.0;
            }
        }
        TypeModel {
            classifier,
            docs,
            doc_freq,
            case_freq,
            cases: known.len() as f64,
        }
    }

    /// The account's most telling words with their weights (as the case index queries).
    fn query(&self, text: &str) -> Vec<(String, f64)> {
        let idf = |df: f64| (1.0 + (self.cases - df + 0.5) / (df + 0.5)).ln();
        let mut terms: Vec<(String, f64, f64)> = query_words(text, QUERY_WORDS)
            .into_iter()
            .filter_map(|(w, n)| {
                let df = *self.case_freq.get(&w)?;
                let boost = 1.0 + f64::from(n).ln();
                Some((w, boost, boost * idf(df)))
            })
            .collect();
        terms.sort_by(|a, b| b.2.total_cmp(&a.2));
        terms.truncate(QUERY_TERMS);
        terms.into_iter().map(|(w, boost, _)| (w, boost)).collect()
    }

    /// BM25 of the query against each type's document, scaled so the best is 1.
    fn doc_scores(&self, query: &[(String, f64)]) -> Vec<f64> {
        let n = self.docs.len() as f64;
        let avg = self.docs.iter().map(|d| d.1).sum::<f64>() / n.max(1.0);
        let scores: Vec<f64> = self
            .docs
            .iter()
            .map(|(tf, len)| {
                query
                    .iter()
                    .map(|(w, boost)| {
                        let f = tf.get(w).copied().unwrap_or(0.0);
                        if f == 0.0 {
                            return 0.0;
                        }
                        let df = self.doc_freq.get(w).copied().unwrap_or(0.0);
                        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                        let norm = K1 * (1.0 - B + B * len / avg.max(1.0));
                        boost * idf * f * (K1 + 1.0) / (f + norm)
                    })
                    .sum()
            })
            .collect();
        let max = scores.iter().copied().fold(0.0f64, f64::max);
        if max > 0.0 {
            scores.into_iter().map(|s| s / max).collect()
        } else {
            scores
        }
    }

    /// Every type with its score `z`, best first.
    pub fn rank(&self, text: &str) -> Vec<(&'static str, f64)> {
        let query = self.query(text);
        let doc = self.doc_scores(&query);
        let cues = cue_counts(text);
        let probs: HashMap<&str, f64> = match &self.classifier {
            Some(m) => m
                .labels()
                .iter()
                .map(String::as_str)
                .zip(m.probabilities(text).into_iter().map(f64::from))
                .collect(),
            None => HashMap::new(),
        };
        // A type the classifier never saw (none of its cases indexed) is unlikely, not
        // impossible.
        let floor = 1e-6;
        let mut out: Vec<(&'static str, f64)> = TYPES
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let p = probs.get(t.code).copied().unwrap_or(floor).max(floor);
                (t.code, p.ln() + CUE * cues[i] as f64 + DOC * doc[i])
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }

    /// The most likely type.
    pub fn best(&self, text: &str) -> &'static str {
        self.rank(text).first().map_or(TYPES[0].code, |t| t.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> Vec<Labelled<'static>> {
        vec![
            Labelled {
                dtype: "neighbour",
                text: "楼上卫生间漏水渗到楼下天花板，邻居不肯维修",
            },
            Labelled {
                dtype: "neighbour",
                text: "邻居装修噪音太大，晚上还在施工，楼下老人睡不着",
            },
            Labelled {
                dtype: "debt",
                text: "朋友借款三万元写了借条，到期不还款，多次催要无果",
            },
            Labelled {
                dtype: "debt",
                text: "对方欠我货款两万元，一直拖欠不给",
            },
            Labelled {
                dtype: "traffic",
                text: "电动车在路口被汽车撞倒，交警认定对方全责，赔偿谈不拢",
            },
            Labelled {
                dtype: "traffic",
                text: "车祸追尾，双方对修车费用有争议",
            },
        ]
    }

    #[test]
    fn accounts_are_ranked_to_their_kind() {
        let m = TypeModel::train(&examples());
        assert_eq!(m.best("楼上漏水把我家天花板泡坏了"), "neighbour");
        assert_eq!(m.best("他向我借了钱打了借条，现在不还"), "debt");
        assert_eq!(m.best("骑电动车被撞伤了，对方不赔"), "traffic");
        let r = m.rank("骑电动车被撞伤了，对方不赔");
        assert_eq!(r.len(), TYPES.len());
        assert!(r.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    #[test]
    fn without_training_the_cues_still_decide() {
        let m = TypeModel::train(&[]);
        assert_eq!(m.best("离婚后孩子抚养费一直不给"), "family");
    }
}
