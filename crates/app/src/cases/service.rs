//! Case use-cases: intake from every channel with triage (classify, locate, route, merge
//! duplicates, deadlines), the work-order life cycle, call-backs, and who may see what.

use std::sync::Arc;

use base64::Engine as _;
use gongzhi_core::cases::lifecycle::{self, CaseStatus, OrderAction, OrderStatus};
use gongzhi_core::cases::similar::{self, MergeRule, NewReport, OpenCase};
use gongzhi_core::cases::{WorkCalendar, assign, calendar};
use gongzhi_core::identity::{Placement, Role, Scope};
use gongzhi_core::org::Zone;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::store::{self, CaseRow, OrderRow};
use crate::audit::{self, Actor, Event};
use crate::auth::service::CurrentUser;
use crate::clock::iso;
use crate::db::{Deferred, Tx};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::taxonomy::{self, Category};

/// Where a report came in.
pub const CHANNELS: [&str; 7] = [
    "web",
    "hotline",
    "property_desk",
    "patrol",
    "device",
    "import",
    "open311",
];
/// Channels a staff member may name when filing by hand.
pub const STAFF_CHANNELS: [&str; 4] = ["web", "hotline", "property_desk", "patrol"];

pub const CALLER_FIELD: &str = "cases.caller";
const MAX_TEXT: usize = 2000;
const MAX_PHOTOS: usize = 4;
const MAX_PHOTO_BYTES: usize = 3 << 20;

/// A decoded photo.
#[derive(Debug, Clone)]
pub struct Photo {
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// Recognises JPEG, PNG and WebP by their first bytes (the declared type is not trusted).
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A photo from the API: a `data:image/…;base64,…` URL or bare base64.
/// The bytes of a `data:…;base64,…` URL (or of bare base64); `None` if it is not base64.
pub fn data_url_bytes(s: &str) -> Option<Vec<u8>> {
    let b64 = match s.split_once(";base64,") {
        Some((head, body)) if head.starts_with("data:") => body,
        _ => s,
    };
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
}

pub fn decode_photo(s: &str) -> AppResult<Photo> {
    let bytes = data_url_bytes(s).ok_or(AppError::Invalid {
        code: "PHOTO_INVALID",
        field: Some("photos"),
    })?;
    photo_from_bytes(bytes)
}

pub fn photo_from_bytes(bytes: Vec<u8>) -> AppResult<Photo> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(AppError::Invalid {
            code: "PHOTO_TOO_LARGE",
            field: Some("photos"),
        });
    }
    let mime = sniff_image(&bytes).ok_or(AppError::Invalid {
        code: "PHOTO_INVALID",
        field: Some("photos"),
    })?;
    Ok(Photo { mime, bytes })
}

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

/// Who files: a signed-in user, or the system on behalf of a device or an integration.
pub struct Filer<'a> {
    pub user: Option<&'a CurrentUser>,
    pub actor: Actor,
    /// The channel when there is no user to decide it (device, import, open311).
    pub channel: Option<&'static str>,
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

/// The cached working-day calendar (30 s; cleared on local edits).
pub async fn calendar(st: &AppState) -> AppResult<Arc<WorkCalendar>> {
    st.calendar_cache
        .get_or_refresh(st.now_ms(), async {
            let mut tx = st.db.read().await?;
            let rows = store::calendar_days(&mut tx).await?;
            let days = rows.into_iter().filter_map(|(d, k, _)| {
                Some((calendar::parse_date(&d)?, calendar::DayKind::parse(&k)?))
            });
            Ok::<_, AppError>(WorkCalendar::new(days))
        })
        .await
}

pub(crate) fn category(code: &str) -> Option<&'static Category> {
    taxonomy::get().categories.iter().find(|c| c.code == code)
}

fn unit_code(st: &AppState, id: i64) -> String {
    st.org_map()
        .handling_unit_code(id)
        .unwrap_or_default()
        .to_string()
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

/// The units a category goes to at a place: per-community override, else the taxonomy's
/// unit for the zone (the compound's own property company inside a compound), plus the
/// `also` units. Empty when no unit exists: the case waits for a dispatcher.
pub(crate) fn route_units(
    map: &crate::org::OrgMap,
    cat: &Category,
    community: i64,
    compound: Option<i64>,
    zone: Zone,
) -> Vec<i64> {
    let primary = match zone {
        Zone::Compound => &cat.compound,
        Zone::Public => &cat.public,
    };
    let mut out: Vec<i64> = vec![];
    let first = match map.route_override(community, &cat.code) {
        Some(u) => Some(u),
        None => match (primary.as_str(), compound) {
            ("property", Some(cp)) => map
                .compound_property(cp)
                .or_else(|| map.unit_of_kind(primary)),
            _ => map.unit_of_kind(primary),
        },
    };
    out.extend(first);
    for kind in &cat.also {
        if let Some(u) = map.unit_of_kind(kind)
            && !out.contains(&u)
        {
            out.push(u);
        }
    }
    out
}

/// Picks the best worker of the unit for a new order (distance, load, skill).
fn pick_worker(rows: Vec<store::WorkerRow>, category: &str, lng: f64, lat: f64) -> Option<i64> {
    if rows.is_empty() {
        return None;
    }
    let workers: Vec<assign::Worker> = rows
        .into_iter()
        .map(|w| assign::Worker {
            id: w.id,
            lng: w.lng.unwrap_or(lng),
            lat: w.lat.unwrap_or(lat),
            load: w.load,
            capacity: w.capacity.unwrap_or(50),
            skills: w
                .skills
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default(),
        })
        .collect();
    let job = assign::Job {
        id: 0,
        lng,
        lat,
        category: category.to_string(),
    };
    assign::best_worker(&job, &workers, &assign::Weights::default())
}

/// Tells each user: inbox always, SMS/e-mail through the outbox where configured.
#[allow(clippy::too_many_arguments)]
async fn notify(
    st: &AppState,
    tx: &mut Tx,
    users: &[i64],
    case_id: i64,
    kind: &str,
    title: &str,
    body: &str,
    now: i64,
) -> AppResult<()> {
    crate::notify::send(st, tx, users, Some(case_id), kind, title, body, now).await?;
    Ok(())
}

fn short_text(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        format!("{t}…")
    } else {
        t
    }
}

/// Creates one work order and tells the unit (and, when urgent, the community at once).
#[allow(clippy::too_many_arguments)]
async fn dispatch_order(
    st: &AppState,
    tx: &mut Tx,
    b: &mut Batch,
    cal: &WorkCalendar,
    c: &CaseRow,
    cat: &Category,
    unit: i64,
    actor: &Actor,
    label: &str,
    now: i64,
) -> AppResult<OrderRow> {
    let d = calendar::deadlines(cal, now, cat.sla_hours, cat.urgent);
    // A unit's staff are read once per batch; the loads count this batch's assignments.
    let people = match b.people.get(&unit) {
        Some(p) => p.clone(),
        None => {
            let p = store::unit_people(tx, unit).await?;
            b.people.insert(unit, p.clone());
            p
        }
    };
    let worker = pick_worker(
        people
            .iter()
            .filter_map(store::UnitPerson::worker)
            .collect(),
        &c.category,
        c.lng,
        c.lat,
    );
    if let Some(w) = worker
        && let Some(p) = b
            .people
            .get_mut(&unit)
            .and_then(|v| v.iter_mut().find(|p| p.id == w))
    {
        p.load += 1;
    }
    let buf = &mut b.rows;
    let id =
        store::insert_order(tx, c.id, unit, worker, d.sign_by, d.warn_at, d.due_at, now).await?;
    store::insert_event_later(
        buf,
        c.id,
        Some(id),
        now,
        actor.id,
        label,
        "dispatched",
        &serde_json::json!({"unit": unit_code(st, unit), "due_at": iso(d.due_at), "sign_by": iso(d.sign_by), "assignee": worker}),
    );
    let mut to: Vec<crate::notify::Recipient> =
        people.iter().map(store::UnitPerson::recipient).collect();
    let kind = if cat.urgent { "urgent" } else { "order" };
    if cat.urgent {
        to.extend(store::staff_contacts_at(tx, "community", Some(c.community_id)).await?);
    }
    let title = if cat.urgent {
        format!("【紧急】新工单 #{}: {}", c.id, cat.name)
    } else {
        format!("新工单 #{}: {}", c.id, cat.name)
    };
    crate::notify::send_to_deferred(
        st,
        tx,
        buf,
        &to,
        Some(c.id),
        kind,
        &title,
        &short_text(&c.text),
        now,
    )
    .await?;
    Ok(OrderRow {
        id,
        case_id: c.id,
        unit_id: unit,
        unit_name: st.org_map().handling_unit_name(unit).unwrap_or_default(),
        status: OrderStatus::Dispatched.code().into(),
        assignee_id: worker,
        sign_by: d.sign_by,
        warn_at: d.warn_at,
        due_at: d.due_at,
        signed_at: None,
        responded_at: None,
        done_at: None,
        closed_at: None,
        return_reason: None,
        ext_until: None,
        ext_reason: None,
        feedback: None,
        feedback_photos: "[]".into(),
        warned: false,
        overdue_rung: None,
        created_at: now,
        updated_at: now,
    })
}

/// [`dispatch_order`] with its rows written at once (for changes that write more events
/// after it).
#[allow(clippy::too_many_arguments)]
async fn dispatch_order_now(
    st: &AppState,
    tx: &mut Tx,
    cal: &WorkCalendar,
    c: &CaseRow,
    cat: &Category,
    unit: i64,
    actor: &Actor,
    label: &str,
    now: i64,
) -> AppResult<OrderRow> {
    let mut b = Batch::default();
    let o = dispatch_order(st, tx, &mut b, cal, c, cat, unit, actor, label, now).await?;
    b.finish(tx).await?;
    Ok(o)
}

/// Recomputes and stores a case's status from its orders; returns it.
async fn refresh_status(tx: &mut Tx, case_id: i64, now: i64) -> AppResult<CaseStatus> {
    let orders = store::orders_of_case(tx, case_id).await?;
    let states: Vec<OrderStatus> = orders
        .iter()
        .filter_map(|o| OrderStatus::parse(&o.status))
        .collect();
    let s = lifecycle::case_status(&states);
    let closed_at = (s == CaseStatus::Closed).then_some(now);
    let next_due = orders
        .iter()
        .filter(|o| OrderStatus::parse(&o.status).is_some_and(|x| x.is_open()))
        .map(|o| o.due_at)
        .min();
    store::set_case_status(tx, case_id, s.code(), now, closed_at, next_due).await?;
    Ok(s)
}

fn check_text(text: &str) -> AppResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid {
            code: "TEXT_INVALID",
            field: Some("text"),
        });
    }
    Ok(t.to_string())
}

/// Whether the role works cases as a dispatcher (派单): re-route, approve extensions,
/// call back, supervise, reclassify.
pub fn is_dispatcher(role: Role) -> bool {
    matches!(role, Role::CommunityStaff | Role::StreetStaff | Role::Admin)
}

/// Whether the user dispatches for the case's place.
pub fn dispatches(u: &CurrentUser, c: &CaseRow) -> bool {
    is_dispatcher(u.role) && u.scope.covers(&placement(c))
}

/// Refuses a dispatcher action to anyone else: 404 (audited) if they may not even see the
/// case, 403 if they may see it but not act.
async fn require_dispatcher(tx: &mut Tx, u: &CurrentUser, c: &CaseRow) -> AppResult<()> {
    if dispatches(u, c) {
        return Ok(());
    }
    check_visible(tx, u, c).await?;
    Err(AppError::Forbidden("ORDER_ACTION_FORBIDDEN"))
}

fn placement(c: &CaseRow) -> Placement {
    Placement {
        street: Some(c.street_id),
        community: Some(c.community_id),
        grid: Some(c.grid_id),
        building: c.building_id,
        resident: None,
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

fn is_unique_violation(e: &AppError) -> bool {
    match e {
        AppError::Internal(a) => a
            .downcast_ref::<sqlx::Error>()
            .is_some_and(crate::db::is_unique_violation),
        _ => false,
    }
}

/// A report checked, classified and located: everything filing needs but the database.
pub struct Prepared {
    text: String,
    lng: f64,
    lat: f64,
    channel: &'static str,
    cat: &'static Category,
    confidence: Option<f64>,
    by: &'static str,
    predicted: String,
    caller_enc: Option<String>,
    address: String,
    street: i64,
    community: i64,
    grid: i64,
    compound: Option<i64>,
    zone: Zone,
    building: Option<i64>,
    user_id: Option<i64>,
    staff: bool,
    on_behalf_of: Option<i64>,
    resident_id: Option<i64>,
    intake_key: Option<(String, String)>,
    photos: Vec<Photo>,
    actor: Actor,
    label: String,
    cal: Arc<WorkCalendar>,
    now: i64,
}

/// What filing one report produced.
pub struct Filed {
    case: CaseRow,
    orders: Vec<OrderRow>,
    merged: bool,
    /// A staff member overrode the model: the live model should learn it.
    corrected: bool,
}

/// Files a report: validates, classifies and locates it, then merges it into a matching
/// open case or opens a new one with its work orders, in one transaction with its audit
/// record. Reports arriving together are written together (see [`super::intake`]).
#[tracing::instrument(skip_all)]
pub async fn file(st: &AppState, who: &Filer<'_>, r: Report) -> AppResult<FiledView> {
    let p = prepare(st, who, r).await?;
    let filed = st.intake.file(st, p).await?;
    if filed.corrected {
        crate::routing::sync_corrections(st).await?;
    }
    Ok(filed_view(st, &filed.case, &filed.orders, filed.merged))
}

/// What filing a batch gathers as it goes: the rows nobody reads back in the transaction
/// (timeline events, reporters, inbox messages, audit records, heat-map tallies), written
/// at its end in one statement; the cases it has opened; the staff of the units it has
/// dispatched to. Filing updates no row that concurrent filings also write, so concurrent
/// batches never wait for each other's commits.
#[derive(Default)]
pub(crate) struct Batch {
    rows: Deferred,
    counts: std::collections::BTreeMap<(i64, i64, String), i64>,
    /// The cases this batch has opened so far.
    fresh: Vec<CaseRow>,
    /// Each unit's staff as read in this batch, with the batch's assignments counted.
    people: std::collections::HashMap<i64, Vec<store::UnitPerson>>,
}

impl Batch {
    async fn finish(mut self, tx: &mut Tx) -> AppResult<()> {
        for ((day, grid, cat), n) in &self.counts {
            super::rollup::count_cases_later(&mut self.rows, *day, *grid, cat, *n);
        }
        self.rows.flush(tx).await?;
        Ok(())
    }
}

/// Files reports in one transaction; any failure rolls all of them back (the caller then
/// files them one by one, so one bad report cannot sink the others).
pub(crate) async fn file_together(st: &AppState, batch: &[&Prepared]) -> AppResult<Vec<Filed>> {
    let mut tx = st.db.begin().await?;
    let mut b = Batch::default();
    let mut out = Vec::with_capacity(batch.len());
    // On PostgreSQL the duplicate candidates of the whole batch are read in one statement.
    let mut near: Vec<Option<Vec<CaseRow>>> = if batch.len() > 1 && st.db.is_postgres() {
        let rule = MergeRule::default();
        let qs: Vec<store::NearQuery> = batch.iter().map(|p| near_query(p, &rule)).collect();
        store::open_near_many(&mut tx, &qs)
            .await?
            .into_iter()
            .map(Some)
            .collect()
    } else {
        batch.iter().map(|_| None).collect()
    };
    for (p, near) in batch.iter().zip(near.iter_mut()) {
        out.push(file_in(st, &mut tx, &mut b, p, near.take()).await?);
    }
    // The orders of the cases reports were merged into, in one read.
    let merged: Vec<i64> = out.iter().filter(|f| f.merged).map(|f| f.case.id).collect();
    if !merged.is_empty() {
        let orders = store::orders_of_cases(&mut tx, &merged).await?;
        for f in out.iter_mut().filter(|f| f.merged) {
            f.orders = orders
                .iter()
                .filter(|o| o.case_id == f.case.id)
                .cloned()
                .collect();
        }
    }
    b.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}

/// Files one report in its own transaction. Two deliveries of the same keyed report racing
/// each other (two app nodes): the loser retries and finds the winner's case.
pub(crate) async fn file_alone(st: &AppState, p: &Prepared) -> AppResult<Filed> {
    let r = match file_together(st, &[p]).await {
        Err(e) if p.intake_key.is_some() && is_unique_violation(&e) => {
            file_together(st, &[p]).await
        }
        other => other,
    };
    r.map(|mut v| v.remove(0))
}

/// Checks a report and works out everything about it that needs no write: channel,
/// category, place, deadlines' calendar, the resident it is filed for.
async fn prepare(st: &AppState, who: &Filer<'_>, r: Report) -> AppResult<Prepared> {
    let text = check_text(&r.text)?;
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
    let cal = calendar(st).await?;
    let now = st.now_ms();
    // On-behalf filing: the resident must exist and lie within the staff member's scope.
    let resident_id = match (r.on_behalf_of, user) {
        (Some(rid), Some(u)) => {
            let mut tx = st.db.read().await?;
            let res = crate::residents::store::find(&mut tx, rid).await?;
            drop(tx);
            let res = res.ok_or(AppError::Invalid {
                code: "RESIDENT_UNKNOWN",
                field: Some("on_behalf_of"),
            })?;
            let p = Placement {
                street: Some(res.street_id),
                community: Some(res.community_id),
                grid: Some(res.grid_id),
                building: Some(res.building_id),
                resident: Some(res.id),
            };
            if !u.scope.covers(&p) {
                return Err(AppError::Invalid {
                    code: "RESIDENT_UNKNOWN",
                    field: Some("on_behalf_of"),
                });
            }
            Some(rid)
        }
        (_, Some(u)) if u.role == Role::Resident => u.resident_id,
        _ => None,
    };
    Ok(Prepared {
        text,
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

/// The writing half of filing, inside the caller's transaction; what can wait for the end
/// of the batch goes to `b`.
/// Where the duplicates of `p` would be.
fn near_query<'a>(p: &'a Prepared, rule: &MergeRule) -> store::NearQuery<'a> {
    let (dlng, dlat) = similar::degrees_for(rule.radius_m, p.lat);
    store::NearQuery {
        category: &p.cat.code,
        since: p.now - rule.window_ms,
        bbox: [p.lng - dlng, p.lat - dlat, p.lng + dlng, p.lat + dlat],
    }
}

/// `near`: the open cases that `p` may duplicate, if already read for the batch.
async fn file_in(
    st: &AppState,
    tx: &mut Tx,
    b: &mut Batch,
    p: &Prepared,
    near: Option<Vec<CaseRow>>,
) -> AppResult<Filed> {
    let (cat, now, text) = (p.cat, p.now, &p.text);
    let (user_id, resident_id, channel) = (p.user_id, p.resident_id, p.channel);
    // Exactly once: a redelivered device event or re-imported order returns its case.
    if let Some((src, key)) = &p.intake_key
        && let Some(existing) = store::find_intake_key(tx, src, key).await?
    {
        let case = store::find_case(tx, existing)
            .await?
            .ok_or(AppError::NotFound)?;
        let orders = store::orders_of_case(tx, existing).await?;
        return Ok(Filed {
            case,
            orders,
            merged: false,
            corrected: false,
        });
    }
    // Duplicate of an open case (filed earlier, or earlier in this batch): add the
    // reporter, do not file twice.
    let rule = MergeRule::default();
    let near = match near {
        // Read for the whole batch before it started: add the cases it has opened since.
        Some(mut near) => {
            near.extend(b.fresh.iter().filter(|c| c.category == cat.code).cloned());
            near
        }
        None => {
            let q = near_query(p, &rule);
            store::open_near(tx, q.category, q.since, q.bbox).await?
        }
    };
    let candidates: Vec<OpenCase> = near
        .iter()
        .map(|n| OpenCase {
            id: n.id,
            category: &n.category,
            lng: n.lng,
            lat: n.lat,
            at_ms: n.created_at,
            text: &n.text,
        })
        .collect();
    let new = NewReport {
        category: &cat.code,
        lng: p.lng,
        lat: p.lat,
        at_ms: now,
        text,
    };
    if let Some(target) = similar::best_match(&new, &candidates, &rule) {
        let case = near
            .into_iter()
            .find(|c| c.id == target)
            .ok_or(AppError::NotFound)?;
        let buf = &mut b.rows;
        store::insert_reporter_later(buf, target, user_id, resident_id, channel, text, now);
        if let Some((src, key)) = &p.intake_key {
            store::insert_intake_key(tx, src, key, target, now).await?;
        }
        store::insert_event_later(
            buf,
            target,
            None,
            now,
            p.actor.id,
            &p.label,
            "merged",
            &serde_json::json!({"channel": channel}),
        );
        audit::record_later(
            buf,
            now,
            &p.actor,
            Event::ok("case.merge", "case", target).with(serde_json::json!({"channel": channel})),
        );
        // Its orders are read for the whole batch at once (see `file_together`).
        return Ok(Filed {
            case,
            orders: vec![],
            merged: true,
            corrected: false,
        });
    }
    let map = st.org_map();
    let zone = match p.zone {
        Zone::Compound => "compound",
        Zone::Public => "public",
    };
    let units = route_units(&map, cat, p.community, p.compound, p.zone);
    let status = if units.is_empty() {
        CaseStatus::Accepted
    } else {
        CaseStatus::Dispatched
    };
    let filed_by_staff = p.staff && p.on_behalf_of.is_some();
    let new_case = store::NewCase {
        channel,
        category: &cat.code,
        confidence: p.confidence,
        category_by: p.by,
        text,
        lng: p.lng,
        lat: p.lat,
        address: &p.address,
        street_id: p.street,
        community_id: p.community,
        grid_id: p.grid,
        compound_id: p.compound,
        building_id: p.building,
        zone,
        urgent: cat.urgent,
        status: status.code(),
        reporter_user_id: user_id,
        resident_id,
        filed_by_staff,
        caller_enc: p.caller_enc.clone(),
        external_ref: p.intake_key.as_ref().map(|k| k.1.as_str()),
        photos: "[]".into(),
        // Every order of a new case gets the same deadlines.
        next_due: (!units.is_empty())
            .then(|| calendar::deadlines(&p.cal, now, cat.sla_hours, cat.urgent).due_at),
        created_at: now,
    };
    let id = store::insert_case(tx, &new_case).await?;
    *b.counts
        .entry((super::rollup::day_of(now), p.grid, cat.code.clone()))
        .or_default() += 1;
    let buf = &mut b.rows;
    store::insert_reporter_later(buf, id, user_id, resident_id, channel, text, now);
    if let Some((src, key)) = &p.intake_key {
        store::insert_intake_key(tx, src, key, id, now).await?;
    }
    let mut photo_ids = vec![];
    for ph in &p.photos {
        let sha = hex::encode(Sha256::digest(&ph.bytes));
        photo_ids
            .push(store::insert_attachment(tx, id, ph.mime, &sha, &ph.bytes, user_id, now).await?);
    }
    let photos_json = serde_json::to_string(&photo_ids).unwrap_or_else(|_| "[]".into());
    if !photo_ids.is_empty() {
        store::set_photos(tx, id, &photos_json).await?;
    }
    // A staff member who overrides the model leaves a training example.
    let corrected = p.by == "human" && p.staff && p.predicted != cat.code;
    if corrected {
        store::insert_correction(tx, Some(id), text, &p.predicted, &cat.code, user_id, now).await?;
    }
    store::insert_event_later(
        buf,
        id,
        None,
        now,
        p.actor.id,
        &p.label,
        "accepted",
        &serde_json::json!({
            "channel": channel, "category": cat.code, "by": p.by, "confidence": p.confidence,
            "on_behalf": p.on_behalf_of.is_some(), "zone": zone,
        }),
    );
    // The case as stored, without reading it back.
    let c = CaseRow {
        id,
        channel: channel.to_string(),
        category: cat.code.clone(),
        confidence: p.confidence,
        category_by: p.by.to_string(),
        text: text.clone(),
        lng: p.lng,
        lat: p.lat,
        address: p.address.clone(),
        street_id: p.street,
        community_id: p.community,
        grid_id: p.grid,
        compound_id: p.compound,
        building_id: p.building,
        zone: zone.to_string(),
        urgent: cat.urgent,
        status: status.code().to_string(),
        reporter_user_id: user_id,
        resident_id,
        filed_by_staff,
        caller_enc: None,
        external_ref: None,
        photos: photos_json,
        reporters: 1,
        rung: "grid".into(),
        supervised_at: None,
        solved: None,
        satisfaction: None,
        callback_at: None,
        reopened: 0,
        created_at: now,
        updated_at: now,
        closed_at: None,
    };
    let mut orders = Vec::with_capacity(units.len());
    for u in &units {
        orders.push(dispatch_order(st, tx, b, &p.cal, &c, cat, *u, &p.actor, &p.label, now).await?);
    }
    if units.is_empty() {
        // Nobody to send it to: the community's dispatchers must route it by hand.
        let to = store::staff_at(tx, "community", Some(p.community)).await?;
        notify(
            st,
            tx,
            &to,
            id,
            "unrouted",
            &format!("待派单 #{id}: {}", cat.name),
            &short_text(text),
            now,
        )
        .await?;
    }
    audit::record_later(
        &mut b.rows,
        now,
        &p.actor,
        Event::ok("case.file", "case", id).with(serde_json::json!({
            "channel": channel, "category": cat.code, "units": units.len(),
            "on_behalf_of": p.on_behalf_of,
        })),
    );
    b.fresh.push(c.clone());
    Ok(Filed {
        case: c,
        orders,
        merged: false,
        corrected,
    })
}

/// How a person appears in a case's timeline: staff by account, residents only as 居民
/// (the handling units need not know who reported).
fn actor_label(who: &Filer<'_>) -> String {
    match who.user {
        Some(u) if u.role == Role::Resident => "居民".into(),
        Some(u) => u.display_name.clone(),
        None => who.actor.name.clone(),
    }
}

fn user_label(u: &CurrentUser) -> String {
    if u.role == Role::Resident {
        "居民".into()
    } else {
        u.display_name.clone()
    }
}

/// Whether the user may see the case; refusals are audited 404s.
async fn check_visible(tx: &mut Tx, u: &CurrentUser, c: &CaseRow) -> AppResult<()> {
    let ok = match (u.role, u.scope) {
        (Role::Auditor, _) => false,
        (_, Scope::Unit(unit)) => store::orders_of_case(tx, c.id)
            .await?
            .iter()
            .any(|o| o.unit_id == unit),
        (Role::Resident, _) => {
            c.resident_id.is_some() && c.resident_id == u.resident_id
                || store::is_reporter(tx, c.id, u.id, u.resident_id).await?
        }
        (_, scope) => {
            scope.covers(&placement(c)) || store::is_reporter(tx, c.id, u.id, None).await?
        }
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::Denied {
            object_type: "case",
            object_id: c.id.to_string(),
        })
    }
}

/// One case, if the user may see it.
pub async fn load_visible(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<CaseRow> {
    let mut tx = st.db.read().await?;
    let c = store::find_case(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_visible(&mut tx, u, &c).await?;
    Ok(c)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub status: String,
    pub status_name: String,
    pub assignee: Option<i64>,
    pub sign_by: String,
    pub due_at: String,
    pub signed_at: Option<String>,
    pub done_at: Option<String>,
    pub closed_at: Option<String>,
    pub return_reason: Option<String>,
    /// A pending extension request: until when, and why.
    pub extension_until: Option<String>,
    pub extension_reason: Option<String>,
    pub feedback: Option<String>,
    /// URLs of the feedback photos.
    pub feedback_photos: Vec<String>,
    pub warned: bool,
    pub overdue: bool,
    /// How far up the ladder the overdue order was escalated.
    pub escalated_to: Option<String>,
    #[serde(skip)]
    pub unit_id: i64,
    #[serde(skip)]
    pub due_ms: i64,
    #[serde(skip)]
    pub sign_by_local: String,
    #[serde(skip)]
    pub due_local: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub order_id: Option<i64>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    #[serde(skip)]
    pub at_ms: i64,
    #[serde(skip)]
    pub at_local: String,
}

/// A case with its orders and full history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub channel: String,
    pub category: CategoryView,
    pub category_by: String,
    pub text: String,
    pub lng: f64,
    pub lat: f64,
    pub address: String,
    pub grid: String,
    pub grid_name: String,
    pub community: String,
    pub community_name: String,
    pub zone: String,
    pub urgent: bool,
    pub status: String,
    pub status_name: String,
    pub reporters: i64,
    pub filed_on_behalf: bool,
    /// The hotline caller's phone, masked (dispatchers only).
    pub caller: Option<String>,
    pub rung: String,
    pub supervised: bool,
    pub solved: Option<bool>,
    pub satisfaction: Option<i64>,
    pub reopened: i64,
    pub created_at: String,
    pub closed_at: Option<String>,
    pub photos: Vec<String>,
    pub orders: Vec<OrderView>,
    pub timeline: Vec<EventView>,
    #[serde(skip)]
    pub created_ms: i64,
    /// For pages: `2026年11月22日 14:30`.
    #[serde(skip)]
    pub created_local: String,
}

fn photo_urls(json: &str) -> Vec<String> {
    serde_json::from_str::<Vec<i64>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|i| format!("/attachments/{i}"))
        .collect()
}

fn order_view(st: &AppState, o: &OrderRow, now: i64) -> OrderView {
    let status = OrderStatus::parse(&o.status);
    OrderView {
        id: o.id,
        unit: unit_code(st, o.unit_id),
        unit_name: o.unit_name.clone(),
        status: o.status.clone(),
        status_name: status.map(|s| s.name_zh()).unwrap_or_default().to_string(),
        assignee: o.assignee_id,
        sign_by: iso(o.sign_by),
        due_at: iso(o.due_at),
        signed_at: o.signed_at.map(iso),
        done_at: o.done_at.map(iso),
        closed_at: o.closed_at.map(iso),
        return_reason: o.return_reason.clone(),
        extension_until: o.ext_until.map(iso),
        extension_reason: o.ext_reason.clone(),
        feedback: o.feedback.clone(),
        feedback_photos: photo_urls(&o.feedback_photos),
        warned: o.warned,
        overdue: status.is_some_and(|s| s.is_open()) && o.due_at < now,
        escalated_to: o.overdue_rung.clone(),
        unit_id: o.unit_id,
        due_ms: o.due_at,
        sign_by_local: crate::clock::format_cn(o.sign_by),
        due_local: crate::clock::format_cn(o.due_at),
    }
}

/// A case with orders and timeline, for a user who may see it.
pub async fn get(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<CaseView> {
    let mut tx = st.db.read().await?;
    let c = store::find_case(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_visible(&mut tx, u, &c).await?;
    let orders = store::orders_of_case(&mut tx, id).await?;
    let events = store::events(&mut tx, id).await?;
    drop(tx);
    let now = st.now_ms();
    let map = st.org_map();
    let status = CaseStatus::parse(&c.status);
    let caller = if is_dispatcher(u.role) {
        c.caller_enc.as_deref().map(|e| {
            st.cipher
                .decrypt(CALLER_FIELD, e)
                .map(|p| gongzhi_core::pii::mask_phone(&p))
                .unwrap_or_else(|_| "***********".into())
        })
    } else {
        None
    };
    Ok(CaseView {
        id: c.id,
        channel: c.channel.clone(),
        category: CategoryView {
            code: c.category.clone(),
            name: category(&c.category)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            confidence: c.confidence,
        },
        category_by: c.category_by.clone(),
        text: c.text.clone(),
        lng: c.lng,
        lat: c.lat,
        address: c.address.clone(),
        grid: map.unit_code(c.grid_id).unwrap_or_default().to_string(),
        grid_name: map.unit_name(c.grid_id).unwrap_or_default(),
        community: map
            .unit_code(c.community_id)
            .unwrap_or_default()
            .to_string(),
        community_name: map.unit_name(c.community_id).unwrap_or_default(),
        zone: c.zone.clone(),
        urgent: c.urgent,
        status: c.status.clone(),
        status_name: status.map(|s| s.name_zh()).unwrap_or_default().to_string(),
        reporters: c.reporters,
        filed_on_behalf: c.filed_by_staff,
        caller,
        rung: c.rung.clone(),
        supervised: c.supervised_at.is_some(),
        solved: c.solved,
        satisfaction: c.satisfaction,
        reopened: c.reopened,
        created_at: iso(c.created_at),
        closed_at: c.closed_at.map(iso),
        photos: photo_urls(&c.photos),
        orders: orders.iter().map(|o| order_view(st, o, now)).collect(),
        timeline: events
            .into_iter()
            .map(|e| EventView {
                at: iso(e.at),
                actor: e.actor,
                kind: e.kind,
                order_id: e.order_id,
                detail: serde_json::from_str(&e.detail).unwrap_or_default(),
                at_ms: e.at,
                at_local: crate::clock::format_cn(e.at),
            })
            .collect(),
        created_ms: c.created_at,
        created_local: crate::clock::format_cn(c.created_at),
    })
}

/// List filters from the query string.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CaseQuery {
    /// A status code, or `open` for everything not closed.
    pub status: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// Only urgent cases.
    pub urgent: Option<bool>,
    /// Only cases with an overdue order.
    pub overdue: Option<bool>,
    /// Only cases under supervision (督办).
    pub supervised: Option<bool>,
    /// `queue` (urgent first, nearest deadline first) or `recent` (default).
    pub order: Option<String>,
    /// Filed from (RFC 3339 or YYYY-MM-DD).
    pub from: Option<String>,
    pub to: Option<String>,
    /// `mine`: only cases the caller reported.
    pub mine: Option<bool>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaseListItem {
    pub id: i64,
    pub channel: String,
    pub category: String,
    pub category_name: String,
    pub text: String,
    pub lng: f64,
    pub lat: f64,
    pub community_name: String,
    pub grid_name: String,
    pub urgent: bool,
    pub status: String,
    pub status_name: String,
    pub reporters: i64,
    pub rung: String,
    pub supervised: bool,
    pub created_at: String,
    /// The nearest deadline of an open order.
    pub next_due: Option<String>,
    pub overdue: bool,
    /// `11-22 10:00`, for pages.
    #[serde(skip)]
    pub created_local: String,
    #[serde(skip)]
    pub next_due_local: Option<String>,
}

fn filter_for(u: &CurrentUser, q: &CaseQuery, now: i64) -> AppResult<store::CaseFilter> {
    let mut f = store::CaseFilter {
        to: i64::MAX,
        ..Default::default()
    };
    if q.mine == Some(true) || u.role == Role::Resident {
        f.reporter = Some(u.id);
        if u.role == Role::Resident {
            f.resident = u.resident_id;
        }
    } else {
        match u.scope {
            Scope::District => f.all = true,
            Scope::Street(i) => f.street = Some(i),
            Scope::Community(i) => f.community = Some(i),
            Scope::Grid(i) => f.grid = Some(i),
            Scope::Building(i) => f.building = Some(i),
            Scope::Unit(i) => f.unit = Some(i),
            Scope::OwnResident(_) | Scope::Nothing => {}
        }
        if u.role == Role::Auditor {
            return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
        }
        // A staff list is the jurisdiction; what they filed elsewhere is under `mine=true`
        // (an OR across both would keep every list from reading its index in order).
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
        if s != "open" && CaseStatus::parse(s).is_none() {
            return Err(AppError::Invalid {
                code: "STATUS_UNKNOWN",
                field: Some("status"),
            });
        }
        f.status = s.to_string();
    }
    if let Some(c) = q.category.as_deref().filter(|s| !s.is_empty()) {
        if category(c).is_none() {
            return Err(AppError::Invalid {
                code: "CATEGORY_UNKNOWN",
                field: Some("category"),
            });
        }
        f.category = c.to_string();
    }
    if let Some(c) = q.channel.as_deref().filter(|s| !s.is_empty()) {
        if !CHANNELS.contains(&c) {
            return Err(AppError::Invalid {
                code: "CHANNEL_INVALID",
                field: Some("channel"),
            });
        }
        f.channel = c.to_string();
    }
    f.urgent_only = q.urgent == Some(true);
    f.supervised_only = q.supervised == Some(true);
    if q.overdue == Some(true) {
        f.overdue_before = Some(now);
    }
    if let Some(s) = q.from.as_deref().filter(|s| !s.is_empty()) {
        f.from = crate::clock::parse_time(s).ok_or(AppError::Invalid {
            code: "DATE_INVALID",
            field: Some("from"),
        })?;
    }
    if let Some(s) = q.to.as_deref().filter(|s| !s.is_empty()) {
        f.to = crate::clock::parse_time(s).ok_or(AppError::Invalid {
            code: "DATE_INVALID",
            field: Some("to"),
        })?;
    }
    Ok(f)
}

/// Cases the user may see, filtered and paged.
pub async fn list(
    st: &AppState,
    u: &CurrentUser,
    q: &CaseQuery,
    p: &crate::web::PageParams,
) -> AppResult<crate::web::Page<CaseListItem>> {
    let now = st.now_ms();
    let f = filter_for(u, q, now)?;
    let queue = q.order.as_deref() == Some("queue");
    let mut tx = st.db.read().await?;
    let (rows, total) = store::list_cases(&mut tx, &f, queue, p.per_page(), p.offset()).await?;
    drop(tx);
    let map = st.org_map();
    let items = rows
        .into_iter()
        .map(|r| CaseListItem {
            id: r.id,
            category_name: category(&r.category)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            channel: r.channel,
            category: r.category,
            text: r.text,
            lng: r.lng,
            lat: r.lat,
            community_name: map.unit_name(r.community_id).unwrap_or_default(),
            grid_name: map.unit_name(r.grid_id).unwrap_or_default(),
            urgent: r.urgent,
            status_name: CaseStatus::parse(&r.status)
                .map(|s| s.name_zh())
                .unwrap_or_default()
                .to_string(),
            status: r.status,
            reporters: r.reporters,
            rung: r.rung,
            supervised: r.supervised_at.is_some(),
            created_at: iso(r.created_at),
            created_local: crate::clock::short(r.created_at),
            overdue: r.next_due.is_some_and(|d| d < now),
            next_due: r.next_due.map(iso),
            next_due_local: r.next_due.map(crate::clock::short),
        })
        .collect();
    Ok(crate::web::Page::new(items, p, total))
}

// --- work-order actions ---

/// What a unit or a dispatcher does to an order.
#[derive(Debug, Clone)]
pub enum Act {
    Sign,
    Return {
        reason: String,
    },
    /// Ask for more time: a new deadline and why.
    Extend {
        until: i64,
        reason: String,
    },
    /// The dispatcher approves or refuses the pending extension.
    DecideExtension {
        approve: bool,
    },
    Feedback {
        text: String,
        photos: Vec<Photo>,
    },
    /// The dispatcher sends the order to another unit.
    Reroute {
        unit: i64,
        reason: String,
    },
}

impl Act {
    fn action(&self) -> OrderAction {
        match self {
            Act::Sign => OrderAction::Sign,
            Act::Return { .. } => OrderAction::Return,
            Act::Extend { .. } => OrderAction::RequestExtension,
            Act::DecideExtension { .. } => OrderAction::DecideExtension,
            Act::Feedback { .. } => OrderAction::Feedback,
            Act::Reroute { .. } => OrderAction::Reroute,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Act::Sign => "signed",
            Act::Return { .. } => "returned",
            Act::Extend { .. } => "extension_requested",
            Act::DecideExtension { approve: true } => "extension_approved",
            Act::DecideExtension { approve: false } => "extension_refused",
            Act::Feedback { .. } => "feedback",
            Act::Reroute { .. } => "rerouted",
        }
    }

    /// Whether the unit acts (else a dispatcher).
    fn by_unit(&self) -> bool {
        matches!(
            self,
            Act::Sign | Act::Return { .. } | Act::Extend { .. } | Act::Feedback { .. }
        )
    }
}

fn reason(s: &str, field: &'static str) -> AppResult<String> {
    let t = s.trim();
    let n = t.chars().count();
    if !(2..=500).contains(&n) {
        return Err(AppError::Invalid {
            code: "REASON_INVALID",
            field: Some(field),
        });
    }
    Ok(t.to_string())
}

/// Applies an action to a work order, with the life-cycle rules, permissions, history,
/// notifications and audit in one transaction. Returns the case id.
#[tracing::instrument(skip_all, fields(order = order_id))]
pub async fn act(
    st: &AppState,
    u: &CurrentUser,
    actor: &Actor,
    order_id: i64,
    act: Act,
) -> AppResult<i64> {
    // Validate free text before opening the transaction.
    let act = match act {
        Act::Return { reason: r } => Act::Return {
            reason: reason(&r, "reason")?,
        },
        Act::Extend { until, reason: r } => Act::Extend {
            until,
            reason: reason(&r, "reason")?,
        },
        Act::Reroute { unit, reason: r } => Act::Reroute {
            unit,
            reason: reason(&r, "reason")?,
        },
        Act::Feedback { text, photos } => {
            if photos.len() > MAX_PHOTOS {
                return Err(AppError::Invalid {
                    code: "PHOTO_TOO_MANY",
                    field: Some("photos"),
                });
            }
            Act::Feedback {
                text: reason(&text, "text")?,
                photos,
            }
        }
        other => other,
    };
    let cal = calendar(st).await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let mut o = store::find_order(&mut tx, order_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = store::find_case(&mut tx, o.case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Permission: the order's own unit for unit actions; a dispatcher over the case's
    // place for the others. Anyone else gets the same 404 as a missing order.
    let allowed = if act.by_unit() {
        u.scope == Scope::Unit(o.unit_id) && matches!(u.role, Role::UnitStaff | Role::Mediator)
    } else {
        dispatches(u, &c)
    };
    if !allowed {
        check_visible(&mut tx, u, &c).await?;
        return Err(AppError::Forbidden("ORDER_ACTION_FORBIDDEN"));
    }
    let from = OrderStatus::parse(&o.status)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("bad order status {}", o.status)))?;
    let to = lifecycle::next(from, act.action())
        .map_err(|e| AppError::Conflict(gongzhi_core::Coded::code(&e)))?;
    let from_code = o.status.clone();
    o.status = to.code().to_string();
    o.updated_at = now;
    let mut detail = serde_json::json!({"from": from_code, "to": to.code()});
    let mut notify_units = false;
    let mut new_unit = None;
    match &act {
        Act::Sign => {
            o.signed_at = Some(now);
            o.responded_at = Some(now);
            if o.assignee_id.is_none() {
                o.assignee_id = Some(u.id);
            }
        }
        Act::Return { reason } => {
            o.responded_at = Some(now);
            o.return_reason = Some(reason.clone());
            detail["reason"] = reason.clone().into();
        }
        Act::Extend { until, reason } => {
            if o.ext_until.is_some() {
                return Err(AppError::Conflict("EXTENSION_PENDING"));
            }
            if *until <= o.due_at || *until > now + 90 * 86_400_000 {
                return Err(AppError::Invalid {
                    code: "EXTENSION_INVALID",
                    field: Some("until"),
                });
            }
            o.ext_until = Some(*until);
            o.ext_reason = Some(reason.clone());
            detail["until"] = iso(*until).into();
            detail["reason"] = reason.clone().into();
        }
        Act::DecideExtension { approve } => {
            let Some(until) = o.ext_until else {
                return Err(AppError::Conflict("EXTENSION_NONE"));
            };
            if *approve {
                let old = o.due_at;
                o.due_at = until;
                // A fresh warning for the new deadline, at the same share of the extra time.
                o.warn_at = old + (until - old) * calendar::WARN_PER_MILLE / 1000;
                o.warned = false;
                detail["due_at"] = iso(until).into();
            }
            o.ext_until = None;
            o.ext_reason = None;
            notify_units = true;
        }
        Act::Feedback { text, photos } => {
            let mut ids = vec![];
            for p in photos {
                let sha = hex::encode(Sha256::digest(&p.bytes));
                ids.push(
                    store::insert_attachment(
                        &mut tx,
                        c.id,
                        p.mime,
                        &sha,
                        &p.bytes,
                        Some(u.id),
                        now,
                    )
                    .await?,
                );
            }
            o.done_at = Some(now);
            o.feedback = Some(text.clone());
            o.feedback_photos = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
            detail["text"] = text.clone().into();
            detail["photos"] = ids.len().into();
        }
        Act::Reroute { unit, reason } => {
            if !store::unit_exists(&mut tx, *unit).await? {
                return Err(AppError::Invalid {
                    code: "UNIT_UNKNOWN",
                    field: Some("unit"),
                });
            }
            let others = store::orders_of_case(&mut tx, c.id).await?;
            if others.iter().any(|x| {
                x.unit_id == *unit
                    && x.id != o.id
                    && OrderStatus::parse(&x.status).is_some_and(|s| s.is_active())
            }) {
                return Err(AppError::Conflict("UNIT_ALREADY_ON_CASE"));
            }
            detail["unit"] = unit_code(st, *unit).into();
            detail["reason"] = reason.clone().into();
            new_unit = Some(*unit);
        }
    }
    if !store::update_order(&mut tx, &from_code, &o).await? {
        return Err(AppError::Conflict("ORDER_CHANGED"));
    }
    if matches!(act, Act::Sign | Act::Return { .. }) {
        super::rollup::count_response(
            &mut tx,
            o.id,
            o.unit_id,
            o.created_at,
            o.sign_by,
            Some(now),
            super::rollup::places(c.grid_id, c.community_id, c.street_id),
        )
        .await?;
    }
    store::insert_event(
        &mut tx,
        c.id,
        Some(o.id),
        now,
        Some(u.id),
        &user_label(u),
        act.code(),
        &detail,
    )
    .await?;
    let cat = category(&c.category);
    if let (Some(unit), Some(cat)) = (new_unit, cat) {
        dispatch_order_now(st, &mut tx, &cal, &c, cat, unit, actor, &user_label(u), now).await?;
    }
    // Tell whoever must act next.
    match &act {
        Act::Return { reason } | Act::Extend { reason, .. } => {
            let (kind, what) = match &act {
                Act::Return { .. } => ("returned", "退单"),
                _ => ("extension", "延期申请"),
            };
            let to = store::staff_at(&mut tx, "community", Some(c.community_id)).await?;
            let title = format!("{what} #{}: {}", c.id, o.unit_name);
            notify(st, &mut tx, &to, c.id, kind, &title, reason, now).await?;
        }
        Act::Feedback { .. } => {
            if let Some(rep) = c.reporter_user_id {
                notify(
                    st,
                    &mut tx,
                    &[rep],
                    c.id,
                    "feedback",
                    &format!("您反映的问题 #{} 已有处理结果", c.id),
                    "请查看处理情况并评价。",
                    now,
                )
                .await?;
            }
        }
        _ => {}
    }
    if notify_units {
        let to = store::staff_at(&mut tx, "unit", Some(o.unit_id)).await?;
        let approved = matches!(act, Act::DecideExtension { approve: true });
        let title = if approved {
            "延期申请已批准"
        } else {
            "延期申请未批准"
        };
        notify(
            st,
            &mut tx,
            &to,
            c.id,
            "extension",
            &format!("{title} #{}", c.id),
            "",
            now,
        )
        .await?;
    }
    refresh_status(&mut tx, c.id, now).await?;
    let action: &'static str = match &act {
        Act::Sign => "order.sign",
        Act::Return { .. } => "order.return",
        Act::Extend { .. } => "order.extend",
        Act::DecideExtension { .. } => "order.extension_decide",
        Act::Feedback { .. } => "order.feedback",
        Act::Reroute { .. } => "order.reroute",
    };
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok(action, "work_order", o.id).with(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(c.id)
}

/// Sends a case (with no order yet, or after returns) to a unit.
pub async fn dispatch(
    st: &AppState,
    u: &CurrentUser,
    actor: &Actor,
    case_id: i64,
    unit: i64,
) -> AppResult<()> {
    let cal = calendar(st).await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require_dispatcher(&mut tx, u, &c).await?;
    if c.status == CaseStatus::Closed.code() {
        return Err(AppError::Conflict("CASE_CLOSED"));
    }
    if !store::unit_exists(&mut tx, unit).await? {
        return Err(AppError::Invalid {
            code: "UNIT_UNKNOWN",
            field: Some("unit"),
        });
    }
    let orders = store::orders_of_case(&mut tx, case_id).await?;
    if orders
        .iter()
        .any(|x| x.unit_id == unit && OrderStatus::parse(&x.status).is_some_and(|s| s.is_active()))
    {
        return Err(AppError::Conflict("UNIT_ALREADY_ON_CASE"));
    }
    let cat = category(&c.category)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown category {}", c.category)))?;
    let id = dispatch_order_now(st, &mut tx, &cal, &c, cat, unit, actor, &user_label(u), now)
        .await?
        .id;
    refresh_status(&mut tx, case_id, now).await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("case.dispatch", "case", case_id)
            .with(serde_json::json!({"order": id, "unit": unit_code(st, unit)})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A dispatcher corrects the category. The correction is a training example the model
/// learns from at once; orders nobody has signed yet are re-routed for the new category.
pub async fn reclassify(
    st: &AppState,
    u: &CurrentUser,
    actor: &Actor,
    case_id: i64,
    code: &str,
) -> AppResult<()> {
    let cat = category(code).ok_or(AppError::Invalid {
        code: "CATEGORY_UNKNOWN",
        field: Some("category"),
    })?;
    let cal = calendar(st).await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require_dispatcher(&mut tx, u, &c).await?;
    if c.category == cat.code {
        return Ok(());
    }
    store::set_category(&mut tx, case_id, &cat.code, cat.urgent, now).await?;
    store::insert_correction(
        &mut tx,
        Some(case_id),
        &c.text,
        &c.category,
        &cat.code,
        Some(u.id),
        now,
    )
    .await?;
    let orders = store::orders_of_case(&mut tx, case_id).await?;
    let unsigned: Vec<&OrderRow> = orders
        .iter()
        .filter(|o| {
            matches!(
                OrderStatus::parse(&o.status),
                Some(OrderStatus::Dispatched | OrderStatus::Returned)
            )
        })
        .collect();
    let any_signed = orders.iter().any(|o| {
        matches!(
            OrderStatus::parse(&o.status),
            Some(OrderStatus::Handling | OrderStatus::Done | OrderStatus::Closed)
        )
    });
    let mut rerouted = 0;
    if !any_signed {
        for o in unsigned {
            let mut x = o.clone();
            x.status = OrderStatus::Rerouted.code().into();
            x.updated_at = now;
            store::update_order(&mut tx, &o.status, &x).await?;
            rerouted += 1;
        }
        let zone = if c.zone == "compound" {
            Zone::Compound
        } else {
            Zone::Public
        };
        let c2 = store::find_case(&mut tx, case_id)
            .await?
            .ok_or(AppError::NotFound)?;
        for unit in route_units(&st.org_map(), cat, c.community_id, c.compound_id, zone) {
            dispatch_order_now(
                st,
                &mut tx,
                &cal,
                &c2,
                cat,
                unit,
                actor,
                &user_label(u),
                now,
            )
            .await?;
        }
    }
    store::insert_event(
        &mut tx,
        case_id,
        None,
        now,
        Some(u.id),
        &user_label(u),
        "reclassified",
        &serde_json::json!({"from": c.category, "to": cat.code, "rerouted": rerouted}),
    )
    .await?;
    refresh_status(&mut tx, case_id, now).await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("case.reclassify", "case", case_id)
            .with(serde_json::json!({"from": c.category, "to": cat.code})),
    )
    .await?;
    tx.commit().await?;
    crate::routing::sync_corrections(st).await?;
    Ok(())
}

/// The call-back (回访): the reporter, or a dispatcher calling them, says whether it is
/// solved and how satisfied they are. Solved closes the case; not solved reopens every
/// order that reported back, with fresh deadlines.
pub async fn callback(
    st: &AppState,
    u: &CurrentUser,
    actor: &Actor,
    case_id: i64,
    solved: bool,
    satisfaction: Option<i64>,
    comment: &str,
) -> AppResult<CaseStatus> {
    if let Some(s) = satisfaction
        && !(1..=5).contains(&s)
    {
        return Err(AppError::Invalid {
            code: "SATISFACTION_INVALID",
            field: Some("satisfaction"),
        });
    }
    let comment: String = comment.trim().chars().take(500).collect();
    let cal = calendar(st).await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reporter = store::is_reporter(&mut tx, case_id, u.id, u.resident_id).await?
        || (u.role == Role::Resident && c.resident_id.is_some() && c.resident_id == u.resident_id);
    let dispatcher = dispatches(u, &c);
    if !(reporter && u.role == Role::Resident || dispatcher) {
        check_visible(&mut tx, u, &c).await?;
        return Err(AppError::Forbidden("CALLBACK_FORBIDDEN"));
    }
    if c.status != CaseStatus::Feedback.code() {
        return Err(AppError::Conflict("CASE_NOT_AWAITING_CALLBACK"));
    }
    store::insert_callback(
        &mut tx,
        case_id,
        solved,
        satisfaction,
        &comment,
        Some(u.id),
        now,
    )
    .await?;
    store::set_callback(&mut tx, case_id, solved, satisfaction, now).await?;
    {
        let d = super::rollup::Delta {
            callbacks: 1,
            solved: i64::from(solved),
            rated: i64::from(satisfaction.is_some()),
            satisfied: i64::from(satisfaction.is_some_and(|s| s >= 4)),
            ..Default::default()
        };
        let mut dims: Vec<(&str, i64)> =
            super::rollup::places(c.grid_id, c.community_id, c.street_id).to_vec();
        for o in store::orders_of_case(&mut tx, case_id).await? {
            if o.status != OrderStatus::Rerouted.code() {
                dims.push(("unit", o.unit_id));
            }
        }
        super::rollup::add(&mut tx, &dims, super::rollup::day_of(now), &d).await?;
    }
    let cat = category(&c.category);
    for o in store::orders_of_case(&mut tx, case_id).await? {
        if o.status != OrderStatus::Done.code() {
            continue;
        }
        let mut x = o.clone();
        x.updated_at = now;
        if solved {
            x.status = OrderStatus::Closed.code().into();
            x.closed_at = Some(now);
        } else {
            x.status = OrderStatus::Handling.code().into();
            x.done_at = None;
            if let Some(cat) = cat {
                let d = calendar::deadlines(&cal, now, cat.sla_hours, cat.urgent);
                x.due_at = d.due_at;
                x.warn_at = d.warn_at;
                x.warned = false;
            }
            let to = store::staff_at(&mut tx, "unit", Some(o.unit_id)).await?;
            notify(
                st,
                &mut tx,
                &to,
                case_id,
                "reopened",
                &format!("工单重办 #{case_id}: 回访未解决"),
                &comment,
                now,
            )
            .await?;
        }
        if !store::update_order(&mut tx, &o.status, &x).await? {
            return Err(AppError::Conflict("ORDER_CHANGED"));
        }
    }
    store::insert_event(
        &mut tx,
        case_id,
        None,
        now,
        Some(u.id),
        &user_label(u),
        if solved {
            "callback_solved"
        } else {
            "callback_unsolved"
        },
        &serde_json::json!({"solved": solved, "satisfaction": satisfaction, "comment": comment}),
    )
    .await?;
    let status = refresh_status(&mut tx, case_id, now).await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("case.callback", "case", case_id)
            .with(serde_json::json!({"solved": solved, "satisfaction": satisfaction})),
    )
    .await?;
    tx.commit().await?;
    Ok(status)
}

/// 督办 by hand: a dispatcher puts a case under supervision and tells the units.
pub async fn supervise(
    st: &AppState,
    u: &CurrentUser,
    actor: &Actor,
    case_id: i64,
    note: &str,
) -> AppResult<()> {
    let note = reason(note, "note")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    require_dispatcher(&mut tx, u, &c).await?;
    if c.status == CaseStatus::Closed.code() {
        return Err(AppError::Conflict("CASE_CLOSED"));
    }
    store::set_rung(&mut tx, case_id, &c.rung, now).await?;
    let mut to = vec![];
    for o in store::orders_of_case(&mut tx, case_id).await? {
        if OrderStatus::parse(&o.status).is_some_and(|s| s.is_open()) {
            to.extend(store::staff_at(&mut tx, "unit", Some(o.unit_id)).await?);
        }
    }
    notify(
        st,
        &mut tx,
        &to,
        case_id,
        "supervise",
        &format!("督办 #{case_id}"),
        &note,
        now,
    )
    .await?;
    store::insert_event(
        &mut tx,
        case_id,
        None,
        now,
        Some(u.id),
        &user_label(u),
        "supervised",
        &serde_json::json!({"note": note}),
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("case.supervise", "case", case_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A photo of a case the user may see.
pub async fn attachment(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<(String, Vec<u8>)> {
    let mut tx = st.db.read().await?;
    let (case_id, mime, bytes) = store::find_attachment(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let case_id = case_id.ok_or(AppError::NotFound)?;
    let c = store::find_case(&mut tx, case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_visible(&mut tx, u, &c).await?;
    Ok((mime, bytes))
}

/// 派工 in one batch: every order of the caller's unit that nobody has signed for yet is
/// (re)assigned so that total distance, load and skill mismatch over the whole batch is
/// least (Kuhn–Munkres), respecting each worker's capacity. Orders are auto-assigned one
/// by one as they arrive; this re-plans the queue as a whole. Returns the changed
/// (order, worker) pairs.
pub async fn assign_batch(
    st: &AppState,
    u: &CurrentUser,
    actor: &Actor,
) -> AppResult<Vec<(i64, i64)>> {
    let (Scope::Unit(unit), Role::UnitStaff | Role::Mediator) = (u.scope, u.role) else {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let open = store::unsigned(&mut tx, unit).await?;
    let rows = store::workers(&mut tx, unit).await?;
    let (clng, clat) = open.first().map(|j| (j.1, j.2)).unwrap_or((0.0, 0.0));
    let workers: Vec<assign::Worker> = rows
        .iter()
        .map(|w| {
            // The orders being re-planned do not count as the worker's load.
            let planned = open.iter().filter(|j| j.4 == Some(w.id)).count() as i64;
            assign::Worker {
                id: w.id,
                lng: w.lng.unwrap_or(clng),
                lat: w.lat.unwrap_or(clat),
                load: (w.load - planned).max(0),
                capacity: w.capacity.unwrap_or(50),
                skills: w
                    .skills
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let jobs: Vec<assign::Job> = open
        .iter()
        .map(|(id, lng, lat, cat, _)| assign::Job {
            id: *id,
            lng: *lng,
            lat: *lat,
            category: cat.clone(),
        })
        .collect();
    let pairs = assign::assign(&jobs, &workers, &assign::Weights::default());
    let mut changed = vec![];
    for (order, worker) in pairs {
        let before = open.iter().find(|j| j.0 == order).and_then(|j| j.4);
        if before == Some(worker) {
            continue;
        }
        if store::assign(&mut tx, order, worker, now).await?
            && let Some(o) = store::find_order(&mut tx, order).await?
        {
            store::insert_event(
                &mut tx,
                o.case_id,
                Some(order),
                now,
                Some(u.id),
                &user_label(u),
                "assigned",
                &serde_json::json!({"assignee": worker}),
            )
            .await?;
            changed.push((order, worker));
        }
    }
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("order.assign_batch", "unit", unit)
            .with(serde_json::json!({"changed": changed.len(), "orders": jobs.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(changed)
}
