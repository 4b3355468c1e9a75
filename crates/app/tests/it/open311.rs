//! Open311 GeoReport v2: the shapes in JSON and XML, errors in the asked format, the privacy
//! rule for key-less reads, FixMyStreet updates, and the PyPI client `georeport` driven by a
//! script against the running server.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::support::{Auth, TestApp, home_of, in_ci};

const KEY: &str = gongzhi_app::open311::DEMO_KEY;

async fn post_form(app: &TestApp, path: &str, body: &str) -> crate::support::Resp {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(req).await
}

#[tokio::test]
async fn georeport_v2_in_json_and_xml() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    // Services and a definition.
    let r = app.get("/open311/v2/services.json", &Auth::None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("ct")
            .starts_with("application/json")
    );
    let services = r.json();
    assert_eq!(services.as_array().expect("array").len(), 29);
    assert_eq!(services[0]["service_code"], "ENV.GARBAGE");
    let r = app.get("/open311/v2/services.xml", &Auth::None).await;
    assert!(
        r.body
            .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
    );
    assert!(
        r.body
            .contains("<services><service><service_code>ENV.GARBAGE</service_code>")
    );
    let r = app.get("/open311/v2/services/NOPE.xml", &Auth::None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body.contains("<errors><error><code>404</code>"),
        "errors in the asked format: {}",
        r.body
    );

    // POST: key required; location required; then a case that is dispatched.
    let body = format!(
        "service_code=FAC.WATER&lat={lat}&long={lng}&description=%E6%B0%B4%E7%AE%A1%E7%88%86%E4%BA%86&phone=13800138000&first_name=Zhang"
    );
    let r = post_form(&app, "/open311/v2/requests.json", &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()[0]["code"], 403);
    let r = post_form(
        &app,
        "/open311/v2/requests.json",
        &format!("api_key={KEY}&service_code=FAC.WATER&address_string=x"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = post_form(
        &app,
        "/open311/v2/requests.json",
        &format!("api_key={KEY}&{body}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let created = r.json();
    let id = created[0]["service_request_id"]
        .as_str()
        .expect("string id")
        .to_string();
    let case: i64 = id.parse().expect("digits");
    let channel = app
        .scalar_text(&format!("select channel from cases where id = {case}"))
        .await;
    assert_eq!(channel.as_deref(), Some("open311"));
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from work_orders where case_id = {case}"
        ))
        .await,
        2,
        "property and water"
    );
    let enc = app
        .scalar_text(&format!("select caller_enc from cases where id = {case}"))
        .await
        .expect("phone kept encrypted");
    assert!(!enc.contains("13800138000"));

    // Reads: without a key the description is withheld and the point rounded.
    let r = app
        .get(&format!("/open311/v2/requests/{id}.json"), &Auth::None)
        .await;
    let anon = r.json();
    assert_eq!(anon[0]["description"], "");
    assert_eq!(anon[0]["status"], "open");
    assert_eq!(anon[0]["service_code"], "FAC.WATER");
    let rounded = anon[0]["lat"].as_f64().expect("lat");
    assert!((rounded * 1000.0 - (rounded * 1000.0).round()).abs() < 1e-6);
    let r = app
        .get(
            &format!("/open311/v2/requests/{id}.json?api_key={KEY}"),
            &Auth::None,
        )
        .await;
    assert_eq!(r.json()[0]["description"], "水管爆了");
    assert!(
        r.json()[0]["agency_responsible"]
            .as_str()
            .expect("agency")
            .contains("水务")
    );
    let r = app
        .get(&format!("/open311/v2/requests/{id}.xml"), &Auth::None)
        .await;
    assert!(r.body.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id><status>open</status>")), "{}", r.body);
    // Filters: ids override; status; the 90-day rule.
    let r = app
        .get(
            &format!("/open311/v2/requests.json?service_request_id={id}&status=closed"),
            &Auth::None,
        )
        .await;
    assert_eq!(
        r.json().as_array().expect("a").len(),
        1,
        "ids override the other filters"
    );
    let r = app
        .get("/open311/v2/requests.json?status=closed", &Auth::None)
        .await;
    assert!(
        r.json()
            .as_array()
            .expect("a")
            .iter()
            .all(|x| x["status"] == "closed")
    );
    let r = app.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-06-01T00:00:00%2B08:00", &Auth::None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app.get("/open311/v2/requests.csv", &Auth::None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // FixMyStreet updates: our history out, their updates in.
    let r = app
        .get("/open311/v2/servicerequestupdates.json", &Auth::None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .get(
            &format!("/open311/v2/servicerequestupdates.json?api_key={KEY}"),
            &Auth::None,
        )
        .await;
    let ups = r.json();
    assert!(
        ups.as_array()
            .expect("a")
            .iter()
            .any(|u| u["service_request_id"] == id.as_str() && u["status"] == "OPEN"),
        "{ups}"
    );
    let r = post_form(&app, "/open311/v2/servicerequestupdates.xml",
        &format!("api_key={KEY}&service_request_id={id}&update_id=fms-1&status=IN_PROGRESS&description=council+is+on+it")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body
            .contains("<service_request_updates><request_update><update_id>")
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from case_events where case_id = {case} and kind = 'external_update'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_georeport_client_reads_what_we_serve() {
    // The python3 on PATH first (pip installs the client for that one).
    let python = which("python3").or_else(|| {
        ["/usr/bin/python3", "/usr/local/bin/python3"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .map(str::to_string)
    });
    let have_client = python.as_deref().is_some_and(|p| {
        std::process::Command::new(p)
            .args(["-c", "import georeport"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !have_client {
        assert!(
            !in_ci(),
            "CI must have the georeport client (pip install georeport==0.3.1 in .ci/run)"
        );
        eprintln!("skipping: python3 with georeport not installed");
        return;
    }
    let python = python.expect("python");
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let addr = app.serve().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/open311/check_georeport.py"
    );
    let base = format!("http://{addr}/open311/v2");
    let args = [
        script.to_string(),
        base,
        KEY.to_string(),
        lng.to_string(),
        lat.to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&python).args(&args).output()
    })
    .await
    .expect("join")
    .expect("run the client script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "georeport check failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok"));
}

fn which(name: &str) -> Option<String> {
    std::env::var("PATH")
        .ok()?
        .split(':')
        .map(|d| format!("{d}/{name}"))
        .find(|p| std::path::Path::new(p).exists())
}
