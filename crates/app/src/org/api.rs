//! JSON API of the organisation map. Grid and compound boundaries are public information
//! (communities publish their grid maps), so these routes need no login.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

use super::service::{CompoundView, GridView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, PageParams};

/// Grids with their community and boundary.
#[utoipa::path(get, path = "/api/v1/org/grids", tag = "org", params(PageParams),
    responses((status = 200, description = "One page of grids", body = Page<GridView>)))]
pub async fn list_grids(
    State(st): State<AppState>,
    Query(p): Query<PageParams>,
) -> Json<Page<GridView>> {
    let map = st.org_map();
    Json(page_of(&map.grids, &p))
}

/// Compounds (小区) with their grid and boundary (红线).
#[utoipa::path(get, path = "/api/v1/org/compounds", tag = "org", params(PageParams),
    responses((status = 200, description = "One page of compounds", body = Page<CompoundView>)))]
pub async fn list_compounds(
    State(st): State<AppState>,
    Query(p): Query<PageParams>,
) -> Json<Page<CompoundView>> {
    let map = st.org_map();
    Json(page_of(&map.compounds, &p))
}

/// The offline base map: roads along the grid boundaries and the buildings with their
/// names, so that maps read without a tile server (public, like the grids).
#[utoipa::path(get, path = "/api/v1/org/basemap", tag = "org",
    responses((status = 200, description = "Roads and buildings", body = super::map::Basemap)))]
pub async fn basemap(State(st): State<AppState>) -> Json<super::map::Basemap> {
    Json(st.org_map().basemap())
}

fn page_of<T: Clone>(all: &[T], p: &PageParams) -> Page<T> {
    let items = all
        .iter()
        .skip(p.offset() as usize)
        .take(p.per_page() as usize)
        .cloned()
        .collect();
    Page::new(items, p, all.len() as i64)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LocateQuery {
    /// Longitude, WGS-84.
    pub lng: Option<f64>,
    /// Latitude, WGS-84.
    pub lat: Option<f64>,
}

/// Where a point lies.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Location {
    /// Grid code.
    pub grid: String,
    pub grid_name: String,
    /// Community code.
    pub community: String,
    pub community_name: String,
    /// Compound code, or null on public land.
    pub compound: Option<String>,
    pub compound_name: Option<String>,
    /// `compound` (inside a compound's boundary) or `public`.
    pub zone: String,
}

/// Which grid and community a WGS-84 point lies in, and whether inside a compound.
#[utoipa::path(get, path = "/api/v1/org/locate", tag = "org", params(LocateQuery),
    responses((status = 200, body = Location), (status = 404, description = "Outside every grid"), (status = 422, description = "Missing or invalid coordinates")))]
pub async fn locate(
    State(st): State<AppState>,
    Query(q): Query<LocateQuery>,
) -> AppResult<Json<Location>> {
    let (Some(lng), Some(lat)) = (q.lng, q.lat) else {
        return Err(AppError::invalid("COORDINATES_REQUIRED"));
    };
    if !(-180.0..=180.0).contains(&lng) || !(-90.0..=90.0).contains(&lat) {
        return Err(AppError::invalid("COORDINATES_OUT_OF_RANGE"));
    }
    let map = st.org_map();
    let loc = map.locate(lng, lat).ok_or(AppError::NotFound)?;
    let code = |id: i64| map.unit_code(id).unwrap_or_default().to_string();
    let name = |id: i64| map.unit_name(id).unwrap_or_default();
    Ok(Json(Location {
        grid: code(loc.grid),
        grid_name: name(loc.grid),
        community: code(loc.community),
        community_name: name(loc.community),
        compound: loc.compound.map(code),
        compound_name: loc.compound.map(name),
        zone: match loc.zone {
            gongzhi_core::org::Zone::Compound => "compound".into(),
            gongzhi_core::org::Zone::Public => "public".into(),
        },
    }))
}

/// Where a community sends a category instead of the taxonomy's unit.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RouteRule {
    /// Community code.
    pub community: String,
    /// Taxonomy category code, e.g. `ENV.GARBAGE`.
    pub category: String,
    /// Handling unit code; `null` removes the rule (the taxonomy decides again).
    pub unit: Option<String>,
}

/// Sets a per-community routing rule (administrators).
#[utoipa::path(put, path = "/api/v1/org/routes", tag = "org", request_body = RouteRule,
    responses((status = 200, body = RouteRule), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn set_route(
    State(st): State<AppState>,
    crate::web::AuthUser(user, _): crate::web::AuthUser,
    Json(req): Json<RouteRule>,
) -> AppResult<Json<RouteRule>> {
    let unit = super::service::set_route(
        &st,
        &user,
        req.community.trim(),
        req.category.trim(),
        req.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()),
    )
    .await?;
    Ok(Json(RouteRule {
        community: req.community.trim().to_string(),
        category: req.category.trim().to_string(),
        unit,
    }))
}
