//! The votes pages: the list of votes the user may see, and one vote with the owner's own
//! share, the ballot buttons and the live count (quorum and both majorities as numbers and
//! fractions).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongzhi_core::votes::Tally;
use serde::Deserialize;

use super::service::{self, VoteItem};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

#[derive(Template)]
#[template(path = "votes/templates/list.html")]
struct ListPage {
    layout: Layout,
    votes: Vec<VoteItem>,
    may_keep: bool,
}

#[derive(Template)]
#[template(path = "votes/templates/show.html")]
struct ShowPage {
    layout: Layout,
    v: VoteItem,
    t: Tally,
    done: bool,
    entered: bool,
    closed_now: bool,
    refusal: Option<crate::web::forms::Refusal>,
    sheet: Option<service::Sheet>,
}

impl ShowPage {
    /// Whether the caller collects ballots door to door (a building head).
    fn door(&self) -> bool {
        self.sheet
            .as_ref()
            .is_some_and(|s| s.channels.contains(&"door"))
    }

    /// How many owners of the sheet have voted.
    fn voted(&self) -> usize {
        self.sheet
            .as_ref()
            .map_or(0, |s| s.rows.iter().filter(|r| r.channel.is_some()).count())
    }

    /// `a / b` as a percentage with one decimal.
    fn pct(&self, a: impl std::borrow::Borrow<f64>, b: impl std::borrow::Borrow<f64>) -> String {
        let (a, b) = (*a.borrow(), *b.borrow());
        if b <= 0.0 {
            "—".into()
        } else {
            format!("{:.1}%", a / b * 100.0)
        }
    }

    fn m2(&self, a: impl std::borrow::Borrow<f64>) -> String {
        format!("{:.2}", a.borrow())
    }
}

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let votes = service::list(&st, &user, &service::ListQuery::default()).await?;
    render(&ListPage {
        layout: Layout::new(&st, &ctx, "votes.title", "/votes"),
        votes,
        may_keep: super::register::may_keep(&user),
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct ShowFlags {
    pub done: Option<String>,
    pub entered: Option<String>,
    pub closed: Option<String>,
}

pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    axum::extract::Query(f): axum::extract::Query<ShowFlags>,
) -> AppResult<Html<String>> {
    let (v, t) = service::get(&st, &user, id).await?;
    let sheet = service::sheet(&st, &user, id).await?;
    render(&ShowPage {
        layout: Layout::new(&st, &ctx, "votes.title", "/votes"),
        v,
        t,
        done: f.done.is_some(),
        entered: f.entered.is_some(),
        closed_now: f.closed.is_some(),
        refusal: None,
        sheet,
    })
}

#[derive(Debug, Deserialize)]
pub struct BallotForm {
    pub choice: String,
}

/// An owner's ballot from the page; a refusal comes back on the page with why.
pub async fn cast(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<BallotForm>,
) -> AppResult<Response> {
    let req = service::BallotRequest {
        choice: f.choice,
        channel: None,
        owner: None,
        attachment: None,
    };
    match service::cast(&st, &user, id, &req).await {
        Ok(_) => Ok(Redirect::to(&format!("/votes/{id}?done=1")).into_response()),
        Err(e) => match crate::web::forms::Refusal::of(ctx.lang, &e) {
            Some(r) => {
                let (v, t) = service::get(&st, &user, id).await?;
                let sheet = service::sheet(&st, &user, id).await?;
                let page = render(&ShowPage {
                    layout: Layout::new(&st, &ctx, "votes.title", "/votes"),
                    v,
                    t,
                    done: false,
                    entered: false,
                    closed_now: false,
                    refusal: Some(r),
                    sheet,
                })?;
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            None => Err(e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    pub reason: String,
}

/// Staff close a vote before its time, with the reason.
pub async fn close(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> AppResult<Response> {
    service::close_now(&st, &user, id, &f.reason).await?;
    Ok(Redirect::to(&format!("/votes/{id}?closed=1")).into_response())
}

#[derive(Template)]
#[template(path = "votes/templates/new.html")]
struct NewPage {
    layout: Layout,
    /// (`building:ID` or `compound:ID`, label).
    scopes: Vec<(String, String)>,
    matters: Vec<&'static str>,
    refusal: Option<crate::web::forms::Refusal>,
}

/// The places a staff member may open a vote on: each building and compound of their area.
fn scopes(st: &AppState, user: &crate::auth::service::CurrentUser) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut compounds = std::collections::BTreeMap::new();
    let map = st.org_map();
    for (id, name) in super::register::buildings(st, user) {
        out.push((format!("building:{id}"), name));
        if let Some(c) = map.unit(id).and_then(|b| b.parent)
            && let Some(cu) = map.unit(c).filter(|u| u.level == "compound")
        {
            compounds.insert(c, cu.name.clone());
        }
    }
    out.extend(
        compounds
            .into_iter()
            .map(|(id, name)| (format!("compound:{id}"), name)),
    );
    out
}

pub async fn new_page(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    if !super::register::may_keep(&user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    render(&NewPage {
        layout: Layout::new(&st, &ctx, "votes.new_title", "/votes"),
        scopes: scopes(&st, &user),
        matters: gongzhi_core::votes::Matter::ALL.map(|m| m.code()).to_vec(),
        refusal: None,
    })
}

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    pub place: String,
    pub matter: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub closes_on: String,
    #[serde(default)]
    pub cost_yuan: String,
    #[serde(default)]
    pub compensation_yuan: String,
    #[serde(default)]
    pub coefficients: String,
}

/// Staff open a vote from the form; a refusal comes back on the form with why.
pub async fn open(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Form(f): Form<OpenForm>,
) -> AppResult<Response> {
    let (scope, id) = f.place.split_once(':').unwrap_or(("", ""));
    let req = service::OpenRequest {
        scope: scope.into(),
        scope_id: id.parse().unwrap_or(0),
        matter: f.matter,
        title: f.title,
        body: f.body,
        closes_on: f.closes_on,
        lift: if f.cost_yuan.trim().is_empty() {
            None
        } else {
            Some(service::LiftRequest {
                cost_yuan: f.cost_yuan,
                compensation_yuan: f.compensation_yuan,
                coefficients: f.coefficients,
            })
        },
    };
    match service::open_by_staff(&st, &user, &req).await {
        Ok(id) => Ok(Redirect::to(&format!("/votes/{id}")).into_response()),
        Err(e) => match crate::web::forms::Refusal::of(ctx.lang, &e) {
            Some(r) => {
                let page = render(&NewPage {
                    layout: Layout::new(&st, &ctx, "votes.new_title", "/votes"),
                    scopes: scopes(&st, &user),
                    matters: gongzhi_core::votes::Matter::ALL.map(|m| m.code()).to_vec(),
                    refusal: Some(r),
                })?;
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            None => Err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "votes/templates/register.html")]
struct RegisterPage {
    layout: Layout,
    buildings: Vec<(i64, String)>,
    register: Option<super::register::RegisterView>,
    community: Option<i64>,
    rules: service::LocalRules,
    saved: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct RegisterQuery {
    pub building: Option<i64>,
    pub saved: Option<String>,
}

/// A building's owners' register with its import, unit corrections and the community's
/// local rules (community and street staff).
pub async fn register_page(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    axum::extract::Query(q): axum::extract::Query<RegisterQuery>,
) -> AppResult<Html<String>> {
    if !super::register::may_keep(&user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let buildings = super::register::buildings(&st, &user);
    let building = q.building.or_else(|| buildings.first().map(|b| b.0));
    let register = match building {
        Some(b) => Some(super::register::view(&st, &user, b).await?),
        None => None,
    };
    let community = building.and_then(|b| st.org_map().unit(b).and_then(|u| u.community));
    let rules = match community {
        Some(c) => service::rules(&st, c).await?,
        None => service::LocalRules::default(),
    };
    render(&RegisterPage {
        layout: Layout::new(&st, &ctx, "votes.register_title", "/votes"),
        buildings,
        register,
        community,
        rules,
        saved: q.saved.is_some(),
    })
}

#[derive(Debug, Deserialize)]
pub struct UnitForm {
    pub floor: i64,
    pub area_m2: String,
    pub owner_name: String,
    #[serde(default)]
    pub owner_id_number: String,
}

pub async fn edit_unit(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<UnitForm>,
) -> AppResult<Response> {
    let building = super::register::edit(
        &st,
        &user,
        id,
        &super::register::UnitEdit {
            floor: f.floor,
            area_m2: f.area_m2,
            owner_name: f.owner_name,
            owner_id_number: f.owner_id_number,
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/votes/register?building={building}&saved=1")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RulesForm {
    pub online_voting: Option<String>,
    pub non_voters_follow: Option<String>,
    pub support_threshold: i64,
    pub building: Option<i64>,
}

pub async fn set_rules(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(community): Path<i64>,
    Form(f): Form<RulesForm>,
) -> AppResult<Response> {
    service::set_rules(
        &st,
        &user,
        community,
        service::LocalRules {
            online_voting: f.online_voting.is_some(),
            non_voters_follow: f.non_voters_follow.is_some(),
            support_threshold: f.support_threshold,
        },
    )
    .await?;
    let b = f
        .building
        .map(|b| format!("building={b}&"))
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/votes/register?{b}saved=1")).into_response())
}
