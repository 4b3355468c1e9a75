//! The web shell shared by every domain: request context (who, language, elderly mode),
//! CSRF protection, error rendering, metrics, static assets, the page layout and paging.

pub mod assets;
pub mod context;
pub mod detach;
pub mod errors;
pub mod layout;
pub mod metrics;
pub mod paging;

pub use context::{AuthUser, Ctx};
pub use layout::Layout;
pub use paging::{Page, PageParams};
