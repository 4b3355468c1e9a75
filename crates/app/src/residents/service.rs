//! Resident use-cases: scoped, masked listing and reading, and registration with encryption.

use gongzhi_core::identity::Placement;
use gongzhi_core::pii::{IdNumber, PhoneNumber, mask_id_number, mask_phone};
use serde::Serialize;

use super::store::{self, Filters, NewResident, Place, ResidentRow};
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, PageParams};

pub const PHONE_FIELD: &str = "residents.phone";
pub const ID_FIELD: &str = "residents.id_number";

/// A resident as any response shows it: phone and ID number masked, always.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResidentView {
    pub id: i64,
    pub name: String,
    pub gender: String,
    pub birth_year: i64,
    /// Masked: `138****1234`.
    pub phone: String,
    /// Masked: `110**************X`.
    pub id_number: String,
    pub tags: Vec<String>,
    pub room: String,
    pub building: String,
    pub grid: String,
    pub community: String,
    /// For focusing maps; not part of the API.
    #[serde(skip)]
    pub grid_id: Option<i64>,
}

fn view(st: &AppState, r: ResidentRow) -> ResidentView {
    let map = st.org_map();
    // A value that fails to decrypt is shown fully starred, never in clear.
    let phone = st
        .cipher
        .decrypt(PHONE_FIELD, &r.phone_enc)
        .map(|p| mask_phone(&p))
        .unwrap_or_else(|_| "***********".into());
    let id_number = st
        .cipher
        .decrypt(ID_FIELD, &r.id_number_enc)
        .map(|p| mask_id_number(&p))
        .unwrap_or_else(|_| "******************".into());
    ResidentView {
        id: r.id,
        name: r.name,
        gender: r.gender,
        birth_year: r.birth_year,
        phone,
        id_number,
        tags: serde_json::from_str(&r.tags).unwrap_or_default(),
        room: r.room,
        building: map.unit_name(r.building_id).unwrap_or_default(),
        grid: map.unit_name(r.grid_id).unwrap_or_default(),
        community: map.unit_name(r.community_id).unwrap_or_default(),
        grid_id: Some(r.grid_id),
    }
}

/// What a staff member searches for.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct Search {
    /// One of the resident tags, e.g. 独居老人.
    pub tag: Option<String>,
    /// Name prefix.
    pub name: Option<String>,
    /// Exact phone number (looked up by keyed hash).
    pub phone: Option<String>,
}

fn like_escape(s: &str) -> String {
    s.replace(['%', '_', '\\'], "")
}

/// Residents within the user's scope, masked. Only roles that work with residents may list.
#[tracing::instrument(skip_all, fields(user = user.id))]
pub async fn list(
    st: &AppState,
    user: &CurrentUser,
    q: &Search,
    p: &PageParams,
) -> AppResult<Page<ResidentView>> {
    if !user.role.may_list_residents() {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let mut f = Filters::default();
    if let Some(tag) = q.tag.as_deref().filter(|t| !t.is_empty()) {
        if !super::TAGS.contains(&tag) {
            return Err(AppError::Invalid {
                code: "TAG_UNKNOWN",
                field: Some("tag"),
            });
        }
        f.tag_like = format!("%\"{tag}\"%");
    }
    if let Some(name) = q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        if name.chars().count() > 20 {
            return Err(AppError::Invalid {
                code: "NAME_INVALID",
                field: Some("name"),
            });
        }
        f.name_like = format!("{}%", like_escape(name));
    }
    if let Some(phone) = q.phone.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        let phone = PhoneNumber::parse(phone).map_err(|e| AppError::field("phone", e))?;
        f.phone_idx = st.cipher.blind_index(PHONE_FIELD, phone.as_str());
    }
    let mut tx = st.db.read().await?;
    let (rows, total) =
        store::list(&mut tx, &user.scope.filter(), &f, p.per_page(), p.offset()).await?;
    let items = rows.into_iter().map(|r| view(st, r)).collect();
    Ok(Page::new(items, p, total))
}

/// One resident, if within the user's scope (a resident sees only their own record).
#[tracing::instrument(skip_all, fields(user = user.id, resident = id))]
pub async fn get(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<ResidentView> {
    let mut tx = st.db.read().await?;
    let r = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let placement = Placement {
        street: Some(r.street_id),
        community: Some(r.community_id),
        grid: Some(r.grid_id),
        building: Some(r.building_id),
        resident: Some(r.id),
    };
    // Residents reach only their own record (their scope); other roles must work with residents.
    let role_ok =
        user.role.may_list_residents() || user.role == gongzhi_core::identity::Role::Resident;
    if !role_ok || !user.scope.covers(&placement) {
        return Err(AppError::Denied {
            object_type: "resident",
            object_id: id.to_string(),
        });
    }
    Ok(view(st, r))
}

/// A resident to register, as entered.
pub struct Registration<'a> {
    pub household_id: i64,
    pub place: Place,
    pub name: &'a str,
    pub gender: &'a str,
    pub birth_year: i64,
    pub phone: &'a str,
    pub id_number: &'a str,
    pub tags: &'a [&'a str],
}

/// Validates, encrypts and stores a resident inside the caller's transaction.
pub async fn register(
    st: &AppState,
    tx: &mut Tx,
    r: &Registration<'_>,
    now: i64,
) -> AppResult<i64> {
    let phone = PhoneNumber::parse(r.phone).map_err(|e| AppError::field("phone", e))?;
    let id_number = IdNumber::parse(r.id_number).map_err(|e| AppError::field("id_number", e))?;
    if !gongzhi_core::org::check_name(r.name) {
        return Err(AppError::Invalid {
            code: "NAME_INVALID",
            field: Some("name"),
        });
    }
    if let Some(bad) = r.tags.iter().find(|t| !super::TAGS.contains(t)) {
        tracing::debug!(tag = bad, "unknown resident tag");
        return Err(AppError::Invalid {
            code: "TAG_UNKNOWN",
            field: Some("tags"),
        });
    }
    let new = NewResident {
        household_id: r.household_id,
        place: r.place,
        name: r.name.trim(),
        gender: r.gender,
        birth_year: r.birth_year,
        phone_enc: st.cipher.encrypt(PHONE_FIELD, phone.as_str()),
        phone_idx: st.cipher.blind_index(PHONE_FIELD, phone.as_str()),
        id_number_enc: st.cipher.encrypt(ID_FIELD, id_number.as_str()),
        id_number_idx: st.cipher.blind_index(ID_FIELD, id_number.as_str()),
        tags: serde_json::to_string(r.tags).unwrap_or_else(|_| "[]".into()),
    };
    match store::insert(tx, &new, now).await {
        Ok(id) => Ok(id),
        Err(e) if crate::db::is_unique_violation(&e) => Err(AppError::Invalid {
            code: "ID_NUMBER_TAKEN",
            field: Some("id_number"),
        }),
        Err(e) => Err(e.into()),
    }
}

/// Finds a resident by exact ID number through the keyed hash.
pub async fn find_by_id_number(
    st: &AppState,
    user: &CurrentUser,
    raw: &str,
) -> AppResult<ResidentView> {
    let id_number = IdNumber::parse(raw).map_err(|e| AppError::field("id_number", e))?;
    let idx = st.cipher.blind_index(ID_FIELD, id_number.as_str());
    let mut tx = st.db.read().await?;
    let id = store::find_by_id_number(&mut tx, &idx)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    get(st, user, id).await
}

/// Resident counts within a scope, for dashboards.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Stats {
    pub total: i64,
    pub alone_elderly: i64,
    pub disabled: i64,
}

/// Counts within the user's scope, from a per-building aggregate cached for a few seconds
/// (dashboards tolerate that; lists and records are always read live).
pub async fn stats(st: &AppState, scope: gongzhi_core::identity::Scope) -> AppResult<Stats> {
    use gongzhi_core::identity::Scope;
    let rows = st
        .stats_cache
        .get_or_refresh(st.now_ms(), async {
            let mut tx = st.db.read().await?;
            store::building_stats(&mut tx).await
        })
        .await?;
    let mut s = Stats::default();
    for r in rows.iter() {
        let inside = match scope {
            Scope::District => true,
            Scope::Street(id) => r.street_id == id,
            Scope::Community(id) => r.community_id == id,
            Scope::Grid(id) => r.grid_id == id,
            Scope::Building(id) => r.building_id == id,
            Scope::Unit(_) | Scope::OwnResident(_) | Scope::Nothing => false,
        };
        if inside {
            s.total += r.total;
            s.alone_elderly += r.alone_elderly;
            s.disabled += r.disabled;
        }
    }
    Ok(s)
}
