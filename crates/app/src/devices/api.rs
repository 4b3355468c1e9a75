//! JSON API of devices: events in (device bearer token), registry (staff), registration
//! (administrator). The event shape is fixed: devices and gateways depend on it.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};

use super::service::{self, DeviceEvent, DeviceView, Ingested, NewDevice, Registered};
use crate::auth::service::Who;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Page, PageParams};

fn device_token(h: &HeaderMap) -> Option<&str> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .map(str::trim)
}

/// A device reports an event. Case-making types (smoke, water_leak, garbage_overflow …) file
/// or join a case at once; a redelivered `event_id` changes nothing and answers the same case.
#[utoipa::path(post, path = "/api/v1/devices/{code}/events", tag = "devices", params(("code" = String, Path)),
    request_body = DeviceEvent,
    responses((status = 201, body = Ingested, description = "New event"), (status = 200, body = Ingested, description = "Already received"),
        (status = 401, description = "Missing or wrong device token"), (status = 422)),
    security(("bearer" = [])))]
pub async fn event(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(ev): Json<DeviceEvent>,
) -> AppResult<(StatusCode, Json<Ingested>)> {
    let token = device_token(&headers).ok_or(AppError::Unauthenticated)?;
    let d = service::authenticate(&st, &code, token).await?;
    let out = service::ingest(&st, &d, ev).await?;
    let status = if out.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(out)))
}

/// The device registry with each device's last event: grid workers, community and street
/// staff and administrators, each within their own area.
#[utoipa::path(get, path = "/api/v1/devices", tag = "devices", params(PageParams),
    responses((status = 200, body = Page<DeviceView>), (status = 401), (status = 403)),
    security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Query(p): Query<PageParams>,
) -> AppResult<Json<Page<DeviceView>>> {
    Ok(Json(service::list(&st, &user, &p).await?))
}

/// Registers a device (administrator); the token is shown once.
#[utoipa::path(post, path = "/api/v1/devices", tag = "devices", request_body = NewDevice,
    responses((status = 201, body = Registered), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn register(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Json(d): Json<NewDevice>,
) -> AppResult<(StatusCode, Json<Registered>)> {
    let r = service::register(&st, Who::User(&user), &d, None).await?;
    Ok((StatusCode::CREATED, Json(r)))
}
