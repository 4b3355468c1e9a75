//! Static assets embedded in the binary: our stylesheet and script, and the vendored
//! htmx, Leaflet and ECharts (see assets/vendor/README.md). No CDN, no network.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

macro_rules! asset {
    ($path:literal) => {
        (
            $path,
            include_bytes!(concat!("../../assets/", $path)) as &[u8],
        )
    };
}

static ASSETS: &[(&str, &[u8])] = &[
    asset!("app.css"),
    asset!("app.js"),
    asset!("cases.js"),
    asset!("ledger.js"),
    asset!("twin.js"),
    asset!("votes.js"),
    asset!("jsonforms.js"),
    asset!("favicon.svg"),
    asset!("vendor/htmx/htmx.min.js"),
    asset!("vendor/leaflet/leaflet.js"),
    asset!("vendor/leaflet/leaflet.css"),
    asset!("vendor/leaflet/images/marker-icon.png"),
    asset!("vendor/leaflet/images/marker-icon-2x.png"),
    asset!("vendor/leaflet/images/marker-shadow.png"),
    asset!("vendor/leaflet/images/layers.png"),
    asset!("vendor/leaflet/images/layers-2x.png"),
    asset!("vendor/echarts/echarts.min.js"),
];

pub async fn serve(Path(path): Path<String>) -> Response {
    let Some((name, body)) = ASSETS.iter().find(|(p, _)| *p == path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mime = mime_guess::from_path(name).first_or_octet_stream();
    (
        [
            (header::CONTENT_TYPE, mime.essence_str().to_string()),
            (header::CACHE_CONTROL, "public, max-age=86400".to_string()),
        ],
        *body,
    )
        .into_response()
}
