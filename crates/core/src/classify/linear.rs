//! Linear models over sparse TF-IDF vectors. Weights are stored feature-major
//! (`w[f * classes + c]`) so a prediction touches one contiguous row per present term.

use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::vectorize::Sparse;

/// Weights and biases of a linear model with `classes` outputs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Linear {
    pub classes: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl Linear {
    pub fn zeros(features: usize, classes: usize) -> Self {
        Linear {
            classes,
            w: vec![0.0; features * classes],
            b: vec![0.0; classes],
        }
    }

    pub fn features(&self) -> usize {
        self.w.len() / self.classes.max(1)
    }

    pub fn logits(&self, x: &Sparse) -> Vec<f32> {
        let c = self.classes;
        let mut out = self.b.clone();
        for &(f, v) in x {
            let row = &self.w[f as usize * c..(f as usize + 1) * c];
            for (o, w) in out.iter_mut().zip(row) {
                *o += v * w;
            }
        }
        out
    }

    /// Adds a feature row (a term first seen after training).
    pub fn push_feature(&mut self) {
        self.w.extend(std::iter::repeat_n(0.0, self.classes));
    }

    /// Adds an output class (a label first seen after training).
    pub fn push_class(&mut self) {
        let (f, c) = (self.features(), self.classes);
        let mut w = Vec::with_capacity(f * (c + 1));
        for row in self.w.chunks(c.max(1)) {
            w.extend_from_slice(row);
            w.push(0.0);
        }
        if c == 0 {
            w = vec![0.0; f];
        }
        self.w = w;
        self.b.push(if c == 0 {
            0.0
        } else {
            self.b.iter().copied().fold(f32::INFINITY, f32::min)
        });
        self.classes += 1;
    }

    /// One plain SGD step of softmax cross-entropy on one example (for corrections).
    pub fn sgd_step(&mut self, x: &Sparse, y: usize, lr: f32) {
        let p = softmax(&self.logits(x), 1.0);
        let c = self.classes;
        for (k, pk) in p.iter().enumerate() {
            let g = pk - if k == y { 1.0 } else { 0.0 };
            self.b[k] -= lr * g;
            for &(f, v) in x {
                self.w[f as usize * c + k] -= lr * g * v;
            }
        }
    }
}

pub fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let t = temperature.max(1e-3);
    let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = logits.iter().map(|l| ((l - m) / t).exp()).collect();
    let s: f32 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

/// Hyper-parameters of the SGD logistic regression.
#[derive(Debug, Clone, Copy)]
pub struct SgdParams {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
}

impl Default for SgdParams {
    fn default() -> Self {
        SgdParams {
            epochs: 40,
            learning_rate: 0.3,
            l2: 1e-4,
        }
    }
}

/// Multinomial logistic regression, SGD with AdaGrad; deterministic for a seed.
pub fn train_logistic(
    xs: &[Sparse],
    ys: &[usize],
    features: usize,
    classes: usize,
    p: SgdParams,
    seed: u64,
) -> Linear {
    let mut m = Linear::zeros(features, classes);
    let mut gw = vec![1e-8f32; features * classes];
    let mut gb = vec![1e-8f32; classes];
    let mut order: Vec<usize> = (0..xs.len()).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut grad = vec![0f32; classes];
    for _ in 0..p.epochs {
        order.shuffle(&mut rng);
        for &i in &order {
            let x = &xs[i];
            let probs = softmax(&m.logits(x), 1.0);
            for k in 0..classes {
                grad[k] = probs[k] - if k == ys[i] { 1.0 } else { 0.0 };
                gb[k] += grad[k] * grad[k];
                m.b[k] -= p.learning_rate * grad[k] / gb[k].sqrt();
            }
            for &(f, v) in x {
                let base = f as usize * classes;
                for (k, gk) in grad.iter().enumerate() {
                    let idx = base + k;
                    let g = gk * v + p.l2 * m.w[idx];
                    gw[idx] += g * g;
                    m.w[idx] -= p.learning_rate * g / gw[idx].sqrt();
                }
            }
        }
    }
    m
}

/// Multinomial naive Bayes on TF-IDF weights (additive smoothing `alpha`); stored as a
/// linear model of log-probabilities.
pub fn train_naive_bayes(
    xs: &[Sparse],
    ys: &[usize],
    features: usize,
    classes: usize,
    alpha: f32,
) -> Linear {
    let mut counts = vec![0f64; features * classes];
    let mut totals = vec![0f64; classes];
    let mut docs = vec![0f64; classes];
    for (x, &y) in xs.iter().zip(ys) {
        docs[y] += 1.0;
        for &(f, v) in x {
            counts[f as usize * classes + y] += f64::from(v);
            totals[y] += f64::from(v);
        }
    }
    let n: f64 = docs.iter().sum();
    let a = f64::from(alpha);
    let mut m = Linear::zeros(features, classes);
    for k in 0..classes {
        m.b[k] = ((docs[k] + 1.0) / (n + classes as f64)).ln() as f32;
        let denom = totals[k] + a * features as f64;
        for f in 0..features {
            m.w[f * classes + k] = ((counts[f * classes + k] + a) / denom).ln() as f32;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_class_keeps_rows() {
        let mut m = Linear {
            classes: 2,
            w: vec![1.0, 2.0, 3.0, 4.0],
            b: vec![0.5, 0.1],
        };
        m.push_class();
        assert_eq!(m.w, vec![1.0, 2.0, 0.0, 3.0, 4.0, 0.0]);
        assert_eq!(m.b.len(), 3);
        m.push_feature();
        assert_eq!(m.features(), 3);
    }

    #[test]
    fn separable_toy_problem_is_learnt() {
        let xs: Vec<Sparse> = vec![
            vec![(0, 1.0)],
            vec![(1, 1.0)],
            vec![(0, 1.0)],
            vec![(1, 1.0)],
        ];
        let ys = vec![0, 1, 0, 1];
        for m in [
            train_logistic(&xs, &ys, 2, 2, SgdParams::default(), 1),
            train_naive_bayes(&xs, &ys, 2, 2, 0.1),
        ] {
            let l = m.logits(&vec![(0, 1.0)]);
            assert!(l[0] > l[1]);
        }
    }
}
