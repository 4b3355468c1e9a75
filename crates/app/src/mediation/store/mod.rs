//! Every SQL statement of dispute mediation, by what it touches. Private to `mediation`:
//! other domains reach disputes only through `mediation::service`.

mod disputes;
mod events;
mod mediators;
mod parties;
mod records;

pub use disputes::*;
pub use events::*;
pub use mediators::*;
pub use parties::*;
pub use records::*;
