//! JSON API of cases and work orders (the shapes of `POST /api/v1/cases`, the order actions,
//! the call-back and `insight/rates` are fixed: later tooling depends on them).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::insight::{self, RatesQuery, RatesView};
use super::service::{self, Act, CaseListItem, CaseQuery, CaseView, FiledView, Filer, Report};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Page, PageParams};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CaseRequest {
    /// What happened (1–20,000 characters: a 12345 transcript fits).
    pub text: String,
    /// WGS-84 longitude and latitude of the problem.
    pub lng: f64,
    pub lat: f64,
    /// Up to 4 photos as `data:image/jpeg;base64,…` URLs (JPEG, PNG or WebP, ≤ 3 MiB each).
    #[serde(default)]
    pub photos: Vec<String>,
    /// A category code to use instead of the model's choice.
    pub category: Option<String>,
    /// Staff only: `web`, `hotline`, `property_desk` or `patrol`.
    pub channel: Option<String>,
    /// Staff only: the resident (id) the report is filed for.
    pub on_behalf_of: Option<i64>,
    /// Hotline: the caller's phone (stored encrypted, shown masked).
    pub caller_phone: Option<String>,
    /// A human-readable place (楼号, 路口 …).
    pub address: Option<String>,
}

/// Files a report. `201` with the new case, or `200` when it was merged into an open case
/// about the same matter (same category, nearby, recent, similar text).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CaseRequest,
    responses((status = 201, body = FiledView), (status = 200, body = FiledView, description = "Merged into an open case"),
        (status = 401), (status = 403, description = "channel/on_behalf_of are for staff"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<CaseRequest>,
) -> AppResult<(StatusCode, Json<FiledView>)> {
    let photos = req
        .photos
        .iter()
        .map(|p| service::decode_photo(p))
        .collect::<AppResult<Vec<_>>>()?;
    let report = Report {
        text: req.text,
        lng: req.lng,
        lat: req.lat,
        photos,
        category: req.category,
        channel: req.channel,
        on_behalf_of: req.on_behalf_of,
        caller_phone: req.caller_phone,
        address: req.address,
        intake_key: None,
    };
    let who = Filer::user(&user);
    let filed = service::file(&st, &who, report).await?;
    let code = if filed.merged {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((code, Json(filed)))
}

/// Cases the caller may see (residents: their own reports), filtered and paged.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(PageParams, CaseQuery),
    responses((status = 200, body = Page<CaseListItem>), (status = 401), (status = 422)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(p): Query<PageParams>,
    Query(q): Query<CaseQuery>,
) -> AppResult<Json<Page<CaseListItem>>> {
    Ok(Json(service::list(&st, &user, &q, &p).await?))
}

/// One case with its work orders and full history; 404 when outside the caller's reach.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 401), (status = 404)),
    security(("bearer" = [])))]
pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CaseView>> {
    Ok(Json(service::get(&st, &user, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CallbackRequest {
    /// Does the reporter say the problem is solved?
    pub solved: bool,
    /// 1 (very dissatisfied) … 5 (very satisfied).
    pub satisfaction: Option<i64>,
    #[serde(default)]
    pub comment: String,
}

/// The call-back (回访): solved closes the case (办结); not solved reopens it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/callback", tag = "cases", params(("id" = i64, Path)), request_body = CallbackRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409, description = "Not awaiting a call-back"), (status = 422)),
    security(("bearer" = [])))]
pub async fn callback(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<CallbackRequest>,
) -> AppResult<Json<CaseView>> {
    service::callback(&st, &user, id, req.solved, req.satisfaction, &req.comment).await?;
    Ok(Json(service::get(&st, &user, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DispatchRequest {
    /// Handling unit code.
    pub unit: String,
}

fn unit_id(st: &AppState, code: &str) -> AppResult<i64> {
    st.org_map()
        .handling_unit_by_code(code.trim())
        .ok_or(AppError::Invalid {
            code: "UNIT_UNKNOWN",
            field: Some("unit"),
        })
}

/// A dispatcher sends the case to a (further) unit.
#[utoipa::path(post, path = "/api/v1/cases/{id}/dispatch", tag = "cases", params(("id" = i64, Path)), request_body = DispatchRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn dispatch(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<DispatchRequest>,
) -> AppResult<Json<CaseView>> {
    let unit = unit_id(&st, &req.unit)?;
    service::dispatch(&st, &user, id, unit).await?;
    Ok(Json(service::get(&st, &user, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReclassifyRequest {
    pub category: String,
}

/// A dispatcher corrects the category; the model learns from it; unsigned orders re-route.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reclassify", tag = "cases", params(("id" = i64, Path)), request_body = ReclassifyRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn reclassify(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<ReclassifyRequest>,
) -> AppResult<Json<CaseView>> {
    service::reclassify(&st, &user, id, &req.category).await?;
    Ok(Json(service::get(&st, &user, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NoteRequest {
    pub note: String,
}

/// 督办: a dispatcher puts the case under supervision and notifies its units.
#[utoipa::path(post, path = "/api/v1/cases/{id}/supervise", tag = "cases", params(("id" = i64, Path)), request_body = NoteRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn supervise(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<NoteRequest>,
) -> AppResult<Json<CaseView>> {
    service::supervise(&st, &user, id, &req.note).await?;
    Ok(Json(service::get(&st, &user, id).await?))
}

/// 催办: the reporter asks for the case to be hurried (once a day); its units and the
/// community's dispatchers are told.
#[utoipa::path(post, path = "/api/v1/cases/{id}/urge", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 403, description = "Not the reporter"), (status = 404),
        (status = 409, description = "Closed, or urged within the last 24 hours (URGE_TOO_SOON)")),
    security(("bearer" = [])))]
pub async fn urge(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CaseView>> {
    service::urge(&st, &user, id).await?;
    Ok(Json(service::get(&st, &user, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InfoRequest {
    /// What the reporter adds (2–2000 characters; phone and ID numbers are masked).
    pub text: String,
}

/// 补充情况: the reporter adds information; the units are told.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", tag = "cases", params(("id" = i64, Path)), request_body = InfoRequest,
    responses((status = 200, body = CaseView), (status = 403, description = "Not the reporter"), (status = 404),
        (status = 409, description = "Closed"), (status = 422)),
    security(("bearer" = [])))]
pub async fn add_info(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<InfoRequest>,
) -> AppResult<Json<CaseView>> {
    service::add_info(&st, &user, id, &req.text).await?;
    Ok(Json(service::get(&st, &user, id).await?))
}

/// 撤回: the reporter withdraws the case while no unit has signed for it.
#[utoipa::path(post, path = "/api/v1/cases/{id}/withdraw", tag = "cases", params(("id" = i64, Path)), request_body = ReasonRequest,
    responses((status = 200, body = CaseView), (status = 403, description = "Not the reporter"), (status = 404),
        (status = 409, description = "Closed, a unit is at work on it (CASE_IN_HAND), or others reported it too (CASE_SHARED)"), (status = 422)),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<ReasonRequest>,
) -> AppResult<Json<CaseView>> {
    service::withdraw(&st, &user, id, &req.reason).await?;
    Ok(Json(service::get(&st, &user, id).await?))
}

async fn order_act(st: &AppState, u: AuthUser, id: i64, act: Act) -> AppResult<Json<CaseView>> {
    let AuthUser(user, _) = u;
    let case_id = service::act(st, &user, id, act).await?;
    Ok(Json(service::get(st, &user, case_id).await?))
}

/// 签收: the unit signs for the order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/sign", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409, description = "Not allowed in the order's state")),
    security(("bearer" = [])))]
pub async fn sign(
    State(st): State<AppState>,
    u: AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CaseView>> {
    order_act(&st, u, id, Act::Sign).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReasonRequest {
    /// Why (2–500 characters).
    pub reason: String,
}

/// 退单: the unit sends the order back with a reason; the dispatcher re-routes.
#[utoipa::path(post, path = "/api/v1/orders/{id}/return", tag = "orders", params(("id" = i64, Path)), request_body = ReasonRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn return_order(
    State(st): State<AppState>,
    u: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<ReasonRequest>,
) -> AppResult<Json<CaseView>> {
    order_act(&st, u, id, Act::Return { reason: req.reason }).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExtendRequest {
    /// The new deadline asked for (RFC 3339 or YYYY-MM-DD).
    pub until: String,
    pub reason: String,
}

/// 延期申请: the unit asks for more time; a dispatcher decides.
#[utoipa::path(post, path = "/api/v1/orders/{id}/extend", tag = "orders", params(("id" = i64, Path)), request_body = ExtendRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn extend(
    State(st): State<AppState>,
    u: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<ExtendRequest>,
) -> AppResult<Json<CaseView>> {
    let until = crate::clock::parse_time(&req.until).ok_or(AppError::Invalid {
        code: "DATE_INVALID",
        field: Some("until"),
    })?;
    order_act(
        &st,
        u,
        id,
        Act::Extend {
            until,
            reason: req.reason,
        },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    pub approve: bool,
}

/// 延期审批: a dispatcher approves (the deadline moves) or refuses the pending request.
#[utoipa::path(post, path = "/api/v1/orders/{id}/extension", tag = "orders", params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn decide_extension(
    State(st): State<AppState>,
    u: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<DecisionRequest>,
) -> AppResult<Json<CaseView>> {
    order_act(
        &st,
        u,
        id,
        Act::DecideExtension {
            approve: req.approve,
        },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FeedbackRequest {
    /// What was done (2–500 characters).
    pub text: String,
    /// Up to 4 photos as data URLs.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// 反馈: the unit reports the result (with photos); the call-back follows.
#[utoipa::path(post, path = "/api/v1/orders/{id}/feedback", tag = "orders", params(("id" = i64, Path)), request_body = FeedbackRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn feedback(
    State(st): State<AppState>,
    u: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<FeedbackRequest>,
) -> AppResult<Json<CaseView>> {
    let photos = req
        .photos
        .iter()
        .map(|p| service::decode_photo(p))
        .collect::<AppResult<Vec<_>>>()?;
    order_act(
        &st,
        u,
        id,
        Act::Feedback {
            text: req.text,
            photos,
        },
    )
    .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RerouteRequest {
    /// The handling unit code to send it to instead.
    pub unit: String,
    pub reason: String,
}

/// 改派: a dispatcher sends a returned (or unsigned) order to another unit.
#[utoipa::path(post, path = "/api/v1/orders/{id}/reroute", tag = "orders", params(("id" = i64, Path)), request_body = RerouteRequest,
    responses((status = 200, body = CaseView), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn reroute(
    State(st): State<AppState>,
    u: AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<RerouteRequest>,
) -> AppResult<Json<CaseView>> {
    let unit = unit_id(&st, &req.unit)?;
    order_act(
        &st,
        u,
        id,
        Act::Reroute {
            unit,
            reason: req.reason,
        },
    )
    .await
}

/// The 三率 per unit, community or grid over a period.
#[utoipa::path(get, path = "/api/v1/insight/rates", tag = "insight", params(RatesQuery),
    responses((status = 200, body = RatesView), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn rates(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<RatesQuery>,
) -> AppResult<Json<RatesView>> {
    Ok(Json(insight::rates(&st, &user, &q).await?))
}

/// Imports 12345 work orders from a CSV or XLSX export (the raw file as the body). Each
/// row goes through the normal intake; a re-imported order number changes nothing.
#[utoipa::path(post, path = "/api/v1/cases/import", tag = "cases",
    request_body(content = Vec<u8>, content_type = "text/csv", description = "CSV (UTF-8) or XLSX; headers 工单编号, 诉求内容, 诉求地址, 经度, 纬度, 来电号码, 受理时间"),
    responses((status = 200, body = super::import::ImportReport), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn import(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    body: axum::body::Bytes,
) -> AppResult<Json<super::import::ImportReport>> {
    Ok(Json(super::import::import(&st, &user, &body).await?))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Assigned {
    /// (order id, worker user id) pairs made.
    pub assigned: Vec<(i64, i64)>,
}

/// 智能派工: assigns every unassigned open order of the caller's unit to its workers,
/// optimally over the whole batch (distance, load and skill).
#[utoipa::path(post, path = "/api/v1/orders/assign", tag = "orders",
    responses((status = 200, body = Assigned), (status = 403)), security(("bearer" = [])))]
pub async fn assign_batch(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
) -> AppResult<Json<Assigned>> {
    let assigned = service::assign_batch(&st, &user).await?;
    Ok(Json(Assigned { assigned }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealTextRequest {
    /// Why the text as typed is needed (kept in the audit trail).
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RevealedTexts {
    /// Each report's text as typed (numbers unmasked).
    pub texts: Vec<String>,
}

/// The reports' texts as typed, before masking, for staff working on the case; a reason
/// is required and the reveal is audited.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reveal", tag = "cases", request_body = RevealTextRequest,
    params(("id" = i64, Path)),
    responses((status = 200, body = RevealedTexts), (status = 401), (status = 403, description = "ROLE_FORBIDDEN"), (status = 404),
        (status = 422, description = "REVEAL_REASON_REQUIRED")),
    security(("bearer" = [])))]
pub async fn reveal(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<RevealTextRequest>,
) -> AppResult<Json<RevealedTexts>> {
    Ok(Json(RevealedTexts {
        texts: service::reveal_original(&st, &user, id, &req.reason).await?,
    }))
}
