//! Identity and access: login, lockout, sessions, logout, CSRF, no default credentials.

use axum::http::StatusCode;
use gongzhi_core::identity::LOCKOUT_DURATION_MS;
use serde_json::json;

use crate::support::{Auth, PASSWORD, TestApp};

const DEMO_USERS: [&str; 14] = [
    "admin",
    "street1",
    "staff1",
    "grid1",
    "head1",
    "unit-property1",
    "unit-water",
    "mediator1",
    "judicial1",
    "police1",
    "lawyer1",
    "auditor1",
    "resident1",
    "resident2",
];

#[tokio::test]
async fn every_demo_account_logs_in_with_its_role() {
    let app = TestApp::new().await;
    let roles = [
        "admin",
        "street_staff",
        "community_staff",
        "grid_worker",
        "building_head",
        "unit_staff",
        "unit_staff",
        "mediator",
        "mediator",
        "mediator",
        "mediator",
        "auditor",
        "resident",
        "resident",
    ];
    for (u, role) in DEMO_USERS.iter().zip(roles) {
        let auth = app.bearer(u).await;
        let me = app.get("/api/v1/me", &auth).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["username"], *u);
        assert_eq!(me.json()["role"], role);
    }
}

#[tokio::test]
async fn login_sets_an_httponly_samesite_cookie_and_token() {
    let app = TestApp::new().await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "staff1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert!(v["token"].as_str().is_some_and(|t| t.len() >= 40));
    assert_eq!(v["user"]["scope"]["kind"], "community");
    let line = r.set_cookie_line("gz_session").expect("cookie");
    assert!(
        line.contains("HttpOnly") && line.contains("SameSite=Lax"),
        "{line}"
    );
    // The token is stored only as its hash.
    let token = v["token"].as_str().unwrap_or_default();
    let stored = app
        .scalar_i64(&format!(
            "select count(*) from sessions where id = '{token}'"
        ))
        .await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn bad_credentials_answer_401_in_chinese_and_are_audited() {
    let app = TestApp::new().await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "staff1", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "AUTH_BAD_CREDENTIALS");
    assert_eq!(
        r.json()["errors"][0]["detail"],
        "用户名或密码不正确（连续输错5次需等待15分钟）"
    );
    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "nobody", "password": "x"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.error_code(), "AUTH_BAD_CREDENTIALS");
    assert_eq!(app.audit_count("auth.login", "failed").await, 2);
}

#[tokio::test]
async fn five_failures_from_one_address_refuse_that_name_there_for_fifteen_minutes() {
    let app = TestApp::new().await;
    let bad = json!({"username": "grid1", "password": "not-the-password"});
    let good = json!({"username": "grid1", "password": PASSWORD});
    let url = "/api/v1/auth/login";
    for i in 1..=5 {
        let r = app
            .post_json_from("10.0.0.7", url, &Auth::None, bad.clone())
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let still = app
        .post_json_from("10.0.0.7", url, &Auth::None, good.clone())
        .await;
    assert_eq!(
        (still.status, still.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "AUTH_BAD_CREDENTIALS"),
        "the right password is refused from the failing address, with the same answer"
    );
    for _ in 0..3 {
        app.post_json_from("10.0.0.7", url, &Auth::None, good.clone())
            .await;
    }
    assert_eq!(
        app.audit_count("auth.login", "throttled").await,
        1,
        "throttled attempts within a minute are one audit row"
    );
    let elsewhere = app
        .post_json_from("10.0.0.8", url, &Auth::None, good.clone())
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::OK,
        "nobody can lock grid1 out from another address"
    );
    app.clock.advance_ms(LOCKOUT_DURATION_MS - 60_000);
    let r = app
        .post_json_from("10.0.0.7", url, &Auth::None, good.clone())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.clock.advance_ms(61_000);
    let r = app.post_json_from("10.0.0.7", url, &Auth::None, good).await;
    assert_eq!(r.status, StatusCode::OK, "the lock window has passed");
    assert_eq!(app.audit_count("auth.login", "failed").await, 5);
    assert_eq!(app.audit_count("auth.login", "throttled").await, 2);
    assert_eq!(app.audit_count("auth.login", "ok").await, 2);
}

#[tokio::test]
async fn unknown_locked_and_wrong_answer_alike() {
    let app = TestApp::new().await;
    let url = "/api/v1/auth/login";
    let mut answers = std::collections::BTreeSet::new();
    for name in ["staff1", "nobody-here"] {
        for _ in 0..6 {
            let r = app
                .post_json_from(
                    "10.0.0.9",
                    url,
                    &Auth::None,
                    json!({"username": name, "password": "wrong-one!"}),
                )
                .await;
            answers.insert((r.status, r.body.clone()));
        }
    }
    assert_eq!(answers.len(), 1, "{answers:?}");
}

#[tokio::test]
async fn an_address_spraying_many_names_is_slowed_and_others_are_not() {
    let app = TestApp::new().await;
    let url = "/api/v1/auth/login";
    for i in 0..gongzhi_core::identity::throttle::ADDRESS_FREE + 1 {
        app.post_json_from(
            "10.0.1.1",
            url,
            &Auth::None,
            json!({"username": format!("user{i}"), "password": "guess-guess"}),
        )
        .await;
    }
    let good = json!({"username": "staff1", "password": PASSWORD});
    let sprayer = app
        .post_json_from("10.0.1.1", url, &Auth::None, good.clone())
        .await;
    assert_eq!(
        sprayer.status,
        StatusCode::UNAUTHORIZED,
        "the spraying address waits"
    );
    let other = app
        .post_json_from("10.0.1.2", url, &Auth::None, good.clone())
        .await;
    assert_eq!(other.status, StatusCode::OK);
    app.clock.advance_ms(1_000);
    let r = app.post_json_from("10.0.1.1", url, &Auth::None, good).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "after the wait, the right password works"
    );
}

#[tokio::test]
async fn failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
    let app = TestApp::new().await;
    let bad = json!({"username": "grid1", "password": "not-the-password"});
    for _ in 0..4 {
        app.post_json("/api/v1/auth/login", &Auth::None, bad.clone())
            .await;
    }
    app.clock.advance_ms(16 * 60_000);
    let r = app.post_json("/api/v1/auth/login", &Auth::None, bad).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_absolutely() {
    let app = TestApp::new().await;
    let auth = app.bearer("staff1").await;
    app.clock.advance_ms(119 * 60_000);
    assert_eq!(
        app.get("/api/v1/me", &auth).await.status,
        StatusCode::OK,
        "still inside the idle window"
    );
    app.clock.advance_ms(119 * 60_000);
    assert_eq!(
        app.get("/api/v1/me", &auth).await.status,
        StatusCode::OK,
        "activity refreshed the window"
    );
    app.clock.advance_ms(121 * 60_000);
    let r = app.get("/api/v1/me", &auth).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "idle for over two hours"
    );
    assert_eq!(r.error_code(), "AUTH_REQUIRED");

    let auth = app.bearer("staff1").await;
    for _ in 0..13 {
        app.clock.advance_ms(59 * 60_000);
        let _ = app.get("/api/v1/me", &auth).await;
    }
    assert_eq!(
        app.get("/api/v1/me", &auth).await.status,
        StatusCode::UNAUTHORIZED,
        "past the 12-hour absolute lifetime"
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let auth = app.bearer("staff1").await;
    let r = app.post_json("/api/v1/auth/logout", &auth, json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &auth).await.status,
        StatusCode::UNAUTHORIZED,
        "the token is dead, not just the cookie"
    );
    assert_eq!(app.audit_count("auth.logout", "ok").await, 1);

    let web = app.browser("staff1").await;
    let r = app
        .post_form("/logout", &web, &[("_csrf", &web.csrf())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = app.get("/", &web).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(home.location().starts_with("/login"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_audited() {
    let app = TestApp::new().await;
    let web = app.browser("admin").await;
    let r = app
        .post_form(
            "/admin/units",
            &web,
            &[("code", "X-1"), ("kind", "water"), ("name", "偷偷建的单位")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.body.contains("页面已过期"),
        "Chinese error page: {}",
        r.body
    );
    let wrong = app
        .post_form(
            "/admin/units",
            &web,
            &[
                ("_csrf", "forged"),
                ("code", "X-1"),
                ("kind", "water"),
                ("name", "偷偷建的单位"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.scalar_i64("select count(*) from units where code = 'X-1'")
            .await,
        0
    );
    assert_eq!(app.audit_count("access.denied", "denied").await, 2);
    // Cookie-authenticated JSON needs the header too.
    let json = app.post_json("/api/v1/auth/logout", &web, json!({})).await;
    assert_eq!(json.status, StatusCode::FORBIDDEN);
    assert_eq!(json.error_code(), "CSRF_INVALID");
    // The login form itself is protected by a double-submit cookie.
    let login = app
        .post_form(
            "/login",
            &Auth::None,
            &[("username", "admin"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    // With the token the same form works.
    let ok = app
        .post_form(
            "/admin/units",
            &web,
            &[
                ("_csrf", &web.csrf()),
                ("code", "X-1"),
                ("kind", "water"),
                ("name", "第二水厂"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.scalar_i64("select count(*) from units where code = 'X-1'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_fresh_install_has_no_default_credentials() {
    let app = TestApp::empty().await;
    assert_eq!(app.scalar_i64("select count(*) from users").await, 0);
    for (u, p) in [
        ("admin", PASSWORD),
        ("admin", "admin"),
        ("admin", "admin123"),
    ] {
        let r = app
            .post_json(
                "/api/v1/auth/login",
                &Auth::None,
                json!({"username": u, "password": p}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let home = app.get("/", &Auth::None).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(
        !app.get("/login", &Auth::None)
            .await
            .body
            .contains("演示数据"),
        "no demo banner on a real install"
    );
}

#[tokio::test]
async fn the_first_administrator_is_created_with_a_strong_password() {
    use gongzhi_app::auth::service::{UserSpec, Who, create_user};
    use gongzhi_core::identity::{Role, Scope};
    let app = TestApp::empty().await;
    let cli = Who::System("cli");
    let weak = UserSpec {
        username: "root",
        display_name: "管理员",
        password: "12345678",
        role: Role::Admin,
        scope: Scope::District,
        resident_id: None,
    };
    let err = create_user(&app.st, cli, &weak)
        .await
        .expect_err("weak password refused");
    assert_eq!(err.code(), "PASSWORD_TOO_COMMON");
    let good = UserSpec {
        password: "a-long-passphrase",
        ..weak
    };
    create_user(&app.st, cli, &good).await.expect("created");
    let hash = app
        .scalar_text("select password_hash from users where username = 'root'")
        .await
        .unwrap_or_default();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "root", "password": "a-long-passphrase"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_disabled_users_live_token_stops_working() {
    let app = TestApp::new().await;
    let victim = app.bearer("grid1").await;
    let admin = app.browser("admin").await;
    let id = app
        .scalar_i64("select id from users where username = 'grid1'")
        .await;
    let grid = app
        .scalar_i64("select scope_id from users where username = 'grid1'")
        .await
        .to_string();
    let r = app
        .post_form(
            &format!("/admin/users/{id}"),
            &admin,
            &[
                ("_csrf", &admin.csrf()),
                ("display_name", "张伟"),
                ("role", "grid_worker"),
                ("scope_kind", "grid"),
                ("scope_id", &grid),
                ("disabled", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().contains("ok=1"), "{}", r.location());
    assert_eq!(
        app.get("/api/v1/me", &victim).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "grid1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_bearer_tokens_get_401_and_next_is_never_an_open_redirect() {
    let app = TestApp::new().await;
    let r = app
        .get("/api/v1/me", &Auth::Bearer("nonsense".into()))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "AUTH_REQUIRED");
    let page = app.get("/login?next=//evil.example/x", &Auth::None).await;
    assert!(
        page.body.contains(r#"name="next" value="/""#),
        "{}",
        page.body
    );
    // Signed in, /login?next= redirects at once: only ever to a path on this site.
    let web = app.browser("staff1").await;
    for evil in [
        "/%09/evil.example/x",
        "/%0a/evil.example",
        "/%0d%0aSet-Cookie:x=1",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "https://evil.example/",
        "/%20/evil.example",
        "/%E3%80%80/evil.example",
    ] {
        let r = app.get(&format!("/login?next={evil}"), &web).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{evil}");
        assert_eq!(r.location(), "/", "{evil}");
    }
    let ok = app.get("/login?next=/cases%3Fpage%3D2", &web).await;
    assert_eq!(ok.location(), "/cases?page=2");
}

#[tokio::test]
async fn integration_tokens_authenticate_without_idle_expiry() {
    let app = TestApp::new().await;
    let token = gongzhi_app::auth::service::create_integration_token(
        &app.st,
        gongzhi_app::auth::service::Who::System("cli"),
        "unit-water",
        30,
    )
    .await
    .expect("token");
    let auth = Auth::Bearer(token);
    app.clock.advance_ms(5 * 3600 * 1000);
    let r = app.get("/api/v1/me", &auth).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["username"], "unit-water");
    app.clock.advance_ms(31 * 86_400_000);
    assert_eq!(
        app.get("/api/v1/me", &auth).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn people_change_their_own_password_and_other_sessions_end() {
    let app = TestApp::new().await;
    let here = app.bearer("grid1").await;
    let elsewhere = app.bearer("grid1").await;
    let url = "/api/v1/me/password";
    for (body, code) in [
        (
            json!({"current": "not-it", "new": "a-much-better-one"}),
            "PASSWORD_CURRENT_WRONG",
        ),
        (
            json!({"current": PASSWORD, "new": "qwertyuiop"}),
            "PASSWORD_TOO_COMMON",
        ),
        (
            json!({"current": PASSWORD, "new": PASSWORD}),
            "PASSWORD_SAME",
        ),
    ] {
        let r = app.post_json(url, &here, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), code);
    }
    let r = app
        .post_json(
            url,
            &here,
            json!({"current": PASSWORD, "new": "翠竹网格巡查2026"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/me", &here).await.status,
        StatusCode::OK,
        "this session goes on"
    );
    assert_eq!(
        app.get("/api/v1/me", &elsewhere).await.status,
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    let old = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "grid1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "grid1", "password": "翠竹网格巡查2026"}),
        )
        .await;
    assert_eq!(new.status, StatusCode::OK);
    assert_eq!(app.audit_count("user.password", "ok").await, 1);
    assert_eq!(app.audit_count("user.password", "failed").await, 1);
}

#[tokio::test]
async fn staff_passwords_expire_after_ninety_days_and_residents_do_not() {
    let app = TestApp::new().await;
    app.clock.advance_ms(91 * 86_400_000);
    let staff = app.bearer("staff1").await;
    let r = app.get("/api/v1/cases", &staff).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "PASSWORD_EXPIRED")
    );
    let page = app.get("/cases", &staff).await;
    assert_eq!(page.location(), "/account/password?expired=1");
    let form = app.get("/account/password?expired=1", &staff).await;
    assert!(form.body.contains("超过90天"), "{}", form.body);
    let resident = app.bearer("resident1").await;
    assert_eq!(
        app.get("/api/v1/cases", &resident).await.status,
        StatusCode::OK
    );
    let r = app
        .post_json(
            "/api/v1/me/password",
            &staff,
            json!({"current": PASSWORD, "new": "社区工作换季新密码"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/cases", &staff).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn dormant_staff_accounts_are_disabled_and_their_sessions_end() {
    let app = TestApp::new().await;
    let old_token = app.bearer("staff1").await;
    app.clock.advance_ms(60 * 86_400_000);
    let street = app.bearer("street1").await;
    app.clock.advance_ms(31 * 86_400_000);
    let n = gongzhi_app::auth::service::disable_dormant(&app.st)
        .await
        .expect("housekeeping");
    assert!(n >= 1);
    let app = &app;
    let disabled = |name: &'static str| async move {
        app.scalar_i64(&format!(
            "select count(*) from users where username = '{name}' and disabled"
        ))
        .await
    };
    assert_eq!(disabled("staff1").await, 1, "91 days without a sign-in");
    assert_eq!(disabled("street1").await, 0, "signed in 31 days ago");
    assert_eq!(
        disabled("resident1").await,
        0,
        "residents are not disabled for rest"
    );
    assert_eq!(
        app.get("/api/v1/me", &old_token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "staff1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("user.dormant", "ok").await, n as i64);
    drop(street);
}

#[tokio::test]
async fn staff_sign_in_with_a_second_factor_and_no_code_works_twice() {
    use gongzhi_core::identity::totp;
    let app = TestApp::with_config(|c| c.require_totp = true).await;
    let login = |otp: Option<String>| {
        let app = &app;
        async move {
            let mut body = json!({"username": "admin", "password": PASSWORD});
            if let Some(o) = otp {
                body["otp"] = json!(o);
            }
            app.post_json("/api/v1/auth/login", &Auth::None, body).await
        }
    };
    // Not enrolled: signed in, but every call is the step-up challenge until enrolment.
    let r = login(None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let admin = Auth::Bearer(r.json()["token"].as_str().unwrap().to_string());
    let r = app.get("/api/v1/cases", &admin).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "TOTP_REQUIRED")
    );
    let browser = app.browser("staff1").await;
    let page = app.get("/cases", &browser).await;
    assert_eq!(page.location(), "/account/totp?required=1");
    let page = app.get("/account/totp", &browser).await;
    assert!(page.body.contains("须先开启两步验证"), "{}", page.body);
    // Residents are not asked.
    let resident = app.bearer("resident1").await;
    assert_eq!(
        app.get("/api/v1/cases", &resident).await.status,
        StatusCode::OK
    );

    // Enrolment: a secret, a wrong code refused, the right one turns it on.
    let r = app.post_json("/api/v1/me/totp", &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    assert!(
        r.json()["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let now = || app.st.now_ms();
    let code_now = || totp::code_at_step(&secret, totp::step_of(now())).unwrap();
    let wrong = if code_now() == "000000" {
        "111111"
    } else {
        "000000"
    };
    let r = app
        .post_json("/api/v1/me/totp/confirm", &admin, json!({"code": wrong}))
        .await;
    assert_eq!(r.error_code(), "TOTP_CODE_WRONG", "{}", r.body);
    let first = code_now();
    let r = app
        .post_json("/api/v1/me/totp/confirm", &admin, json!({"code": first}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let recovery: Vec<String> = serde_json::from_value(r.json()["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);
    assert_eq!(
        app.get("/api/v1/cases", &admin).await.status,
        StatusCode::OK
    );
    let r = app.post_json("/api/v1/me/totp", &admin, json!({})).await;
    assert_eq!(r.error_code(), "TOTP_ALREADY_ON");
    assert_eq!(app.audit_count("user.totp", "ok").await, 1);
    let sealed = app
        .scalar_text("select totp_sealed from users where username = 'admin'")
        .await
        .unwrap();
    assert!(!sealed.contains(&secret), "the secret is sealed at rest");

    // Signing in now needs the code; the code that confirmed is spent.
    let r = login(None).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "AUTH_OTP_REQUIRED")
    );
    let r = login(Some(first.clone())).await;
    assert_eq!(
        r.error_code(),
        "AUTH_OTP_INVALID",
        "a code used twice is refused"
    );
    app.clock.advance_ms(30_000);
    let next = code_now();
    let r = login(Some(next.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = login(Some(next)).await;
    assert_eq!(
        r.error_code(),
        "AUTH_OTP_INVALID",
        "a code used twice is refused"
    );
    // A recovery code works once, in any case.
    let r = login(Some(recovery[0].to_uppercase())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = login(Some(recovery[0].clone())).await;
    assert_eq!(r.error_code(), "AUTH_OTP_INVALID");
    let r = app.get("/api/v1/me/totp", &admin).await;
    assert_eq!(r.json()["recovery_codes_left"], 9);
    // A wrong password with a right code is still the one uniform refusal.
    app.clock.advance_ms(30_000);
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "admin", "password": "wrong-password", "otp": code_now()}),
        )
        .await;
    assert_eq!(r.error_code(), "AUTH_BAD_CREDENTIALS");
    // The login form asks for the code and says why.
    let page = app.get("/login", &Auth::None).await;
    assert!(page.body.contains("name=\"otp\""), "{}", page.body);

    // The operator's reset: the factor goes, the sessions end, enrolment is asked again.
    gongzhi_app::auth::service::totp::reset(&app.st, "admin", "cli")
        .await
        .unwrap();
    assert_eq!(
        app.get("/api/v1/me", &admin).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = login(None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let admin = Auth::Bearer(r.json()["token"].as_str().unwrap().to_string());
    assert_eq!(
        app.get("/api/v1/cases", &admin).await.error_code(),
        "TOTP_REQUIRED"
    );
}

#[tokio::test]
async fn the_second_factor_page_enrols_with_a_qr_code_and_shows_recovery_codes_once() {
    use gongzhi_core::identity::totp;
    let app = TestApp::with_config(|c| c.require_totp = true).await;
    let staff = app.browser("staff1").await;
    let r = app
        .post_form("/account/totp", &staff, &[("_csrf", &staff.csrf())])
        .await;
    assert_eq!(r.location(), "/account/totp");
    let page = app.get("/account/totp", &staff).await;
    assert!(page.body.contains("<svg"), "a QR code is drawn");
    let secret = app
        .scalar_text("select totp_sealed from users where username = 'staff1'")
        .await
        .map(|s| {
            app.st
                .cipher
                .decrypt(gongzhi_app::auth::service::TOTP_FIELD, &s)
                .unwrap()
        })
        .unwrap();
    assert!(page.body.contains(&secret), "the key is shown to type in");
    let code = totp::code_at_step(&secret, totp::step_of(app.st.now_ms())).unwrap();
    let r = app
        .post_form(
            "/account/totp/confirm",
            &staff,
            &[("_csrf", &staff.csrf()), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("两步验证已开启") && r.body.matches("<li><code>").count() == 10);
    let again = app.get("/account/totp", &staff).await;
    assert!(again.body.contains("剩余可用恢复码：10"), "{}", again.body);
    assert_eq!(again.body.matches("<li><code>").count(), 0, "shown once");
    assert_eq!(app.get("/cases", &staff).await.status, StatusCode::OK);
}

#[tokio::test]
async fn each_login_starts_a_new_session_and_a_pre_login_cookie_is_never_one() {
    let app = TestApp::new().await;
    // Before login the browser holds only a CSRF cookie; it does not sign anyone in.
    let page = app.get("/login", &Auth::None).await;
    let anon = page.cookie("gz_csrf").expect("csrf cookie");
    let fixated = Auth::Cookie {
        session: anon.clone(),
        csrf: anon.clone(),
        extra: String::new(),
    };
    assert_eq!(
        app.get("/api/v1/me", &fixated).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Two logins of one user: two different sessions, and neither is the pre-login value.
    let a = app.browser("staff1").await;
    let b = app.browser("staff1").await;
    let (Auth::Cookie { session: sa, .. }, Auth::Cookie { session: sb, .. }) = (&a, &b) else {
        panic!("cookie auth")
    };
    assert_ne!(sa, sb);
    assert_ne!(sa, &anon);
    // Only the token's hash is stored.
    assert_eq!(
        app.scalar_i64(&format!("select count(*) from sessions where id = '{sa}'"))
            .await,
        0
    );
}
