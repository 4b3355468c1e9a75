//! The authorisation matrix (security checklist 26): every API route that takes an id,
//! called as each of eleven personas, against the policy table `docs/authorization.toml`.
//! Reads are called for every persona; writes only for the personas the table says must be
//! refused (a refusal changes nothing, so the order of calls does not matter; what the
//! allowed personas may do is each domain's functional tests). A route in the OpenAPI
//! document missing from the table, a persona missing from a route, or any status other
//! than the table's fails the test.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Auth, PASSWORD, TestApp};

const PERSONAS: [&str; 11] = [
    "owner",
    "neighbour",
    "outsider",
    "grid",
    "staff",
    "street",
    "unit",
    "mediator",
    "other_mediator",
    "admin",
    "auditor",
];

fn table() -> toml::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/authorization.toml");
    toml::from_str(&std::fs::read_to_string(path).expect("docs/authorization.toml"))
        .expect("the policy table parses")
}

fn to_json(v: &toml::Value) -> Value {
    serde_json::to_value(v).expect("toml to json")
}

/// The objects every route is called on: resident1's case, order, dispute and its
/// attachment, resident record and community, and the demo's scenario, drill, a routing
/// correction and a rights request.
async fn objects(app: &TestApp) -> BTreeMap<&'static str, String> {
    let (lng, lat) = crate::support::home_of(app, "resident1").await;
    let owner = app.bearer("resident1").await;
    let case = app
        .post_json(
            "/api/v1/cases",
            &owner,
            json!({"text": "楼道水管漏水，一直在滴", "lng": lng, "lat": lat, "category": "FAC.WATER"}),
        )
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.body);
    let case = case.json()["id"].as_i64().unwrap();
    let order = app
        .scalar_i64(&format!(
            "select min(id) from work_orders where case_id = {case}"
        ))
        .await;
    let dispute = app
        .post_json(
            "/api/v1/disputes",
            &owner,
            json!({"account": "楼上漏水到我家，对方不肯修", "wants": "修好并赔偿", "dtype": "neighbour",
                   "parties": [{"name": "302室住户", "phone": "13900001111"}], "consent": true}),
        )
        .await;
    assert_eq!(dispute.status, StatusCode::CREATED, "{}", dispute.body);
    let dispute = dispute.json()["id"].as_i64().unwrap();
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let att = app
        .post_json(
            &format!("/api/v1/disputes/{dispute}/attachments"),
            &owner,
            json!({"name": "漏水照片.png", "data": png}),
        )
        .await;
    assert_eq!(att.status, StatusCode::CREATED, "{}", att.body);
    let att = att.json()["id"].as_i64().unwrap();
    let resident = app.resident_id_of("resident1").await;
    let community = app
        .scalar_i64(&format!(
            "select community_id from residents where id = {resident}"
        ))
        .await;
    let request = app
        .post_json(
            "/api/v1/me/requests",
            &owner,
            json!({"kind": "access", "detail": "请给我去年来电的录音"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let staff = app.bearer("staff1").await;
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case}/reclassify"),
            &staff,
            json!({"category": "FAC.ROAD"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let correction = app
        .scalar_i64("select max(id) from routing_corrections")
        .await;
    let scenario = app
        .scalar_i64(&format!(
            "select min(id) from twin_scenarios where community_id = {community}"
        ))
        .await;
    let drill = app
        .scalar_i64("select coalesce(min(id), 0) from twin_drills")
        .await;
    let mediator = app
        .scalar_i64("select id from users where username = 'mediator1'")
        .await;
    let vote = app.scalar_i64("select min(id) from votes").await;
    let building = app
        .scalar_i64(&format!(
            "select building_id from residents where id = {resident}"
        ))
        .await;
    let register_unit = app
        .scalar_i64(&format!(
            "select min(id) from owner_units where building_id = {building}"
        ))
        .await;
    let mut m = BTreeMap::new();
    for (k, v) in [
        ("vote", vote),
        ("building", building),
        ("register_unit", register_unit),
        (
            "suggestion",
            app.scalar_i64(&format!(
                "select max(id) from suggestions where community_id = {community}"
            ))
            .await,
        ),
        (
            "meeting",
            app.scalar_i64(&format!(
                "select min(id) from meetings where community_id = {community}"
            ))
            .await,
        ),
        (
            "renewal_project",
            app.scalar_i64(&format!(
                "select min(id) from renewal_projects where community_id = {community}"
            ))
            .await,
        ),
        (
            "renewal_round",
            app.scalar_i64(&format!(
                "select min(id) from renewal_rounds where community_id = {community}"
            ))
            .await,
        ),
        (
            "timebank_service",
            app.scalar_i64("select max(id) from timebank_services where status = 'pending'")
                .await,
        ),
        ("case", case),
        ("order", order),
        ("dispute", dispute),
        ("attachment", att),
        ("resident", resident),
        ("community", community),
        ("scenario", scenario),
        ("drill", drill),
        ("correction", correction),
        ("rights_request", request),
        ("mediator", mediator),
        ("ledger_index", 0),
        (
            "timebank_request",
            app.scalar_i64("select max(id) from timebank_requests where status = 'matched'")
                .await,
        ),
        (
            "partner",
            app.scalar_i64(&format!(
                "select min(id) from partners where community_id = {community}"
            ))
            .await,
        ),
        (
            "campaign",
            app.scalar_i64(&format!(
                "select min(id) from campaigns where community_id = {community}"
            ))
            .await,
        ),
        (
            "talent",
            app.scalar_i64(&format!(
                "select min(id) from talents where community_id = {community}"
            ))
            .await,
        ),
        (
            "talent_slot",
            app.scalar_i64(
                "select min(s.id) from talent_slots s join users u on u.id = s.booked_by where u.username = 'resident1'",
            )
            .await,
        ),
        (
            "team",
            app.scalar_i64(&format!(
                "select min(id) from teams where community_id = {community}"
            ))
            .await,
        ),
        (
            "canteen_meal",
            app.scalar_i64(&format!(
                "select min(id) from canteen_meals where community_id = {community}"
            ))
            .await,
        ),
        (
            "class_session",
            app.scalar_i64(&format!(
                "select min(id) from class_sessions where community_id = {community}"
            ))
            .await,
        ),
        ("class_enrolment", class_enrolment(app, &owner).await),
        (
            "timebank_item",
            app.scalar_i64(&format!(
                "select min(id) from timebank_items where community_id = {community}"
            ))
            .await,
        ),
    ] {
        m.insert(k, v.to_string());
    }
    m.insert("month", "2026-01".to_string());
    m.insert(
        "timebank_certificate",
        app.scalar_text("select min(code) from timebank_certificates")
            .await
            .expect("the demo's certificate"),
    );
    m
}

/// A child in resident1's household, resident1 their guardian, enrolled in 四点半课堂
/// under resident1's consent: the enrolment.
async fn class_enrolment(app: &TestApp, owner: &Auth) -> i64 {
    let (y, _, _) = gongzhi_app::clock::ymd_cn(app.st.now_ms());
    let kid = crate::support::register_in_household_of(
        app,
        "resident1",
        (y - 8, 5, 1),
        "周小禾",
        "13700009911",
    )
    .await;
    let staff = app.bearer("staff1").await;
    let r = app
        .post_json(
            &format!("/api/v1/residents/{kid}/guardians"),
            &staff,
            json!({"username": "resident1"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .post_json(
            "/api/v1/me/consents/separate",
            owner,
            json!({"purpose": "afterschool", "for_resident": kid}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(
            "/api/v1/afterschool/enrolments",
            owner,
            json!({"child": kid, "school_grade": 2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

/// Logs each persona in; `outsider` is a resident of another community.
async fn personas(app: &TestApp) -> BTreeMap<&'static str, Auth> {
    let resident1 = app.resident_id_of("resident1").await;
    let elsewhere = app
        .scalar_i64(&format!(
            "select min(id) from residents where community_id <> (select community_id from residents where id = {resident1})"
        ))
        .await;
    gongzhi_app::auth::service::create_user(
        &app.st,
        gongzhi_app::auth::service::Who::System("test"),
        &gongzhi_app::auth::service::UserSpec {
            username: "outsider",
            display_name: "别的社区居民",
            password: PASSWORD,
            role: gongzhi_core::identity::Role::Resident,
            scope: gongzhi_core::identity::Scope::OwnResident(elsewhere),
            resident_id: Some(elsewhere),
        },
    )
    .await
    .expect("outsider");
    let mut m = BTreeMap::new();
    for (p, user) in [
        ("owner", "resident1"),
        ("neighbour", "resident2"),
        ("outsider", "outsider"),
        ("grid", "grid1"),
        ("staff", "staff1"),
        ("street", "street1"),
        ("unit", "unit-water"),
        ("mediator", "mediator1"),
        ("other_mediator", "police1"),
        ("admin", "admin"),
        ("auditor", "auditor1"),
    ] {
        m.insert(p, app.bearer(user).await);
    }
    m
}

#[tokio::test]
async fn every_id_route_answers_each_persona_as_the_policy_table_says() {
    let app = TestApp::demo().await;
    let doc = app.get("/api/v1/openapi.json", &Auth::None).await.json();
    let table = table();
    let routes = table["route"].as_array().expect("[[route]]");
    let exempt: Vec<String> = table
        .get("exempt")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .map(|e| e["route"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    // Every id-taking operation of the API is in the table (or exempt, with a reason).
    let listed: Vec<String> = routes
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect();
    let mut unlisted = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            let op = format!("{} {path}", method.to_uppercase());
            if !listed.contains(&op) && !exempt.contains(&op) {
                unlisted.push(op);
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "not in docs/authorization.toml:\n  {}",
        unlisted.join("\n  ")
    );

    let objects = objects(&app).await;
    let who = personas(&app).await;
    let mut wrong = Vec::new();
    let mut calls = 0;
    for r in routes {
        let method = r["method"].as_str().unwrap();
        let template = r["path"].as_str().unwrap();
        let mut path = template.to_string();
        for (key, object) in r["ids"].as_table().expect("ids") {
            let id = objects
                .get(object.as_str().unwrap())
                .unwrap_or_else(|| panic!("no object {object}"));
            path = path.replace(&format!("{{{key}}}"), id);
        }
        let allowed: Vec<&str> = r
            .get("allowed")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().map(|p| p.as_str().unwrap()).collect())
            .unwrap_or_default();
        let expect = r["expect"].as_table().expect("expect");
        for p in PERSONAS {
            assert!(
                allowed.contains(&p) || expect.contains_key(p),
                "{method} {template}: persona {p} is in neither `allowed` nor `expect`"
            );
        }
        let body = r.get("body").map(to_json);
        for (p, want) in expect {
            let auth = &who[p.as_str()];
            let m = Method::from_bytes(method.as_bytes()).unwrap();
            let resp = match (&m, &body) {
                (&Method::GET, _) => app.get(&path, auth).await,
                (_, b) => {
                    app.send_from(
                        "127.0.0.1",
                        m.clone(),
                        &path,
                        auth,
                        Some(b.clone().unwrap_or(json!({}))),
                    )
                    .await
                }
            };
            calls += 1;
            let want = want.as_integer().unwrap() as u16;
            if resp.status.as_u16() != want {
                wrong.push(format!(
                    "{method} {template} as {p}: {} (table: {want}) {}",
                    resp.status.as_u16(),
                    resp.body.chars().take(120).collect::<String>()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {calls} calls differ from the table:\n  {}",
        wrong.len(),
        wrong.join("\n  ")
    );
    assert!(calls > 150, "{calls} calls");
}
