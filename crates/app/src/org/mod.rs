//! 组织与地图: the organisation tree (区 → 街道 → 社区 → 网格 → 小区 → 楼栋 → 户) with its
//! WGS-84 geometry, the point locator, handling units, and the home page with the map.

pub mod api;
pub mod html;
mod map;
pub mod service;
mod store;

pub use map::OrgMap;

use axum::Router;
use axum::routing::get;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(html::home))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::list_grids))
        .routes(routes!(api::list_compounds))
        .routes(routes!(api::basemap))
        .routes(routes!(api::locate))
        .routes(routes!(api::set_route))
}
