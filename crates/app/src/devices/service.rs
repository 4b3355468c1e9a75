//! Device use-cases: registering sensors and AI cameras, and turning their events into
//! cases exactly once (the event id makes redelivery harmless, over HTTP and MQTT alike).

use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use gongzhi_core::identity::{Placement, Role, Scope};

use super::store;
pub use super::store::DeviceRow;
use crate::audit::{self, Actor, Event};
use crate::auth::service::{CurrentUser, Who};
use crate::cases::service::{self as cases, FiledView, Filer, Report};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Who watches the registry: the staff who answer alarms where the devices stand — grid
/// workers, community and street staff, administrators — each within their own area.
/// Building heads, handling units, mediators and auditors do not.
pub fn sees_devices(u: &CurrentUser) -> bool {
    matches!(
        (u.role, u.scope),
        (
            Role::GridWorker | Role::CommunityStaff | Role::StreetStaff | Role::Admin,
            Scope::District | Scope::Street(_) | Scope::Community(_) | Scope::Grid(_)
        )
    )
}

/// Where a point lies in the organisation (none outside every grid).
fn place_of(st: &AppState, lng: f64, lat: f64) -> Option<Placement> {
    let map = st.org_map();
    let loc = map.locate(lng, lat)?;
    Some(Placement {
        street: map.unit(loc.community).and_then(|u| u.street),
        community: Some(loc.community),
        grid: Some(loc.grid),
        ..Placement::default()
    })
}

/// Locates the devices registered before devices carried their place (at start).
pub async fn locate_unplaced(st: &AppState) -> anyhow::Result<usize> {
    let mut tx = st.db.read().await?;
    let rows = store::unplaced(&mut tx).await?;
    drop(tx);
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = st.db.begin().await?;
    let mut n = 0;
    for (id, lng, lat) in rows {
        if let Some(p) = place_of(st, lng, lat) {
            store::set_place(&mut tx, id, &p).await?;
            n += 1;
        }
    }
    tx.commit().await?;
    Ok(n)
}

/// Every device token starts so; the request middleware leaves such bearer tokens to the
/// device endpoint instead of treating them as user sessions.
pub const TOKEN_PREFIX: &str = "gzd_";

/// Event types a device may send: the category its case gets (none: status only) and the
/// Chinese label the case text starts with.
pub const EVENT_TYPES: &[(&str, Option<&str>, &str)] = &[
    ("smoke", Some("SAF.EMERGENCY"), "烟感报警"),
    ("gas_leak", Some("FAC.GAS"), "燃气泄漏报警"),
    ("water_leak", Some("FAC.WATER"), "漏水报警"),
    ("elevator_trapped", Some("FAC.ELEVATOR"), "电梯困人报警"),
    ("manhole_open", Some("FAC.ROAD"), "井盖异动报警"),
    (
        "garbage_overflow",
        Some("ENV.GARBAGE"),
        "AI识别：垃圾满溢或堆放",
    ),
    (
        "fire_lane_blocked",
        Some("SAF.FIRE"),
        "AI识别：消防通道被占用",
    ),
    ("illegal_parking", Some("SAF.TRAFFIC"), "AI识别：违章停车"),
    ("street_vendor", Some("ORD.VENDOR"), "AI识别：占道经营"),
    ("heartbeat", None, "心跳"),
    ("battery_low", None, "电量低"),
];

/// Kinds of device (for the registry).
pub const KINDS: &[(&str, &str)] = &[
    ("smoke", "烟感探测器"),
    ("gas", "燃气探测器"),
    ("water", "水浸传感器"),
    ("elevator", "电梯监测终端"),
    ("manhole", "智能井盖"),
    ("camera", "AI摄像头"),
];

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_token() -> String {
    let mut b = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    )
}

/// An event as devices send it (HTTP body or MQTT payload).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DeviceEvent {
    /// Unique per device: a redelivered event with the same id never makes a second case.
    pub event_id: String,
    /// One of the event types (smoke, water_leak, garbage_overflow, heartbeat …).
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (RFC 3339); default: when received.
    pub at: Option<String>,
    /// Where, if not at the device's own place (cameras see a distance).
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    #[schema(value_type = Object)]
    pub payload: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ingested {
    pub device: String,
    pub event_id: String,
    /// True when this event had been received before (nothing new was made).
    pub duplicate: bool,
    /// The case the event made or joined, if its type makes cases.
    pub case: Option<FiledView>,
}

async fn find(st: &AppState, code: &str) -> AppResult<DeviceRow> {
    let mut tx = st.db.read().await?;
    store::by_code(&mut tx, code)
        .await?
        .ok_or(AppError::NotFound)
}

/// Every device's code (for the platform's own jobs; not a user-facing list).
pub async fn codes(st: &AppState) -> AppResult<Vec<String>> {
    let mut tx = st.db.read().await?;
    Ok(store::codes(&mut tx).await?)
}

/// Checks a device's bearer token (constant-time over the hashes).
pub async fn authenticate(st: &AppState, code: &str, token: &str) -> AppResult<DeviceRow> {
    let d = find(st, code)
        .await
        .map_err(|_| AppError::Unauthenticated)?;
    let given = token_hash(token);
    let same = given.len() == d.token_hash.len()
        && given
            .bytes()
            .zip(d.token_hash.bytes())
            .fold(0u8, |a, (x, y)| a | (x ^ y))
            == 0;
    if !same {
        return Err(AppError::Unauthenticated);
    }
    Ok(d)
}

/// Records a device event; events of a case-making type file (or join) a case.
#[tracing::instrument(skip_all, fields(device = %d.code))]
pub async fn ingest(st: &AppState, d: &DeviceRow, ev: DeviceEvent) -> AppResult<Ingested> {
    let event_id = ev.event_id.trim().to_string();
    if event_id.is_empty() || event_id.chars().count() > 100 {
        return Err(AppError::Invalid {
            code: "EVENT_ID_INVALID",
            field: Some("event_id"),
        });
    }
    let Some(&(_, category, label)) = EVENT_TYPES.iter().find(|t| t.0 == ev.kind) else {
        return Err(AppError::Invalid {
            code: "EVENT_TYPE_UNKNOWN",
            field: Some("type"),
        });
    };
    let now = st.now_ms();
    let at = match ev.at.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => crate::clock::parse_time(s)
            .ok_or(AppError::Invalid {
                code: "DATE_INVALID",
                field: Some("at"),
            })?
            .min(now),
        None => now,
    };
    let (lng, lat) = match (ev.lng, ev.lat) {
        (Some(a), Some(b)) => (a, b),
        (None, None) => (d.lng, d.lat),
        _ => {
            return Err(AppError::Invalid {
                code: "LOCATION_INVALID",
                field: Some("lng"),
            });
        }
    };
    let mut tx = st.db.read().await?;
    let before = store::seen(&mut tx, d.id, &event_id).await?;
    drop(tx);
    if let Some(case_id) = before {
        let case = match case_id {
            Some(id) => Some(cases::filed_by_id(st, id).await?),
            None => None,
        };
        return Ok(Ingested {
            device: d.code.clone(),
            event_id,
            duplicate: true,
            case,
        });
    }
    let actor = Actor {
        id: None,
        name: format!("device:{}", d.code),
        ip: None,
    };
    let case = match category {
        Some(cat) => {
            let report = Report {
                text: format!("{label}（{} {}）", d.name, d.code),
                lng,
                lat,
                category: Some(cat.to_string()),
                intake_key: Some((format!("device:{}", d.id), event_id.clone())),
                ..Report::default()
            };
            let who = Filer::channel(actor.clone(), "device");
            Some(cases::file(st, &who, report).await?)
        }
        None => None,
    };
    // Received = handled: the case and its orders are committed by now.
    let handled = st.now_ms();
    let mut tx = st.db.begin().await?;
    if store::seen(&mut tx, d.id, &event_id).await?.is_none() {
        store::record_event(
            &mut tx,
            d.id,
            &event_id,
            &ev.kind,
            at,
            case.as_ref().map(|c| c.id),
            handled,
        )
        .await?;
        if case.is_none() {
            audit::record(
                &mut tx,
                now,
                &actor,
                Event::ok("device.event", "device", &d.code)
                    .with(serde_json::json!({"type": ev.kind, "event_id": event_id})),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(Ingested {
        device: d.code.clone(),
        event_id,
        duplicate: false,
        case,
    })
}

/// What an administrator registers.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewDevice {
    /// Stable code, e.g. `SMOKE-0001` (letters, digits, `-`, 3–40 characters).
    pub code: String,
    pub name: String,
    /// One of the kinds (smoke, gas, water, elevator, manhole, camera).
    pub kind: String,
    pub lng: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub code: String,
    /// The device's bearer token, shown once (only its hash is stored).
    pub token: String,
}

/// Registers a device (an administrator, or the demo seeder as the system); `token` is given
/// for demo devices, else a random one is made.
pub async fn register(
    st: &AppState,
    who: Who<'_>,
    d: &NewDevice,
    token: Option<String>,
) -> AppResult<Registered> {
    if let Who::User(u) = who
        && !u.role.may_administer()
    {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let code = d.code.trim();
    if !(3..=40).contains(&code.len())
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(AppError::Invalid {
            code: "DEVICE_CODE_INVALID",
            field: Some("code"),
        });
    }
    if !KINDS.iter().any(|k| k.0 == d.kind) {
        return Err(AppError::Invalid {
            code: "DEVICE_KIND_INVALID",
            field: Some("kind"),
        });
    }
    if !gongzhi_core::org::check_name(&d.name) {
        return Err(AppError::Invalid {
            code: "NAME_INVALID",
            field: Some("name"),
        });
    }
    let place = place_of(st, d.lng, d.lat).ok_or(AppError::Invalid {
        code: "LOCATION_OUTSIDE",
        field: Some("lng"),
    })?;
    let token = token.unwrap_or_else(new_token);
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let inserted = store::insert(
        &mut tx,
        code,
        d.name.trim(),
        &d.kind,
        &token_hash(&token),
        d.lng,
        d.lat,
        &place,
        now,
    )
    .await;
    crate::db::unique_or(inserted, "CODE_TAKEN", "code")?;
    audit::record(
        &mut tx,
        now,
        &who.actor(),
        Event::ok("device.register", "device", code),
    )
    .await?;
    tx.commit().await?;
    Ok(Registered {
        code: code.to_string(),
        token,
    })
}

/// A device as the registry shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeviceView {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub lng: f64,
    pub lat: f64,
    pub last_event_at: Option<String>,
    pub last_event_type: Option<String>,
    /// Heard from within the last 24 hours.
    pub online: bool,
}

/// The devices in the user's area with their last event (see [`sees_devices`]).
pub async fn list(
    st: &AppState,
    user: &CurrentUser,
    p: &crate::web::PageParams,
) -> AppResult<crate::web::Page<DeviceView>> {
    if !sees_devices(user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let mut tx = st.db.read().await?;
    let (rows, total) =
        store::list(&mut tx, &user.scope.filter(), p.per_page(), p.offset()).await?;
    let now = st.now_ms();
    let items = rows
        .into_iter()
        .map(|d| DeviceView {
            online: d.last_event_at.is_some_and(|t| now - t < 86_400_000),
            last_event_at: d.last_event_at.map(crate::clock::iso),
            code: d.code,
            name: d.name,
            kind: d.kind,
            lng: d.lng,
            lat: d.lat,
            last_event_type: d.last_event_type,
        })
        .collect();
    Ok(crate::web::Page::new(items, p, total))
}

/// Every device the user sees, for an export (at most [`crate::web::export::MAX_ROWS`]);
/// audited as `list.export` with the count.
pub async fn export_list(st: &AppState, user: &CurrentUser) -> AppResult<Vec<DeviceView>> {
    let all = crate::web::export::all_pages(|p| async move { list(st, user, &p).await }).await?;
    crate::audit::record_alone(
        &st.db,
        st.now_ms(),
        &user.actor(),
        crate::audit::Event::ok("list.export", "devices", "")
            .with(serde_json::json!({"rows": all.len()})),
    )
    .await?;
    Ok(all)
}
