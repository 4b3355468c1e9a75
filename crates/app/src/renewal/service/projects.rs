//! A project from the idea to the review: proposing it with photos and a map pin, the
//! co-design board (posts, comments, design options and residents' picks, the workshop),
//! the feasibility review; and the one door for staff's steps (`act`), which hands the
//! money steps to `money`.

use gongzhi_core::identity::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::super::store::{self, NewPost, NewProject, ProjectRow};
use super::money::{self, FundingView, MilestoneView};
use super::space::{self, UseView};
use super::{
    Money, invalid, manages, masked, must_manage, must_read, reads, resident, tell_proposer, text,
};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const MAX_PHOTOS: usize = 6;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewProjectRequest {
    pub title: String,
    pub description: String,
    /// The space, in words (e.g. 5号楼地下室).
    pub place: String,
    /// The map pin (WGS84).
    pub lng: f64,
    pub lat: f64,
    /// `data:image/…;base64,…` (JPEG, PNG or WebP, ≤ 3 MiB each, at most 6).
    #[serde(default)]
    pub photos: Vec<String>,
    /// Staff entering an idea for a resident: the resident's mobile number.
    pub on_behalf_phone: Option<String>,
}

/// Proposes an idea: a resident or building head of the community where the pin is, or
/// its staff for a resident (recorded as such). Returns its id.
pub async fn propose(st: &AppState, u: &CurrentUser, r: &NewProjectRequest) -> AppResult<i64> {
    let title = text(&r.title, 60, "SUBJECT_INVALID", "title")?;
    let description = text(&r.description, 2000, "BODY_INVALID", "description")?;
    let place = text(&r.place, 60, "RENEWAL_PLACE_INVALID", "place")?;
    if !(r.lng.is_finite() && r.lat.is_finite()) {
        return Err(invalid("LOCATION_INVALID", "lng"));
    }
    let community = st
        .org_map()
        .locate(r.lng, r.lat)
        .map(|l| l.community)
        .ok_or(invalid("LOCATION_OUTSIDE", "lng"))?;
    if r.photos.len() > MAX_PHOTOS {
        return Err(invalid("PHOTO_TOO_MANY", "photos"));
    }
    let photos = r
        .photos
        .iter()
        .map(|p| crate::cases::service::decode_photo(p))
        .collect::<AppResult<Vec<_>>>()?;
    let (proposer, on_behalf) = match (&r.on_behalf_phone, u.role) {
        (Some(phone), _) if !phone.trim().is_empty() => {
            must_manage(st, u, community)?;
            let id = crate::residents::service::id_by_phone(st, u, phone)
                .await
                .map_err(|_| invalid("RESIDENT_UNKNOWN", "on_behalf_phone"))?;
            (Some(id), true)
        }
        (_, Role::Resident | Role::BuildingHead) => {
            let me = resident(u)?;
            if super::community_of(st, u, None).await? != community {
                return Err(invalid("RENEWAL_OUTSIDE_COMMUNITY", "lng"));
            }
            (Some(me), false)
        }
        _ => return Err(AppError::Forbidden("RESIDENT_ONLY")),
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_project(
        &mut tx,
        &NewProject {
            community_id: community,
            title: &title,
            description: &description,
            lng: r.lng,
            lat: r.lat,
            place: &place,
            proposer,
            by: u.id,
            on_behalf,
            now,
        },
    )
    .await?;
    for ph in &photos {
        let sha = hex::encode(Sha256::digest(&ph.bytes));
        store::insert_photo(&mut tx, id, ph.mime, &sha, &ph.bytes, u.id, now).await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.propose", "renewal_project", id).with(serde_json::json!({
            "community": community, "on_behalf": on_behalf, "photos": photos.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectSummary {
    pub id: i64,
    pub title: String,
    pub place: String,
    /// `idea`, `codesign`, `review`, `feasible`, `refused`, `selection`, `funding`,
    /// `implementation` or `in_use`.
    pub stage: String,
    pub cost: Option<Money>,
    pub round_id: Option<i64>,
    pub proposer: String,
    pub updated_at_ms: i64,
}

impl ProjectSummary {
    fn of(p: &ProjectRow, proposer: String) -> Self {
        ProjectSummary {
            id: p.id,
            title: p.title.clone(),
            place: p.place.clone(),
            stage: p.stage.clone(),
            cost: p.cost_fen.map(Money::from),
            round_id: p.round_id,
            proposer,
            updated_at_ms: p.updated_at,
        }
    }
}

/// A community's projects, newest first.
pub async fn projects(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<ProjectSummary>> {
    must_read(st, u, c).await?;
    let mut tx = st.db.read().await?;
    let rows = store::projects(&mut tx, c).await?;
    drop(tx);
    let mut out = Vec::with_capacity(rows.len());
    for p in &rows {
        out.push(ProjectSummary::of(
            p,
            masked(st, p.proposer_resident_id).await?,
        ));
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostView {
    pub id: i64,
    /// `idea`, `sketch`, `photo`, `comment` or `option` (a design option to pick).
    pub kind: String,
    pub parent_id: Option<i64>,
    /// The author, masked; staff by their role.
    pub author: String,
    pub body: String,
    pub photo: Option<String>,
    /// Residents who picked it (design options).
    pub picks: i64,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkshopView {
    pub meeting_id: i64,
    pub starts_at: String,
    pub place: String,
    pub attendants: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub description: String,
    pub place: String,
    pub lng: f64,
    pub lat: f64,
    /// The proposer, masked.
    pub proposer: String,
    /// Entered by staff for the proposer.
    pub on_behalf: bool,
    pub stage: String,
    /// Where to download each photo of the idea.
    pub photos: Vec<String>,
    pub posts: Vec<PostView>,
    /// The design option chosen when co-design ended.
    pub option_post_id: Option<i64>,
    /// The caller's pick among the options.
    pub my_pick: Option<i64>,
    pub workshop: Option<WorkshopView>,
    pub cost: Option<Money>,
    pub review_note: Option<String>,
    pub refused_reason: Option<String>,
    pub round_id: Option<i64>,
    pub funding: FundingView,
    pub milestones: Vec<MilestoneView>,
    /// The latest milestone's %.
    pub progress: i64,
    pub works_started_on: Option<String>,
    pub accepted_on: Option<String>,
    /// The final account (公示 document, on the ledger).
    pub account_document_id: Option<i64>,
    /// Who keeps the space, by weekday (1 = Monday), masked.
    pub rota: Vec<(i64, String)>,
    pub usage: UseView,
    /// Whether the caller runs it (staff) — the page shows their forms.
    pub manages: bool,
    pub created_at_ms: i64,
}

pub(super) async fn load(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<ProjectRow> {
    let mut tx = st.db.read().await?;
    let p = store::project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, p.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

async fn author(st: &AppState, p: &store::PostRow) -> AppResult<String> {
    match p.author_resident {
        Some(r) => masked(st, Some(r)).await,
        None => Ok("社区工作者".into()),
    }
}

pub async fn project(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<ProjectView> {
    let p = load(st, u, id).await?;
    let mut tx = st.db.read().await?;
    let photos = store::idea_photos(&mut tx, id).await?;
    let post_rows = store::posts(&mut tx, id).await?;
    let my_pick = match u.resident_id {
        Some(r) => store::my_pick(&mut tx, id, r).await?,
        None => None,
    };
    drop(tx);
    let mut posts = Vec::with_capacity(post_rows.len());
    for o in &post_rows {
        posts.push(PostView {
            id: o.id,
            kind: o.kind.clone(),
            parent_id: o.parent_id,
            author: author(st, o).await?,
            body: o.body.clone(),
            photo: o.photo_id.map(photo_href),
            picks: o.picks,
            at_ms: o.created_at,
        });
    }
    let workshop = match p.workshop_meeting_id {
        Some(m) => {
            let v = crate::participation::service::meeting(st, u, m).await?;
            Some(WorkshopView {
                meeting_id: m,
                starts_at: v.starts_at,
                place: v.place,
                attendants: v.attendance.len(),
            })
        }
        None => None,
    };
    let funding = money::funding(st, &p).await?;
    let milestones = money::milestones(st, id).await?;
    let progress = milestones.last().map(|m| m.percent).unwrap_or(0);
    let rota = space::rota(st, id).await?;
    let usage = space::usage(st, &p).await?;
    Ok(ProjectView {
        id,
        community_id: p.community_id,
        title: p.title.clone(),
        description: p.description.clone(),
        place: p.place.clone(),
        lng: p.lng,
        lat: p.lat,
        proposer: masked(st, p.proposer_resident_id).await?,
        on_behalf: p.on_behalf == 1,
        stage: p.stage.clone(),
        photos: photos.into_iter().map(photo_href).collect(),
        posts,
        option_post_id: p.option_post_id,
        my_pick,
        workshop,
        cost: p.cost_fen.map(Money::from),
        review_note: p.review_note.clone(),
        refused_reason: p.refused_reason.clone(),
        round_id: p.round_id,
        funding,
        milestones,
        progress,
        works_started_on: p.works_started_on.clone(),
        accepted_on: p.accepted_on.clone(),
        account_document_id: p.account_document_id,
        rota,
        usage,
        manages: manages(st, u, p.community_id),
        created_at_ms: p.created_at,
    })
}

pub(super) fn photo_href(id: i64) -> String {
    format!("/renewal/photos/{id}")
}

/// A project photo, to whoever may read its project: (media type, bytes).
pub async fn photo(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<(String, Vec<u8>)> {
    let mut tx = st.db.read().await?;
    let (project, mime, bytes) = store::photo(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    load(st, u, project).await?;
    Ok((mime, bytes))
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewPostRequest {
    /// `idea`, `sketch`, `photo`, `comment` (with `parent_id`) or, staff only, `option`.
    pub kind: String,
    pub body: String,
    pub parent_id: Option<i64>,
    /// `data:image/…;base64,…`: a sketch or a photo.
    pub photo: Option<String>,
}

/// Posts on a project's co-design board (while it is an idea or in co-design).
pub async fn post(st: &AppState, u: &CurrentUser, id: i64, r: &NewPostRequest) -> AppResult<i64> {
    let p = load(st, u, id).await?;
    let staff = manages(st, u, p.community_id);
    let me = if staff { None } else { Some(resident(u)?) };
    if !matches!(p.stage.as_str(), "idea" | "codesign") {
        return Err(AppError::Conflict("RENEWAL_BOARD_CLOSED"));
    }
    let kind = match r.kind.as_str() {
        "idea" | "sketch" | "photo" | "comment" => r.kind.as_str(),
        "option" if staff => "option",
        "option" => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
        _ => return Err(invalid("POST_KIND_INVALID", "kind")),
    };
    let body = text(&r.body, 1000, "BODY_INVALID", "body")?;
    let photo = match &r.photo {
        Some(s) if !s.is_empty() => Some(crate::cases::service::decode_photo(s)?),
        _ => None,
    };
    if matches!(kind, "sketch" | "photo") && photo.is_none() {
        return Err(invalid("PHOTO_INVALID", "photo"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let parent = match (kind, r.parent_id) {
        ("comment", Some(pid)) => {
            let posts = store::posts(&mut tx, id).await?;
            if !posts.iter().any(|o| o.id == pid) {
                return Err(invalid("POST_UNKNOWN", "parent_id"));
            }
            Some(pid)
        }
        ("comment", None) => return Err(invalid("POST_UNKNOWN", "parent_id")),
        _ => None,
    };
    let photo_id = match &photo {
        Some(ph) => {
            let sha = hex::encode(Sha256::digest(&ph.bytes));
            Some(store::insert_photo(&mut tx, id, ph.mime, &sha, &ph.bytes, u.id, now).await?)
        }
        None => None,
    };
    let post = store::insert_post(
        &mut tx,
        &NewPost {
            project: id,
            kind,
            parent,
            user: u.id,
            resident: me,
            body: &body,
            photo: photo_id,
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.post", "renewal_project", id)
            .with(serde_json::json!({"post": post, "kind": kind})),
    )
    .await?;
    tx.commit().await?;
    Ok(post)
}

/// A resident picks one of the design options (a later pick replaces the earlier).
pub async fn pick(st: &AppState, u: &CurrentUser, id: i64, post: i64) -> AppResult<()> {
    let p = load(st, u, id).await?;
    let me = resident(u)?;
    if p.stage != "codesign" {
        return Err(AppError::Conflict("RENEWAL_STAGE"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let posts = store::posts(&mut tx, id).await?;
    if !posts.iter().any(|o| o.id == post && o.kind == "option") {
        return Err(invalid("POST_UNKNOWN", "post"));
    }
    store::pick(&mut tx, id, me, post, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.pick", "renewal_project", id).with(serde_json::json!({"post": post})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One step of a project's course, taken by its community's staff.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ProjectAction {
    /// `codesign`, `workshop`, `review`, `feasible`, `refuse` (course); `plan`, `subsidy`,
    /// `share`, `collect`, `start` (funding); `milestone`, `spend`, `accept` (works).
    pub action: String,
    /// review: the design option chosen (default: the most picked).
    pub option: Option<i64>,
    /// workshop: local time `YYYY-MM-DDTHH:MM`.
    pub starts_at: Option<String>,
    /// workshop: where.
    pub place: Option<String>,
    /// feasible: the cost estimate in fen.
    pub cost_fen: Option<i64>,
    /// plan: the subsidy asked of the fund, in fen.
    pub subsidy_fen: Option<i64>,
    /// plan: the residents' share, in fen.
    pub share_fen: Option<i64>,
    /// plan: the crowdfunding maximum (its minimum is what the cost leaves after the
    /// subsidy and the share), in fen.
    pub crowd_max_fen: Option<i64>,
    /// subsidy, share, spend: the amount in fen.
    pub amount_fen: Option<i64>,
    /// subsidy: who grants it; share: who paid it; spend: the payee.
    pub counterparty: Option<String>,
    /// subsidy, share, spend: the decision that allowed it.
    pub approval: Option<String>,
    /// milestone: its title.
    pub title: Option<String>,
    /// milestone: progress, 0–100, never lower than the last.
    pub percent: Option<i64>,
    /// The note: codesign/feasible (rules checked), refuse (why), milestone, spend (what
    /// for), accept (who accepted it, how).
    pub text: Option<String>,
    /// milestone: a photo (`data:image/…;base64,…`).
    pub photo: Option<String>,
    /// spend: the receipt (`data:…;base64,…`, PDF/JPEG/PNG/WebP), published on the ledger.
    pub receipt: Option<String>,
    /// subsidy, share, spend, start, accept: the day (`YYYY-MM-DD`, default today).
    pub on: Option<String>,
}

pub(super) fn need<T: Clone>(v: &Option<T>, code: &'static str, f: &'static str) -> AppResult<T> {
    v.clone().ok_or(invalid(code, f))
}

/// Takes a step of the project's course (its community's staff).
pub async fn act(st: &AppState, u: &CurrentUser, id: i64, a: &ProjectAction) -> AppResult<()> {
    let p = load(st, u, id).await?;
    must_manage(st, u, p.community_id)?;
    match a.action.as_str() {
        "codesign" | "review" | "feasible" | "refuse" => course(st, u, &p, a).await,
        "workshop" => workshop(st, u, &p, a).await,
        "plan" | "subsidy" | "share" | "collect" | "start" | "milestone" | "spend" | "accept" => {
            money::act(st, u, &p, a).await
        }
        _ => Err(invalid("ACTION_INVALID", "action")),
    }
}

async fn course(
    st: &AppState,
    u: &CurrentUser,
    p: &ProjectRow,
    a: &ProjectAction,
) -> AppResult<()> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (from, to, told): (&[&str], &str, String) = match a.action.as_str() {
        "codesign" => (
            &["idea"],
            "codesign",
            format!(
                "您提出的“{}”进入参与式设计，欢迎在项目页发表想法、选择设计方案。",
                p.title
            ),
        ),
        "review" => {
            let posts = store::posts(&mut tx, p.id).await?;
            let options: Vec<&store::PostRow> =
                posts.iter().filter(|o| o.kind == "option").collect();
            let chosen = match a.option {
                Some(o) => Some(
                    options
                        .iter()
                        .find(|x| x.id == o)
                        .map(|x| x.id)
                        .ok_or(invalid("POST_UNKNOWN", "option"))?,
                ),
                // The most picked; on a tie, the earlier option.
                None => options
                    .iter()
                    .max_by_key(|x| (x.picks, std::cmp::Reverse(x.id)))
                    .map(|x| x.id),
            };
            store::set_i64(&mut tx, p.id, "option_post_id", chosen).await?;
            (
                &["codesign"],
                "review",
                format!("“{}”的设计方案已确定，进入可行性评估。", p.title),
            )
        }
        "feasible" => {
            let cost = need(&a.cost_fen, "COST_INVALID", "cost_fen")?;
            if cost <= 0 || cost > gongzhi_core::ledger::MAX_AMOUNT_FEN {
                return Err(invalid("COST_INVALID", "cost_fen"));
            }
            let note = text(
                a.text.as_deref().unwrap_or(""),
                500,
                "REVIEW_NOTE_INVALID",
                "text",
            )?;
            store::set_i64(&mut tx, p.id, "cost_fen", Some(cost)).await?;
            store::set_text(&mut tx, p.id, "review_note", Some(&note)).await?;
            (
                &["review"],
                "feasible",
                format!(
                    "“{}”通过可行性评估，估算造价 {} 元，将进入居民投票。",
                    p.title,
                    super::yuan(cost)
                ),
            )
        }
        _ => {
            let why = text(
                a.text.as_deref().unwrap_or(""),
                500,
                "REASON_REQUIRED",
                "text",
            )?;
            store::set_text(&mut tx, p.id, "refused_reason", Some(&why)).await?;
            (
                &["idea", "codesign", "review"],
                "refused",
                format!("“{}”未能立项，原因：{why}", p.title),
            )
        }
    };
    if !from.contains(&p.stage.as_str())
        || !store::move_stage(&mut tx, p.id, &p.stage, to, now).await?
    {
        return Err(AppError::Conflict("RENEWAL_STAGE"));
    }
    tell_proposer(st, &mut tx, p, &told, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.course", "renewal_project", p.id)
            .with(serde_json::json!({"action": a.action, "from": p.stage, "to": to, "cost_fen": a.cost_fen})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Calls the co-design workshop: a meeting of the community's 居民议事会, open to every
/// resident, whose notice, QR check-in and attendance are 议事协商's.
async fn workshop(
    st: &AppState,
    u: &CurrentUser,
    p: &ProjectRow,
    a: &ProjectAction,
) -> AppResult<()> {
    if p.stage != "codesign" {
        return Err(AppError::Conflict("RENEWAL_STAGE"));
    }
    if p.workshop_meeting_id.is_some() {
        return Err(AppError::Conflict("RENEWAL_WORKSHOP_EXISTS"));
    }
    let council = crate::participation::service::bodies(st, u, p.community_id)
        .await?
        .into_iter()
        .find(|b| b.kind == "council")
        .ok_or(AppError::Conflict("RENEWAL_NO_COUNCIL"))?;
    let meeting = crate::participation::service::call_meeting(
        st,
        u,
        &crate::participation::service::NewMeeting {
            body_id: council.id,
            title: format!("参与式设计工作坊：{}", p.title),
            agenda: format!("介绍“{}”的想法与现场\n居民分组设计\n比较设计方案", p.title),
            place: a.place.clone().unwrap_or_default(),
            starts_at: a.starts_at.clone().unwrap_or_default(),
        },
    )
    .await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::set_i64(&mut tx, p.id, "workshop_meeting_id", Some(meeting)).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.workshop", "renewal_project", p.id)
            .with(serde_json::json!({"meeting": meeting})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
