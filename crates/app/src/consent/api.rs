//! JSON API of consent: the policy and one's choices, granting (general and separate),
//! withdrawing in one call, guardians; and the two optional processings that need consent
//! today (contacts for SMS and e-mail, care needs).

use axum::Json;
use axum::extract::{Path, Query, State};
use gongzhi_core::consent::Kind;
use serde::Deserialize;

use super::service::{self, ConsentState};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ForWard {
    /// A child's resident record, when their registered guardian acts for them.
    pub for_resident: Option<i64>,
}

/// The privacy policy's purposes and the caller's choices (or their ward's).
#[utoipa::path(get, path = "/api/v1/me/consents", tag = "consent", params(ForWard),
    responses((status = 200, body = ConsentState), (status = 401), (status = 404, description = "Not the caller's ward")),
    security(("bearer" = [])))]
pub async fn state(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(q): Query<ForWard>,
) -> AppResult<Json<ConsentState>> {
    Ok(Json(service::state(&st, &user, q.for_resident).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantRequest {
    /// Optional, non-sensitive purposes (codes from the policy).
    pub purposes: Vec<String>,
    /// A child's resident record, when their registered guardian consents for them.
    pub for_resident: Option<i64>,
}

/// Consents to optional purposes under the current policy version. Sensitive purposes are
/// refused here (SEPARATE_CONSENT_REQUIRED): they have their own call.
#[utoipa::path(post, path = "/api/v1/me/consents", tag = "consent", request_body = GrantRequest,
    responses((status = 200, body = ConsentState), (status = 401),
        (status = 403, description = "GUARDIAN_REQUIRED (under 14), WARD_OF_AGE"),
        (status = 404, description = "Not the caller's ward"),
        (status = 422, description = "PURPOSE_UNKNOWN, PURPOSE_NOT_OPTIONAL, SEPARATE_CONSENT_REQUIRED")),
    security(("bearer" = [])))]
pub async fn grant(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<GrantRequest>,
) -> AppResult<Json<ConsentState>> {
    Ok(Json(
        service::grant(
            &st,
            &user,
            &req.purposes,
            Kind::General,
            req.for_resident,
            "api",
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeparateRequest {
    /// One sensitive purpose (e.g. `care_needs`).
    pub purpose: String,
    pub for_resident: Option<i64>,
}

/// Separate consent to one purpose that processes sensitive personal information (PIPL
/// art. 29): recorded with kind `separate`.
#[utoipa::path(post, path = "/api/v1/me/consents/separate", tag = "consent", request_body = SeparateRequest,
    responses((status = 200, body = ConsentState), (status = 401),
        (status = 403, description = "GUARDIAN_REQUIRED, WARD_OF_AGE"), (status = 404),
        (status = 422, description = "PURPOSE_UNKNOWN, PURPOSE_NOT_OPTIONAL, PURPOSE_NOT_SEPARATE")),
    security(("bearer" = [])))]
pub async fn grant_separate(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<SeparateRequest>,
) -> AppResult<Json<ConsentState>> {
    Ok(Json(
        service::grant(
            &st,
            &user,
            std::slice::from_ref(&req.purpose),
            Kind::Separate,
            req.for_resident,
            "api",
        )
        .await?,
    ))
}

/// Withdraws consent to one purpose: processing stops and what was kept only for it is
/// erased; audited.
#[utoipa::path(delete, path = "/api/v1/me/consents/{purpose}", tag = "consent", params(("purpose" = String, Path), ForWard),
    responses((status = 200, body = ConsentState), (status = 401), (status = 404, description = "No such purpose, or not the caller's ward"),
        (status = 422, description = "PURPOSE_NOT_OPTIONAL")),
    security(("bearer" = [])))]
pub async fn withdraw(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(purpose): Path<String>,
    Query(q): Query<ForWard>,
) -> AppResult<Json<ConsentState>> {
    Ok(Json(
        service::withdraw(&st, &user, &purpose, q.for_resident, "api").await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GuardianRequest {
    /// The guardian's account.
    pub username: String,
}

/// Registers a guardian of a resident (staff who work with residents, in scope).
#[utoipa::path(post, path = "/api/v1/residents/{id}/guardians", tag = "consent", request_body = GuardianRequest,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 404), (status = 409, description = "GUARDIAN_EXISTS"),
        (status = 422, description = "USER_UNKNOWN")),
    security(("bearer" = [])))]
pub async fn add_guardian(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<GuardianRequest>,
) -> AppResult<axum::http::StatusCode> {
    service::add_guardian(&st, &user, id, &req.username).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactsRequest {
    /// Mobile number for SMS (11 digits).
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// Where progress is sent outside the app (needs consent to `notify_external`).
#[utoipa::path(put, path = "/api/v1/me/contacts", tag = "consent", request_body = ContactsRequest,
    responses((status = 204), (status = 401),
        (status = 403, description = "CONSENT_REQUIRED"), (status = 409, description = "RECONSENT_REQUIRED"),
        (status = 422, description = "PHONE_INVALID, EMAIL_INVALID")),
    security(("bearer" = [])))]
pub async fn contacts(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<ContactsRequest>,
) -> AppResult<axum::http::StatusCode> {
    crate::notify::service::set_own_contacts(
        &st,
        &user,
        req.email.as_deref(),
        req.phone.as_deref(),
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CareRequest {
    /// lives_alone, mobility, hearing, sight, chronic_illness, dementia (empty: erase).
    pub needs: Vec<String>,
    /// At most 200 characters.
    #[serde(default)]
    pub note: String,
}

/// The caller's care needs (sensitive: needs separate consent to `care_needs`).
#[utoipa::path(put, path = "/api/v1/me/care", tag = "consent", request_body = CareRequest,
    responses((status = 204), (status = 401),
        (status = 403, description = "CONSENT_REQUIRED"), (status = 404, description = "No resident record"),
        (status = 409, description = "RECONSENT_REQUIRED"),
        (status = 422, description = "CARE_NEED_UNKNOWN, TEXT_TOO_LONG")),
    security(("bearer" = [])))]
pub async fn care(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(req): Json<CareRequest>,
) -> AppResult<axum::http::StatusCode> {
    crate::residents::service::set_own_care(&st, &user, &req.needs, &req.note).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
