//! The 议事协商 pages: a community's bodies, meetings, suggestions and monthly rates, with
//! the staff forms; one meeting with its agenda, attendance, QR check-in, minutes and
//! decisions; and the check-in page the QR code opens. A refused form comes back to its
//! page with why (`?error=CODE`, said in the user's language).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::service::{self, BodyView, MeetingView, MonthRates, SuggestionView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

/// After a form: back to `to` with `done=1`, or with the refusal's code.
fn back(lang: crate::i18n::Lang, to: &str, r: AppResult<()>) -> AppResult<Response> {
    let sep = if to.contains('?') { '&' } else { '?' };
    match r {
        Ok(()) => Ok(Redirect::to(&format!("{to}{sep}done=1")).into_response()),
        Err(e) => match crate::web::forms::Refusal::of(lang, &e) {
            Some(r) => Ok(Redirect::to(&format!("{to}{sep}error={}", r.code)).into_response()),
            None => Err(e),
        },
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    pub community: Option<i64>,
    pub done: Option<String>,
    pub error: Option<String>,
}

/// The flash and the refusal a page shows after a form.
fn outcome(layout: &Layout, q: &PageQuery) -> (bool, Option<(String, String)>) {
    let error = q
        .error
        .as_deref()
        .filter(|c| c.len() <= 40 && c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'));
    (
        q.done.is_some(),
        error.map(|c| (c.to_string(), layout.lang.error(c).to_string())),
    )
}

#[derive(Template)]
#[template(path = "participation/templates/index.html")]
struct IndexPage {
    layout: Layout,
    community: i64,
    community_name: String,
    manages: bool,
    is_resident: bool,
    bodies: Vec<BodyView>,
    meetings: Vec<(i64, String, String, String)>,
    suggestions: Vec<SuggestionView>,
    rates: Vec<MonthRates>,
    threshold: i64,
    /// (`kind`, scope id, label) of the places a body can be set up for.
    places: Vec<(&'static str, i64, String)>,
    done: bool,
    error: Option<(String, String)>,
}

impl IndexPage {
    /// Implemented, not adopted or merged: shown folded.
    fn closed(&self, s: &SuggestionView) -> bool {
        matches!(s.status.as_str(), "implemented" | "not_adopted" | "merged")
    }

    fn closed_count(&self) -> usize {
        self.suggestions.iter().filter(|s| self.closed(s)).count()
    }
}

pub async fn index(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let c = service::community_of(&st, &user, q.community).await?;
    let manages = service::manages(&st, &user, c);
    let map = st.org_map();
    let mut places = vec![(
        "council",
        c,
        map.unit(c).map(|x| x.name.clone()).unwrap_or_default(),
    )];
    if manages {
        let mut compounds = std::collections::BTreeMap::new();
        for b in map.buildings.iter().filter(|b| b.community == Some(c)) {
            places.push(("building", b.id, format!("{} {}", b.compound, b.name)));
            if let Some(p) = map.unit(b.id).and_then(|x| x.parent) {
                compounds.insert(p, b.compound.clone());
            }
        }
        places.extend(compounds.into_iter().map(|(id, n)| ("compound", id, n)));
    }
    let layout = Layout::new(&st, &ctx, "participation.title", "/participation");
    let (done, error) = outcome(&layout, &q);
    render(&IndexPage {
        community: c,
        community_name: map.unit(c).map(|x| x.name.clone()).unwrap_or_default(),
        manages,
        is_resident: user.role == gongzhi_core::identity::Role::Resident,
        bodies: service::bodies(&st, &user, c).await?,
        meetings: service::meetings(&st, &user, c).await?,
        suggestions: service::suggestions(&st, &user, c).await?,
        rates: service::rates(&st, &user, c).await?,
        threshold: crate::votes::service::rules(&st, c)
            .await?
            .support_threshold,
        places,
        done,
        error,
        layout,
    })
}

fn home(c: i64) -> String {
    format!("/participation?community={c}")
}

#[derive(Debug, Deserialize)]
pub struct RaiseForm {
    pub community: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub channel: Option<String>,
    pub on_behalf_of: Option<String>,
}

pub async fn raise(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Form(f): Form<RaiseForm>,
) -> AppResult<Response> {
    let r = service::raise(
        &st,
        &user,
        &service::NewSuggestionRequest {
            kind: f.kind,
            title: f.title,
            body: f.body,
            channel: f.channel.filter(|c| !c.is_empty()),
            on_behalf_of: f.on_behalf_of.filter(|c| !c.trim().is_empty()),
            community: Some(f.community),
        },
    )
    .await
    .map(|_| ());
    back(ctx.lang, &home(f.community), r)
}

#[derive(Debug, Deserialize)]
pub struct CommunityForm {
    pub community: i64,
}

pub async fn support(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<CommunityForm>,
) -> AppResult<Response> {
    let r = service::support(&st, &user, id).await.map(|_| ());
    back(ctx.lang, &home(f.community), r)
}

#[derive(Debug, Deserialize)]
pub struct ActForm {
    pub community: i64,
    pub action: String,
    #[serde(default)]
    pub text: String,
    pub into: Option<String>,
}

pub async fn act(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> AppResult<Response> {
    let r = service::act(
        &st,
        &user,
        id,
        &service::SuggestionAction {
            action: f.action,
            text: f.text,
            into: f.into.and_then(|s| s.trim().parse().ok()),
        },
    )
    .await;
    back(ctx.lang, &home(f.community), r)
}

#[derive(Debug, Deserialize)]
pub struct BodyForm {
    pub community: i64,
    /// `kind:scope_id`
    pub place: String,
    pub name: String,
    pub term_start: String,
    pub term_end: String,
}

pub async fn create_body(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Form(f): Form<BodyForm>,
) -> AppResult<Response> {
    let (kind, id) = f.place.split_once(':').unwrap_or(("", ""));
    let r = service::create_body(
        &st,
        &user,
        &service::NewBody {
            kind: kind.into(),
            scope_id: id.parse().unwrap_or(0),
            name: f.name,
            term_start: f.term_start,
            term_end: f.term_end,
        },
    )
    .await
    .map(|_| ());
    back(ctx.lang, &home(f.community), r)
}

#[derive(Debug, Deserialize)]
pub struct MemberForm {
    pub community: i64,
    pub phone: String,
    pub role: String,
    pub elected_on: String,
}

pub async fn add_member(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<MemberForm>,
) -> AppResult<Response> {
    let r = service::add_member(
        &st,
        &user,
        id,
        &service::NewMember {
            phone: f.phone,
            role: f.role,
            elected_on: f.elected_on,
        },
    )
    .await;
    back(ctx.lang, &home(f.community), r)
}

#[derive(Debug, Deserialize)]
pub struct MeetingForm {
    pub community: i64,
    pub body_id: i64,
    pub title: String,
    #[serde(default)]
    pub agenda: String,
    pub place: String,
    pub starts_at: String,
}

pub async fn call_meeting(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Form(f): Form<MeetingForm>,
) -> AppResult<Response> {
    match service::call_meeting(
        &st,
        &user,
        &service::NewMeeting {
            body_id: f.body_id,
            title: f.title,
            agenda: f.agenda,
            place: f.place,
            starts_at: f.starts_at,
        },
    )
    .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/participation/meetings/{id}?done=1")).into_response()),
        Err(e) => back(ctx.lang, &home(f.community), Err(e)),
    }
}

#[derive(Template)]
#[template(path = "participation/templates/meeting.html")]
struct MeetingPage {
    layout: Layout,
    m: MeetingView,
    manages: bool,
    qr_svg: String,
    done: bool,
    error: Option<(String, String)>,
}

pub async fn meeting(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
    headers: axum::http::HeaderMap,
) -> AppResult<Html<String>> {
    let m = service::meeting(&st, &user, id).await?;
    let qr_svg = match &m.checkin_path {
        Some(p) => {
            // The address the staff member reached us by is the one phones at the meeting
            // can reach too.
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if st.config.secure_cookies {
                "https"
            } else {
                "http"
            };
            let url = format!("{scheme}://{host}{p}");
            qrcode::QrCode::new(url.as_bytes())
                .map(|c| {
                    c.render::<qrcode::render::svg::Color>()
                        .min_dimensions(220, 220)
                        .quiet_zone(true)
                        .build()
                })
                .unwrap_or_default()
        }
        None => String::new(),
    };
    let layout = Layout::new(&st, &ctx, "participation.meeting", "/participation");
    let (done, error) = outcome(&layout, &q);
    render(&MeetingPage {
        manages: service::manages(&st, &user, m.community_id),
        m,
        qr_svg,
        done,
        error,
        layout,
    })
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    pub t: Option<String>,
}

#[derive(Template)]
#[template(path = "participation/templates/checkin.html")]
struct CheckinPage {
    layout: Layout,
    m: MeetingView,
    token: String,
}

/// What the QR code opens: the meeting and one big 签到 button.
pub async fn checkin_page(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<TokenQuery>,
) -> AppResult<Html<String>> {
    let m = service::meeting(&st, &user, id).await?;
    render(&CheckinPage {
        layout: Layout::new(&st, &ctx, "participation.checkin", "/participation"),
        m,
        token: q.t.unwrap_or_default(),
    })
}

#[derive(Debug, Deserialize)]
pub struct CheckinForm {
    pub token: String,
}

pub async fn check_in(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<CheckinForm>,
) -> AppResult<Response> {
    let r = service::check_in(&st, &user, id, &f.token)
        .await
        .map(|_| ());
    back(ctx.lang, &format!("/participation/meetings/{id}"), r)
}

#[derive(Debug, Deserialize)]
pub struct PhoneForm {
    pub phone: String,
}

pub async fn mark_present(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<PhoneForm>,
) -> AppResult<Response> {
    let r = service::mark_present(&st, &user, id, &f.phone)
        .await
        .map(|_| ());
    back(ctx.lang, &format!("/participation/meetings/{id}"), r)
}

#[derive(Debug, Deserialize)]
pub struct MinutesForm {
    pub minutes: String,
}

pub async fn minutes(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<MinutesForm>,
) -> AppResult<Response> {
    let r = service::publish_minutes(&st, &user, id, &f.minutes)
        .await
        .map(|_| ());
    back(ctx.lang, &format!("/participation/meetings/{id}"), r)
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub text: String,
    pub owner: String,
    pub due_on: String,
}

pub async fn add_decision(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> AppResult<Response> {
    let r = service::add_decision(
        &st,
        &user,
        id,
        &service::NewDecision {
            text: f.text,
            owner: f.owner,
            due_on: f.due_on,
        },
    )
    .await
    .map(|_| ());
    back(ctx.lang, &format!("/participation/meetings/{id}"), r)
}

#[derive(Debug, Deserialize)]
pub struct DoneForm {
    pub meeting: i64,
    pub note: String,
}

pub async fn decision_done(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<DoneForm>,
) -> AppResult<Response> {
    let r = service::decision_done(&st, &user, id, &f.note).await;
    back(
        ctx.lang,
        &format!("/participation/meetings/{}", f.meeting),
        r,
    )
}
