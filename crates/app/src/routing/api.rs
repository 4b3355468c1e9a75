//! JSON API of the routing model: classify a text (any signed-in user; the cases domain
//! classifies every report with the same model).

use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::web::AuthUser;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ClassifyRequest {
    /// The report's text (1–2000 characters).
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
