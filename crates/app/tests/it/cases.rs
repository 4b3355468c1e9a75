//! 一网统管 end to end: intake and triage, the work-order life cycle through the API and the
//! pages, call-backs and the 三率, duplicates, corrections, permissions, deadlines, jobs.

use axum::http::StatusCode;
use gongzhi_core::identity::Scope;
use gongzhi_core::org::Zone;
use serde_json::{Value, json};

use crate::support::{Auth, TestApp, home_of};

/// The property company managing a demo user's compound.
async fn property_of(app: &TestApp, username: &str) -> String {
    app.scalar_text(&format!(
        "select p.code from users u join residents r on r.id = u.resident_id \
         join org_units b on b.id = r.building_id join org_units c on c.id = b.parent_id \
         join units p on p.id = c.property_unit_id where u.username = '{username}'"
    ))
    .await
    .expect("property unit")
}

/// A point on public land (a road) in the same community as `near`.
fn public_point(app: &TestApp, near: (f64, f64)) -> (f64, f64) {
    let map = app.st.org_map();
    let here = map.locate(near.0, near.1).expect("near is located");
    let b = map.extent_of(Scope::District).expect("extent");
    let mut best: Option<((f64, f64), f64)> = None;
    for i in 0..200 {
        for j in 0..200 {
            let p = (
                b[0] + (b[2] - b[0]) * i as f64 / 200.0,
                b[1] + (b[3] - b[1]) * j as f64 / 200.0,
            );
            if let Some(l) = map.locate(p.0, p.1)
                && l.zone == Zone::Public
                && l.community == here.community
            {
                let d = (p.0 - near.0).powi(2) + (p.1 - near.1).powi(2);
                if best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((p, d));
                }
            }
        }
    }
    best.expect("a public point").0
}

async fn file(app: &TestApp, auth: &Auth, body: Value) -> (StatusCode, Value) {
    let r = app.post_json("/api/v1/cases", auth, body).await;
    let j = if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, j)
}

fn units_of(filed: &Value) -> Vec<String> {
    let mut v: Vec<String> = filed["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["unit"].as_str().expect("unit").to_string())
        .collect();
    v.sort();
    v
}

fn order_for(filed: &Value, unit: &str) -> i64 {
    filed["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["unit"] == unit)
        .unwrap_or_else(|| panic!("no order for {unit}: {filed}"))["id"]
        .as_i64()
        .expect("id")
}

async fn rates(app: &TestApp, auth: &Auth, level: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/insight/rates?level={level}"), auth)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn rate_of(rates: &Value, code: &str, key: &str) -> Option<f64> {
    rates["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["code"] == code)
        .and_then(|r| r[key].as_f64())
}

#[tokio::test]
async fn burst_pipe_reaches_property_and_water_and_closes_with_the_three_rates() {
    let app = TestApp::new().await;
    let resident = app.bearer("resident1").await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let property = property_of(&app, "resident1").await;
    assert_eq!(
        property, "PROPERTY-1",
        "the demo's resident1 lives in a PROPERTY-1 compound"
    );
    let before = rates(&app, &app.bearer("street1").await, "unit").await;
    assert_eq!(rate_of(&before, "WATER", "satisfaction_rate"), None);

    // Inside the compound: the property company and the water utility both get an order.
    let (status, filed) = file(
        &app,
        &resident,
        json!({"text": "3号楼门口水管爆裂了，地上全是水，请尽快来修", "lng": lng, "lat": lat}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["merged"], false);
    assert_eq!(filed["category"]["code"], "FAC.WATER");
    assert!(
        filed["category"]["confidence"]
            .as_f64()
            .expect("confidence")
            > 0.3
    );
    assert_eq!(filed["zone"], "compound");
    assert_eq!(filed["status"], "dispatched");
    assert_eq!(
        units_of(&filed),
        vec!["PROPERTY-1".to_string(), "WATER".to_string()]
    );
    assert!(filed["grid"].as_str().expect("grid").starts_with("DEMO-S"));
    let case_id = filed["id"].as_i64().expect("id");
    // Urgent: sign within 30 minutes on the clock.
    let o = &filed["orders"][0];
    assert!(o["due_at"].as_str().expect("due").ends_with("+08:00"));

    // The same burst pipe on a public road: the water utility alone.
    let road = public_point(&app, (lng, lat));
    let (status, on_road) = file(
        &app,
        &app.bearer("resident2").await,
        json!({"text": "路边消防栓旁边的自来水管破了，水一直往外冒", "lng": road.0, "lat": road.1, "category": "FAC.WATER"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{on_road}");
    assert_eq!(on_road["zone"], "public");
    assert_eq!(units_of(&on_road), vec!["WATER".to_string()]);

    // The units sign and report back; the case waits for the call-back.
    let property_staff = app.bearer("unit-property1").await;
    let water_staff = app.bearer("unit-water").await;
    let p_order = order_for(&filed, "PROPERTY-1");
    let w_order = order_for(&filed, "WATER");
    // A unit cannot act on another unit's order.
    let r = app
        .post_json(
            &format!("/api/v1/orders/{p_order}/sign"),
            &water_staff,
            json!({}),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.body
    );
    for (auth, order) in [(&property_staff, p_order), (&water_staff, w_order)] {
        let r = app
            .post_json(&format!("/api/v1/orders/{order}/sign"), auth, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Feedback before signing is refused; after signing accepted (with a photo).
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let r = app
        .post_json(
            &format!("/api/v1/orders/{p_order}/feedback"),
            &property_staff,
            json!({"text": "已关闭总阀并更换破裂管段，现场已清理", "photos": [png]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view = r.json();
    assert_eq!(
        view["status"], "handling",
        "water has not reported back yet"
    );
    let photo_url = view["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["id"] == p_order)
        .expect("order")["feedback_photos"][0]
        .as_str()
        .expect("photo url")
        .to_string();
    let r = app
        .post_json(
            &format!("/api/v1/orders/{w_order}/feedback"),
            &water_staff,
            json!({"text": "供水管网已检修，水压恢复"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "feedback");

    // Photos are served to those who may see the case, and to nobody else.
    let r = app.get(&photo_url, &resident).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers.get("content-type").expect("type"), "image/png");
    let r = app.get(&photo_url, &app.bearer("resident2").await).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The resident calls back: solved, very satisfied. The case is closed (办结).
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case_id}/callback"),
            &resident,
            json!({"solved": true, "satisfaction": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let closed = r.json();
    assert_eq!(closed["status"], "closed");
    assert!(
        closed["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .all(|o| o["status"] == "closed")
    );
    let kinds: Vec<&str> = closed["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    for k in [
        "accepted",
        "dispatched",
        "signed",
        "feedback",
        "callback_solved",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    // The reporter is never named to the units: residents appear as 居民.
    assert!(
        closed["timeline"]
            .as_array()
            .expect("t")
            .iter()
            .all(|e| e["actor"] != "resident1")
    );

    // The 三率 moved: both units signed in time, solved and satisfied.
    let after = rates(&app, &app.bearer("street1").await, "unit").await;
    for unit in ["PROPERTY-1", "WATER"] {
        assert_eq!(rate_of(&after, unit, "response_rate"), Some(1.0), "{after}");
        assert_eq!(rate_of(&after, unit, "resolution_rate"), Some(1.0));
        assert_eq!(rate_of(&after, unit, "satisfaction_rate"), Some(1.0));
    }
    let by_community = rates(&app, &app.bearer("street1").await, "community").await;
    assert_eq!(by_community["total"]["counts"]["callbacks"], 1);
    // Residents do not read management figures.
    let r = app.get("/api/v1/insight/rates", &resident).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.audit_count("case.file", "ok").await >= 2);
    assert_eq!(app.audit_count("case.callback", "ok").await, 1);
}

#[tokio::test]
async fn duplicates_merge_and_unsatisfied_callbacks_reopen() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let r2 = app.bearer("resident2").await;
    let (s, first) = file(
        &app,
        &r1,
        json!({"text": "小区垃圾桶满了好几天没人清运，很臭", "lng": lng, "lat": lat}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["category"]["code"], "ENV.GARBAGE");
    let (s, second) = file(
        &app,
        &r2,
        json!({"text": "垃圾桶满了没人清运，味道很臭", "lng": lng + 0.0002, "lat": lat}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "a duplicate is merged: {second}");
    assert_eq!(second["merged"], true);
    assert_eq!(second["id"], first["id"]);
    let id = first["id"].as_i64().expect("id");
    // Both reporters see it; the count is 2.
    for auth in [&r1, &r2] {
        let r = app.get(&format!("/api/v1/cases/{id}"), auth).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["reporters"], 2);
    }
    // A different matter in the same place is not merged.
    let (s, other) = file(
        &app,
        &r2,
        json!({"text": "楼道里的灯坏了，晚上很黑", "lng": lng, "lat": lat}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");

    // Property handles it; the reporter is not satisfied: the order goes back to handling.
    let unit = app.bearer("unit-property1").await;
    let order = order_for(&first, "PROPERTY-1");
    assert_eq!(
        app.post_json(&format!("/api/v1/orders/{order}/sign"), &unit, json!({}))
            .await
            .status,
        StatusCode::OK
    );
    // The call-back before feedback is refused with a clear code.
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id}/callback"),
            &r1,
            json!({"solved": true, "satisfaction": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "CASE_NOT_AWAITING_CALLBACK");
    assert_eq!(
        app.post_json(
            &format!("/api/v1/orders/{order}/feedback"),
            &unit,
            json!({"text": "已清运"})
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id}/callback"),
            &r1,
            json!({"solved": false, "satisfaction": 6}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "SATISFACTION_INVALID");
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id}/callback"),
            &r1,
            json!({"solved": false, "satisfaction": 2, "comment": "还是满的"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "handling");
    assert_eq!(v["reopened"], 1);
    // The unit was told.
    let inbox = app.get("/api/v1/notifications", &unit).await.json();
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == "reopened")
    );
    let rates = rates(&app, &app.bearer("street1").await, "unit").await;
    assert_eq!(rate_of(&rates, "PROPERTY-1", "resolution_rate"), Some(0.0));
    assert_eq!(
        rate_of(&rates, "PROPERTY-1", "satisfaction_rate"),
        Some(0.0)
    );
}

#[tokio::test]
async fn returns_reroutes_extensions_and_overrides() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let staff = app.bearer("staff1").await;
    let resident_id = app.resident_id_of("resident1").await;
    // Staff enter a 12345 call on behalf of resident1, overriding the category.
    let (s, filed) = file(
        &app,
        &staff,
        json!({"text": "来电反映楼下餐馆油烟很大，熏到家里", "lng": lng, "lat": lat,
               "channel": "hotline", "on_behalf_of": resident_id, "caller_phone": "13912345678",
               "category": "ENV.POLLUTION"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    assert_eq!(
        filed["category"]["confidence"],
        Value::Null,
        "a person chose"
    );
    let id = filed["id"].as_i64().expect("id");
    let view = app.get(&format!("/api/v1/cases/{id}"), &staff).await.json();
    assert_eq!(view["channel"], "hotline");
    assert_eq!(view["filed_on_behalf"], true);
    assert_eq!(view["caller"], "139****5678", "masked for the dispatcher");
    let raw = app
        .scalar_text(&format!("select caller_enc from cases where id = {id}"))
        .await
        .expect("enc");
    assert!(!raw.contains("13912345678"), "encrypted at rest");
    // The resident it was filed for sees it as theirs.
    let mine = app
        .get("/api/v1/cases?mine=true", &app.bearer("resident1").await)
        .await
        .json();
    assert!(
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|c| c["id"] == id)
    );
    // Residents may not set a channel or file for someone else.
    let r = app
        .post_json(
            "/api/v1/cases",
            &app.bearer("resident2").await,
            json!({"text": "噪音", "lng": lng, "lat": lat, "on_behalf_of": resident_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "ON_BEHALF_STAFF_ONLY");

    // The environment bureau returns it; the dispatcher re-routes to urban management.
    let order = filed["orders"][0]["id"].as_i64().expect("order");
    let env = app.bearer("staff1").await; // staff1 is not the unit: refused
    let r = app
        .post_json(
            &format!("/api/v1/orders/{order}/return"),
            &env,
            json!({"reason": "x"}),
        )
        .await;
    assert!(
        matches!(
            r.status,
            StatusCode::FORBIDDEN | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{}",
        r.body
    );
    let unit_user = crate::support::make_unit_user(&app, "ENVIRONMENT").await;
    let r = app
        .post_json(
            &format!("/api/v1/orders/{order}/return"),
            &unit_user,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.error_code(), "REASON_INVALID");
    let r = app
        .post_json(
            &format!("/api/v1/orders/{order}/return"),
            &unit_user,
            json!({"reason": "属于商户经营油烟，应由城管执法处理"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "accepted", "back with the dispatcher");
    let r = app
        .post_json(
            &format!("/api/v1/orders/{order}/reroute"),
            &staff,
            json!({"unit": "URBAN-MGMT", "reason": "按退单理由改派城管"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "dispatched");
    let new_order = v["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .find(|o| o["unit"] == "URBAN-MGMT")
        .expect("new order")["id"]
        .as_i64()
        .expect("id");
    // The unit that gave it back no longer reads the case (its rights follow its orders).
    assert_eq!(
        app.get(&format!("/api/v1/cases/{id}"), &unit_user)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let listed = app.get("/api/v1/cases", &unit_user).await.json();
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|c| c["id"] != id),
        "nor lists it"
    );

    // Urban management signs and asks for more time; the dispatcher approves.
    let urban = crate::support::make_unit_user(&app, "URBAN-MGMT").await;
    assert_eq!(
        app.post_json(
            &format!("/api/v1/orders/{new_order}/sign"),
            &urban,
            json!({})
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = app
        .post_json(
            &format!("/api/v1/orders/{new_order}/extend"),
            &urban,
            json!({"until": "2099-01-01", "reason": "需联系商户整改"}),
        )
        .await;
    assert_eq!(r.error_code(), "EXTENSION_INVALID", "more than 90 days");
    let due = v["orders"]
        .as_array()
        .expect("o")
        .iter()
        .find(|o| o["id"] == new_order)
        .expect("o")["due_at"]
        .as_str()
        .expect("due")
        .to_string();
    let due_ms = chrono::DateTime::parse_from_rfc3339(&due)
        .expect("rfc3339")
        .timestamp_millis();
    let until = gongzhi_app::clock::iso(due_ms + 3 * 86_400_000);
    let r = app
        .post_json(
            &format!("/api/v1/orders/{new_order}/extend"),
            &urban,
            json!({"until": until, "reason": "需联系商户整改，安装净化器"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(
            &format!("/api/v1/orders/{new_order}/extension"),
            &urban,
            json!({"approve": true}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "units do not approve their own extensions"
    );
    let r = app
        .post_json(
            &format!("/api/v1/orders/{new_order}/extension"),
            &staff,
            json!({"approve": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let o = &r.json()["orders"]
        .as_array()
        .expect("o")
        .iter()
        .find(|o| o["id"] == new_order)
        .cloned()
        .expect("o");
    assert_eq!(o["due_at"], until);
    assert_eq!(o["extension_until"], Value::Null);

    // The dispatcher's correction is a training example the model learns from at once.
    let text = "小区里有人私自占用消防通道堆放杂物";
    let (s, c2) = file(&app, &staff, json!({"text": text, "lng": lng, "lat": lat})).await;
    assert_eq!(s, StatusCode::CREATED);
    let model_said = c2["category"]["code"].as_str().expect("code").to_string();
    let target = if model_said == "SAF.FIRE" {
        "SAF.SECURITY"
    } else {
        "SAF.FIRE"
    };
    let id2 = c2["id"].as_i64().expect("id");
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id2}/reclassify"),
            &staff,
            json!({"category": target}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["category"]["code"], target);
    let stored = app
        .scalar_i64(&format!("select count(*) from routing_corrections where case_id = {id2} and label = '{target}' and model_label = '{model_said}'"))
        .await;
    assert_eq!(stored, 1);
    let classify = || async {
        app.post_json("/api/v1/routing/classify", &staff, json!({"text": text}))
            .await
            .json()["code"]
            .clone()
    };
    assert_eq!(
        classify().await,
        model_said.as_str(),
        "not learnt before it is reviewed"
    );
    // Street staff review it; once accepted the live model learns it at once.
    let street = app.bearer("street1").await;
    let pending = app.get("/api/v1/routing/corrections", &street).await.json();
    let cid = pending["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["case_id"] == id2)
        .expect("pending")["id"]
        .as_i64()
        .expect("id");
    let own = app
        .post_json(
            &format!("/api/v1/routing/corrections/{cid}/review"),
            &staff,
            json!({"accept": true}),
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "staff do not review");
    let r = app
        .post_json(
            &format!("/api/v1/routing/corrections/{cid}/review"),
            &street,
            json!({"accept": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        classify().await,
        target,
        "the live model learned the correction"
    );
    // Staff overriding at intake also leave an example (the ENV.POLLUTION call above, if the
    // model disagreed, and this one certainly).
    let before = app
        .scalar_i64("select count(*) from routing_corrections")
        .await;
    file(&app, &staff, json!({"text": "电梯里有人吸烟，味道很重", "lng": lng, "lat": lat + 0.0001, "category": "SVC.CONSULT"})).await;
    assert_eq!(
        app.scalar_i64("select count(*) from routing_corrections")
            .await,
        before + 1
    );
}

#[tokio::test]
async fn visibility_validation_and_pages() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let (_, filed) = file(
        &app,
        &r1,
        json!({"text": "楼道声控灯坏了", "lng": lng, "lat": lat}),
    )
    .await;
    let id = filed["id"].as_i64().expect("id");
    // Another resident, an unrelated unit and the auditor get 404 (audited).
    let denied_before = app.audit_count("access.denied", "denied").await;
    for u in ["resident2", "unit-water", "auditor1"] {
        let r = app
            .get(&format!("/api/v1/cases/{id}"), &app.bearer(u).await)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{u}");
    }
    assert!(app.audit_count("access.denied", "denied").await >= denied_before + 3);
    // Residents list only their own.
    let list = app
        .get("/api/v1/cases", &app.bearer("resident2").await)
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|c| c["id"] != id)
    );
    // Staff in scope see it.
    for u in ["street1", "staff1", "admin"] {
        assert_eq!(
            app.get(&format!("/api/v1/cases/{id}"), &app.bearer(u).await)
                .await
                .status,
            StatusCode::OK,
            "{u}"
        );
    }
    // Bad input: clear codes.
    let bad = [
        (json!({"text": "", "lng": lng, "lat": lat}), "TEXT_INVALID"),
        (
            json!({"text": "x", "lng": 0.0, "lat": 0.0}),
            "LOCATION_OUTSIDE",
        ),
        (
            json!({"text": "x", "lng": lng, "lat": lat, "category": "NOPE"}),
            "CATEGORY_UNKNOWN",
        ),
        (
            json!({"text": "x", "lng": lng, "lat": lat, "photos": ["data:image/png;base64,AAAA"]}),
            "PHOTO_INVALID",
        ),
    ];
    for (body, code) in bad {
        let r = app.post_json("/api/v1/cases", &r1, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {}",
            r.body
        );
        assert_eq!(r.error_code(), code);
    }
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "x", "lng": lng, "lat": lat, "channel": "hotline"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "CHANNEL_STAFF_ONLY");

    // Pages, in Chinese, for each role that uses them.
    let pages = [
        ("resident1", "/cases/new", "我要反映"),
        ("resident1", "/cases", "我的诉求"),
        ("resident1", &format!("/cases/{id}") as &str, "办理过程"),
        ("staff1", "/dispatch", "派单中心"),
        ("staff1", "/cases/new", "工作人员登记"),
        ("street1", "/supervision", "响应率"),
        ("unit-property1", "/orders", "我的工单"),
        ("unit-property1", "/inbox", "消息"),
        ("admin", "/admin/calendar", "春节"),
    ];
    for (user, path, needle) in pages {
        let auth = app.browser(user).await;
        let r = app.get(path, &auth).await;
        assert_eq!(r.status, StatusCode::OK, "{user} {path}: {}", r.body);
        assert!(r.body.contains(needle), "{user} {path} shows {needle}");
    }
    // The unit sees the new order in its inbox and signs from its order list (a form).
    let unit = app.browser("unit-property1").await;
    let inbox = app.get("/inbox", &unit).await;
    assert!(inbox.body.contains(&format!("#{id}")), "{}", inbox.body);
    let order = filed["orders"][0]["id"]
        .as_i64()
        .expect("order")
        .to_string();
    let csrf = unit.csrf();
    let r = app
        .post_form(
            &format!("/cases/{id}/act"),
            &unit,
            &[
                ("_csrf", &csrf),
                ("op", "sign"),
                ("order", &order),
                ("back", "/orders"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = app.get(&format!("/api/v1/cases/{id}"), &r1).await.json();
    assert_eq!(v["status"], "handling");
    // The web form files without JavaScript (building picker instead of a pin).
    let me = app.browser("resident2").await;
    let building = app
        .scalar_text("select cast(r.building_id as text) from users u join residents r on r.id = u.resident_id where u.username = 'resident2'")
        .await
        .expect("building");
    let csrf = me.csrf();
    let r = app
        .post_form(
            "/cases/new",
            &me,
            &[
                ("_csrf", &csrf),
                ("text", "楼下有人深夜大声喧哗，影响休息"),
                ("building", &building),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().starts_with("/cases/"), "{}", r.location());
    let r = app
        .post_form("/cases/new", &me, &[("_csrf", &csrf), ("text", "无位置")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("请选择楼栋或在地图上点选位置"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn warnings_and_escalation_run_once_across_nodes_and_restarts() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let (_, filed) = file(
        &app,
        &app.bearer("resident1").await,
        json!({"text": "电梯困人了，有老人被困在里面", "lng": lng, "lat": lat}),
    )
    .await;
    assert_eq!(filed["category"]["code"], "FAC.ELEVATOR", "{filed}");
    let id = filed["id"].as_i64().expect("id");
    // Nothing is due yet.
    let r = gongzhi_app::cases::jobs::tick(&app.st).await.expect("tick");
    assert_eq!((r.warned, r.escalated), (0, 0));
    // 4 h deadline on the clock: at 3.5 h a warning, at 4.5 h overdue → community.
    app.clock.advance_ms(3 * 3_600_000 + 30 * 60_000);
    // Two nodes ticking at once send each warning once.
    let (a, b) = tokio::join!(
        gongzhi_app::cases::jobs::tick(&app.st),
        gongzhi_app::cases::jobs::tick(&app.st)
    );
    assert_eq!(a.expect("a").warned + b.expect("b").warned, 1);
    app.clock.advance_ms(3_600_000);
    let r = gongzhi_app::cases::jobs::tick(&app.st).await.expect("tick");
    assert_eq!(r.escalated, 1);
    let r = gongzhi_app::cases::jobs::tick(&app.st).await.expect("tick");
    assert_eq!(r.escalated, 0, "a rung is climbed once");
    let v = app
        .get(&format!("/api/v1/cases/{id}"), &app.bearer("staff1").await)
        .await
        .json();
    assert_eq!(v["rung"], "community");
    assert_eq!(v["supervised"], true);
    assert_eq!(v["orders"][0]["overdue"], true);
    assert_eq!(v["orders"][0]["escalated_to"], "community");
    // An hour and a half late: the street office is told.
    app.clock.advance_ms(3_600_000);
    gongzhi_app::cases::jobs::tick(&app.st).await.expect("tick");
    let v = app
        .get(&format!("/api/v1/cases/{id}"), &app.bearer("street1").await)
        .await
        .json();
    assert_eq!(v["orders"][0]["escalated_to"], "street");
    let inbox = app
        .get("/api/v1/notifications", &app.bearer("street1").await)
        .await
        .json();
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == "overdue"),
        "{inbox}"
    );
    // Over two hours late: the district.
    app.clock.advance_ms(3_600_000);
    gongzhi_app::cases::jobs::tick(&app.st).await.expect("tick");
    let v = app
        .get(&format!("/api/v1/cases/{id}"), &app.bearer("admin").await)
        .await
        .json();
    assert_eq!(v["orders"][0]["escalated_to"], "district");
    assert_eq!(v["rung"], "district");
    assert_eq!(app.audit_count("order.escalate", "ok").await, 3);
    // Overdue cases show on the supervision list.
    let overdue = app
        .get(
            "/api/v1/cases?overdue=true&status=open",
            &app.bearer("street1").await,
        )
        .await
        .json();
    assert!(
        overdue["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|c| c["id"] == id)
    );
}

#[tokio::test]
async fn the_calendar_is_data_an_administrator_edits() {
    let app = TestApp::new().await;
    let admin = app.browser("admin").await;
    let csrf = admin.csrf();
    let text = "2027-01-01 holiday 元旦\n2027-02-06 workday 春节调休\n";
    let r = app
        .post_form(
            "/admin/calendar",
            &admin,
            &[("_csrf", &csrf), ("year", "2027"), ("text", text)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.scalar_i64("select count(*) from calendar_days where day like '2027-%'")
            .await,
        2
    );
    let r = app
        .post_form(
            "/admin/calendar",
            &admin,
            &[
                ("_csrf", &csrf),
                ("year", "2027"),
                ("text", "2027-13-01 holiday x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            "/admin/calendar",
            &admin,
            &[
                ("_csrf", &csrf),
                ("year", "2027"),
                ("text", "2026-05-01 holiday x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.scalar_i64("select count(*) from calendar_days where day like '2027-%'")
            .await,
        2,
        "nothing lost"
    );
    assert_eq!(app.audit_count("calendar.update", "ok").await, 1);
    // Only the administrator edits it.
    let staff = app.browser("staff1").await;
    let c2 = staff.csrf();
    let r = app
        .post_form(
            "/admin/calendar",
            &staff,
            &[("_csrf", &c2), ("year", "2027"), ("text", text)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The shipped 2026 notice is there from the start.
    assert!(
        app.scalar_i64("select count(*) from calendar_days where day like '2026-%'")
            .await
            >= 30
    );
}

#[tokio::test]
async fn demo_history_brings_the_screens_to_life() {
    let app = TestApp::new().await;
    let made = gongzhi_app::cases::demo::seed_history(&app.st, 7, 400)
        .await
        .expect("history");
    assert!(made >= 340, "{made}");
    let by = |status: &str| format!("select count(*) from cases where status = '{status}'");
    let closed = app.scalar_i64(&by("closed")).await;
    let open = app
        .scalar_i64("select count(*) from cases where status <> 'closed'")
        .await;
    assert!(
        closed > made as i64 / 2,
        "most old cases are closed: {closed}"
    );
    assert!(open > 0, "some are still open");
    for ch in ["web", "hotline", "patrol", "device"] {
        assert!(
            app.scalar_i64(&format!(
                "select count(*) from cases where channel = '{ch}'"
            ))
            .await
                > 0,
            "{ch}"
        );
    }
    assert!(
        app.scalar_i64("select count(*) from work_orders where overdue_rung is not null")
            .await
            > 0
    );
    // Status is always what the orders say (the same rule as live cases).
    let r = rates(&app, &app.bearer("street1").await, "unit").await;
    let t = &r["total"];
    for k in ["response_rate", "resolution_rate", "satisfaction_rate"] {
        let v = t[k].as_f64().expect(k);
        assert!((0.5..=1.0).contains(&v), "{k} = {v}");
    }
    let mine = app
        .get("/api/v1/cases", &app.bearer("resident1").await)
        .await
        .json();
    assert!(mine["total"].as_i64().expect("total") >= 1);
    // A newcomer's burst-pipe report at resident1's building is filed, not merged.
    let (lng, lat) = home_of(&app, "resident1").await;
    let (s, filed) = file(
        &app,
        &app.bearer("resident1").await,
        json!({"text": "楼道里水管爆了，水漫到电梯口了", "lng": lng, "lat": lat}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{filed}");
    // The supervision page renders the history.
    let r = app.get("/supervision", &app.browser("street1").await).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("%"), "rates are shown");
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    auth: &Auth,
    ctype: &str,
    body: Vec<u8>,
) -> crate::support::Resp {
    let req = auth
        .apply(
            axum::http::Request::builder()
                .method(axum::http::Method::POST)
                .uri(path)
                .header(axum::http::header::CONTENT_TYPE, ctype),
        )
        .body(axum::body::Body::from(body))
        .expect("request");
    app.send(req).await
}

#[tokio::test]
async fn hotline_exports_import_once_from_csv_and_xlsx() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let (lng, lat) = home_of(&app, "resident1").await;
    // An address that names a compound and building of the district.
    let b = app.st.org_map().buildings[3].clone();
    let addr = format!("示范区{}{}东侧", b.compound, b.name);
    let csv = format!(
        "\u{feff}工单编号,受理时间,来电号码,诉求内容,诉求地址,经度,纬度\n\
         GD-001,2026-11-20 09:12,13700001111,小区门口垃圾堆了三天没人清运,,{lng},{lat}\n\
         GD-002,2026-11-20 10:40,,楼道里的声控灯坏了一个多月,{addr},,\n\
         GD-003,2026-11-20 11:00,,不知道在哪里的问题,火星路1号,,\n\
         ,2026-11-20 11:05,,没有编号,,{lng},{lat}\n"
    );
    let r = post_raw(
        &app,
        "/api/v1/cases/import",
        &staff,
        "text/csv",
        csv.clone().into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rep = r.json();
    assert_eq!(rep["rows"], 4);
    assert_eq!(rep["created"], 2, "{rep}");
    let codes: Vec<&str> = rep["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["LOCATION_MISSING", "IMPORT_ORDER_NO"]);
    assert_eq!(rep["errors"][0]["row"], 4);
    // The address row was placed at its building.
    let placed = app
        .scalar_text("select cast(c.building_id as text) from cases c join intake_keys k on k.case_id = c.id where k.key = 'GD-002'")
        .await;
    assert_eq!(placed, Some(b.id.to_string()));
    // Importing the same export again makes nothing new.
    let again = post_raw(
        &app,
        "/api/v1/cases/import",
        &staff,
        "text/csv",
        csv.into_bytes(),
    )
    .await
    .json();
    assert_eq!(again["created"], 0);
    assert_eq!(again["already"], 2);
    // The same from an Excel file.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["工单编号", "诉求内容", "经度", "纬度"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("cell");
    }
    ws.write_string(1, 0, "GD-100").expect("cell");
    ws.write_string(1, 1, "路边的井盖松动了，车开过去咣当响")
        .expect("cell");
    ws.write_number(1, 2, lng + 0.001).expect("cell");
    ws.write_number(1, 3, lat).expect("cell");
    let bytes = wb.save_to_buffer().expect("xlsx");
    let r = post_raw(
        &app,
        "/api/v1/cases/import",
        &staff,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["created"], 1, "{}", r.body);
    assert_eq!(
        app.scalar_i64("select count(*) from cases where channel = 'import'")
            .await,
        3
    );
    // Bad files and roles.
    let r = post_raw(
        &app,
        "/api/v1/cases/import",
        &staff,
        "text/csv",
        b"a,b\n1,2\n".to_vec(),
    )
    .await;
    assert_eq!(r.error_code(), "IMPORT_COLUMNS");
    let r = post_raw(
        &app,
        "/api/v1/cases/import",
        &staff,
        "text/csv",
        vec![0xff, 0xfe, 0x00, 0x01],
    )
    .await;
    assert_eq!(r.error_code(), "IMPORT_UNREADABLE");
    let r = post_raw(
        &app,
        "/api/v1/cases/import",
        &app.bearer("resident1").await,
        "text/csv",
        b"x".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_unit_replans_its_unsigned_orders_as_one_batch() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let resident = app.bearer("resident1").await;
    // Three property orders arrive; the demo's one property worker gets them all.
    for (i, t) in ["电梯按钮失灵了", "小区路灯不亮", "单元门门禁坏了"]
        .iter()
        .enumerate()
    {
        let (s, _) = file(
            &app,
            &resident,
            json!({"text": t, "lng": lng + 0.0004 * i as f64, "lat": lat}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let unit = app
        .st
        .org_map()
        .handling_unit_by_code("PROPERTY-1")
        .expect("unit");
    let assigned_to_one = app
        .scalar_i64(&format!(
            "select count(distinct assignee_id) from work_orders where unit_id = {unit}"
        ))
        .await;
    assert_eq!(assigned_to_one, 1);
    // A second technician joins; the batch spreads the unsigned orders over both.
    let a = crate::support::make_unit_user(&app, "PROPERTY-1").await;
    let r = app.post_json("/api/v1/orders/assign", &a, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let changed = r.json()["assigned"].as_array().expect("pairs").len();
    assert!(changed >= 1, "load is balanced: {}", r.body);
    let distinct = app
        .scalar_i64(&format!("select count(distinct assignee_id) from work_orders where unit_id = {unit} and status = 'dispatched'"))
        .await;
    assert_eq!(distinct, 2, "both workers hold orders now");
    // Only unit staff plan their unit.
    let r = app
        .post_json(
            "/api/v1/orders/assign",
            &app.bearer("staff1").await,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn rollup_snapshot(app: &TestApp) -> Vec<i64> {
    let mut out = vec![];
    for dim in ["unit", "grid", "community", "street"] {
        for col in [
            "due_to_sign",
            "signed_in_time",
            "callbacks",
            "solved",
            "rated",
            "satisfied",
        ] {
            out.push(
                app.scalar_i64(&format!(
                    "select coalesce(cast(sum({col} * (key % 97 + 1) * (day % 13 + 1)) as bigint), 0) from rate_daily where dim = '{dim}'"
                ))
                .await,
            );
        }
    }
    out.push(app.scalar_i64("select coalesce(cast(sum(n * (grid_id % 97 + 1) * (day % 13 + 1)) as bigint), 0) from case_daily").await);
    out
}

/// The daily tallies kept up to date live equal a rebuild from the base tables.
async fn assert_rollups_match_rebuild(app: &TestApp) {
    let live = rollup_snapshot(app).await;
    gongzhi_app::cases::service::rebuild_rollups(&app.st.db, app.st.now_ms())
        .await
        .expect("rebuild");
    assert_eq!(
        live,
        rollup_snapshot(app).await,
        "live tallies equal the rebuild"
    );
}

#[tokio::test]
async fn live_tallies_equal_a_rebuild() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let unit = app.bearer("unit-property1").await;
    let water = app.bearer("unit-water").await;
    // A burst pipe (two units) solved; a garbage report unsolved; an unanswered order.
    let (_, a) = file(
        &app,
        &r1,
        json!({"text": "水管爆了", "lng": lng, "lat": lat, "category": "FAC.WATER"}),
    )
    .await;
    let (_, b) = file(
        &app,
        &r1,
        json!({"text": "垃圾没人清运", "lng": lng + 0.001, "lat": lat, "category": "ENV.GARBAGE"}),
    )
    .await;
    let (_, _c) = file(
        &app,
        &r1,
        json!({"text": "路灯不亮", "lng": lng - 0.001, "lat": lat, "category": "FAC.LIGHT"}),
    )
    .await;
    for (auth, case, u) in [
        (&unit, &a, "PROPERTY-1"),
        (&water, &a, "WATER"),
        (&unit, &b, "PROPERTY-1"),
    ] {
        let o = order_for(case, u);
        app.post_json(&format!("/api/v1/orders/{o}/sign"), auth, json!({}))
            .await;
        app.post_json(
            &format!("/api/v1/orders/{o}/feedback"),
            auth,
            json!({"text": "已处理完毕"}),
        )
        .await;
    }
    for (case, solved, sat) in [(&a, true, 5), (&b, false, 2)] {
        let id = case["id"].as_i64().expect("id");
        let r = app
            .post_json(
                &format!("/api/v1/cases/{id}/callback"),
                &r1,
                json!({"solved": solved, "satisfaction": sat}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // The street-light order is never signed: after its deadline the job counts it.
    app.clock.advance_ms(3 * 86_400_000);
    gongzhi_app::cases::jobs::tick(&app.st).await.expect("tick");
    assert_rollups_match_rebuild(&app).await;
    let rates = rates(&app, &app.bearer("street1").await, "unit").await;
    assert_eq!(
        rate_of(&rates, "PROPERTY-1", "response_rate"),
        Some(2.0 / 3.0),
        "{rates}"
    );
    assert_eq!(rate_of(&rates, "PROPERTY-1", "resolution_rate"), Some(0.5));
    assert_eq!(rate_of(&rates, "WATER", "satisfaction_rate"), Some(1.0));
    // Demo history is rolled up too.
    gongzhi_app::cases::demo::seed_history(&app.st, 5, 200)
        .await
        .expect("history");
    assert_rollups_match_rebuild(&app).await;
}

/// Reports arriving at once are written together; none is lost or filed twice, the
/// duplicates among them merge, and the tallies, reporter counts and audit trail agree.
#[tokio::test]
async fn reports_arriving_together_are_all_filed_once() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let groups = [
        ("小区垃圾桶满了没人清运，很臭", 0.0),
        ("楼道里的灯坏了，晚上很黑", 0.004),
        ("电梯停在三楼不动了，有人被困", 0.008),
        ("路边井盖松动了，车过去咣当响", -0.004),
    ];
    let before = app.scalar_i64("select count(*) from cases").await;
    let rows_before = app.scalar_i64("select count(*) from case_reporters").await;
    let files_before = app.audit_count("case.file", "ok").await;
    let merges_before = app.audit_count("case.merge", "ok").await;
    let bodies: Vec<Value> = (0..40)
        .map(|i| {
            let (text, dx) = groups[i % groups.len()];
            json!({"text": format!("{text}（{i}）"), "lng": lng + dx, "lat": lat + 0.00001 * i as f64})
        })
        .collect();
    let answers =
        futures_util::future::join_all(bodies.iter().map(|b| file(&app, &r1, b.clone()))).await;
    let mut created = 0;
    let mut merged = 0;
    for (s, j) in &answers {
        match *s {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {
                assert_eq!(j["merged"], true, "{j}");
                merged += 1;
            }
            other => panic!("{other}: {j}"),
        }
    }
    assert_eq!(created + merged, 40);
    // One case per matter when the writes are serial (SQLite); on PostgreSQL two
    // concurrent batches may each open one before seeing the other's.
    if !app.is_pg() {
        assert_eq!(created, groups.len(), "one case per matter");
    }
    assert!(created >= groups.len());
    assert_eq!(
        app.scalar_i64("select count(*) from cases").await - before,
        created as i64
    );
    // Every report is counted once, on the case it went to.
    let ids: std::collections::BTreeSet<i64> = answers
        .iter()
        .map(|(_, j)| j["id"].as_i64().expect("id"))
        .collect();
    let mut counted = 0;
    for id in &ids {
        let r = app.get(&format!("/api/v1/cases/{id}"), &r1).await;
        assert_eq!(r.status, StatusCode::OK);
        let mine = answers.iter().filter(|(_, j)| j["id"] == *id).count() as i64;
        assert_eq!(r.json()["reporters"], mine, "case {id}");
        counted += mine;
    }
    assert_eq!(counted, 40, "every report is counted once");
    assert_eq!(
        app.scalar_i64("select count(*) from case_reporters").await - rows_before,
        40
    );
    assert_eq!(
        app.audit_count("case.file", "ok").await - files_before,
        created as i64
    );
    assert_eq!(
        app.audit_count("case.merge", "ok").await - merges_before,
        merged as i64
    );
    // The batches appended their tallies; the jobs fold each key's rows into one and the
    // sums stay what they were.
    let before_fold = rollup_snapshot(&app).await;
    let dup_keys = "select count(*) from (select day, grid_id, category from case_daily \
                    group by day, grid_id, category having count(*) > 1) k";
    // (and rows appended by earlier batches, whatever this run's batching was)
    app.exec("insert into case_daily (day, grid_id, category, n) select day, grid_id, category, 0 from case_daily where n > 0 limit 3")
        .await
        .expect("append");
    assert!(app.scalar_i64(dup_keys).await > 0);
    gongzhi_app::cases::jobs::tick(&app.st).await.expect("tick");
    assert_eq!(app.scalar_i64(dup_keys).await, 0, "one row per key");
    assert_eq!(rollup_snapshot(&app).await, before_fold);
    assert_rollups_match_rebuild(&app).await;
}

/// One report that fails while being written does not sink the others written with it.
#[tokio::test]
async fn one_failing_report_fails_alone() {
    let app = TestApp::new().await;
    if app.is_pg() {
        app.exec(
            "create function refuse_poison() returns trigger language plpgsql as $$ \
             begin if new.text like '%POISON%' then raise exception 'poison'; end if; return new; end $$",
        )
        .await
        .expect("function");
        app.exec("create trigger refuse_poison before insert on cases for each row execute function refuse_poison()")
            .await
            .expect("trigger");
    } else {
        app.exec("create trigger refuse_poison before insert on cases when new.text like '%POISON%' begin select raise(abort, 'poison'); end")
            .await
            .expect("trigger");
    }
    let r1 = app.bearer("resident1").await;
    // Twelve buildings at least 200 m apart, so no report merges into another.
    let mut spots: Vec<(f64, f64)> = vec![];
    for b in &app.st.org_map().buildings {
        let far = spots.iter().all(|&(x, y): &(f64, f64)| {
            let (dx, dy) = ((b.lng - x) * 95_000.0, (b.lat - y) * 111_000.0);
            dx * dx + dy * dy > 200.0 * 200.0
        });
        if far {
            spots.push((b.lng, b.lat));
        }
    }
    assert!(spots.len() >= 12, "the fixture has 12 places apart");
    let bodies: Vec<Value> = (0..12)
        .map(|i| {
            let text = if i == 5 {
                "POISON 路灯不亮".to_string()
            } else {
                format!("第{i}件：楼道里的灯坏了")
            };
            let (lng, lat) = spots[i];
            json!({"text": text, "lng": lng, "lat": lat, "category": "FAC.LIGHT"})
        })
        .collect();
    let answers =
        futures_util::future::join_all(bodies.iter().map(|b| file(&app, &r1, b.clone()))).await;
    for (i, (s, j)) in answers.iter().enumerate() {
        if i == 5 {
            assert_eq!(*s, StatusCode::INTERNAL_SERVER_ERROR, "{j}");
        } else {
            assert!(s.is_success(), "report {i}: {s} {j}");
        }
    }
    assert_eq!(
        app.scalar_i64("select count(*) from cases where text like '第%'")
            .await,
        11
    );
    assert_eq!(
        app.scalar_i64("select count(*) from cases where text like '%POISON%'")
            .await,
        0
    );
}

/// A community may send a category to another unit than the taxonomy's; the rule takes
/// effect at once, only there, and is removed the same way.
#[tokio::test]
async fn per_community_routing_rules() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let admin = app.bearer("admin").await;
    let light = |i: i64| json!({"text": format!("第{i}盏路灯不亮了"), "lng": lng + 0.003 * i as f64, "lat": lat, "category": "FAC.LIGHT"});
    let (_, before) = file(&app, &r1, light(0)).await;
    let community = before["community"].as_str().expect("community").to_string();
    assert!(
        !units_of(&before).contains(&"WATER".to_string()),
        "{before}"
    );
    let rule = json!({"community": community, "category": "FAC.LIGHT", "unit": "WATER"});
    // Administrators only; unknown names are refused with their own codes.
    let r = app.put_json("/api/v1/org/routes", &r1, rule.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (bad, code) in [
        (
            json!({"community": "NOPE", "category": "FAC.LIGHT", "unit": "WATER"}),
            "COMMUNITY_UNKNOWN",
        ),
        (
            json!({"community": community, "category": "NOPE", "unit": "WATER"}),
            "CATEGORY_UNKNOWN",
        ),
        (
            json!({"community": community, "category": "FAC.LIGHT", "unit": "NOPE"}),
            "UNIT_UNKNOWN",
        ),
    ] {
        let r = app.put_json("/api/v1/org/routes", &admin, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.error_code(), code);
    }
    let r = app.put_json("/api/v1/org/routes", &admin, rule).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let (_, routed) = file(&app, &r1, light(1)).await;
    assert_eq!(routed["community"], community.as_str());
    assert_eq!(units_of(&routed), vec!["WATER".to_string()], "{routed}");
    assert_eq!(app.audit_count("org.route", "ok").await, 1);
    // Removed: the taxonomy decides again.
    let r = app
        .put_json(
            "/api/v1/org/routes",
            &admin,
            json!({"community": community, "category": "FAC.LIGHT", "unit": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (_, after) = file(&app, &r1, light(2)).await;
    assert_eq!(units_of(&after), units_of(&before));
}

/// The call-back form is on the page exactly for those the service lets call back: the
/// resident who reported the case and a dispatcher over its place. Everyone else who sees
/// the case — the grid worker and building head of its place, the units on it, a resident
/// account scoped to a unit — neither sees the form nor may post it (the page used to
/// offer it to any resident account that could see the case).
#[tokio::test]
async fn the_call_back_form_is_shown_exactly_to_those_allowed_to_call_back() {
    use gongzhi_core::identity::Role;
    let app = TestApp::new().await;
    let reporter = app.bearer("resident1").await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let (status, filed) = file(
        &app,
        &reporter,
        json!({"text": "3号楼门口水管爆裂了，地上全是水，请尽快来修", "lng": lng, "lat": lat}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let case_id = filed["id"].as_i64().expect("id");
    for unit in ["PROPERTY-1", "WATER"] {
        let staff = if unit == "WATER" {
            app.bearer("unit-water").await
        } else {
            app.bearer("unit-property1").await
        };
        let order = order_for(&filed, unit);
        for (op, body) in [("sign", json!({})), ("feedback", json!({"text": "已修复"}))] {
            let r = app
                .post_json(&format!("/api/v1/orders/{order}/{op}"), &staff, body)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{unit} {op}: {}", r.body);
        }
    }
    let water = app
        .st
        .org_map()
        .handling_unit_by_code("WATER")
        .expect("water");
    crate::support::make_user(&app, "resident-odd", Role::Resident, Scope::Unit(water)).await;
    let form = r#"name="op" value="callback""#;
    for (user, allowed) in [
        ("grid1", false),
        ("head1", false),
        ("unit-water", false),
        ("resident-odd", false),
        ("staff1", true),
        ("resident1", true),
    ] {
        let page = app
            .get(&format!("/cases/{case_id}"), &app.browser(user).await)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{user} sees the case");
        assert_eq!(page.body.contains(form), allowed, "{user}: form shown");
        if !allowed {
            let r = app
                .post_json(
                    &format!("/api/v1/cases/{case_id}/callback"),
                    &app.bearer(user).await,
                    json!({"solved": true, "satisfaction": 5}),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}: {}", r.body);
        }
    }
    let r = app
        .post_json(
            &format!("/api/v1/cases/{case_id}/callback"),
            &reporter,
            json!({"solved": true, "satisfaction": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
