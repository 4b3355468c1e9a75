//! 数字孪生: the simulation engine of the digital twin — a deterministic discrete-event
//! engine with seeded random streams (`des`), Erlang C (`erlang`) and the M/M/c model that
//! validates the engine against it (`mmc`).

pub mod community;
pub mod des;
pub mod erlang;
pub mod mmc;
pub mod placement;
pub mod scenario;
