//! Attack resistance (issue 17): every refusal in the envelope, text with control
//! characters refused at the door, the OpenAPI documenting the refusals.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::support::{Auth, TestApp};

async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    kind: Option<&str>,
    body: Vec<u8>,
) -> crate::support::Resp {
    raw_as(app, &Auth::None, method, path, kind, body).await
}

async fn raw_as(
    app: &TestApp,
    auth: &Auth,
    method: Method,
    path: &str,
    kind: Option<&str>,
    body: Vec<u8>,
) -> crate::support::Resp {
    let mut b = auth.apply(Request::builder().method(method).uri(path));
    if let Some(k) = kind {
        b = b.header(header::CONTENT_TYPE, k);
    }
    app.send(b.body(Body::from(body)).expect("request")).await
}

#[tokio::test]
async fn framework_refusals_come_in_the_envelope_with_a_stable_code() {
    let app = TestApp::new().await;
    let login = "/api/v1/auth/login";
    let staff = app.bearer("staff1").await;
    let cases = [
        (
            raw(
                &app,
                Method::POST,
                login,
                Some("application/json"),
                b"{\"username\":".to_vec(),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "REQUEST_MALFORMED",
        ),
        (
            raw(
                &app,
                Method::POST,
                login,
                Some("application/json"),
                br#"{"username":1,"password":"x"}"#.to_vec(),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "BODY_INVALID",
        ),
        (
            raw_as(
                &app,
                &staff,
                Method::POST,
                "/api/v1/cases",
                Some("text/plain"),
                b"staff1".to_vec(),
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "CONTENT_TYPE_UNSUPPORTED",
        ),
        (
            raw_as(
                &app,
                &staff,
                Method::POST,
                "/api/v1/cases",
                Some("application/json"),
                vec![b'x'; 9 << 20],
            )
            .await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "BODY_TOO_LARGE",
        ),
        (
            raw_as(&app, &staff, Method::DELETE, "/api/v1/me", None, vec![]).await,
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ];
    for (r, status, code) in cases {
        assert_eq!(r.status, status, "{}", r.body);
        assert_eq!(r.error_code(), code, "{}", r.body);
        assert!(
            r.json()["errors"][0]["detail"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
    }
    let r = app
        .get("/api/v1/cases/99999999999999999999999", &staff)
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::BAD_REQUEST, "REQUEST_MALFORMED"),
        "{}",
        r.body
    );
    let r = raw_as(&app, &staff, Method::DELETE, "/api/v1/me", None, vec![]).await;
    assert!(
        r.headers.get(header::ALLOW).is_some(),
        "405 keeps its Allow header"
    );
}

#[tokio::test]
async fn nul_and_control_characters_are_refused_with_a_code_on_both_databases() {
    let app = TestApp::new().await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "ad\u{0}min", "password": "x"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "TEXT_CONTROL_CHAR"),
        "{}",
        r.body
    );
    let form = raw(
        &app,
        Method::POST,
        "/login",
        Some("application/x-www-form-urlencoded"),
        b"username=a%00b&password=x".to_vec(),
    )
    .await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        form.body.contains("控制字符"),
        "a Chinese page: {}",
        form.body
    );
    let staff = app.bearer("staff1").await;
    let q = app.get("/api/v1/cases?q=%00", &staff).await;
    assert_eq!(q.error_code(), "TEXT_CONTROL_CHAR");
    let filed = app
        .post_json(
            "/api/v1/cases",
            &staff,
            json!({"description": "楼道灯坏了\u{1b}[31m", "lng": 121.5, "lat": 31.2}),
        )
        .await;
    assert_eq!(filed.error_code(), "TEXT_CONTROL_CHAR");
    // Line breaks and tabs are text.
    let ok = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "staff1\n", "password": "x\t"}),
        )
        .await;
    assert_eq!(ok.error_code(), "AUTH_BAD_CREDENTIALS");
}

#[tokio::test]
async fn the_openapi_documents_every_refusal_as_the_envelope() {
    let app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json", &Auth::None).await.json();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() > 40);
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("item") {
            for status in ["400", "401", "403", "404", "405", "422", "500"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} lacks {status}"
                );
            }
            if method != "get" {
                for status in ["409", "413", "415"] {
                    assert!(
                        op["responses"][status].is_object(),
                        "{method} {path} lacks {status}"
                    );
                }
            }
        }
    }
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
}

/// Finding 4: the administrator cannot make or change an auditor (and so cannot read the
/// trail through one); the auditor changes nothing; only operators sign checkpoints.
#[tokio::test]
async fn duties_stay_separated() {
    let app = TestApp::new().await;
    let admin = app.browser("admin").await;
    let form = [
        ("_csrf", admin.csrf()),
        ("username", "audit2".into()),
        ("display_name", "假审计".into()),
        ("password", "another-good-pass".into()),
        ("role", "auditor".into()),
        ("scope_kind", "district".into()),
        ("scope_id", String::new()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form("/admin/users", &admin, &form).await;
    assert!(
        r.location().contains("error=ROLE_SEPARATED") || r.status == StatusCode::FORBIDDEN,
        "{} {}",
        r.status,
        r.location()
    );
    assert_eq!(
        app.scalar_i64("select count(*) from users where username = 'audit2'")
            .await,
        0
    );
    // Nor turn an existing account into an auditor, nor change the auditor's.
    let staff_id = app
        .scalar_i64("select id from users where username = 'staff1'")
        .await;
    let auditor_id = app
        .scalar_i64("select id from users where username = 'auditor1'")
        .await;
    for (id, role) in [(staff_id, "auditor"), (auditor_id, "community_staff")] {
        let f = [
            ("_csrf", admin.csrf()),
            ("display_name", "改".into()),
            ("role", role.into()),
            ("scope_kind", "district".into()),
            ("scope_id", String::new()),
        ];
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app
            .post_form(&format!("/admin/users/{id}"), &admin, &f)
            .await;
        assert!(
            r.location().contains("ROLE_SEPARATED") || r.status == StatusCode::FORBIDDEN,
            "{id}: {} {}",
            r.status,
            r.location()
        );
    }
    assert_eq!(
        app.scalar_text("select role from users where username = 'auditor1'")
            .await
            .as_deref(),
        Some("auditor")
    );
    // The admin does not read the trail.
    assert_eq!(
        app.get("/audit", &admin).await.status,
        StatusCode::FORBIDDEN
    );
    // Checkpoints: operators only; the auditor changes nothing at all.
    let url = "/api/v1/ledger/checkpoint";
    for (who, status) in [
        ("auditor1", StatusCode::FORBIDDEN),
        ("staff1", StatusCode::FORBIDDEN),
        ("resident1", StatusCode::FORBIDDEN),
        ("street1", StatusCode::OK),
    ] {
        let r = app.post_json(url, &app.bearer(who).await, json!({})).await;
        assert_eq!(r.status, status, "{who}: {}", r.body);
    }
    let auditor = app.bearer("auditor1").await;
    let r = app
        .post_json("/api/v1/notifications/read", &auditor, json!({}))
        .await;
    assert_ne!(r.status, StatusCode::FORBIDDEN, "own inbox: {}", r.body);
    let r = app
        .put_json("/api/v1/mediation/mediators/1", &auditor, json!({}))
        .await;
    assert_eq!(r.error_code(), "READ_ONLY_ROLE");
}

/// Finding 10: headers on every answer; HTTPS enforced when served over HTTPS.
#[tokio::test]
async fn pages_and_answers_carry_the_security_headers() {
    let app = TestApp::new().await;
    let web = app.browser("staff1").await;
    for (path, auth) in [("/", &web), ("/api/v1/me", &web), ("/login", &Auth::None)] {
        let r = app.get(path, auth).await;
        let h = |n: &str| {
            r.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let csp = h("content-security-policy");
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert!(
            h("strict-transport-security").is_empty(),
            "no HSTS over plain HTTP"
        );
        if path != "/login" {
            assert_eq!(h("cache-control"), "no-store", "{path}: personal");
        }
    }
    // No template carries inline script.
    let page = app.get("/orders", &app.browser("unit-water").await).await;
    assert!(!page.body.contains("onclick="), "{}", page.body);
}

#[tokio::test]
async fn served_over_https_plain_http_is_redirected_or_refused() {
    let app = TestApp::with_config(|c| c.secure_cookies = true).await;
    let plain = app
        .send(
            Request::builder()
                .uri("/cases?page=2")
                .header(header::HOST, "gongzhi.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(plain.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(plain.location(), "https://gongzhi.example/cases?page=2");
    let api = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "staff1", "password": crate::support::PASSWORD}),
        )
        .await;
    assert_eq!(
        (api.status, api.error_code().as_str()),
        (StatusCode::FORBIDDEN, "HTTPS_REQUIRED"),
        "a plain-HTTP API call is refused, not followed"
    );
    let tls = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/auth/login")
                .header("x-forwarded-proto", "https")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"username": "staff1", "password": crate::support::PASSWORD}).to_string(),
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(tls.status, StatusCode::OK, "{}", tls.body);
    assert!(
        tls.headers
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("max-age=31536000"))
    );
    assert!(
        tls.set_cookie_line("gz_session")
            .is_some_and(|c| c.contains("Secure")),
        "{:?}",
        tls.set_cookie_line("gz_session")
    );
}

/// Finding 9: a tile index past what a log can hold is not found (2^56 × 256 overflowed
/// to bundle 000 before).
#[tokio::test]
async fn tile_indices_are_checked() {
    let app = TestApp::new().await;
    let huge = app
        .get(
            "/ledger/tile/entries/x072/x057/x594/x037/x927/936.p/1",
            &Auth::None,
        )
        .await;
    assert_eq!(huge.status, StatusCode::NOT_FOUND, "{}", huge.body);
    let level = app.get("/ledger/tile/7/001", &Auth::None).await;
    assert_eq!(level.status, StatusCode::NOT_FOUND);
}

/// Finding 10: the same fund movement posted twice (a retry, a double click) is one entry.
#[tokio::test]
async fn a_movement_posted_twice_under_one_key_is_recorded_once() {
    let app = TestApp::new().await;
    let c = app
        .scalar_i64("select scope_id from users where username = 'staff1'")
        .await;
    let staff = app.bearer("staff1").await;
    let path = format!("/api/v1/funds/communities/{c}/movements");
    let income = |fen: i64| {
        json!({"book": "renewal", "direction": "in", "category": "subsidy", "amount_fen": fen,
               "purpose": "街道微更新补贴", "counterparty": "桃源街道办事处",
               "approval": "街道党工委会议纪要", "occurred_on": "2026-11-01"})
    };
    let post = |key: &'static str, body: serde_json::Value| {
        let req = staff
            .apply(
                Request::builder()
                    .method(Method::POST)
                    .uri(&path)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("idempotency-key", key),
            )
            .body(Body::from(body.to_string()))
            .expect("request");
        app.send(req)
    };
    let count = || app.scalar_i64("select count(*) from fund_movements");
    let before = count().await;
    let first = post("retry-7f3a", income(50_000)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = post("retry-7f3a", income(50_000)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(count().await, before + 1, "one movement, one ledger entry");
    let other = post("retry-7f3a", income(60_000)).await;
    assert_eq!(
        (other.status, other.error_code().as_str()),
        (StatusCode::CONFLICT, "IDEMPOTENCY_KEY_REUSED")
    );
    let bad = post("key with spaces", income(1)).await;
    assert_eq!(bad.error_code(), "IDEMPOTENCY_KEY_INVALID");
    // The page's form carries a fresh key, so a double submit records once too.
    let web = app.browser("staff1").await;
    let page = app.get(&format!("/gongshi/communities/{c}"), &web).await;
    let key = page
        .body
        .split(r#"name="idem" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a key in the form")
        .to_string();
    let form = [
        ("_csrf", web.csrf()),
        ("idem", key),
        ("book", "renewal".into()),
        ("category", "subsidy".into()),
        ("amount", "12.50".into()),
        ("purpose", "街道微更新补贴".into()),
        ("counterparty", "桃源街道办事处".into()),
        ("approval", "会议纪要".into()),
        ("occurred_on", "2026-11-02".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let n = count().await;
    for _ in 0..2 {
        let r = app
            .post_form(&format!("/gongshi/communities/{c}/movements"), &web, &form)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    assert_eq!(count().await, n + 1);
}

/// Finding 7: a phone or ID number typed into a report is masked for every reader and in
/// notifications; the text as typed is kept sealed.
#[tokio::test]
async fn numbers_typed_into_a_report_are_masked_everywhere_and_kept_sealed() {
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let resident = app.bearer("resident1").await;
    let typed = "楼下水管爆了，水一直冒，急！我电话13912345678，房东身份证110105194912310021";
    let r = app
        .post_json(
            "/api/v1/cases",
            &resident,
            json!({"text": typed, "lng": lng, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    for who in ["resident1", "staff1", "grid1"] {
        let v = app
            .get(&format!("/api/v1/cases/{id}"), &app.bearer(who).await)
            .await;
        assert!(v.body.contains("139****5678"), "{who}: {}", v.body);
        assert!(!v.body.contains("13912345678"), "{who}: {}", v.body);
        assert!(!v.body.contains("110105194912310021"), "{who}");
    }
    let notes = app
        .scalar_i64("select count(*) from notifications where body like '%13912345678%' or title like '%13912345678%'")
        .await;
    assert_eq!(notes, 0, "nothing copied in clear into notifications");
    let stored = app
        .scalar_text(&format!("select text from cases where id = {id}"))
        .await
        .expect("text");
    assert!(!stored.contains("13912345678"));
    let sealed = app
        .scalar_text(&format!(
            "select original_sealed from case_reporters where case_id = {id}"
        ))
        .await
        .expect("the original, sealed");
    assert!(!sealed.contains("13912345678"));
    let opened = app
        .st
        .cipher
        .decrypt(gongzhi_app::cases::service::ORIGINAL_FIELD, &sealed)
        .expect("decrypts");
    assert_eq!(opened, typed);
}

/// Finding 5: one account's repeated reclassifications no longer retrain the live model:
/// corrections wait for street staff's review, and beyond 20 a day they are never learnt.
#[tokio::test]
async fn one_account_cannot_steer_the_routing_model() {
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let staff = app.bearer("staff1").await;
    let text = "家里水管爆了，水漫到楼道里";
    let classify = || async {
        app.post_json("/api/v1/routing/classify", &staff, json!({"text": text}))
            .await
            .json()["code"]
            .clone()
    };
    let before = classify().await;
    assert_eq!(before, "FAC.WATER");
    let filed = app
        .post_json(
            "/api/v1/cases",
            &staff,
            json!({"text": text, "lng": lng, "lat": lat}),
        )
        .await
        .json();
    let id = filed["id"].as_i64().expect("id");
    for i in 0..25 {
        let to = if i % 2 == 0 {
            "FAC.ROAD"
        } else {
            "SVC.CONSULT"
        };
        let r = app
            .post_json(
                &format!("/api/v1/cases/{id}/reclassify"),
                &staff,
                json!({"category": to}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    assert_eq!(classify().await, before, "nothing learnt without review");
    let app = &app;
    let count = |status: &'static str| async move {
        app.scalar_i64(&format!(
            "select count(*) from routing_corrections where status = '{status}'"
        ))
        .await
    };
    assert_eq!(count("pending").await, 20);
    assert_eq!(count("over_limit").await, 5);
    let street = app.bearer("street1").await;
    let pending = app
        .get("/api/v1/routing/corrections?per_page=100", &street)
        .await;
    assert_eq!(pending.json()["total"], 20);
    let page = app
        .get("/routing/corrections", &app.browser("street1").await)
        .await;
    assert!(page.body.contains("分类纠正审核"), "{}", page.body);
    for (who, status) in [("staff1", 403), ("resident1", 403), ("admin", 403)] {
        let r = app
            .get("/api/v1/routing/corrections", &app.bearer(who).await)
            .await;
        assert_eq!(r.status.as_u16(), status, "{who}");
    }
    // Rejected corrections are never learnt.
    let first = pending.json()["items"][0]["id"].as_i64().expect("id");
    let r = app
        .post_json(
            &format!("/api/v1/routing/corrections/{first}/review"),
            &street,
            json!({"accept": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let again = app
        .post_json(
            &format!("/api/v1/routing/corrections/{first}/review"),
            &street,
            json!({"accept": true}),
        )
        .await;
    assert_eq!(again.error_code(), "CORRECTION_REVIEWED");
    assert_eq!(classify().await, before);
    assert_eq!(app.audit_count("routing.correction.review", "ok").await, 1);
}

/// Fixed contract: GET /api/v1/me/export — everything about the caller, their reports'
/// texts included (as typed), nobody else's.
#[tokio::test]
async fn the_export_holds_everything_about_the_caller_and_nothing_of_others() {
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let r2 = app.bearer("resident2").await;
    let mine = "我家门口的路灯坏了一周了，电话13812340001";
    let theirs = "楼上装修噪音太大，每天早上七点就开始";
    for (auth, text, dx) in [(&r1, mine, 0.0), (&r2, theirs, 0.0003)] {
        let r = app
            .post_json(
                "/api/v1/cases",
                auth,
                json!({"text": text, "lng": lng + dx, "lat": lat}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    assert_eq!(
        app.get("/api/v1/me/export", &Auth::None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let e = app.get("/api/v1/me/export", &r1).await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.body);
    let v = e.json();
    assert_eq!(v["account"]["account"]["username"], "resident1");
    assert!(e.body.contains(mine), "their words as typed: {}", e.body);
    assert!(!e.body.contains("楼上装修噪音"), "nobody else's");
    assert!(!e.body.contains("password_hash") && !e.body.contains("argon2"));
    let uid = app
        .scalar_i64("select id from users where username = 'resident1'")
        .await;
    let rid = app.resident_id_of("resident1").await;
    let reports = app
        .scalar_i64(&format!(
            "select count(*) from case_reporters where user_id = {uid} or resident_id = {rid}"
        ))
        .await;
    assert_eq!(
        v["reports"].as_array().expect("reports").len() as i64,
        reports
    );
    let notes = app
        .scalar_i64(&format!(
            "select count(*) from notifications where user_id = {uid}"
        ))
        .await;
    assert_eq!(
        v["notifications"].as_array().expect("notes").len() as i64,
        notes
    );
    assert_eq!(v["resident"]["id"], rid);
    assert!(
        v["resident"]["phone"]
            .as_str()
            .is_some_and(|p| !p.contains('*')),
        "their own phone, in clear"
    );
    assert!(v["disputes"].is_array() && v["activity"].is_array());
    assert_eq!(app.audit_count("pi.export", "ok").await, 1);
}

/// Behind a trusted reverse proxy the client is the address the proxy forwarded, so
/// throttling one client does not lock out everyone behind the proxy.
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_throttled_on_its_own() {
    let app =
        TestApp::with_config(|c| c.trusted_proxies = vec!["127.0.0.1".parse().expect("ip")]).await;
    let login = |client: &'static str, password: &'static str| {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", format!("203.0.113.99, {client}"))
            .body(Body::from(
                json!({"username": "grid1", "password": password}).to_string(),
            ))
            .expect("request");
        let peer: std::net::SocketAddr = "127.0.0.1:50000".parse().expect("peer");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        app.send(req)
    };
    for _ in 0..5 {
        login("198.51.100.1", "wrong-wrong").await;
    }
    assert_eq!(
        login("198.51.100.1", crate::support::PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login("198.51.100.2", crate::support::PASSWORD).await.status,
        StatusCode::OK,
        "another client behind the same proxy"
    );
    let ip = app
        .scalar_text("select ip from audit_log where action = 'auth.login' and result = 'ok'")
        .await;
    assert_eq!(ip.as_deref(), Some("198.51.100.2"));
}

/// Checklist 30: a page size past the maximum is clamped, not obeyed.
#[tokio::test]
async fn page_sizes_are_clamped() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    for path in [
        "/api/v1/cases?per_page=10000",
        "/api/v1/residents?per_page=10000",
        "/api/v1/org/grids?per_page=10000",
    ] {
        let r = app.get(path, &staff).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.json()["per_page"], 500, "{path}");
    }
}

/// Checklist 13: a resident corrects their own phone number; audited; only their own.
#[tokio::test]
async fn residents_correct_their_own_phone_and_it_is_audited() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let patch = |auth: &Auth, body: serde_json::Value| {
        let req = auth
            .apply(
                Request::builder()
                    .method(Method::PATCH)
                    .uri("/api/v1/me")
                    .header(header::CONTENT_TYPE, "application/json"),
            )
            .body(Body::from(body.to_string()))
            .expect("request");
        app.send(req)
    };
    let bad = patch(&r1, json!({"phone": "12345"})).await;
    assert_eq!(bad.error_code(), "PHONE_INVALID", "{}", bad.body);
    let ok = patch(&r1, json!({"phone": "139 0000 1111"})).await;
    assert_eq!(ok.status, StatusCode::NO_CONTENT, "{}", ok.body);
    let export = app.get("/api/v1/me/export", &r1).await.json();
    assert_eq!(export["resident"]["phone"], "13900001111");
    let other = app
        .get("/api/v1/me/export", &app.bearer("resident2").await)
        .await
        .json();
    assert_ne!(
        other["resident"]["phone"], "13900001111",
        "nobody else's record changed"
    );
    assert_eq!(app.audit_count("resident.correct", "ok").await, 1);
    let staff = patch(&app.bearer("staff1").await, json!({"phone": "13900002222"})).await;
    assert_eq!(
        staff.status,
        StatusCode::NOT_FOUND,
        "no resident record of their own"
    );
    assert_eq!(app.get("/api/v1/me", &r1).await.status, StatusCode::OK);
}

#[tokio::test]
async fn retention_purges_each_category_after_its_period_and_audits_the_counts() {
    let app = TestApp::new().await;
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let file = |text: &'static str| {
        let app = &app;
        async move {
            let r1 = app.bearer("resident1").await;
            let r = app
                .post_json(
                    "/api/v1/cases",
                    &r1,
                    json!({"text": text, "lng": lng, "lat": lat, "photos": [png]}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let id = r.json()["id"].as_i64().unwrap();
            // Closed now (the handling itself is tested elsewhere).
            app.exec(&format!(
                "update cases set status = 'closed', closed_at = {} where id = {id}",
                app.st.now_ms()
            ))
            .await
            .unwrap();
            id
        }
    };
    let old = file("井盖松动，我电话13912345678").await;
    app.clock.advance_ms(200 * 86_400_000);
    let recent = file("路灯不亮，我电话13912345679").await;
    app.clock.advance_ms(166 * 86_400_000);
    // The old case closed 366 days ago, the recent one 166 days ago.
    let purged = gongzhi_app::retention::run(&app.st)
        .await
        .expect("retention");
    assert_eq!(purged.case_photos, 1, "{purged:?}");
    assert_eq!(purged.report_originals, 1);
    assert!(
        purged.sessions >= 1,
        "sessions ended over 180 days ago: {purged:?}"
    );
    let photos = |id: i64| {
        let app = &app;
        async move {
            app.scalar_i64(&format!(
                "select count(*) from attachments where case_id = {id}"
            ))
            .await
        }
    };
    assert_eq!(photos(old).await, 0);
    assert_eq!(photos(recent).await, 1, "newer ones are kept");
    assert_eq!(
        app.scalar_text(&format!("select photos from cases where id = {old}"))
            .await
            .unwrap(),
        "[]"
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from case_reporters where case_id = {recent} and original_sealed is not null"
        ))
        .await,
        1
    );
    // The case itself stays, masked.
    assert_eq!(
        app.scalar_i64(&format!("select count(*) from cases where id = {old}"))
            .await,
        1
    );
    // One audit record per run, with the counts; a second run finds nothing more.
    assert_eq!(app.audit_count("retention.run", "ok").await, 1);
    let details = app
        .scalar_text("select detail from audit_log where action = 'retention.run'")
        .await
        .unwrap();
    assert!(details.contains("\"case_photos\":1"), "{details}");
    let again = gongzhi_app::retention::run(&app.st).await.unwrap();
    assert_eq!((again.case_photos, again.report_originals), (0, 0));
    assert_eq!(app.audit_count("retention.run", "ok").await, 2);
}

#[tokio::test]
async fn reveal_needs_a_permission_and_a_reason_and_is_audited() {
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "楼道积水，请联系我13912345678", "lng": lng, "lat": lat}),
        )
        .await;
    let case = r.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/cases/{case}/reveal");
    let grid = app.bearer("grid1").await;
    let r = app.post_json(&path, &grid, json!({"reason": " "})).await;
    assert_eq!(r.error_code(), "REVEAL_REASON_REQUIRED");
    let r = app
        .post_json(&path, &grid, json!({"reason": "联系报修人确认位置"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.json()["texts"][0]
            .as_str()
            .unwrap()
            .contains("13912345678")
    );
    for (who, code) in [
        ("resident1", "ROLE_FORBIDDEN"),
        ("auditor1", "READ_ONLY_ROLE"),
    ] {
        let r = app
            .post_json(&path, &app.bearer(who).await, json!({"reason": "x"}))
            .await;
        assert_eq!(r.error_code(), code, "{who}");
    }
    // A resident's phone, to the grid worker in scope only.
    let rid = app.resident_id_of("resident1").await;
    let phone = app.get("/api/v1/me/export", &r1).await.json()["resident"]["phone"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/residents/{rid}/reveal");
    let body = json!({"field": "phone", "reason": "上门走访前电话联系"});
    let r = app.post_json(&path, &grid, body.clone()).await;
    assert_eq!(r.json()["value"], phone.as_str(), "{}", r.body);
    for who in ["unit-water", "street1", "mediator1"] {
        let r = app
            .post_json(&path, &app.bearer(who).await, body.clone())
            .await;
        assert_eq!(r.error_code(), "ROLE_FORBIDDEN", "{who}");
    }
    let r = app
        .post_json(&path, &grid, json!({"field": "name", "reason": "x"}))
        .await;
    assert_eq!(r.error_code(), "REVEAL_FIELD_UNKNOWN");
    // Exactly the two reveals are in the trail, with their reasons.
    assert_eq!(app.audit_count("pii.reveal", "ok").await, 2);
    let agg = if app.is_pg() {
        "string_agg(detail, ',')"
    } else {
        "group_concat(detail)"
    };
    let reasons = app
        .scalar_text(&format!(
            "select {agg} from audit_log where action = 'pii.reveal'"
        ))
        .await
        .unwrap();
    assert!(reasons.contains("上门走访前电话联系") && reasons.contains("联系报修人确认位置"));
}

#[tokio::test]
async fn numbers_typed_into_a_dispute_are_masked_for_every_reader() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let r = app
        .post_json(
            "/api/v1/disputes",
            &r1,
            json!({
                "account": "楼上漏水到我家，对方电话13811112222，身份证110105194912310021，一直不赔",
                "wants": "赔偿维修费，打我电话13933334444联系",
                "dtype": "neighbour",
                "parties": [{"name": "302室住户", "phone": "13900001111"}],
                "consent": true
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    for who in ["resident1", "staff1"] {
        let v = app
            .get(&format!("/api/v1/disputes/{id}"), &app.bearer(who).await)
            .await;
        assert_eq!(v.status, StatusCode::OK, "{who}: {}", v.body);
        for clear in [
            "13811112222",
            "110105194912310021",
            "13933334444",
            "13900001111",
        ] {
            assert!(!v.body.contains(clear), "{who} sees {clear}");
        }
        assert!(v.body.contains("138****2222"), "{who}");
    }
    // The person's own export has their words as typed.
    let e = app.get("/api/v1/me/export", &r1).await;
    assert!(e.body.contains("13811112222"));
}

/// The canary test runs the real binary (its own logging set-up, at TRACE, JSON) on the demo
/// and drives it over HTTP, so that it sees exactly what an operator's log would hold.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_and_the_trail_never_carry_a_password_a_phone_or_an_id_number() {
    const PASSWORD: &str = "Canary-口令-Xq93!zz";
    const WRONG: &str = "Canary-wrong-Xq93!zz";
    const TYPED_PHONE: &str = "13912340077";
    const TYPED_ID: &str = "110105194912310021";
    const NEW_PHONE: &str = "13712340088";
    const CONTACT_PHONE: &str = "13612340099";
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("canary.db").display());
    let bin = env!("CARGO_BIN_EXE_gongzhi");
    let common = |c: &mut std::process::Command| {
        c.arg("--database-url")
            .arg(&db)
            .arg("--key-file")
            .arg(dir.path().join("key"))
            .arg("--ledger-key-file")
            .arg(dir.path().join("ledger.key"))
            .arg("--tombstone-journal")
            .arg(dir.path().join("t.jsonl"))
            .arg("--log-format")
            .arg("json")
            .env("GONGZHI_LOG", "trace");
    };
    let port = crate::support::free_port();
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let mut serve = std::process::Command::new(bin);
    common(&mut serve);
    serve
        .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut child = serve.spawn().expect("gongzhi serve");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..600 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server started");
    // An account with the canary password (the command line, as an operator makes one).
    let mut create = std::process::Command::new(bin);
    common(&mut create);
    let out = create
        .args([
            "admin",
            "create-user",
            "--username",
            "canary",
            "--role",
            "community_staff",
        ])
        .env("GONGZHI_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut r = http.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    let login = |user: &'static str, pw: &'static str| {
        let p = post(
            "/api/v1/auth/login",
            None,
            json!({"username": user, "password": pw}),
        );
        async move { p.await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    login("canary", WRONG).await;
    assert!(login("canary", PASSWORD).await["token"].is_string());
    let r1 = login("resident1", "gongzhi-demo").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let staff = login("staff1", "gongzhi-demo").await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let export: serde_json::Value = http
        .get(format!("{base}/api/v1/me/export"))
        .bearer_auth(&r1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own_phone = export["resident"]["phone"].as_str().unwrap().to_string();
    // Where resident1 lives: the building the report form selects for them.
    let form = http
        .get(format!("{base}/cases/new"))
        .bearer_auth(&r1)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let option = form
        .split("<option ")
        .find(|o| o.contains(" selected"))
        .expect("the resident's building");
    let attr = |name: &str| -> f64 {
        let at = option.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        option[at..].split('"').next().unwrap().parse().unwrap()
    };
    let (lng, lat) = (attr("data-lng"), attr("data-lat"));
    let r = post(
        "/api/v1/cases",
        Some(&r1),
        json!({"text": format!("水管漏了，电话{TYPED_PHONE}，身份证{TYPED_ID}"), "lng": lng, "lat": lat}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .patch(format!("{base}/api/v1/me"))
        .bearer_auth(&r1)
        .json(&json!({"phone": NEW_PHONE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    post(
        "/api/v1/me/consents",
        Some(&r1),
        json!({"purposes": ["notify_external"]}),
    )
    .await
    .unwrap();
    let r = http
        .put(format!("{base}/api/v1/me/contacts"))
        .bearer_auth(&r1)
        .json(&json!({"phone": CONTACT_PHONE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    for phone in [NEW_PHONE, own_phone.as_str()] {
        let r = http
            .get(format!("{base}/api/v1/residents?phone={phone}"))
            .bearer_auth(&staff)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    // Stop the server (its last lines flushed), then read everything it logged and its trail.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    let logs = std::fs::read_to_string(dir.path().join("serve.log")).unwrap() + &cli_output;
    assert!(
        logs.lines().count() > 1000,
        "TRACE was on: {} lines",
        logs.lines().count()
    );
    assert!(logs.contains("/api/v1/residents"), "requests are logged");
    let trail = {
        let db = gongzhi_app::db::Db::connect(&db).await.unwrap();
        let gongzhi_app::db::Db::Sqlite(pool, _) = &db else {
            unreachable!("an SQLite URL")
        };
        gongzhi_app::audit::service::seal(&db).await.unwrap();
        let rows: Vec<(String, String, Option<String>, String)> =
            sqlx::query_as("select action, actor, object_id, detail from audit_log")
                .fetch_all(pool)
                .await
                .unwrap();
        rows.into_iter()
            .map(|(x, a, o, d)| format!("{x} {a} {} {d}\n", o.unwrap_or_default()))
            .collect::<String>()
    };
    assert!(trail.contains("resident.correct"), "the trail was read");
    for canary in [
        PASSWORD,
        WRONG,
        TYPED_PHONE,
        TYPED_ID,
        NEW_PHONE,
        CONTACT_PHONE,
        own_phone.as_str(),
    ] {
        assert!(!logs.contains(canary), "the logs carry {canary}");
        assert!(!trail.contains(canary), "the audit trail carries {canary}");
    }
}

/// Runs of exactly 11 digits that look like a mobile number, and 18-character ID numbers,
/// standing alone (not inside a longer run of letters and digits such as a hash).
pub(crate) fn personal_numbers(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphanumeric() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let run = &text[start..i];
            let digits = run.bytes().all(|c| c.is_ascii_digit());
            let phone = digits
                && run.len() == 11
                && run.starts_with('1')
                && (b'3'..=b'9').contains(&run.as_bytes()[1]);
            let id = run.len() == 18
                && run[..17].bytes().all(|c| c.is_ascii_digit())
                && matches!(run.as_bytes()[17], b'0'..=b'9' | b'X' | b'x');
            if phone || id {
                found.push(run.to_string());
            }
        } else {
            i += 1;
        }
    }
    found
}

#[tokio::test]
async fn public_answers_carry_no_phone_id_number_or_resident_name() {
    let app = TestApp::demo().await;
    let doc = app.get("/api/v1/openapi.json", &Auth::None).await.json();
    let communities: Vec<i64> = {
        let n = app
            .scalar_i64("select count(*) from org_units where level = 'community'")
            .await;
        let mut v = Vec::new();
        for k in 0..n {
            v.push(
                app.scalar_i64(&format!(
                    "select id from org_units where level = 'community' order by id limit 1 offset {k}"
                ))
                .await,
            );
        }
        v
    };
    let mut paths: Vec<String> = vec![
        "/".into(),
        "/gongshi".into(),
        "/login".into(),
        "/ledger/checkpoint".into(),
        "/open311/discovery.json".into(),
        "/open311/v2/services.json".into(),
        "/open311/v2/requests.json".into(),
        "/open311/v2/requests.xml".into(),
    ];
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() {
            continue;
        }
        if !path.contains('{') {
            paths.push(path.clone());
        } else if path.ends_with("communities/{id}") {
            paths.extend(
                communities
                    .iter()
                    .map(|c| path.replace("{id}", &c.to_string())),
            );
        }
    }
    for c in &communities {
        paths.push(format!("/gongshi/communities/{c}"));
    }
    let size = app.scalar_i64("select count(*) from ledger_entries").await;
    assert!(size > 0, "the demo's books are on the ledger");
    for i in 0..size.min(300) {
        paths.push(format!("/api/v1/ledger/entries/{i}"));
        paths.push(format!("/gongshi/entries/{i}"));
    }
    // Every resident's full name (two characters or more).
    let names: Vec<String> = {
        let n = app.scalar_i64("select count(*) from residents").await;
        let mut v = Vec::new();
        for k in 0..n {
            if let Some(name) = app
                .scalar_text(&format!(
                    "select name from residents order by id limit 1 offset {k}"
                ))
                .await
                && name.chars().count() >= 2
            {
                v.push(name);
            }
        }
        v
    };
    assert!(names.len() > 10);
    let mut public = 0;
    for path in &paths {
        let r = app.get(path, &Auth::None).await;
        if r.status != StatusCode::OK {
            continue;
        }
        public += 1;
        let numbers = personal_numbers(&r.body);
        assert!(numbers.is_empty(), "{path} shows {numbers:?}");
        for name in &names {
            assert!(
                !r.body.contains(name.as_str()),
                "{path} names resident {name}"
            );
        }
    }
    assert!(public > 100, "{public} public answers scanned");
}

#[test]
fn the_scanner_finds_phones_and_ids_but_not_hashes() {
    assert_eq!(personal_numbers("电话13912345678。"), vec!["13912345678"]);
    assert_eq!(
        personal_numbers("id 11010519491231002X end"),
        vec!["11010519491231002X"]
    );
    assert!(personal_numbers("a13912345678b 139123456789 1764920000000").is_empty());
    assert!(personal_numbers("139****5678 110**************X").is_empty());
}

#[tokio::test]
async fn fields_a_role_may_not_set_are_refused_or_ignored_and_nothing_changes() {
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    // A report with workflow fields smuggled in: they are not part of the request and are
    // ignored; the case starts where every case starts.
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "小区门口路灯不亮", "lng": lng, "lat": lat,
                   "status": "closed", "assignee_id": 1, "points": 1000, "satisfaction": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let status = app
        .scalar_text(&format!("select status from cases where id = {id}"))
        .await
        .unwrap();
    assert_ne!(status, "closed");
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from callbacks where case_id = {id}"
        ))
        .await,
        0
    );
    // Correcting one's own data: anything but the phone is refused, and nothing changes.
    let before = app
        .scalar_text(
            "select role || scope_kind || display_name from users where username = 'resident1'",
        )
        .await;
    let r = app
        .send_patch(
            "/api/v1/me",
            &r1,
            json!({"phone": "13712349999", "role": "admin", "name": "管理员"}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "BODY_INVALID"),
        "{}",
        r.body
    );
    assert_eq!(
        app.scalar_text(
            "select role || scope_kind || display_name from users where username = 'resident1'"
        )
        .await,
        before
    );
    let phone = app.get("/api/v1/me/export", &r1).await.json()["resident"]["phone"].clone();
    assert_ne!(phone, "13712349999");
}
