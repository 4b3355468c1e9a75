//! The trained model: vocabulary, idf, linear weights, labels, calibration temperature; how
//! it predicts, explains, learns from a correction, and is saved and loaded.

use std::collections::HashMap;

use super::corpus::Example;
use super::features::{FeatureSet, display, tokenizer};
use super::linear::{self, Linear, SgdParams, softmax};
use super::vectorize::{self, FxHashMap, Sparse};
use crate::Coded;

const MAGIC: &[u8; 4] = b"GZCM";
/// Version of the model file format; bump on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// Which linear model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Multinomial logistic regression by SGD (AdaGrad): the default.
    Logistic,
    /// Multinomial naive Bayes: the baseline.
    NaiveBayes,
}

impl Algorithm {
    pub fn parse(s: &str) -> Option<Algorithm> {
        match s {
            "logistic" | "lr" => Some(Algorithm::Logistic),
            "naive_bayes" | "nb" => Some(Algorithm::NaiveBayes),
            _ => None,
        }
    }
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    pub algorithm: Algorithm,
    pub seed: u64,
    pub sgd: SgdParams,
    pub nb_alpha: f32,
    /// Fit a softmax temperature on out-of-fold predictions (2 extra trainings on half the data).
    pub calibrate: bool,
    /// Display names for labels (e.g. taxonomy codes → 供水排水).
    pub names: HashMap<String, String>,
    pub features: FeatureSet,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            algorithm: Algorithm::Logistic,
            seed: 42,
            sgd: SgdParams::default(),
            nb_alpha: 0.05,
            calibrate: true,
            names: HashMap::new(),
            features: FeatureSet::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("not a gongzhi model file")]
    NotAModel,
    #[error("model file format {0} is not supported (this build reads {FORMAT_VERSION})")]
    Version(u32),
    #[error("model file is damaged: {0}")]
    Damaged(String),
    #[error("training needs at least two labels")]
    TooFewLabels,
    #[error("this model type cannot learn incrementally; retrain it")]
    LearnUnsupported,
}

impl Coded for ModelError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAModel => "MODEL_NOT_A_MODEL",
            Self::Version(_) => "MODEL_VERSION",
            Self::Damaged(_) => "MODEL_DAMAGED",
            Self::TooFewLabels => "MODEL_TOO_FEW_LABELS",
            Self::LearnUnsupported => "MODEL_LEARN_UNSUPPORTED",
        }
    }
}

/// A label with its probability.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scored {
    pub code: String,
    pub confidence: f32,
}

/// A classification with its explanation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Prediction {
    pub code: String,
    pub name: String,
    pub confidence: f32,
    /// The three most likely labels.
    pub top: Vec<Scored>,
    /// The terms that pushed the decision most (explanation).
    pub because: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Body {
    algorithm: Algorithm,
    labels: Vec<String>,
    names: Vec<String>,
    vocab: Vec<String>,
    idf: Vec<f32>,
    linear: Linear,
    temperature: f32,
    docs: u32,
    seed: u64,
    corrections: u32,
    features: FeatureSet,
}

/// A trained routing model.
#[derive(Debug, Clone)]
pub struct Model {
    body: Body,
    /// Term key (64-bit hash of the term) → feature id: no string compare on the hot path.
    index: FxHashMap<u64, u32>,
    /// Mean weight of each feature over the classes (explanations are relative to it).
    row_mean: Vec<f32>,
}

fn row_means(l: &Linear) -> Vec<f32> {
    let c = l.classes.max(1);
    l.w.chunks(c)
        .map(|r| r.iter().sum::<f32>() / c as f32)
        .collect()
}

/// The lookup key of a term.
fn key(term: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(term.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

fn key_index(vocab: &[String]) -> FxHashMap<u64, u32> {
    vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (key(t), i as u32))
        .collect()
}

fn vectors(docs: &[Vec<String>], index: &FxHashMap<String, u32>, idf: &[f32]) -> Vec<Sparse> {
    docs.iter()
        .map(|d| vectorize::tfidf(d, |t| index.get(t).copied(), idf))
        .collect()
}

fn fit_linear(
    xs: &[Sparse],
    ys: &[usize],
    features: usize,
    classes: usize,
    cfg: &TrainConfig,
) -> Linear {
    match cfg.algorithm {
        Algorithm::Logistic => linear::train_logistic(xs, ys, features, classes, cfg.sgd, cfg.seed),
        Algorithm::NaiveBayes => linear::train_naive_bayes(xs, ys, features, classes, cfg.nb_alpha),
    }
}

/// Trains a model on labelled examples (deterministic for `cfg.seed`).
pub fn train(examples: &[Example], cfg: &TrainConfig) -> Result<Model, ModelError> {
    let mut labels: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Err(ModelError::TooFewLabels);
    }
    let label_ix: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let tok = tokenizer();
    let docs: Vec<Vec<String>> = examples
        .iter()
        .map(|e| tok.terms_with(&e.text, cfg.features))
        .collect();
    let ys: Vec<usize> = examples
        .iter()
        .map(|e| label_ix[e.label.as_str()])
        .collect();
    let (vocab, idf) = vectorize::fit(&docs);
    let index: FxHashMap<String, u32> = vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), i as u32))
        .collect();
    let xs = vectors(&docs, &index, &idf);
    // The calibration models are independent of the final one: train them on a second core.
    let (linear, temperature) = std::thread::scope(|scope| {
        let calibration = cfg
            .calibrate
            .then(|| scope.spawn(|| fit_temperature(&docs, &ys, labels.len(), cfg)));
        let linear = fit_linear(&xs, &ys, vocab.len(), labels.len(), cfg);
        let temperature = match calibration {
            Some(h) => h.join().unwrap_or(1.0),
            None => 1.0,
        };
        (linear, temperature)
    });
    let names = labels
        .iter()
        .map(|l| cfg.names.get(l).cloned().unwrap_or_else(|| l.clone()))
        .collect();
    let body = Body {
        algorithm: cfg.algorithm,
        labels,
        names,
        vocab,
        idf,
        linear,
        temperature,
        docs: examples.len() as u32,
        seed: cfg.seed,
        corrections: 0,
        features: cfg.features,
    };
    let index = key_index(&body.vocab);
    let row_mean = row_means(&body.linear);
    Ok(Model {
        body,
        index,
        row_mean,
    })
}

/// Folds for fitting the temperature (each costs one extra training).
const CALIBRATION_FOLDS: usize = 2;

/// Out-of-fold logits (2 stratified folds, each with its own vocabulary), then the
/// temperature that minimises their negative log-likelihood (golden-section search).
fn fit_temperature(docs: &[Vec<String>], ys: &[usize], classes: usize, cfg: &TrainConfig) -> f32 {
    let folds = super::eval::stratified_folds(ys, CALIBRATION_FOLDS, cfg.seed);
    let mut oof: Vec<(Vec<f32>, usize)> = Vec::with_capacity(docs.len());
    for fold in 0..CALIBRATION_FOLDS {
        let train_ix: Vec<usize> = (0..docs.len()).filter(|i| folds[*i] != fold).collect();
        let test_ix: Vec<usize> = (0..docs.len()).filter(|i| folds[*i] == fold).collect();
        if train_ix.is_empty() || test_ix.is_empty() {
            continue;
        }
        let tdocs: Vec<Vec<String>> = train_ix.iter().map(|&i| docs[i].clone()).collect();
        let (vocab, idf) = vectorize::fit(&tdocs);
        let index: FxHashMap<String, u32> = vocab
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        let xs = vectors(&tdocs, &index, &idf);
        let tys: Vec<usize> = train_ix.iter().map(|&i| ys[i]).collect();
        let m = fit_linear(&xs, &tys, vocab.len(), classes, cfg);
        for &i in &test_ix {
            let x = vectorize::tfidf(&docs[i], |t| index.get(t).copied(), &idf);
            oof.push((m.logits(&x), ys[i]));
        }
    }
    let nll = |t: f32| -> f64 {
        oof.iter()
            .map(|(l, y)| -f64::from(softmax(l, t)[*y].max(1e-12)).ln())
            .sum::<f64>()
    };
    let (mut a, mut b) = (0.05f32, 20.0f32);
    let g = 0.618_034f32;
    for _ in 0..60 {
        let c = b - g * (b - a);
        let d = a + g * (b - a);
        if nll(c) < nll(d) { b = d } else { a = c }
    }
    (a + b) / 2.0
}

impl Model {
    pub fn labels(&self) -> &[String] {
        &self.body.labels
    }

    pub fn algorithm(&self) -> Algorithm {
        self.body.algorithm
    }

    pub fn vocabulary_size(&self) -> usize {
        self.body.vocab.len()
    }

    pub fn temperature(&self) -> f32 {
        self.body.temperature
    }

    /// Corrections learnt since training.
    pub fn corrections(&self) -> u32 {
        self.body.corrections
    }

    fn vector(&self, text: &str) -> Sparse {
        let mut ids = Vec::with_capacity(text.len());
        tokenizer().for_each_term(text, self.body.features, |t| {
            if let Some(&i) = self.index.get(&key(t)) {
                ids.push(i);
            }
        });
        vectorize::tfidf_ids(ids, &self.body.idf)
    }

    /// Probabilities for every label, in `labels()` order.
    pub fn probabilities(&self, text: &str) -> Vec<f32> {
        softmax(
            &self.body.linear.logits(&self.vector(text)),
            self.body.temperature,
        )
    }

    /// Classifies a text: the best label, its calibrated confidence, the top three, and the
    /// terms that pushed most towards the chosen label.
    pub fn predict(&self, text: &str) -> Prediction {
        let x = self.vector(text);
        let probs = softmax(&self.body.linear.logits(&x), self.body.temperature);
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|a, b| probs[*b].total_cmp(&probs[*a]).then(a.cmp(b)));
        let best = order[0];
        let top = order
            .iter()
            .take(3)
            .map(|&k| Scored {
                code: self.body.labels[k].clone(),
                confidence: round3(probs[k]),
            })
            .collect();
        Prediction {
            code: self.body.labels[best].clone(),
            name: self.body.names[best].clone(),
            confidence: round3(probs[best]),
            top,
            because: self.explain(&x, best, 5),
        }
    }

    /// Terms with the largest positive contribution to `class` relative to the average class.
    fn explain(&self, x: &Sparse, class: usize, n: usize) -> Vec<String> {
        let c = self.body.linear.classes;
        let mut contrib: Vec<(f32, u32)> = x
            .iter()
            .filter_map(|&(f, v)| {
                let s =
                    v * (self.body.linear.w[f as usize * c + class] - self.row_mean[f as usize]);
                (s > 0.0).then_some((s, f))
            })
            .collect();
        contrib.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        // Readers understand words, not character fragments: whole jieba words come first;
        // a character n-gram is listed only while fewer than `n` words were, and only if it
        // shares no character with a term already listed (垃圾 makes 圾堆 redundant).
        let mut out: Vec<String> = vec![];
        for words_pass in [true, false] {
            for &(_, f) in &contrib {
                let term = &self.body.vocab[f as usize];
                if term.starts_with("c:") == words_pass {
                    continue;
                }
                let t = display(term);
                let overlaps = out.iter().any(|o| {
                    if words_pass {
                        o.contains(t.as_ref()) || t.contains(o.as_str())
                    } else {
                        t.chars().any(|ch| o.contains(ch))
                    }
                });
                if t.chars().nth(1).is_none() || overlaps {
                    continue;
                }
                out.push(t.into_owned());
                if out.len() == n {
                    return out;
                }
            }
        }
        out
    }

    /// Learns from a correction (a dispatcher changed the category): new terms and new
    /// labels are added, then SGD steps on the example until it is predicted right (at most
    /// 10). Returns whether the model now predicts the label.
    pub fn learn(&mut self, text: &str, label: &str) -> Result<bool, ModelError> {
        if self.body.algorithm != Algorithm::Logistic {
            return Err(ModelError::LearnUnsupported);
        }
        let y = match self.body.labels.iter().position(|l| l == label) {
            Some(y) => y,
            None => {
                self.body.labels.push(label.to_string());
                self.body.names.push(label.to_string());
                self.body.linear.push_class();
                self.body.labels.len() - 1
            }
        };
        for t in tokenizer().terms_with(text, self.body.features) {
            if !self.index.contains_key(&key(&t)) {
                self.index.insert(key(&t), self.body.vocab.len() as u32);
                self.body.vocab.push(t);
                self.body
                    .idf
                    .push(vectorize::idf_of_new_term(self.body.docs));
                self.body.linear.push_feature();
            }
        }
        self.body.docs += 1;
        self.body.corrections += 1;
        let x = self.vector(text);
        for _ in 0..10 {
            self.body.linear.sgd_step(&x, y, 0.5);
            let l = self.body.linear.logits(&x);
            let best = (0..l.len())
                .max_by(|a, b| l[*a].total_cmp(&l[*b]))
                .unwrap_or(0);
            if best == y {
                self.row_mean = row_means(&self.body.linear);
                return Ok(true);
            }
        }
        self.row_mean = row_means(&self.body.linear);
        Ok(false)
    }

    /// Sets the display name of a label.
    pub fn set_name(&mut self, label: &str, name: &str) {
        if let Some(i) = self.body.labels.iter().position(|l| l == label) {
            self.body.names[i] = name.to_string();
        }
    }

    /// Serialises: `GZCM`, format version (u32 LE), then the postcard-encoded body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        // Serialising plain data into a Vec cannot fail.
        out.extend(postcard::to_allocvec(&self.body).unwrap_or_default());
        out
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.len() < 8 || &bytes[..4] != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        if version != FORMAT_VERSION {
            return Err(ModelError::Version(version));
        }
        let body: Body =
            postcard::from_bytes(&bytes[8..]).map_err(|e| ModelError::Damaged(e.to_string()))?;
        let c = body.linear.classes;
        if body.labels.len() != c
            || body.names.len() != c
            || body.vocab.len() != body.idf.len()
            || body.linear.w.len() != body.vocab.len() * c
            || body.linear.b.len() != c
        {
            return Err(ModelError::Damaged("inconsistent sizes".into()));
        }
        let index = key_index(&body.vocab);
        let row_mean = row_means(&body.linear);
        Ok(Model {
            body,
            index,
            row_mean,
        })
    }
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<Example> {
        let mut v = vec![];
        for t in [
            "水管爆裂漏水",
            "停水了没有水",
            "下水道堵塞返水",
            "水压太低",
            "自来水浑浊发黄",
        ] {
            v.push(Example {
                label: "FAC.WATER".into(),
                text: t.into(),
            });
        }
        for t in [
            "楼道灯不亮",
            "路灯坏了一晚上不亮",
            "声控灯失灵",
            "路灯白天常亮",
            "楼道里黑漆漆的灯坏了",
        ] {
            v.push(Example {
                label: "FAC.LIGHT".into(),
                text: t.into(),
            });
        }
        v
    }

    #[test]
    fn trains_predicts_explains_and_roundtrips() {
        let cfg = TrainConfig {
            calibrate: false,
            ..TrainConfig::default()
        };
        let m = train(&toy(), &cfg).unwrap();
        let p = m.predict("家里水管爆了");
        assert_eq!(p.code, "FAC.WATER");
        assert!(
            p.because.iter().any(|t| t.contains("水")),
            "{:?}",
            p.because
        );
        assert_eq!(p.top.len(), 2);
        let back = Model::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.predict("家里水管爆了"), p);
        assert_eq!(
            Model::from_bytes(b"nope").unwrap_err(),
            ModelError::NotAModel
        );
        let mut bad = m.to_bytes();
        bad[4] = 9;
        assert_eq!(Model::from_bytes(&bad).unwrap_err(), ModelError::Version(9));
    }

    #[test]
    fn training_is_deterministic() {
        let a = train(&toy(), &TrainConfig::default()).unwrap().to_bytes();
        let b = train(&toy(), &TrainConfig::default()).unwrap().to_bytes();
        assert_eq!(a, b);
    }

    #[test]
    fn learns_a_correction_and_a_new_label() {
        let mut m = train(
            &toy(),
            &TrainConfig {
                calibrate: false,
                ..TrainConfig::default()
            },
        )
        .unwrap();
        assert!(m.learn("小区门口有人卖烧烤占道", "ORD.VENDOR").unwrap());
        assert_eq!(m.predict("小区门口有人卖烧烤占道").code, "ORD.VENDOR");
        assert_eq!(m.labels().len(), 3);
        assert_eq!(m.corrections(), 1);
        assert_eq!(
            m.predict("水管爆裂漏水").code,
            "FAC.WATER",
            "old knowledge kept"
        );
    }

    #[test]
    fn one_label_is_not_enough() {
        let one = vec![Example {
            label: "A".into(),
            text: "x".into(),
        }];
        assert_eq!(
            train(&one, &TrainConfig::default()).unwrap_err(),
            ModelError::TooFewLabels
        );
    }
}
