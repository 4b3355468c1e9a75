//! 时间银行 (issue 21, the fixed contract): volunteer1 records a service to elder1, pending;
//! it is credited exactly once, also under simultaneous confirmations by elder1, a guardian
//! and staff; strangers and the volunteer are told it does not exist; bad minutes are
//! refused with a code; every transfer is two movements summing to zero, the community's
//! bank account included.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

async fn balance(app: &TestApp, who: &str) -> i64 {
    let r = app
        .get("/api/v1/timebank/account", &app.bearer(who).await)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["balance_minutes"]
        .as_i64()
        .expect("balance_minutes")
}

async fn books_balance(app: &TestApp) {
    // Double entry: each transfer sums to zero; so do all movements, and every account
    // holds exactly the sum of its movements (no member below zero).
    assert_eq!(
        app.scalar_i64(
            "select count(*) from (select transfer_id from timebank_movements group by transfer_id having sum(minutes) <> 0 or count(*) <> 2) x"
        )
        .await,
        0
    );
    assert_eq!(
        app.scalar_i64("select cast(coalesce(sum(minutes), 0) as bigint) from timebank_movements")
            .await,
        0
    );
    assert_eq!(
        app.scalar_i64(
            "select count(*) from timebank_accounts a where a.user_id is not null and (select coalesce(sum(minutes), 0) from timebank_movements m where m.account_id = a.id) < 0"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_service_is_credited_exactly_once_and_only_the_recipient_a_guardian_or_staff_confirm() {
    let app = TestApp::new().await;
    let v = app.bearer("volunteer1").await;
    let before = balance(&app, "volunteer1").await;
    // The demo: last week's meal delivery is already credited; today's visit is pending.
    assert_eq!(before, 60);
    for bad in [0, -5, 1441] {
        let r = app
            .post_json(
                "/api/v1/timebank/services",
                &v,
                json!({"recipient": "elder1", "minutes": bad, "kind": "meal_delivery"}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
        assert_eq!(r.error_code(), "MINUTES_INVALID");
    }
    let r = app
        .post_json(
            "/api/v1/timebank/services",
            &app.bearer("resident1").await,
            json!({"recipient": "elder1", "minutes": 30, "kind": "companionship"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "VOLUNTEER_NOT_VERIFIED");
    let r = app
        .post_json(
            "/api/v1/timebank/services",
            &v,
            json!({"recipient": "elder1", "minutes": 45, "kind": "meal_delivery", "note": "送午餐"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["status"], "pending");
    let id = r.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/timebank/services/{id}/confirm");
    // Strangers and the volunteer: it does not exist for them.
    for who in ["resident1", "volunteer1", "unit-property1", "grid1"] {
        let r = app
            .post_json(&path, &app.bearer(who).await, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}: {}", r.body);
    }
    assert_eq!(balance(&app, "volunteer1").await, before, "nothing yet");
    // resident2 is elder1's guardian (a daughter living nearby).
    let elder = app.resident_id_of("elder1").await;
    let r = app
        .post_json(
            &format!("/api/v1/residents/{elder}/guardians"),
            &app.bearer("staff1").await,
            json!({"username": "resident2"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    // elder1, the guardian and staff confirm at the same moment, twice each.
    let mut auths = vec![];
    for who in ["elder1", "resident2", "staff1"] {
        let a = app.bearer(who).await;
        auths.push(a.clone());
        auths.push(a);
    }
    let calls = auths.iter().map(|a| app.post_json(&path, a, json!({})));
    let answers = futures_util::future::join_all(calls).await;
    let ok = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    let again = answers
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT && r.error_code() == "SERVICE_CONFIRMED")
        .count();
    assert_eq!(
        (ok, again),
        (1, 5),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(
        balance(&app, "volunteer1").await,
        before + 45,
        "credited once"
    );
    let r = app
        .post_json(&path, &app.bearer("elder1").await, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let seen = app
        .get(
            &format!("/api/v1/timebank/services/{id}"),
            &app.bearer("elder1").await,
        )
        .await
        .json();
    assert_eq!(seen["status"], "confirmed");
    assert!(
        seen["provider"].as_str().unwrap().contains('*'),
        "masked: {seen}"
    );
    // elder1 was not charged: the community's bank owes the hours.
    assert_eq!(balance(&app, "elder1").await, 0);
    assert_eq!(
        app.scalar_i64("select count(*) from timebank_movements m join timebank_accounts a on a.id = m.account_id where a.user_id is null and m.minutes = -45")
            .await,
        1
    );
    books_balance(&app).await;
    assert_eq!(app.audit_count("timebank.confirm", "ok").await, 2);
}

#[tokio::test]
async fn the_demo_s_pending_visit_is_confirmed_by_elder1_who_sees_it_on_their_account() {
    let app = TestApp::new().await;
    let e = app.bearer("elder1").await;
    let acc = app.get("/api/v1/timebank/account", &e).await.json();
    let pending: Vec<i64> = acc["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "pending" && s["may_confirm"] == true)
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(pending.len(), 1, "{acc}");
    let v = balance(&app, "volunteer1").await;
    let r = app
        .post_json(
            &format!("/api/v1/timebank/services/{}/confirm", pending[0]),
            &e,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(balance(&app, "volunteer1").await, v + 90);
    books_balance(&app).await;
}
