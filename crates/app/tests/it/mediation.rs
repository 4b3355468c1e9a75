//! Mediation: similar-case search over the shipped case base.

use axum::http::StatusCode;

use crate::support::{Auth, TestApp};

const CRASH: &str =
    "骑电动车被对方小车撞伤，交通事故认定对方全责，医药费和误工费对方一直拖着不赔偿";

#[tokio::test]
async fn mediators_see_similar_cases_with_types_and_highlights() {
    let app = TestApp::new().await;
    let m = app.bearer("mediator1").await;
    let r = app
        .get(
            &format!("/api/v1/mediation/similar?q={}&k=5", urlencode(CRASH)),
            &m,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let results = j["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    let mut last = f64::INFINITY;
    for h in results {
        assert!(
            h["id"].as_i64().is_some_and(|id| (1..=97).contains(&id)),
            "{h}"
        );
        assert!(
            h["type"].as_str().is_some_and(|t| t.ends_with("纠纷")),
            "{h}"
        );
        assert!(h["title"].as_str().is_some_and(|t| !t.is_empty()));
        let s = h["score"].as_f64().expect("score");
        assert!(s <= last && s > 0.0);
        last = s;
    }
    assert!(
        results
            .iter()
            .flat_map(|h| h["highlights"].as_array().cloned().unwrap_or_default())
            .any(|s| s.as_str().is_some_and(|s| s.contains("<b>交通事故</b>"))),
        "{j}"
    );
    assert_eq!(results[0]["type"], "交通事故纠纷", "{j}");
    // k defaults to 5; community staff may search too.
    let staff = app.bearer("staff1").await;
    let r = app
        .get(
            &format!(
                "/api/v1/mediation/similar?q={}",
                urlencode("交通事故 赔偿 医药费")
            ),
            &staff,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["results"].as_array().map(Vec::len), Some(5));
    assert_eq!(j["results"][0]["type"], "交通事故纠纷", "{j}");
}

#[tokio::test]
async fn residents_and_bad_queries_are_refused_with_codes() {
    let app = TestApp::new().await;
    let q = format!("/api/v1/mediation/similar?q={}", urlencode(CRASH));
    assert_eq!(
        app.get(&q, &Auth::None).await.status,
        StatusCode::UNAUTHORIZED
    );
    for u in ["resident1", "unit-property1", "auditor1"] {
        let who = app.bearer(u).await;
        let r = app.get(&q, &who).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{u}: {}", r.body);
        assert_eq!(r.json()["errors"][0]["code"], "ROLE_FORBIDDEN");
    }
    let m = app.bearer("mediator1").await;
    for (path, code) in [
        ("/api/v1/mediation/similar?q=%20%20", "TEXT_INVALID"),
        (&*format!("{q}&k=0"), "K_INVALID"),
        (&*format!("{q}&k=51"), "K_INVALID"),
    ] {
        let r = app.get(path, &m).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.body
        );
        assert_eq!(r.json()["errors"][0]["code"], code, "{path}");
    }
    // Nothing searchable in the text: an empty answer, not an error.
    let r = app
        .get("/api/v1/mediation/similar?q=%EF%BC%8C%E3%80%82", &m)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["results"], serde_json::json!([]));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
