//! Requests for help and volunteers' offers: an elder asks (or a guardian for them, or staff
//! for someone without a phone — recorded as such); staff match a batch optimally (the
//! assignment solver in core) or a verified volunteer takes one; the visit is checked in
//! and out at the elder's home; a matched visit not checked in within the hour raises a
//! welfare alert to the building head and staff. Health notes, under their own consent,
//! are shown to the matched volunteer only while serving.

//! Visits live in `visits.rs`, offers in `offers.rs`, health notes in `care.rs`.

use chrono::{Datelike, TimeZone, Timelike};
use gongzhi_core::identity::Role;
use gongzhi_core::timebank::{self as rules, matching};
use serde::{Deserialize, Serialize};

use super::care::health_note_of;
use super::offers::offer_view;
use super::visits::CHECKIN_EARLY_MS;
use super::{home, invalid, manages, masked_user};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::timebank::store::{self, RequestRow};

pub use super::care::{
    HEALTH_PURPOSE, HealthNoteRequest, forget_health, health_note, set_health_note,
};
pub use super::offers::{OfferRequest, OfferView, my_offer, set_offer};
pub use super::visits::{Position, alert_missed, checkin, checkout, finish_visit, watch};

/// Health notes show to the matched volunteer from this long before the visit.
const NOTE_BEFORE_MS: i64 = 2 * 3_600_000;

fn china() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"))
}

/// `2026-12-07T10:30` (China time, as a datetime-local input gives it) to ms.
fn parse_local(s: &str) -> Option<i64> {
    crate::clock::parse_local(s)
}

/// Weekday (Monday = 1) and minute of the day, China time.
fn when(ms: i64) -> (u8, i64) {
    let d = china()
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default();
    (
        d.weekday().number_from_monday() as u8,
        i64::from(d.hour() * 60 + d.minute()),
    )
}

/// Where a user lives: (community, building, lng, lat).
pub async fn place_of(st: &AppState, user: i64) -> AppResult<Option<(i64, i64, f64, f64)>> {
    let Some(r) = crate::auth::service::account(st, user)
        .await?
        .and_then(|a| a.resident_id)
    else {
        return Ok(None);
    };
    let Some(p) = crate::residents::service::party(st, r).await? else {
        return Ok(None);
    };
    let map = st.org_map();
    Ok(map
        .buildings
        .iter()
        .find(|b| b.id == p.place.building_id)
        .map(|b| (p.place.community_id, b.id, b.lng, b.lat)))
}

pub(super) fn building_name(st: &AppState, building: i64) -> String {
    let map = st.org_map();
    map.buildings
        .iter()
        .find(|b| b.id == building)
        .map(|b| format!("{}{}", b.compound, b.name))
        .unwrap_or_default()
}

// ---------------------------------------------------------------- requests

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewRequest {
    pub kind: String,
    /// Expected length, 1–1,440 minutes.
    pub minutes: i64,
    /// When, `2026-12-07T10:30` China time.
    pub wanted_at: String,
    pub note: Option<String>,
    /// The username of the person to serve when a guardian or staff ask for them (staff:
    /// someone without a phone, whose account staff opened — recorded as such).
    #[serde(rename = "for")]
    pub for_user: Option<String>,
    /// Pay with the person's own stored hours instead of the community's bank.
    pub pay_hours: Option<bool>,
}

/// What decided a match.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MatchReason {
    /// `batch` (matched by staff's run of the solver) or `taken` (the volunteer took it).
    pub how: String,
    pub walk_m: i64,
    /// Open requests the volunteer held.
    pub open: i64,
    /// Minutes they served in the last 30 days.
    pub recent_minutes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestView {
    pub id: i64,
    /// `open`, `matched`, `visiting`, `done` or `cancelled`.
    pub status: String,
    pub kind: String,
    pub minutes: i64,
    pub wanted_at_ms: i64,
    /// `2026-12-07 10:30`.
    pub wanted_at: String,
    pub note: String,
    /// `self`, `guardian` or `staff`.
    pub channel: String,
    pub pay_hours: bool,
    /// The person served, masked.
    pub recipient: String,
    /// Their building (the volunteer goes there).
    pub building: String,
    /// The matched volunteer, masked.
    pub volunteer: Option<String>,
    pub reason: Option<MatchReason>,
    pub created_at_ms: i64,
    pub matched_at_ms: Option<i64>,
    pub checkin_at_ms: Option<i64>,
    /// Metres from the elder's building at check-in.
    pub checkin_m: Option<i64>,
    pub checkout_at_ms: Option<i64>,
    /// The service recorded at check-out (confirm it to credit the hours).
    pub service_id: Option<i64>,
    /// The welfare alert raised because the visit was not checked in.
    pub alerted_at_ms: Option<i64>,
    /// The elder's health note: only to the matched volunteer while serving, and to the
    /// elder and their guardians.
    pub health_note: Option<String>,
    /// Whether the caller is the matched volunteer.
    pub mine: bool,
    pub may_take: bool,
    pub may_checkin: bool,
    pub may_checkout: bool,
    pub may_cancel: bool,
}

/// How the caller stands to a request.
pub(super) struct Standing {
    /// The person served or their guardian.
    pub(super) own: bool,
    /// `own`, or whoever entered the request.
    pub(super) recipient_side: bool,
    pub(super) volunteer: bool,
    pub(super) staff: bool,
    pub(super) verified_nearby: bool,
}

impl Standing {
    /// Whether the request is theirs to know of at all (else it answers 404).
    pub(super) fn sees(&self) -> bool {
        self.recipient_side || self.volunteer || self.staff || self.verified_nearby
    }
}

pub(super) async fn standing(
    st: &AppState,
    u: &CurrentUser,
    r: &RequestRow,
) -> AppResult<Standing> {
    let staff = manages(st, u, r.community_id);
    let own = u.id == r.recipient_user
        || match crate::auth::service::account(st, r.recipient_user)
            .await?
            .and_then(|a| a.resident_id)
        {
            Some(ward) => crate::consent::service::is_guardian(st, ward, u.id).await?,
            None => false,
        };
    let recipient_side = own || u.id == r.entered_by;
    let volunteer = r.volunteer_user == Some(u.id);
    // Verified volunteers of the street see open requests (to take one).
    let verified_nearby = if r.status == "open" && !recipient_side && !staff {
        let mut tx = st.db.read().await?;
        let v = store::is_verified(&mut tx, u.id).await?;
        drop(tx);
        v && match home(st, u.resident_id).await? {
            Some(c) => {
                let map = st.org_map();
                let street = |c: i64| map.unit(c).and_then(|x| x.street);
                street(c).is_some() && street(c) == street(r.community_id)
            }
            None => false,
        }
    } else {
        false
    };
    Ok(Standing {
        own,
        recipient_side,
        volunteer,
        staff,
        verified_nearby,
    })
}

async fn request_view(
    st: &AppState,
    u: &CurrentUser,
    r: &RequestRow,
    s: &Standing,
) -> AppResult<RequestView> {
    let now = st.now_ms();
    let serving = s.volunteer
        && matches!(r.status.as_str(), "matched" | "visiting")
        && now >= r.wanted_at - NOTE_BEFORE_MS;
    let health_note = if serving || s.own {
        health_note_of(st, r.recipient_user).await?
    } else {
        None
    };
    let building = match place_of(st, r.recipient_user).await? {
        Some((_, b, ..)) => building_name(st, b),
        None => String::new(),
    };
    let local = china()
        .timestamp_millis_opt(r.wanted_at)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    Ok(RequestView {
        id: r.id,
        status: r.status.clone(),
        kind: r.kind.clone(),
        minutes: r.minutes,
        wanted_at_ms: r.wanted_at,
        wanted_at: local,
        note: r.note.clone(),
        channel: r.channel.clone(),
        pay_hours: r.pay_hours,
        recipient: masked_user(st, r.recipient_user).await?,
        building,
        volunteer: match r.volunteer_user {
            Some(v) => Some(masked_user(st, v).await?),
            None => None,
        },
        reason: r
            .match_reason
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok()),
        created_at_ms: r.created_at,
        matched_at_ms: r.matched_at,
        checkin_at_ms: r.checkin_at,
        checkin_m: r.checkin_m,
        checkout_at_ms: r.checkout_at,
        service_id: r.service_id,
        alerted_at_ms: r.alerted_at,
        health_note,
        mine: s.volunteer,
        may_take: r.status == "open" && s.verified_nearby && u.id != r.recipient_user,
        may_checkin: s.volunteer && r.status == "matched" && now >= r.wanted_at - CHECKIN_EARLY_MS,
        may_checkout: s.volunteer && r.status == "visiting",
        may_cancel: matches!(r.status.as_str(), "open" | "matched")
            && (s.recipient_side || s.staff),
    })
}

/// The person a request is for: the caller, or `for` (their ward, or anyone in the staff's
/// area), with the channel it came by.
pub(super) async fn beneficiary(
    st: &AppState,
    u: &CurrentUser,
    for_user: Option<&str>,
) -> AppResult<(crate::auth::service::Account, &'static str)> {
    let named = match for_user.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(name) => Some(
            crate::auth::service::account_named(st, name)
                .await?
                .filter(|a| a.resident_id.is_some())
                .ok_or(invalid("RECIPIENT_UNKNOWN", "for"))?,
        ),
    };
    match named {
        None => {
            if !matches!(u.role, Role::Resident | Role::BuildingHead) || u.resident_id.is_none() {
                return Err(invalid("RECIPIENT_UNKNOWN", "for"));
            }
            let me = crate::auth::service::account(st, u.id)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok((me, "self"))
        }
        Some(a) if a.id == u.id => Ok((a, "self")),
        Some(a) => {
            let ward = a.resident_id.unwrap_or_default();
            if crate::consent::service::is_guardian(st, ward, u.id).await? {
                return Ok((a, "guardian"));
            }
            let c = home(st, a.resident_id)
                .await?
                .ok_or(invalid("RECIPIENT_UNKNOWN", "for"))?;
            if manages(st, u, c) {
                Ok((a, "staff"))
            } else {
                // Not theirs to ask for: as if there were no such person.
                Err(invalid("RECIPIENT_UNKNOWN", "for"))
            }
        }
    }
}

/// Asks for help: `201 {id, status: open}`.
pub async fn create_request(st: &AppState, u: &CurrentUser, r: &NewRequest) -> AppResult<i64> {
    let kind = rules::check_kind(&r.kind).map_err(|e| invalid(e.code(), "kind"))?;
    let minutes = rules::check_minutes(r.minutes).map_err(|e| invalid(e.code(), "minutes"))?;
    let now = st.now_ms();
    let wanted = parse_local(&r.wanted_at)
        .filter(|t| *t >= now - 3_600_000 && *t <= now + 60 * 86_400_000)
        .ok_or(invalid("WANTED_AT_INVALID", "wanted_at"))?;
    let note = r.note.as_deref().unwrap_or("").trim().to_string();
    if note.chars().count() > 500 {
        return Err(invalid("NOTE_INVALID", "note"));
    }
    let (who, channel) = beneficiary(st, u, r.for_user.as_deref()).await?;
    let community = home(st, who.resident_id)
        .await?
        .ok_or(invalid("RECIPIENT_UNKNOWN", "for"))?;
    let mut tx = st.db.begin().await?;
    let id = store::insert_request(
        &mut tx,
        &store::NewRequest {
            community,
            recipient: who.id,
            kind,
            minutes,
            wanted_at: wanted,
            note: &note,
            channel,
            entered_by: u.id,
            pay_hours: r.pay_hours.unwrap_or(false),
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.request", "timebank_request", id).with(serde_json::json!({
            "kind": kind, "minutes": minutes, "channel": channel, "for": who.id,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(super) async fn load(st: &AppState, id: i64) -> AppResult<RequestRow> {
    let mut tx = st.db.read().await?;
    store::request(&mut tx, id).await?.ok_or(AppError::NotFound)
}

/// A request, to whoever stands to it (else 404).
pub async fn request(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<RequestView> {
    let r = load(st, id).await?;
    let s = standing(st, u, &r).await?;
    if !s.sees() {
        return Err(AppError::NotFound);
    }
    let v = request_view(st, u, &r, &s).await?;
    if v.health_note.is_some() && s.volunteer {
        let mut tx = st.db.begin().await?;
        audit::record(
            &mut tx,
            st.now_ms(),
            &u.actor(),
            Event::ok("timebank.health_note.read", "timebank_request", id),
        )
        .await?;
        tx.commit().await?;
    }
    Ok(v)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequestLists {
    /// Requests the caller asked for, entered, or was matched to.
    pub mine: Vec<RequestView>,
    /// Open requests the caller may take (verified volunteers) or staff's community's
    /// requests.
    pub board: Vec<RequestView>,
}

/// The caller's requests and the board of open ones (volunteers) or the community's
/// (staff).
pub async fn requests(st: &AppState, u: &CurrentUser) -> AppResult<RequestLists> {
    let mut tx = st.db.read().await?;
    let mine_rows = store::requests_of(&mut tx, u.id, 50).await?;
    let verified = store::is_verified(&mut tx, u.id).await?;
    drop(tx);
    let board_community = if matches!(u.role, Role::CommunityStaff | Role::StreetStaff) {
        crate::participation::service::community_of(st, u, None)
            .await
            .ok()
            .map(|c| (c, false))
    } else if verified {
        home(st, u.resident_id).await?.map(|c| (c, true))
    } else {
        None
    };
    let board_rows = match board_community {
        Some((c, open_only)) => {
            let mut tx = st.db.read().await?;
            store::requests_in(&mut tx, c, open_only, 100).await?
        }
        None => vec![],
    };
    let mut mine = vec![];
    for r in &mine_rows {
        let s = standing(st, u, r).await?;
        mine.push(request_view(st, u, r, &s).await?);
    }
    let mut board = vec![];
    for r in board_rows
        .iter()
        .filter(|r| !mine_rows.iter().any(|m| m.id == r.id))
    {
        let s = standing(st, u, r).await?;
        if s.staff || s.verified_nearby {
            board.push(request_view(st, u, r, &s).await?);
        }
    }
    Ok(RequestLists { mine, board })
}

/// The recent-load figures of volunteers for matching.
async fn volunteers_for(
    st: &AppState,
    tx: &mut crate::db::Tx,
    community: i64,
    now: i64,
) -> AppResult<Vec<matching::Volunteer>> {
    let offers = store::offers_in(tx, community).await?;
    let loads = store::open_loads(tx, community).await?;
    let recent = store::recent_minutes(tx, community, now - 30 * 86_400_000).await?;
    let mut out = vec![];
    for o in offers {
        let Some((_, _, lng, lat)) = place_of(st, o.user_id).await? else {
            continue;
        };
        let v = offer_view(&o);
        out.push(matching::Volunteer {
            id: o.user_id,
            lng,
            lat,
            kinds: v.kinds,
            weekdays: v.weekdays.iter().map(|d| *d as u8).collect(),
            from_minute: o.from_minute,
            to_minute: o.to_minute,
            open: loads.iter().find(|l| l.0 == o.user_id).map_or(0, |l| l.1),
            capacity: o.capacity,
            recent_minutes: recent.iter().find(|l| l.0 == o.user_id).map_or(0, |l| l.1),
        });
    }
    Ok(out)
}

async fn need_of(st: &AppState, r: &RequestRow) -> AppResult<Option<matching::Need>> {
    let Some((_, _, lng, lat)) = place_of(st, r.recipient_user).await? else {
        return Ok(None);
    };
    let (weekday, minute) = when(r.wanted_at);
    Ok(Some(matching::Need {
        id: r.id,
        lng,
        lat,
        kind: r.kind.clone(),
        weekday,
        minute,
        minutes: r.minutes,
    }))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchedView {
    pub request: i64,
    /// The volunteer, masked.
    pub volunteer: String,
    pub reason: MatchReason,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnmatchedView {
    pub request: i64,
    /// `skill`, `time`, `distance` or `full`: the nearest miss.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchView {
    pub matched: Vec<MatchedView>,
    pub unmatched: Vec<UnmatchedView>,
}

async fn tell_match(
    st: &AppState,
    tx: &mut crate::db::Tx,
    r: &RequestRow,
    volunteer: i64,
    now: i64,
) -> AppResult<()> {
    let kind = rules::KINDS
        .iter()
        .find(|k| k.0 == r.kind)
        .map_or(r.kind.as_str(), |k| k.1);
    let mut to = vec![r.recipient_user];
    if let Some(ward) = crate::auth::service::account(st, r.recipient_user)
        .await?
        .and_then(|a| a.resident_id)
    {
        to.extend(crate::consent::service::guardians_in(tx, ward).await?);
    }
    crate::notify::service::send(
        st,
        tx,
        &to,
        None,
        "timebank",
        "志愿者已接单",
        &format!("您的{kind}请求已有志愿者接单，将按约定时间上门。"),
        now,
    )
    .await?;
    crate::notify::service::send(
        st,
        tx,
        &[volunteer],
        None,
        "timebank",
        "新的志愿服务",
        &format!("有一位老人需要{kind}服务，请在时间银行查看时间和地点。"),
        now,
    )
    .await?;
    Ok(())
}

/// Staff match a community's open requests to its volunteers, optimally for the batch.
pub async fn run_match(
    st: &AppState,
    u: &CurrentUser,
    community: Option<i64>,
) -> AppResult<BatchView> {
    let c = crate::participation::service::community_of(st, u, community).await?;
    if !manages(st, u, c) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let open = store::open_requests(&mut tx, c, now - 3_600_000).await?;
    let vols = volunteers_for(st, &mut tx, c, now).await?;
    let mut needs = vec![];
    for r in &open {
        // Nobody serves themselves.
        if let Some(n) = need_of(st, r).await? {
            needs.push(n);
        }
    }
    let (mut matches, unmatched) = matching::solve(&needs, &vols, &matching::Weights::default());
    matches.retain(|m| {
        open.iter()
            .find(|r| r.id == m.need)
            .is_some_and(|r| r.recipient_user != m.volunteer)
    });
    let mut out = BatchView {
        matched: vec![],
        unmatched: unmatched
            .iter()
            .map(|x| UnmatchedView {
                request: x.need,
                reason: x.reason.code().into(),
            })
            .collect(),
    };
    for m in &matches {
        let reason = MatchReason {
            how: "batch".into(),
            walk_m: m.walk_m,
            open: m.open,
            recent_minutes: m.recent_minutes,
        };
        let json = serde_json::to_string(&reason).unwrap_or_default();
        if !store::set_match(&mut tx, m.need, m.volunteer, &json, now).await? {
            continue;
        }
        if let Some(r) = open.iter().find(|r| r.id == m.need) {
            tell_match(st, &mut tx, r, m.volunteer, now).await?;
        }
        audit::record(
            &mut tx,
            now,
            &u.actor(),
            Event::ok("timebank.match", "timebank_request", m.need)
                .with(serde_json::json!({"volunteer": m.volunteer, "reason": reason})),
        )
        .await?;
        out.matched.push(MatchedView {
            request: m.need,
            volunteer: masked_user(st, m.volunteer).await?,
            reason,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// A verified volunteer of the street takes an open request.
pub async fn take(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<RequestView> {
    let r = load(st, id).await?;
    let s = standing(st, u, &r).await?;
    if !s.sees() {
        return Err(AppError::NotFound);
    }
    if !s.verified_nearby || u.id == r.recipient_user {
        return Err(if r.status == "open" {
            AppError::Forbidden("VOLUNTEER_NOT_VERIFIED")
        } else {
            AppError::Conflict("REQUEST_TAKEN")
        });
    }
    let walk_m = match (
        place_of(st, u.id).await?,
        place_of(st, r.recipient_user).await?,
    ) {
        (Some((_, _, a, b)), Some((_, _, c, d))) => {
            gongzhi_core::org::distance_m([a, b], [c, d]).round() as i64
        }
        _ => 0,
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let loads = store::open_loads(&mut tx, r.community_id).await?;
    let recent = store::recent_minutes(&mut tx, r.community_id, now - 30 * 86_400_000).await?;
    let reason = MatchReason {
        how: "taken".into(),
        walk_m,
        open: loads.iter().find(|l| l.0 == u.id).map_or(0, |l| l.1),
        recent_minutes: recent.iter().find(|l| l.0 == u.id).map_or(0, |l| l.1),
    };
    let json = serde_json::to_string(&reason).unwrap_or_default();
    if !store::set_match(&mut tx, id, u.id, &json, now).await? {
        return Err(AppError::Conflict("REQUEST_TAKEN"));
    }
    tell_match(st, &mut tx, &r, u.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.take", "timebank_request", id)
            .with(serde_json::json!({"reason": reason})),
    )
    .await?;
    tx.commit().await?;
    request(st, u, id).await
}

/// The person served, a guardian, whoever entered it, or staff cancel an open or matched
/// request.
pub async fn cancel(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<RequestView> {
    let r = load(st, id).await?;
    let s = standing(st, u, &r).await?;
    if !s.sees() {
        return Err(AppError::NotFound);
    }
    if !(s.recipient_side || s.staff) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::cancel(&mut tx, id).await? {
        return Err(AppError::Conflict("REQUEST_NOT_OPEN"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.cancel", "timebank_request", id),
    )
    .await?;
    tx.commit().await?;
    request(st, u, id).await
}
