//! The organisation tree and its map: 区 → 街道 → 社区 → 网格 → 小区 → 楼栋 → 户 → 居民.
//!
//! Grids and compounds carry WGS-84 polygons; [`Locator`] answers which grid and community
//! a point lies in and whether it is inside a compound (小区红线内) or on public land.

mod geometry;
mod locate;

pub use geometry::{Area, GeometryError, parse_area, point_geojson};
pub use locate::{Located, Locator, Zone};

use crate::Coded;

/// The levels of the organisation tree that carry a code and a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    District,
    Street,
    Community,
    Grid,
    Compound,
    Building,
}

impl Level {
    pub fn name_zh(self) -> &'static str {
        match self {
            Level::District => "区",
            Level::Street => "街道",
            Level::Community => "社区",
            Level::Grid => "网格",
            Level::Compound => "小区",
            Level::Building => "楼栋",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("code must be 2–40 characters of A-Z, 0-9, '-' or '.'")]
    Invalid,
}

impl Coded for CodeError {
    fn code(&self) -> &'static str {
        "ORG_CODE_INVALID"
    }
}

/// Unit codes are stable identifiers: upper-case ASCII, digits, '-' and '.'.
pub fn check_code(code: &str) -> Result<(), CodeError> {
    let ok = (2..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if ok { Ok(()) } else { Err(CodeError::Invalid) }
}

/// Names: 1–60 characters after trimming.
pub fn check_name(name: &str) -> bool {
    let n = name.trim().chars().count();
    (1..=60).contains(&n)
}
