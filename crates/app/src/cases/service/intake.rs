//! Intake: a report from any channel (web, hotline, property desk, patrol, device, import,
//! Open311) is checked, classified (the person's choice or the routing model's) and located
//! before anything is written; [`super::filing`] writes it.

use std::sync::Arc;

use gongzhi_core::cases::WorkCalendar;
use gongzhi_core::cases::lifecycle::OrderStatus;
use gongzhi_core::identity::Role;
use gongzhi_core::org::Zone;
use serde::Serialize;

use super::filing::actor_label;
use super::media::Photo;
use super::store::{self, CaseRow, OrderRow};
use super::{CALLER_FIELD, MAX_PHOTOS, STAFF_CHANNELS, category, check_text, unit_code};
use crate::audit::Actor;
use crate::auth::service::CurrentUser;
use crate::clock::iso;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::taxonomy::Category;

/// A report as filed through any channel.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub text: String,
    pub lng: f64,
    pub lat: f64,
    pub photos: Vec<Photo>,
    /// A category chosen by the reporter or the staff member (else the model decides).
    pub category: Option<String>,
    /// Staff only; residents always file on `web`.
    pub channel: Option<String>,
    /// Staff only: the resident the report is filed for (recorded as such).
    pub on_behalf_of: Option<i64>,
    /// A hotline caller's phone (encrypted at rest, masked when shown).
    pub caller_phone: Option<String>,
    pub address: Option<String>,
    /// Exactly-once key: (source, key), e.g. ("device:7", event id) or ("12345", order no).
    pub intake_key: Option<(String, String)>,
}

/// Who files: a signed-in user (whose role decides channel and on-behalf filing), or a
/// system channel — a device, an Open311 integration, an import — acting as `actor`.
pub struct Filer<'a> {
    pub(super) user: Option<&'a CurrentUser>,
    pub(super) actor: Actor,
    /// The channel when there is no user to decide it (device, import, open311).
    pub(super) channel: Option<&'static str>,
}

impl<'a> Filer<'a> {
    /// A signed-in user files (on the web, the hotline desk, a patrol …).
    pub fn user(u: &'a CurrentUser) -> Self {
        Filer {
            user: Some(u),
            actor: u.actor(),
            channel: None,
        }
    }

    /// A system channel files as `actor` (`device:SMOKE-0001`, `open311:city`, the user who
    /// imports a hotline export).
    pub fn channel(actor: Actor, channel: &'static str) -> Self {
        Filer {
            user: None,
            actor,
            channel: Some(channel),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    /// The model's calibrated probability; `null` when a person chose the category.
    pub confidence: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderBrief {
    pub id: i64,
    /// Handling unit code (e.g. `WATER`, `PROPERTY-1`).
    pub unit: String,
    pub unit_name: String,
    pub status: String,
    /// Sign for it by then (RFC 3339, +08:00).
    pub sign_by: String,
    pub due_at: String,
}

/// The answer to filing a report (fixed API shape).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FiledView {
    pub id: i64,
    /// True when the report was merged into an open case with the same matter.
    pub merged: bool,
    pub category: CategoryView,
    /// Grid code.
    pub grid: String,
    /// Community code.
    pub community: String,
    /// `compound` (inside a compound's boundary) or `public`.
    pub zone: String,
    pub status: String,
    pub orders: Vec<OrderBrief>,
}

fn brief(st: &AppState, o: &OrderRow) -> OrderBrief {
    OrderBrief {
        id: o.id,
        unit: unit_code(st, o.unit_id),
        unit_name: o.unit_name.clone(),
        status: o.status.clone(),
        sign_by: iso(o.sign_by),
        due_at: iso(o.due_at),
    }
}

fn filed_view(st: &AppState, c: &CaseRow, orders: &[OrderRow], merged: bool) -> FiledView {
    let map = st.org_map();
    FiledView {
        id: c.id,
        merged,
        category: CategoryView {
            code: c.category.clone(),
            name: category(&c.category)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            confidence: c.confidence,
        },
        grid: map.unit_code(c.grid_id).unwrap_or_default().to_string(),
        community: map
            .unit_code(c.community_id)
            .unwrap_or_default()
            .to_string(),
        zone: c.zone.clone(),
        status: c.status.clone(),
        orders: orders
            .iter()
            .filter(|o| o.status != OrderStatus::Rerouted.code())
            .map(|o| brief(st, o))
            .collect(),
    }
}

/// The filing answer for an existing case (a redelivered device event, a re-import).
pub async fn filed_by_id(st: &AppState, id: i64) -> AppResult<FiledView> {
    let mut tx = st.db.read().await?;
    let c = store::find_case(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let orders = store::orders_of_case(&mut tx, id).await?;
    Ok(filed_view(st, &c, &orders, false))
}

/// A report checked, classified and located: everything filing needs but the database.
/// The cipher field of a report's original text (kept sealed when masking changed it).
pub const ORIGINAL_FIELD: &str = "case_originals.text";

pub struct Prepared {
    /// The report as shown: phone and ID numbers typed into it masked.
    pub(super) text: String,
    /// The report as typed, sealed (encrypted), when masking changed it.
    pub(super) original: Option<String>,
    pub(super) lng: f64,
    pub(super) lat: f64,
    pub(super) channel: &'static str,
    pub(super) cat: &'static Category,
    pub(super) confidence: Option<f64>,
    pub(super) by: &'static str,
    pub(super) predicted: String,
    pub(super) caller_enc: Option<String>,
    pub(super) address: String,
    pub(super) street: i64,
    pub(super) community: i64,
    pub(super) grid: i64,
    pub(super) compound: Option<i64>,
    pub(super) zone: Zone,
    pub(super) building: Option<i64>,
    pub(super) user_id: Option<i64>,
    pub(super) staff: bool,
    pub(super) on_behalf_of: Option<i64>,
    pub(super) resident_id: Option<i64>,
    pub(super) intake_key: Option<(String, String)>,
    pub(super) photos: Vec<Photo>,
    pub(super) actor: Actor,
    pub(super) label: String,
    pub(super) cal: Arc<WorkCalendar>,
    pub(super) now: i64,
}

/// What filing one report produced.
pub struct Filed {
    pub(super) case: CaseRow,
    pub(super) orders: Vec<OrderRow>,
    pub(super) merged: bool,
    /// A staff member overrode the model: the live model should learn it.
    pub(super) corrected: bool,
}

/// Files a report: validates, classifies and locates it, then merges it into a matching
/// open case or opens a new one with its work orders, in one transaction with its audit
/// record. Reports arriving together are written together (see [`crate::cases::intake`]).
#[tracing::instrument(skip_all)]
pub async fn file(st: &AppState, who: &Filer<'_>, r: Report) -> AppResult<FiledView> {
    let p = prepare(st, who, r).await?;
    let filed = st.intake.file(st, p).await?;
    if filed.corrected {
        crate::routing::sync_corrections(st).await?;
    }
    Ok(filed_view(st, &filed.case, &filed.orders, filed.merged))
}

/// Checks a report and works out everything about it that needs no write: channel,
/// category, place, deadlines' calendar, the resident it is filed for.
async fn prepare(st: &AppState, who: &Filer<'_>, r: Report) -> AppResult<Prepared> {
    let typed = check_text(&r.text)?;
    let (text, original) = match gongzhi_core::pii::mask_text(&typed) {
        Some(masked) => (masked, Some(st.cipher.encrypt(ORIGINAL_FIELD, &typed))),
        None => (typed, None),
    };
    if !(r.lng.is_finite() && r.lat.is_finite()) {
        return Err(AppError::Invalid {
            code: "LOCATION_INVALID",
            field: Some("lng"),
        });
    }
    if r.photos.len() > MAX_PHOTOS {
        return Err(AppError::Invalid {
            code: "PHOTO_TOO_MANY",
            field: Some("photos"),
        });
    }
    let map = st.org_map();
    let loc = map.locate(r.lng, r.lat).ok_or(AppError::Invalid {
        code: "LOCATION_OUTSIDE",
        field: Some("lng"),
    })?;
    let street = map
        .unit(loc.community)
        .and_then(|u| u.street)
        .ok_or(AppError::Invalid {
            code: "LOCATION_OUTSIDE",
            field: Some("lng"),
        })?;
    let user = who.user;
    let staff = user.is_some_and(|u| u.role.is_staff());
    // Channel: residents file on the web; staff may name theirs; systems have their own.
    let channel: &str = match (user, &r.channel) {
        (_, _) if who.channel.is_some() => who.channel.unwrap_or("web"),
        (Some(u), Some(ch)) if u.role.is_staff() => STAFF_CHANNELS
            .iter()
            .copied()
            .find(|c| *c == ch.as_str())
            .ok_or(AppError::Invalid {
                code: "CHANNEL_INVALID",
                field: Some("channel"),
            })?,
        (Some(u), None) => match u.role {
            Role::GridWorker | Role::BuildingHead => "patrol",
            Role::UnitStaff => "property_desk",
            _ => "web",
        },
        (Some(_), Some(_)) => return Err(AppError::Forbidden("CHANNEL_STAFF_ONLY")),
        (None, _) => "web",
    };
    if r.on_behalf_of.is_some() && !staff {
        return Err(AppError::Forbidden("ON_BEHALF_STAFF_ONLY"));
    }
    // Classification: the person's choice, else the model's.
    let chosen = match r
        .category
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => Some(category(code).ok_or(AppError::Invalid {
            code: "CATEGORY_UNKNOWN",
            field: Some("category"),
        })?),
        None => None,
    };
    // A trained model predicts in microseconds, in place; only the first use trains it,
    // which belongs on a blocking thread.
    let pred = match crate::routing::loaded(st) {
        Some(m) => m.predict(&text),
        None => {
            let (st2, t2) = (st.clone(), text.clone());
            tokio::task::spawn_blocking(move || crate::routing::live(&st2).map(|m| m.predict(&t2)))
                .await
                .map_err(|e| AppError::Internal(e.into()))??
        }
    };
    let (cat, confidence, by) = match chosen {
        Some(c) => (
            c,
            None,
            if who.channel == Some("device") {
                "device"
            } else {
                "human"
            },
        ),
        None => (
            category(&pred.code).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("model label {} not in taxonomy", pred.code))
            })?,
            Some(f64::from(pred.confidence)),
            "model",
        ),
    };
    let caller_enc = match r
        .caller_phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => {
            let phone = gongzhi_core::pii::PhoneNumber::parse(p)
                .map_err(|e| AppError::field("caller_phone", e))?;
            Some(st.cipher.encrypt(CALLER_FIELD, phone.as_str()))
        }
        None => None,
    };
    let address = r
        .address
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect::<String>();
    let cal = crate::cases::calendar::calendar(st).await?;
    let now = st.now_ms();
    // On-behalf filing: the resident must exist and lie within the staff member's scope.
    let resident_id = match (r.on_behalf_of, user) {
        (Some(rid), Some(u)) => {
            crate::residents::service::home_for(st, u, rid, "on_behalf_of").await?;
            Some(rid)
        }
        (_, Some(u)) if u.role == Role::Resident => u.resident_id,
        _ => None,
    };
    Ok(Prepared {
        text,
        original,
        lng: r.lng,
        lat: r.lat,
        channel,
        cat,
        confidence,
        by,
        predicted: pred.code,
        caller_enc,
        address,
        street,
        community: loc.community,
        grid: loc.grid,
        compound: loc.compound,
        zone: loc.zone,
        // Inside a compound the nearest building (within 60 m) is where it happened.
        building: loc
            .compound
            .and_then(|_| map.nearest_building(r.lng, r.lat, 60.0))
            .map(|b| b.id),
        user_id: user.map(|u| u.id),
        staff,
        on_behalf_of: r.on_behalf_of,
        resident_id,
        intake_key: r.intake_key,
        photos: r.photos,
        actor: who.actor.clone(),
        label: actor_label(who),
        cal,
        now,
    })
}
