//! Data scope: the part of the organisation a user acts in. Anything outside it is, for
//! that user, as if it did not exist (404).

/// Where a user acts. Ids are database ids of the organisation units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole district (admins, district staff).
    District,
    Street(i64),
    Community(i64),
    Grid(i64),
    Building(i64),
    /// A handling unit (物业, 水务 …).
    Unit(i64),
    /// Only the user's own resident record.
    OwnResident(i64),
    /// Nothing beyond the user's own account.
    Nothing,
}

/// Where an object sits in the organisation tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    pub street: Option<i64>,
    pub community: Option<i64>,
    pub grid: Option<i64>,
    pub building: Option<i64>,
    pub resident: Option<i64>,
}

impl Scope {
    /// Whether an object placed at `p` lies within this scope.
    pub fn covers(&self, p: &Placement) -> bool {
        match *self {
            Scope::District => true,
            Scope::Street(id) => p.street == Some(id),
            Scope::Community(id) => p.community == Some(id),
            Scope::Grid(id) => p.grid == Some(id),
            Scope::Building(id) => p.building == Some(id),
            Scope::OwnResident(id) => p.resident == Some(id),
            Scope::Unit(_) | Scope::Nothing => false,
        }
    }

    /// The filter as SQL parameters: (all, street, community, grid, building, resident).
    /// `None` everywhere with `all = false` matches nothing.
    pub fn filter(&self) -> ScopeFilter {
        let mut f = ScopeFilter::default();
        match *self {
            Scope::District => f.all = true,
            Scope::Street(id) => f.street = Some(id),
            Scope::Community(id) => f.community = Some(id),
            Scope::Grid(id) => f.grid = Some(id),
            Scope::Building(id) => f.building = Some(id),
            Scope::OwnResident(id) => f.resident = Some(id),
            Scope::Unit(_) | Scope::Nothing => {}
        }
        f
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Scope::District => "district",
            Scope::Street(_) => "street",
            Scope::Community(_) => "community",
            Scope::Grid(_) => "grid",
            Scope::Building(_) => "building",
            Scope::Unit(_) => "unit",
            Scope::OwnResident(_) => "resident",
            Scope::Nothing => "none",
        }
    }

    pub fn id(&self) -> Option<i64> {
        match *self {
            Scope::Street(id)
            | Scope::Community(id)
            | Scope::Grid(id)
            | Scope::Building(id)
            | Scope::Unit(id)
            | Scope::OwnResident(id) => Some(id),
            Scope::District | Scope::Nothing => None,
        }
    }

    pub fn from_parts(kind: &str, id: Option<i64>) -> Scope {
        match (kind, id) {
            ("district", _) => Scope::District,
            ("street", Some(i)) => Scope::Street(i),
            ("community", Some(i)) => Scope::Community(i),
            ("grid", Some(i)) => Scope::Grid(i),
            ("building", Some(i)) => Scope::Building(i),
            ("unit", Some(i)) => Scope::Unit(i),
            ("resident", Some(i)) => Scope::OwnResident(i),
            _ => Scope::Nothing,
        }
    }
}

/// SQL-ready form of a scope: bind these to
/// `($1 OR street_id = $2 OR community_id = $3 OR grid_id = $4 OR building_id = $5 OR id = $6)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeFilter {
    pub all: bool,
    pub street: Option<i64>,
    pub community: Option<i64>,
    pub grid: Option<i64>,
    pub building: Option<i64>,
    pub resident: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_by_level() {
        let p = Placement {
            street: Some(1),
            community: Some(2),
            grid: Some(3),
            building: Some(4),
            resident: Some(5),
        };
        assert!(Scope::District.covers(&p));
        assert!(Scope::Street(1).covers(&p));
        assert!(!Scope::Street(9).covers(&p));
        assert!(Scope::Grid(3).covers(&p));
        assert!(!Scope::Grid(4).covers(&p));
        assert!(Scope::OwnResident(5).covers(&p));
        assert!(!Scope::Nothing.covers(&p));
        assert!(!Scope::Unit(1).covers(&p));
    }

    #[test]
    fn parts_roundtrip() {
        for s in [
            Scope::District,
            Scope::Street(1),
            Scope::Grid(2),
            Scope::Unit(3),
            Scope::OwnResident(4),
            Scope::Nothing,
        ] {
            assert_eq!(Scope::from_parts(s.kind(), s.id()), s);
        }
    }
}
