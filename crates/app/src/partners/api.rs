//! JSON API of partners and campaigns.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::service::{
    self, CampaignView, NewAgreement, NewBeneficiary, NewCampaign, NewContribution, NewDonation,
    NewHelp, NewPartner, Overview, PartnerView,
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

/// The community's partners and campaigns.
#[utoipa::path(get, path = "/api/v1/partners", tag = "partners", params(CommunityQuery),
    responses((status = 200, body = Overview)), security(("bearer" = [])))]
pub async fn overview(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<CommunityQuery>,
) -> AppResult<Json<Overview>> {
    Ok(Json(service::overview(&st, &user, q.community).await?))
}

/// Staff register a partner: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/partners", tag = "partners", request_body = NewPartner,
    responses((status = 201, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_partner(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<NewPartner>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::add_partner(&st, &user, &r).await?))
}

/// A partner with its agreements and contributions.
#[utoipa::path(get, path = "/api/v1/partners/{id}", tag = "partners", params(("id" = i64, Path)),
    responses((status = 200, body = PartnerView), (status = 404)), security(("bearer" = [])))]
pub async fn partner(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<PartnerView>> {
    Ok(Json(service::partner(&st, &user, id).await?))
}

/// Staff record an agreement; its text is published with its hash on the ledger:
/// `201 {"id", "ledger_index"}`.
#[utoipa::path(post, path = "/api/v1/partners/{id}/agreements", tag = "partners", params(("id" = i64, Path)),
    request_body = NewAgreement,
    responses((status = 201, body = Object), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn add_agreement(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<NewAgreement>,
) -> AppResult<(StatusCode, Json<Value>)> {
    let (a, index) = service::add_agreement(&st, &user, id, &r).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": a, "ledger_index": index})),
    ))
}

/// Staff record a contribution (space, books, money, services); money to a campaign goes
/// into its public book: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/partners/{id}/contributions", tag = "partners", params(("id" = i64, Path)),
    request_body = NewContribution,
    responses((status = 201, body = Object), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn contribute(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<NewContribution>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::contribute(&st, &user, id, &r).await?))
}

/// Staff open a charity campaign: `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "partners", request_body = NewCampaign,
    responses((status = 201, body = Object), (status = 403), (status = 422)), security(("bearer" = [])))]
pub async fn add_campaign(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(r): Json<NewCampaign>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::add_campaign(&st, &user, &r).await?))
}

/// A campaign: target, raised, given, its public book (each movement with its ledger
/// entry), beneficiaries masked and coverage.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "partners", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignView), (status = 404)), security(("bearer" = [])))]
pub async fn campaign(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CampaignView>> {
    Ok(Json(service::campaign(&st, &user, id).await?))
}

/// Staff record a donation (a resident or passer-by; partners' go through contributions):
/// `201 {"id"}` (the movement).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/donations", tag = "partners", params(("id" = i64, Path)),
    request_body = NewDonation,
    responses((status = 201, body = Object), (status = 403), (status = 404), (status = 422)), security(("bearer" = [])))]
pub async fn donate(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<NewDonation>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::donate(&st, &user, id, &r).await?))
}

/// Staff register a beneficiary by the resident's mobile (stored masked): `201 {"id"}`.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/beneficiaries", tag = "partners", params(("id" = i64, Path)),
    request_body = NewBeneficiary,
    responses((status = 201, body = Object), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn add_beneficiary(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<NewBeneficiary>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::add_beneficiary(&st, &user, id, &r).await?))
}

/// Staff give help to a beneficiary from the campaign (never more than it holds:
/// `409 CAMPAIGN_OVERDRAWN`): `201 {"id"}` (the movement).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/help", tag = "partners", params(("id" = i64, Path)),
    request_body = NewHelp,
    responses((status = 201, body = Object), (status = 403), (status = 404), (status = 409), (status = 422)), security(("bearer" = [])))]
pub async fn give(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(r): Json<NewHelp>,
) -> AppResult<(StatusCode, Json<Value>)> {
    Ok(created(service::give(&st, &user, id, &r).await?))
}
