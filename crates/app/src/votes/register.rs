//! The owners' register (专有部分): each building's units with their exclusive area and
//! owner, imported from the real-estate register (CSV or XLSX) and corrected unit by unit by
//! community staff; every change audited. Owners who are residents are linked by their ID
//! number; others keep an encrypted name and a keyed owner key, so one owner of several
//! units is one head; the developer's unsold units are one owner together.

use gongzhi_core::identity::{Role, Scope};
use gongzhi_core::pii::{IdNumber, mask_name};
use gongzhi_core::votes::{self as core, Register};
use serde::{Deserialize, Serialize};

use super::service::owner_key_of_resident;
use super::store;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The sealed name of an owner who is not a resident.
const OWNER_NAME_FIELD: &str = "owner_units.owner_name";
/// The keyed owner key of an owner who is not a resident (from their ID number).
const OWNER_ID_FIELD: &str = "owner_units.owner_id";
/// What a register writes in the owner column for the developer's unsold units.
pub const DEVELOPER: &str = "开发商";

/// Whether `u` keeps the register of `building` (community staff of its community, street
/// staff of its street).
fn keeps(st: &AppState, u: &CurrentUser, building: i64) -> AppResult<()> {
    let map = st.org_map();
    map.unit(building)
        .filter(|b| b.level == "building")
        .ok_or(AppError::NotFound)?;
    if !matches!(u.role, Role::CommunityStaff | Role::StreetStaff) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if !map.unit_in_scope(building, u.scope) {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// One unit as the register page shows it (owner masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterUnitView {
    pub id: i64,
    pub unit: String,
    pub floor: i64,
    pub area_m2: f64,
    /// `resident`, `owner` (not a resident) or `developer`.
    pub owner_kind: String,
    /// The owner's name masked (`张*`); empty for the developer.
    pub owner: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterView {
    pub building_id: i64,
    pub building: String,
    pub units: Vec<RegisterUnitView>,
    /// The denominators a vote opened now would fix.
    pub total_area_m2: f64,
    pub total_heads: i64,
}

/// The buildings whose registers `u` keeps, (id, name).
pub fn buildings(st: &AppState, u: &CurrentUser) -> Vec<(i64, String)> {
    if !matches!(u.role, Role::CommunityStaff | Role::StreetStaff) {
        return vec![];
    }
    let map = st.org_map();
    map.buildings
        .iter()
        .filter(|b| map.unit_in_scope(b.id, u.scope))
        .map(|b| (b.id, format!("{} {}", b.compound, b.name)))
        .collect()
}

pub async fn view(st: &AppState, u: &CurrentUser, building: i64) -> AppResult<RegisterView> {
    keeps(st, u, building)?;
    let mut tx = st.db.read().await?;
    let rows = store::register_rows(&mut tx, building).await?;
    drop(tx);
    let mut units = vec![];
    for r in &rows {
        let (kind, owner) = if r.owner_key.starts_with("dev:") {
            ("developer", String::new())
        } else if let Some(rid) = r.resident_id {
            (
                "resident",
                crate::residents::service::masked_name(st, rid).await?,
            )
        } else {
            let name = r
                .owner_name_sealed
                .as_deref()
                .and_then(|s| st.cipher.decrypt(OWNER_NAME_FIELD, s).ok())
                .map(|n| mask_name(&n))
                .unwrap_or_default();
            ("owner", name)
        };
        units.push(RegisterUnitView {
            id: r.id,
            unit: r.unit.clone(),
            floor: r.floor,
            area_m2: core::area_m2(r.area_e4),
            owner_kind: kind.into(),
            owner,
            updated_at: crate::clock::iso(r.updated_at),
        });
    }
    let reg = Register::new(
        &rows
            .iter()
            .map(|r| core::Unit {
                unit: r.unit.clone(),
                owner: r.owner_key.clone(),
                area: r.area_e4,
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(RegisterView {
        building_id: building,
        building: st
            .org_map()
            .unit(building)
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        units,
        total_area_m2: core::area_m2(reg.total_area()),
        total_heads: reg.total_heads(),
    })
}

/// A unit's owner as staff enter it: the developer, or a person by name and ID number.
struct Owner {
    key: String,
    resident_id: Option<i64>,
    name_sealed: Option<String>,
}

async fn owner_of(
    st: &AppState,
    u: &CurrentUser,
    building: i64,
    name: &str,
    id_number: &str,
) -> Result<Owner, &'static str> {
    let name = name.trim();
    if name == DEVELOPER && id_number.trim().is_empty() {
        return Ok(Owner {
            key: format!("dev:{building}"),
            resident_id: None,
            name_sealed: None,
        });
    }
    if name.is_empty() || !gongzhi_core::org::check_name(name) {
        return Err("OWNER_NAME_INVALID");
    }
    let id = IdNumber::parse(id_number).map_err(|_| "ID_NUMBER_INVALID")?;
    if let Ok(r) = crate::residents::service::find_by_id_number(st, u, id.as_str()).await {
        return Ok(Owner {
            key: owner_key_of_resident(r.id),
            resident_id: Some(r.id),
            name_sealed: None,
        });
    }
    Ok(Owner {
        key: format!("x:{}", st.cipher.blind_index(OWNER_ID_FIELD, id.as_str())),
        resident_id: None,
        name_sealed: Some(st.cipher.encrypt(OWNER_NAME_FIELD, name)),
    })
}

/// The columns of a register file, each with the header names accepted for it.
const COLUMNS: [(&str, &[&str]); 5] = [
    ("unit", &["房号", "unit"]),
    ("floor", &["楼层", "floor"]),
    (
        "area_m2",
        &["专有面积", "专有部分面积", "建筑面积", "area_m2"],
    ),
    ("owner_name", &["业主姓名", "权利人", "owner_name"]),
    (
        "owner_id_number",
        &["证件号码", "身份证号", "owner_id_number"],
    ),
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterRowError {
    /// 1-based row in the file (the header is row 1).
    pub row: usize,
    pub code: String,
    /// Why, in the caller's language.
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisterImport {
    pub rows: usize,
    /// Units written; 0 when any row is wrong (a register is imported whole or not at all).
    pub written: usize,
    pub errors: Vec<RegisterRowError>,
}

/// Imports a building's register from CSV or XLSX (header: 房号, 楼层, 专有面积, 业主姓名,
/// 证件号码): all rows or none. Units in the file replace those of the same number.
pub async fn import(
    st: &AppState,
    u: &CurrentUser,
    lang: crate::i18n::Lang,
    building: i64,
    bytes: &[u8],
) -> AppResult<RegisterImport> {
    keeps(st, u, building)?;
    let table = crate::cases::import::read_table(bytes)?;
    let Some((header, rows)) = table.split_first() else {
        return Err(AppError::Invalid {
            code: "IMPORT_EMPTY",
            field: Some("file"),
        });
    };
    let col = |name: &str| -> Option<usize> {
        let names = COLUMNS.iter().find(|(c, _)| *c == name)?.1;
        header.iter().position(|h| names.contains(&h.trim()))
    };
    let idx: Vec<Option<usize>> = COLUMNS.iter().map(|(c, _)| col(c)).collect();
    if idx.iter().any(Option::is_none) {
        return Err(AppError::Invalid {
            code: "IMPORT_HEADER_INVALID",
            field: Some("file"),
        });
    }
    let idx: Vec<usize> = idx.into_iter().flatten().collect();
    if rows.len() > 5000 {
        return Err(AppError::Invalid {
            code: "IMPORT_TOO_LARGE",
            field: Some("file"),
        });
    }
    let mut errors = vec![];
    let mut parsed = vec![];
    let mut seen = std::collections::HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let cell = |k: usize| row.get(idx[k]).map(|s| s.trim()).unwrap_or("");
        let line = i + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let unit = cell(0);
        let bad = |code: &str| RegisterRowError {
            row: line,
            code: code.into(),
            detail: lang.error(code).into(),
        };
        if unit.is_empty() || unit.chars().count() > 20 || unit.contains([',', '"']) {
            errors.push(bad("UNIT_INVALID"));
            continue;
        }
        if !seen.insert(unit.to_string()) {
            errors.push(bad("UNIT_DUPLICATE"));
            continue;
        }
        let Some(floor) = cell(1)
            .parse::<i64>()
            .ok()
            .filter(|f| (-5..=200).contains(f))
        else {
            errors.push(bad("FLOOR_INVALID"));
            continue;
        };
        let Some(area) = core::parse_area(cell(2)) else {
            errors.push(bad("AREA_INVALID"));
            continue;
        };
        match owner_of(st, u, building, cell(3), cell(4)).await {
            Ok(o) => parsed.push((unit.to_string(), floor, area, o)),
            Err(code) => errors.push(bad(code)),
        }
    }
    let n = rows.len();
    if !errors.is_empty() {
        return Ok(RegisterImport {
            rows: n,
            written: 0,
            errors,
        });
    }
    let written = write(st, u, building, &parsed, "register.import").await?;
    Ok(RegisterImport {
        rows: n,
        written,
        errors,
    })
}

/// Writes units of one building with their owners, audited as `action` with the count and
/// what changed (owner keys are pseudonymous; no name or ID number enters the audit).
async fn write(
    st: &AppState,
    u: &CurrentUser,
    building: i64,
    units: &[(String, i64, i64, Owner)],
    action: &'static str,
) -> AppResult<usize> {
    let map = st.org_map();
    let b = map.unit(building).ok_or(AppError::NotFound)?;
    let community = b.community.ok_or(AppError::NotFound)?;
    let compound = b
        .parent
        .filter(|p| map.unit(*p).is_some_and(|c| c.level == "compound"));
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let before: std::collections::HashMap<String, store::RegisterRow> =
        store::register_rows(&mut tx, building)
            .await?
            .into_iter()
            .map(|r| (r.unit.clone(), r))
            .collect();
    let mut changes = vec![];
    for (unit, floor, area, o) in units {
        store::put_unit(
            &mut tx,
            &store::NewOwnerUnit {
                building_id: building,
                compound_id: compound,
                community_id: community,
                unit,
                floor: *floor,
                area_e4: *area,
                owner_key: &o.key,
                resident_id: o.resident_id,
                updated_by: Some(u.id),
                now,
            },
        )
        .await?;
        store::set_owner_name(&mut tx, building, unit, o.name_sealed.as_deref()).await?;
        let was = before.get(unit);
        if was.is_none_or(|w| w.area_e4 != *area || w.owner_key != o.key || w.floor != *floor) {
            changes.push(serde_json::json!({
                "unit": unit,
                "area_m2": {"from": was.map(|w| core::area_m2(w.area_e4)), "to": core::area_m2(*area)},
                "floor": {"from": was.map(|w| w.floor), "to": floor},
                "owner_changed": was.is_none_or(|w| w.owner_key != o.key),
            }));
        }
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok(action, "building", building)
            .with(serde_json::json!({"units": units.len(), "changes": changes})),
    )
    .await?;
    tx.commit().await?;
    Ok(units.len())
}

/// A correction of one unit by staff.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct UnitEdit {
    pub floor: i64,
    /// Exclusive area in m², up to four decimals.
    pub area_m2: String,
    /// The owner's name, or `开发商` for the developer's unsold unit.
    pub owner_name: String,
    /// The owner's ID number (empty for the developer).
    #[serde(default)]
    pub owner_id_number: String,
}

/// Corrects one unit (area, floor, owner); audited with what changed.
pub async fn edit(st: &AppState, u: &CurrentUser, id: i64, e: &UnitEdit) -> AppResult<i64> {
    let mut tx = st.db.read().await?;
    let row = store::register_row(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    keeps(st, u, row.building_id)?;
    let area = core::parse_area(&e.area_m2).ok_or(AppError::Invalid {
        code: "AREA_INVALID",
        field: Some("area_m2"),
    })?;
    if !(-5..=200).contains(&e.floor) {
        return Err(AppError::Invalid {
            code: "FLOOR_INVALID",
            field: Some("floor"),
        });
    }
    let owner = owner_of(st, u, row.building_id, &e.owner_name, &e.owner_id_number)
        .await
        .map_err(|code| AppError::Invalid {
            code,
            field: Some(if code == "ID_NUMBER_INVALID" {
                "owner_id_number"
            } else {
                "owner_name"
            }),
        })?;
    write(
        st,
        u,
        row.building_id,
        &[(row.unit.clone(), e.floor, area, owner)],
        "register.edit",
    )
    .await?;
    Ok(row.building_id)
}

/// The scope of a user who may keep registers, for the menu.
pub fn may_keep(u: &CurrentUser) -> bool {
    matches!(u.role, Role::CommunityStaff | Role::StreetStaff)
        && matches!(u.scope, Scope::Community(_) | Scope::Street(_))
}
