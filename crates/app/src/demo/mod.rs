//! The demo district (演示数据): a deterministic, clearly synthetic 共治示范区 with streets,
//! communities, grids, compounds, buildings, 20,000 residents, the taxonomy's handling units
//! and one account per role. `serve --demo` seeds it into an empty database.

pub mod devices;
pub mod generate;
mod seed;
mod twin;

pub use seed::{DEMO_PASSWORD, DemoAccount, DemoSize, seed};
