//! Point location: which grid (and so community) a point lies in, and whether it is inside
//! a compound's boundary. Built once from the organisation's geometry and shared read-only.

use geo::{Coord, Intersects, Point};

use super::Area;

/// Inside a compound (小区红线内) or on public land (roads, squares, rivers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    Compound,
    Public,
}

/// The answer to "where is this point?" in terms of unit ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub grid: i64,
    pub community: i64,
    pub compound: Option<i64>,
    pub zone: Zone,
}

#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    parent: i64,
    area: Area,
}

/// Read-only spatial index over grids and compounds (linear scan with bounding-box
/// rejection: a district has tens of grids and compounds, so this is sub-microsecond).
#[derive(Debug, Clone, Default)]
pub struct Locator {
    grids: Vec<Entry>,
    compounds: Vec<Entry>,
}

impl Locator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a grid with its community.
    pub fn add_grid(&mut self, grid: i64, community: i64, area: Area) {
        self.grids.push(Entry {
            id: grid,
            parent: community,
            area,
        });
    }

    /// Adds a compound with the grid it belongs to.
    pub fn add_compound(&mut self, compound: i64, grid: i64, area: Area) {
        self.compounds.push(Entry {
            id: compound,
            parent: grid,
            area,
        });
    }

    pub fn grid_count(&self) -> usize {
        self.grids.len()
    }

    /// Locates a WGS-84 point. A point on a shared boundary goes to the first unit listed.
    /// A point inside a compound whose own grid does not contain it (drawing error) still
    /// reports the compound, with the compound's grid.
    pub fn locate(&self, lng: f64, lat: f64) -> Option<Located> {
        if !lng.is_finite() || !lat.is_finite() {
            return None;
        }
        let p = Point(Coord { x: lng, y: lat });
        let hit = |e: &&Entry| in_bbox(&e.area, lng, lat) && e.area.shape.intersects(&p);
        if let Some(c) = self.compounds.iter().find(hit) {
            let community = self
                .grids
                .iter()
                .find(|g| g.id == c.parent)
                .map(|g| g.parent)?;
            return Some(Located {
                grid: c.parent,
                community,
                compound: Some(c.id),
                zone: Zone::Compound,
            });
        }
        let g = self.grids.iter().find(hit)?;
        Some(Located {
            grid: g.id,
            community: g.parent,
            compound: None,
            zone: Zone::Public,
        })
    }
}

fn in_bbox(a: &Area, x: f64, y: f64) -> bool {
    let (min, max) = (a.bbox.min(), a.bbox.max());
    x >= min.x && x <= max.x && y >= min.y && y <= max.y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::parse_area;

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Area {
        parse_area(&format!(
            r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#
        ))
        .unwrap()
    }

    fn locator() -> Locator {
        let mut l = Locator::new();
        l.add_grid(1, 10, square(0.0, 0.0, 1.0, 1.0));
        l.add_grid(2, 20, square(1.0, 0.0, 2.0, 1.0));
        l.add_compound(100, 1, square(0.2, 0.2, 0.8, 0.8));
        l
    }

    #[test]
    fn inside_compound_public_and_outside() {
        let l = locator();
        assert_eq!(
            l.locate(0.5, 0.5),
            Some(Located {
                grid: 1,
                community: 10,
                compound: Some(100),
                zone: Zone::Compound
            })
        );
        assert_eq!(
            l.locate(0.1, 0.5),
            Some(Located {
                grid: 1,
                community: 10,
                compound: None,
                zone: Zone::Public
            })
        );
        assert_eq!(
            l.locate(1.5, 0.5).map(|x| (x.grid, x.community, x.zone)),
            Some((2, 20, Zone::Public))
        );
        assert_eq!(l.locate(3.0, 0.5), None);
        assert_eq!(l.locate(f64::NAN, 0.5), None);
    }

    #[test]
    fn shared_edge_has_one_answer() {
        let l = locator();
        assert_eq!(l.locate(1.0, 0.5).map(|x| x.grid), Some(1));
    }
}
