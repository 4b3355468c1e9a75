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

#[tokio::test]
async fn staff_intake_fits_a_call_pages_show_words_not_codes_and_menus_lead_somewhere() {
    let app = TestApp::new().await;
    // A 12345 operator's form starts on 热线; a grid worker's on 巡查.
    let staff = app.browser("staff1").await;
    let form = app.get("/cases/new", &staff).await;
    assert!(
        form.body.contains("<option value=\"hotline\" selected>"),
        "{}",
        form.body
    );
    let grid = app.browser("grid1").await;
    let form = app.get("/cases/new", &grid).await;
    assert!(form.body.contains("<option value=\"patrol\" selected>"));
    // The caller is found by the number they give.
    let r1 = app.bearer("resident1").await;
    let phone = app.get("/api/v1/me/export", &r1).await.json()["resident"]["phone"]
        .as_str()
        .unwrap()
        .to_string();
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r = app
        .post_form(
            "/cases/new",
            &staff,
            &[
                ("_csrf", &staff.csrf()),
                ("text", "来电反映楼道灯不亮"),
                ("lng", &lng.to_string()),
                ("lat", &lat.to_string()),
                ("channel", "hotline"),
                ("on_behalf_of", &phone),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        app.scalar_i64(&format!(
            "select resident_id from case_reporters where case_id = {id}"
        ))
        .await,
        app.resident_id_of("resident1").await
    );
    // Residents see the category's name, not its code or the model's confidence.
    let mine = app
        .get(&format!("/cases/{id}"), &app.browser("resident1").await)
        .await;
    assert!(
        !mine.body.contains("FAC.") && !mine.body.contains("置信度"),
        "{}",
        mine.body
    );
    // An overdue order's escalation names the level in words.
    app.exec(&format!(
        "update work_orders set overdue_rung = 'district' where case_id = {id}"
    ))
    .await
    .unwrap();
    let page = app.get(&format!("/cases/{id}"), &staff).await;
    assert!(page.body.contains("已上报区") && !page.body.contains("已上报 district"));
    // The call-back asks in words: 满意, 基本满意, 不满意.
    app.exec(&format!(
        "update cases set status = 'feedback' where id = {id}"
    ))
    .await
    .unwrap();
    let page = app.get(&format!("/cases/{id}"), &staff).await;
    assert!(
        page.body.contains("name=\"satisfaction\""),
        "the call-back form: {}",
        page.body
    );
    assert!(page.body.contains("基本满意") && page.body.contains("不满意"));
    assert!(
        !page.body.contains("value=\"3\""),
        "three choices in words, not five numbers"
    );
    // The auditor's menu entries all open; the audit log speaks Chinese.
    let auditor = app.browser("auditor1").await;
    for path in ["/supervision", "/audit", "/gongshi", "/inbox"] {
        let r = app.get(path, &auditor).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    let audit = app.get("/audit", &auditor).await;
    assert!(
        audit.body.contains("登录") && audit.body.contains("成功"),
        "{}",
        audit.body
    );
    // The drills' address leads to where they are listed.
    let r = app.get("/twin/drills", &staff).await;
    assert_eq!(r.location(), "/twin#drills");
}

#[tokio::test]
async fn a_list_comes_as_excel_or_csv_with_its_filters() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    for text in [
        "楼道灯坏了",
        "=HYPERLINK(\"http://evil\") 垃圾没清运",
        "路面有坑",
    ] {
        let r = app
            .post_json(
                "/api/v1/cases",
                &r1,
                json!({"text": text, "lng": lng, "lat": lat}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let staff = app.browser("staff1").await;
    let page = app.get("/cases?status=open", &staff).await;
    assert!(
        page.body.contains("format=xlsx"),
        "the list offers the export"
    );
    let total = app
        .get("/api/v1/cases?status=open", &app.bearer("staff1").await)
        .await
        .json()["total"]
        .as_i64()
        .unwrap();
    // Excel: title, filters, time; the header; every row; numbers as numbers, times as times.
    let r = app.get("/cases?status=open&format=xlsx", &staff).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let mut book = Xlsx::new(std::io::Cursor::new(r.bytes.clone())).expect("an xlsx file");
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let cell = |r: usize, c: usize| sheet.get((r, c)).cloned().unwrap_or(Data::Empty);
    assert!(
        matches!(cell(1, 0), Data::String(s) if s.contains("未办结")),
        "{:?}",
        cell(1, 0)
    );
    assert!(matches!(cell(2, 0), Data::String(s) if s.contains("导出时间")));
    assert_eq!(cell(4, 0), Data::String("编号".into()));
    assert_eq!(sheet.height() as i64, 5 + total, "every row, not one page");
    assert!(
        matches!(cell(5, 0), Data::Float(_)),
        "the number is a number: {:?}",
        cell(5, 0)
    );
    assert!(
        matches!(cell(5, 10), Data::DateTime(_)),
        "the time is a time: {:?}",
        cell(5, 10)
    );
    // CSV: a BOM for Excel, quoted, formulas defused.
    let r = app.get("/cases?status=open&format=csv", &staff).await;
    assert!(r.bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert_eq!(text.lines().count() as i64, 1 + total);
    let r = app.get("/cases?format=pdf", &staff).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.audit_count("list.export", "ok").await, 2);
}

#[tokio::test]
async fn the_three_rates_come_as_a_ranked_table() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::demo().await;
    // A year of handled cases, with orders and call-backs.
    gongzhi_app::cases::generate::generate(&app.st, 400, 7)
        .await
        .expect("cases");
    let street = app.browser("street1").await;
    let page = app.get("/supervision", &street).await;
    assert!(page.body.contains("level=community") && page.body.contains("format=xlsx"));
    let r = app
        .get(
            "/supervision?level=unit&from=2024-01-01&format=xlsx",
            &street,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut book = Xlsx::new(std::io::Cursor::new(r.bytes.clone())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let cell = |r: usize, c: usize| sheet.get((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(4, 0), Data::String("排名".into()));
    assert_eq!(cell(5, 0), Data::Float(1.0), "ranked from 1");
    // Ranked by the composite, highest first; the total closes the table.
    let composite: Vec<f64> = (5..sheet.height() - 1)
        .filter_map(|r| match cell(r, 5) {
            Data::Float(f) => Some(f),
            _ => None,
        })
        .collect();
    assert!(composite.len() >= 2, "{composite:?}");
    assert!(composite.windows(2).all(|w| w[0] >= w[1]), "{composite:?}");
    assert_eq!(cell(sheet.height() - 1, 0), Data::String("合计".into()));
    let r = app.get("/supervision?level=grid&format=csv", &street).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_fitter_finds_the_building_the_way_and_the_reporter_from_the_order() {
    let app = TestApp::new().await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r1 = app.bearer("resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "家门口水管漏水，请来修，电话13912345678", "lng": lng, "lat": lat, "category": "FAC.WATER"}),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    let code = app
        .scalar_text(&format!(
            "select u.code from work_orders w join units u on u.id = w.unit_id where w.case_id = {id} order by w.id limit 1"
        ))
        .await
        .expect("an order");
    // An account of the unit the order went to (make_unit_user's naming).
    crate::support::make_unit_user(&app, &code).await;
    let name = format!("u-{}", code.to_lowercase().replace('_', "-"));
    let fitter = app.browser(&name).await;
    let page = app.get(&format!("/cases/{id}"), &fitter).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The building by name, the way there, and (masked) the number, with a way to see it.
    let building = app
        .st
        .org_map()
        .nearest_building(lng, lat, 80.0)
        .map(|b| format!("{} {}", b.compound, b.name))
        .expect("a building at resident1's home");
    assert!(page.body.contains(&building), "{building} in {}", page.body);
    assert!(
        page.body.contains("href=\"geo:"),
        "a link for the phone's map"
    );
    assert!(page.body.contains("139****5678") && !page.body.contains("13912345678"));
    assert!(page.body.contains("/reveal"));
    let r = app
        .post_form(
            &format!("/cases/{id}/reveal"),
            &fitter,
            &[
                ("_csrf", &fitter.csrf()),
                ("reason", "联系报修人，上门处置"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("13912345678"));
    assert_eq!(app.audit_count("pii.reveal", "ok").await, 1);
    // A resident has no such button.
    let own = app
        .get(&format!("/cases/{id}"), &app.browser("resident1").await)
        .await;
    assert!(!own.body.contains("/reveal"));
}

#[tokio::test]
async fn the_resident_list_exports_masked_like_the_page() {
    let app = TestApp::new().await;
    let staff = app.browser("staff1").await;
    let total = app
        .get("/api/v1/residents", &app.bearer("staff1").await)
        .await
        .json()["total"]
        .as_i64()
        .unwrap();
    let r = app.get("/residents?format=csv", &staff).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = String::from_utf8(r.bytes.clone()).unwrap();
    assert_eq!(text.lines().count() as i64, 1 + total);
    assert!(text.lines().next().unwrap().contains("姓名"));
    assert!(text.contains("****"), "phones and ID numbers masked");
    assert!(
        crate::security::personal_numbers(&text).is_empty(),
        "no phone or ID number in clear"
    );
    let r = app.get("/residents?format=xlsx", &staff).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK"), "a zip (xlsx)");
    assert_eq!(app.audit_count("list.export", "ok").await, 2);
}

#[tokio::test]
async fn grid_workers_bring_disputes_in_within_their_community() {
    let app = TestApp::new().await;
    let grid = app.bearer("grid1").await;
    let body = json!({
        "account": "楼上住户深夜拖椅子，楼下老人睡不着，双方口角。",
        "wants": "请社区出面调解",
        "parties": [{"side": "applicant", "name": "张建国"}, {"side": "respondent", "name": "李秀兰"}],
        "channel": "office",
    });
    let r = app.post_json("/api/v1/disputes", &grid, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    // They keep standing in what they brought in.
    let r = app.get(&format!("/api/v1/disputes/{id}"), &grid).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Not in another community.
    let other = app
        .scalar_i64("select max(id) from org_units where level = 'community'")
        .await;
    let own = app
        .scalar_i64(&format!(
            "select community_id from disputes where id = {id}"
        ))
        .await;
    assert_ne!(own, other, "the fixture has two communities");
    let mut elsewhere = body;
    elsewhere["community_id"] = json!(other);
    let r = app.post_json("/api/v1/disputes", &grid, elsewhere).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("OUT_OF_SCOPE"), "{}", r.body);
    // The page form opens for them, and the menu leads to it.
    let b = app.browser("grid1").await;
    assert_eq!(app.get("/mediation/new", &b).await.status, StatusCode::OK);
    assert!(app.get("/", &b).await.body.contains(r#"href="/mediation""#));
}

#[tokio::test]
async fn each_role_s_home_shows_what_waits_today_with_true_counts() {
    let app = TestApp::new().await;
    gongzhi_app::cases::demo::seed_history(&app.st, 11, 300)
        .await
        .expect("history");
    // The count on the home is the count of the list it links to.
    let number = |body: &str, href: &str| -> i64 {
        let body = body.replace("&#38;", "&").replace("&amp;", "&");
        let at = body
            .find(&format!(r#"href="{href}""#))
            .unwrap_or_else(|| panic!("{href} not on the home: {body}"));
        let rest = &body[at..];
        let n = rest.find(r#"<span class="num">"#).expect("num") + r#"<span class="num">"#.len();
        rest[n..rest[n..].find('<').unwrap() + n]
            .parse()
            .expect("a count")
    };
    let staff = app.browser("staff1").await;
    let home = app.get("/", &staff).await.body;
    assert!(home.contains("今日待办"), "{home}");
    let api = app.bearer("staff1").await;
    for (href, query) in [
        (
            "/cases?status=open&overdue=true",
            "status=open&overdue=true",
        ),
        ("/cases?status=feedback", "status=feedback"),
        (
            "/cases?status=open&due_soon=true",
            "status=open&due_soon=true",
        ),
    ] {
        let total = app
            .get(&format!("/api/v1/cases?{query}"), &api)
            .await
            .json()["total"]
            .as_i64()
            .unwrap();
        assert_eq!(number(&home, href), total, "{href}");
    }
    // A unit's home counts its orders to sign.
    let unit = app.browser("unit-water").await;
    let home = app.get("/", &unit).await.body;
    let to_sign = app
        .scalar_i64(
            "select count(*) from work_orders o join users a on a.scope_kind = 'unit' and a.scope_id = o.unit_id \
             where a.username = 'unit-water' and o.status = 'dispatched'",
        )
        .await;
    assert_eq!(number(&home, "/orders?status=dispatched"), to_sign);
    // A resident's home leads with 我要反映 and their latest reports.
    let resident = app.browser("resident1").await;
    let home = app.get("/", &resident).await.body;
    assert!(
        home.contains(r#"class="btn primary huge" href="/cases/new""#),
        "{home}"
    );
    assert!(home.contains("我最近的诉求"));
    assert!(!home.contains("今日待办"));
}

#[tokio::test]
async fn lists_find_a_case_by_number_phone_or_words() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "三号楼楼道声控灯坏了好几天", "lng": lng, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let phone = app.get("/api/v1/me/export", &r1).await.json()["resident"]["phone"]
        .as_str()
        .unwrap()
        .to_string();
    let staff = app.bearer("staff1").await;
    let found = |q: String| {
        let app = &app;
        let staff = &staff;
        async move {
            let r = app
                .get(&format!("/api/v1/cases?q={}", urlencoding(&q)), staff)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect::<Vec<i64>>()
        }
    };
    assert_eq!(found(format!("#{id}")).await, vec![id]);
    assert!(found("声控灯".into()).await.contains(&id));
    assert!(found(phone.clone()).await.contains(&id));
    assert!(!found("13800000000".into()).await.contains(&id));
    assert!(found("没有这样的字".into()).await.is_empty());
    // The page has the same search box.
    let page = app
        .get(
            &format!("/cases?q={}", urlencoding("声控灯")),
            &app.browser("staff1").await,
        )
        .await;
    assert!(page.body.contains(&format!("/cases/{id}")), "{}", page.body);
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn supervision_shows_the_user_s_own_area_and_explains_the_rates() {
    let app = TestApp::new().await;
    gongzhi_app::cases::demo::seed_history(&app.st, 5, 300)
        .await
        .expect("history");
    let rows = |v: &serde_json::Value| v["rows"].as_array().unwrap().len();
    let admin = app
        .get(
            "/api/v1/insight/rates?level=community",
            &app.bearer("admin").await,
        )
        .await
        .json();
    let staff = app
        .get(
            "/api/v1/insight/rates?level=community",
            &app.bearer("staff1").await,
        )
        .await
        .json();
    assert!(rows(&admin) >= 2, "{admin}");
    assert_eq!(
        rows(&staff),
        1,
        "a community's staff see their community: {staff}"
    );
    // The units' rows count only the work in the user's area.
    let all = app
        .get(
            "/api/v1/insight/rates?level=unit",
            &app.bearer("admin").await,
        )
        .await
        .json();
    let mine = app
        .get(
            "/api/v1/insight/rates?level=unit",
            &app.bearer("staff1").await,
        )
        .await
        .json();
    let orders = |v: &serde_json::Value| v["total"]["counts"]["due_to_sign"].as_i64().unwrap();
    assert!(
        orders(&mine) < orders(&all),
        "{} vs {}",
        orders(&mine),
        orders(&all)
    );
    assert!(orders(&mine) > 0);
    let page = app.get("/supervision", &app.browser("staff1").await).await;
    assert!(page.body.contains("这些比率如何计算") && page.body.contains("范围："));
}

#[tokio::test]
async fn a_reporter_hurries_adds_to_and_withdraws_their_case() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let file = |text: &'static str| {
        let app = &app;
        let r1 = &r1;
        async move {
            let r = app
                .post_json(
                    "/api/v1/cases",
                    r1,
                    json!({"text": text, "lng": lng, "lat": lat}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.json()["id"].as_i64().unwrap()
        }
    };
    let id = file("单元门禁坏了，刷卡进不去").await;
    let path = |what: &str| format!("/api/v1/cases/{id}/{what}");
    // 催办 once a day.
    let r = app.post_json(&path("urge"), &r1, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.post_json(&path("urge"), &r1, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("URGE_TOO_SOON"), "{}", r.body);
    // Information added reaches the timeline, numbers masked; the units are told.
    let r = app
        .post_json(
            &path("notes"),
            &r1,
            json!({"text": "晚上更严重，联系我13912345678"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let added = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "info_added")
        .expect("the note is in the timeline")
        .to_string();
    assert!(
        added.contains("139****5678") && !added.contains("13912345678"),
        "{added}"
    );
    let told = app
        .scalar_i64(&format!(
            "select count(*) from notifications where case_id = {id} and kind in ('urge', 'info')"
        ))
        .await;
    assert!(told >= 2, "{told}");
    // Nobody else may: staff who see the case are refused, other residents don't see it.
    let r = app
        .post_json(&path("urge"), &app.bearer("staff1").await, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(&path("urge"), &app.bearer("resident2").await, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Withdrawn before any unit signed: closed, nothing left open for the units.
    let r = app
        .post_json(&path("withdraw"), &r1, json!({"reason": "物业已经修好了"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "closed");
    let open = app
        .scalar_i64(&format!(
            "select count(*) from work_orders where case_id = {id} and status in ('dispatched', 'handling')"
        ))
        .await;
    assert_eq!(open, 0);
    let r = app.post_json(&path("urge"), &r1, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a closed case");
    // Once a unit has signed, the case stays.
    let id2 = file("楼道里的灯不亮了，晚上很黑").await;
    let order = app
        .scalar_i64(&format!(
            "select min(id) from work_orders where case_id = {id2}"
        ))
        .await;
    // (The unit signs: set directly, the signing itself is it::cases' business.)
    app.exec(&format!(
        "update work_orders set status = 'handling', signed_at = created_at, responded_at = created_at where id = {order}"
    ))
    .await
    .expect("sign");
    app.exec(&format!(
        "update cases set status = 'handling' where id = {id2}"
    ))
    .await
    .expect("case");
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id2}/withdraw"),
            &r1,
            json!({"reason": "不想等了"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("CASE_IN_HAND"), "{}", r.body);
    // The page offers the reporter's actions, and the timeline names them.
    let page = app
        .get(&format!("/cases/{id2}"), &app.browser("resident1").await)
        .await;
    assert!(page.body.contains(r#"value="urge""#) && page.body.contains("办理单位："));
    let page = app
        .get(&format!("/cases/{id}"), &app.browser("resident1").await)
        .await;
    assert!(page.body.contains("反映人撤回") && page.body.contains("群众催办"));
}

#[tokio::test]
async fn staff_print_a_work_order_and_residents_do_not() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "地下车库入口积水很深", "lng": lng, "lat": lat}),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    let page = app
        .get(&format!("/cases/{id}/print"), &app.browser("staff1").await)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for want in [
        "派工单",
        "地下车库入口积水很深",
        "data-print",
        "处置结果",
        "办结时限",
    ] {
        assert!(page.body.contains(want), "{want}: {}", page.body);
    }
    let show = app
        .get(&format!("/cases/{id}"), &app.browser("staff1").await)
        .await;
    assert!(show.body.contains(&format!("/cases/{id}/print")));
    let r = app
        .get(
            &format!("/cases/{id}/print"),
            &app.browser("resident1").await,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .get(
            &format!("/cases/{id}/print"),
            &app.browser("resident2").await,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_dispute_list_and_a_unit_s_orders_come_as_files_too() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::new().await;
    let grid = app.bearer("grid1").await;
    let r = app
        .post_json(
            "/api/v1/disputes",
            &grid,
            json!({"account": "两户因车位地锁发生争执，多次报警。", "wants": "调解",
                   "parties": [{"side": "applicant", "name": "王建国"}, {"side": "respondent", "name": "赵秀兰"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let staff = app.browser("staff1").await;
    let page = app.get("/mediation", &staff).await;
    assert!(page.body.contains("format=xlsx") && page.body.contains("format=csv"));
    let r = app.get("/mediation?format=csv", &staff).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM for Excel");
    let text = String::from_utf8(r.bytes[3..].to_vec()).unwrap();
    assert!(
        text.contains("纠纷") && text.contains("待同意调解"),
        "{text}"
    );
    assert!(!text.contains("王建国"), "no names in the list: {text}");
    // A unit's orders as a workbook.
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &app.bearer("resident1").await,
            json!({"text": "自来水管爆裂，水漫进单元门", "lng": lng, "lat": lat}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let unit = app.browser("unit-water").await;
    let r = app.get("/orders?status=open&format=xlsx", &unit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut book = Xlsx::new(std::io::Cursor::new(r.bytes.clone())).expect("xlsx");
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let all: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(all.iter().any(|c| c == "办结时限"), "{all:?}");
    let orders = app
        .scalar_i64(
            "select count(*) from work_orders o join users u on u.scope_kind = 'unit' and u.scope_id = o.unit_id \
             where u.username = 'unit-water' and o.status in ('dispatched', 'handling')",
        )
        .await;
    let numbered = sheet
        .rows()
        .filter(|r| matches!(r.first(), Some(Data::Float(_)) | Some(Data::Int(_))))
        .count() as i64;
    assert!(orders >= 1, "the burst pipe went to the water company");
    assert_eq!(numbered, orders);
    assert!(app.audit_count("list.export", "ok").await >= 2);
}

#[tokio::test]
async fn the_auditor_takes_the_trail_away_as_a_file() {
    let app = TestApp::new().await;
    let auditor = app.browser("auditor1").await;
    let r = app
        .get("/audit?action=auth.login&format=csv", &auditor)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = String::from_utf8(r.bytes[3..].to_vec()).unwrap();
    assert!(text.contains("auth.login"), "{text}");
    let r = app.get("/audit?format=xlsx", &auditor).await;
    assert_eq!(r.status, StatusCode::OK);
    // The export is on the trail itself.
    let r = app.get("/audit?action=list.export", &auditor).await;
    assert!(r.body.contains("list.export"));
    assert_eq!(
        app.get("/audit?format=csv", &app.browser("admin").await)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_refused_action_on_a_case_comes_back_with_what_was_typed() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let r = app
        .post_json(
            "/api/v1/cases",
            &r1,
            json!({"text": "小区东门的路灯一直不亮", "lng": lng, "lat": lat}),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    let b = app.browser("resident1").await;
    let r = app
        .post_form(
            &format!("/cases/{id}/act"),
            &b,
            &[("_csrf", &b.csrf()), ("op", "withdraw"), ("reason", "算")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains(r#"data-code="REASON_INVALID""#),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"value="算""#),
        "the reason typed is still there"
    );
    assert!(
        r.body.contains("小区东门的路灯一直不亮"),
        "on the case's own page"
    );
}

#[tokio::test]
async fn the_device_registry_exports_with_kinds_in_words() {
    let app = TestApp::demo().await;
    let b = app.browser("admin").await;
    let page = app.get("/devices", &b).await;
    assert!(page.body.contains("format=xlsx"));
    let r = app.get("/devices?format=csv", &b).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = String::from_utf8(r.bytes[3..].to_vec()).unwrap();
    assert!(
        text.contains("SMOKE-0001") && text.contains("烟感探测器"),
        "{text}"
    );
    let devices = app.scalar_i64("select count(*) from devices").await;
    assert_eq!(
        text.lines().filter(|l| l.contains("-000")).count() as i64,
        devices,
        "{text}"
    );
}
