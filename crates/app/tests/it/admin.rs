//! Administration: users, organisation units and handling units, admin-only.

use axum::http::StatusCode;

use crate::support::{Auth, PASSWORD, TestApp};

#[tokio::test]
async fn only_admins_reach_the_admin_pages() {
    let app = TestApp::new().await;
    for u in ["staff1", "street1", "resident1", "auditor1"] {
        let a = app.browser(u).await;
        for path in ["/admin/users", "/admin/org", "/admin/units"] {
            assert_eq!(
                app.get(path, &a).await.status,
                StatusCode::FORBIDDEN,
                "{u} {path}"
            );
        }
        let r = app
            .post_form(
                "/admin/units",
                &a,
                &[
                    ("_csrf", &a.csrf()),
                    ("code", "Z-1"),
                    ("kind", "water"),
                    ("name", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let admin = app.browser("admin").await;
    for path in ["/admin/users", "/admin/org", "/admin/units"] {
        assert_eq!(app.get(path, &admin).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn an_admin_creates_a_user_who_can_then_log_in() {
    let app = TestApp::new().await;
    let admin = app.browser("admin").await;
    let community = app
        .scalar_i64("select scope_id from users where username = 'staff1'")
        .await
        .to_string();
    let form = [
        ("_csrf", admin.csrf()),
        ("username", "staff2".into()),
        ("display_name", "李娜".into()),
        ("password", "another-good-pass".into()),
        ("role", "community_staff".into()),
        ("scope_kind", "community".into()),
        ("scope_id", community),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form("/admin/users", &admin, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("ok=1"), "{}", r.location());
    let list = app.get("/admin/users", &admin).await;
    assert!(list.body.contains("staff2") && list.body.contains("李娜"));
    let login = app
        .post_json(
            "/api/v1/auth/login",
            &Auth::None,
            serde_json::json!({"username": "staff2", "password": "another-good-pass"}),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.json()["user"]["scope"]["name"], "翠竹社区");
    // A taken username and a weak password come back with a reason in Chinese.
    let dup = app.post_form("/admin/users", &admin, &form).await;
    assert!(
        dup.location().contains("error=USERNAME_TAKEN"),
        "{}",
        dup.location()
    );
    let shown = app.get(&dup.location(), &admin).await;
    assert!(shown.body.contains("该用户名已被使用"));
    let mut weak = form.clone();
    weak[1] = ("username", "staff3");
    weak[3] = ("password", "password");
    let r = app.post_form("/admin/users", &admin, &weak).await;
    assert!(r.location().contains("error=PASSWORD_TOO_COMMON"));
    assert_eq!(app.audit_count("user.create", "ok").await, 17);
    let _ = PASSWORD;
}

#[tokio::test]
async fn an_admin_adds_a_grid_and_the_map_locates_into_it() {
    let app = TestApp::new().await;
    let admin = app.browser("admin").await;
    let community = app
        .scalar_i64("select id from org_units where level = 'community' order by code limit 1")
        .await;
    let parent = community.to_string();
    let bad = app
        .post_form(
            "/admin/org",
            &admin,
            &[
                ("_csrf", &admin.csrf()),
                ("level", "grid"),
                ("parent_id", &parent),
                ("code", "NEW-G1"),
                ("name", "新网格"),
                ("geometry", r#"{"type":"Point","coordinates":[0,0]}"#),
            ],
        )
        .await;
    assert!(
        bad.location().contains("error=GEOMETRY_NOT_AREA"),
        "{}",
        bad.location()
    );
    // A square far from the demo district.
    let square = r#"{"type":"Polygon","coordinates":[[[120.0,30.0],[120.01,30.0],[120.01,30.01],[120.0,30.01],[120.0,30.0]]]}"#;
    let ok = app
        .post_form(
            "/admin/org",
            &admin,
            &[
                ("_csrf", &admin.csrf()),
                ("level", "grid"),
                ("parent_id", &parent),
                ("code", "NEW-G1"),
                ("name", "新网格"),
                ("geometry", square),
            ],
        )
        .await;
    assert!(ok.location().contains("ok=1"), "{}", ok.location());
    let loc = app
        .get("/api/v1/org/locate?lng=120.005&lat=30.005", &Auth::None)
        .await;
    assert_eq!(loc.status, StatusCode::OK);
    assert_eq!(loc.json()["grid"], "NEW-G1");
    assert_eq!(loc.json()["zone"], "public");
    // A grid must hang under a community.
    let district = app
        .scalar_i64("select id from org_units where level = 'district'")
        .await
        .to_string();
    let wrong = app
        .post_form(
            "/admin/org",
            &admin,
            &[
                ("_csrf", &admin.csrf()),
                ("level", "grid"),
                ("parent_id", &district),
                ("code", "NEW-G2"),
                ("name", "错层网格"),
                ("geometry", square),
            ],
        )
        .await;
    assert!(wrong.location().contains("error=PARENT_INVALID"));
    // Renaming is audited and shows up in the API.
    let gid = app
        .scalar_i64("select id from org_units where code = 'NEW-G1'")
        .await;
    let r = app
        .post_form(
            &format!("/admin/org/{gid}/rename"),
            &admin,
            &[("_csrf", &admin.csrf()), ("name", "滨河网格")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let loc = app
        .get("/api/v1/org/locate?lng=120.005&lat=30.005", &Auth::None)
        .await;
    assert_eq!(loc.json()["grid_name"], "滨河网格");
    assert_eq!(app.audit_count("org.rename", "ok").await, 1);
}

#[tokio::test]
async fn handling_units_from_the_taxonomy_are_seeded_and_extendable() {
    let app = TestApp::new().await;
    let n = app.scalar_i64("select count(*) from units").await;
    assert_eq!(n, 17 + 3, "17 taxonomy kinds plus three property companies");
    let admin = app.browser("admin").await;
    let page = app.get("/admin/units", &admin).await;
    assert!(page.body.contains("水务集团") && page.body.contains("安居物业服务有限公司"));
    let bad = app
        .post_form(
            "/admin/units",
            &admin,
            &[
                ("_csrf", &admin.csrf()),
                ("code", "bad code"),
                ("kind", "water"),
                ("name", "x"),
            ],
        )
        .await;
    assert!(bad.location().contains("error=ORG_CODE_INVALID"));
    let kind = app
        .post_form(
            "/admin/units",
            &admin,
            &[
                ("_csrf", &admin.csrf()),
                ("code", "NEW-1"),
                ("kind", "spaceport"),
                ("name", "x"),
            ],
        )
        .await;
    assert!(kind.location().contains("error=UNIT_KIND_INVALID"));
}
