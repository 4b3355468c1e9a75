//! Mediation pages: the resident's filing form and their disputes, the mediator's and
//! supervisor's workspace (disputes, follow-ups due, the figures), the dispute page with
//! every action the user may take and the similar past cases, the printable agreement, and
//! the published reference cases.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use gongzhi_core::identity::Scope;
use gongzhi_core::mediation::types::TYPES;
use serde::Deserialize;

use super::index::Hit;
use super::service::{self, DisputeItem, DisputeView, Figures};
use crate::cases::html::opt;
use crate::clock::format_cn;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout, Page, PageParams};

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

fn types() -> Vec<(&'static str, &'static str)> {
    TYPES.iter().map(|t| (t.code, t.name)).collect()
}

#[derive(Template)]
#[template(path = "mediation/templates/home.html")]
struct HomePage {
    layout: Layout,
    page: Page<DisputeItem>,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    /// The list's filter as a query string (for the pager and the exports).
    query: String,
    due: Vec<DisputeItem>,
    figures: Option<Figures>,
    /// The figures' breakdowns: (heading, rows).
    tables: Vec<(&'static str, Vec<service::Figure>)>,
    worker: bool,
    may_file: bool,
}

impl HomePage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{:.0}%", x * 100.0))
            .unwrap_or_else(|| "—".into())
    }
    fn days(&self, v: &Option<f64>) -> String {
        v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
    }
    fn date(&self, ms: &i64) -> String {
        format_cn(*ms)
    }
}

#[derive(Debug, Deserialize)]
pub struct FormatQuery {
    /// `xlsx` or `csv`: the list as a file.
    pub format: Option<String>,
}

/// The dispute list as a sheet (`format=xlsx|csv` on the list's own URL).
fn disputes_sheet(
    ctx: &crate::web::Ctx,
    q: &service::ListQuery,
    rows: Vec<service::DisputeItem>,
) -> crate::web::export::Sheet {
    use crate::web::export::{Cell, Sheet};
    let t = |k: &str| ctx.lang.t(k).to_string();
    let tc = |g: &str, c: &str| ctx.lang.tc(g, c);
    Sheet {
        title: t("mediation.title"),
        filters: q
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                format!(
                    "{}{}{}",
                    t("mediation.status"),
                    t("common.colon"),
                    tc("dispute_status", s)
                )
            })
            .unwrap_or_default(),
        headers: [
            "cases.no",
            "mediation.title_col",
            "mediation.type",
            "mediation.status",
            "mediation.level",
            "mediation.community",
            "mediation.risk",
            "mediation.filed_at",
        ]
        .iter()
        .map(|k| t(k))
        .collect(),
        rows: rows
            .into_iter()
            .map(|d| {
                vec![
                    Cell::Int(d.id),
                    d.title.into(),
                    d.type_name.into(),
                    tc("dispute_status", &d.status).into(),
                    level_name(&d.level).into(),
                    d.community.into(),
                    d.risk.into(),
                    Cell::Time(d.created_at),
                ]
            })
            .collect(),
    }
}

pub async fn home(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<service::ListQuery>,
    Query(fq): Query<FormatQuery>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if let Some(format) = crate::web::export::wanted(fq.format.as_deref())? {
        let rows = service::export_list(&st, &user, &q).await?;
        return crate::web::export::respond(&disputes_sheet(&ctx, &q, rows), format, st.now_ms());
    }
    let page = service::list(&st, &user, &q, &p).await?;
    let worker = service::works_disputes(user.role);
    let (due, figures) = if worker {
        (
            service::follow_ups_due(&st, &user).await?,
            Some(service::figures(&st, &user, 12).await?),
        )
    } else {
        (vec![], None)
    };
    let layout = Layout::new(&st, &ctx, "mediation.title", "/mediation");
    let tables = match &figures {
        Some(f) => vec![
            (layout.t("mediation.by_type"), f.by_type.clone()),
            (layout.t("mediation.by_mediator"), f.by_mediator.clone()),
            (layout.t("mediation.by_month"), f.by_month.clone()),
        ],
        None => vec![],
    };
    let statuses = gongzhi_core::mediation::Status::ALL
        .iter()
        .map(|s| (s.code(), s.name_zh()))
        .collect();
    let query = serde_urlencoded::to_string([("status", q.status.clone().unwrap_or_default())])
        .unwrap_or_default();
    render(&HomePage {
        layout,
        tables,
        query,
        page,
        status: q.status.unwrap_or_default(),
        statuses,
        due,
        figures,
        worker,
        may_file: service::may_file(&user),
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "mediation/templates/new.html")]
struct NewPage {
    layout: Layout,
    staff: bool,
    types: Vec<(&'static str, &'static str)>,
    communities: Vec<(i64, String)>,
}

pub async fn new_form(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let staff = service::works_disputes(user.role);
    if !service::may_file(&user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let map = st.org_map();
    let communities = map
        .communities()
        .into_iter()
        .filter(|(id, _, street)| match user.scope {
            Scope::Community(c) => *id == c,
            Scope::Street(s) => *street == Some(s),
            _ => true,
        })
        .map(|(id, name, _)| (id, name))
        .collect();
    render(&NewPage {
        layout: Layout::new(&st, &ctx, "mediation.new_title", "/mediation"),
        staff,
        types: types(),
        communities,
    })
}

#[derive(Debug, Deserialize)]
pub struct NewForm {
    pub account: String,
    #[serde(default)]
    pub wants: String,
    #[serde(default)]
    pub dtype: String,
    #[serde(default)]
    pub other_name: String,
    #[serde(default)]
    pub other_phone: String,
    #[serde(default)]
    pub applicant_name: String,
    #[serde(default)]
    pub applicant_phone: String,
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub consent: String,
}

pub async fn create(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<NewForm>,
) -> AppResult<Redirect> {
    let staff = service::works_disputes(user.role);
    let mut parties = vec![];
    if staff {
        parties.push(service::PartyInput {
            side: Some("applicant".into()),
            name: f.applicant_name.clone(),
            phone: opt(&f.applicant_phone),
            resident_id: None,
        });
    }
    parties.push(service::PartyInput {
        side: Some("respondent".into()),
        name: f.other_name.clone(),
        phone: opt(&f.other_phone),
        resident_id: None,
    });
    let req = service::FileRequest {
        account: f.account,
        wants: f.wants,
        dtype: opt(&f.dtype),
        title: None,
        parties,
        community_id: if staff {
            f.community.trim().parse().ok()
        } else {
            None
        },
        channel: if staff { opt(&f.channel) } else { None },
        consent: f.consent == "yes",
        follow_up_days: None,
    };
    let id = service::file(&st, &user, &req).await?;
    Ok(Redirect::to(&format!("/mediation/disputes/{id}?filed=1")))
}

#[derive(Template)]
#[template(path = "mediation/templates/show.html")]
struct ShowPage {
    layout: Layout,
    d: DisputeView,
    similar: Vec<Hit>,
    flash: &'static str,
    level_name: &'static str,
    resolved_level_name: &'static str,
    risk_name: &'static str,
    open: bool,
    all_consented: bool,
}

impl ShowPage {
    fn date(&self, ms: &i64) -> String {
        format_cn(*ms)
    }
    fn side_name(&self, side: &str) -> &'static str {
        self.layout.t(if side == "applicant" {
            "mediation.applicant"
        } else {
            "mediation.respondent"
        })
    }
    fn consent_name(&self, c: &str) -> &'static str {
        self.layout.t(match c {
            "yes" => "mediation.consent_yes",
            "no" => "mediation.consent_no",
            _ => "mediation.consent_pending",
        })
    }
    fn mode_name(&self, m: &str) -> &'static str {
        self.layout.t(match m {
            "online" => "mediation.mode_online",
            "phone" => "mediation.mode_phone",
            _ => "mediation.mode_in_person",
        })
    }
    fn event_name(&self, k: &str) -> String {
        let key = format!("mediation.ev_{}", k.replace("dispute.", ""));
        let t = self.layout.t(&key);
        if t == key {
            k.to_string()
        } else {
            t.to_string()
        }
    }
}

fn level_name(code: &str) -> &'static str {
    gongzhi_core::mediation::Level::parse(code)
        .map(|l| l.name_zh())
        .unwrap_or("")
}

#[derive(Debug, Deserialize)]
pub struct ShowFlags {
    filed: Option<String>,
    done: Option<String>,
}

pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(flags): Query<ShowFlags>,
) -> AppResult<Html<String>> {
    let d = service::get(&st, &user, id).await?;
    let similar = if d.standing.works() {
        service::similar_to(&st, &user, id, 5).await?
    } else {
        vec![]
    };
    let status = gongzhi_core::mediation::Status::parse(&d.status);
    let flash = if flags.filed.is_some() {
        "mediation.flash_filed"
    } else if flags.done.is_some() {
        "mediation.flash_done"
    } else {
        ""
    };
    let layout = Layout::new(&st, &ctx, "mediation.detail", "/mediation");
    render(&ShowPage {
        flash: if flash.is_empty() {
            ""
        } else {
            layout.t(flash)
        },
        level_name: level_name(&d.level),
        resolved_level_name: d.resolved_level.as_deref().map(level_name).unwrap_or(""),
        risk_name: gongzhi_core::mediation::Risk::parse(&d.risk)
            .map(|r| r.name_zh())
            .unwrap_or(""),
        open: status.is_some_and(|s| !s.is_closed()),
        all_consented: d.parties.iter().all(|p| p.consent == "yes"),
        layout,
        d,
        similar,
    })
}

#[derive(Template)]
#[template(path = "mediation/templates/agreement.html")]
struct AgreementPage {
    d: DisputeView,
    terms: String,
    version: i64,
    sha256: String,
    drafted: String,
    committee: String,
}

impl AgreementPage {
    fn date(&self, ms: &i64) -> String {
        format_cn(*ms)
    }
}

/// The agreement (人民调解协议书) as a printable document, from the dispute's data.
pub async fn agreement(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let d = service::get(&st, &user, id).await?;
    let a = d.agreement.clone().ok_or(AppError::NotFound)?;
    render(&AgreementPage {
        committee: format!("{}人民调解委员会", d.community),
        terms: a.terms,
        version: a.version,
        sha256: a.sha256,
        drafted: format_cn(a.created_at),
        d,
    })
}

/// Every action form of the dispute page posts here; `op` names the action.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    pub op: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub yes: String,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub text: String,
}

pub async fn act(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> AppResult<Redirect> {
    let party = f.party.trim().parse::<i64>().ok();
    match f.op.as_str() {
        "consent" => {
            let req = service::ConsentRequest {
                party_id: party,
                consent: f.yes == "yes",
            };
            service::consent(&st, &user, id, &req).await?;
        }
        "session" => {
            let req = service::SessionRequest {
                held_at: None,
                mode: opt(&f.mode),
                place: f.place.clone(),
                minutes: f.text.clone(),
                positions: Default::default(),
            };
            service::record_session(&st, &user, id, &req).await?;
        }
        "draft" => {
            let req = service::AgreementRequest {
                terms: f.text.clone(),
            };
            service::draft(&st, &user, id, &req).await?;
        }
        "confirm" => {
            let req = service::ConfirmRequest { party_id: party };
            service::confirm(&st, &user, id, &req).await?;
        }
        "escalate" => {
            let req = service::ReasonRequest {
                reason: f.text.clone(),
            };
            service::escalate(&st, &user, id, &req).await?;
        }
        "fail" => {
            let req = service::ReasonRequest {
                reason: f.text.clone(),
            };
            service::fail(&st, &user, id, &req).await?;
        }
        "followup" => {
            let req = service::FollowUpRequest {
                holds: f.yes == "yes",
                note: f.text.clone(),
            };
            service::follow_up(&st, &user, id, &req).await?;
        }
        _ => return Err(AppError::invalid("OP_UNKNOWN")),
    }
    Ok(Redirect::to(&format!("/mediation/disputes/{id}?done=1")))
}

/// The case page's one click: a dispute case becomes a dispute (or opens the one it became).
pub async fn from_case(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(case_id): Path<i64>,
) -> AppResult<Redirect> {
    let id = service::from_case(&st, &user, case_id).await?;
    Ok(Redirect::to(&format!("/mediation/disputes/{id}?filed=1")))
}

#[derive(Template)]
#[template(path = "mediation/templates/published.html")]
struct PublishedPage {
    layout: Layout,
    n: usize,
    case: super::SeedCase,
}

/// A published reference case (public: no personal data, names already reduced to 某).
pub async fn published(
    State(st): State<AppState>,
    AuthUser(_user, ctx): AuthUser,
    Path(n): Path<usize>,
) -> AppResult<Html<String>> {
    let cases = super::seed_cases()?;
    let case = cases
        .get(n.checked_sub(1).ok_or(AppError::NotFound)?)
        .cloned()
        .ok_or(AppError::NotFound)?;
    render(&PublishedPage {
        layout: Layout::new(&st, &ctx, "mediation.published", "/mediation"),
        n,
        case,
    })
}
