//! Devices: events over HTTP and over a real Mosquitto broker become cases exactly once.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use rumqttc::{AsyncClient, MqttOptions, QoS};
use serde_json::json;

use crate::support::{Auth, TestApp, free_port, in_ci};

fn device(code: &str) -> Auth {
    Auth::Bearer(gongzhi_app::demo::devices::demo_token(code))
}

#[tokio::test]
async fn http_events_make_cases_once() {
    let app = TestApp::new().await;
    let fire_staff = crate::support::make_unit_user(&app, "FIRE").await;
    let smoke = device("SMOKE-0001");
    let r = app
        .post_json(
            "/api/v1/devices/SMOKE-0001/events",
            &smoke,
            json!({"event_id": "e-1", "type": "smoke"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!(j["duplicate"], false);
    let case = &j["case"];
    assert_eq!(case["category"]["code"], "SAF.EMERGENCY");
    assert_eq!(
        case["status"], "dispatched",
        "an alarm is dispatched at once"
    );
    assert_eq!(case["orders"][0]["unit"], "FIRE");
    let id = case["id"].as_i64().expect("id");
    // Redelivery: same event id, same case, nothing new.
    let before = app.scalar_i64("select count(*) from cases").await;
    let r = app
        .post_json(
            "/api/v1/devices/SMOKE-0001/events",
            &smoke,
            json!({"event_id": "e-1", "type": "smoke"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["duplicate"], true);
    assert_eq!(r.json()["case"]["id"], id);
    assert_eq!(app.scalar_i64("select count(*) from cases").await, before);
    // The fire station and the community are told at once.
    let inbox = app.get("/api/v1/notifications", &fire_staff).await.json();
    assert!(
        inbox["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|n| n["kind"] == "urgent"),
        "{inbox}"
    );
    // Wrong token, unknown device, bad events.
    let r = app
        .post_json(
            "/api/v1/devices/SMOKE-0001/events",
            &device("SMOKE-0002"),
            json!({"event_id": "e-2", "type": "smoke"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post_json(
            "/api/v1/devices/NOPE-1/events",
            &smoke,
            json!({"event_id": "e-2", "type": "smoke"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post_json(
            "/api/v1/devices/SMOKE-0001/events",
            &smoke,
            json!({"event_id": "e-2", "type": "dance"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "EVENT_TYPE_UNKNOWN");
    // A heartbeat makes no case but shows in the registry.
    let r = app
        .post_json(
            "/api/v1/devices/CAM-0001/events",
            &device("CAM-0001"),
            json!({"event_id": "hb-1", "type": "heartbeat"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.json()["case"].is_null());
    let list = app
        .get("/api/v1/devices?per_page=100", &app.bearer("staff1").await)
        .await
        .json();
    let cam = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|d| d["code"] == "CAM-0001")
        .cloned()
        .expect("cam");
    assert_eq!(cam["last_event_type"], "heartbeat");
    assert_eq!(cam["online"], true);
    // An AI camera seeing the same pile twice joins one case.
    let cam = device("CAM-0002");
    let a = app
        .post_json(
            "/api/v1/devices/CAM-0002/events",
            &cam,
            json!({"event_id": "g-1", "type": "garbage_overflow"}),
        )
        .await
        .json();
    let b = app
        .post_json(
            "/api/v1/devices/CAM-0002/events",
            &cam,
            json!({"event_id": "g-2", "type": "garbage_overflow"}),
        )
        .await
        .json();
    assert_eq!(a["case"]["id"], b["case"]["id"], "{a} {b}");
    assert_eq!(b["case"]["merged"], true);
    // The registry page.
    let r = app.get("/devices", &app.browser("staff1").await).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("SMOKE-0001") && r.body.contains("在线"));
    // Registration is for the administrator; codes are validated.
    let admin = app.bearer("admin").await;
    let r = app
        .post_json(
            "/api/v1/devices",
            &admin,
            json!({"code": "bad code", "name": "x", "kind": "smoke", "lng": 0.0, "lat": 0.0}),
        )
        .await;
    assert_eq!(r.error_code(), "DEVICE_CODE_INVALID");
    let r = app
        .post_json(
            "/api/v1/devices",
            &app.bearer("staff1").await,
            json!({"code": "X-1", "name": "x", "kind": "smoke", "lng": 0.0, "lat": 0.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A Mosquitto broker of our own on a free port, persisting its sessions to a directory.
struct Broker {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

fn mosquitto() -> Option<&'static str> {
    ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

impl Broker {
    fn start(port: u16, dir: tempfile::TempDir) -> Broker {
        // Mosquitto started as root drops to its own user: let it write its database.
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777));
        }
        let conf = dir.path().join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {}/\nautosave_interval 1\n",
                dir.path().display()
            ),
        )
        .expect("conf");
        let child = Command::new(mosquitto().expect("mosquitto"))
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mosquitto");
        std::thread::sleep(Duration::from_millis(400));
        Broker { child, port, dir }
    }

    /// Stops the broker gracefully (it saves its sessions) and starts it again.
    fn restart(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("dir"));
        let fresh = Broker::start(self.port, dir);
        let mut fresh = std::mem::ManuallyDrop::new(fresh);
        // Take the new child and directory over; the placeholder directory is dropped.
        std::mem::swap(&mut self.child, &mut fresh.child);
        std::mem::swap(&mut self.dir, &mut fresh.dir);
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for(app: &TestApp, sql: &str, want: i64) -> i64 {
    let mut n = 0;
    for _ in 0..150 {
        n = app.scalar_i64(sql).await;
        if n >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    n
}

#[tokio::test]
async fn mqtt_events_survive_a_broker_restart_exactly_once() {
    if mosquitto().is_none() {
        assert!(!in_ci(), "CI must have Mosquitto (installed by .ci/run)");
        eprintln!("skipping: mosquitto not installed");
        return;
    }
    let app = TestApp::new().await;
    let port = free_port();
    let mut broker = Broker::start(port, tempfile::tempdir().expect("dir"));
    let url = format!("mqtt://127.0.0.1:{port}");
    let intake = tokio::spawn(gongzhi_app::devices::mqtt::run(
        app.st.clone(),
        url.clone(),
        format!("gongzhi-test-{port}"),
        false,
    ));
    // A device: persistent session, QoS 1.
    let mut o = MqttOptions::new(format!("device-{port}"), "127.0.0.1", port);
    o.set_clean_session(false);
    o.set_keep_alive(Duration::from_secs(5));
    let (dev, mut events) = AsyncClient::new(o, 100);
    let pump = tokio::spawn(async move {
        loop {
            if events.poll().await.is_err() {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    // The intake must be subscribed before the device publishes (under load that can take
    // longer than any fixed pause).
    let intake_id = format!("gongzhi-test-{port}");
    for _ in 0..300 {
        if gongzhi_app::devices::mqtt::is_subscribed(&intake_id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        gongzhi_app::devices::mqtt::is_subscribed(&intake_id),
        "the intake subscribed within 15 s"
    );
    let publish = |i: usize, kind: &'static str| {
        let dev = dev.clone();
        async move {
            let body = json!({"event_id": format!("m-{i}"), "type": kind}).to_string();
            dev.publish(
                "gongzhi/devices/LIFT-0001/events",
                QoS::AtLeastOnce,
                false,
                body,
            )
            .await
            .expect("publish");
        }
    };
    publish(0, "elevator_trapped").await;
    publish(0, "elevator_trapped").await; // redelivered by the device: no second case
    for i in 1..10 {
        publish(i, "heartbeat").await;
    }
    let got = wait_for(&app, "select count(*) from device_events", 10).await;
    assert_eq!(got, 10, "all first events arrived");
    // The broker restarts; the device keeps publishing; nothing is lost or doubled.
    broker.restart();
    for i in 10..20 {
        publish(i, "heartbeat").await;
    }
    let got = wait_for(&app, "select count(*) from device_events", 20).await;
    assert_eq!(got, 20, "no QoS 1 event lost across the broker restart");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        app.scalar_i64("select count(*) from device_events").await,
        20,
        "none duplicated"
    );
    assert_eq!(
        app.scalar_i64("select count(*) from cases where channel = 'device'")
            .await,
        1,
        "one lift alarm, one case"
    );
    assert_eq!(
        app.scalar_text("select category from cases where channel = 'device'")
            .await
            .as_deref(),
        Some("FAC.ELEVATOR")
    );
    intake.abort();
    pump.abort();
    drop(broker);
}

/// The registry lists each role only the devices where it works: grid workers their grid,
/// community and street staff their area, administrators everything; building heads,
/// handling units, mediators, auditors and residents get no registry at all (they used to
/// list every device of the district).
#[tokio::test]
async fn the_registry_lists_each_role_only_the_devices_of_its_area() {
    let app = TestApp::new().await;
    let admin = app.bearer("admin").await;
    // One device at resident1's building (grid1's grid, staff1's community), one in
    // another community.
    let (lng, lat) = crate::support::home_of(&app, "resident1").await;
    let home_community = app
        .scalar_i64(
            "select r.community_id from users u join residents r on r.id = u.resident_id \
             where u.username = 'resident1'",
        )
        .await;
    let other = app
        .st
        .org_map()
        .buildings
        .iter()
        .find(|b| b.community.is_some_and(|c| c != home_community))
        .map(|b| (b.lng, b.lat))
        .expect("a building in another community");
    for (code, (x, y)) in [("TEST-IN", (lng, lat)), ("TEST-OUT", other)] {
        let r = app
            .post_json(
                "/api/v1/devices",
                &admin,
                json!({"code": code, "name": "测试烟感", "kind": "smoke", "lng": x, "lat": y}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let codes = |v: serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|d| d["code"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let all = app.scalar_i64("select count(*) from devices").await;
    let r = app.get("/api/v1/devices?per_page=500", &admin).await;
    assert_eq!(r.json()["total"], all);
    for (user, sees_out) in [("staff1", false), ("grid1", false)] {
        let r = app
            .get("/api/v1/devices?per_page=500", &app.bearer(user).await)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{user}");
        let mine = codes(r.json());
        assert!(mine.contains(&"TEST-IN".to_string()), "{user}: {mine:?}");
        assert_eq!(mine.contains(&"TEST-OUT".to_string()), sees_out, "{user}");
        assert!(
            (mine.len() as i64) < all,
            "{user} sees less than the district"
        );
    }
    let in_community = app
        .scalar_i64(&format!(
            "select count(*) from devices where community_id = {home_community}"
        ))
        .await;
    let r = app
        .get("/api/v1/devices", &app.bearer("staff1").await)
        .await;
    assert_eq!(r.json()["total"], in_community);
    for user in [
        "head1",
        "unit-property1",
        "mediator1",
        "auditor1",
        "resident1",
    ] {
        let r = app.get("/api/v1/devices", &app.bearer(user).await).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}: {}", r.body);
        let page = app.get("/devices", &app.browser(user).await).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{user}");
        let home = app.get("/", &app.browser(user).await).await;
        assert!(
            !home.body.contains("href=\"/devices\""),
            "{user} has no registry menu"
        );
    }
    // Devices registered before they carried their place are located at the next start.
    app.exec("update devices set street_id = null, community_id = null, grid_id = null")
        .await
        .expect("forget places");
    app.other_node().await;
    assert_eq!(
        app.scalar_i64("select count(*) from devices where community_id is null")
            .await,
        0
    );
    let r = app
        .get("/api/v1/devices", &app.bearer("staff1").await)
        .await;
    assert_eq!(r.json()["total"], in_community);
}
