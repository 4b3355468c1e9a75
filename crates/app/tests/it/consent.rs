//! Consent and notice (security checklist items 1–6): records per purpose and policy
//! version, separate consent for sensitive data, guardians under 14, re-consent, one-call
//! withdrawal, and core functions without optional consent.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{Auth, TestApp};

async fn consent_rows(app: &TestApp, purpose: &str) -> i64 {
    app.scalar_i64(&format!(
        "select count(*) from consents where purpose = '{purpose}'"
    ))
    .await
}

#[tokio::test]
async fn optional_processing_needs_consent_and_the_row_carries_the_policy_version() {
    let app = TestApp::new().await;
    let demo_grants = app.audit_count("consent.grant", "ok").await;
    let r1 = app.bearer("resident1").await;
    let contacts = json!({"phone": "13900001111"});
    let r = app
        .put_json("/api/v1/me/contacts", &r1, contacts.clone())
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "CONSENT_REQUIRED")
    );
    assert!(
        r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("同意")
    );
    let r = app
        .post_json(
            "/api/v1/me/consents",
            &r1,
            json!({"purposes": ["notify_external"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = r.json()["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "notify_external")
        .cloned()
        .unwrap();
    assert_eq!(p["allowed"], true);
    let r = app.put_json("/api/v1/me/contacts", &r1, contacts).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let row = app
        .scalar_text("select policy_version || ',' || kind || ',' || channel from consents where purpose = 'notify_external'")
        .await
        .unwrap();
    assert_eq!(
        row,
        format!("{},general,api", app.st.policy.version),
        "the policy in force"
    );
    assert_eq!(app.st.policy.version, 5);
    // One grant here, besides the demo's (a health note, listings, enrolments).
    assert_eq!(
        app.audit_count("consent.grant", "ok").await,
        demo_grants + 1
    );
    let phone = app
        .scalar_text("select notify_phone_enc from users where username = 'resident1'")
        .await
        .unwrap();
    assert!(!phone.contains("13900001111"), "encrypted at rest");
    // Necessary purposes are not consented to: they need none.
    let r = app
        .post_json(
            "/api/v1/me/consents",
            &r1,
            json!({"purposes": ["case_handling"]}),
        )
        .await;
    assert_eq!(r.error_code(), "PURPOSE_NOT_OPTIONAL");
    // The page shows the same and grants with one button.
    let web = app.browser("resident2").await;
    let page = app.get("/account/privacy", &web).await;
    assert!(
        page.body.contains("短信、邮件通知") && page.body.contains("未同意"),
        "{}",
        page.body
    );
    let r = app
        .post_form(
            "/account/privacy/grant",
            &web,
            &[("_csrf", &web.csrf()), ("purpose", "notify_external")],
        )
        .await;
    assert_eq!(r.location(), "/account/privacy");
    let page = app.get("/account/privacy", &web).await;
    assert!(page.body.contains("已同意"), "{}", page.body);
}

#[tokio::test]
async fn sensitive_data_needs_the_separate_call() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let care = json!({"needs": ["lives_alone", "mobility"], "note": "腿脚不便，独居"});
    assert_eq!(
        app.put_json("/api/v1/me/care", &r1, care.clone())
            .await
            .error_code(),
        "CONSENT_REQUIRED"
    );
    // The general call cannot set it, neither by naming it nor with a flag of its own.
    let r = app
        .post_json(
            "/api/v1/me/consents",
            &r1,
            json!({"purposes": ["care_needs"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "SEPARATE_CONSENT_REQUIRED"
        )
    );
    let r = app
        .post_json(
            "/api/v1/me/consents",
            &r1,
            json!({"purposes": ["notify_external"], "sensitive_health": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(consent_rows(&app, "care_needs").await, 0);
    assert_eq!(
        consent_rows(&app, "notify_external").await,
        0,
        "nothing half-done"
    );
    // The separate call refuses ordinary purposes, and grants the sensitive one.
    let r = app
        .post_json(
            "/api/v1/me/consents/separate",
            &r1,
            json!({"purpose": "notify_external"}),
        )
        .await;
    assert_eq!(r.error_code(), "PURPOSE_NOT_SEPARATE");
    let r = app
        .post_json(
            "/api/v1/me/consents/separate",
            &r1,
            json!({"purpose": "care_needs"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let kind = app
        .scalar_text("select kind from consents where purpose = 'care_needs'")
        .await
        .unwrap();
    assert_eq!(kind, "separate");
    let r = app.put_json("/api/v1/me/care", &r1, care).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let sealed = app
        .scalar_text("select care_sealed from residents where id = (select resident_id from users where username = 'resident1')")
        .await
        .unwrap();
    assert!(
        !sealed.contains("独居") && !sealed.contains("lives_alone"),
        "sealed at rest"
    );
    // The grid worker who visits sees the needs (not the note).
    let id = app.resident_id_of("resident1").await;
    let v = app
        .get(
            &format!("/api/v1/residents/{id}"),
            &app.bearer("grid1").await,
        )
        .await;
    assert_eq!(
        v.json()["care_needs"],
        json!(["lives_alone", "mobility"]),
        "{}",
        v.body
    );
    assert!(!v.body.contains("独居"));
    // On the page, the sensitive purpose has its own tick box.
    let web = app.browser("resident2").await;
    let r = app
        .post_form(
            "/account/privacy/grant",
            &web,
            &[("_csrf", &web.csrf()), ("purpose", "care_needs")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app.get("/account/privacy", &web).await;
    assert!(page.body.contains("name=\"separate\""), "{}", page.body);
}

/// An 18-character ID number of someone born on `(y, m, d)`, with a right check character.
fn id_born(y: i32, m: u32, d: u32) -> String {
    let first17 = format!("110105{y:04}{m:02}{d:02}123");
    let c = gongzhi_core::pii::check_char(first17.as_bytes());
    format!("{first17}{c}")
}

#[tokio::test]
async fn children_under_14_need_a_guardian_until_their_fourteenth_birthday() {
    use chrono::{Datelike, Duration, NaiveDate};
    use gongzhi_app::auth::service::{UserSpec, Who, create_user};
    use gongzhi_core::identity::{Role, Scope};
    let app = TestApp::new().await;
    // Born 14 years ago tomorrow (China time): today they are 13 years and 364 days old.
    let (y, m, d) = gongzhi_app::clock::ymd_cn(app.st.now_ms());
    let tomorrow = NaiveDate::from_ymd_opt(y, m, d).unwrap() + Duration::days(1);
    let birth = NaiveDate::from_ymd_opt(tomorrow.year() - 14, tomorrow.month(), tomorrow.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(tomorrow.year() - 14, 3, 1).unwrap());
    let parent = app.resident_id_of("resident1").await;
    let child = {
        let mut tx = app.st.db.begin().await.unwrap();
        let household: i64 = app
            .scalar_i64(&format!(
                "select household_id from residents where id = {parent}"
            ))
            .await;
        let place: (i64, i64, i64, i64) = (
            app.scalar_i64(&format!(
                "select building_id from residents where id = {parent}"
            ))
            .await,
            app.scalar_i64(&format!(
                "select grid_id from residents where id = {parent}"
            ))
            .await,
            app.scalar_i64(&format!(
                "select community_id from residents where id = {parent}"
            ))
            .await,
            app.scalar_i64(&format!(
                "select street_id from residents where id = {parent}"
            ))
            .await,
        );
        let id = gongzhi_app::residents::service::register(
            &app.st,
            &mut tx,
            &gongzhi_app::residents::service::Registration {
                household_id: household,
                place: gongzhi_app::residents::service::Place {
                    building_id: place.0,
                    grid_id: place.1,
                    community_id: place.2,
                    street_id: place.3,
                },
                name: "王小明",
                gender: "男",
                birth_year: i64::from(birth.year()),
                phone: "13700002222",
                id_number: &id_born(birth.year(), birth.month(), birth.day()),
                tags: &[],
            },
            app.st.now_ms(),
        )
        .await
        .expect("register the child");
        tx.commit().await.unwrap();
        id
    };
    create_user(
        &app.st,
        Who::System("test"),
        &UserSpec {
            username: "xiaoming",
            display_name: "王小明",
            password: crate::support::PASSWORD,
            role: Role::Resident,
            scope: Scope::OwnResident(child),
            resident_id: Some(child),
        },
    )
    .await
    .unwrap();
    let kid = app.bearer("xiaoming").await;
    let grant = json!({"purposes": ["notify_external"]});
    let r = app
        .post_json("/api/v1/me/consents", &kid, grant.clone())
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "GUARDIAN_REQUIRED"),
        "13 years 364 days"
    );
    // The parent is not yet the registered guardian: the child's record is not theirs.
    let parent_auth = app.bearer("resident1").await;
    let for_child = json!({"purposes": ["notify_external"], "for_resident": child});
    let r = app
        .post_json("/api/v1/me/consents", &parent_auth, for_child.clone())
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Community staff register the guardian (an outsider cannot); then the parent consents.
    let r = app
        .post_json(
            &format!("/api/v1/residents/{child}/guardians"),
            &app.bearer("unit-water").await,
            json!({"username": "resident1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_json(
            &format!("/api/v1/residents/{child}/guardians"),
            &app.bearer("staff1").await,
            json!({"username": "resident1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .post_json("/api/v1/me/consents", &parent_auth, for_child.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["guardian_required"], true);
    let r = app
        .put_json("/api/v1/me/contacts", &kid, json!({"phone": "13700002222"}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "the guardian's consent counts: {}",
        r.body
    );
    let st = app.get("/api/v1/me/consents", &kid).await;
    let p = st.json()["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "notify_external")
        .cloned()
        .unwrap();
    assert_eq!(p["last"]["by"], "guardian");
    // On the 14th birthday the child consents themselves, and the guardian no longer can.
    app.clock.advance_ms(86_400_000);
    let (kid, parent_auth) = (app.bearer("xiaoming").await, app.bearer("resident1").await);
    let r = app.post_json("/api/v1/me/consents", &kid, grant).await;
    assert_eq!(r.status, StatusCode::OK, "the 14th birthday: {}", r.body);
    assert_eq!(r.json()["guardian_required"], false);
    let r = app
        .post_json("/api/v1/me/consents", &parent_auth, for_child)
        .await;
    assert_eq!(r.error_code(), "WARD_OF_AGE");
}

/// The compiled-in policy as version 1 (without care needs) and version 2 (adding them,
/// before micro-renewal came with version 3).
fn policies() -> (String, String) {
    let text = gongzhi_app::consent::DEFAULT_POLICY;
    let at = text
        .find("[[purpose]]\ncode = \"care_needs\"")
        .expect("care_needs purpose");
    // Version 1 held the purposes before care needs (those after came with version 2).
    let v1 = text[..at].replace("version = 5", "version = 1");
    let v2 = text.replace(
        "sensitive = true\nadded_in = 1",
        "sensitive = true\nadded_in = 2",
    );
    // Version 3 added micro-renewal: version 2 is everything before it.
    let cut = v2
        .find("[[purpose]]\ncode = \"micro_renewal\"")
        .unwrap_or(v2.len());
    let v2 = v2[..cut].replace("version = 5", "version = 2");
    (v1, v2)
}

#[tokio::test]
async fn a_purpose_added_by_a_new_policy_asks_for_consent_again() {
    let app = TestApp::new().await;
    let (v1, v2) = policies();
    let old = app.node_with(|c| c.privacy_policy = Some(v1)).await;
    let r1 = old.bearer("resident1").await;
    let r = old
        .post_json(
            "/api/v1/me/consents",
            &r1,
            json!({"purposes": ["notify_external"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["policy_version"], 1);
    // The operator installs version 2, which adds care needs.
    let new = app.node_with(|c| c.privacy_policy = Some(v2)).await;
    let r1 = new.bearer("resident1").await;
    let r = new
        .put_json("/api/v1/me/care", &r1, json!({"needs": ["hearing"]}))
        .await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::CONFLICT, "RECONSENT_REQUIRED"),
        "{}",
        r.body
    );
    let r = new
        .put_json(
            "/api/v1/me/contacts",
            &r1,
            json!({"email": "wang@example.com"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NO_CONTENT,
        "the old purpose goes on: {}",
        r.body
    );
    // Someone who never accepted anything is asked to consent, not to consent again.
    let r2 = new.bearer("resident2").await;
    let r = new
        .put_json("/api/v1/me/care", &r2, json!({"needs": ["hearing"]}))
        .await;
    assert_eq!(r.error_code(), "CONSENT_REQUIRED");
    let r = new
        .post_json(
            "/api/v1/me/consents/separate",
            &r1,
            json!({"purpose": "care_needs"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = new
        .put_json("/api/v1/me/care", &r1, json!({"needs": ["hearing"]}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = new
        .scalar_i64("select policy_version from consents where purpose = 'care_needs'")
        .await;
    assert_eq!(v, 2);
}

#[tokio::test]
async fn withdrawal_is_one_call_stops_processing_and_keeps_the_history() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    app.post_json(
        "/api/v1/me/consents",
        &r1,
        json!({"purposes": ["notify_external"]}),
    )
    .await;
    app.post_json(
        "/api/v1/me/consents/separate",
        &r1,
        json!({"purpose": "care_needs"}),
    )
    .await;
    assert_eq!(
        app.put_json("/api/v1/me/contacts", &r1, json!({"phone": "13900001111"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.put_json("/api/v1/me/care", &r1, json!({"needs": ["sight"]}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = app
        .send_delete("/api/v1/me/consents/notify_external", &r1)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.send_delete("/api/v1/me/consents/care_needs", &r1).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Processing stops, and what was kept only for it is gone.
    assert_eq!(
        app.put_json("/api/v1/me/contacts", &r1, json!({"phone": "13900001111"}))
            .await
            .error_code(),
        "CONSENT_REQUIRED"
    );
    assert_eq!(
        app.scalar_i64(
            "select count(*) from users where username = 'resident1' and notify_phone_enc is null"
        )
        .await,
        1
    );
    assert_eq!(
        app.scalar_i64("select count(*) from residents where care_sealed is not null")
            .await,
        0
    );
    // Earlier records stand; the withdrawal is a row of its own, and audited.
    assert_eq!(
        app.scalar_i64(
            "select count(*) from consents where purpose = 'notify_external' and granted"
        )
        .await,
        1
    );
    assert_eq!(consent_rows(&app, "notify_external").await, 2);
    assert_eq!(app.audit_count("consent.withdraw", "ok").await, 2);
    // Necessary purposes cannot be withdrawn (cancel the account instead).
    let r = app
        .send_delete("/api/v1/me/consents/case_handling", &r1)
        .await;
    assert_eq!(r.error_code(), "PURPOSE_NOT_OPTIONAL");
    // The export carries the history.
    let e = app.get("/api/v1/me/export", &r1).await;
    assert_eq!(e.json()["consents"]["events"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn core_functions_work_without_optional_consent() {
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident2").await;
    let r2 = app.bearer("resident2").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r2,
            json!({"text": "楼道灯坏了，晚上看不见", "lng": lng, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // None of resident2's own (the demo records them as guardian of children it enrolled).
    assert_eq!(
        app.scalar_i64("select count(*) from consents where subject = 'r:' || (select resident_id from users where username = 'resident2')")
            .await,
        0
    );
    let state = app.get("/api/v1/me/consents", &r2).await;
    let necessary: Vec<_> = state.json()["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["basis"] == "necessary")
        .map(|p| p["allowed"].as_bool().unwrap())
        .collect();
    assert!(!necessary.is_empty() && necessary.iter().all(|a| *a));
    let _ = Auth::None;
}
