//! 微更新 (issue 20): resident1's basement becomes a children's room — proposed with a
//! photo and a map pin, co-designed with a workshop, reviewed, selected by Equal Shares in
//! a round staff run, funded by a subsidy, pledges (Cobudget minimum and maximum) and the
//! residents' share, built with milestones and receipted payments, accepted with its final
//! account — every yuan in the 微更新基金 book and on the ledger — adopted, and its use
//! before and after counted from rows. Also: the round's published pabulib file recounts
//! to the same selection, an import refuses a malformed file with its line, and the
//! refusals on the way say why.

use axum::http::StatusCode;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::{Auth, TestApp};

fn png() -> String {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(&[0u8; 64]);
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(b)
    )
}

fn pdf() -> String {
    format!(
        "data:application/pdf;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4\n% receipt\n%%EOF\n")
    )
}

/// Local (Beijing) time `YYYY-MM-DDTHH:MM`, `hours` from the app's now.
fn local(app: &TestApp, hours: i64) -> String {
    let ms = app.st.now_ms() + hours * 3_600_000 + 8 * 3_600_000;
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn day(app: &TestApp, days: i64) -> String {
    gongzhi_app::clock::date_cn(app.st.now_ms() + days * 86_400_000)
}

async fn created(app: &TestApp, path: &str, who: &Auth, body: Value) -> i64 {
    let r = app.post_json(path, who, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn act(app: &TestApp, id: i64, who: &Auth, body: Value) {
    let r = app
        .post_json(
            &format!("/api/v1/renewal/projects/{id}/actions"),
            who,
            body.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{body}: {}", r.body);
}

async fn refused(
    app: &TestApp,
    path: &str,
    who: &Auth,
    body: Value,
    status: StatusCode,
    code: &str,
) {
    let r = app.post_json(path, who, body).await;
    assert_eq!(r.status, status, "{path}: {}", r.body);
    assert_eq!(r.error_code(), code, "{}", r.body);
    let detail = r.json()["errors"][0]["detail"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        !detail.is_empty() && detail != code,
        "a refusal says why: {}",
        r.body
    );
}

async fn project(app: &TestApp, id: i64, who: &Auth) -> Value {
    let r = app
        .get(&format!("/api/v1/renewal/projects/{id}"), who)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

async fn phone_of(app: &TestApp, username: &str) -> String {
    app.scalar_text(&format!(
        "select phone_enc from residents where id = (select resident_id from users where username = '{username}')"
    ))
    .await
    .map(|e| {
        app.st
            .cipher
            .decrypt(gongzhi_app::residents::service::PHONE_FIELD, &e)
            .unwrap()
    })
    .unwrap()
}

#[tokio::test]
async fn a_basement_becomes_a_children_s_room_from_idea_to_use_with_every_yuan_on_the_ledger() {
    let app = TestApp::new().await;
    let r1 = app.bearer("resident1").await;
    let r2 = app.bearer("resident2").await;
    let staff = app.bearer("staff1").await;
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;

    // 1. resident1 proposes it with a photo and a map pin.
    let basement = created(
        &app,
        "/api/v1/renewal/projects",
        &r1,
        json!({"title": "地下室改造成儿童活动室", "description": "5号楼地下室堆满杂物，想改成孩子们下雨天也能玩的活动室。",
               "place": "5号楼地下室", "lng": lng, "lat": lat, "photos": [png()]}),
    )
    .await;
    // A second idea, for a small group: the bike shed as a garden.
    let shed = created(
        &app,
        "/api/v1/renewal/projects",
        &r2,
        json!({"title": "闲置车棚改成共享花园", "description": "西侧车棚闲置多年。", "place": "西侧车棚", "lng": lng, "lat": lat}),
    )
    .await;
    // And a staff member enters a third for an elderly resident by phone.
    let phone2 = phone_of(&app, "resident2").await;
    let bench = created(
        &app,
        "/api/v1/renewal/projects",
        &staff,
        json!({"title": "楼下加几张休息长椅", "description": "老人散步走累了没地方坐。", "place": "3号楼前", "lng": lng, "lat": lat, "on_behalf_phone": phone2}),
    )
    .await;
    let v = project(&app, bench, &staff).await;
    assert_eq!(v["on_behalf"], true);
    let v = project(&app, basement, &r2).await;
    assert_eq!(v["stage"], "idea");
    assert_eq!(v["photos"].as_array().unwrap().len(), 1);
    assert!(
        v["proposer"].as_str().unwrap().contains('*'),
        "masked: {}",
        v["proposer"]
    );
    let photo = v["photos"][0].as_str().unwrap().to_string();
    assert_eq!(app.get(&photo, &r2).await.status, StatusCode::OK);

    // 2. Co-design: a board, design options, picks, a workshop.
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/actions"),
        &r1,
        json!({"action": "codesign"}),
        StatusCode::FORBIDDEN,
        "ROLE_FORBIDDEN",
    )
    .await;
    for id in [basement, shed, bench] {
        act(&app, id, &staff, json!({"action": "codesign"})).await;
    }
    let idea = created(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/posts"),
        &r2,
        json!({"kind": "sketch", "body": "墙上画一面可以涂鸦的黑板墙", "photo": png()}),
    )
    .await;
    created(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/posts"),
        &r1,
        json!({"kind": "comment", "body": "好主意，再加一个绘本角", "parent_id": idea}),
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/posts"),
        &r1,
        json!({"kind": "option", "body": "方案X"}),
        StatusCode::FORBIDDEN,
        "ROLE_FORBIDDEN",
    )
    .await;
    let opt_a = created(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/posts"),
        &staff,
        json!({"kind": "option", "body": "方案A：绘本角+涂鸦墙+软垫区"}),
    )
    .await;
    let opt_b = created(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/posts"),
        &staff,
        json!({"kind": "option", "body": "方案B：乐高桌+小剧场"}),
    )
    .await;
    for (who, pick) in [(&r1, opt_b), (&r2, opt_a), (&r1, opt_a)] {
        let r = app
            .post_json(
                &format!("/api/v1/renewal/projects/{basement}/pick"),
                who,
                json!({"post": pick}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    act(
        &app,
        basement,
        &staff,
        json!({"action": "workshop", "starts_at": local(&app, 48), "place": "社区党群服务中心"}),
    )
    .await;
    let v = project(&app, basement, &r1).await;
    assert_eq!(v["my_pick"], opt_a, "a later pick replaces the earlier");
    let a = v["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == opt_a)
        .unwrap()
        .clone();
    assert_eq!(a["picks"], 2);
    let meeting = v["workshop"]["meeting_id"].as_i64().expect("workshop");
    assert!(
        app.get(
            &format!("/participation/meetings/{meeting}"),
            &app.browser("resident1").await
        )
        .await
        .status
            == StatusCode::OK
    );

    // 3. Review: the most picked option is chosen; a cost estimate; a refusal needs a reason.
    for id in [basement, shed, bench] {
        act(&app, id, &staff, json!({"action": "review"})).await;
    }
    let v = project(&app, basement, &r1).await;
    assert_eq!(v["option_post_id"], opt_a);
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/actions"),
        &staff,
        json!({"action": "refuse", "text": " "}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "REASON_REQUIRED",
    )
    .await;
    act(&app, basement, &staff, json!({"action": "feasible", "cost_fen": 8_000_000, "text": "消防通道、通风、产权核实可行"})).await;
    act(
        &app,
        shed,
        &staff,
        json!({"action": "feasible", "cost_fen": 3_000_000, "text": "可行"}),
    )
    .await;
    act(
        &app,
        bench,
        &staff,
        json!({"action": "feasible", "cost_fen": 1_000_000, "text": "可行"}),
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/posts"),
        &r1,
        json!({"kind": "idea", "body": "晚了"}),
        StatusCode::CONFLICT,
        "RENEWAL_BOARD_CLOSED",
    )
    .await;

    // 4. Selection: staff run a round with Equal Shares; residents approve; one ballot each.
    let round = created(&app, "/api/v1/renewal/rounds", &staff, json!({
        "title": "2026年第一轮微更新", "budget_fen": 12_500_000, "rule": "mes",
        "vote_opens": local(&app, -1), "vote_closes": local(&app, 1), "projects": [basement, shed, bench]})).await;
    assert_eq!(project(&app, basement, &r1).await["stage"], "selection");
    let ballot = format!("/api/v1/renewal/rounds/{round}/ballot");
    let r = app
        .post_json(&ballot, &r1, json!({"projects": [basement, bench]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    refused(
        &app,
        &ballot,
        &r1,
        json!({"projects": [shed]}),
        StatusCode::CONFLICT,
        "BALLOT_EXISTS",
    )
    .await;
    let r = app
        .post_json(&ballot, &r2, json!({"projects": [shed]}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A neighbour without an account votes on paper.
    let phone3 = app
        .scalar_text(
            "select phone_enc from residents where community_id = (select r.community_id from residents r join users u on u.resident_id = r.id where u.username = 'resident1') \
             and id not in (select resident_id from users where resident_id is not null) order by id limit 1",
        )
        .await
        .map(|e| app.st.cipher.decrypt(gongzhi_app::residents::service::PHONE_FIELD, &e).unwrap())
        .expect("a neighbour without an account");
    let r = app
        .post_json(
            &ballot,
            &staff,
            json!({"projects": [basement], "phone": phone3}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "a paper ballot: {}", r.body);
    refused(
        &app,
        &format!("/api/v1/renewal/rounds/{round}/close"),
        &staff,
        json!({}),
        StatusCode::CONFLICT,
        "RENEWAL_ROUND_OPEN",
    )
    .await;
    let seen = app
        .get(&format!("/api/v1/renewal/rounds/{round}"), &r1)
        .await
        .json();
    assert!(
        seen["items"][0]["votes"].is_null(),
        "no running tally while voting: {seen}"
    );
    assert_eq!(
        seen["my_ballot"],
        json!([basement.to_string(), bench.to_string()])
    );
    app.clock.advance_ms(2 * 3_600_000);
    // Sessions idle for two hours have expired: log in again.
    let (r1, r2, staff) = (
        app.bearer("resident1").await,
        app.bearer("resident2").await,
        app.bearer("staff1").await,
    );
    let r = app
        .post_json(
            &format!("/api/v1/renewal/rounds/{round}/close"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let res = app
        .get(&format!("/api/v1/renewal/rounds/{round}"), &r2)
        .await
        .json();
    assert_eq!(res["phase"], "closed");
    let item = |id: i64| {
        res["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["project_id"] == id)
            .unwrap()
            .clone()
    };
    // 3 voters, 125,000 yuan: each holds 41,666.67. The basement (80,000, 2 supporters)
    // is paid by r1 and the neighbour, 40,000 each; the shed (30,000) by r2 alone; the
    // bench's one supporter, r1, has 1,666.67 left. Greedy would have taken all three.
    assert_eq!(item(basement)["votes"], 2);
    assert_eq!(item(basement)["why"], "selected");
    assert_eq!(item(shed)["why"], "selected");
    assert_eq!(item(bench)["selected"], false);
    assert_eq!(item(bench)["why"], "supporters_short");
    assert_eq!(project(&app, basement, &r1).await["stage"], "funding");
    assert_eq!(
        project(&app, bench, &r1).await["stage"],
        "feasible",
        "back for the next round"
    );
    // The published file recounts to the same selection, by the CLI's core.
    let pb = app
        .get(&format!("/api/v1/renewal/rounds/{round}/pb"), &r2)
        .await;
    assert_eq!(pb.status, StatusCode::OK);
    let e = gongzhi_core::budget::pabulib::parse(&pb.body).expect("our own file parses");
    assert_eq!(e.votes.len(), 3);
    assert!(
        e.votes
            .iter()
            .all(|(v, _)| v.len() == 16 && !v.contains("resident")),
        "pseudonyms"
    );
    let s = gongzhi_core::budget::select(&e, gongzhi_core::budget::Rule::Mes);
    let ids: Vec<String> = s
        .selected
        .iter()
        .map(|&i| e.projects[i].id.clone())
        .collect();
    assert_eq!(ids, vec![basement.to_string(), shed.to_string()]);
    let doc = res["document_id"].as_i64().unwrap();
    let published = app
        .get(&format!("/gongshi/documents/{doc}"), &Auth::None)
        .await;
    assert_eq!(
        published.body, pb.body,
        "the file on the ledger is the one exported"
    );

    // 5. Funding: plan (subsidy 50,000, share 10,000 → crowdfunding 20,000..25,000).
    let path = format!("/api/v1/renewal/projects/{basement}/pledges");
    refused(
        &app,
        &path,
        &r1,
        json!({"amount_fen": 100_000}),
        StatusCode::CONFLICT,
        "RENEWAL_PLAN_MISSING",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/actions"),
        &staff,
        json!({"action": "plan", "subsidy_fen": 7_000_000, "share_fen": 2_000_000}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "RENEWAL_PLAN_INVALID",
    )
    .await;
    act(&app, basement, &staff, json!({"action": "plan", "subsidy_fen": 5_000_000, "share_fen": 1_000_000, "crowd_max_fen": 2_500_000})).await;
    created(&app, &path, &r1, json!({"amount_fen": 50_000})).await;
    created(&app, &path, &r2, json!({"amount_fen": 30_000})).await;
    created(
        &app,
        &path,
        &staff,
        json!({"amount_fen": 1_000_000, "kind": "partner", "pledger": "童心绘本馆"}),
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/actions"),
        &staff,
        json!({"action": "collect"}),
        StatusCode::CONFLICT,
        "RENEWAL_CROWD_SHORT",
    )
    .await;
    created(
        &app,
        &path,
        &staff,
        json!({"amount_fen": 920_000, "kind": "company", "pledger": "某某物业服务有限公司"}),
    )
    .await;
    refused(
        &app,
        &path,
        &r1,
        json!({"amount_fen": 600_000}),
        StatusCode::CONFLICT,
        "RENEWAL_PLEDGE_OVER_MAX",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/actions"),
        &staff,
        json!({"action": "start"}),
        StatusCode::CONFLICT,
        "RENEWAL_UNDERFUNDED",
    )
    .await;
    act(&app, basement, &staff, json!({"action": "subsidy", "counterparty": "某某街道办事处", "approval": "街道微更新基金2026年第3次评审会批复"})).await;
    act(&app, basement, &staff, json!({"action": "collect"})).await;
    act(&app, basement, &staff, json!({"action": "share", "amount_fen": 1_000_000, "counterparty": "5号楼居民（40户）", "approval": "5号楼楼组会议议定"})).await;
    let v = project(&app, basement, &r1).await;
    assert_eq!(v["funding"]["received"]["fen"], 8_000_000);
    assert!(
        v["funding"]["pledges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "collected")
    );
    let masked = v["funding"]["pledges"][0]["pledger"].as_str().unwrap();
    assert!(
        masked.contains('*'),
        "a resident pledger is masked: {masked}"
    );

    // 6. Works: milestones with % and photos; payments with receipts, never past the money in.
    let works_on = day(&app, -30);
    act(
        &app,
        basement,
        &staff,
        json!({"action": "start", "on": works_on}),
    )
    .await;
    act(&app, basement, &staff, json!({"action": "milestone", "title": "清理杂物、防潮处理", "percent": 40, "photo": png()})).await;
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/actions"),
        &staff,
        json!({"action": "milestone", "title": "倒退", "percent": 30}),
        StatusCode::UNPROCESSABLE_ENTITY,
        "PERCENT_INVALID",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/renewal/projects/{basement}/actions"),
        &staff,
        json!({"action": "accept", "text": "验收"}),
        StatusCode::CONFLICT,
        "RENEWAL_NOT_FINISHED",
    )
    .await;
    act(
        &app,
        basement,
        &staff,
        json!({"action": "spend", "amount_fen": 5_000_000, "counterparty": "某某装饰工程有限公司",
        "text": "施工款", "approval": "施工合同", "receipt": pdf()}),
    )
    .await;
    refused(&app, &format!("/api/v1/renewal/projects/{basement}/actions"), &staff,
        json!({"action": "spend", "amount_fen": 3_500_000, "counterparty": "某某公司", "text": "家具", "approval": "合同", "receipt": pdf()}),
        StatusCode::CONFLICT, "RENEWAL_OVER_BUDGET").await;
    act(
        &app,
        basement,
        &staff,
        json!({"action": "spend", "amount_fen": 2_950_000, "counterparty": "某某家具有限公司",
        "text": "软垫、书架、桌椅", "approval": "居民议事会议定", "receipt": pdf()}),
    )
    .await;
    act(
        &app,
        basement,
        &staff,
        json!({"action": "milestone", "title": "完工", "percent": 100, "photo": png()}),
    )
    .await;
    let accepted_on = day(&app, -13);
    act(
        &app,
        basement,
        &staff,
        json!({"action": "accept", "text": "社区、物业、居民代表三方验收合格", "on": accepted_on}),
    )
    .await;

    // 7. Every yuan: in the project's account, the community's 微更新基金 book and the ledger.
    let v = project(&app, basement, &r1).await;
    assert_eq!(v["stage"], "in_use");
    assert_eq!(v["funding"]["spent"]["fen"], 7_950_000);
    assert_eq!(v["funding"]["balance"]["fen"], 50_000);
    let movements = v["funding"]["movements"].as_array().unwrap();
    // subsidy + 4 pledges + share + 2 payments
    assert_eq!(movements.len(), 8, "{movements:?}");
    let community = v["community_id"].as_i64().unwrap();
    let books = app
        .get(
            &format!("/api/v1/funds/communities/{community}"),
            &Auth::None,
        )
        .await;
    assert_eq!(books.status, StatusCode::OK, "{}", books.body);
    let books = books.json();
    for m in movements {
        let m = &m[1];
        assert_eq!(m["book"], "renewal");
        let listed = books["movements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == m["id"]);
        assert!(listed, "on the 公示 page: {m}");
        let e = app
            .get(
                &format!("/api/v1/ledger/entries/{}", m["ledger_index"]),
                &Auth::None,
            )
            .await
            .json();
        assert_eq!(e["entry"]["type"], "fund.movement", "{e}");
        assert_eq!(e["entry"]["amount_fen"], m["amount_fen"]);
        assert_eq!(e["entry"]["book"], "renewal");
        if m["direction"] == "out" {
            assert!(
                e["entry"]["receipt_sha256"].is_string(),
                "a payment's receipt is hashed on the ledger: {e}"
            );
        }
    }
    let account = v["account_document_id"].as_i64().unwrap();
    let text = app
        .get(&format!("/gongshi/documents/{account}"), &Auth::None)
        .await
        .body;
    assert!(
        text.contains("合计 80,000.00 元") && text.contains("结余：500.00 元"),
        "{text}"
    );

    // 8. Adoption and use before and after, from rows: 2 visits in the 8 weeks before the
    // works (0.25 a week), 2 in the 14 days since acceptance (1 a week): +300 %.
    let adopt = format!("/api/v1/renewal/projects/{basement}/adopt");
    assert_eq!(
        app.post_json(&adopt, &r1, json!({"weekday": 6}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    refused(
        &app,
        &adopt,
        &r1,
        json!({"weekday": 6}),
        StatusCode::CONFLICT,
        "ALREADY_ADOPTED",
    )
    .await;
    let uses = format!("/api/v1/renewal/projects/{basement}/uses");
    for d in [-40, -70] {
        created(
            &app,
            &uses,
            &staff,
            json!({"kind": "register", "day": day(&app, d)}),
        )
        .await;
    }
    created(
        &app,
        &uses,
        &staff,
        json!({"kind": "register", "day": day(&app, -5), "phone": phone3}),
    )
    .await;
    created(&app, &uses, &r1, json!({"kind": "checkin"})).await;
    refused(
        &app,
        &uses,
        &r1,
        json!({"kind": "checkin"}),
        StatusCode::CONFLICT,
        "ALREADY_RECORDED",
    )
    .await;
    created(
        &app,
        &uses,
        &r2,
        json!({"kind": "booking", "day": day(&app, 3)}),
    )
    .await;
    let v = project(&app, basement, &r2).await;
    assert_eq!(v["usage"]["before_rows"], 2);
    assert_eq!(
        v["usage"]["after_rows"], 2,
        "the booking is in the future: {}",
        v["usage"]
    );
    assert_eq!(v["usage"]["change_percent"], 300, "{}", v["usage"]);
    assert_eq!(v["rota"][0][0], 6);
    // The pages render in Chinese.
    let page = app
        .get(
            &format!("/renewal/projects/{basement}"),
            &app.browser("resident1").await,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("+300%") && page.body.contains("投入使用"),
        "{}",
        &page.body[..200]
    );
    let page = app
        .get(
            &format!("/renewal/rounds/{round}"),
            &app.browser("resident2").await,
        )
        .await;
    assert!(page.body.contains("平等份额法") && page.body.contains("支持者的份额只剩"));
    assert!(app.audit_count("renewal.money", "ok").await >= 10);
}

#[tokio::test]
async fn a_round_imported_from_pabulib_is_tallied_and_a_malformed_file_is_refused_with_its_line() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let file = "META\nkey;value\ndescription;外部导入的投票\nnum_projects;3\nnum_votes;4\nbudget;1000\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n1;600;儿童活动室\n2;300;共享花园\n3;500;健身角\nVOTES\nvoter_id;vote\n1;1,2\n2;1\n3;2,3\n4;3\n";
    let id = created(
        &app,
        "/api/v1/renewal/rounds/import",
        &staff,
        json!({"rule": "greedy", "file": file}),
    )
    .await;
    let r = app
        .get(&format!("/api/v1/renewal/rounds/{id}"), &staff)
        .await
        .json();
    assert_eq!(r["phase"], "closed");
    assert_eq!(r["imported"], true);
    let selected: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["selected"] == true)
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    let e = gongzhi_core::budget::pabulib::parse(file).unwrap();
    let s = gongzhi_core::budget::greedy(&e);
    let want: Vec<&str> = s
        .selected
        .iter()
        .map(|&i| e.projects[i].id.as_str())
        .collect();
    let mut sel = selected.clone();
    sel.sort();
    let mut w = want.clone();
    w.sort();
    assert_eq!(sel, w);
    // Imported rounds take no ballots here.
    refused(
        &app,
        &format!("/api/v1/renewal/rounds/{id}/ballot"),
        &app.bearer("resident1").await,
        json!({"projects": [1]}),
        StatusCode::CONFLICT,
        "RENEWAL_ROUND_NOT_OPEN",
    )
    .await;
    let bad = file.replace("3;2,3", "3;2,9");
    let r = app
        .post_json(
            "/api/v1/renewal/rounds/import",
            &staff,
            json!({"rule": "mes", "file": bad}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let err = &r.json()["errors"][0];
    assert_eq!(err["code"], "RENEWAL_FILE_INVALID");
    assert_eq!(err["reason"], "VOTE_PROJECT_UNKNOWN");
    assert_eq!(err["line"], 17);
    assert!(
        err["detail"].as_str().unwrap().contains("第 17 行"),
        "{err}"
    );
    // Residents cannot import.
    let r = app
        .post_json(
            "/api/v1/renewal/rounds/import",
            &app.bearer("resident1").await,
            json!({"rule": "mes", "file": file}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
