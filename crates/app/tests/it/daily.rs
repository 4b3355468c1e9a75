//! Daily use (issue 18): what real users and real data need from the existing flows.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn long_hotline_transcripts_are_accepted_and_common_paging_spellings_work() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    // A 12345 transcript of 5,000 characters: the matter first, then the conversation.
    let transcript = format!(
        "市民来电反映：阳光花苑3号楼地下室水管爆裂，水漫到楼道。{}",
        "话务员：请问具体位置？市民：就在3号楼一单元楼梯下面，水一直往外冒。".repeat(150)
    );
    assert!(transcript.chars().count() > 5000);
    let r = app
        .post_json(
            "/api/v1/routing/classify",
            &staff,
            json!({"text": transcript}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.json()["code"],
        "FAC.WATER",
        "the head says what the matter is"
    );
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &staff,
            json!({"text": transcript, "lng": lng, "lat": lat, "channel": "hotline"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Past the documented ceiling: refused with a code, not cut.
    let r = app
        .post_json(
            "/api/v1/routing/classify",
            &staff,
            json!({"text": "长".repeat(gongzhi_core::classify::MAX_TEXT_CHARS + 1)}),
        )
        .await;
    assert_eq!(r.error_code(), "TEXT_TOO_LONG");
    // Paging: per_page, and the spellings other APIs use.
    for q in [
        "per_page=2",
        "page_size=2",
        "pageSize=2",
        "limit=2",
        "size=2",
    ] {
        let r = app.get(&format!("/api/v1/residents?{q}"), &staff).await;
        assert_eq!(
            r.json()["items"].as_array().map(Vec::len),
            Some(2),
            "{q}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn a_refused_report_form_comes_back_with_what_was_typed_and_why() {
    let app = TestApp::new().await;
    let web = app.browser("staff1").await;
    let typed = "阳光花苑东门外的路灯坏了三天，晚上很黑，老人出门不方便";
    let r = app
        .post_form(
            "/cases/new",
            &web,
            &[
                ("_csrf", &web.csrf()),
                ("text", typed),
                ("building", ""),
                ("address", "东门外人行道"),
                ("channel", "hotline"),
                ("caller_phone", "13912345678"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("data-code=\"LOCATION_MISSING\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("请选择楼栋或在地图上点选位置"));
    assert!(r.body.contains(typed), "the text is kept");
    assert!(
        r.body.contains("value=\"东门外人行道\""),
        "the address is kept"
    );
    assert!(
        r.body.contains("value=\"13912345678\""),
        "the caller's number is kept"
    );
    assert!(
        r.body.contains("<option value=\"hotline\" selected>"),
        "the channel is kept"
    );
    assert!(
        r.body.contains("aria-invalid=\"true\""),
        "the place is marked"
    );
    // A bad resident id on someone's behalf names that field.
    let r = app
        .post_form(
            "/cases/new",
            &web,
            &[
                ("_csrf", &web.csrf()),
                ("text", typed),
                ("lng", "121.5"),
                ("lat", "31.2"),
                ("on_behalf_of", "张三"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("data-code=\"RESIDENT_UNKNOWN\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"张三\""));
}
