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
    assert_eq!(app.audit_count("timebank.confirm", "ok").await, 3);
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

/// `days` from today at `hh:mm` China time (ms) and as a datetime-local input.
fn local(now: i64, days: i64, hh: u32) -> (i64, String) {
    use chrono::TimeZone;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let d = tz.timestamp_millis_opt(now).unwrap().date_naive() + chrono::Duration::days(days);
    let t = tz
        .from_local_datetime(&d.and_hms_opt(hh, 0, 0).unwrap())
        .unwrap();
    (t.timestamp_millis(), t.format("%Y-%m-%dT%H:%M").to_string())
}

/// 时间银行 (issue 21, second part) — the "done when" walk: staff enter a meal-delivery
/// request for elder1 (no phone), the batch matches volunteer1 with the reasons shown,
/// volunteer1 sees elder1's health note only once serving, checks in at elder1's building
/// (not 1 km away) and out an hour later; elder1 confirms and the hour is credited once. A
/// visit nobody checked in raises one welfare alert to staff; a kind nobody offers stays
/// open and says why.
#[tokio::test]
async fn a_request_entered_by_staff_is_matched_visited_and_credited_once() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let vol = app.bearer("volunteer1").await;
    let elder = app.bearer("elder1").await;
    let before = balance(&app, "volunteer1").await;
    let (wanted, input) = local(app.st.now_ms(), 1, 10);
    let r = app
        .post_json(
            "/api/v1/timebank/requests",
            &staff,
            json!({"for": "elder1", "kind": "meal_delivery", "minutes": 60, "wanted_at": input, "note": "午餐一份"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["status"], "open");
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        app.scalar_text(&format!(
            "select channel from timebank_requests where id = {id}"
        ))
        .await
        .as_deref(),
        Some("staff")
    );
    // A haircut nobody offers stays open and says why; a bad time is refused.
    let r = app
        .post_json(
            "/api/v1/timebank/requests",
            &staff,
            json!({"for": "elder1", "kind": "haircut", "minutes": 30, "wanted_at": input}),
        )
        .await;
    let haircut = r.json()["id"].as_i64().unwrap();
    let r = app
        .post_json(
            "/api/v1/timebank/requests",
            &elder,
            json!({"kind": "meal_delivery", "minutes": 60, "wanted_at": "2020-01-01T10:00"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["code"], "WANTED_AT_INVALID");
    // Residents cannot run the batch.
    let r = app
        .post_json("/api/v1/timebank/match", &elder, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .post_json("/api/v1/timebank/match", &staff, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let batch = r.json();
    let m = batch["matched"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["request"] == id)
        .expect("matched")
        .clone();
    assert!(m["reason"]["walk_m"].as_i64().unwrap() < 2_000);
    assert_eq!(m["reason"]["how"], "batch");
    let left = batch["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["request"] == haircut)
        .expect("the haircut stays open")
        .clone();
    assert_eq!(left["reason"], "skill");
    // Strangers do not see it; the volunteer sees no health note the day before.
    let path = format!("/api/v1/timebank/requests/{id}");
    let r = app.get(&path, &app.bearer("resident1").await).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get(&path, &vol).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "matched");
    assert!(r.json()["health_note"].is_null(), "not yet serving");
    assert_eq!(r.json()["may_checkin"], false);
    let r = app
        .post_json(
            &format!("{path}/checkin"),
            &vol,
            json!({"lng": 118.0, "lat": 32.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["errors"][0]["code"], "CHECKIN_TOO_EARLY");
    // Ten minutes before the time: the note shows, check-in 1 km away is refused.
    app.clock.advance_ms(wanted - 600_000 - app.st.now_ms());
    // Sessions do not outlive a day of the test clock: sign in again.
    let (vol, elder) = (app.bearer("volunteer1").await, app.bearer("elder1").await);
    let r = app.get(&path, &vol).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.json()["health_note"].as_str().unwrap().contains("青霉素"),
        "{}",
        r.body
    );
    assert_eq!(app.audit_count("timebank.health_note.read", "ok").await, 1);
    let (lng, lat) = crate::support::home_of(&app, "elder1").await;
    let r = app
        .post_json(
            &format!("{path}/checkin"),
            &vol,
            json!({"lng": lng + 0.011, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "CHECKIN_TOO_FAR");
    let r = app
        .post_json(
            &format!("{path}/checkin"),
            &app.bearer("staff1").await,
            json!({"lng": lng, "lat": lat}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "only the matched volunteer checks in"
    );
    let r = app
        .post_json(
            &format!("{path}/checkin"),
            &vol,
            json!({"lng": lng + 0.0002, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "visiting");
    assert!(r.json()["checkin_m"].as_i64().unwrap() < 50);
    app.clock.advance_ms(60 * 60_000);
    let r = app
        .post_json(
            &format!("{path}/checkout"),
            &vol,
            json!({"lng": lng, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "done");
    let service = r.json()["service_id"].as_i64().unwrap();
    let s = app
        .get(&format!("/api/v1/timebank/services/{service}"), &elder)
        .await;
    assert_eq!(s.json()["minutes"], 60);
    assert!(s.json()["checkin_at_ms"].is_i64() && s.json()["checkout_at_ms"].is_i64());
    assert!(r.json()["health_note"].is_null(), "no longer serving");
    let confirm = format!("/api/v1/timebank/services/{service}/confirm");
    let r = app.post_json(&confirm, &elder, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.post_json(&confirm, &elder, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        balance(&app, "volunteer1").await,
        before + 60,
        "credited once"
    );
    books_balance(&app).await;

    // A matched visit nobody checked in: one welfare alert an hour later, to staff.
    let (_, input) = local(app.st.now_ms(), 0, 23);
    let r = app
        .post_json(
            "/api/v1/timebank/requests",
            &elder,
            json!({"kind": "companionship", "minutes": 60, "wanted_at": input}),
        )
        .await;
    let lonely = r.json()["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/timebank/requests/{lonely}/take"),
            &vol,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["reason"]["how"], "taken");
    let r = app
        .post_json(
            &format!("/api/v1/timebank/requests/{lonely}/take"),
            &vol,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        gongzhi_app::timebank::service::requests::alert_missed(&app.st)
            .await
            .unwrap(),
        0,
        "not due yet"
    );
    app.clock.advance_ms(26 * 3_600_000);
    let staff = app.bearer("staff1").await;
    // This one and the demo's lunch tomorrow (taken by volunteer1, never checked in).
    let due = app
        .scalar_i64("select count(*) from timebank_requests where status = 'matched'")
        .await;
    assert!(due >= 1);
    assert_eq!(
        gongzhi_app::timebank::service::requests::alert_missed(&app.st)
            .await
            .unwrap(),
        due as usize
    );
    assert_eq!(
        gongzhi_app::timebank::service::requests::alert_missed(&app.st)
            .await
            .unwrap(),
        0,
        "once"
    );
    assert!(
        app.scalar_i64("select count(*) from notifications n join users u on u.id = n.user_id where u.username = 'staff1' and n.kind = 'welfare'")
            .await
            >= 1
    );
    let r = app
        .get(&format!("/api/v1/timebank/requests/{lonely}"), &staff)
        .await;
    assert!(r.json()["alerted_at_ms"].is_i64(), "{}", r.body);
}

/// Spending: simultaneous redemptions of the last hour — one succeeds, none goes below
/// zero, stock moves once; a gift to family in another community of the street is two
/// transfers, one per bank, each community still summing to zero; a gift to a stranger is
/// refused. Then a month is published on the ledger once, and a certificate is checked by
/// anyone with the name masked.
#[tokio::test]
async fn spends_of_the_last_hour_never_go_negative_and_figures_reach_the_ledger() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let vol = app.bearer("volunteer1").await;
    let have = balance(&app, "volunteer1").await;
    assert!(have > 0);
    let r = app
        .post_json(
            "/api/v1/timebank/items",
            &staff,
            json!({"name": "一桶油", "minutes": have, "stock": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let item = r.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/timebank/items/{item}/redeem");
    let calls = (0..6).map(|_| app.post_json(&path, &vol, json!({})));
    let answers = futures_util::future::join_all(calls).await;
    let ok = answers
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        answers.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    for r in answers.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.json()["errors"][0]["code"], "TIMEBANK_INSUFFICIENT");
    }
    assert_eq!(balance(&app, "volunteer1").await, 0);
    assert_eq!(
        app.scalar_i64(&format!(
            "select stock from timebank_items where id = {item}"
        ))
        .await,
        9
    );
    books_balance(&app).await;

    // A family member in another community of the street (volunteer1 is her guardian).
    let v = app.resident_id_of("volunteer1").await;
    let other = app
        .scalar_i64(&format!(
            "select min(r.id) from residents r join residents me on me.id = {v} \
             where r.street_id = me.street_id and r.community_id <> me.community_id"
        ))
        .await;
    gongzhi_app::auth::service::create_user(
        &app.st,
        gongzhi_app::auth::service::Who::System("test"),
        &gongzhi_app::auth::service::UserSpec {
            username: "daughter",
            display_name: "女儿",
            password: crate::support::PASSWORD,
            role: gongzhi_core::identity::Role::Resident,
            scope: gongzhi_core::identity::Scope::OwnResident(other),
            resident_id: Some(other),
        },
    )
    .await
    .expect("daughter");
    let r = app
        .post_json(
            &format!("/api/v1/residents/{other}/guardians"),
            &app.bearer("street1").await,
            json!({"username": "volunteer1"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    // Earn an hour first (staff confirm a service volunteer1 logged).
    let r = app
        .post_json(
            "/api/v1/timebank/services",
            &vol,
            json!({"recipient": "elder1", "minutes": 90, "kind": "shopping"}),
        )
        .await;
    let s = r.json()["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/timebank/services/{s}/confirm"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(
            "/api/v1/timebank/gifts",
            &vol,
            json!({"to": "resident1", "minutes": 10}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "GIFT_NOT_FAMILY");
    let r = app
        .post_json(
            "/api/v1/timebank/gifts",
            &vol,
            json!({"to": "daughter", "minutes": 200}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app
        .post_json(
            "/api/v1/timebank/gifts",
            &vol,
            json!({"to": "daughter", "minutes": 60, "note": "给女儿"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["balance_minutes"], 30);
    assert_eq!(balance(&app, "daughter").await, 60);
    assert_eq!(
        app.scalar_i64("select count(*) from timebank_interbank")
            .await,
        1
    );
    // Each community's movements sum to zero.
    assert_eq!(
        app.scalar_i64(
            "select count(*) from (select t.community_id from timebank_movements m join timebank_transfers t on t.id = m.transfer_id \
             group by t.community_id having sum(m.minutes) <> 0) x"
        )
        .await,
        0
    );
    books_balance(&app).await;

    // The month: figures now, published after its end, once.
    let month = gongzhi_app::timebank::service::spend::this_month(app.st.now_ms());
    let r = app
        .get(&format!("/api/v1/timebank/months/{month}"), &staff)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let m = r.json();
    assert!(m["volunteers"].as_i64().unwrap() >= 1);
    let minutes: i64 = app
        .scalar_i64(
            "select cast(sum(minutes) as bigint) from timebank_services where status = 'confirmed'",
        )
        .await;
    assert_eq!(m["minutes"], minutes, "every confirmed minute this month");
    let r = app
        .post_json(
            &format!("/api/v1/timebank/months/{month}/publish"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["errors"][0]["code"], "MONTH_NOT_OVER");
    app.clock.advance_ms(32 * 86_400_000);
    let staff = app.bearer("staff1").await;
    let r = app
        .post_json(
            &format!("/api/v1/timebank/months/{month}/publish"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let index = r.json()["ledger_index"].as_i64().unwrap();
    let e = app
        .get(
            &format!("/api/v1/ledger/entries/{index}"),
            &app.bearer("resident1").await,
        )
        .await;
    assert_eq!(e.status, StatusCode::OK, "{}", e.body);
    let r = app
        .post_json(
            &format!("/api/v1/timebank/months/{month}/publish"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(r.json()["errors"][0]["code"], "MONTH_PUBLISHED");

    // A certificate: full name to staff, masked to anyone else; unknown codes are 404.
    let r = app
        .post_json(
            "/api/v1/timebank/certificates",
            &staff,
            json!({"username": "volunteer1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.json()["code"].as_str().unwrap().to_string();
    let to_staff = app
        .get(&format!("/api/v1/timebank/certificates/{code}"), &staff)
        .await;
    let anyone = app
        .get(
            &format!("/api/v1/timebank/certificates/{code}"),
            &crate::support::Auth::None,
        )
        .await;
    assert_eq!(anyone.status, StatusCode::OK, "{}", anyone.body);
    assert_eq!(anyone.json()["minutes"], to_staff.json()["minutes"]);
    assert!(anyone.json()["name"].as_str().unwrap().contains('*'));
    assert!(!to_staff.json()["name"].as_str().unwrap().contains('*'));
    let page = app
        .get(
            &format!("/timebank/certificates/{code}"),
            &crate::support::Auth::None,
        )
        .await;
    assert!(page.body.contains("<svg"), "the QR code");
    let r = app
        .get(
            "/api/v1/timebank/certificates/NOPE",
            &crate::support::Auth::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
