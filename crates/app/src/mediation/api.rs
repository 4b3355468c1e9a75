//! JSON API of mediation. `GET /api/v1/mediation/similar` has a fixed shape (later tooling
//! depends on it).

use axum::Json;
use axum::extract::{Query, State};
use gongzhi_core::identity::Role;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::AuthUser;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SimilarQuery {
    /// The account of the dispute in front of the mediator (1–2000 characters).
    pub q: String,
    /// How many cases (1–50, default 5).
    pub k: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarCase {
    pub id: i64,
    /// The dispute type (`社区邻里纠纷`).
    #[serde(rename = "type")]
    pub dtype: String,
    pub title: String,
    /// BM25 score (higher is closer; comparable within one answer only).
    pub score: f32,
    /// Passages with the matching words marked `<b>…</b>` (the rest HTML-escaped).
    pub highlights: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarView {
    pub results: Vec<SimilarCase>,
}

/// Who works disputes: mediators and the community, street and administration staff.
pub fn may_search(role: Role) -> bool {
    matches!(
        role,
        Role::Mediator | Role::CommunityStaff | Role::StreetStaff | Role::Admin
    )
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
    if !may_search(user.role) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let text = q.q.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(AppError::Invalid {
            code: "TEXT_INVALID",
            field: Some("q"),
        });
    }
    let k = q.k.unwrap_or(5);
    if !(1..=50).contains(&k) {
        return Err(AppError::Invalid {
            code: "K_INVALID",
            field: Some("k"),
        });
    }
    let keys = super::access_keys(&user);
    let index = st.similar_cases()?;
    let text = text.to_string();
    // Searching is CPU work (tokenizing the account, scoring): off the async workers.
    let hits = tokio::task::spawn_blocking(move || index.similar(&text, k, Some(&keys), None))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    Ok(Json(SimilarView {
        results: hits
            .into_iter()
            .map(|h| SimilarCase {
                id: h.id,
                dtype: h.dtype,
                title: h.title,
                score: h.score,
                highlights: h.highlights,
            })
            .collect(),
    }))
}
