//! 矛盾纠纷化解: the pure rules of dispute mediation — dispute types, risk screening, matching
//! mediators to a dispute, and the terms a dispute is searched by.

pub mod lifecycle;
pub mod matching;
pub mod risk;
pub mod search;
pub mod types;
pub mod typing;

pub use lifecycle::{Action, LifecycleError, Status};
pub use matching::{Candidate, Match, match_mediators};
pub use risk::{Risk, screen};
pub use types::{DisputeType, Level, Office};
pub use typing::{Labelled, TypeModel};
