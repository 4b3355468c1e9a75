//! Individuals' rights (security checklist 10, 11, 14): cancellation that erases and keeps
//! the books, restores that do not bring people back, rights requests with due dates.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{Auth, PASSWORD, TestApp, scratch_url};

async fn books(app: &TestApp) -> String {
    app.scalar_text("select count(*) || ':' || coalesce(sum(amount_fen), 0) from fund_movements")
        .await
        .unwrap_or_default()
}

#[tokio::test]
async fn cancelling_an_account_erases_the_person_and_keeps_the_books() {
    let app = TestApp::demo().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let export = app.get("/api/v1/me/export", &r1).await.json();
    let phone = export["resident"]["phone"].as_str().unwrap().to_string();
    let id_number = export["resident"]["id_number"]
        .as_str()
        .unwrap()
        .to_string();
    let resident_id = app.resident_id_of("resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": format!("门口井盖松了，联系我{phone}"), "lng": lng, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let case_id = r.json()["id"].as_i64().unwrap();
    let before = books(&app).await;
    assert!(!before.starts_with("0:"), "the demo keeps books: {before}");

    // Staff accounts are disabled by an administrator, not cancelled by their holder.
    let r = app
        .post_json(
            "/api/v1/me/cancel",
            &app.bearer("staff1").await,
            json!({"password": PASSWORD}),
        )
        .await;
    assert_eq!(r.error_code(), "CANCEL_NOT_FOR_STAFF");
    let r = app
        .post_json(
            "/api/v1/me/cancel",
            &r1,
            json!({"password": "not-my-password"}),
        )
        .await;
    assert_eq!(r.error_code(), "PASSWORD_CURRENT_WRONG");
    let r = app
        .post_json("/api/v1/me/cancel", &r1, json!({"password": PASSWORD}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // Signed out and unable to sign in.
    assert_eq!(
        app.get("/api/v1/me", &r1).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "resident1", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.error_code(), "AUTH_BAD_CREDENTIALS");
    // Staff find nobody by the old phone or ID number; the record reads as erased.
    let staff = app.bearer("staff1").await;
    let found = app
        .get(&format!("/api/v1/residents?phone={phone}"), &staff)
        .await;
    assert_eq!(found.json()["total"], 0, "{}", found.body);
    let by_id = gongzhi_app::residents::service::find_by_id_number(
        &app.st,
        &gongzhi_app::auth::service::acting_as(&app.st, "staff1")
            .await
            .unwrap(),
        &id_number,
    )
    .await;
    assert!(by_id.is_err(), "not found by the old ID number");
    let v = app
        .get(&format!("/api/v1/residents/{resident_id}"), &staff)
        .await;
    assert_eq!(v.json()["name"], "已注销", "{}", v.body);
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from case_reporters where case_id = {case_id} and original_sealed is not null"
        ))
        .await,
        0,
        "the text as typed is gone"
    );
    let shown = app.get(&format!("/api/v1/cases/{case_id}"), &staff).await;
    assert_eq!(
        shown.status,
        StatusCode::OK,
        "the case stays the community's record"
    );
    assert!(!shown.body.contains(&phone));
    // The books are untouched; the account is a pseudonym; one audit record.
    assert_eq!(books(&app).await, before);
    let name = app
        .scalar_text(&format!(
            "select username from users where resident_id = {resident_id}"
        ))
        .await
        .unwrap();
    assert!(name.starts_with("cancelled-"), "{name}");
    assert_eq!(app.audit_count("user.cancel", "ok").await, 1);
    assert_eq!(
        app.scalar_i64("select count(*) from tombstones where kind = 'user'")
            .await,
        1
    );
}

#[tokio::test]
async fn restoring_a_backup_does_not_bring_back_cancelled_people() {
    let journal_dir = tempfile::tempdir().unwrap();
    let journal = journal_dir.path().join("tombstones.jsonl");
    let j = journal.clone();
    let app = TestApp::with_config(move |c| c.tombstone_journal = Some(j)).await;
    let backup_file = journal_dir.path().join("backup.bin");
    gongzhi_app::ops::backup::backup(&app.st.db, &app.db_url(), &backup_file)
        .await
        .expect("backup");
    // After the backup, resident2 cancels.
    let r2 = app.bearer("resident2").await;
    let id = app
        .scalar_i64("select id from users where username = 'resident2'")
        .await;
    let r = app
        .post_json("/api/v1/me/cancel", &r2, json!({"password": PASSWORD}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(
        std::fs::read_to_string(&journal)
            .unwrap()
            .contains(&format!("\"user\":{id}"))
    );

    // Restore the backup into a new database: resident2 is back in the copy…
    let (url, _scratch) = scratch_url().await;
    gongzhi_app::ops::backup::restore(&backup_file, &url)
        .await
        .expect("restore");
    // A non-empty target is refused, nothing overwritten.
    assert!(
        gongzhi_app::ops::backup::restore(&backup_file, &url)
            .await
            .is_err()
    );
    let j = journal.clone();
    let restored = app
        .on_database(&url, move |c| c.tombstone_journal = Some(j))
        .await;
    assert_eq!(
        restored
            .scalar_i64("select count(*) from users where username = 'resident2'")
            .await,
        1,
        "the backup predates the cancellation"
    );
    // …until the journal is replayed, which the restore command always does.
    let (n, again) = gongzhi_app::rights::service::replay_tombstones(&restored.st, &journal)
        .await
        .expect("replay");
    assert_eq!((n, again), (1, 1));
    let r = restored
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            json!({"username": "resident2", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.error_code(), "AUTH_BAD_CREDENTIALS");
    assert_eq!(
        restored
            .scalar_text(&format!("select username from users where id = {id}"))
            .await
            .unwrap(),
        format!("cancelled-{id}")
    );
    // Replaying again changes nothing more; the restored audit chain verifies.
    let (_, again) = gongzhi_app::rights::service::replay_tombstones(&restored.st, &journal)
        .await
        .unwrap();
    assert_eq!(again, 0);
    gongzhi_app::audit::service::seal(&restored.st.db)
        .await
        .unwrap();
    assert!(matches!(
        gongzhi_app::audit::service::verify(&restored.st.db)
            .await
            .unwrap(),
        gongzhi_app::audit::service::Verdict::Intact { .. }
    ));
    restored.st.db.close().await;
}

#[tokio::test]
async fn rights_requests_are_due_in_thirty_days_and_refusals_need_a_reason() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let r = app
        .post_json(
            "/api/v1/me/requests",
            &r1,
            json!({"kind": "access", "detail": "请提供我去年12345来电的录音，我的电话13912345678"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let due = r.json()["due_at_ms"].as_i64().unwrap();
    assert_eq!(
        due - r.json()["created_at_ms"].as_i64().unwrap(),
        30 * 86_400_000
    );
    assert!(r.body.contains("139****5678") && !r.body.contains("13912345678"));
    let r = app
        .post_json(
            "/api/v1/me/requests",
            &r1,
            json!({"kind": "gossip", "detail": "x"}),
        )
        .await;
    assert_eq!(r.error_code(), "REQUEST_KIND_UNKNOWN");
    // Only street staff answer; community staff and residents are refused.
    assert_eq!(
        app.get("/api/v1/rights/requests", &app.bearer("staff1").await)
            .await
            .error_code(),
        "ROLE_FORBIDDEN"
    );
    let street = app.bearer("street1").await;
    let list = app.get("/api/v1/rights/requests", &street).await;
    assert_eq!(list.json().as_array().unwrap().len(), 1, "{}", list.body);
    assert_eq!(
        app.get("/api/v1/rights/requests?overdue=true", &street)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Past the due date it is on the overdue list.
    app.clock.advance_ms(31 * 86_400_000);
    let street = app.bearer("street1").await;
    let overdue = app
        .get("/api/v1/rights/requests?overdue=true", &street)
        .await;
    assert_eq!(overdue.json()[0]["id"], id, "{}", overdue.body);
    assert_eq!(overdue.json()[0]["overdue"], true);
    let path = format!("/api/v1/rights/requests/{id}");
    let r = app
        .post_json(&path, &street, json!({"action": "refuse"}))
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "REFUSAL_REASON_REQUIRED")
    );
    let r = app
        .post_json(&path, &street, json!({"action": "refuse", "reason": "  "}))
        .await;
    assert_eq!(r.error_code(), "REFUSAL_REASON_REQUIRED");
    assert_eq!(
        app.post_json(&path, &street, json!({"action": "start"}))
            .await
            .json()["status"],
        "in_progress"
    );
    let r = app
        .post_json(
            &path,
            &street,
            json!({"action": "refuse", "reason": "录音已按规定在6个月后删除"}),
        )
        .await;
    assert_eq!(r.json()["status"], "refused", "{}", r.body);
    let r = app
        .post_json(&path, &street, json!({"action": "done"}))
        .await;
    assert_eq!(
        r.error_code(),
        "REQUEST_STATE_INVALID",
        "closed stays closed"
    );
    assert_eq!(
        app.get("/api/v1/rights/requests?overdue=true", &street)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let r1 = app.bearer("resident1").await;
    let mine = app.get("/api/v1/me/requests", &r1).await;
    assert_eq!(mine.json()[0]["reason"], "录音已按规定在6个月后删除");
    // Another resident's request is not the caller's to see.
    let other = app
        .get("/api/v1/me/requests", &app.bearer("resident2").await)
        .await;
    assert_eq!(other.json().as_array().unwrap().len(), 0);
    assert!(app.audit_count("rights.request", "ok").await >= 3);
}
