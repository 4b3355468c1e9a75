//! JSON API of the routing model: classify a text (any signed-in user; the cases domain
//! classifies every report with the same model).

use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::web::AuthUser;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ClassifyRequest {
    /// The report's text (1–20,000 characters; the model reads the first 3,000).
    pub text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScoredView {
    pub code: String,
    pub confidence: f32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Classification {
    /// Category code, e.g. `FAC.WATER`.
    pub code: String,
    pub name: String,
    /// Calibrated probability of `code`.
    pub confidence: f32,
    /// The three most likely categories.
    pub top: Vec<ScoredView>,
    /// The terms that pushed the decision most (the explanation owed under PIPL art. 24).
    pub because: Vec<String>,
}

/// Classifies a report's text into an event category, with confidence and reasons.
#[utoipa::path(post, path = "/api/v1/routing/classify", tag = "routing", request_body = ClassifyRequest,
    responses((status = 200, body = Classification), (status = 401), (status = 422, description = "Empty or over-long text")),
    security(("bearer" = [])))]
pub async fn classify(
    axum::extract::State(st): axum::extract::State<crate::state::AppState>,
    AuthUser(_user, _): AuthUser,
    Json(req): Json<ClassifyRequest>,
) -> AppResult<Json<Classification>> {
    let text = gongzhi_core::classify::check_text(&req.text, 1)
        .map_err(|e| AppError::field("text", e))?
        .to_string();
    let p = tokio::task::spawn_blocking(move || super::live(&st).map(|m| m.predict(&text)))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    Ok(Json(Classification {
        code: p.code,
        name: p.name,
        confidence: p.confidence,
        top: p
            .top
            .into_iter()
            .map(|s| ScoredView {
                code: s.code,
                confidence: s.confidence,
            })
            .collect(),
        because: p.because,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CorrectionsQuery {
    /// `pending` (default), `accepted`, `rejected` or `over_limit`.
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CorrectionPage {
    pub items: Vec<super::review::CorrectionView>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// Corrections to the routing model waiting for review (street staff).
#[utoipa::path(get, path = "/api/v1/routing/corrections", tag = "routing", params(CorrectionsQuery),
    responses((status = 200, body = CorrectionPage), (status = 403)), security(("bearer" = [])))]
pub async fn corrections(
    axum::extract::State(st): axum::extract::State<crate::state::AppState>,
    AuthUser(user, _): AuthUser,
    axum::extract::Query(q): axum::extract::Query<CorrectionsQuery>,
) -> AppResult<Json<CorrectionPage>> {
    let p = crate::web::PageParams {
        page: q.page,
        per_page: q.per_page,
    };
    let page = super::review::corrections(&st, &user, q.status.as_deref().unwrap_or("pending"), &p)
        .await?;
    Ok(Json(CorrectionPage {
        items: page.items,
        page: page.page,
        per_page: page.per_page,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ReviewRequest {
    /// `true`: the live model learns it; `false`: it is set aside.
    pub accept: bool,
}

/// Accepts or rejects a pending correction (street staff; not one's own).
#[utoipa::path(post, path = "/api/v1/routing/corrections/{id}/review", tag = "routing",
    params(("id" = i64, Path)), request_body = ReviewRequest,
    responses((status = 204), (status = 403, description = "ROLE_FORBIDDEN or CORRECTION_OWN"), (status = 404), (status = 409, description = "CORRECTION_REVIEWED")),
    security(("bearer" = [])))]
pub async fn review(
    axum::extract::State(st): axum::extract::State<crate::state::AppState>,
    AuthUser(user, _): AuthUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Json(req): Json<ReviewRequest>,
) -> AppResult<axum::http::StatusCode> {
    super::review::review(&st, &user, id, req.accept).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
