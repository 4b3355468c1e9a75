//! Case pages: filing a report (resident, hotline, patrol), my reports, case detail with
//! the actions the user may take, the dispatcher console, the unit's orders, supervision,
//! the inbox, and the working-day calendar editor.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use gongzhi_core::cases::calendar;
use gongzhi_core::identity::{Role, Scope};
use serde::Deserialize;

use super::insight::{self, HeatCell, RateRow, RatesQuery};
use super::service::{self, Act, CaseListItem, CaseQuery, CaseView, Filer, Report};
use super::store::{self, NotificationRow};
use crate::audit::{self, Event};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page, PageParams};

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

fn categories() -> Vec<(String, String)> {
    crate::taxonomy::get()
        .categories
        .iter()
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect()
}

fn units(st: &AppState) -> Vec<(String, String)> {
    st.org_map()
        .handling_units()
        .iter()
        .map(|(_, code, name)| (code.clone(), name.clone()))
        .collect()
}

fn focus(st: &AppState, scope: Scope) -> String {
    st.org_map()
        .extent_of(scope)
        .map(|b| format!("{},{},{},{}", b[0], b[1], b[2], b[3]))
        .unwrap_or_default()
}

pub struct BuildingOpt {
    pub id: i64,
    pub label: String,
    pub lng: f64,
    pub lat: f64,
}

#[derive(Template)]
#[template(path = "cases/templates/new.html")]
struct NewPage {
    layout: Layout,
    categories: Vec<(String, String)>,
    staff: bool,
    channels: Vec<(&'static str, &'static str)>,
    buildings: Vec<BuildingOpt>,
    my_building: i64,
    focus: String,
    tile_url: String,
}

const CHANNEL_LABELS: [(&str, &str); 7] = [
    ("web", "cases.ch_web"),
    ("hotline", "cases.ch_hotline"),
    ("property_desk", "cases.ch_property_desk"),
    ("patrol", "cases.ch_patrol"),
    ("device", "cases.ch_device"),
    ("import", "cases.ch_import"),
    ("open311", "cases.ch_open311"),
];

pub async fn new_form(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let layout = Layout::new(&st, &ctx, "cases.new_title", "/cases/new");
    let staff = user.role.is_staff();
    let map = st.org_map();
    let my_building = match user.resident_id {
        Some(rid) => {
            let mut tx = st.db.read().await?;
            crate::residents::store::find(&mut tx, rid)
                .await?
                .map(|r| r.building_id)
                .unwrap_or(0)
        }
        None => 0,
    };
    // Residents pick among the buildings of their community; staff among their scope's.
    let my_community = map.unit(my_building).and_then(|u| u.community);
    let buildings = map
        .buildings
        .iter()
        .filter(|b| match user.role {
            Role::Resident => my_community.is_none() || b.community == my_community,
            _ => match user.scope {
                Scope::Street(_) | Scope::Community(_) | Scope::Grid(_) | Scope::Building(_) => {
                    map.unit_in_scope(b.id, user.scope)
                }
                _ => true,
            },
        })
        .map(|b| BuildingOpt {
            id: b.id,
            label: format!("{} {}", b.compound, b.name),
            lng: b.lng,
            lat: b.lat,
        })
        .collect();
    let scope = if user.role == Role::Resident {
        my_community
            .map(Scope::Community)
            .unwrap_or(Scope::District)
    } else {
        user.scope
    };
    let channels = CHANNEL_LABELS
        .iter()
        .filter(|(c, _)| service::STAFF_CHANNELS.contains(c))
        .map(|(c, k)| (*c, layout.t(k)))
        .collect();
    render(&NewPage {
        categories: categories(),
        staff,
        channels,
        buildings,
        my_building,
        focus: focus(&st, scope),
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
        layout,
    })
}

#[derive(Debug, Deserialize)]
pub struct NewForm {
    pub text: String,
    #[serde(default)]
    pub lng: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub on_behalf_of: String,
    #[serde(default)]
    pub caller_phone: String,
    #[serde(default)]
    pub address: String,
}

/// A form field, trimmed; `None` when blank.
pub(crate) fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The form without JavaScript (no photos; the page's script posts photos through the API).
pub async fn create(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Form(f): Form<NewForm>,
) -> AppResult<Redirect> {
    let map = st.org_map();
    let building = f.building.trim().parse::<i64>().ok();
    let (lng, lat) = match (f.lng.trim().parse::<f64>(), f.lat.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => (a, b),
        _ => match building.and_then(|b| map.buildings.iter().find(|x| x.id == b)) {
            Some(b) => (b.lng, b.lat),
            None => {
                return Err(AppError::Invalid {
                    code: "LOCATION_MISSING",
                    field: Some("lng"),
                });
            }
        },
    };
    let on_behalf_of = match opt(&f.on_behalf_of) {
        Some(s) => Some(s.parse::<i64>().map_err(|_| AppError::Invalid {
            code: "RESIDENT_UNKNOWN",
            field: Some("on_behalf_of"),
        })?),
        None => None,
    };
    let staff = user.role.is_staff();
    let report = Report {
        text: f.text,
        lng,
        lat,
        photos: vec![],
        category: opt(&f.category),
        channel: if staff { opt(&f.channel) } else { None },
        on_behalf_of,
        caller_phone: opt(&f.caller_phone),
        address: opt(&f.address),
        intake_key: None,
    };
    let who = Filer {
        user: Some(&user),
        actor: ctx.actor(),
        channel: None,
    };
    let filed = service::file(&st, &who, report).await?;
    let flag = if filed.merged { "merged" } else { "filed" };
    Ok(Redirect::to(&format!("/cases/{}?{flag}=1", filed.id)))
}

#[derive(Template)]
#[template(path = "cases/templates/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<CaseListItem>,
    q: CaseQuery,
    query: String,
    categories: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    resident: bool,
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    use gongzhi_core::cases::CaseStatus;
    let mut v = vec![("open", "未办结")];
    v.extend(CaseStatus::ALL.iter().map(|s| (s.code(), s.name_zh())));
    v
}

fn query_string(q: &CaseQuery) -> String {
    serde_urlencoded::to_string([
        ("status", q.status.clone().unwrap_or_default()),
        ("category", q.category.clone().unwrap_or_default()),
        ("channel", q.channel.clone().unwrap_or_default()),
        (
            "overdue",
            if q.overdue == Some(true) {
                "true".into()
            } else {
                String::new()
            },
        ),
    ])
    .unwrap_or_default()
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<CaseQuery>,
) -> AppResult<Html<String>> {
    let resident = user.role == Role::Resident;
    let title = if resident {
        "cases.mine_title"
    } else {
        "cases.list_title"
    };
    let page = service::list(&st, &user, &q, &p).await?;
    render(&ListPage {
        layout: Layout::new(&st, &ctx, title, "/cases"),
        page,
        query: query_string(&q),
        q,
        categories: categories(),
        statuses: statuses(),
        resident,
    })
}

#[derive(Template)]
#[template(path = "cases/templates/show.html")]
struct ShowPage {
    layout: Layout,
    c: CaseView,
    can_dispatch: bool,
    my_unit: Option<i64>,
    can_callback: bool,
    /// May turn a dispute case into a mediation dispute.
    can_mediate: bool,
    units: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    flash: &'static str,
}

impl ShowPage {
    fn channel_name(&self) -> &'static str {
        self.layout.t(&format!("cases.ch_{}", self.c.channel))
    }

    fn mine(&self, unit: impl std::borrow::Borrow<i64>) -> bool {
        self.my_unit == Some(*unit.borrow())
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ShowFlags {
    pub filed: Option<String>,
    pub merged: Option<String>,
    pub done: Option<String>,
}

pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(flags): Query<ShowFlags>,
) -> AppResult<Html<String>> {
    let c = service::get(&st, &user, id).await?;
    let row = service::load_visible(&st, &user, id).await?;
    let can_dispatch = service::dispatches(&user, &row);
    let my_unit = match (user.role, user.scope) {
        (Role::UnitStaff | Role::Mediator, Scope::Unit(u)) => Some(u),
        _ => None,
    };
    let can_callback = c.status == "feedback" && (user.role == Role::Resident || can_dispatch);
    let flash = if flags.merged.is_some() {
        "cases.flash_merged"
    } else if flags.filed.is_some() {
        "cases.flash_filed"
    } else if flags.done.is_some() {
        "cases.flash_done"
    } else {
        ""
    };
    let layout = Layout::new(&st, &ctx, "cases.detail_title", "/cases");
    render(&ShowPage {
        flash: if flash.is_empty() {
            ""
        } else {
            layout.t(flash)
        },
        layout,
        c,
        can_dispatch,
        my_unit,
        can_callback,
        can_mediate: crate::mediation::service::works_disputes(user.role),
        units: units(&st),
        categories: categories(),
    })
}

/// Every action form of the case page posts here; one field names the operation.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    pub op: String,
    #[serde(default)]
    pub order: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub approve: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub solved: String,
    #[serde(default)]
    pub satisfaction: String,
    #[serde(default)]
    pub back: String,
}

pub async fn act(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> AppResult<Redirect> {
    let actor = ctx.actor();
    let order = || {
        f.order
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::Invalid {
                code: "ORDER_UNKNOWN",
                field: Some("order"),
            })
    };
    let unit = || {
        st.org_map()
            .handling_unit_by_code(f.unit.trim())
            .ok_or(AppError::Invalid {
                code: "UNIT_UNKNOWN",
                field: Some("unit"),
            })
    };
    match f.op.as_str() {
        "sign" => {
            service::act(&st, &user, &actor, order()?, Act::Sign).await?;
        }
        "return" => {
            service::act(
                &st,
                &user,
                &actor,
                order()?,
                Act::Return {
                    reason: f.reason.clone(),
                },
            )
            .await?;
        }
        "extend" => {
            let until = crate::clock::parse_time(&f.until).ok_or(AppError::Invalid {
                code: "DATE_INVALID",
                field: Some("until"),
            })?;
            service::act(
                &st,
                &user,
                &actor,
                order()?,
                Act::Extend {
                    until,
                    reason: f.reason.clone(),
                },
            )
            .await?;
        }
        "decide" => {
            let approve = f.approve == "yes";
            service::act(
                &st,
                &user,
                &actor,
                order()?,
                Act::DecideExtension { approve },
            )
            .await?;
        }
        "feedback" => {
            service::act(
                &st,
                &user,
                &actor,
                order()?,
                Act::Feedback {
                    text: f.text.clone(),
                    photos: vec![],
                },
            )
            .await?;
        }
        "reroute" => {
            service::act(
                &st,
                &user,
                &actor,
                order()?,
                Act::Reroute {
                    unit: unit()?,
                    reason: f.reason.clone(),
                },
            )
            .await?;
        }
        "dispatch" => service::dispatch(&st, &user, &actor, id, unit()?).await?,
        "reclassify" => service::reclassify(&st, &user, &actor, id, &f.category).await?,
        "supervise" => service::supervise(&st, &user, &actor, id, &f.text).await?,
        "callback" => {
            let satisfaction = f.satisfaction.trim().parse::<i64>().ok();
            service::callback(
                &st,
                &user,
                &actor,
                id,
                f.solved == "yes",
                satisfaction,
                &f.text,
            )
            .await?;
        }
        _ => return Err(AppError::invalid("OP_UNKNOWN")),
    }
    let back = match f.back.as_str() {
        "/orders" => "/orders".to_string(),
        _ => format!("/cases/{id}?done=1"),
    };
    Ok(Redirect::to(&back))
}

#[derive(Template)]
#[template(path = "cases/templates/dispatch.html")]
struct DispatchPage {
    layout: Layout,
    page: Page<CaseListItem>,
    focus: String,
    tile_url: String,
}

pub async fn dispatch_console(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
) -> AppResult<Html<String>> {
    if !service::is_dispatcher(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let q = CaseQuery {
        status: Some("open".into()),
        order: Some("queue".into()),
        ..Default::default()
    };
    let page = service::list(&st, &user, &q, &p).await?;
    render(&DispatchPage {
        layout: Layout::new(&st, &ctx, "cases.dispatch_title", "/dispatch"),
        page,
        focus: focus(&st, user.scope),
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
    })
}

pub struct UnitOrder {
    pub id: i64,
    pub case_id: i64,
    pub status: String,
    pub status_name: &'static str,
    pub category: String,
    pub text: String,
    pub urgent: bool,
    pub sign_by: String,
    pub due_at: String,
    pub overdue: bool,
    pub pending_ext: bool,
}

#[derive(Template)]
#[template(path = "cases/templates/orders.html")]
struct OrdersPage {
    layout: Layout,
    orders: Vec<UnitOrder>,
    total: i64,
    page: i64,
    pages: i64,
    status: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct OrdersQuery {
    pub status: Option<String>,
}

pub async fn unit_orders(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<OrdersQuery>,
) -> AppResult<Html<String>> {
    let Scope::Unit(unit) = user.scope else {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    };
    let status = q.status.unwrap_or_else(|| "open".into());
    let mut tx = st.db.read().await?;
    let (rows, total) =
        store::unit_orders(&mut tx, unit, &status, p.per_page(), p.offset()).await?;
    drop(tx);
    let now = st.now_ms();
    let names = crate::routing::category_names();
    let orders = rows
        .into_iter()
        .map(|r| {
            let s = gongzhi_core::cases::OrderStatus::parse(&r.status);
            UnitOrder {
                id: r.id,
                case_id: r.case_id,
                status_name: s.map(|s| s.name_zh()).unwrap_or_default(),
                overdue: s.is_some_and(|s| s.is_open()) && r.due_at < now,
                status: r.status,
                category: names.get(&r.category).cloned().unwrap_or(r.category),
                text: r.text,
                urgent: r.urgent,
                sign_by: crate::clock::short(r.sign_by),
                due_at: crate::clock::short(r.due_at),
                pending_ext: r.ext_until.is_some(),
            }
        })
        .collect();
    let per = p.per_page();
    render(&OrdersPage {
        layout: Layout::new(&st, &ctx, "cases.orders_title", "/orders"),
        orders,
        total,
        page: p.page(),
        pages: ((total + per - 1) / per).max(1),
        status,
    })
}

fn pct(v: &Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub struct RateLine {
    pub name: String,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
    pub composite: String,
    pub orders: i64,
    pub callbacks: i64,
}

fn lines(rows: &[RateRow]) -> Vec<RateLine> {
    rows.iter()
        .map(|r| RateLine {
            name: r.name.clone(),
            response: pct(&r.response_rate),
            resolution: pct(&r.resolution_rate),
            satisfaction: pct(&r.satisfaction_rate),
            composite: pct(&r.composite),
            orders: r.counts.due_to_sign,
            callbacks: r.counts.callbacks,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases/templates/supervision.html")]
struct SupervisionPage {
    layout: Layout,
    units: Vec<RateLine>,
    communities: Vec<RateLine>,
    total: RateLine,
    overdue: Page<CaseListItem>,
    supervised: Page<CaseListItem>,
    heat_json: String,
    from: String,
    to: String,
    focus: String,
    tile_url: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

pub async fn supervision(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(pq): Query<PeriodQuery>,
) -> AppResult<Html<String>> {
    if !(service::is_dispatcher(user.role) || user.role == Role::Auditor) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let rq = |level: &str| RatesQuery {
        level: Some(level.into()),
        from: pq.from.clone(),
        to: pq.to.clone(),
    };
    let by_unit = insight::rates(&st, &user, &rq("unit")).await?;
    let by_community = insight::rates(&st, &user, &rq("community")).await?;
    let p = PageParams {
        page: None,
        per_page: Some(20),
    };
    let overdue = service::list(
        &st,
        &user,
        &CaseQuery {
            status: Some("open".into()),
            overdue: Some(true),
            order: Some("queue".into()),
            ..Default::default()
        },
        &p,
    )
    .await?;
    let supervised = service::list(
        &st,
        &user,
        &CaseQuery {
            status: Some("open".into()),
            supervised: Some(true),
            ..Default::default()
        },
        &p,
    )
    .await?;
    let heat: Vec<HeatCell> =
        insight::heat(&st, &user, pq.from.as_deref(), pq.to.as_deref()).await?;
    let names = crate::routing::category_names();
    let heat_json = serde_json::json!({
        "cells": heat,
        "categories": names,
    })
    .to_string();
    render(&SupervisionPage {
        layout: Layout::new(&st, &ctx, "cases.supervision_title", "/supervision"),
        units: lines(&by_unit.rows),
        communities: lines(&by_community.rows),
        total: lines(std::slice::from_ref(&by_unit.total)).remove(0),
        overdue,
        supervised,
        heat_json,
        from: by_unit.from.chars().take(10).collect(),
        to: by_unit.to.chars().take(10).collect(),
        focus: focus(&st, user.scope),
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
    })
}

pub struct NoteLine {
    pub n: NotificationRow,
    pub at: String,
}

#[derive(Template)]
#[template(path = "cases/templates/inbox.html")]
struct InboxPage {
    layout: Layout,
    unread: i64,
    items: Vec<NoteLine>,
}

pub async fn inbox(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let (unread, items) = super::inbox(&st, user.id).await?;
    render(&InboxPage {
        layout: Layout::new(&st, &ctx, "cases.inbox_title", "/inbox"),
        unread,
        items: items
            .into_iter()
            .map(|n| NoteLine {
                at: crate::clock::format_cn(n.created_at),
                n,
            })
            .collect(),
    })
}

/// A photo, to whoever may see its case (404 otherwise, audited).
pub async fn attachment(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (mime, bytes) = service::attachment(&st, &user, id).await?;
    Ok(crate::web::file_response(
        mime,
        "private, max-age=3600",
        bytes,
    ))
}

pub struct YearText {
    pub year: i32,
    pub text: String,
    pub days: usize,
}

#[derive(Template)]
#[template(path = "cases/templates/calendar.html")]
struct CalendarPage {
    layout: Layout,
    years: Vec<YearText>,
    missing: Vec<i32>,
}

async fn calendar_years(st: &AppState) -> AppResult<Vec<YearText>> {
    let mut tx = st.db.read().await?;
    let rows = store::calendar_days(&mut tx).await?;
    drop(tx);
    let mut years: Vec<YearText> = vec![];
    for (d, k, n) in rows {
        let Some(day) = calendar::parse_date(&d) else {
            continue;
        };
        let kind = calendar::DayKind::parse(&k).unwrap_or(calendar::DayKind::Holiday);
        let line = calendar::format_days(&[calendar::CalendarDay { day, kind, name: n }]);
        match years.iter_mut().find(|y| y.year == day.year()) {
            Some(y) => {
                y.text.push_str(&line);
                y.days += 1;
            }
            None => years.push(YearText {
                year: day.year(),
                text: line,
                days: 1,
            }),
        }
    }
    Ok(years)
}

fn this_year(st: &AppState) -> i32 {
    let ms = st.now_ms() + calendar::CST_OFFSET_MS;
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| chrono::Datelike::year(&t))
        .unwrap_or(2026)
}

pub async fn calendar_page(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    if !user.role.may_administer() {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let mut years = calendar_years(&st).await?;
    let y = this_year(&st);
    let missing: Vec<i32> = [y, y + 1]
        .into_iter()
        .filter(|x| !years.iter().any(|t| t.year == *x))
        .collect();
    for m in &missing {
        years.push(YearText {
            year: *m,
            text: String::new(),
            days: 0,
        });
    }
    years.sort_by_key(|t| std::cmp::Reverse(t.year));
    render(&CalendarPage {
        layout: Layout::new(&st, &ctx, "cases.calendar_title", "/admin/calendar"),
        years,
        missing,
    })
}

#[derive(Debug, Deserialize)]
pub struct CalendarForm {
    pub year: i32,
    pub text: String,
}

/// Replaces one year's listed days (the whole year at once, as the State Council's notice
/// is published once a year).
pub async fn calendar_save(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Form(f): Form<CalendarForm>,
) -> AppResult<Redirect> {
    if !user.role.may_administer() {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if !(2000..=2100).contains(&f.year) {
        return Err(AppError::Invalid {
            code: "YEAR_INVALID",
            field: Some("year"),
        });
    }
    let days = calendar::parse_days(&f.text).map_err(|e| AppError::field("text", e))?;
    if days.iter().any(|d| d.day.year() != f.year) {
        return Err(AppError::Invalid {
            code: "CALENDAR_YEAR_MISMATCH",
            field: Some("text"),
        });
    }
    let rows: Vec<(String, String, String)> = days
        .iter()
        .map(|d| {
            (
                calendar::format_date(d.day),
                d.kind.code().to_string(),
                d.name.clone(),
            )
        })
        .collect();
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::replace_year(&mut tx, f.year, &rows).await?;
    audit::record(
        &mut tx,
        now,
        &ctx.actor(),
        Event::ok("calendar.update", "calendar", f.year)
            .with(serde_json::json!({"days": rows.len()})),
    )
    .await?;
    tx.commit().await?;
    st.calendar_cache.clear().await;
    Ok(Redirect::to("/admin/calendar"))
}

#[derive(Template)]
#[template(path = "cases/templates/import.html")]
struct ImportPage {
    layout: Layout,
}

pub async fn import_page(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    if !service::is_dispatcher(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    render(&ImportPage {
        layout: Layout::new(&st, &ctx, "cases.import_title", "/dispatch"),
    })
}
