//! The organisation tree and its map: 区 → 街道 → 社区 → 网格 → 小区 → 楼栋 → 户 → 居民.
//!
//! Grids and compounds carry WGS-84 polygons; [`Locator`] answers which grid and community
//! a point lies in and whether it is inside a compound (小区红线内) or on public land.

mod geometry;
mod locate;

pub use geometry::{Area, GeometryError, distance_m, parse_area, point_geojson};
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
    /// From the top of the tree down.
    pub const ALL: [Level; 6] = [
        Level::District,
        Level::Street,
        Level::Community,
        Level::Grid,
        Level::Compound,
        Level::Building,
    ];

    /// The stable code stored in the database (`district`, `street` …).
    pub fn code(self) -> &'static str {
        match self {
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
            Level::Grid => "grid",
            Level::Compound => "compound",
            Level::Building => "building",
        }
    }

    pub fn parse(code: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The level a unit of this level must hang under.
    pub fn parent(self) -> Option<Level> {
        let i = Level::ALL.iter().position(|l| *l == self)?;
        i.checked_sub(1).map(|p| Level::ALL[p])
    }

    /// The level of this level's children.
    pub fn child(self) -> Option<Level> {
        let i = Level::ALL.iter().position(|l| *l == self)?;
        Level::ALL.get(i + 1).copied()
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_chain_and_roundtrip() {
        for l in Level::ALL {
            assert_eq!(Level::parse(l.code()), Some(l));
        }
        assert_eq!(Level::District.parent(), None);
        assert_eq!(Level::Grid.parent(), Some(Level::Community));
        assert_eq!(Level::Compound.child(), Some(Level::Building));
        assert_eq!(Level::Building.child(), None);
        assert_eq!(Level::parse("planet"), None);
    }
}
