//! Quality: accuracy, macro-F1, per-class precision and recall, a confusion table, on a test
//! set or by stratified k-fold cross-validation.

use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::corpus::Example;
use super::model::{Model, ModelError, TrainConfig, train};

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClassReport {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub examples: u32,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub classes: Vec<ClassReport>,
    /// Row = true label, column = predicted label, in `labels` order.
    pub labels: Vec<String>,
    pub confusion: Vec<Vec<u32>>,
}

/// Scores (truth, prediction) pairs.
pub fn score(pairs: &[(String, String)]) -> Evaluation {
    let mut labels: Vec<String> = pairs
        .iter()
        .flat_map(|(t, p)| [t.clone(), p.clone()])
        .collect();
    labels.sort();
    labels.dedup();
    let ix = |l: &str| labels.iter().position(|x| x == l).unwrap_or(0);
    let n = labels.len();
    let mut confusion = vec![vec![0u32; n]; n];
    for (t, p) in pairs {
        confusion[ix(t)][ix(p)] += 1;
    }
    let correct: u32 = (0..n).map(|i| confusion[i][i]).sum();
    let mut classes = vec![];
    for (i, label) in labels.iter().enumerate() {
        let tp = f64::from(confusion[i][i]);
        let support: u32 = confusion[i].iter().sum();
        let predicted: u32 = confusion.iter().map(|row| row[i]).sum();
        let precision = if predicted > 0 {
            tp / f64::from(predicted)
        } else {
            0.0
        };
        let recall = if support > 0 {
            tp / f64::from(support)
        } else {
            0.0
        };
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        classes.push(ClassReport {
            label: label.clone(),
            precision,
            recall,
            f1,
            support,
        });
    }
    // Macro-F1 over the labels that occur in the truth.
    let truth: Vec<&ClassReport> = classes.iter().filter(|c| c.support > 0).collect();
    let macro_f1 = truth.iter().map(|c| c.f1).sum::<f64>() / truth.len().max(1) as f64;
    Evaluation {
        examples: pairs.len() as u32,
        accuracy: f64::from(correct) / pairs.len().max(1) as f64,
        macro_f1,
        classes,
        labels,
        confusion,
    }
}

/// Evaluates a model on labelled examples.
pub fn evaluate(model: &Model, examples: &[Example]) -> Evaluation {
    let pairs: Vec<(String, String)> = examples
        .iter()
        .map(|e| (e.label.clone(), model.predict(&e.text).code))
        .collect();
    score(&pairs)
}

/// Assigns each example to one of `k` folds, each label spread evenly (seeded shuffle).
pub fn stratified_folds(ys: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_f01d);
    let max = ys.iter().copied().max().unwrap_or(0);
    let mut fold = vec![0; ys.len()];
    let mut next = 0;
    for label in 0..=max {
        let mut members: Vec<usize> = (0..ys.len()).filter(|&i| ys[i] == label).collect();
        members.shuffle(&mut rng);
        for i in members {
            fold[i] = next % k.max(1);
            next += 1;
        }
    }
    fold
}

/// k-fold cross-validation: trains k models, each tested on the fold it never saw.
pub fn cross_validate(
    examples: &[Example],
    cfg: &TrainConfig,
    k: usize,
) -> Result<Evaluation, ModelError> {
    let mut labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
    labels.sort_unstable();
    labels.dedup();
    let ys: Vec<usize> = examples
        .iter()
        .map(|e| labels.binary_search(&e.label.as_str()).unwrap_or(0))
        .collect();
    let folds = stratified_folds(&ys, k, cfg.seed);
    let mut pairs = vec![];
    for f in 0..k {
        let train_set: Vec<Example> = examples
            .iter()
            .zip(&folds)
            .filter(|(_, x)| **x != f)
            .map(|(e, _)| e.clone())
            .collect();
        let model = train(&train_set, cfg)?;
        for (e, _) in examples.iter().zip(&folds).filter(|(_, x)| **x == f) {
            pairs.push((e.label.clone(), model.predict(&e.text).code));
        }
    }
    Ok(score(&pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_hand() {
        let p = |t: &str, q: &str| (t.to_string(), q.to_string());
        let e = score(&[p("A", "A"), p("A", "B"), p("B", "B"), p("B", "B")]);
        assert_eq!(e.accuracy, 0.75);
        let a = &e.classes[0];
        assert_eq!((a.precision, a.recall), (1.0, 0.5));
        let b = &e.classes[1];
        assert!((b.precision - 2.0 / 3.0).abs() < 1e-9 && b.recall == 1.0);
        assert_eq!(e.confusion, vec![vec![1, 1], vec![0, 2]]);
        assert!((e.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn folds_are_stratified() {
        let ys = vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        let f = stratified_folds(&ys, 5, 1);
        for k in 0..5 {
            let members: Vec<usize> = (0..10).filter(|&i| f[i] == k).collect();
            assert_eq!(members.len(), 2);
        }
    }
}
