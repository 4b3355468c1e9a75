//! Resident use-cases: scoped, masked listing and reading, registration with encryption, and
//! what other domains may learn of a resident (where they live, how to name them as a party).

use gongzhi_core::identity::{Placement, Role};
use gongzhi_core::pii::{IdNumber, PhoneNumber, mask_id_number, mask_phone};
use serde::Serialize;

use super::store::{self, Filters, NewResident, ResidentRow};
pub use super::store::{BuildingStats, Place};
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, PageParams};

pub const PHONE_FIELD: &str = "residents.phone";
pub const ID_FIELD: &str = "residents.id_number";
pub const CARE_FIELD: &str = "residents.care";

/// What a resident may say about needing care (the codes; shown translated).
pub const CARE_NEEDS: [&str; 6] = [
    "lives_alone",
    "mobility",
    "hearing",
    "sight",
    "chronic_illness",
    "dementia",
];

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
    /// Care needs the resident registered with their separate consent (codes such as
    /// `lives_alone`), for the staff who visit; empty without.
    pub care_needs: Vec<String>,
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
        care_needs: r
            .care_sealed
            .as_deref()
            .and_then(|c| st.cipher.decrypt(CARE_FIELD, c).ok())
            .and_then(|c| serde_json::from_str::<Care>(&c).ok())
            .map(|c| c.needs)
            .unwrap_or_default(),
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

fn placement(r: &ResidentRow) -> Placement {
    Placement {
        street: Some(r.street_id),
        community: Some(r.community_id),
        grid: Some(r.grid_id),
        building: Some(r.building_id),
        resident: Some(r.id),
    }
}

/// Whether the user may read this resident's record: residents only their own (their
/// scope), other roles only if they work with residents, within their scope.
fn reads(user: &CurrentUser, r: &ResidentRow) -> bool {
    (user.role.may_list_residents() || user.role == Role::Resident)
        && user.scope.covers(&placement(r))
}

/// One resident, if within the user's scope (a resident sees only their own record).
#[tracing::instrument(skip_all, fields(user = user.id, resident = id))]
pub async fn get(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<ResidentView> {
    let mut tx = st.db.read().await?;
    let r = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !reads(user, &r) {
        return Err(AppError::Denied {
            object_type: "resident",
            object_id: id.to_string(),
        });
    }
    Ok(view(st, r))
}

/// Where a resident lives, for a staff member acting for them (filing a report on their
/// behalf): `RESIDENT_UNKNOWN` on `field` unless the user works with residents (not an
/// auditor, a unit or a mediator) and the resident exists within their scope, so an id
/// outside it reveals nothing.
pub async fn home_for(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    field: &'static str,
) -> AppResult<Place> {
    let unknown = AppError::Invalid {
        code: "RESIDENT_UNKNOWN",
        field: Some(field),
    };
    if !user.role.may_list_residents() {
        return Err(unknown);
    }
    let mut tx = st.db.read().await?;
    let r = store::find(&mut tx, id).await?.ok_or(unknown)?;
    if !user.scope.covers(&placement(&r)) {
        return Err(AppError::Invalid {
            code: "RESIDENT_UNKNOWN",
            field: Some(field),
        });
    }
    Ok(Place {
        building_id: r.building_id,
        grid_id: r.grid_id,
        community_id: r.community_id,
        street_id: r.street_id,
    })
}

/// A resident as a party to a matter: name, phone in clear and home.
#[derive(Debug, Clone)]
pub struct Party {
    pub id: i64,
    pub name: String,
    /// In clear, for the calling service to store encrypted under its own field; never
    /// shown unmasked.
    pub phone: Option<String>,
    pub place: Place,
}

fn party_of(st: &AppState, r: ResidentRow) -> Party {
    Party {
        id: r.id,
        phone: st.cipher.decrypt(PHONE_FIELD, &r.phone_enc).ok(),
        place: Place {
            building_id: r.building_id,
            grid_id: r.grid_id,
            community_id: r.community_id,
            street_id: r.street_id,
        },
        name: r.name,
    }
}

/// The signed-in resident's own record as a party (a resident filing a dispute), or `None`
/// for an account without one.
pub async fn own(st: &AppState, user: &CurrentUser) -> AppResult<Option<Party>> {
    let Some(id) = user.resident_id else {
        return Ok(None);
    };
    let mut tx = st.db.read().await?;
    Ok(store::find(&mut tx, id).await?.map(|r| party_of(st, r)))
}

/// A resident named as a party, for a service that has already decided its caller may act
/// on the matter (staff filing a dispute between residents, a mediator taking over a case);
/// `None` if no such resident exists.
pub async fn party(st: &AppState, id: i64) -> AppResult<Option<Party>> {
    let mut tx = st.db.read().await?;
    Ok(store::find(&mut tx, id).await?.map(|r| party_of(st, r)))
}

/// Whether two residents live in one household (family, for a time-bank gift).
pub async fn same_household(st: &AppState, a: i64, b: i64) -> AppResult<bool> {
    let mut tx = st.db.read().await?;
    Ok(store::same_household(&mut tx, a, b).await?)
}

/// A resident's name masked (`张*`) for a list another domain shows (an owner in a
/// register, a member of a council); empty if there is no such resident.
pub async fn masked_name(st: &AppState, id: i64) -> AppResult<String> {
    Ok(party(st, id)
        .await?
        .map(|p| gongzhi_core::pii::mask_name(&p.name))
        .unwrap_or_default())
}

/// Writes a household inside the demo seeder's transaction.
pub async fn insert_household_in(tx: &mut Tx, place: Place, room: &str) -> AppResult<i64> {
    Ok(store::insert_household(tx, place, room).await?)
}

/// Every resident's id (the demo seeder picks reporters among them).
pub async fn all_ids(st: &AppState) -> AppResult<Vec<i64>> {
    let mut tx = st.db.read().await?;
    Ok(store::all_ids(&mut tx).await?)
}

/// The households of a building: (room, the first resident registered in it, the eldest), by room (for
/// the owners' register of the demo; a real register comes from the real-estate records).
pub async fn households_of(st: &AppState, building: i64) -> AppResult<Vec<(String, i64, i64)>> {
    let mut tx = st.db.read().await?;
    Ok(store::households_of(&mut tx, building).await?)
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
    crate::db::unique_or(
        store::insert(tx, &new, now).await,
        "ID_NUMBER_TAKEN",
        "id_number",
    )
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
/// (dashboards tolerate that; lists and records are always read live). Counts carry no
/// personal data; a scope without residents (a unit, a resident's own) counts nothing.
pub async fn stats(st: &AppState, user: &CurrentUser) -> AppResult<Stats> {
    use gongzhi_core::identity::Scope;
    let scope = user.scope;
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

/// The caller's own resident record, in clear (their copy under PIPL art. 45), for
/// `GET /api/v1/me/export`.
pub async fn export_own(st: &AppState, user: &CurrentUser) -> AppResult<Option<serde_json::Value>> {
    let Some(id) = user.resident_id else {
        return Ok(None);
    };
    let mut tx = st.db.read().await?;
    let Some(r) = store::find(&mut tx, id).await? else {
        return Ok(None);
    };
    let map = st.org_map();
    Ok(Some(serde_json::json!({
        "id": r.id,
        "name": r.name,
        "gender": r.gender,
        "birth_year": r.birth_year,
        "phone": st.cipher.decrypt(PHONE_FIELD, &r.phone_enc).ok(),
        "id_number": st.cipher.decrypt(ID_FIELD, &r.id_number_enc).ok(),
        "tags": r.tags,
        "building": map.unit_name(r.building_id),
        "room": r.room,
        "community": map.unit_name(r.community_id),
    })))
}

/// A resident corrects their own phone number (PIPL art. 46): the only record this can
/// reach is the caller's own; audited with both numbers masked.
pub async fn correct_own_phone(st: &AppState, user: &CurrentUser, raw: &str) -> AppResult<()> {
    let Some(id) = user.resident_id else {
        return Err(AppError::NotFound);
    };
    let phone =
        gongzhi_core::pii::PhoneNumber::parse(raw).map_err(|e| AppError::field("phone", e))?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let before = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let old = st
        .cipher
        .decrypt(PHONE_FIELD, &before.phone_enc)
        .map(|p| gongzhi_core::pii::mask_phone(&p))
        .unwrap_or_default();
    store::set_phone(
        &mut tx,
        id,
        &st.cipher.encrypt(PHONE_FIELD, phone.as_str()),
        &st.cipher.blind_index(PHONE_FIELD, phone.as_str()),
        now,
    )
    .await?;
    crate::audit::record(
        &mut tx,
        now,
        &user.actor(),
        crate::audit::Event::ok("resident.correct", "resident", id)
            .with(serde_json::json!({"field": "phone", "from": old, "to": phone.masked()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A resident's care needs as sealed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Care {
    needs: Vec<String>,
    note: String,
}

/// The birth date on a resident's ID number, read inside a transaction (consent's age rule).
pub async fn birth_date_in(
    st: &AppState,
    tx: &mut Tx,
    id: i64,
) -> AppResult<Option<(i32, u32, u32)>> {
    let Some(r) = store::find(tx, id).await? else {
        return Ok(None);
    };
    Ok(st
        .cipher
        .decrypt(ID_FIELD, &r.id_number_enc)
        .ok()
        .and_then(|n| IdNumber::parse(&n).ok())
        .map(|n| {
            let (y, m, d) = n.birth_date();
            (y as i32, m, d)
        }))
}

/// Staff who work with residents (grid workers, community and street staff) and reach the
/// resident's record; anyone else gets the same 404 as for a missing record.
pub async fn check_staff_reach(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<()> {
    let mut tx = st.db.read().await?;
    let r = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let staff = matches!(
        user.role,
        Role::GridWorker | Role::CommunityStaff | Role::StreetStaff
    );
    if !staff || !reads(user, &r) {
        return Err(AppError::Denied {
            object_type: "resident",
            object_id: id.to_string(),
        });
    }
    Ok(())
}

/// A resident registers their own care needs (health data: only with their separate
/// consent to `care_needs`, checked in the same transaction). Sealed; audited without the
/// content. An empty list erases them.
pub async fn set_own_care(
    st: &AppState,
    user: &CurrentUser,
    needs: &[String],
    note: &str,
) -> AppResult<()> {
    let Some(id) = user.resident_id else {
        return Err(AppError::NotFound);
    };
    if needs.iter().any(|n| !CARE_NEEDS.contains(&n.as_str())) {
        return Err(AppError::Invalid {
            code: "CARE_NEED_UNKNOWN",
            field: Some("needs"),
        });
    }
    if note.chars().count() > 200 {
        return Err(AppError::Invalid {
            code: "TEXT_TOO_LONG",
            field: Some("note"),
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    crate::consent::service::require(st, &mut tx, user, "care_needs").await?;
    let sealed = (!needs.is_empty()).then(|| {
        let care = Care {
            needs: needs.to_vec(),
            note: note.trim().to_string(),
        };
        st.cipher.encrypt(
            CARE_FIELD,
            &serde_json::to_string(&care).unwrap_or_default(),
        )
    });
    store::set_care(&mut tx, id, sealed.as_deref(), now).await?;
    crate::audit::record(
        &mut tx,
        now,
        &user.actor(),
        crate::audit::Event::ok("resident.care", "resident", id)
            .with(serde_json::json!({"count": needs.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Erases a resident's care needs (consent withdrawn, account cancelled); rows changed.
pub async fn forget_care(tx: &mut Tx, id: i64, now: i64) -> AppResult<u64> {
    Ok(store::set_care(tx, id, None, now).await?)
}

/// Erases a resident record inside the caller's transaction (account cancellation): name,
/// phone, ID number, care needs and tags replaced; the keyed indexes point nowhere, so a
/// search by the old phone or ID number finds nothing. Gender, birth year and the household
/// stay for the community's statistics. Idempotent.
pub async fn erase(st: &AppState, tx: &mut Tx, id: i64, now: i64) -> AppResult<u64> {
    let gone = format!("erased:{id}");
    Ok(store::erase(
        tx,
        id,
        "已注销",
        &st.cipher.encrypt(PHONE_FIELD, ""),
        &gone,
        &st.cipher.encrypt(ID_FIELD, ""),
        &gone,
        now,
    )
    .await?)
}

/// A resident's phone or ID number in clear, for staff who must call or identify them
/// (grid workers and community staff, in scope): a reason is required and the reveal is
/// audited (`pii.reveal`). Everyone else keeps the masked value.
pub async fn reveal(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    field: &str,
    reason: &str,
) -> AppResult<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::Invalid {
            code: "REVEAL_REASON_REQUIRED",
            field: Some("reason"),
        });
    }
    let column = match field {
        "phone" => PHONE_FIELD,
        "id_number" => ID_FIELD,
        _ => {
            return Err(AppError::Invalid {
                code: "REVEAL_FIELD_UNKNOWN",
                field: Some("field"),
            });
        }
    };
    if !matches!(user.role, Role::GridWorker | Role::CommunityStaff) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let r = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !reads(user, &r) {
        return Err(AppError::Denied {
            object_type: "resident",
            object_id: id.to_string(),
        });
    }
    let sealed = if field == "phone" {
        &r.phone_enc
    } else {
        &r.id_number_enc
    };
    let value = st
        .cipher
        .decrypt(column, sealed)
        .map_err(|e| anyhow::anyhow!("decrypting {column}: {e}"))?;
    crate::audit::record(
        &mut tx,
        now,
        &user.actor(),
        crate::audit::Event::ok("pii.reveal", "resident", id)
            .with(serde_json::json!({"field": field, "reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(value)
}

/// The one resident in the caller's scope with this phone number (a 12345 caller, a
/// walk-in): `RESIDENT_UNKNOWN` when none, `RESIDENT_AMBIGUOUS` when several share it.
pub async fn id_by_phone(st: &AppState, user: &CurrentUser, phone: &str) -> AppResult<i64> {
    let found = list(
        st,
        user,
        &Search {
            phone: Some(phone.to_string()),
            ..Search::default()
        },
        &PageParams {
            page: None,
            per_page: Some(2),
        },
    )
    .await
    .map_err(|_| AppError::Invalid {
        code: "RESIDENT_UNKNOWN",
        field: Some("on_behalf_of"),
    })?;
    match found.items.as_slice() {
        [one] => Ok(one.id),
        [] => Err(AppError::Invalid {
            code: "RESIDENT_UNKNOWN",
            field: Some("on_behalf_of"),
        }),
        _ => Err(AppError::Invalid {
            code: "RESIDENT_AMBIGUOUS",
            field: Some("on_behalf_of"),
        }),
    }
}

/// Every resident of a search, masked as on the page, for an export (at most
/// [`crate::web::export::MAX_ROWS`]); audited as `list.export` with the count.
pub async fn export_list(
    st: &AppState,
    user: &CurrentUser,
    q: &Search,
) -> AppResult<Vec<ResidentView>> {
    let all = crate::web::export::all_pages(|p| async move { list(st, user, q, &p).await }).await?;
    crate::audit::record_alone(
        &st.db,
        st.now_ms(),
        &user.actor(),
        crate::audit::Event::ok("list.export", "residents", "")
            .with(serde_json::json!({"rows": all.len(), "tag": q.tag})),
    )
    .await?;
    Ok(all)
}

/// A resident's age today (China time) by the ID number, and whether they receive
/// 低保 support (a register tag): the canteen's price tier. `None` if no such resident.
pub async fn age_and_support(st: &AppState, id: i64) -> AppResult<Option<(i64, bool)>> {
    let mut tx = st.db.read().await?;
    let Some(r) = store::find(&mut tx, id).await? else {
        return Ok(None);
    };
    let tags: Vec<String> = serde_json::from_str(&r.tags).unwrap_or_default();
    let (y, m, d) = crate::clock::ymd_cn(st.now_ms());
    let age = match birth_date_in(st, &mut tx, id).await? {
        Some((by, bm, bd)) => {
            let before_birthday = (m, d) < (bm, bd);
            i64::from(y - by) - i64::from(before_birthday)
        }
        None => i64::from(y) - r.birth_year,
    };
    Ok(Some((age, tags.iter().any(|t| t == "低保"))))
}

/// Residents of community `community` born in `born_from` or later: (id, birth year) —
/// for the demo seeder (children for 四点半课堂).
pub async fn born_from_in(
    st: &AppState,
    community: i64,
    born_from: i64,
) -> AppResult<Vec<(i64, i64)>> {
    let mut tx = st.db.read().await?;
    Ok(store::born_from_in(&mut tx, community, born_from).await?)
}
