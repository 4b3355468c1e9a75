//! Every service decides who may call it, whatever front end calls it: each domain's
//! service functions called directly (no handler in between) as roles that must be refused.
//! A refusal is a 403 (`Forbidden`: the role may not do this) or an audited 404 (`Denied`:
//! the object lies outside the caller's reach), never a success.

use gongzhi_app::auth::service::{self as auth, CurrentUser, Who};
use gongzhi_app::error::{AppError, AppResult};
use gongzhi_app::web::PageParams;
use gongzhi_core::identity::{Role, Scope};
use serde_json::json;

use crate::support::{TestApp, home_of};

async fn user(app: &TestApp, name: &str) -> CurrentUser {
    auth::acting_as(&app.st, name).await.expect(name)
}

/// The call was refused: 403 (the role) or 404 (out of reach).
#[track_caller]
fn refused<T>(what: &str, r: AppResult<T>) {
    match r {
        Err(AppError::Forbidden(_) | AppError::Denied { .. } | AppError::NotFound) => {}
        Err(e) => panic!("{what}: expected a refusal, got {e:?}"),
        Ok(_) => panic!("{what}: expected a refusal, but it was allowed"),
    }
}

fn page() -> PageParams {
    PageParams {
        page: None,
        per_page: Some(10),
    }
}

fn req<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("request")
}

#[tokio::test]
async fn auth_and_org_refuse_everyone_but_the_administrator() {
    use gongzhi_app::auth::service::{Access, UserSpec};
    use gongzhi_app::org::service as org;
    let app = TestApp::new().await;
    let spec = UserSpec {
        username: "mallory",
        display_name: "越权",
        password: "a-long-passphrase",
        role: Role::Admin,
        scope: Scope::District,
        resident_id: None,
    };
    let target = user(&app, "grid1").await.id;
    for name in ["staff1", "street1", "auditor1", "resident1", "unit-water"] {
        let u = user(&app, name).await;
        refused(name, auth::create_user(&app.st, Who::User(&u), &spec).await);
        refused(name, auth::list_users(&app.st, &u, "", &page()).await);
        let access = Access {
            role: Role::Admin,
            scope: Scope::District,
            display_name: "提权",
            disabled: false,
        };
        refused(name, auth::update_user(&app.st, &u, target, access).await);
        refused(
            name,
            auth::create_integration_token(&app.st, Who::User(&u), "admin", 30).await,
        );
        refused(
            name,
            org::set_route(&app.st, &u, "DEMO-C01", "ENV.GARBAGE", Some("WATER")).await,
        );
        refused(name, org::children_page(&app.st, &u, None, &page()).await);
        refused(name, org::handling_units_page(&app.st, &u, &page()).await);
        refused(name, org::rename_unit(&app.st, &u, 1, "改名").await);
        refused(
            name,
            org::create_handling_unit(&app.st, &u, "X-UNIT", "property", "某物业").await,
        );
        refused(
            name,
            gongzhi_app::open311::service::create_key(&app.st, Who::User(&u), "x", u.id, None)
                .await,
        );
    }
    assert_eq!(
        app.scalar_i64("select count(*) from users where username = 'mallory'")
            .await,
        0
    );
}

#[tokio::test]
async fn residents_refuse_roles_without_residents_and_places_outside_the_scope() {
    use gongzhi_app::residents::service as residents;
    let app = TestApp::new().await;
    let other = app.resident_id_of("resident2").await;
    for name in ["unit-water", "mediator1", "auditor1", "resident1"] {
        let u = user(&app, name).await;
        refused(
            name,
            residents::list(&app.st, &u, &Default::default(), &page()).await,
        );
    }
    for name in ["resident1", "unit-water", "auditor1"] {
        let u = user(&app, name).await;
        refused(name, residents::get(&app.st, &u, other).await);
        assert!(
            residents::home_for(&app.st, &u, other, "on_behalf_of")
                .await
                .is_err(),
            "{name} may not act for a resident"
        );
    }
}

#[tokio::test]
async fn cases_refuse_every_action_to_those_it_is_not_for() {
    use gongzhi_app::cases::service::{self as cases, Act, CaseQuery, Filer, Report};
    let app = TestApp::new().await;
    let reporter = user(&app, "resident1").await;
    let (lng, lat) = home_of(&app, "resident1").await;
    let filed = cases::file(
        &app.st,
        &Filer::user(&reporter),
        Report {
            text: "3号楼门口水管爆裂了，地上全是水".into(),
            lng,
            lat,
            ..Report::default()
        },
    )
    .await
    .expect("filed");
    let order = filed.orders[0].id;
    let water = app
        .st
        .org_map()
        .handling_unit_by_code("WATER")
        .expect("unit");
    for name in ["resident2", "grid1", "head1", "auditor1", "mediator1"] {
        let u = user(&app, name).await;
        refused(name, cases::act(&app.st, &u, order, Act::Sign).await);
        refused(name, cases::dispatch(&app.st, &u, filed.id, water).await);
        refused(
            name,
            cases::reclassify(&app.st, &u, filed.id, "ENV.GARBAGE").await,
        );
        refused(
            name,
            cases::supervise(&app.st, &u, filed.id, "请尽快处理").await,
        );
        refused(
            name,
            cases::callback(&app.st, &u, filed.id, true, Some(5), "").await,
        );
        refused(name, cases::dispatch_queue(&app.st, &u, &page()).await);
        refused(
            name,
            gongzhi_app::cases::import::import(&app.st, &u, b"a,b\n").await,
        );
        refused(name, gongzhi_app::cases::calendar::years(&app.st, &u).await);
        refused(
            name,
            gongzhi_app::cases::calendar::save_year(&app.st, &u, 2027, "").await,
        );
        let board = gongzhi_app::cases::insight::board(&app.st, &u, None, None).await;
        if name == "auditor1" {
            // Auditors assess the figures, without the lists of people's reports.
            let b = board.expect("the auditor reads the board");
            assert!(b.overdue.items.is_empty() && b.supervised.items.is_empty());
        } else {
            refused(name, board);
        }
    }
    // Only a handling unit (the mediation office is one) works a unit's queue.
    for name in ["resident2", "grid1", "head1", "auditor1", "staff1"] {
        let u = user(&app, name).await;
        refused(name, cases::assign_batch(&app.st, &u).await);
        refused(name, cases::unit_orders(&app.st, &u, "open", &page()).await);
    }
    // Out of reach: another resident's case, its photos, its dispute.
    let other = user(&app, "resident2").await;
    refused("resident2", cases::get(&app.st, &other, filed.id).await);
    refused(
        "resident2",
        cases::for_dispute(&app.st, &other, filed.id).await,
    );
    // The auditor reads trails and ledgers, not the case lists.
    refused(
        "auditor1",
        cases::list(
            &app.st,
            &user(&app, "auditor1").await,
            &CaseQuery::default(),
            &page(),
        )
        .await,
    );
    // A unit acts only on its own orders.
    let own = filed
        .orders
        .iter()
        .find(|o| o.unit != "WATER")
        .expect("the property company's order");
    refused(
        "unit-water",
        cases::act(&app.st, &user(&app, "unit-water").await, own.id, Act::Sign).await,
    );
    let rates =
        gongzhi_app::cases::insight::rates(&app.st, &reporter, &req(json!({"level": "unit"})))
            .await;
    refused("resident1", rates);
}

#[tokio::test]
async fn devices_ledger_funds_and_audit_refuse_the_wrong_roles() {
    use gongzhi_app::devices::service as devices;
    use gongzhi_app::funds::service as funds;
    let app = TestApp::new().await;
    let community = app
        .scalar_i64("select scope_id from users where username = 'staff1'")
        .await;
    let device: devices::NewDevice = req(json!({
        "code": "X-0001", "name": "烟感", "kind": "smoke", "lng": 121.48, "lat": 31.23
    }));
    for name in [
        "head1",
        "unit-property1",
        "mediator1",
        "auditor1",
        "resident1",
    ] {
        let u = user(&app, name).await;
        refused(name, devices::list(&app.st, &u, &page()).await);
        refused(
            name,
            devices::register(&app.st, Who::User(&u), &device, None).await,
        );
        let movement: funds::MovementRequest = req(json!({
            "book": "maintenance", "direction": "in", "category": "owner_deposit",
            "amount_fen": 100, "purpose": "越权记账", "counterparty": "某人",
            "counterparty_is_person": true, "approval": "无", "occurred_on": "2026-11-01"
        }));
        refused(
            name,
            funds::record(&app.st, &u, community, &movement, None).await,
        );
        let doc: funds::DocumentRequest = req(json!({
            "kind": "minutes", "title": "越权公示", "data": "data:application/pdf;base64,JVBERi0="
        }));
        refused(name, funds::publish(&app.st, &u, community, &doc).await);
    }
    for name in ["resident1", "resident2"] {
        refused(
            name,
            gongzhi_app::ledger::service::sign_now(&app.st, &user(&app, name).await).await,
        );
    }
    for name in ["admin", "staff1", "street1"] {
        refused(
            name,
            gongzhi_app::audit::service::recent(&app.st.db, &user(&app, name).await, "", 10, 0)
                .await,
        );
    }
}

#[tokio::test]
async fn mediation_refuses_outsiders_on_every_action() {
    use gongzhi_app::mediation::service as mediation;
    let app = TestApp::new().await;
    let applicant = user(&app, "resident1").await;
    let id = mediation::file(
        &app.st,
        &applicant,
        &req(json!({
            "account": "楼上302卫生间漏水，渗到我家天花板，墙皮发霉脱落，对方一直不肯维修。",
            "wants": "请对方修好防水", "dtype": "neighbour",
            "parties": [{"name": "302室住户", "phone": "13900001111"}], "consent": true
        })),
    )
    .await
    .expect("filed");
    let attachment = mediation::attach(
        &app.st,
        &applicant,
        id,
        &req(json!({"name": "漏水.png", "data": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="})),
    )
    .await
    .expect("attached");
    for name in ["resident2", "unit-water", "grid1", "auditor1", "lawyer1"] {
        let u = user(&app, name).await;
        refused(name, mediation::get(&app.st, &u, id).await);
        refused(
            name,
            mediation::consent(&app.st, &u, id, &req(json!({"consent": true}))).await,
        );
        refused(
            name,
            mediation::record_session(
                &app.st,
                &u,
                id,
                &req(json!({"place": "调解室", "minutes": "双方陈述了各自的意见。"})),
            )
            .await,
        );
        refused(
            name,
            mediation::draft(
                &app.st,
                &u,
                id,
                &req(json!({"terms": "一、楼上负责维修防水。"})),
            )
            .await,
        );
        refused(
            name,
            mediation::confirm(&app.st, &u, id, &req(json!({}))).await,
        );
        refused(
            name,
            mediation::escalate(&app.st, &u, id, &req(json!({"reason": "调解不成"}))).await,
        );
        refused(
            name,
            mediation::fail(&app.st, &u, id, &req(json!({"reason": "调解不成"}))).await,
        );
        refused(
            name,
            mediation::follow_up(
                &app.st,
                &u,
                id,
                &req(json!({"holds": true, "note": "已履行"})),
            )
            .await,
        );
        refused(
            name,
            mediation::attachment(&app.st, &u, id, attachment).await,
        );
        refused(name, mediation::similar_to(&app.st, &u, id, 5).await);
    }
    for name in ["resident1", "unit-water", "auditor1", "grid1"] {
        let u = user(&app, name).await;
        refused(name, mediation::similar(&app.st, &u, "楼上漏水", 5).await);
        let mediator = user(&app, "mediator1").await.id;
        refused(
            name,
            mediation::put_mediator(
                &app.st,
                &u,
                mediator,
                &req(json!({"office": "community", "skills": [], "communities": [], "capacity": 10, "available": true})),
            )
            .await,
        );
    }
    // Grid workers and building heads bring disputes in (it::daily); units and auditors
    // do not file at all.
    for name in ["unit-water", "auditor1"] {
        let u = user(&app, name).await;
        let filed = mediation::file(
            &app.st,
            &u,
            &req(json!({"account": "双方因债务发生争执，要求调解。", "wants": "", "parties": []})),
        )
        .await;
        refused(name, filed);
    }
}

#[tokio::test]
async fn the_twin_refuses_those_who_do_not_plan_for_the_community() {
    use gongzhi_app::twin::service as twin;
    let app = TestApp::new().await;
    let community = app
        .scalar_i64("select scope_id from users where username = 'staff1'")
        .await;
    let staff = user(&app, "staff1").await;
    let drill = twin::record_drill(
        &app.st,
        Who::User(&staff),
        &req(
            json!({"community_id": community, "title": "消防演练", "held_on": "2026-11-01",
                    "plan": "", "participants": "", "happened": "", "changes": ""}),
        ),
    )
    .await
    .expect("drill");
    let spec = twin::builder(&app.st, Who::User(&staff), community)
        .await
        .expect("model")
        .default_spec();
    for name in ["grid1", "head1", "unit-property1", "resident1", "mediator1"] {
        let u = user(&app, name).await;
        refused(name, twin::builder(&app.st, Who::User(&u), community).await);
        refused(
            name,
            twin::create(&app.st, Who::User(&u), community, &spec).await,
        );
        refused(
            name,
            twin::record_drill(
                &app.st,
                Who::User(&u),
                &req(
                    json!({"community_id": community, "title": "演练", "held_on": "2026-11-01",
                            "plan": "", "participants": "", "happened": "", "changes": ""}),
                ),
            )
            .await,
        );
        refused(name, twin::drill(&app.st, &u, drill).await);
        assert!(twin::drills(&app.st, &u).await.expect("drills").is_empty());
        assert!(twin::list(&app.st, &u).await.expect("list").is_empty());
    }
}
