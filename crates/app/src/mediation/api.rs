//! JSON API of mediation. `GET /api/v1/mediation/similar` has a fixed shape (later tooling
//! depends on it).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Page, PageParams};

use super::service::{
    self, AgreementRequest, AttachmentRequest, ConfirmRequest, ConsentRequest, DisputeItem,
    DisputeView, Figures, FileRequest, FollowUpRequest, ListQuery, MediatorRequest, ReasonRequest,
    SessionRequest,
};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SimilarQuery {
    /// The account of the dispute in front of the mediator (1–2000 characters).
    pub q: String,
    /// How many cases (1–50, default 5).
    pub k: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarCase {
    /// `published` (a reference case: `/mediation/cases/{id}`) or `dispute` (one filed
    /// here that the caller may see: `/mediation/disputes/{id}`).
    pub source: String,
    pub id: i64,
    /// The dispute type (`社区邻里纠纷`).
    #[serde(rename = "type")]
    pub dtype: String,
    pub title: String,
    /// How it ended (for a filed dispute; a published case's account tells it).
    pub outcome: String,
    /// BM25 score (higher is closer; comparable within one answer only).
    pub score: f32,
    /// Passages with the matching words marked `<b>…</b>` (the rest HTML-escaped).
    pub highlights: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarView {
    pub results: Vec<SimilarCase>,
}

/// Past cases most like a dispute's account, best first, among those the caller may see.
#[utoipa::path(get, path = "/api/v1/mediation/similar", tag = "mediation", params(SimilarQuery),
    responses((status = 200, body = SimilarView), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn similar(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<SimilarQuery>,
) -> AppResult<Json<SimilarView>> {
    let hits = service::similar(&st, &user, &q.q, q.k.unwrap_or(5)).await?;
    Ok(Json(view(hits)))
}

fn view(hits: Vec<super::index::Hit>) -> SimilarView {
    SimilarView {
        results: hits
            .into_iter()
            .map(|h| SimilarCase {
                source: h.source.into(),
                outcome: h.outcome,
                id: h.id,
                dtype: h.dtype,
                title: h.title,
                score: h.score,
                highlights: h
                    .highlights
                    .iter()
                    .map(|p| {
                        askama::Template::render(&super::index::Marked { parts: p })
                            .unwrap_or_default()
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct KQuery {
    /// How many cases (1–50, default 5).
    pub k: Option<usize>,
}

/// Past cases most like this dispute (itself left out), for its mediators and supervisors.
#[utoipa::path(get, path = "/api/v1/disputes/{id}/similar", tag = "mediation", params(("id" = i64, Path), KQuery),
    responses((status = 200, body = SimilarView), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn similar_to(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Query(q): Query<KQuery>,
) -> AppResult<Json<SimilarView>> {
    let k = q.k.unwrap_or(5);
    if !(1..=50).contains(&k) {
        return Err(AppError::Invalid {
            code: "K_INVALID",
            field: Some("k"),
        });
    }
    Ok(Json(view(service::similar_to(&st, &user, id, k).await?)))
}

/// Files a dispute: a resident for themselves (`consent` must be true: filing asks for
/// mediation), staff for someone who came or called, a police mediator as a referral.
/// The type is guessed from similar cases when not given; risk is screened; mediators are
/// matched and told; a high risk alerts the police and the street at once.
#[utoipa::path(post, path = "/api/v1/disputes", tag = "mediation", request_body = FileRequest,
    responses((status = 201, body = DisputeView), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn file(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<FileRequest>,
) -> AppResult<(StatusCode, Json<DisputeView>)> {
    let id = service::file(&st, &user, &req).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::get(&st, &user, id).await?),
    ))
}

/// The disputes the caller has standing in (party, mediator, filer, supervisor).
#[utoipa::path(get, path = "/api/v1/disputes", tag = "mediation", params(PageParams, ListQuery),
    responses((status = 200, body = Page<DisputeItem>), (status = 401), (status = 422)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Page<DisputeItem>>> {
    Ok(Json(service::list(&st, &user, &q, &p).await?))
}

/// One dispute with parties, mediators, sessions, agreement, follow-ups, attachments and
/// history; 404 for anyone without standing.
#[utoipa::path(get, path = "/api/v1/disputes/{id}", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 200, body = DisputeView), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<DisputeView>> {
    Ok(Json(service::get(&st, &user, id).await?))
}

/// A case of category SVC.DISPUTE becomes a dispute (once: a second call returns the same).
#[utoipa::path(post, path = "/api/v1/cases/{id}/dispute", tag = "mediation", params(("id" = i64, Path)),
    responses((status = 201, body = DisputeView), (status = 403), (status = 404), (status = 409, description = "Not a dispute case")),
    security(("bearer" = [])))]
pub async fn from_case(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<(StatusCode, Json<DisputeView>)> {
    let did = service::from_case(&st, &user, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::get(&st, &user, did).await?),
    ))
}

macro_rules! action {
    ($name:ident, $path:literal, $req:ty, $call:path, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "mediation", params(("id" = i64, Path)), request_body = $req,
            responses((status = 200, body = DisputeView), (status = 403), (status = 404),
                (status = 409, description = "Not possible in the dispute's status"), (status = 422)),
            security(("bearer" = [])))]
        pub async fn $name(
            State(st): State<AppState>,
            AuthUser(user, _): AuthUser,
            Path(id): Path<i64>,
            Json(req): Json<$req>,
        ) -> AppResult<Json<DisputeView>> {
            $call(&st, &user, id, &req).await?;
            Ok(Json(service::get(&st, &user, id).await?))
        }
    };
}

action!(
    consent,
    "/api/v1/disputes/{id}/consent",
    ConsentRequest,
    service::consent,
    "A party's consent to mediation (or refusal); staff and mediators record it for a party they reached."
);
action!(
    session,
    "/api/v1/disputes/{id}/sessions",
    SessionRequest,
    service::record_session,
    "A mediation session with its minutes and the parties' positions."
);
action!(
    agreement,
    "/api/v1/disputes/{id}/agreement",
    AgreementRequest,
    service::draft,
    "Drafts (or redrafts) the agreement; confirmations start over."
);
action!(
    confirm,
    "/api/v1/disputes/{id}/agreement/confirm",
    ConfirmRequest,
    service::confirm,
    "A party confirms the agreement (mediators: for a party who signed the printed copy)."
);
action!(
    escalate,
    "/api/v1/disputes/{id}/escalate",
    ReasonRequest,
    service::escalate,
    "Up one rung: community → street → district → court pre-litigation mediation."
);
action!(
    fail,
    "/api/v1/disputes/{id}/fail",
    ReasonRequest,
    service::fail,
    "Mediation ends without agreement."
);
action!(
    follow_up,
    "/api/v1/disputes/{id}/followup",
    FollowUpRequest,
    service::follow_up,
    "The follow-up visit: does the agreement hold? No reopens mediation."
);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Adds evidence (JPEG, PNG, WebP or PDF, ≤ 5 MiB), stored encrypted.
#[utoipa::path(post, path = "/api/v1/disputes/{id}/attachments", tag = "mediation", params(("id" = i64, Path)), request_body = AttachmentRequest,
    responses((status = 201, body = Created), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn attach(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<AttachmentRequest>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let aid = service::attach(&st, &user, id, &req).await?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// An attachment's bytes; 404 for anyone without standing in the dispute.
#[utoipa::path(get, path = "/api/v1/disputes/{id}/attachments/{aid}", tag = "mediation",
    params(("id" = i64, Path), ("aid" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404)),
    security(("bearer" = [])))]
pub async fn attachment(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path((id, aid)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let (name, mime, bytes) = service::attachment(&st, &user, id, aid).await?;
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FiguresQuery {
    /// Disputes filed in the last so many months (1–120, default 12).
    pub months: Option<i64>,
}

/// Success rate, time to resolution and the share resolved at community and street level,
/// in total and by type, lead mediator and month, over the disputes the caller sees.
#[utoipa::path(get, path = "/api/v1/mediation/figures", tag = "mediation", params(FiguresQuery),
    responses((status = 200, body = Figures), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn figures(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<FiguresQuery>,
) -> AppResult<Json<Figures>> {
    Ok(Json(
        service::figures(&st, &user, q.months.unwrap_or(12)).await?,
    ))
}

/// Sets a mediator's matching profile: office, skills, communities, capacity, availability.
#[utoipa::path(put, path = "/api/v1/mediation/mediators/{user_id}", tag = "mediation", params(("user_id" = i64, Path)),
    request_body = MediatorRequest,
    responses((status = 204), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn put_mediator(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(user_id): Path<i64>,
    Json(req): Json<MediatorRequest>,
) -> AppResult<StatusCode> {
    service::put_mediator(&st, &user, user_id, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}
