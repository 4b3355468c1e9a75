//! Owners' votes (issue 19): the fixed API contracts, one ballot per owner across every
//! channel under concurrency, and a recount of the public files equal to the live tally.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::TestApp;

async fn open_vote(app: &TestApp, who: &str) -> Value {
    let r = app
        .get("/api/v1/votes?status=open", &app.bearer(who).await)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    v.as_array()
        .and_then(|a| a.first().cloned())
        .unwrap_or_else(|| panic!("{who} sees an open vote: {v}"))
}

/// `gongzhi votes tally` on the vote's published files, fetched as anyone would.
async fn recount_published(app: &TestApp, id: i64, matter: &str, flags: &[&str]) -> Value {
    let dir = std::env::temp_dir().join(format!("gz-recount-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["register.csv", "ballots.csv"] {
        let body = app
            .get(
                &format!("/api/v1/votes/{id}/{f}"),
                &crate::support::Auth::None,
            )
            .await
            .body;
        std::fs::write(dir.join(f), body).unwrap();
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(["votes", "tally", "--matter", matter])
        .args(flags)
        .arg("--units")
        .arg(dir.join("register.csv"))
        .arg("--ballots")
        .arg(dir.join("ballots.csv"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn an_owner_sees_their_share_votes_once_and_a_second_try_says_why() {
    let app = TestApp::new().await;
    let v = open_vote(&app, "resident1").await;
    assert_eq!(v["matter"], "rebuild");
    assert_eq!(v["class"], "major");
    assert_eq!(v["can_vote"], true, "{v}");
    let share = v["my_share_yuan"].as_str().expect("the lift share");
    assert!(
        !share.starts_with('-'),
        "what one pays is never negative: {v}"
    );
    let id = v["id"].as_i64().unwrap();
    let r1 = app.bearer("resident1").await;
    let path = format!("/api/v1/votes/{id}/ballots");
    let r = app.post_json(&path, &r1, json!({"choice": "agree"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["channel"], "online");
    let r = app
        .post_json(&path, &r1, json!({"choice": "disagree"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("BALLOT_EXISTS"), "{}", r.body);
    assert_eq!(open_vote(&app, "resident1").await["can_vote"], false);
    // The tally counts it: one head and its area.
    let t = app
        .get(
            &format!("/api/v1/votes/{id}/tally"),
            &crate::support::Auth::None,
        )
        .await
        .json();
    assert_eq!(t["agree_heads"], 1);
    assert_eq!(t["participating_heads"], 1);
    assert_eq!(t["quorum"], false);
    // Residents cannot pose as staff; bad choices say so.
    let r = app
        .post_json(
            &path,
            &app.bearer("resident2").await,
            json!({"choice": "agree", "channel": "paper"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(
            &path,
            &app.bearer("resident2").await,
            json!({"choice": "yes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("CHOICE_INVALID"));
}

#[tokio::test]
async fn staff_enter_a_paper_ballot_with_its_scan_and_the_channels_share_one_ballot() {
    let app = TestApp::new().await;
    let v = open_vote(&app, "resident1").await;
    let id = v["id"].as_i64().unwrap();
    let path = format!("/api/v1/votes/{id}/ballots");
    let register = app
        .get(
            &format!("/api/v1/votes/{id}/register.csv"),
            &crate::support::Auth::None,
        )
        .await
        .body;
    // resident2's flat: the second household's room is in the register; staff find the
    // owner by unit number.
    let units: Vec<String> = register
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert!(units.len() >= 3, "{register}");
    let staff = app.bearer("staff1").await;
    let r = app
        .post_json(
            &path,
            &staff,
            json!({"choice": "agree", "channel": "paper", "owner": units[0]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("ATTACHMENT_REQUIRED"), "{}", r.body);
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    // 50 ballots of one owner at once, from the staff desk (paper) and the owner (online):
    // exactly one is recorded.
    let owner_unit = units[0].clone();
    let bodies: Vec<Value> = (0..50)
        .map(|i| {
            if i % 2 == 0 {
                json!({"choice": "agree", "channel": "paper", "owner": owner_unit, "attachment": png})
            } else {
                json!({"choice": "disagree", "channel": "proxy", "owner": owner_unit, "attachment": png})
            }
        })
        .collect();
    let answers = futures_util::future::join_all(
        bodies
            .iter()
            .map(|b| app.post_json(&path, &staff, b.clone())),
    )
    .await;
    let mut created = 0;
    let mut exists = 0;
    for r in answers {
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => exists += 1,
            s => panic!("unexpected {s}: {}", r.body),
        }
    }
    assert_eq!((created, exists), (1, 49));
    let n = app
        .scalar_i64(&format!(
            "select count(*) from ballots where vote_id = {id}"
        ))
        .await;
    assert_eq!(n, 1);
    // The scan is sealed, not stored in clear.
    let sealed = app
        .scalar_text(&format!(
            "select attachment_sealed from ballots where vote_id = {id}"
        ))
        .await
        .unwrap();
    assert!(!sealed.contains("iVBOR"));
    // A grid worker may read but not enter ballots; another community's resident does not see it.
    let r = app
        .post_json(
            &path,
            &app.bearer("grid1").await,
            json!({"choice": "agree", "channel": "paper", "owner": units[1]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_recount_of_the_public_files_equals_the_live_tally() {
    let app = TestApp::new().await;
    let v = open_vote(&app, "resident1").await;
    let id = v["id"].as_i64().unwrap();
    for (who, choice) in [("resident1", "agree"), ("resident2", "abstain")] {
        let r = app
            .post_json(
                &format!("/api/v1/votes/{id}/ballots"),
                &app.bearer(who).await,
                json!({ "choice": choice }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let anon = crate::support::Auth::None;
    let register = app
        .get(&format!("/api/v1/votes/{id}/register.csv"), &anon)
        .await;
    let ballots = app
        .get(&format!("/api/v1/votes/{id}/ballots.csv"), &anon)
        .await;
    assert_eq!(register.status, StatusCode::OK);
    assert!(register.body.starts_with("unit,owner,area_m2\n"));
    assert!(ballots.body.starts_with("owner,choice\n"));
    assert!(!register.body.contains("r:"), "owners are pseudonymous");
    let live = app
        .get(&format!("/api/v1/votes/{id}/tally"), &anon)
        .await
        .json();
    let recount = recount_published(&app, id, "rebuild", &[]).await;
    assert_eq!(recount, live);
    assert_eq!(live["participating_heads"], 2);
    // Someone of another community sees no vote.
    let outsider = app
        .get("/api/v1/votes?status=open", &app.bearer("unit-water").await)
        .await
        .json();
    assert_eq!(outsider, json!([]));
}

#[tokio::test]
async fn the_vote_page_shows_the_share_takes_one_ballot_and_says_why_not_twice() {
    let app = TestApp::new().await;
    let b = app.browser("resident1").await;
    let list = app.get("/votes", &b).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("加装电梯") && list.body.contains("待您表决"),
        "{}",
        list.body
    );
    let id = open_vote(&app, "resident1").await["id"].as_i64().unwrap();
    let page = app.get(&format!("/votes/{id}"), &b).await;
    assert!(page.body.contains("您户应分摊") && page.body.contains(r#"value="agree""#));
    assert!(page.body.contains("≥ 2/3") && page.body.contains("≥ 3/4"));
    let post = |choice: &'static str| {
        let app = &app;
        let b = &b;
        async move {
            app.post_form(
                &format!("/votes/{id}/ballot"),
                b,
                &[("_csrf", &b.csrf()), ("choice", choice)],
            )
            .await
        }
    };
    let r = post("agree").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = post("disagree").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains(r#"data-code="BALLOT_EXISTS""#),
        "{}",
        r.body
    );
    let page = app.get(&format!("/votes/{id}"), &b).await;
    assert!(
        !page.body.contains(r#"value="agree""#),
        "no second ballot offered"
    );
    // Staff of the community see it in their menu and on the page.
    let s = app.browser("staff1").await;
    assert!(app.get("/", &s).await.body.contains(r#"href="/votes""#));
    assert_eq!(
        app.get(&format!("/votes/{id}"), &s).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_vote_closes_at_its_time_with_the_count_of_that_moment() {
    let app = TestApp::new().await;
    let id = open_vote(&app, "resident1").await["id"].as_i64().unwrap();
    let r = app
        .post_json(
            &format!("/api/v1/votes/{id}/ballots"),
            &app.bearer("resident1").await,
            json!({"choice": "agree"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Not before its time.
    assert_eq!(
        gongzhi_app::votes::service::close_due(&app.st)
            .await
            .unwrap(),
        0
    );
    app.exec(&format!("update votes set closes_at = 1 where id = {id}"))
        .await
        .unwrap();
    assert_eq!(
        gongzhi_app::votes::service::close_due(&app.st)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        gongzhi_app::votes::service::close_due(&app.st)
            .await
            .unwrap(),
        0,
        "once"
    );
    let result = app
        .scalar_text(&format!("select result from votes where id = {id}"))
        .await
        .expect("the result is kept");
    let stored: Value = serde_json::from_str(&result).unwrap();
    let live = app
        .get(
            &format!("/api/v1/votes/{id}/tally"),
            &crate::support::Auth::None,
        )
        .await
        .json();
    assert_eq!(stored, live);
    let r = app
        .post_json(
            &format!("/api/v1/votes/{id}/ballots"),
            &app.bearer("resident2").await,
            json!({"choice": "agree"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("VOTE_CLOSED"), "{}", r.body);
    assert_eq!(app.audit_count("vote.close", "ok").await, 1);
}

/// The ledger entries of kind `vote` about vote `id`, oldest first.
async fn vote_entries(app: &TestApp, id: i64) -> Vec<Value> {
    let n = app.scalar_i64("select count(*) from ledger_entries").await;
    let mut out = vec![];
    for i in 0..n {
        let e = app
            .get(
                &format!("/api/v1/ledger/entries/{i}"),
                &crate::support::Auth::None,
            )
            .await
            .json();
        if e["entry"]["type"] == "vote" && e["entry"]["vote"] == id {
            out.push(e);
        }
    }
    out
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[tokio::test]
async fn opening_each_ballot_and_the_close_are_on_the_ledger_under_pseudonyms() {
    let app = TestApp::new().await;
    let id = open_vote(&app, "resident1").await["id"].as_i64().unwrap();
    let anon = crate::support::Auth::None;
    let r = app
        .post_json(
            &format!("/api/v1/votes/{id}/ballots"),
            &app.bearer("resident1").await,
            json!({"choice": "agree"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pseudonym = r.json()["owner"].as_str().unwrap().to_string();
    // Closing needs a reason, and only staff close.
    let staff = app.bearer("staff1").await;
    let path = format!("/api/v1/votes/{id}/close");
    let r = app.post_json(&path, &staff, json!({"reason": " "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("REASON_REQUIRED"), "{}", r.body);
    let r = app
        .post_json(
            &path,
            &app.bearer("resident1").await,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post_json(&path, &staff, json!({"reason": "业主大会决定提前结束"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_json(&path, &staff, json!({"reason": "again"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let entries = vote_entries(&app, id).await;
    let events: Vec<&str> = entries
        .iter()
        .map(|e| e["entry"]["event"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(events, ["opened", "ballot", "closed"]);
    let register = app
        .get(&format!("/api/v1/votes/{id}/register.csv"), &anon)
        .await
        .body;
    let ballots = app
        .get(&format!("/api/v1/votes/{id}/ballots.csv"), &anon)
        .await
        .body;
    let opened = &entries[0]["entry"];
    assert_eq!(opened["register_sha256"], sha256_hex(&register));
    assert_eq!(opened["matter"], "rebuild");
    assert_eq!(opened["class"], "major");
    assert_eq!(opened["options"], json!(["agree", "disagree", "abstain"]));
    let ballot = &entries[1]["entry"];
    assert_eq!(ballot["owner"], pseudonym.as_str());
    assert_eq!(ballot["channel"], "online");
    assert!(ballots.contains(&format!("{pseudonym},agree")));
    let canonical = entries[1]["canonical"].as_str().unwrap();
    let r1 = app.resident_id_of("resident1").await;
    assert!(
        !canonical.contains(&format!("r:{r1}")) && !canonical.contains("resident1"),
        "{canonical}"
    );
    let closed = &entries[2]["entry"];
    assert_eq!(closed["ballots_sha256"], sha256_hex(&ballots));
    let tally = app
        .get(&format!("/api/v1/votes/{id}/tally"), &anon)
        .await
        .json();
    assert_eq!(closed["participating_heads"], tally["participating_heads"]);
    assert_eq!(closed["passed"], tally["passed"]);
    assert_eq!(closed["quorum"], tally["quorum"]);
    assert_eq!(app.audit_count("vote.close", "ok").await, 1);
}

/// A valid ID number (the check character computed) born in `year`.
fn id_number(seq: u32, year: u32) -> String {
    let body = format!("110101{year}0101{seq:03}");
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = "10X98765432".chars().nth((sum % 11) as usize).unwrap();
    format!("{body}{check}")
}

#[tokio::test]
async fn staff_import_a_register_correct_a_unit_and_open_a_vote_on_it() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let r1 = app.resident_id_of("resident1").await;
    let building = app
        .scalar_i64(&format!(
            "select building_id from residents where id = {r1}"
        ))
        .await;
    let r1_id_number = app
        .scalar_text(&format!(
            "select id_number_enc from residents where id = {r1}"
        ))
        .await
        .map(|e| {
            app.st
                .cipher
                .decrypt(gongzhi_app::residents::service::ID_FIELD, &e)
                .unwrap()
        })
        .unwrap();
    let path = format!("/api/v1/votes/register/{building}/import");
    // A wrong row: nothing is imported, and each wrong row says why.
    let bad = format!(
        "房号,楼层,专有面积,业主姓名,证件号码\n901,9,abc,王某,{}\n902,9,80,,\n",
        id_number(1, 1950)
    );
    let r = app
        .send(
            staff
                .apply(axum::http::Request::post(&path))
                .header("content-type", "text/csv")
                .body(axum::body::Body::from(bad))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rep = r.json();
    assert_eq!(rep["written"], 0);
    assert_eq!(rep["errors"][0]["row"], 2);
    assert_eq!(rep["errors"][0]["code"], "AREA_INVALID");
    assert!(
        rep["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("面积")
    );
    assert_eq!(rep["errors"][1]["code"], "OWNER_NAME_INVALID");
    // The real register: resident1 linked by ID number; an owner of two flats who lives
    // elsewhere (one head); the developer's unsold flat.
    let outsider = id_number(7, 1948);
    let good = format!(
        "房号,楼层,专有面积,业主姓名,证件号码\n901,9,88.5,{name},{r1_id_number}\n902,9,76.25,赵某某,{outsider}\n903,9,60,赵某某,{outsider}\n904,9,120,开发商,\n",
        name = "某某"
    );
    let r = app
        .send(
            staff
                .apply(axum::http::Request::post(&path))
                .header("content-type", "text/csv")
                .body(axum::body::Body::from(good))
                .unwrap(),
        )
        .await;
    assert_eq!(r.json()["written"], 4, "{}", r.body);
    let view = app
        .get(&format!("/api/v1/votes/register/{building}"), &staff)
        .await
        .json();
    let unit = |u: &str| {
        view["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["unit"] == u)
            .cloned()
            .unwrap()
    };
    assert_eq!(unit("901")["owner_kind"], "resident");
    assert_eq!(unit("902")["owner_kind"], "owner");
    assert_eq!(unit("902")["owner"], "赵**");
    assert_eq!(unit("904")["owner_kind"], "developer");
    assert!(!view.to_string().contains(&outsider), "no ID number shown");
    // A resident may not read it; a unit correction is audited.
    let r = app
        .get(
            &format!("/api/v1/votes/register/{building}"),
            &app.bearer("resident1").await,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let id = unit("903")["id"].as_i64().unwrap();
    let r = app
        .put_json(
            &format!("/api/v1/votes/register/units/{id}"),
            &staff,
            json!({"floor": 9, "area_m2": "61.5", "owner_name": "开发商"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.audit_count("register.edit", "ok").await, 1);
    assert_eq!(app.audit_count("register.import", "ok").await, 1);
    let before_heads = view["total_heads"].as_i64().unwrap();
    let after = r.json();
    // 903 joined the developer (already a head): one head fewer? No — 赵某某 still owns 902.
    assert_eq!(after["total_heads"].as_i64().unwrap(), before_heads);

    // Staff open a vote on the building; the register of this moment is its denominators.
    let r = app
        .post_json(
            "/api/v1/votes",
            &staff,
            json!({"scope": "building", "scope_id": building, "matter": "fund_use",
                   "title": "使用维修资金更换屋面防水", "closes_on": "2099-01-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("DATE_OUT_OF_RANGE"), "{}", r.body);
    let day = gongzhi_app::clock::iso(app.st.now_ms() + 10 * 86_400_000);
    let r = app
        .post_json(
            "/api/v1/votes",
            &staff,
            json!({"scope": "building", "scope_id": building, "matter": "fund_use",
                   "title": "使用维修资金更换屋面防水", "closes_on": &day[..10]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let vote = r.json()["id"].as_i64().unwrap();
    let list = app
        .get("/api/v1/votes?status=open", &app.bearer("resident1").await)
        .await
        .json();
    let v = list
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == vote)
        .cloned()
        .expect("resident1 owns 901 and sees the new vote");
    assert_eq!(v["total_heads"], after["total_heads"]);
    assert_eq!(v["class"], "ordinary");
    assert_eq!(v["can_vote"], true);
    // A compound-wide vote counts the developer once across buildings.
    let compound = app
        .scalar_i64(&format!(
            "select compound_id from owner_units where building_id = {building} limit 1"
        ))
        .await;
    let r = app
        .post_json(
            "/api/v1/votes",
            &staff,
            json!({"scope": "compound", "scope_id": compound, "matter": "manager",
                   "title": "续聘物业服务企业", "closes_on": &day[..10]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let cv = r.json()["id"].as_i64().unwrap();
    let devs = app
        .scalar_i64(&format!(
            "select count(distinct owner_key) from vote_units where vote_id = {cv} and owner_key like 'dev:%'"
        ))
        .await;
    assert_eq!(devs, 1);
}

#[tokio::test]
async fn local_rules_decide_online_voting_and_non_voters_and_the_recount_follows() {
    let app = TestApp::new().await;
    let staff = app.bearer("staff1").await;
    let r1 = app.resident_id_of("resident1").await;
    let (community, building) = (
        app.scalar_i64(&format!(
            "select community_id from residents where id = {r1}"
        ))
        .await,
        app.scalar_i64(&format!(
            "select building_id from residents where id = {r1}"
        ))
        .await,
    );
    let rules = format!("/api/v1/votes/rules/{community}");
    let r = app.get(&rules, &crate::support::Auth::None).await.json();
    assert_eq!(
        r,
        json!({"online_voting": true, "non_voters_follow": false, "support_threshold": 10})
    );
    let r = app
        .put_json(
            &rules,
            &app.bearer("resident1").await,
            json!({"online_voting": false, "non_voters_follow": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .put_json(
            &rules,
            &staff,
            json!({"online_voting": false, "non_voters_follow": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.audit_count("vote.rules", "ok").await, 1);
    // The demo's vote opened before: it keeps online voting.
    let old = open_vote(&app, "resident1").await;
    assert_eq!(old["online_voting"], true);
    let day = gongzhi_app::clock::iso(app.st.now_ms() + 10 * 86_400_000);
    let r = app
        .post_json(
            "/api/v1/votes",
            &staff,
            json!({"scope": "building", "scope_id": building, "matter": "rules",
                   "title": "修订业主大会议事规则", "closes_on": &day[..10]}),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    let owner = app.bearer("resident1").await;
    let r = app
        .post_json(
            &format!("/api/v1/votes/{id}/ballots"),
            &owner,
            json!({"choice": "agree"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("ONLINE_VOTING_OFF"), "{}", r.body);
    let page = app
        .get(&format!("/votes/{id}"), &app.browser("resident1").await)
        .await;
    assert!(page.body.contains("不采用线上表决"));
    // Paper ballots from most owners: all agree. With the rule, the non-voters follow.
    let units: Vec<String> = {
        let reg = app
            .get(
                &format!("/api/v1/votes/{id}/register.csv"),
                &crate::support::Auth::None,
            )
            .await
            .body;
        reg.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    let heads_needed = units.len() * 3 / 4 + 1;
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let mut entered = 0;
    for u in &units {
        if entered >= heads_needed.min(units.len()) {
            break;
        }
        let r = app
            .post_json(
                &format!("/api/v1/votes/{id}/ballots"),
                &staff,
                json!({"choice": "agree", "channel": "paper", "owner": u, "attachment": png}),
            )
            .await;
        if r.status == StatusCode::CREATED {
            entered += 1;
        }
    }
    let anon = crate::support::Auth::None;
    let live = app
        .get(&format!("/api/v1/votes/{id}/tally"), &anon)
        .await
        .json();
    assert_eq!(live["non_voters_follow"]["side"], "agree", "{live}");
    // The recount with the rule's flag gives the same JSON.
    let recount = recount_published(&app, id, "rules", &["--non-voters-follow"]).await;
    assert_eq!(recount, live);
}
