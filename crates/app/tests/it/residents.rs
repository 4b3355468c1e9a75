//! Residents: scope checks, masking of every list, encryption at rest, lookup by keyed hash.

use axum::http::StatusCode;
use gongzhi_app::demo::generate;

use crate::support::{FIXTURE_RESIDENTS, TestApp};

fn demo() -> generate::Demo {
    generate::fixture(20_261_122, FIXTURE_RESIDENTS)
}

/// No 11-digit phone or 17-digit-plus-check ID appears in clear.
fn assert_no_clear_pii(body: &str, demo: &generate::Demo) {
    for r in &demo.residents {
        assert!(
            !body.contains(&r.phone),
            "clear phone {} in response",
            r.phone
        );
        assert!(!body.contains(&r.id_number), "clear ID number in response");
    }
    let digits: Vec<char> = body.chars().collect();
    let mut run = 0;
    for c in digits {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        assert!(run < 11, "a run of 11+ digits in a response");
    }
}

#[tokio::test]
async fn every_resident_list_is_masked_for_every_role_that_sees_one() {
    let app = TestApp::new().await;
    let demo = demo();
    for user in ["admin", "street1", "staff1", "grid1", "head1"] {
        let auth = app.bearer(user).await;
        let r = app.get("/api/v1/residents?per_page=500", &auth).await;
        assert_eq!(r.status, StatusCode::OK, "{user}");
        assert!(
            r.json()["total"].as_i64().unwrap_or(0) > 0,
            "{user} sees someone"
        );
        for item in r.json()["items"].as_array().cloned().unwrap_or_default() {
            let phone = item["phone"].as_str().unwrap_or_default();
            let id = item["id_number"].as_str().unwrap_or_default();
            assert!(phone.len() == 11 && &phone[3..7] == "****", "{phone}");
            assert!(
                id.len() == 18 && id[3..17].chars().all(|c| c == '*'),
                "{id}"
            );
        }
        assert_no_clear_pii(&r.body, &demo);
        let web = app.browser(user).await;
        let page = app.get("/residents", &web).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("****"));
        assert_no_clear_pii(&page.body, &demo);
    }
}

#[tokio::test]
async fn scopes_narrow_the_lists() {
    let app = TestApp::new().await;
    let total = |u: &'static str| {
        let app = &app;
        async move {
            let auth = app.bearer(u).await;
            app.get("/api/v1/residents?per_page=1", &auth).await.json()["total"]
                .as_i64()
                .unwrap_or(-1)
        }
    };
    let (all, street, community, grid, building) = (
        total("admin").await,
        total("street1").await,
        total("staff1").await,
        total("grid1").await,
        total("head1").await,
    );
    assert_eq!(all, FIXTURE_RESIDENTS as i64);
    // The fixture's district is one street: the street sees all of it.
    assert_eq!(all, street);
    assert!(
        street > community && community > grid && grid > building && building > 0,
        "{all} {street} {community} {grid} {building}"
    );
}

#[tokio::test]
async fn a_resident_sees_only_their_own_record() {
    let app = TestApp::new().await;
    let me = app.resident_id_of("resident1").await;
    let other = app.resident_id_of("resident2").await;
    let auth = app.bearer("resident1").await;
    let own = app.get(&format!("/api/v1/residents/{me}"), &auth).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        own.json()["phone"]
            .as_str()
            .is_some_and(|p| p.contains("****"))
    );
    let theirs = app.get(&format!("/api/v1/residents/{other}"), &auth).await;
    assert_eq!(
        theirs.status,
        StatusCode::NOT_FOUND,
        "another resident is as if absent"
    );
    assert_eq!(theirs.error_code(), "NOT_FOUND");
    let absent = app.get("/api/v1/residents/99999999", &auth).await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.body, absent.body, "existence is not revealed");
    let list = app.get("/api/v1/residents", &auth).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    assert_eq!(list.error_code(), "ROLE_FORBIDDEN");
    let web = app.browser("resident1").await;
    assert_eq!(
        app.get(&format!("/residents/{other}"), &web).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.audit_count("access.denied", "denied").await,
        3,
        "refused reads are audited"
    );
}

#[tokio::test]
async fn a_grid_worker_outside_their_grid_gets_404() {
    let app = TestApp::new().await;
    let grid = app
        .scalar_i64("select scope_id from users where username = 'grid1'")
        .await;
    let inside = app
        .scalar_i64(&format!(
            "select min(id) from residents where grid_id = {grid}"
        ))
        .await;
    let outside = app
        .scalar_i64(&format!(
            "select min(id) from residents where grid_id <> {grid}"
        ))
        .await;
    let auth = app.bearer("grid1").await;
    assert_eq!(
        app.get(&format!("/api/v1/residents/{inside}"), &auth)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/v1/residents/{outside}"), &auth)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for u in ["unit-property1", "mediator1", "auditor1"] {
        let a = app.bearer(u).await;
        assert_eq!(
            app.get(&format!("/api/v1/residents/{inside}"), &a)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{u}"
        );
        assert_eq!(
            app.get("/api/v1/residents", &a).await.status,
            StatusCode::FORBIDDEN,
            "{u}"
        );
    }
}

#[tokio::test]
async fn phone_and_id_number_are_encrypted_at_rest() {
    let app = TestApp::new().await;
    let demo = demo();
    let r = &demo.residents[0];
    let (enc_phone, enc_id): (String, String) = {
        let p = app
            .scalar_text("select phone_enc from residents order by id limit 1")
            .await
            .unwrap_or_default();
        let i = app
            .scalar_text("select id_number_enc from residents order by id limit 1")
            .await
            .unwrap_or_default();
        (p, i)
    };
    assert!(enc_phone.starts_with("v1.") && enc_id.starts_with("v1."));
    assert!(!enc_phone.contains(&r.phone) && !enc_phone.contains(&r.phone[7..]));
    assert!(!enc_id.contains(&r.id_number) && !enc_id.contains(&r.id_number[6..14]));
    // No row anywhere holds a clear phone number.
    let clear = app.scalar_i64(&format!("select count(*) from residents where phone_enc like '%{}%' or phone_idx like '%{}%' or name like '%{}%'", r.phone, r.phone, r.phone)).await;
    assert_eq!(clear, 0);
    // The right key decrypts; a wrong key fails authentication.
    let right = gongzhi_core::pii::Cipher::new(&crate::support::TEST_KEY);
    assert_eq!(
        right.decrypt("residents.phone", &enc_phone).as_deref(),
        Ok(r.phone.as_str())
    );
    let wrong = gongzhi_core::pii::Cipher::new(&[1; 32]);
    assert!(wrong.decrypt("residents.phone", &enc_phone).is_err());
}

#[tokio::test]
async fn staff_find_a_resident_by_exact_phone_through_the_keyed_hash() {
    let app = TestApp::new().await;
    let demo = demo();
    let target = demo
        .residents
        .iter()
        .find(|r| r.name.chars().count() >= 2)
        .expect("someone");
    let auth = app.bearer("admin").await;
    let r = app
        .get(&format!("/api/v1/residents?phone={}", target.phone), &auth)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["total"], 1);
    assert_eq!(r.json()["items"][0]["name"], target.name.as_str());
    assert_no_clear_pii(&r.body, &demo);
    let bad = app.get("/api/v1/residents?phone=12345", &auth).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_code(), "PHONE_INVALID");
    assert_eq!(
        bad.json()["errors"][0]["detail"],
        "手机号格式不正确，请输入11位手机号"
    );
    let by_id = gongzhi_app::residents::service::find_by_id_number(
        &app.st,
        &admin_user(&app).await,
        &target.id_number,
    )
    .await
    .expect("found");
    assert_eq!(by_id.name, target.name);
}

async fn admin_user(app: &TestApp) -> gongzhi_app::auth::service::CurrentUser {
    gongzhi_app::auth::service::acting_as(&app.st, "admin")
        .await
        .expect("admin")
}

#[tokio::test]
async fn tag_filter_finds_the_elderly_living_alone() {
    let app = TestApp::new().await;
    let auth = app.bearer("admin").await;
    let r = app
        .get(
            "/api/v1/residents?tag=%E7%8B%AC%E5%B1%85%E8%80%81%E4%BA%BA&per_page=500",
            &auth,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let items = r.json()["items"].as_array().cloned().unwrap_or_default();
    let expected = demo()
        .residents
        .iter()
        .filter(|x| x.tags.contains(&"独居老人"))
        .count();
    assert_eq!(items.len(), expected);
    assert!(items.iter().all(|i| {
        i["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|x| x == "独居老人"))
    }));
    let unknown = app.get("/api/v1/residents?tag=VIP", &auth).await;
    assert_eq!(unknown.error_code(), "TAG_UNKNOWN");
}
