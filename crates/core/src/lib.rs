//! gongzhi-core: the pure domain rules of gongzhi.
//!
//! Nothing here does I/O: no async runtime, no database, no web framework. Every rule that
//! can be stated without them lives here, so it is tested in milliseconds and reused by the
//! web app, the API and the command line alike.

pub mod audit;
pub mod budget;
pub mod cases;
pub mod classify;
pub mod consent;
pub mod identity;
pub mod ledger;
pub mod mediation;
pub mod org;
pub mod pii;
pub mod programmes;
pub mod rights;
pub mod timebank;
pub mod tlog;
pub mod twin;
pub mod votes;

/// A domain error with a stable machine code (used in API error envelopes and for looking
/// up the user-facing message in the UI's language).
pub trait Coded {
    /// The stable machine code, e.g. `PHONE_INVALID`.
    fn code(&self) -> &'static str;
}
