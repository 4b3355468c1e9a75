//! JSON API of the programmes: 社区食堂 and 四点半课堂.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::service::{
    self, CanteenMonth, CanteenOverview, CanteenTiersIn, ClassAttendanceIn, ClassEnrolIn,
    ClassEnrolmentView, ClassOutcomeIn, ClassOverview, ClassReport, ClassSessionIn, MealIn,
    MealOrderIn, MealOrderView, MealView,
};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct CommunityQuery {
    /// The community (street staff); omitted: the caller's.
    pub community: Option<i64>,
}

fn created(id: i64) -> (StatusCode, Json<Value>) {
    (StatusCode::CREATED, Json(json!({"id": id})))
}

/// The canteen: tiers, meals (staff: with orders and their split), the caller's orders.
#[utoipa::path(get, path = "/api/v1/canteen", tag = "programmes", params(CommunityQuery),
    responses((status = 200, body = CanteenOverview)), security(("bearer" = [])))]
pub async fn canteen(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<CanteenOverview>> {
    Ok(Json(service::canteen(&st, &user, q.community).await?))
}

/// Staff replace the community's price tiers.
#[utoipa::path(put, path = "/api/v1/canteen/tiers", tag = "programmes", request_body = CanteenTiersIn,
    responses((status = 200, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn put_tiers(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<CanteenTiersIn>,
) -> AppResult<Json<Value>> {
    let tiers = service::put_tiers(&st, &user, &r).await?;
    Ok(Json(json!({"tiers": tiers})))
}

/// Staff put a meal on the menu: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/canteen/meals", tag = "programmes", request_body = MealIn,
    responses((status = 201, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_meal(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<MealIn>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::add_meal(&st, &user, &r).await?))
}

/// A meal (staff: with every order and its split).
#[utoipa::path(get, path = "/api/v1/canteen/meals/{id}", tag = "programmes", params(("id" = i64, Path)),
    responses((status = 200, body = MealView), (status = 404)), security(("bearer" = [])))]
pub async fn meal(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<MealView>> {
    Ok(Json(service::meal(&st, &user, id).await?))
}

/// Orders a meal (oneself, a ward with `for`, or staff at the counter with `phone`): `201`
/// with the tier and the split.
#[utoipa::path(post, path = "/api/v1/canteen/meals/{id}/orders", tag = "programmes", params(("id" = i64, Path)),
    request_body = MealOrderIn,
    responses((status = 201, body = MealOrderView), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn order(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<MealOrderIn>,
) -> AppResult<(StatusCode, Json<MealOrderView>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::order(&st, &user, id, &r).await?),
    ))
}

/// A month's meals, orders and who paid what, by tier (staff).
#[utoipa::path(get, path = "/api/v1/canteen/months/{month}", tag = "programmes", params(("month" = String, Path), CommunityQuery),
    responses((status = 200, body = CanteenMonth), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn month(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(month): Path<String>,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<CanteenMonth>> {
    Ok(Json(service::month(&st, &user, &month, q.community).await?))
}

/// Staff put an ended month's totals on the ledger, once: `201 {"ledger_index"}`.
#[utoipa::path(post, path = "/api/v1/canteen/months/{month}/publish", tag = "programmes", params(("month" = String, Path)),
    responses((status = 201, body = Object), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn publish_month(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(month): Path<String>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let index = service::publish_month(&st, &user, &month).await?;
    Ok((StatusCode::CREATED, Json(json!({"ledger_index": index}))))
}

/// 四点半课堂: sessions, the caller's children enrolled and wards not yet, (staff) every
/// enrolment and the figures.
#[utoipa::path(get, path = "/api/v1/afterschool", tag = "programmes", params(CommunityQuery),
    responses((status = 200, body = ClassOverview)), security(("bearer" = [])))]
pub async fn classes(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<ClassOverview>> {
    Ok(Json(service::classes(&st, &user, q.community).await?))
}

/// Staff hold a session with a teacher and a social worker: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/afterschool/sessions", tag = "programmes", request_body = ClassSessionIn,
    responses((status = 201, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_session(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<ClassSessionIn>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::add_session(&st, &user, &r).await?))
}

/// Staff record who came (every other enrolment absent).
#[utoipa::path(post, path = "/api/v1/afterschool/sessions/{id}/attendance", tag = "programmes", params(("id" = i64, Path)),
    request_body = ClassAttendanceIn,
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn attendance(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<ClassAttendanceIn>,
) -> AppResult<Json<Value>> {
    let (present, absent) = service::record_attendance(&st, &user, id, &r).await?;
    Ok(Json(json!({"present": present, "absent": absent})))
}

/// A guardian enrols their ward under the consent `afterschool`: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/afterschool/enrolments", tag = "programmes", request_body = ClassEnrolIn,
    responses((status = 201, body = Object), (status = 403), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn enrol(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<ClassEnrolIn>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::enrol(&st, &user, &r).await?))
}

/// A child's enrolment: attendance and outcomes (the child, their guardians, staff).
#[utoipa::path(get, path = "/api/v1/afterschool/enrolments/{id}", tag = "programmes", params(("id" = i64, Path)),
    responses((status = 200, body = ClassEnrolmentView), (status = 404)), security(("bearer" = [])))]
pub async fn enrolment(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ClassEnrolmentView>> {
    Ok(Json(service::enrolment(&st, &user, id).await?))
}

/// Staff record an outcome measure (grade 0–100, wellbeing 0–40; before or after).
#[utoipa::path(post, path = "/api/v1/afterschool/enrolments/{id}/outcomes", tag = "programmes", params(("id" = i64, Path)),
    request_body = ClassOutcomeIn,
    responses((status = 200, body = Object), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn outcome(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<ClassOutcomeIn>,
) -> AppResult<Json<Value>> {
    service::record_outcome(&st, &user, id, &r).await?;
    Ok(Json(
        json!({"enrolment": id, "measure": r.measure, "phase": r.phase}),
    ))
}

/// The class's figures computed from rows: attendance, grade and wellbeing change with
/// their 95 % intervals, the share screening positive before and after (staff).
#[utoipa::path(get, path = "/api/v1/afterschool/report", tag = "programmes", params(CommunityQuery),
    responses((status = 200, body = ClassReport), (status = 403)), security(("bearer" = [])))]
pub async fn report(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<ClassReport>> {
    Ok(Json(service::report(&st, &user, q.community).await?))
}
