//! The routing model: from a report's Chinese text to an event category, with calibrated
//! confidence and an explanation (PIPL art. 24: people may ask why an automated decision was
//! made).
//!
//! Pipeline: jieba words plus character bigrams ([`features`]) → TF-IDF with sublinear term
//! frequency and L2 normalisation ([`vectorize`]) → a linear model: multinomial logistic
//! regression trained by SGD with AdaGrad (the default) or multinomial naive Bayes (the
//! baseline) ([`linear`]) → softmax with a temperature fitted on out-of-fold predictions.
//! Training is deterministic for a seed. Models are saved in a versioned binary format
//! ([`model`]), evaluated with accuracy, macro-F1, per-class precision/recall and a confusion
//! table ([`eval`]), and learn from corrections ([`Model::learn`]).

mod corpus;
mod eval;
mod features;
mod linear;
mod model;
mod vectorize;

pub use corpus::{CorpusError, Example, MAX_TEXT_CHARS, check_text, read_csv};
pub use eval::{ClassReport, Evaluation, cross_validate, evaluate};
pub use features::{FeatureSet, Tokenizer, tokenizer};
pub use linear::SgdParams;
pub use model::{Algorithm, Model, ModelError, Prediction, Scored, TrainConfig, train};
