//! The web shell and operations: OpenAPI, errors, languages, 适老模式, health and metrics.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{Auth, TestApp};

#[tokio::test]
async fn openapi_documents_every_api_route_and_each_one_answers() {
    let app = TestApp::new().await;
    let r = app.get("/api/v1/openapi.json", &Auth::None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/org/grids",
        "/api/v1/org/compounds",
        "/api/v1/org/locate",
        "/api/v1/residents",
        "/api/v1/residents/{id}",
        "/api/v1/version",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} missing from OpenAPI");
    }
    // Every documented GET route exists (answers something other than 404/405 for an id of 1).
    let auth = app.bearer("admin").await;
    for p in &paths {
        if doc["paths"][p]["get"].is_null() {
            continue;
        }
        let uri = p.replace("{id}", "1");
        let r = app.get(&uri, &auth).await;
        assert!(
            r.status != StatusCode::METHOD_NOT_ALLOWED
                && !(r.status == StatusCode::NOT_FOUND && r.body.is_empty()),
            "{uri}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn unknown_paths_answer_in_the_right_form() {
    let app = TestApp::new().await;
    let api = app.get("/api/v1/nothing-here", &Auth::None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.error_code(), "NOT_FOUND");
    let staff = app.browser("staff1").await;
    let page = app.get("/nothing-here", &staff).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("<html") && page.body.contains("不存在"));
    let anon = app.get("/residents", &Auth::None).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.location(), "/login?next=%2Fresidents");
}

#[tokio::test]
async fn errors_follow_the_callers_language() {
    let app = TestApp::new().await;
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .body(Body::from(
            r#"{"username":"staff1","password":"bad-bad-bad"}"#,
        ))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.error_code(), "AUTH_BAD_CREDENTIALS");
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "Wrong username or password (after 5 failures, wait 15 minutes)"
    );
    let bad_json = app
        .send(
            Request::builder()
                .method("POST")
                .uri("/api/v1/auth/login")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{"))
                .expect("request"),
        )
        .await;
    assert!(bad_json.status.is_client_error());
}

#[tokio::test]
async fn catalogs_have_the_same_keys() {
    assert_eq!(gongzhi_app::i18n::catalog_mismatch(), Vec::<String>::new());
    assert_eq!(
        gongzhi_app::i18n::Lang::Zh.t("app.title"),
        "共治 · 社区治理平台"
    );
}

#[tokio::test]
async fn elderly_mode_and_language_are_remembered_on_the_account() {
    let app = TestApp::new().await;
    let web = app.browser("resident1").await;
    let home = app.get("/", &web).await;
    assert!(!home.body.contains(r#"<body class="elder"#));
    let r = app
        .post_form(
            "/prefs",
            &web,
            &[("_csrf", &web.csrf()), ("toggle", "elder")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A new login (another device) sees the choice.
    let again = app.browser("resident1").await;
    let home = app.get("/", &again).await;
    assert!(
        home.body.contains(r#"<body class="elder"#),
        "elder mode remembered"
    );
    app.post_form(
        "/prefs",
        &again,
        &[("_csrf", &again.csrf()), ("toggle", "lang")],
    )
    .await;
    let home = app.get("/", &again).await;
    assert!(home.body.contains(r#"<html lang="en""#) && home.body.contains("My community"));
    let me = app
        .get("/api/v1/me", &app.bearer("resident1").await)
        .await
        .json();
    assert_eq!(me["lang"], "en");
    assert_eq!(me["elder_mode"], true);
}

#[tokio::test]
async fn anonymous_visitors_can_switch_language_before_login() {
    let app = TestApp::new().await;
    let page = app.get("/login", &Auth::None).await;
    let csrf = page.cookie("gz_csrf").expect("csrf cookie");
    let pre = Auth::Cookie {
        session: String::new(),
        csrf: csrf.clone(),
        extra: format!("gz_csrf={csrf}"),
    };
    let r = app
        .post_form("/prefs", &pre, &[("_csrf", &csrf), ("toggle", "lang")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let lang = r.cookie("gz_lang").expect("lang cookie");
    let en = Auth::Cookie {
        session: String::new(),
        csrf: csrf.clone(),
        extra: format!("gz_csrf={csrf}; gz_lang={lang}"),
    };
    let login = app.get("/login", &en).await;
    assert!(login.body.contains("Log in"), "{}", login.body);
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::with_config(|c| c.metrics_token = Some("metrics-secret".into())).await;
    assert_eq!(
        app.get("/healthz", &Auth::None).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/readyz", &Auth::None).await.status, StatusCode::OK);
    gongzhi_app::web::metrics::handle();
    app.get("/api/v1/org/locate?lng=121.5&lat=31.24", &Auth::None)
        .await;
    assert_eq!(
        app.get("/metrics", &Auth::None).await.status,
        StatusCode::NOT_FOUND,
        "not for the public"
    );
    let m = app
        .get("/metrics", &Auth::Bearer("metrics-secret".into()))
        .await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("http_requests_total"), "{}", m.body);
    assert!(m.body.contains(r#"route="/api/v1/org/locate""#));
    assert!(m.body.contains("http_request_duration_seconds_bucket"));
    app.st.db.close().await;
    assert_eq!(
        app.get("/readyz", &Auth::None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn assets_are_embedded() {
    let app = TestApp::new().await;
    for p in [
        "/assets/vendor/leaflet/leaflet.js",
        "/assets/vendor/htmx/htmx.min.js",
        "/assets/vendor/echarts/echarts.min.js",
        "/assets/app.css",
        "/assets/app.js",
    ] {
        let r = app.get(p, &Auth::None).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        assert!(r.body.len() > 1000, "{p}");
    }
    assert_eq!(
        app.get("/assets/../Cargo.toml", &Auth::None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_demo_seed_is_deterministic_and_idempotent() {
    let app = TestApp::new().await;
    let first = app
        .scalar_text("select name from residents order by id limit 1")
        .await;
    let again = gongzhi_app::demo::seed(&app.st, gongzhi_app::demo::DemoSize::Residents(10))
        .await
        .expect("seed")
        .expect("accounts");
    assert_eq!(again.len(), 16, "accounts listed, nothing seeded twice");
    assert_eq!(
        app.scalar_i64("select count(*) from residents").await,
        crate::support::FIXTURE_RESIDENTS as i64
    );
    let other = TestApp::new().await;
    assert_eq!(
        other
            .scalar_text("select name from residents order by id limit 1")
            .await,
        first
    );
}

#[test]
fn the_embedded_taxonomy_parses() {
    let t = gongzhi_app::taxonomy::get();
    assert_eq!(t.categories.len(), 29);
    assert_eq!(t.units.len(), 18);
    let water = t
        .categories
        .iter()
        .find(|c| c.code == "FAC.WATER")
        .expect("FAC.WATER");
    assert!(water.urgent && water.also == ["water"]);
}

/// Every word a page shows comes from the locale files: the templates' own text (outside
/// `{{ }}` and `{% %}`) holds no Chinese — not even full-width punctuation — so the English
/// pages are English. One exception: the 人民调解协议书, a legal document whose wording the
/// Mediation Law and the judicial office fix, printed in Chinese in either language.
#[test]
fn templates_take_their_words_from_the_locale_files() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(p);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![];
    walk(&root, &mut files);
    assert!(files.len() > 30, "{}", files.len());
    let cjk = |c: char| matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}');
    let mut found = vec![];
    for f in files {
        if f.ends_with("mediation/templates/agreement.html") {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("read");
        // Drop template expressions, tags and comments; what stays is literal page text.
        let mut literal = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find('{') {
            literal.push_str(&rest[..i]);
            let close = match rest[i + 1..].chars().next() {
                Some('{') => "}}",
                Some('%') => "%}",
                Some('#') => "#}",
                _ => {
                    literal.push('{');
                    rest = &rest[i + 1..];
                    continue;
                }
            };
            match rest[i + 2..].find(close) {
                Some(j) => rest = &rest[i + 2 + j + 2..],
                None => break,
            }
        }
        literal.push_str(rest);
        for line in literal.lines().filter(|l| l.chars().any(cjk)) {
            found.push(format!("{}: {}", f.display(), line.trim()));
        }
    }
    assert!(
        found.is_empty(),
        "literal Chinese in templates:\n{}",
        found.join("\n")
    );
}
