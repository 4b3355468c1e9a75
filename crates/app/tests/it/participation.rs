//! 议事协商 (issue 19): suggestions through their course with support and merging, the
//! monthly 落实率 from rows, a matter reaching the agenda, and a meeting with its notice,
//! QR check-in, attendance marked by staff, minutes on the ledger and decisions followed.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;

async fn raise(app: &TestApp, who: &str, body: Value) -> i64 {
    let r = app
        .post_json("/api/v1/suggestions", &app.bearer(who).await, body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

fn find(list: &Value, id: i64) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} in {list}"))
}

#[tokio::test]
async fn a_suggestion_goes_from_received_to_implemented_and_the_rates_count_the_rows() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let r2 = app.bearer("resident2").await;
    let staff = app.bearer("staff1").await;
    let id = raise(
        &app,
        "resident1",
        json!({"kind": "suggestion", "title": "单元门口加装扶手", "body": "台阶高，老人进出不方便"}),
    )
    .await;
    // A resident cannot pose as staff entering for someone else.
    let r = app
        .post_json(
            "/api/v1/suggestions",
            &r1,
            json!({"kind": "suggestion", "title": "x", "body": "y", "channel": "corner"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Staff enter one from the 议事角 (paper), with no phone given.
    let paper = raise(
        &app,
        "staff1",
        json!({"kind": "suggestion", "title": "单元门口加装扶手（议事角）", "body": "同上", "channel": "corner"}),
    )
    .await;
    let list = app.get("/api/v1/suggestions", &r2).await.json();
    let s = find(&list, id);
    assert_eq!(s["supports"], 1, "whoever raises it supports it");
    assert!(s["author"].as_str().unwrap().ends_with('*'), "masked: {s}");
    // Support once; twice says why.
    let path = format!("/api/v1/suggestions/{id}/support");
    assert_eq!(
        app.post_json(&path, &r2, json!({})).await.json()["supports"],
        2
    );
    let again = app.post_json(&path, &r2, json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("ALREADY_SUPPORTED"));
    // Staff merge the paper duplicate into it: its supporters would follow.
    let act = |sid: i64, body: Value| {
        let app = &app;
        let staff = &staff;
        async move {
            app.post_json(&format!("/api/v1/suggestions/{sid}/actions"), staff, body)
                .await
        }
    };
    let r = act(paper, json!({"action": "merge", "into": id})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Steps in order; a step out of order says why; a refusal needs its reason.
    let r = act(id, json!({"action": "implement", "text": "已安装"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("SUGGESTION_STATE"));
    let r = act(id, json!({"action": "not_adopt"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("REASON_REQUIRED"));
    for body in [
        json!({"action": "answer", "text": "已转物业，下周施工"}),
        json!({"action": "adopt"}),
        json!({"action": "implement", "text": "扶手已安装"}),
    ] {
        let r = act(id, body).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let list = app.get("/api/v1/suggestions", &r1).await.json();
    assert_eq!(find(&list, id)["status"], "implemented");
    assert_eq!(find(&list, paper)["status"], "merged");
    // resident1 was told.
    let inbox = app.get("/api/v1/notifications", &r1).await;
    assert!(inbox.body.contains("已落实"), "{}", inbox.body);
    // The month's rates are the rows' counts (merged left out).
    let rates = app.get("/api/v1/suggestions/rates", &staff).await.json();
    let month = rates[0]["month"].as_str().unwrap().to_string();
    let c = app
        .scalar_i64("select community_id from residents where id = (select resident_id from users where username = 'resident1')")
        .await;
    let (y, m) = month.split_once('-').unwrap();
    let first = chrono::NaiveDate::from_ymd_opt(y.parse().unwrap(), m.parse().unwrap(), 1).unwrap();
    let next = first + chrono::Months::new(1);
    let (from, to) = (
        gongzhi_app::clock::day_start_ms(first),
        gongzhi_app::clock::day_start_ms(next),
    );
    let count = |status: &'static str| {
        let app = &app;
        async move {
            app.scalar_i64(&format!(
                "select count(*) from suggestions where community_id = {c} and created_at >= {from} \
                 and created_at < {to} and status <> 'merged' and ('{status}' = '' or status = '{status}')"
            ))
            .await
        }
    };
    assert_eq!(rates[0]["received"], count("").await);
    assert_eq!(rates[0]["implemented"], count("implemented").await);
    assert!(
        rates.as_array().unwrap().len() >= 6,
        "the demo's six months"
    );
}

#[tokio::test]
async fn a_supported_matter_joins_the_agenda_and_the_meeting_is_noticed_attended_and_minuted() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    // The demo's matter is one supporter short; resident1 tips it.
    let list = app.get("/api/v1/suggestions", &r1).await.json();
    let matter = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["kind"] == "matter"
                && s["status"] == "received"
                && s["qualified"] == false
                && s["supported"] == false
        })
        .cloned()
        .expect("a matter one short");
    let id = matter["id"].as_i64().unwrap();
    let r = app
        .post_json(&format!("/api/v1/suggestions/{id}/support"), &r1, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = app.get("/api/v1/suggestions", &r1).await.json();
    assert_eq!(find(&list, id)["qualified"], true);
    // Staff call the council: the matter joins the agenda; the notice reaches the members.
    let s = app.browser("staff1").await;
    let council = app
        .scalar_i64("select min(id) from bodies where kind = 'council'")
        .await;
    let notices_before = app
        .scalar_i64("select count(*) from notifications where kind = 'meeting.notice'")
        .await;
    let soon = gongzhi_app::clock::format_iso_local(app.st.now_ms() + 3 * 3_600_000);
    let r = app
        .post_form(
            "/participation/meetings",
            &s,
            &[
                ("_csrf", &s.csrf()),
                ("community", "0"),
                ("body_id", &council.to_string()),
                ("title", "临时议事会"),
                ("agenda", "楼道堆物"),
                ("place", "议事厅"),
                ("starts_at", &soon[..16].replace(' ', "T")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.headers["location"].to_str().unwrap().to_string();
    assert!(
        to.contains("error=NOTICE_TOO_SHORT"),
        "a day's notice: {to}"
    );
    let later = gongzhi_app::clock::format_iso_local(app.st.now_ms() + 2 * 86_400_000);
    let r = app
        .post_form(
            "/participation/meetings",
            &s,
            &[
                ("_csrf", &s.csrf()),
                ("community", "0"),
                ("body_id", &council.to_string()),
                ("title", "临时议事会"),
                ("agenda", "楼道堆物"),
                ("place", "议事厅"),
                ("starts_at", &later[..16].replace(' ', "T")),
            ],
        )
        .await;
    let to = r.headers["location"].to_str().unwrap().to_string();
    let meeting: i64 = to
        .trim_start_matches("/participation/meetings/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{to}"));
    let list = app.get("/api/v1/suggestions", &r1).await.json();
    assert_eq!(find(&list, id)["meeting_id"], meeting);
    let page = app
        .get(&format!("/participation/meetings/{meeting}"), &s)
        .await;
    assert!(
        page.body.contains(matter["title"].as_str().unwrap()),
        "on the agenda"
    );
    assert!(page.body.contains("<svg"), "the check-in QR code");
    let members = app
        .scalar_i64(&format!(
            "select count(*) from body_members where body_id = {council}"
        ))
        .await;
    let with_accounts = app
        .scalar_i64(&format!(
            "select count(*) from users where resident_id in (select resident_id from body_members where body_id = {council})"
        ))
        .await;
    assert!(members > 0);
    assert_eq!(
        app.scalar_i64("select count(*) from notifications where kind = 'meeting.notice'")
            .await
            - notices_before,
        with_accounts
    );
    // Check-in: the QR code's token, only near the time.
    let token = app
        .scalar_text(&format!(
            "select checkin_token from meetings where id = {meeting}"
        ))
        .await
        .unwrap();
    let path = format!("/api/v1/meetings/{meeting}/checkin");
    let r = app.post_json(&path, &r1, json!({"token": "nope"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.post_json(&path, &r1, json!({"token": token})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("CHECKIN_CLOSED"));
    app.clock.advance_ms(2 * 86_400_000 - 3_600_000);
    // (Two days on: sign in again.)
    let r1 = app.bearer("resident1").await;
    let s = app.browser("staff1").await;
    let r = app.post_json(&path, &r1, json!({"token": token})).await;
    assert_eq!(r.json()["recorded"], true, "{}", r.body);
    let r = app.post_json(&path, &r1, json!({"token": token})).await;
    assert_eq!(r.json()["recorded"], false);
    // Staff record resident2, who has no smartphone, by phone number.
    let phone = app
        .scalar_text("select phone_enc from residents where id = (select resident_id from users where username = 'resident2')")
        .await
        .map(|e| app.st.cipher.decrypt(gongzhi_app::residents::service::PHONE_FIELD, &e).unwrap())
        .unwrap();
    let r = app
        .post_form(
            &format!("/participation/meetings/{meeting}/present"),
            &s,
            &[("_csrf", &s.csrf()), ("phone", &phone)],
        )
        .await;
    assert!(r.headers["location"].to_str().unwrap().contains("done=1"));
    for how in ["qr", "staff"] {
        assert_eq!(
            app.scalar_i64(&format!(
                "select count(*) from meeting_attendance where meeting_id = {meeting} and how = '{how}'"
            ))
            .await,
            1,
            "{how}"
        );
    }
    // Minutes on the ledger, once.
    let r = app
        .post_form(
            &format!("/participation/meetings/{meeting}/minutes"),
            &s,
            &[
                ("_csrf", &s.csrf()),
                ("minutes", "议定：楼道堆物一周内清理。"),
            ],
        )
        .await;
    assert!(r.headers["location"].to_str().unwrap().contains("done=1"));
    let doc = app
        .scalar_i64(&format!(
            "select minutes_document_id from meetings where id = {meeting}"
        ))
        .await;
    let entry = app
        .scalar_text(&format!(
            "select kind from ledger_entries where idx = (select ledger_index from public_documents where id = {doc})"
        ))
        .await;
    assert_eq!(entry.as_deref(), Some("document.published"));
    let r = app
        .post_form(
            &format!("/participation/meetings/{meeting}/minutes"),
            &s,
            &[("_csrf", &s.csrf()), ("minutes", "again")],
        )
        .await;
    assert!(
        r.headers["location"]
            .to_str()
            .unwrap()
            .contains("error=MINUTES_PUBLISHED")
    );
    // A decision followed to 落实.
    let due = gongzhi_app::clock::iso(app.st.now_ms() + 10 * 86_400_000);
    app.post_form(
        &format!("/participation/meetings/{meeting}/decisions"),
        &s,
        &[
            ("_csrf", &s.csrf()),
            ("text", "清理楼道堆物"),
            ("owner", "物业服务中心"),
            ("due_on", &due[..10]),
        ],
    )
    .await;
    let d = app
        .scalar_i64(&format!(
            "select max(id) from decisions where meeting_id = {meeting}"
        ))
        .await;
    app.post_form(
        &format!("/participation/decisions/{d}/done"),
        &s,
        &[
            ("_csrf", &s.csrf()),
            ("meeting", &meeting.to_string()),
            ("note", "已清理完毕"),
        ],
    )
    .await;
    assert_eq!(
        app.scalar_text(&format!("select status from decisions where id = {d}"))
            .await
            .as_deref(),
        Some("done")
    );
    // Residents see the community's page; a unit sees none of it.
    let rb = app.browser("resident1").await;
    let page = app.get("/participation", &rb).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("居民议事会") && page.body.contains("落实率"));
    let r = app
        .get("/api/v1/suggestions", &app.bearer("unit-water").await)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
