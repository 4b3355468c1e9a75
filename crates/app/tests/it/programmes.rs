//! 社区食堂 and 四点半课堂 (issue 21). A meal's split follows the diner's tier (age, 低保)
//! and always sums to its cost; capacity holds under simultaneous orders; the month's
//! totals equal the orders'. A child under 14 is enrolled only under the guardian's
//! separate consent; withdrawing it erases the enrolment; attendance and outcomes are staff's
//! (sealed at rest); the report's change is the mean of the pairs, with its interval.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{TestApp, register_in_household_of};

fn day(app: &TestApp, days: i64) -> String {
    gongzhi_app::clock::iso(app.st.now_ms() + days * 86_400_000)[..10].to_string()
}

#[tokio::test]
async fn a_meal_s_split_follows_the_diner_s_tier_and_capacity_holds() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let elder = app.bearer("elder1").await;
    let r1 = app.bearer("resident1").await;
    let meal = |cap: i64| json!({"served_on": day(&app, 2), "menu": "番茄牛腩饭", "cost_fen": 1800, "capacity": cap, "company": "鑫福餐饮"});
    let r = app.post_json("/api/v1/canteen/meals", &r1, meal(3)).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "residents do not plan meals"
    );
    let r = app
        .post_json("/api/v1/canteen/meals", &staff, json!({"served_on": "2020-01-01", "menu": "x", "cost_fen": 1800, "capacity": 3, "company": "y"}))
        .await;
    assert_eq!(r.error_code(), "DATE_INVALID");
    let r = app
        .post_json("/api/v1/canteen/meals", &staff, meal(3))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = r.json()["id"].as_i64().unwrap();
    // The tier follows the diner's age: staff set a tier from just above elder1's age,
    // then from their age.
    let born = app
        .scalar_i64("select birth_year from residents where id = (select resident_id from users where username = 'elder1')")
        .await;
    let (y, _, _) = gongzhi_app::clock::ymd_cn(app.st.now_ms());
    let age_low = (i64::from(y) - born - 1).max(0);
    let tiers = |from: i64| {
        json!({"tiers": [
            {"code": "all", "name": "全体", "min_age": 0, "government_fen": 100},
            {"code": "old", "name": "高龄", "min_age": from, "government_fen": 600, "company_fen": 200}]})
    };
    let split = |o: &serde_json::Value| {
        (
            o["tier"].as_str().unwrap().to_string(),
            o["government_fen"].as_i64().unwrap(),
            o["company_fen"].as_i64().unwrap(),
            o["resident_fen"].as_i64().unwrap(),
        )
    };
    let r = app
        .put_json("/api/v1/canteen/tiers", &staff, tiers(age_low + 2))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(
            &format!("/api/v1/canteen/meals/{m}/orders"),
            &elder,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        split(&r.json()),
        ("all".into(), 100, 0, 1700),
        "too young for 高龄"
    );
    let r = app
        .post_json(
            &format!("/api/v1/canteen/meals/{m}/orders"),
            &elder,
            json!({}),
        )
        .await;
    assert_eq!(r.error_code(), "ORDER_EXISTS");
    let r = app
        .post_json("/api/v1/canteen/meals", &staff, meal(1))
        .await;
    let m2 = r.json()["id"].as_i64().unwrap();
    let r = app
        .put_json("/api/v1/canteen/tiers", &staff, tiers(age_low))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(
            &format!("/api/v1/canteen/meals/{m2}/orders"),
            &elder,
            json!({}),
        )
        .await;
    assert_eq!(
        split(&r.json()),
        ("old".into(), 600, 200, 1000),
        "{}",
        r.body
    );
    let r = app
        .put_json(
            "/api/v1/canteen/tiers",
            &staff,
            json!({"tiers": [{"code": "x", "name": "x"}, {"code": "x", "name": "y"}]}),
        )
        .await;
    assert_eq!(r.error_code(), "TIERS_INVALID", "codes are unique");
    // Shares never exceed the cost: the company's is capped by what is left.
    let r = app
        .put_json("/api/v1/canteen/tiers", &staff, json!({"tiers": [{"code": "elder", "name": "老年人", "min_age": 0, "government_fen": 300, "company_fen": 5000}]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let vol = app.bearer("volunteer1").await;
    let r = app
        .post_json(
            &format!("/api/v1/canteen/meals/{m}/orders"),
            &vol,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(split(&r.json()), ("elder".into(), 300, 1500, 0));
    // Staff see every order and its split; a resident sees the meal without them.
    let r = app
        .get(&format!("/api/v1/canteen/meals/{m}"), &staff)
        .await
        .json();
    assert_eq!(r["orders"].as_array().unwrap().len(), 2);
    let t = &r["totals"];
    assert_eq!(
        t[0].as_i64().unwrap() + t[1].as_i64().unwrap() + t[2].as_i64().unwrap(),
        2 * 1800
    );
    let r = app
        .get(&format!("/api/v1/canteen/meals/{m}"), &r1)
        .await
        .json();
    assert!(r["orders"].as_array().unwrap().is_empty() && r["totals"].is_null());

    // The last place: three order at once, one gets it.
    let mut calls = vec![];
    for who in ["resident1", "resident2", "head1"] {
        let auth = app.bearer(who).await;
        let app = &app;
        calls.push(async move {
            app.post_json(
                &format!("/api/v1/canteen/meals/{m}/orders"),
                &auth,
                json!({}),
            )
            .await
        });
    }
    let answers = futures_util::future::join_all(calls).await;
    let ok = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        answers.iter().map(|r| r.body.clone()).collect::<Vec<_>>()
    );
    assert!(
        answers
            .iter()
            .filter(|r| r.status != StatusCode::CREATED)
            .all(|r| ["MEAL_FULL", "ROLE_FORBIDDEN"].contains(&r.error_code().as_str()))
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from canteen_orders where meal_id = {m}"
        ))
        .await,
        3
    );

    // The month's totals are the orders' sums; residents do not read them; it is not over.
    let month = &day(&app, 2)[..7];
    let r = app
        .get(&format!("/api/v1/canteen/months/{month}"), &r1)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .get(&format!("/api/v1/canteen/months/{month}"), &staff)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mm = r.json();
    let community = app
        .scalar_i64(
            "select community_id from canteen_meals where id = (select min(id) from canteen_meals)",
        )
        .await;
    let sum = |c: &str| {
        format!(
            "select cast(coalesce(sum(o.{c}), 0) as bigint) from canteen_orders o join canteen_meals m on m.id = o.meal_id where m.community_id = {community} and substr(m.served_on, 1, 7) = '{month}'"
        )
    };
    assert_eq!(
        mm["government_fen"].as_i64().unwrap(),
        app.scalar_i64(&sum("government_fen")).await
    );
    assert_eq!(
        mm["company_fen"].as_i64().unwrap(),
        app.scalar_i64(&sum("company_fen")).await
    );
    assert_eq!(
        mm["resident_fen"].as_i64().unwrap(),
        app.scalar_i64(&sum("resident_fen")).await
    );
    let r = app
        .post_json(
            &format!("/api/v1/canteen/months/{month}/publish"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(r.error_code(), "MONTH_NOT_OVER");
}

#[tokio::test]
async fn a_child_is_enrolled_only_under_the_guardian_s_consent_and_the_change_is_computed() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let (y, _, _) = gongzhi_app::clock::ymd_cn(app.st.now_ms());
    let mut kids = vec![];
    for (i, name) in ["李小雨", "李小雪", "李小雷"].iter().enumerate() {
        kids.push(
            register_in_household_of(
                &app,
                "resident1",
                (y - 9 - i as i32, 3, 1),
                name,
                &format!("1370000{:04}", 4100 + i),
            )
            .await,
        );
    }
    let parent = app.bearer("resident1").await;
    let neighbour = app.bearer("resident2").await;
    let enrol = |k: i64| json!({"child": k, "school_grade": 3});
    let r = app
        .post_json("/api/v1/afterschool/enrolments", &parent, enrol(kids[0]))
        .await;
    assert_eq!(
        r.error_code(),
        "CHILD_UNKNOWN",
        "not yet their registered guardian"
    );
    for k in &kids {
        let r = app
            .post_json(
                &format!("/api/v1/residents/{k}/guardians"),
                &staff,
                json!({"username": "resident1"}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    let r = app
        .post_json("/api/v1/afterschool/enrolments", &parent, enrol(kids[0]))
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "CONSENT_REQUIRED"),
        "{}",
        r.body
    );
    let mut enrolments = vec![];
    for k in &kids {
        let r = app
            .post_json(
                "/api/v1/me/consents/separate",
                &parent,
                json!({"purpose": "afterschool", "for_resident": k}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = app
            .post_json("/api/v1/afterschool/enrolments", &parent, enrol(*k))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        enrolments.push(r.json()["id"].as_i64().unwrap());
    }
    let r = app
        .post_json("/api/v1/afterschool/enrolments", &parent, enrol(kids[0]))
        .await;
    assert_eq!(r.error_code(), "ENROLLED");

    // Attendance: from the session's start; children of elsewhere are refused.
    let now = gongzhi_app::clock::format_iso_local(app.st.now_ms() - 600_000).replace(' ', "T");
    let r = app
        .post_json("/api/v1/afterschool/sessions", &staff, json!({"starts_at": now, "minutes": 90, "topic": "作业辅导", "teacher": "王老师", "social_worker": ""}))
        .await;
    assert_eq!(
        r.error_code(),
        "PROGRAMME_TEXT_INVALID",
        "双师制: a social worker is named"
    );
    let r = app
        .post_json("/api/v1/afterschool/sessions", &staff, json!({"starts_at": now, "minutes": 90, "topic": "作业辅导", "teacher": "王老师", "social_worker": "社工小周"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = r.json()["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/afterschool/sessions/{s}/attendance"),
            &staff,
            json!({"present": [999_999]}),
        )
        .await;
    assert_eq!(r.error_code(), "ENROLMENT_UNKNOWN");
    let r = app
        .post_json(
            &format!("/api/v1/afterschool/sessions/{s}/attendance"),
            &staff,
            json!({"present": [enrolments[0], enrolments[1]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["present"], 2);

    // Outcomes: staff only, in range, sealed at rest.
    let put = |e: i64, measure: &str, phase: &str, score: f64| {
        let _ = e;
        json!({"measure": measure, "phase": phase, "score": score})
    };
    let r = app
        .post_json(
            &format!("/api/v1/afterschool/enrolments/{}/outcomes", enrolments[0]),
            &parent,
            put(0, "grade", "before", 60.0),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "guardians read, staff record"
    );
    let r = app
        .post_json(
            &format!("/api/v1/afterschool/enrolments/{}/outcomes", enrolments[0]),
            &staff,
            put(0, "wellbeing", "before", 41.0),
        )
        .await;
    assert_eq!(r.error_code(), "SCORE_INVALID");
    let scores = [
        (60.0, 70.0, 20.0, 12.0),
        (75.0, 78.0, 18.0, 18.0),
        (50.0, 62.0, 10.0, 9.0),
    ];
    for (e, s) in enrolments.iter().zip(scores) {
        for (m, p, v) in [
            ("grade", "before", s.0),
            ("grade", "after", s.1),
            ("wellbeing", "before", s.2),
            ("wellbeing", "after", s.3),
        ] {
            let r = app
                .post_json(
                    &format!("/api/v1/afterschool/enrolments/{e}/outcomes"),
                    &staff,
                    put(*e, m, p, v),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    }
    let sealed = app
        .scalar_text(&format!("select value_enc from class_outcomes where enrolment_id = {} and measure = 'grade' and phase = 'before'", enrolments[0]))
        .await
        .unwrap();
    // Sealed at rest: not the number (base64 may contain "60" by chance, so compare whole).
    assert!(
        sealed.trim().parse::<f64>().is_err() && sealed.len() > 16,
        "sealed at rest: {sealed}"
    );
    // The guardian reads their child's; the neighbour is told nothing exists.
    let r = app
        .get(
            &format!("/api/v1/afterschool/enrolments/{}", enrolments[0]),
            &parent,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["sessions_present"], 1);
    assert_eq!(r.json()["outcomes"].as_array().unwrap().len(), 4);
    let r = app
        .get(
            &format!("/api/v1/afterschool/enrolments/{}", enrolments[0]),
            &neighbour,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.get("/api/v1/afterschool/report", &parent).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The guardian's export carries their wards' enrolments (PIPL art. 45).
    let export = app.get("/api/v1/me/export", &parent).await.json();
    assert!(
        export["programmes"]["afterschool"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["enrolment"]["id"] == enrolments[0]),
        "{}",
        export["programmes"]
    );

    // The report: the mean of the pairs (these three, plus any the demo enrolled).
    let r = app.get("/api/v1/afterschool/report", &staff).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rep = r.json();
    let community = app
        .scalar_i64(&format!(
            "select community_id from class_enrolments where id = {}",
            enrolments[0]
        ))
        .await;
    let all: Vec<i64> = {
        let n = app
            .scalar_i64(&format!(
                "select count(*) from class_enrolments where community_id = {community}"
            ))
            .await;
        let mut v = vec![];
        for i in 0..n {
            v.push(app.scalar_i64(&format!("select id from class_enrolments where community_id = {community} order by id limit 1 offset {i}")).await);
        }
        v
    };
    let mut diffs = vec![];
    for e in &all {
        let o = app
            .get(&format!("/api/v1/afterschool/enrolments/{e}"), &staff)
            .await
            .json();
        let get = |m: &str, p: &str| {
            o["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["measure"] == m && x["phase"] == p)
                .map(|x| x["score"].as_f64().unwrap())
        };
        if let (Some(b), Some(a)) = (get("grade", "before"), get("grade", "after")) {
            diffs.push(a - b);
        }
    }
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let g = &rep["grades"];
    assert_eq!(g["n"].as_u64().unwrap() as usize, diffs.len());
    assert!((g["change"].as_f64().unwrap() - mean).abs() < 1e-9, "{g}");
    let (lo, hi) = (
        g["interval"][0].as_f64().unwrap(),
        g["interval"][1].as_f64().unwrap(),
    );
    assert!(lo < mean && mean < hi, "{g}");
    assert_eq!(rep["children"].as_u64().unwrap() as usize, all.len());

    // Withdrawing the consent erases the child's enrolment, attendance and outcomes.
    let r = app
        .send_delete(
            &format!("/api/v1/me/consents/afterschool?for_resident={}", kids[0]),
            &parent,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .get(
            &format!("/api/v1/afterschool/enrolments/{}", enrolments[0]),
            &parent,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from class_outcomes where enrolment_id = {}",
            enrolments[0]
        ))
        .await,
        0
    );
    assert_eq!(
        app.scalar_i64(&format!(
            "select count(*) from class_attendance where enrolment_id = {}",
            enrolments[0]
        ))
        .await,
        0
    );
}
