//! Fixed contracts that outside checks rely on, each exercised exactly as documented: the
//! JSON `gongzhi simulate mmc` prints, and routes no other test reached (dispatching and
//! supervising a case by API, signing a ledger checkpoint, marking the inbox read,
//! registering a mediator's profile).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, home_of};

/// The README's command: its JSON has exactly these fields, and the simulated mean wait
/// agrees with Erlang C (the exact values for c=10, λ=2.25, μ=0.25).
#[test]
fn simulate_mmc_prints_the_fixed_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args([
            "simulate",
            "mmc",
            "--lambda",
            "2.25",
            "--mu",
            "0.25",
            "--servers",
            "10",
            "--customers",
            "1000000",
            "--seed",
            "1",
        ])
        .output()
        .expect("run gongzhi");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let mut keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ci95",
            "customers",
            "erlang_c",
            "events",
            "mean_wait",
            "p_wait",
            "rho",
            "seconds",
            "warm_up"
        ]
    );
    let num = |k: &str| {
        v[k].as_f64()
            .unwrap_or_else(|| panic!("{k} is a number: {v}"))
    };
    assert_eq!(v["customers"], 1_000_000);
    assert!(v["events"].as_u64().is_some_and(|e| e >= 2_000_000));
    assert!((num("rho") - 0.9).abs() < 1e-12);
    let exact = &v["erlang_c"];
    assert!((exact["mean_wait"].as_f64().expect("Wq") - 2.674_926_096_4).abs() < 1e-9);
    assert!((exact["p_wait"].as_f64().expect("C") - 0.668_731_524_1).abs() < 1e-9);
    let ci: Vec<f64> = v["ci95"]
        .as_array()
        .expect("ci95 is [low, high]")
        .iter()
        .map(|x| x.as_f64().expect("bound"))
        .collect();
    assert_eq!(ci.len(), 2);
    assert!(ci[0] <= num("mean_wait") && num("mean_wait") <= ci[1]);
    assert!(
        ci[0] <= 2.674_926_096_4 && 2.674_926_096_4 <= ci[1],
        "Erlang C in the interval: {v}"
    );
    assert!((num("p_wait") - 0.6687).abs() < 0.02);
    // Bad parameters are refused with the reason and a non-zero exit.
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args([
            "simulate",
            "mmc",
            "--lambda",
            "3",
            "--mu",
            "0.25",
            "--servers",
            "10",
        ])
        .output()
        .expect("run gongzhi");
    assert!(!bad.status.success());
    assert!(!bad.stderr.is_empty());
}

/// A case filed, then sent by API to one more unit and put under supervision: the answers,
/// the orders, the history and the units' inboxes say so; the inbox is then marked read.
#[tokio::test]
async fn dispatch_supervise_and_read_the_inbox_by_api() {
    let app = TestApp::new().await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let filed = app
        .post_json(
            "/api/v1/cases",
            &app.bearer("resident1").await,
            json!({"text": "3号楼门口水管爆裂了，地上全是水", "lng": lng, "lat": lat}),
        )
        .await
        .json();
    let id = filed["id"].as_i64().expect("id");
    let staff = app.bearer("staff1").await;
    // Dispatch to the gas company as well.
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id}/dispatch"),
            &staff,
            json!({"unit": "GAS"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view = r.json();
    assert!(
        view["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .any(|o| o["unit"] == "GAS" && o["status"] == "dispatched")
    );
    // The same unit twice is a conflict; an unknown unit a field error; a resident 403/404.
    let again = app
        .post_json(
            &format!("/api/v1/cases/{id}/dispatch"),
            &staff,
            json!({"unit": "GAS"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.error_code(), "UNIT_ALREADY_ON_CASE");
    let unknown = app
        .post_json(
            &format!("/api/v1/cases/{id}/dispatch"),
            &staff,
            json!({"unit": "NOPE"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let by_resident = app
        .post_json(
            &format!("/api/v1/cases/{id}/dispatch"),
            &app.bearer("resident1").await,
            json!({"unit": "GAS"}),
        )
        .await;
    assert!(matches!(
        by_resident.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    // 督办.
    let r = app
        .post_json(
            &format!("/api/v1/cases/{id}/supervise"),
            &staff,
            json!({"note": "请今天内到场处置"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let view = r.json();
    assert_eq!(view["supervised"], true);
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"dispatched") && kinds.contains(&"supervised"),
        "{kinds:?}"
    );
    let short = app
        .post_json(
            &format!("/api/v1/cases/{id}/supervise"),
            &staff,
            json!({"note": "x"}),
        )
        .await;
    assert_eq!(short.error_code(), "REASON_INVALID");
    // The water company's inbox has the order and the supervision; reading clears it.
    let water = app.bearer("unit-water").await;
    let inbox = app.get("/api/v1/notifications", &water).await.json();
    assert!(inbox["unread"].as_i64().expect("unread") >= 2, "{inbox}");
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == "supervise" && n["case_id"] == id)
    );
    let r = app
        .post_json("/api/v1/notifications/read", &water, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let inbox = app.get("/api/v1/notifications", &water).await.json();
    assert_eq!(inbox["unread"], 0);
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| !n["read_at"].is_null())
    );
    // Another user's inbox is untouched.
    let staff_inbox = app.get("/api/v1/notifications", &staff).await.json();
    assert!(
        staff_inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| n["kind"] != "supervise")
    );
}

/// Operators sign a checkpoint at once; it covers the log as it stands and verifies
/// against the published key; residents may not.
#[tokio::test]
async fn a_checkpoint_is_signed_on_request() {
    let app = TestApp::new().await;
    let r = app
        .post_json(
            "/api/v1/ledger/checkpoint",
            &app.bearer("street1").await,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let size = v["size"].as_u64().expect("size");
    let note = v["checkpoint"].as_str().expect("checkpoint");
    let served = app
        .get("/ledger/checkpoint", &crate::support::Auth::None)
        .await;
    assert_eq!(served.body, note, "the signed note is the one served");
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(
        lines[1],
        size.to_string(),
        "C2SP checkpoint: origin, size, root"
    );
    assert!(
        note.contains("\n\n— "),
        "a signed note carries its signature line"
    );
    let r = app
        .post_json(
            "/api/v1/ledger/checkpoint",
            &app.bearer("resident1").await,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// An administrator registers a mediator's
/// matching profile; bad offices, skills and capacities are refused with codes; the
/// profile takes effect in matching at once.
#[tokio::test]
async fn a_mediators_profile_is_registered_by_put() {
    let app = TestApp::new().await;
    let admin = app.bearer("admin").await;
    let lawyer = app
        .scalar_i64("select id from users where username = 'lawyer1'")
        .await;
    let community = app
        .scalar_i64("select scope_id from users where username = 'staff1'")
        .await;
    let path = format!("/api/v1/mediation/mediators/{lawyer}");
    let good = json!({"office": "lawyer", "skills": ["neighbour", "debt"], "communities": [community], "capacity": 12, "available": true});
    let r = app.put_json(&path, &admin, good.clone()).await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    let stored = app
        .scalar_text(&format!(
            "select skills from mediators where user_id = {lawyer}"
        ))
        .await
        .expect("profile");
    assert!(
        stored.contains("neighbour") && stored.contains("debt"),
        "{stored}"
    );
    for (bad, code) in [
        (
            json!({"office": "court", "skills": [], "communities": [], "capacity": 12, "available": true}),
            "OFFICE_INVALID",
        ),
        (
            json!({"office": "lawyer", "skills": [], "communities": [], "capacity": 0, "available": true}),
            "CAPACITY_INVALID",
        ),
    ] {
        let r = app.put_json(&path, &admin, bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.error_code(), code);
    }
    let resident = app
        .scalar_i64("select id from users where username = 'resident1'")
        .await;
    let r = app
        .put_json(
            &format!("/api/v1/mediation/mediators/{resident}"),
            &admin,
            good.clone(),
        )
        .await;
    assert_eq!(r.error_code(), "NOT_A_MEDIATOR");
    let r = app.put_json(&path, &app.bearer("staff1").await, good).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// `gongzhi votes tally` (issue 19's fixed contract): exactly the documented JSON fields,
/// heads counted per owner (the developer's units are one head), and a bad file refused
/// with a code and its line, exit 2, nothing printed on stdout.
#[test]
fn votes_tally_prints_the_fixed_json_and_refuses_bad_files() {
    let dir = std::env::temp_dir().join(format!("gz-votes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let units = dir.join("units.csv");
    let ballots = dir.join("ballots.csv");
    std::fs::write(
        &units,
        "unit,owner,area_m2\n1-101,o1,89.50\n1-102,o1,60\n1-201,o2,89.5\n1-202,o3,90.25\n1-301,dev,90\n1-302,dev,90\n",
    )
    .unwrap();
    std::fs::write(&ballots, "owner,choice\no1,agree\no2,agree\no3,abstain\n").unwrap();
    let run = |matter: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
            .args(["votes", "tally", "--units"])
            .arg(&units)
            .arg("--ballots")
            .arg(&ballots)
            .args(["--matter", matter])
            .output()
            .expect("run gongzhi")
    };
    let out = run("rebuild");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "agree_area_m2",
            "agree_heads",
            "class",
            "matter",
            "participating_area_m2",
            "participating_heads",
            "passed",
            "quorum",
            "total_area_m2",
            "total_heads"
        ]
    );
    assert_eq!(v["matter"], "rebuild");
    assert_eq!(v["class"], "major");
    assert_eq!(
        v["total_heads"], 4,
        "o1's two units are one head, the developer's one"
    );
    assert_eq!(v["total_area_m2"], 509.25);
    assert_eq!(v["participating_heads"], 3);
    assert_eq!(v["participating_area_m2"], 329.25);
    assert_eq!(v["agree_heads"], 2);
    // 3 of 4 heads (≥ 2/3) but 329.25 of 509.25 m² (< 2/3): no quorum.
    assert_eq!(v["quorum"], false);
    assert_eq!(v["passed"], false);
    assert_eq!(run("manager").status.code(), Some(0));
    // A second ballot of one owner: refused with the line, nothing counted.
    std::fs::write(&ballots, "owner,choice\no1,agree\no2,agree\no1,disagree\n").unwrap();
    let out = run("rebuild");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("BALLOT_DUPLICATE") && err.contains("line 4"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    std::fs::write(&ballots, "owner,choice\nnobody,agree\n").unwrap();
    let err = String::from_utf8_lossy(&run("rebuild").stderr).to_string();
    assert!(err.contains("BALLOT_OWNER_UNKNOWN"), "{err}");
    std::fs::write(&units, "unit,owner,area_m2\n1-101,o1,abc\n").unwrap();
    let out = run("rebuild");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AREA_INVALID"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn budget_tally_prints_the_fixed_json_and_refuses_a_malformed_file() {
    let dir = std::env::temp_dir().join(format!("gz-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pb = dir.join("round.pb");
    // 100 voters with 10 each. 70 want projects 1-3 (300 each); 30 want project 4 (300).
    let mut text = String::from(
        "META\nkey;value\ndescription;地下室改儿童活动室等\nnum_projects;4\nnum_votes;100\nbudget;1000\nvote_type;approval\nPROJECTS\nproject_id;cost;name\n1;300;儿童活动室\n2;300;共享花园\n3;300;健身角\n4;300;老年食堂\nVOTES\nvoter_id;vote\n",
    );
    for v in 1..=100 {
        text.push_str(&format!("{v};{}\n", if v <= 70 { "1,2,3" } else { "4" }));
    }
    std::fs::write(&pb, &text).unwrap();
    let run = |rule: &str, file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gongzhi"))
            .args(["budget", "tally", "--pb"])
            .arg(file)
            .args(["--rule", rule])
            .output()
            .expect("run gongzhi")
    };
    let json = |out: &std::process::Output| -> Value {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON object")
    };
    let g = json(&run("greedy", &pb));
    assert_eq!(
        g,
        serde_json::json!({"rule": "greedy", "selected": ["1", "2", "3"], "cost": 900})
    );
    let m = json(&run("mes", &pb));
    assert_eq!(
        m,
        serde_json::json!({"rule": "mes", "selected": ["1", "2", "4"], "cost": 900})
    );
    // A malformed file: one line with the code and the line, exit 2, nothing printed.
    let bad = dir.join("bad.pb");
    std::fs::write(&bad, text.replace("71;4\n", "71;9\n")).unwrap();
    let out = run("mes", &bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.starts_with("VOTE_PROJECT_UNKNOWN (line 86)"), "{err}");
    let out = run("borda", &pb);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("RULE_UNKNOWN"));
    let _ = std::fs::remove_dir_all(&dir);
}
