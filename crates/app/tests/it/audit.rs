//! The audit trail: recorded with each change, append-only, and tamper-evident.

use axum::http::StatusCode;
use gongzhi_app::audit::service::{Verdict, verify};
use gongzhi_core::audit::ChainBreak;
use serde_json::json;

use crate::support::{Auth, PASSWORD, TestApp};

async fn some_activity(app: &TestApp) {
    for u in ["staff1", "grid1", "admin"] {
        let a = app.bearer(u).await;
        app.post_json("/api/v1/auth/logout", &a, json!({})).await;
    }
    app.post_json(
        "/api/v1/auth/login",
        &Auth::None,
        json!({"username": "staff1", "password": "nope-nope"}),
    )
    .await;
}

#[tokio::test]
async fn records_carry_who_what_object_when_where_and_result() {
    let app = TestApp::new().await;
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "staff1", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let actor = app
        .scalar_text(
            "select actor from audit_log where action = 'auth.login' and result = 'failed'",
        )
        .await;
    assert_eq!(actor.as_deref(), Some("staff1"));
    let object = app.scalar_text("select object_type || ':' || object_id from audit_log where action = 'auth.login' and result = 'failed'").await;
    let uid = app
        .scalar_i64("select id from users where username = 'staff1'")
        .await;
    assert_eq!(object, Some(format!("user:{uid}")));
    let at = app
        .scalar_i64("select at_ms from audit_log where action = 'auth.login' and result = 'failed'")
        .await;
    assert!((app.st.now_ms() - at).abs() < 60_000);
    // Every demo user's creation is recorded too.
    assert_eq!(app.audit_count("user.create", "ok").await, 16);
}

#[tokio::test]
async fn the_chain_verifies_and_the_database_refuses_edits() {
    let app = TestApp::new().await;
    some_activity(&app).await;
    let n = app.scalar_i64("select count(*) from audit_log").await;
    assert_eq!(
        verify(&app.st.db).await.expect("verify"),
        Verdict::Intact { records: n as u64 }
    );
    assert!(
        app.exec("update audit_log set actor = 'someone' where seq = 3")
            .await
            .is_err(),
        "UPDATE is refused"
    );
    assert!(
        app.exec("delete from audit_log where seq = 3")
            .await
            .is_err(),
        "DELETE is refused"
    );
}

async fn drop_guards(app: &TestApp) {
    if app.is_pg() {
        app.exec("drop trigger audit_log_no_update on audit_log")
            .await
            .expect("drop trigger");
    } else {
        app.exec("drop trigger audit_log_no_update")
            .await
            .expect("drop trigger");
        app.exec("drop trigger audit_log_no_delete")
            .await
            .expect("drop trigger");
    }
}

#[tokio::test]
async fn an_edited_record_is_named() {
    let app = TestApp::new().await;
    some_activity(&app).await;
    drop_guards(&app).await;
    app.exec("update audit_log set result = 'tampered' where seq = 14")
        .await
        .expect("tamper");
    assert_eq!(
        verify(&app.st.db).await.expect("verify"),
        Verdict::Broken(ChainBreak::Altered { seq: 14 })
    );
}

#[tokio::test]
async fn a_removed_record_is_named_even_at_the_end() {
    let app = TestApp::new().await;
    some_activity(&app).await;
    drop_guards(&app).await;
    app.exec("delete from audit_log where seq = 5")
        .await
        .expect("tamper");
    assert_eq!(
        verify(&app.st.db).await.expect("verify"),
        Verdict::Broken(ChainBreak::Missing {
            expected: 5,
            found: 6
        })
    );

    let app = TestApp::new().await;
    some_activity(&app).await;
    drop_guards(&app).await;
    let last = app.scalar_i64("select max(seq) from audit_log").await;
    app.exec(&format!("delete from audit_log where seq = {last}"))
        .await
        .expect("tamper");
    assert_eq!(
        verify(&app.st.db).await.expect("verify"),
        Verdict::Broken(ChainBreak::Missing {
            expected: last,
            found: last
        })
    );
}

#[tokio::test]
async fn only_auditors_read_the_audit_page() {
    let app = TestApp::new().await;
    let auditor = app.browser("auditor1").await;
    let page = app.get("/audit", &auditor).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("auth.login"));
    let admin = app.browser("admin").await;
    let refused = app.get("/audit", &admin).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "separation of duties: admins do not read the audit trail"
    );
    assert!(refused.body.contains("无权"));
}

/// Records written from many tasks while several sealers run at once end up in one chain,
/// each exactly once, and the chain verifies.
#[tokio::test]
async fn concurrent_writers_and_sealers_make_one_chain() {
    use gongzhi_app::audit::{Actor, Event, record_alone, seal};
    let app = TestApp::new().await;
    let before = app.scalar_i64("select count(*) from audit_log").await;
    let writers = (0..4).map(|w| {
        let db = app.st.db.clone();
        tokio::spawn(async move {
            for i in 0..25 {
                record_alone(
                    &db,
                    i,
                    &Actor::system(),
                    Event::ok("test.concurrent", "test", w * 100 + i),
                )
                .await
                .expect("record");
            }
        })
    });
    let sealers = (0..3).map(|_| {
        let db = app.st.db.clone();
        tokio::spawn(async move {
            for _ in 0..20 {
                seal(&db).await.expect("seal");
                tokio::task::yield_now().await;
            }
        })
    });
    let all: Vec<_> = writers.chain(sealers).collect();
    for t in all {
        t.await.expect("task");
    }
    let n = app.scalar_i64("select count(*) from audit_log").await;
    assert_eq!(n - before, 100, "every record sealed once");
    assert_eq!(
        app.scalar_i64(
            "select count(distinct object_id) from audit_log where action = 'test.concurrent'"
        )
        .await,
        100
    );
    assert_eq!(
        app.scalar_i64("select count(*) from audit_pending").await,
        0
    );
    assert_eq!(
        verify(&app.st.db).await.expect("verify"),
        Verdict::Intact { records: n as u64 }
    );
}

/// Security checklist 31: each kind of security event, triggered once through the API,
/// leaves exactly one record with who (id and name), what, which object, when, where from
/// and the result — refusals included.
#[tokio::test]
async fn every_security_event_leaves_exactly_one_complete_record() {
    use axum::http::Method;
    let app = TestApp::new().await;
    const IP: &str = "198.51.100.23";
    let login = |name: &'static str, pw: &'static str| {
        let app = &app;
        async move {
            app.send_from(
                IP,
                Method::POST,
                "/api/v1/auth/login",
                &Auth::None,
                Some(json!({"username": name, "password": pw})),
            )
            .await
        }
    };
    let token =
        |r: &crate::support::Resp| Auth::Bearer(r.json()["token"].as_str().unwrap().to_string());
    let community = app
        .scalar_text("select code from org_units where level = 'community' order by id limit 1")
        .await
        .unwrap();
    let other = app.resident_id_of("resident2").await;
    let mine = app.resident_id_of("resident1").await;
    // (action, result, expected actor, the step)
    type Step<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>>;
    let r1 = token(&login("resident1", PASSWORD).await);
    let grid = token(&login("grid1", PASSWORD).await);
    let admin = token(&login("admin", PASSWORD).await);
    let steps: Vec<(&str, &str, &str, Step)> = vec![
        (
            "auth.login",
            "ok",
            "staff1",
            Box::pin(async {
                assert_eq!(login("staff1", PASSWORD).await.status, StatusCode::OK);
            }),
        ),
        (
            "auth.login",
            "failed",
            "street1",
            Box::pin(async {
                assert_eq!(
                    login("street1", "wrong-password").await.status,
                    StatusCode::UNAUTHORIZED
                );
            }),
        ),
        (
            "access.denied",
            "denied",
            "resident1",
            Box::pin(async {
                let r = app
                    .send_from(
                        IP,
                        Method::GET,
                        &format!("/api/v1/residents/{other}"),
                        &r1,
                        None,
                    )
                    .await;
                assert_eq!(r.status, StatusCode::NOT_FOUND);
            }),
        ),
        (
            "pii.reveal",
            "ok",
            "grid1",
            Box::pin(async {
                let r = app
                    .send_from(
                        IP,
                        Method::POST,
                        &format!("/api/v1/residents/{mine}/reveal"),
                        &grid,
                        Some(json!({"field": "phone", "reason": "走访前联系"})),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            }),
        ),
        (
            "pi.export",
            "ok",
            "resident1",
            Box::pin(async {
                let r = app
                    .send_from(IP, Method::GET, "/api/v1/me/export", &r1, None)
                    .await;
                assert_eq!(r.status, StatusCode::OK);
            }),
        ),
        (
            "org.route",
            "ok",
            "admin",
            Box::pin(async {
                let r = app.send_from(IP, Method::PUT, "/api/v1/org/routes", &admin,
                Some(json!({"community": community, "category": "FAC.LIGHT", "unit": "WATER"}))).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            }),
        ),
        (
            "consent.grant",
            "ok",
            "resident1",
            Box::pin(async {
                let r = app
                    .send_from(
                        IP,
                        Method::POST,
                        "/api/v1/me/consents",
                        &r1,
                        Some(json!({"purposes": ["notify_external"]})),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK);
            }),
        ),
        (
            "consent.withdraw",
            "ok",
            "resident1",
            Box::pin(async {
                let r = app
                    .send_from(
                        IP,
                        Method::DELETE,
                        "/api/v1/me/consents/notify_external",
                        &r1,
                        None,
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK);
            }),
        ),
        (
            "user.password",
            "ok",
            "resident1",
            Box::pin(async {
                let r = app
                    .send_from(
                        IP,
                        Method::POST,
                        "/api/v1/me/password",
                        &r1,
                        Some(json!({"current": PASSWORD, "new": "换一个不常见的口令2026"})),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
            }),
        ),
        (
            "user.cancel",
            "ok",
            "resident1",
            Box::pin(async {
                let r = app
                    .send_from(
                        IP,
                        Method::POST,
                        "/api/v1/me/cancel",
                        &r1,
                        Some(json!({"password": "换一个不常见的口令2026"})),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
            }),
        ),
    ];
    for (action, result, actor, step) in steps {
        let before = app.audit_count(action, result).await;
        step.await;
        assert_eq!(
            app.audit_count(action, result).await,
            before + 1,
            "{action}/{result}: one record"
        );
        let row = app
            .scalar_text(&format!(
                "select actor || '|' || coalesce(cast(actor_id as text), '') || '|' || object_type || '|' || coalesce(object_id, '') || '|' || coalesce(ip, '') || '|' || cast(at_ms as text) \
                 from audit_log where action = '{action}' and result = '{result}' order by seq desc limit 1"
            ))
            .await
            .unwrap();
        let f: Vec<&str> = row.split('|').collect();
        assert_eq!(f[0], actor, "{action}: who (name) in {row}");
        assert!(!f[1].is_empty(), "{action}: who (id) in {row}");
        assert!(
            !f[2].is_empty() && !f[3].is_empty(),
            "{action}: which object in {row}"
        );
        assert_eq!(f[4], IP, "{action}: from where in {row}");
        let at: i64 = f[5].parse().unwrap();
        assert!(
            (app.st.now_ms() - at).abs() < 60_000,
            "{action}: when in {row}"
        );
    }
}
