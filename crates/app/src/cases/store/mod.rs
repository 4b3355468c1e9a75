//! Every SQL statement of the cases domain, by what it touches. Private to `cases`: other
//! domains reach cases only through `cases::service`.

mod cases;
mod generated;
mod history;
mod interchange;
mod jobs;
mod list;
mod orders;
pub mod rollup;

pub use cases::*;
pub use generated::*;
pub use history::*;
pub use interchange::*;
pub use jobs::*;
pub use list::*;
pub use orders::*;
