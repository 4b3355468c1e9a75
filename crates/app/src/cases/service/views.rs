//! Read models: a case with its orders, history and what the caller may do with it, the
//! filtered and paged lists, and a unit's queue of orders.

use gongzhi_core::cases::lifecycle::{CaseStatus, OrderStatus};
use gongzhi_core::identity::{Role, Scope};
use serde::Serialize;

use super::access::{self, check_visible, dispatches, is_dispatcher};
use super::intake::CategoryView;
use super::store::{self, OrderRow};
use super::{CALLER_FIELD, CHANNELS, category, unit_code};
use crate::auth::service::CurrentUser;
use crate::clock::iso;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
    /// What was said with it, for the page: the added information, the reason of a
    /// withdrawal, a supervision note.
    #[serde(skip)]
    pub note: Option<String>,
}

/// What the caller may do with a case, asked of the same rules the actions enforce, so a
/// page shows exactly the actions that would be allowed.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    /// Dispatch, reroute, decide extensions, reclassify, supervise (派单 over its place).
    pub dispatch: bool,
    /// Give the call-back (回访) now.
    pub callback: bool,
    /// The unit whose orders of this case the caller works (sign, return, extend, report).
    pub unit: Option<i64>,
    /// The reporter may 催办 and add information (an open case).
    pub follow_up: bool,
    /// The reporter may withdraw it (no unit has signed, nobody else reported it).
    pub withdraw: bool,
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
    /// The building at the case's point (`阳光花苑 1号楼`), when one is within 80 m.
    pub building: Option<String>,
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
    /// What the caller may do with it now (the rules the actions enforce).
    #[serde(skip)]
    pub allowed: Allowed,
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
    let standing = check_visible(&mut tx, u, &c).await?;
    let orders = store::orders_of_case(&mut tx, id).await?;
    let open = c.status != CaseStatus::Closed.code();
    let reporter = open && super::is_reporter(u, &c);
    let allowed = Allowed {
        dispatch: dispatches(u, &c),
        callback: access::call_back_now(u, &c, &standing),
        unit: access::unit_of(u),
        follow_up: reporter,
        withdraw: reporter
            && c.reporters <= 1
            && orders.iter().all(|o| {
                OrderStatus::parse(&o.status).is_some_and(|s| {
                    !s.is_active() || matches!(s, OrderStatus::Dispatched | OrderStatus::Returned)
                })
            }),
    };
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
        building: map
            .nearest_building(c.lng, c.lat, 80.0)
            .map(|b| format!("{} {}", b.compound, b.name)),
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
            .map(|e| {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                let note = ["text", "reason", "note"]
                    .iter()
                    .find_map(|k| detail[k].as_str())
                    .filter(|_| {
                        matches!(e.kind.as_str(), "info_added" | "withdrawn" | "supervised")
                    })
                    .map(str::to_string);
                EventView {
                    at: iso(e.at),
                    actor: e.actor,
                    kind: e.kind,
                    order_id: e.order_id,
                    detail,
                    at_ms: e.at,
                    at_local: crate::clock::format_cn(e.at),
                    note,
                }
            })
            .collect(),
        allowed,
        created_ms: c.created_at,
        created_local: crate::clock::format_cn(c.created_at),
    })
}

/// What a list's search box holds.
#[derive(Debug, PartialEq)]
enum Search {
    Id(i64),
    Phone(String),
    Words(String),
    Nothing,
}

impl Search {
    fn parse(s: &str) -> Search {
        let t = s.trim().trim_start_matches(['#', '＃']).trim();
        let digits = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
        if digits && t.len() == 11 && t.starts_with('1') {
            Search::Phone(t.to_string())
        } else if digits && t.len() <= 12 {
            t.parse().map(Search::Id).unwrap_or(Search::Nothing)
        } else {
            let w: String = s.trim().chars().take(50).collect();
            if w.is_empty() {
                Search::Nothing
            } else {
                Search::Words(w)
            }
        }
    }
}

/// How soon a deadline is "soon" (即将超期): within a day.
pub const DUE_SOON_MS: i64 = 24 * 3_600_000;

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
    /// Only open cases whose nearest deadline falls in the next 24 hours (即将超期).
    pub due_soon: Option<bool>,
    /// Search: a case number (`1937` or `#1937`), a reporter's mobile number (11 digits,
    /// residents within the caller's reach), or words in the report's text or address.
    pub q: Option<String>,
    /// Within the caller's area: only this community, or this grid (ids of `/api/v1/org`).
    pub community: Option<i64>,
    pub grid: Option<i64>,
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
    match q.q.as_deref().map(Search::parse) {
        Some(Search::Id(id)) => f.id = Some(id),
        Some(Search::Words(w)) => f.words = w,
        Some(Search::Phone(_)) | Some(Search::Nothing) | None => {}
    }
    f.in_community = q.community;
    f.in_grid = q.grid;
    if q.due_soon == Some(true) {
        f.due_between = Some((now, now + DUE_SOON_MS));
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

/// Every case of a list, for an export (at most [`crate::web::export::MAX_ROWS`]); audited
/// as `list.export` with the count.
pub async fn export_list(
    st: &AppState,
    u: &CurrentUser,
    q: &CaseQuery,
) -> AppResult<Vec<CaseListItem>> {
    let all = crate::web::export::all_pages(|p| async move { list(st, u, q, &p).await }).await?;
    crate::audit::record_alone(
        &st.db,
        st.now_ms(),
        &u.actor(),
        crate::audit::Event::ok("list.export", "cases", "").with(
            serde_json::json!({"rows": all.len(), "status": q.status, "category": q.category}),
        ),
    )
    .await?;
    Ok(all)
}

/// Cases the user may see, filtered and paged.
pub async fn list(
    st: &AppState,
    u: &CurrentUser,
    q: &CaseQuery,
    p: &crate::web::PageParams,
) -> AppResult<crate::web::Page<CaseListItem>> {
    let now = st.now_ms();
    let mut f = filter_for(u, q, now)?;
    if let Some(Search::Phone(phone)) = q.q.as_deref().map(Search::parse) {
        // A reporter's number: the residents it belongs to, where the caller may look them
        // up (no one, else: the number matches nothing the caller may see).
        f.reporter_resident = Some(
            crate::residents::service::id_by_phone(st, u, &phone)
                .await
                .unwrap_or(-1),
        );
    }
    let queue = q.order.as_deref() == Some("queue");
    let mut tx = st.db.read().await?;
    let (rows, total) = store::list_cases(&mut tx, &f, queue, p.per_page(), p.offset()).await?;
    drop(tx);
    let map = st.org_map();
    let items = rows
        .into_iter()
        .map(|r| CaseListItem {
            id: r.id,
            // In the caller's language: the dispatcher's map shows these names.
            category_name: crate::taxonomy::name_in(&r.category, crate::i18n::current())
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

/// An order in a unit's queue.
#[derive(Debug, Clone)]
pub struct UnitOrder {
    pub id: i64,
    pub case_id: i64,
    pub status: String,
    pub status_name: &'static str,
    pub category: String,
    /// The category's code (pages name it in their language).
    pub category_code: String,
    pub text: String,
    pub urgent: bool,
    pub sign_by: String,
    pub due_at: String,
    pub overdue: bool,
    pub pending_ext: bool,
}

/// The orders of the user's own unit (`status`: a status code, or `open`), a page of them.
pub async fn unit_orders(
    st: &AppState,
    u: &CurrentUser,
    status: &str,
    p: &crate::web::PageParams,
) -> AppResult<crate::web::Page<UnitOrder>> {
    let Some(unit) = access::unit_of(u) else {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    };
    if !status.is_empty() && status != "open" && OrderStatus::parse(status).is_none() {
        return Err(AppError::Invalid {
            code: "STATUS_UNKNOWN",
            field: Some("status"),
        });
    }
    let mut tx = st.db.read().await?;
    let (rows, total) = store::unit_orders(&mut tx, unit, status, p.per_page(), p.offset()).await?;
    drop(tx);
    let now = st.now_ms();
    let items = rows
        .into_iter()
        .map(|r| {
            let s = OrderStatus::parse(&r.status);
            UnitOrder {
                id: r.id,
                case_id: r.case_id,
                status_name: s.map(|s| s.name_zh()).unwrap_or_default(),
                overdue: s.is_some_and(|s| s.is_open()) && r.due_at < now,
                status: r.status,
                category: category(&r.category)
                    .map(|c| c.name.clone())
                    .unwrap_or(r.category.clone()),
                category_code: r.category,
                text: r.text,
                urgent: r.urgent,
                sign_by: crate::clock::short(r.sign_by),
                due_at: crate::clock::short(r.due_at),
                pending_ext: r.ext_until.is_some(),
            }
        })
        .collect();
    Ok(crate::web::Page::new(items, p, total))
}

/// What the report form offers the user: the buildings to pick from (a resident's own
/// community, staff their scope's), their own building first chosen, and where the map
/// opens.
pub struct ReportForm {
    /// Staff name the channel and may file for a resident.
    pub staff: bool,
    pub buildings: Vec<crate::org::service::BuildingPoint>,
    /// The resident's own building (0: none).
    pub my_building: i64,
    pub focus: Scope,
}

pub async fn report_form(st: &AppState, u: &CurrentUser) -> AppResult<ReportForm> {
    let map = st.org_map();
    let my_building = match crate::residents::service::own(st, u).await? {
        Some(p) => p.place.building_id,
        None => 0,
    };
    let my_community = map.unit(my_building).and_then(|x| x.community);
    let buildings = map
        .buildings
        .iter()
        .filter(|b| match u.role {
            Role::Resident => my_community.is_none() || b.community == my_community,
            _ => match u.scope {
                Scope::Street(_) | Scope::Community(_) | Scope::Grid(_) | Scope::Building(_) => {
                    map.unit_in_scope(b.id, u.scope)
                }
                _ => true,
            },
        })
        .cloned()
        .collect();
    let focus = if u.role == Role::Resident {
        my_community
            .map(Scope::Community)
            .unwrap_or(Scope::District)
    } else {
        u.scope
    };
    Ok(ReportForm {
        staff: u.role.is_staff(),
        buildings,
        my_building,
        focus,
    })
}

/// What a dispute made from a case takes of it (mediation's one-click intake).
#[derive(Debug, Clone)]
pub struct CaseForDispute {
    pub category: String,
    pub text: String,
    pub street_id: i64,
    pub community_id: i64,
    /// The resident who reported it, directly or through their account.
    pub reporter_resident: Option<i64>,
    /// A hotline caller's phone in clear, for the dispute to keep encrypted under its own
    /// field.
    pub caller_phone: Option<String>,
}

/// The case, for a user who may see it (404 otherwise, audited).
pub async fn for_dispute(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<CaseForDispute> {
    let mut tx = st.db.read().await?;
    let c = store::find_case(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_visible(&mut tx, u, &c).await?;
    drop(tx);
    let reporter_resident = match (c.resident_id, c.reporter_user_id) {
        (Some(r), _) => Some(r),
        (None, Some(user)) => crate::auth::service::account(st, user)
            .await?
            .and_then(|a| a.resident_id),
        (None, None) => None,
    };
    Ok(CaseForDispute {
        caller_phone: c
            .caller_enc
            .as_deref()
            .and_then(|e| st.cipher.decrypt(CALLER_FIELD, e).ok()),
        category: c.category,
        text: c.text,
        street_id: c.street_id,
        community_id: c.community_id,
        reporter_resident,
    })
}

/// The dispatcher's queue (派单台): open cases of their area, urgent first, nearest deadline
/// first.
pub async fn dispatch_queue(
    st: &AppState,
    u: &CurrentUser,
    p: &crate::web::PageParams,
) -> AppResult<crate::web::Page<CaseListItem>> {
    if !is_dispatcher(u.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let q = CaseQuery {
        status: Some("open".into()),
        order: Some("queue".into()),
        ..Default::default()
    };
    list(st, u, &q, p).await
}

/// Every order of the unit's list under its status filter, for an export (at most
/// [`crate::web::export::MAX_ROWS`]); audited as `list.export` with the count.
pub async fn export_unit_orders(
    st: &AppState,
    u: &CurrentUser,
    status: &str,
) -> AppResult<Vec<UnitOrder>> {
    let all =
        crate::web::export::all_pages(|p| async move { unit_orders(st, u, status, &p).await })
            .await?;
    crate::audit::record_alone(
        &st.db,
        st.now_ms(),
        &u.actor(),
        crate::audit::Event::ok("list.export", "orders", "")
            .with(serde_json::json!({"rows": all.len(), "status": status})),
    )
    .await?;
    Ok(all)
}

#[cfg(test)]
mod search_tests {
    use super::Search;

    #[test]
    fn a_search_box_reads_numbers_phones_and_words() {
        assert_eq!(Search::parse("1937"), Search::Id(1937));
        assert_eq!(Search::parse(" #1937 "), Search::Id(1937));
        assert_eq!(
            Search::parse("13900001234"),
            Search::Phone("13900001234".into())
        );
        assert_eq!(
            Search::parse("漏水 1号楼"),
            Search::Words("漏水 1号楼".into())
        );
        assert_eq!(Search::parse("   "), Search::Nothing);
        assert_eq!(
            Search::parse("99999999999999999999"),
            Search::Words("99999999999999999999".into())
        );
    }
}
