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
/// in one transaction. A spending may not exceed the book's balance.
#[utoipa::path(post, path = "/api/v1/funds/communities/{id}/movements", tag = "funds", params(("id" = i64, Path)),
    request_body = MovementRequest,
    responses((status = 201, body = MovementView), (status = 401), (status = 403), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn record(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Json(req): Json<MovementRequest>,
) -> AppResult<(StatusCode, Json<MovementView>)> {
    let m = service::record(&st, &user, id, &req).await?;
    Ok((StatusCode::CREATED, Json(m)))
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
