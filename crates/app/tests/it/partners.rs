//! 社区合伙人 and 五社联动 (issue 21): a partner's donation reaches a campaign's public book
//! — a movement in the community's charity book, on the ledger — with beneficiaries masked
//! and coverage computed from rows; help never exceeds what the campaign holds; residents
//! read, only staff write; another community's residents are told nothing exists.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn a_partner_s_donation_reaches_a_campaign_s_public_book() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let r1 = app.bearer("resident1").await;
    let r = app
        .post_json(
            "/api/v1/campaigns",
            &staff,
            json!({"title": "独居老人冬季关爱", "purpose": "棉被和取暖费", "target_fen": 1_000_000, "foundation": "区慈善会"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let c = r.json()["id"].as_i64().unwrap();
    let r = app
        .post_json(
            "/api/v1/campaigns",
            &r1,
            json!({"title": "x", "purpose": "y", "target_fen": 100, "foundation": "z"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "residents do not open campaigns"
    );
    let r = app
        .post_json(
            "/api/v1/partners",
            &staff,
            json!({"name": "街角超市", "kind": "shop", "offers": ["money", "services"], "note": "周边商户"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json()["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/partners/{p}/contributions"),
            &staff,
            json!({"kind": "books", "description": "图书", "amount_fen": 100}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only money has an amount"
    );
    let r = app
        .post_json(
            &format!("/api/v1/partners/{p}/contributions"),
            &staff,
            json!({"kind": "money", "description": "冬季捐款", "amount_fen": 300_000, "campaign": c}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // An agreement is published on the ledger.
    let r = app
        .post_json(
            &format!("/api/v1/partners/{p}/agreements"),
            &staff,
            json!({"title": "年度合作", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "terms": "每月捐赠一次"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Beneficiaries by mobile, stored masked: an unknown number is refused with a code;
    // the registry's residents are registered through the same service call.
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{c}/beneficiaries"),
            &staff,
            json!({"phone": "13900000000", "need": "独居"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "RESIDENT_UNKNOWN");
    let staff_user = gongzhi_app::auth::service::acting_as(&app.st, "staff1")
        .await
        .unwrap();
    let mut bens = vec![];
    for who in ["resident2", "elder1"] {
        let id = app.resident_id_of(who).await;
        bens.push(
            gongzhi_app::partners::service::add_beneficiary_resident(
                &app.st,
                &staff_user,
                c,
                id,
                "独居，需要棉被",
            )
            .await
            .unwrap(),
        );
    }
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{c}/help"),
            &staff,
            json!({"beneficiary": bens[0], "amount_fen": 300_001, "purpose": "棉被"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["code"], "CAMPAIGN_OVERDRAWN");
    let r = app
        .post_json(
            &format!("/api/v1/campaigns/{c}/help"),
            &staff,
            json!({"beneficiary": bens[0], "amount_fen": 50_000, "purpose": "棉被两床"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // resident1 (same community) reads the public book; an outsider's account would not.
    let v = app.get(&format!("/api/v1/campaigns/{c}"), &r1).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.body);
    let v = v.json();
    assert_eq!(v["raised_fen"], 300_000);
    assert_eq!(v["given_fen"], 50_000);
    assert_eq!(v["coverage_pct"], 50, "one of two helped");
    let book = v["book"].as_array().unwrap();
    assert_eq!(book.len(), 2);
    assert_eq!(book[0]["donor"], "街角超市");
    for b in v["beneficiaries"].as_array().unwrap() {
        assert!(b["name"].as_str().unwrap().contains('*'), "masked: {b}");
    }
    // Each line is a movement of the charity book and an entry of the ledger.
    let c1 = app
        .scalar_i64("select community_id from campaigns order by id desc limit 1")
        .await;
    let funds = app
        .get(&format!("/api/v1/funds/communities/{c1}"), &r1)
        .await;
    assert_eq!(funds.status, StatusCode::OK);
    assert!(
        funds.body.contains("街角超市"),
        "the donation is on the community's books"
    );
    for m in book {
        let i = m["ledger_index"].as_i64().unwrap();
        let e = app
            .get(
                &format!("/api/v1/ledger/entries/{i}"),
                &crate::support::Auth::None,
            )
            .await;
        assert_eq!(e.status, StatusCode::OK, "{}", e.body);
        assert!(e.body.contains("charity"), "{}", e.body);
    }
}
