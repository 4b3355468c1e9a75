//! The organisation map: grids, compounds, point location, paging.

use axum::http::StatusCode;
use gongzhi_app::demo::generate;

use crate::support::{Auth, TestApp};

#[tokio::test]
async fn grids_and_compounds_come_with_geojson() {
    let app = TestApp::new().await;
    let grids = app.get("/api/v1/org/grids?per_page=500", &Auth::None).await;
    assert_eq!(grids.status, StatusCode::OK);
    let g = grids.json();
    // The fixture: two communities of 7 grids each.
    assert_eq!(g["total"], 14);
    assert_eq!(g["items"].as_array().map(Vec::len), Some(14));
    let first = &g["items"][0];
    for key in ["code", "name", "community", "community_name"] {
        assert!(
            first[key].as_str().is_some_and(|s| !s.is_empty()),
            "grid.{key}"
        );
    }
    assert_eq!(first["geometry"]["type"], "Polygon");
    let compounds = app
        .get("/api/v1/org/compounds?per_page=500", &Auth::None)
        .await
        .json();
    assert_eq!(compounds["total"], 10);
    assert!(
        compounds["items"][0]["grid"]
            .as_str()
            .is_some_and(|s| s.starts_with("DEMO-S"))
    );
    assert_eq!(compounds["items"][0]["geometry"]["type"], "Polygon");
}

#[tokio::test]
async fn lists_page_and_clamp_the_page_size() {
    let app = TestApp::new().await;
    let p1 = app
        .get("/api/v1/org/grids?per_page=5", &Auth::None)
        .await
        .json();
    let p3 = app
        .get("/api/v1/org/grids?per_page=5&page=3", &Auth::None)
        .await
        .json();
    assert_eq!(p1["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(p3["items"].as_array().map(Vec::len), Some(4));
    assert_ne!(p1["items"][0]["code"], p3["items"][0]["code"]);
    let huge = app
        .get("/api/v1/org/grids?per_page=10000", &Auth::None)
        .await
        .json();
    assert_eq!(huge["per_page"], 500);
    let default = app.get("/api/v1/org/grids", &Auth::None).await.json();
    assert_eq!(default["per_page"], 50);
}

#[tokio::test]
async fn locate_tells_compound_from_public_land() {
    let app = TestApp::new().await;
    let demo = generate::generate(20_261_122, 10);
    let b = &demo.buildings[0];
    let compound = &demo.compounds[b.compound];
    let grid = &demo.grids[compound.grid];
    let inside = app
        .get(
            &format!("/api/v1/org/locate?lng={}&lat={}", b.lng, b.lat),
            &Auth::None,
        )
        .await;
    assert_eq!(inside.status, StatusCode::OK);
    let v = inside.json();
    assert_eq!(v["zone"], "compound");
    assert_eq!(v["compound"], compound.code.as_str());
    assert_eq!(v["grid"], grid.code.as_str());
    assert_eq!(
        v["community"],
        demo.communities[grid.community].code.as_str()
    );

    // A grid corner area is road (public land): the first ring vertex nudged inwards.
    let ring: serde_json::Value = serde_json::from_str(&grid.geometry).expect("geojson");
    let pts = ring["coordinates"][0].as_array().expect("ring").clone();
    let (x0, y0) = (
        pts[0][0].as_f64().unwrap_or(0.0),
        pts[0][1].as_f64().unwrap_or(0.0),
    );
    let (x2, y2) = (
        pts[2][0].as_f64().unwrap_or(0.0),
        pts[2][1].as_f64().unwrap_or(0.0),
    );
    let (px, py) = (x0 + (x2 - x0) * 0.05, y0 + (y2 - y0) * 0.05);
    let public = app
        .get(
            &format!("/api/v1/org/locate?lng={px}&lat={py}"),
            &Auth::None,
        )
        .await
        .json();
    assert_eq!(public["zone"], "public");
    assert!(public["compound"].is_null());
    assert_eq!(public["grid"], grid.code.as_str());

    let outside = app
        .get("/api/v1/org/locate?lng=100.0&lat=20.0", &Auth::None)
        .await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);
    assert_eq!(outside.error_code(), "NOT_FOUND");
    let missing = app.get("/api/v1/org/locate?lng=121.5", &Auth::None).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.error_code(), "COORDINATES_REQUIRED");
    let bad = app
        .get("/api/v1/org/locate?lng=500&lat=31", &Auth::None)
        .await;
    assert_eq!(bad.error_code(), "COORDINATES_OUT_OF_RANGE");
}

#[tokio::test]
async fn the_home_page_shows_counts_and_the_map_for_staff() {
    let app = TestApp::new().await;
    let staff = app.browser("staff1").await;
    let home = app.get("/", &staff).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("共治 · 社区治理平台"));
    assert!(home.body.contains(r#"id="map""#));
    assert!(
        home.body.contains("演示数据"),
        "demo banner: {}",
        &home.body[..home.body.len().min(1500)]
    );
    assert!(home.body.contains("社区网格地图"));
    let resident = app.browser("resident1").await;
    let rhome = app.get("/", &resident).await;
    assert!(rhome.body.contains("我的信息"));
    assert!(
        !rhome.body.contains(r#"href="/residents""#),
        "residents get no staff navigation"
    );
}
