//! Command-line use of the routing model: `classify`, `model train`, `model eval`.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use gongzhi_core::classify::{self, Algorithm, Evaluation, Model};

#[derive(Subcommand, Debug)]
pub enum ModelCommand {
    /// Train a model from a CSV with the header `label,text`.
    Train {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = super::SEED)]
        seed: u64,
        /// logistic (default) or naive_bayes.
        #[arg(long, default_value = "logistic")]
        algorithm: String,
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
        #[arg(long, default_value_t = super::SEED)]
        seed: u64,
        #[arg(long, default_value = "logistic")]
        algorithm: String,
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
        ModelCommand::Train {
            input,
            out,
            seed,
            algorithm: alg,
        } => {
            let examples = read_examples(&input)?;
            let cfg = classify::TrainConfig {
                algorithm: algorithm(&alg)?,
                ..super::config(seed)
            };
            let started = std::time::Instant::now();
            let model = classify::train(&examples, &cfg).map_err(|e| anyhow::anyhow!("{e}"))?;
            let bytes = model.to_bytes();
            std::fs::write(&out, &bytes)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "trained {} on {} examples, {} labels, {} terms in {:.2}s; temperature {:.2}; wrote {} ({} bytes)",
                alg,
                examples.len(),
                model.labels().len(),
                model.vocabulary_size(),
                started.elapsed().as_secs_f64(),
                model.temperature(),
                out.display(),
                bytes.len()
            );
        }
        ModelCommand::Eval {
            model,
            input,
            folds,
            seed,
            algorithm: alg,
            json,
        } => {
            let examples = read_examples(&input)?;
            let eval = match folds {
                Some(k) if k >= 2 => {
                    if model.is_some() {
                        anyhow::bail!("--folds trains its own models: leave out --model");
                    }
                    let cfg = classify::TrainConfig {
                        algorithm: algorithm(&alg)?,
                        ..super::config(seed)
                    };
                    classify::cross_validate(&examples, &cfg, k)
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                }
                Some(_) => anyhow::bail!("--folds must be at least 2"),
                None => classify::evaluate(&load_model(model.as_deref())?, &examples),
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&eval)?);
            } else {
                print_eval(&eval);
            }
        }
    }
    Ok(())
}

fn print_eval(e: &Evaluation) {
    println!("examples {}", e.examples);
    println!("accuracy {:.4}", e.accuracy);
    println!("macro-F1 {:.4}", e.macro_f1);
    println!(
        "{:<18} {:>9} {:>7} {:>7} {:>7}",
        "label", "precision", "recall", "f1", "support"
    );
    for c in &e.classes {
        println!(
            "{:<18} {:>9.3} {:>7.3} {:>7.3} {:>7}",
            c.label, c.precision, c.recall, c.f1, c.support
        );
    }
    let errors: Vec<String> = e
        .labels
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            e.labels
                .iter()
                .enumerate()
                .filter(move |(j, _)| *j != i)
                .map(move |(j, p)| (i, j, t, p))
        })
        .filter(|(i, j, _, _)| e.confusion[*i][*j] > 0)
        .map(|(i, j, t, p)| format!("{t} → {p}: {}", e.confusion[i][j]))
        .collect();
    if !errors.is_empty() {
        println!("confusions (truth → predicted: count):");
        for line in errors {
            println!("  {line}");
        }
    }
}
