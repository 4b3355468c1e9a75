//! The 微更新 pages: a community's projects and rounds (with staff's round and import
//! forms), the proposal form with photos and a map pin, a project's page through its whole
//! course, a round's page with the ballot and the results, and project photos. The forms
//! post JSON to the API (`jsonforms.js`) and come back with `done=1`, or show the refusal in
//! the user's language where they were typed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;

use super::service::{self, ProjectSummary, ProjectView, RoundSummary, RoundView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};
use gongzhi_core::identity::Role;

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub community: Option<i64>,
    pub done: Option<String>,
}

fn is_resident(u: &crate::auth::service::CurrentUser) -> bool {
    matches!(u.role, Role::Resident | Role::BuildingHead) && u.resident_id.is_some()
}

#[derive(Template)]
#[template(path = "renewal/templates/index.html")]
struct IndexPage {
    layout: Layout,
    community: i64,
    community_name: String,
    manages: bool,
    may_propose: bool,
    projects: Vec<ProjectSummary>,
    rounds: Vec<RoundSummary>,
    done: bool,
}

impl IndexPage {
    fn feasible(&self) -> Vec<&ProjectSummary> {
        self.projects
            .iter()
            .filter(|p| p.stage == "feasible")
            .collect()
    }
}

pub async fn index(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let c = service::community_of(&st, &user, q.community).await?;
    let manages = service::manages(&st, &user, c);
    let layout = Layout::new(&st, &ctx, "renewal.title", "/renewal");
    render(&IndexPage {
        community: c,
        community_name: st
            .org_map()
            .unit(c)
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        manages,
        may_propose: manages || is_resident(&user),
        projects: service::projects(&st, &user, c).await?,
        rounds: service::rounds(&st, &user, c).await?,
        done: q.done.is_some(),
        layout,
    })
}

#[derive(Template)]
#[template(path = "renewal/templates/new.html")]
struct NewPage {
    layout: Layout,
    staff: bool,
    focus: String,
    tile_url: String,
    /// `lng,lat` of a resident's own building: where the pin starts.
    home: String,
}

pub async fn new(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    let c = service::community_of(&st, &user, None).await?;
    let staff = service::manages(&st, &user, c);
    if !staff && !is_resident(&user) {
        return Err(AppError::Forbidden("RESIDENT_ONLY"));
    }
    let focus = st
        .org_map()
        .extent_of(gongzhi_core::identity::Scope::Community(c))
        .map(|b| format!("{},{},{},{}", b[0], b[1], b[2], b[3]))
        .unwrap_or_default();
    let home = match user.resident_id {
        Some(r) if !staff => crate::residents::service::party(&st, r)
            .await?
            .and_then(|p| {
                st.org_map()
                    .buildings
                    .iter()
                    .find(|b| b.id == p.place.building_id)
                    .map(|b| format!("{},{}", b.lng, b.lat))
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let layout = Layout::new(&st, &ctx, "renewal.new_title", "/renewal");
    render(&NewPage {
        home,
        staff,
        focus,
        tile_url: st.config.tile_url.clone().unwrap_or_default(),
        layout,
    })
}

#[derive(Template)]
#[template(path = "renewal/templates/project.html")]
struct ProjectPage {
    layout: Layout,
    p: ProjectView,
    resident: bool,
    done: bool,
    today: String,
}

impl ProjectPage {
    fn reached(&self, stage: &str) -> bool {
        let at = |s: &str| service::STAGES.iter().position(|x| *x == s);
        match (at(&self.p.stage), at(stage)) {
            (Some(a), Some(b)) => a >= b,
            _ => false,
        }
    }
    fn options(&self) -> Vec<&service::PostView> {
        self.p.posts.iter().filter(|o| o.kind == "option").collect()
    }
    fn comments_on(&self, id: &i64) -> Vec<&service::PostView> {
        self.p
            .posts
            .iter()
            .filter(|o| o.parent_id == Some(*id))
            .collect()
    }
    fn chosen(&self, id: &i64) -> bool {
        self.p.option_post_id == Some(*id)
    }
    fn picked(&self, id: &i64) -> bool {
        self.p.my_pick == Some(*id)
    }
    fn stages(&self) -> &'static [&'static str] {
        &service::STAGES
    }
    fn funding(&self) -> &service::FundingView {
        &self.p.funding
    }
    /// The change in use, signed (`+300%`), or a dash.
    fn change(&self) -> String {
        match self.p.usage.change_percent {
            Some(c) if c >= 0 => format!("+{c}%"),
            Some(c) => format!("{c}%"),
            None => "—".into(),
        }
    }
    fn board_open(&self) -> bool {
        matches!(self.p.stage.as_str(), "idea" | "codesign")
    }
    /// The share of the cost received so far, in % (for the bar).
    fn funded_pct(&self) -> i64 {
        match &self.p.funding.cost {
            Some(c) if c.fen > 0 => (self.p.funding.received.fen * 100 / c.fen).min(100),
            _ => 0,
        }
    }
}

pub async fn project(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let p = service::project(&st, &user, id).await?;
    let layout = Layout::new(&st, &ctx, "renewal.title", "/renewal");
    render(&ProjectPage {
        p,
        resident: is_resident(&user),
        done: q.done.is_some(),
        today: crate::clock::date_cn(st.now_ms()),
        layout,
    })
}

#[derive(Template)]
#[template(path = "renewal/templates/round.html")]
struct RoundPage {
    layout: Layout,
    r: RoundView,
    resident: bool,
    done: bool,
}

impl RoundPage {
    fn voted(&self, key: &str) -> bool {
        self.r
            .my_ballot
            .as_ref()
            .is_some_and(|b| b.iter().any(|k| k == key))
    }
}

pub async fn round(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let r = service::round(&st, &user, id).await?;
    let layout = Layout::new(&st, &ctx, "renewal.round_title", "/renewal");
    render(&RoundPage {
        r,
        resident: is_resident(&user),
        done: q.done.is_some(),
        layout,
    })
}

pub async fn photo(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (mime, bytes) = service::photo(&st, &user, id).await?;
    Ok(crate::web::file_response(
        mime,
        "private, max-age=3600",
        bytes,
    ))
}
