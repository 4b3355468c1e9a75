//! Case pages: filing a report (resident, hotline, patrol), my reports, case detail with
//! the actions the user may take, the dispatcher console, the unit's orders, supervision,
//! the inbox, and the working-day calendar editor.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongzhi_core::identity::{Role, Scope};
use serde::Deserialize;

use super::calendar::YearText;
use super::service::{self, Act, CaseListItem, CaseQuery, CaseView, Filer, Report, UnitOrder};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page, PageParams};

pub(super) fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

pub(super) fn categories() -> Vec<(String, String)> {
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

pub(super) fn focus(st: &AppState, scope: Scope) -> String {
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
    /// What was typed (a refused form comes back with it).
    v: NewForm,
    refusal: Option<crate::web::forms::Refusal>,
}

impl NewPage {
    /// The field the refusal names, for `aria-invalid`.
    fn bad(&self, field: &str) -> bool {
        self.refusal.as_ref().is_some_and(|r| r.is(field))
    }

    /// Whether a building is the one to show selected: the one submitted, else the
    /// resident's own.
    fn picked(&self, id: &i64) -> bool {
        match self.v.building.trim().parse::<i64>() {
            Ok(b) => b == *id,
            Err(_) => *id == self.my_building,
        }
    }
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
    // Staff take reports from someone else: a grid worker on patrol, everyone else from a
    // call (the 12345 line, the office phone); residents' own reports are `web`.
    let channel = match user.role {
        Role::GridWorker | Role::BuildingHead => "patrol",
        r if r.is_staff() => "hotline",
        _ => "",
    };
    let v = NewForm {
        channel: channel.into(),
        ..NewForm::default()
    };
    render(&new_page(&st, &user, &ctx, v, None).await?)
}

/// The report form, empty or with what was typed and why it was refused.
async fn new_page(
    st: &AppState,
    user: &crate::auth::service::CurrentUser,
    ctx: &crate::web::Ctx,
    v: NewForm,
    refusal: Option<crate::web::forms::Refusal>,
) -> AppResult<NewPage> {
    let layout = Layout::new(st, ctx, "cases.new_title", "/cases/new");
    let form = service::report_form(st, user).await?;
    let buildings = form
        .buildings
        .iter()
        .map(|b| BuildingOpt {
            id: b.id,
            label: format!("{} {}", b.compound, b.name),
            lng: b.lng,
            lat: b.lat,
        })
        .collect();
    let channels = CHANNEL_LABELS
        .iter()
        .filter(|(c, _)| service::STAFF_CHANNELS.contains(c))
        .map(|(c, k)| (*c, layout.t(k)))
        .collect();
    Ok(NewPage {
        categories: categories(),
        staff: form.staff,
        channels,
        buildings,
        my_building: form.my_building,
        focus: focus(st, form.focus),
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
        layout,
        v,
        refusal,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
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
/// A refusal shows the form again with what was typed and why (422).
pub async fn create(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    match file_from_form(&st, &user, f.clone()).await {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(e) => match crate::web::forms::Refusal::of(ctx.lang, &e) {
            Some(r) => {
                let page = new_page(&st, &user, &ctx, f, Some(r)).await?;
                let html = page.render().map_err(|e| AppError::Internal(e.into()))?;
                Ok((e.status(), Html(html)).into_response())
            }
            None => Err(e),
        },
    }
}

async fn file_from_form(
    st: &AppState,
    user: &crate::auth::service::CurrentUser,
    f: NewForm,
) -> AppResult<String> {
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
    // On someone's behalf: their phone number (what a caller or a walk-in gives), or the
    // resident record's number.
    let on_behalf_of = match opt(&f.on_behalf_of) {
        Some(s) if gongzhi_core::pii::PhoneNumber::parse(&s).is_ok() => {
            Some(crate::residents::service::id_by_phone(st, user, &s).await?)
        }
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
    let who = Filer::user(user);
    let filed = service::file(st, &who, report).await?;
    let flag = if filed.merged { "merged" } else { "filed" };
    Ok(format!("/cases/{}?{flag}=1", filed.id))
}

#[derive(Template)]
#[template(path = "cases/templates/list.html")]
struct ListPage {
    layout: Layout,
    page: Page<CaseListItem>,
    q: CaseQuery,
    query: String,
    categories: Vec<(String, String)>,
    statuses: Vec<&'static str>,
    resident: bool,
    /// The communities of the user's area, for the filter (empty: one community or none).
    communities: Vec<(i64, String)>,
}

/// The status filter's choices (names from the locale's `case_status`).
pub(super) fn statuses() -> Vec<&'static str> {
    use gongzhi_core::cases::CaseStatus;
    let mut v = vec!["open"];
    v.extend(CaseStatus::ALL.iter().map(|s| s.code()));
    v
}

fn query_string(q: &CaseQuery) -> String {
    let flag = |b: Option<bool>| {
        if b == Some(true) {
            "true".to_string()
        } else {
            String::new()
        }
    };
    let pairs: Vec<(&str, String)> = vec![
        ("q", q.q.clone().unwrap_or_default()),
        ("status", q.status.clone().unwrap_or_default()),
        ("category", q.category.clone().unwrap_or_default()),
        ("channel", q.channel.clone().unwrap_or_default()),
        (
            "community",
            q.community.map(|c| c.to_string()).unwrap_or_default(),
        ),
        ("grid", q.grid.map(|c| c.to_string()).unwrap_or_default()),
        ("from", q.from.clone().unwrap_or_default()),
        ("to", q.to.clone().unwrap_or_default()),
        ("overdue", flag(q.overdue)),
        ("due_soon", flag(q.due_soon)),
        ("supervised", flag(q.supervised)),
    ];
    serde_urlencoded::to_string(
        pairs
            .into_iter()
            .filter(|p| !p.1.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    /// `xlsx` or `csv`: the list as a file.
    pub format: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<CaseQuery>,
    Query(fq): Query<FormatQuery>,
) -> AppResult<Response> {
    let resident = user.role == Role::Resident;
    let title = if resident {
        "cases.mine_title"
    } else {
        "cases.list_title"
    };
    if let Some(format) = crate::web::export::wanted(fq.format.as_deref())? {
        let rows = service::export_list(&st, &user, &q).await?;
        let sheet = super::sheets::cases(&ctx, ctx.lang.t(title), &q, rows);
        return crate::web::export::respond(&sheet, format, st.now_ms());
    }
    let page = service::list(&st, &user, &q, &p).await?;
    Ok(render(&ListPage {
        layout: Layout::new(&st, &ctx, title, "/cases"),
        page,
        query: query_string(&q),
        q,
        categories: categories(),
        statuses: statuses(),
        communities: if resident {
            vec![]
        } else {
            let map = st.org_map();
            let v: Vec<(i64, String)> = map
                .communities()
                .into_iter()
                .filter(|(id, _, _)| map.unit_in_scope(*id, user.scope))
                .map(|(id, name, _)| (id, name))
                .collect();
            if v.len() > 1 { v } else { vec![] }
        },
        resident,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "cases/templates/show.html")]
struct ShowPage {
    layout: Layout,
    c: CaseView,
    can_dispatch: bool,
    my_unit: Option<i64>,
    can_callback: bool,
    /// Staff working on the case may see the reporter's words as typed (audited).
    can_reveal: bool,
    /// May turn a dispute case into a mediation dispute.
    can_mediate: bool,
    units: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    flash: &'static str,
    /// Why the last action was refused (its form shows what was typed).
    refusal: Option<crate::web::forms::Refusal>,
    kept: Kept,
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
) -> AppResult<Response> {
    let flash = if flags.merged.is_some() {
        "cases.flash_merged"
    } else if flags.filed.is_some() {
        "cases.flash_filed"
    } else if flags.done.is_some() {
        "cases.flash_done"
    } else {
        ""
    };
    show_page(&st, &user, &ctx, id, flash, None, Kept::default()).await
}

/// What an action form had typed, shown again when the action was refused.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub op: String,
    pub order: String,
    pub reason: String,
    pub text: String,
    pub until: String,
}

impl Kept {
    fn of(f: &ActForm) -> Kept {
        Kept {
            op: f.op.clone(),
            order: f.order.trim().to_string(),
            reason: f.reason.clone(),
            text: f.text.clone(),
            until: f.until.clone(),
        }
    }

    /// The typed value of `field` if it was this form (`op`, and the order for order forms).
    pub fn get(&self, op: &str, order: impl std::fmt::Display, field: &str) -> &str {
        let order = order.to_string();
        if self.op != op || (!self.order.is_empty() && order != "0" && self.order != order) {
            return "";
        }
        match field {
            "reason" => &self.reason,
            "text" => &self.text,
            "until" => &self.until,
            _ => "",
        }
    }
}

async fn show_page(
    st: &AppState,
    user: &crate::auth::service::CurrentUser,
    ctx: &crate::web::Ctx,
    id: i64,
    flash: &str,
    refusal: Option<crate::web::forms::Refusal>,
    kept: Kept,
) -> AppResult<Response> {
    let c = service::get(st, user, id).await?;
    let (can_dispatch, my_unit, can_callback) =
        (c.allowed.dispatch, c.allowed.unit, c.allowed.callback);
    let layout = Layout::new(st, ctx, "cases.detail_title", "/cases");
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
        can_reveal: matches!(
            user.role,
            Role::GridWorker | Role::CommunityStaff | Role::StreetStaff | Role::UnitStaff
        ),
        can_mediate: crate::mediation::service::works_disputes(user.role),
        units: units(st),
        categories: categories(),
        refusal,
        kept,
    })
    .map(IntoResponse::into_response)
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
) -> AppResult<Response> {
    let done = async {
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
                service::act(&st, &user, order()?, Act::Sign).await?;
            }
            "return" => {
                service::act(
                    &st,
                    &user,
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
                service::act(&st, &user, order()?, Act::DecideExtension { approve }).await?;
            }
            "feedback" => {
                service::act(
                    &st,
                    &user,
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
                    order()?,
                    Act::Reroute {
                        unit: unit()?,
                        reason: f.reason.clone(),
                    },
                )
                .await?;
            }
            "dispatch" => service::dispatch(&st, &user, id, unit()?).await?,
            "reclassify" => service::reclassify(&st, &user, id, &f.category).await?,
            "supervise" => service::supervise(&st, &user, id, &f.text).await?,
            "callback" => {
                let satisfaction = f.satisfaction.trim().parse::<i64>().ok();
                service::callback(&st, &user, id, f.solved == "yes", satisfaction, &f.text).await?;
            }
            "urge" => service::urge(&st, &user, id).await?,
            "info" => service::add_info(&st, &user, id, &f.text).await?,
            "withdraw" => service::withdraw(&st, &user, id, &f.reason).await?,
            _ => return Err(AppError::invalid("OP_UNKNOWN")),
        }
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = done {
        // A refusal the page can explain comes back on the case page with what was typed.
        return match crate::web::forms::Refusal::of(ctx.lang, &e) {
            Some(r) => show_page(&st, &user, &ctx, id, "", Some(r), Kept::of(&f))
                .await
                .map(|mut resp| {
                    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                    resp
                }),
            None => Err(e),
        };
    }
    let back = match f.back.as_str() {
        "/orders" => "/orders".to_string(),
        _ => format!("/cases/{id}?done=1"),
    };
    Ok(Redirect::to(&back).into_response())
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
    let page = service::dispatch_queue(&st, &user, &p).await?;
    render(&DispatchPage {
        layout: Layout::new(&st, &ctx, "cases.dispatch_title", "/dispatch"),
        page,
        focus: focus(&st, user.scope),
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
    })
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
    Query(fq): Query<FormatQuery>,
) -> AppResult<Response> {
    let status = q.status.unwrap_or_else(|| "open".into());
    if let Some(format) = crate::web::export::wanted(fq.format.as_deref())? {
        let rows = service::export_unit_orders(&st, &user, &status).await?;
        return crate::web::export::respond(
            &super::sheets::orders(&ctx, &status, rows),
            format,
            st.now_ms(),
        );
    }
    let page = service::unit_orders(&st, &user, &status, &p).await?;
    let (orders, total) = (page.items, page.total);
    let per = p.per_page();
    render(&OrdersPage {
        layout: Layout::new(&st, &ctx, "cases.orders_title", "/orders"),
        orders,
        total,
        page: p.page(),
        pages: ((total + per - 1) / per).max(1),
        status,
    })
    .map(IntoResponse::into_response)
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

#[derive(Template)]
#[template(path = "cases/templates/calendar.html")]
struct CalendarPage {
    layout: Layout,
    years: Vec<YearText>,
    missing: Vec<i32>,
}

pub async fn calendar_page(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let years = super::calendar::years(&st, &user).await?;
    let missing = years
        .iter()
        .filter(|y| y.days == 0)
        .map(|y| y.year)
        .collect();
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

/// Replaces one year's listed days.
pub async fn calendar_save(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<CalendarForm>,
) -> AppResult<Redirect> {
    super::calendar::save_year(&st, &user, f.year, &f.text).await?;
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
    if !super::import::may_import(&user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    render(&ImportPage {
        layout: Layout::new(&st, &ctx, "cases.import_title", "/dispatch"),
    })
}

#[derive(Template)]
#[template(path = "cases/templates/reveal.html")]
struct RevealPage {
    layout: Layout,
    id: i64,
    texts: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct RevealForm {
    reason: String,
}

/// The reports' texts as typed (with the phone number the reporter gave), for staff working
/// on the case; the reason goes into the audit trail.
pub async fn reveal(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> AppResult<Html<String>> {
    let texts = service::reveal_original(&st, &user, id, &f.reason).await?;
    render(&RevealPage {
        layout: Layout::new(&st, &ctx, "cases.reveal_title", "/cases"),
        id,
        texts,
    })
}
