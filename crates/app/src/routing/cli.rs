//! Command-line use of the routing model: `classify`, `model train`, `model eval`.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use gongzhi_core::classify::{
    self, Algorithm, Evaluation, FeatureSet, Model, SgdParams, TrainConfig,
};

/// Model settings a city may tune (defaults are the measured best on the seed corpus).
#[derive(Args, Debug, Clone)]
pub struct Tuning {
    #[arg(long, default_value_t = super::SEED)]
    pub seed: u64,
    /// logistic (default) or naive_bayes.
    #[arg(long, default_value = "logistic")]
    pub algorithm: String,
    /// Character n-gram lengths, e.g. 1-3 (0 for none).
    #[arg(long, default_value = "1-2")]
    pub char_ngrams: String,
    /// Also use pairs of adjacent words (off by default: they lowered cross-validated accuracy).
    #[arg(long)]
    pub word_pairs: bool,
    #[arg(long, default_value_t = SgdParams::default().epochs)]
    pub epochs: usize,
    #[arg(long, default_value_t = SgdParams::default().learning_rate)]
    pub learning_rate: f32,
    #[arg(long, default_value_t = SgdParams::default().l2)]
    pub l2: f32,
}

impl Tuning {
    pub fn config(&self) -> anyhow::Result<TrainConfig> {
        let (char_min, char_max) = match self.char_ngrams.split_once('-') {
            _ if self.char_ngrams == "0" => (0, 0),
            Some((a, b)) => (a.parse::<u8>()?, b.parse::<u8>()?),
            None => {
                let n = self.char_ngrams.parse::<u8>()?;
                (n, n)
            }
        };
        if char_min > char_max || char_max > 5 {
            anyhow::bail!("--char-ngrams must be like 1-3 (lengths 1 to 5)");
        }
        Ok(TrainConfig {
            algorithm: algorithm(&self.algorithm)?,
            sgd: SgdParams {
                epochs: self.epochs,
                learning_rate: self.learning_rate,
                l2: self.l2,
            },
            features: FeatureSet {
                word_pairs: self.word_pairs,
                char_min,
                char_max,
            },
            ..super::config(self.seed)
        })
    }
}

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Train a model from a CSV with the header `label,text`.
    Train {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        tuning: Tuning,
    },
    /// Evaluate: a model on a labelled CSV, or k-fold cross-validation of training on it.
    Eval {
        /// Model file (default: the shipped model). Not with --folds.
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long)]
        input: PathBuf,
        /// Cross-validate with this many folds instead of testing a model.
        #[arg(long)]
        folds: Option<usize>,
        #[command(flatten)]
        tuning: Tuning,
        /// Print the full evaluation (per-class figures, confusion table) as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read_examples(path: &Path) -> anyhow::Result<Vec<classify::Example>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    classify::read_csv(std::io::BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn algorithm(s: &str) -> anyhow::Result<Algorithm> {
    Algorithm::parse(s)
        .ok_or_else(|| anyhow::anyhow!("unknown algorithm {s:?}: use logistic or naive_bayes"))
}

/// Loads a model file, or the shipped model.
pub fn load_model(path: Option<&Path>) -> anyhow::Result<Model> {
    match path {
        Some(p) => {
            let bytes =
                std::fs::read(p).with_context(|| format!("cannot read model {}", p.display()))?;
            Model::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
        }
        None => super::default_model().cloned(),
    }
}

/// `gongzhi classify`: one text per input line, one JSON object per output line. A bad line
/// gets `{"line":N,"error":{"code","detail"}}` in its place; the exit status is then 1.
pub fn classify(model: Option<&Path>) -> anyhow::Result<bool> {
    let model = load_model(model)?;
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut ok = true;
    for (i, line) in stdin.lock().lines().enumerate() {
        let n = i as u64 + 1;
        let line = match line {
            Ok(l) => l,
            Err(_) => {
                ok = false;
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"line": n, "error": {"code": "TEXT_NOT_UTF8", "detail": format!("line {n}: not valid UTF-8")}})
                )?;
                continue;
            }
        };
        match classify::check_text(&line, n) {
            Ok(text) => {
                serde_json::to_writer(&mut out, &model.predict(text))?;
                out.write_all(b"\n")?;
            }
            Err(e) => {
                ok = false;
                eprintln!("{e}");
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({"line": n, "error": {"code": gongzhi_core::Coded::code(&e), "detail": e.to_string()}})
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ok)
}

pub fn run(cmd: ModelCommand) -> anyhow::Result<()> {
    match cmd {
        ModelCommand::Train { input, out, tuning } => {
            let examples = read_examples(&input)?;
            let cfg = tuning.config()?;
            let started = std::time::Instant::now();
            let model = classify::train(&examples, &cfg).map_err(|e| anyhow::anyhow!("{e}"))?;
            let bytes = model.to_bytes();
            std::fs::write(&out, &bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            write_stdout(&format!(
                "trained {} on {} examples, {} labels, {} terms in {:.2}s; temperature {:.2}; wrote {} ({} bytes)\n",
                tuning.algorithm,
                examples.len(),
                model.labels().len(),
                model.vocabulary_size(),
                started.elapsed().as_secs_f64(),
                model.temperature(),
                out.display(),
                bytes.len()
            ))?;
        }
        ModelCommand::Eval {
            model,
            input,
            folds,
            tuning,
            json,
        } => {
            let examples = read_examples(&input)?;
            let eval = match folds {
                Some(k) if k >= 2 => {
                    if model.is_some() {
                        anyhow::bail!("--folds trains its own models: leave out --model");
                    }
                    classify::cross_validate(&examples, &tuning.config()?, k)
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                }
                Some(_) => anyhow::bail!("--folds must be at least 2"),
                None => classify::evaluate(&load_model(model.as_deref())?, &examples),
            };
            let text = if json {
                serde_json::to_string_pretty(&eval)? + "\n"
            } else {
                format_eval(&eval)
            };
            write_stdout(&text)?;
        }
    }
    Ok(())
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn format_eval(e: &Evaluation) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "examples {}", e.examples);
    let _ = writeln!(s, "accuracy {:.4}", e.accuracy);
    let _ = writeln!(s, "macro-F1 {:.4}", e.macro_f1);
    let _ = writeln!(
        s,
        "{:<18} {:>9} {:>7} {:>7} {:>7}",
        "label", "precision", "recall", "f1", "support"
    );
    for c in &e.classes {
        let _ = writeln!(
            s,
            "{:<18} {:>9.3} {:>7.3} {:>7.3} {:>7}",
            c.label, c.precision, c.recall, c.f1, c.support
        );
    }
    let mut confusions = vec![];
    for (i, t) in e.labels.iter().enumerate() {
        for (j, p) in e.labels.iter().enumerate() {
            if i != j && e.confusion[i][j] > 0 {
                confusions.push(format!("  {t} → {p}: {}", e.confusion[i][j]));
            }
        }
    }
    if !confusions.is_empty() {
        let _ = writeln!(s, "confusions (truth → predicted: count):");
        for line in confusions {
            let _ = writeln!(s, "{line}");
        }
    }
    s
}
