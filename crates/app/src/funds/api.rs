//! JSON API of the public account books.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::service::{
    self, BooksView, DocumentRequest, DocumentView, MovementRequest, MovementView,
};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::AuthUser;

/// A community's two books (balances), its latest movements and published documents.
/// Public: no sign-in.
#[utoipa::path(get, path = "/api/v1/funds/communities/{id}", tag = "funds", params(("id" = i64, Path)),
    responses((status = 200, body = BooksView), (status = 404)))]
pub async fn books(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<BooksView>> {
    Ok(Json(service::books(&st, id).await?))
}

/// Records a movement (income or spending) in a community's book, with its ledger entry,
/// in one transaction. A spending may not exceed the book's balance. With an
/// `Idempotency-Key` header, a repeat of the same request answers 200 with the movement
/// recorded the first time; another request under the same key gets 409.
#[utoipa::path(post, path = "/api/v1/funds/communities/{id}/movements", tag = "funds",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = "1–128 visible ASCII characters; repeats replay the first result")),
    request_body = MovementRequest,
    responses((status = 201, body = MovementView), (status = 200, body = MovementView, description = "A repeat under the same Idempotency-Key: the first result"), (status = 401), (status = 403), (status = 404), (status = 409, description = "IDEMPOTENCY_KEY_REUSED"), (status = 422)),
    security(("bearer" = [])))]
pub async fn record(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    Json(req): Json<MovementRequest>,
) -> AppResult<(StatusCode, Json<MovementView>)> {
    let key = crate::idempotency::Key::from_headers(&headers)?;
    let (m, replayed) = service::record(&st, &user, id, &req, key.as_ref()).await?;
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(m)))
}

/// Publishes a document (公示) of a community, with its hash on the ledger.
#[utoipa::path(post, path = "/api/v1/funds/communities/{id}/documents", tag = "funds", params(("id" = i64, Path)),
    request_body = DocumentRequest,
    responses((status = 201, body = DocumentView), (status = 401), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn publish(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<DocumentRequest>,
) -> AppResult<(StatusCode, Json<DocumentView>)> {
    let d = service::publish(&st, &user, id, &req).await?;
    Ok((StatusCode::CREATED, Json(d)))
}
