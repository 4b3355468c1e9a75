//! 数字孪生: a fire scenario built from the demo community's model — vulnerable residents
//! counted from the residents' tags, today's posts beside the optimised ones, the result
//! stored encrypted and repeatable from the downloaded scenario file; refusals with codes;
//! who may see it; the drills register beside its simulated run.

use axum::http::StatusCode;
use gongzhi_core::twin::scenario::{Scenario, run};
use serde_json::{Value, json};

use crate::support::{Auth, TestApp};

async fn community_of(app: &TestApp, username: &str) -> i64 {
    app.scalar_i64(&format!(
        "select scope_id from users where username = '{username}'"
    ))
    .await
}

/// Residents of the community tagged 独居老人 or 残疾人, counted from their tags in Rust.
async fn vulnerable_in(app: &TestApp, community: i64) -> u64 {
    let agg = if app.is_pg() {
        "string_agg(tags, '|')"
    } else {
        "group_concat(tags, '|')"
    };
    let all = app
        .scalar_text(&format!(
            "select {agg} from residents where community_id = {community}"
        ))
        .await
        .unwrap_or_default();
    all.split('|')
        .filter(|t| {
            let tags: Vec<String> = serde_json::from_str(t).expect("tags are a JSON array");
            tags.iter().any(|x| x == "独居老人" || x == "残疾人")
        })
        .count() as u64
}

async fn default_spec(app: &TestApp, auth: &Auth, community: i64) -> Value {
    let r = app
        .get(&format!("/api/v1/twin/communities/{community}/model"), auth)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["default_spec"].clone()
}

#[tokio::test]
async fn a_fire_scenario_puts_today_s_posts_and_the_optimised_ones_side_by_side() {
    let app = TestApp::demo().await;
    let c = community_of(&app, "staff1").await;
    let staff = app.bearer("staff1").await;
    let r = app
        .get(&format!("/api/v1/twin/communities/{c}/model"), &staff)
        .await;
    let model = r.json()["model"].clone();
    let counted: u64 = model["vulnerable"]
        .as_array()
        .expect("vulnerable")
        .iter()
        .map(|v| v[1].as_u64().expect("count"))
        .sum();
    let expected = vulnerable_in(&app, c).await;
    assert!(expected > 0, "the demo community has vulnerable residents");
    assert_eq!(counted, expected, "every vulnerable resident is on the map");

    let spec = default_spec(&app, &staff, c).await;
    assert_eq!(spec["incidents"][0]["kind"], "fire");
    let r = app
        .post_json(
            &format!("/api/v1/twin/communities/{c}/scenarios"),
            &staff,
            spec.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    let id = v["id"].as_i64().expect("id");
    let res = &v["result"];
    assert_eq!(res["vulnerable"].as_f64(), Some(expected as f64));
    let covered = |plan: &str| res[plan]["covered"].as_f64().expect("covered");
    assert!(covered("optimised") >= covered("today") - 1e-9, "{res}");
    assert!(covered("optimised") >= covered("greedy") - 1e-9, "{res}");
    // The same incidents in every plan; fixed forces never move; the movable ones only to
    // places in the community.
    let incidents = |plan: &str| res[plan]["metrics"]["incidents"].clone();
    assert_eq!(incidents("today"), incidents("optimised"));
    assert_eq!(incidents("today"), incidents("greedy"));
    let scenario: Scenario = serde_json::from_value(v["scenario"].clone()).expect("scenario");
    for (r, resp) in scenario.responders.iter().enumerate() {
        let post = res["optimised"]["posts"][r].as_u64().expect("post") as usize;
        if resp.fixed {
            assert_eq!(post, resp.post, "{} stays", resp.name);
        } else {
            assert_ne!(v["model"]["nodes"][post]["kind"], "external");
        }
    }

    // The downloaded scenario file runs on the command line's engine to the same figures.
    let toml = app
        .get(&format!("/twin/scenarios/{id}/scenario.toml"), &staff)
        .await;
    assert_eq!(toml.status, StatusCode::OK);
    let again: Scenario = toml::from_str(&toml.body).expect("the file is a scenario");
    let m = run(&again).expect("runs");
    assert_eq!(
        serde_json::to_value(&m).expect("json"),
        res["today"]["metrics"],
        "same seed, same run"
    );

    // Stored encrypted, audited.
    let stored = app
        .scalar_text(&format!(
            "select model_enc from twin_scenarios where id = {id}"
        ))
        .await
        .expect("row");
    assert!(!stored.contains("vulnerable") && !stored.contains('{'));
    assert!(app.audit_count("twin.scenario.create", "ok").await >= 1);

    // The page shows both plans.
    let web = app.browser("staff1").await;
    let page = app.get(&format!("/twin/scenarios/{id}"), &web).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "今天的站位",
        "优化站位",
        "covered-today",
        "twin-map",
        "派遣策略对比",
    ] {
        assert!(page.body.contains(want), "the page lacks {want}");
    }
    // The builder's form saves a scenario too, and lands on its page.
    let r = app
        .post_form(
            "/twin/new",
            &web,
            &[
                ("_csrf", &web.csrf()),
                ("community", &c.to_string()),
                ("name", "夜间火灾（表单）"),
                ("target_minutes", "5"),
                ("years", "20"),
                ("seed", "3"),
                ("dispatch", "optimal"),
                ("fire_station_minutes", "8"),
                ("ambulance_minutes", "12"),
                ("k_fire", "1"),
                ("rate_fire", "6"),
                ("scene_fire", "40"),
                ("k_collapse", "1"),
                ("rate_collapse", "18"),
                ("scene_collapse", "30"),
                ("r0_role", "volunteer"),
                ("r0_name", "楼组长"),
                ("r0_post", &spec["responders"][0]["post"].to_string()),
                ("r0_from", "18"),
                ("r0_to", "8"),
                ("r1_role", "fire_station"),
                ("r1_post", "0"),
                ("r2_role", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id2: i64 = r
        .location()
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("the scenario's page");
    let v2 = app
        .get(&format!("/api/v1/twin/scenarios/{id2}"), &staff)
        .await
        .json();
    assert_eq!(
        v2["scenario"]["responders"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(v2["scenario"]["dispatch"], "optimal");
    assert_eq!(
        v2["scenario"]["incidents"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn bad_choices_are_refused_with_a_reason_and_outsiders_see_nothing() {
    let app = TestApp::new().await;
    let c = community_of(&app, "staff1").await;
    let staff = app.bearer("staff1").await;
    let spec = default_spec(&app, &staff, c).await;
    let path = format!("/api/v1/twin/communities/{c}/scenarios");
    let before = app.scalar_i64("select count(*) from twin_scenarios").await;
    for (patch, code) in [
        (json!({"name": " "}), "TWIN_NAME_INVALID"),
        (json!({"target_minutes": 0}), "TWIN_TARGET_INVALID"),
        (json!({"years": 1000}), "TWIN_YEARS_INVALID"),
        (json!({"incidents": []}), "TWIN_INCIDENTS_EMPTY"),
        (
            json!({"incidents": [{"kind": "meteor", "per_year": 1, "on_scene_minutes": 5}]}),
            "TWIN_KIND_UNKNOWN",
        ),
        (
            json!({"incidents": [{"kind": "fire", "per_year": -1, "on_scene_minutes": 5}]}),
            "TWIN_RATE_INVALID",
        ),
        (json!({"responders": []}), "TWIN_RESPONDERS_INVALID"),
        (
            json!({"responders": [{"role": "wizard", "name": "", "post": 0}]}),
            "TWIN_ROLE_UNKNOWN",
        ),
        (
            json!({"responders": [{"role": "volunteer", "name": "", "post": 99999}]}),
            "TWIN_POST_INVALID",
        ),
        (
            json!({"responders": [{"role": "volunteer", "name": "", "post": 0, "shift": [8, 8]}]}),
            "TWIN_SHIFT_INVALID",
        ),
        (json!({"fire_station_minutes": 0}), "TWIN_LEAD_INVALID"),
    ] {
        let mut body = spec.clone();
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        let r = app.post_json(&path, &staff, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{patch}: {}",
            r.body
        );
        assert_eq!(r.error_code(), code, "{patch}");
        let detail = r.json()["errors"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            detail
                .chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
            "{code} says why in Chinese: {detail}"
        );
    }
    assert_eq!(
        app.scalar_i64("select count(*) from twin_scenarios").await,
        before,
        "nothing saved"
    );

    let r = app.post_json(&path, &staff, spec.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    // Not their community: refused to plan, and the saved scenario is not there for them.
    let other = app
        .scalar_i64(&format!(
            "select min(id) from org_units where level = 'community' and id <> {c}"
        ))
        .await;
    let r = app
        .post_json(
            &format!("/api/v1/twin/communities/{other}/scenarios"),
            &staff,
            spec.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "TWIN_FORBIDDEN");
    let r = app
        .post_json(
            "/api/v1/twin/communities/999999/scenarios",
            &staff,
            spec.clone(),
        )
        .await;
    assert_eq!(r.error_code(), "COMMUNITY_UNKNOWN");
    for who in ["resident1", "grid1", "head1", "unit-property1", "mediator1"] {
        let a = app.bearer(who).await;
        let r = app.post_json(&path, &a, spec.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        for p in [
            format!("/api/v1/twin/scenarios/{id}"),
            format!("/api/v1/twin/communities/{c}/model"),
            format!("/twin/scenarios/{id}/scenario.toml"),
        ] {
            let r = app.get(&p, &a).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} {p}");
        }
        let list = app.get("/api/v1/twin/scenarios", &a).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(0), "{who}");
    }
    // The street's staff and the auditor read it; the auditor plans nothing.
    assert_eq!(
        app.get(
            &format!("/api/v1/twin/scenarios/{id}"),
            &app.bearer("street1").await
        )
        .await
        .status,
        StatusCode::OK
    );
    let auditor = app.bearer("auditor1").await;
    assert_eq!(
        app.get(&format!("/api/v1/twin/scenarios/{id}"), &auditor)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.post_json(&path, &auditor, spec).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_drill_is_recorded_beside_the_simulated_run_of_its_scenario() {
    let app = TestApp::demo().await;
    let c = community_of(&app, "staff1").await;
    let staff = app.bearer("staff1").await;
    let spec = default_spec(&app, &staff, c).await;
    let s = app
        .post_json(
            &format!("/api/v1/twin/communities/{c}/scenarios"),
            &staff,
            spec,
        )
        .await
        .json();
    let sid = s["id"].as_i64().expect("id");
    let p50 = s["result"]["today"]["metrics"]["response_minutes"]["p50"]
        .as_f64()
        .expect("p50");
    let drill = |patch: Value| {
        let mut d = json!({"community_id": c, "scenario_id": sid, "title": "夜间消防疏散演练",
            "held_on": "2026-11-08", "plan": "3号楼模拟起火", "participants": "网格员、志愿者",
            "happened": "志愿者4分钟到场", "changes": "清理楼道杂物",
            "first_arrival_minutes": 4.0, "assisted": 3, "to_assist": 4});
        for (k, v) in patch.as_object().expect("object") {
            d[k] = v.clone();
        }
        d
    };
    for (patch, code) in [
        (json!({"held_on": "2026-13-01"}), "TWIN_DRILL_DATE_INVALID"),
        (json!({"title": ""}), "TWIN_DRILL_TEXT_INVALID"),
        (json!({"assisted": 5}), "TWIN_DRILL_FIGURE_INVALID"),
        (
            json!({"first_arrival_minutes": -1}),
            "TWIN_DRILL_FIGURE_INVALID",
        ),
        (json!({"scenario_id": 999_999}), "TWIN_SCENARIO_INVALID"),
    ] {
        let r = app
            .post_json("/api/v1/twin/drills", &staff, drill(patch.clone()))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{patch}: {}",
            r.body
        );
        assert_eq!(r.error_code(), code, "{patch}");
    }
    let grid = app.bearer("grid1").await;
    let r = app
        .post_json("/api/v1/twin/drills", &grid, drill(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = app
        .post_json("/api/v1/twin/drills", &staff, drill(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    assert!(app.audit_count("twin.drill.create", "ok").await >= 1);
    let web = app.browser("staff1").await;
    let page = app.get(&format!("/twin/drills/{id}"), &web).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("夜间消防疏散演练"));
    assert!(
        page.body.contains(&format!("{p50:.1}")),
        "the simulated median is beside the drill"
    );
    assert!(page.body.contains("drill-verdict"));
    // Outsiders do not see it.
    let r = app.get(&format!("/api/v1/twin/drills/{id}"), &grid).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The register lists it, and the demo's drill.
    let home = app.get("/twin", &web).await;
    assert!(home.body.contains("夜间消防疏散演练"));
    assert!(home.body.contains("冬季消防疏散演练"));
}

/// When the exact placement runs out of time the page says so, and the optimised plan is
/// the greedy one (never worse): here the limit is zero, so the solver stops at once.
#[tokio::test]
async fn a_solve_that_runs_out_of_time_is_shown_as_such() {
    let app = TestApp::with_config(|c| c.twin_solve_limit = std::time::Duration::ZERO).await;
    let c = community_of(&app, "staff1").await;
    let staff = app.bearer("staff1").await;
    let spec = default_spec(&app, &staff, c).await;
    let r = app
        .post_json(
            &format!("/api/v1/twin/communities/{c}/scenarios"),
            &staff,
            spec,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    let res = &v["result"];
    assert_eq!(res["exact"], false, "{res}");
    assert_eq!(res["solve_limit_s"], 0.0);
    assert_eq!(res["optimised"]["posts"], res["greedy"]["posts"]);
    let id = v["id"].as_i64().expect("id");
    let page = app
        .get(
            &format!("/twin/scenarios/{id}"),
            &app.browser("staff1").await,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("精确求解在 0 秒内未完成"),
        "the page says the solve stopped"
    );
}

/// Finding 9 of issue 17: a scenario within the form's limits but too large to run is
/// refused up front; one that runs past the time limit is stopped and refused (it held a
/// core for 11 minutes before).
#[tokio::test]
async fn scenarios_too_large_or_too_slow_are_refused_not_run() {
    let app = TestApp::with_config(|c| c.twin_run_limit = std::time::Duration::ZERO).await;
    let c = community_of(&app, "staff1").await;
    let staff = app.bearer("staff1").await;
    let mut spec = default_spec(&app, &staff, c).await;
    let path = format!("/api/v1/twin/communities/{c}/scenarios");
    spec["years"] = json!(200);
    spec["incidents"] = json!([{"kind": "fire", "per_year": 10000, "on_scene_minutes": 30}]);
    let t = std::time::Instant::now();
    let r = app.post_json(&path, &staff, spec.clone()).await;
    assert_eq!(r.error_code(), "SCENARIO_TOO_LARGE", "{}", r.body);
    assert!(r.body.contains("一百万"), "{}", r.body);
    spec["incidents"] = json!([{"kind": "fire", "per_year": 2000, "on_scene_minutes": 30}]);
    let r = app.post_json(&path, &staff, spec).await;
    assert_eq!(r.error_code(), "SCENARIO_OVER_BUDGET", "{}", r.body);
    assert!(t.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(
        app.scalar_i64("select count(*) from twin_scenarios").await,
        0
    );
}
