//! Demo devices (演示数据): smoke, flood, gas and lift sensors in demo buildings and AI
//! cameras on public land, each with the token `gzd_demo_<code>` (demo databases only;
//! real devices get random tokens, shown once).

use crate::auth::service::Who;
use crate::devices::service::{NewDevice, register};
use crate::state::AppState;

/// The token of a demo device.
pub fn demo_token(code: &str) -> String {
    format!("gzd_demo_{code}")
}

pub async fn seed_devices(st: &AppState) -> anyhow::Result<usize> {
    let map = st.org_map();
    let plan: [(&str, &str, &str, usize); 5] = [
        ("SMOKE", "smoke", "烟感探测器", 4),
        ("WATER", "water", "水浸传感器", 2),
        ("GAS", "gas", "燃气探测器", 1),
        ("LIFT", "elevator", "电梯监测终端", 2),
        ("CAM", "camera", "AI摄像头", 3),
    ];
    let mut made = 0;
    let n = map.buildings.len().max(1);
    for (prefix, kind, label, count) in plan {
        for i in 0..count {
            let b = &map.buildings[(made * 37 + i * 101) % n];
            let (lng, lat) = if kind == "camera" {
                // Cameras watch the road outside the compound gate.
                (b.lng + 0.0012, b.lat - 0.0009)
            } else {
                (b.lng, b.lat)
            };
            let (lng, lat) = if map.locate(lng, lat).is_some() {
                (lng, lat)
            } else {
                (b.lng, b.lat)
            };
            let code = format!("{prefix}-{:04}", i + 1);
            let name = format!("{}{}{label}", b.compound, b.name);
            let d = NewDevice {
                code: code.clone(),
                name: name.chars().take(40).collect(),
                kind: kind.into(),
                lng,
                lat,
            };
            register(st, Who::System("demo"), &d, Some(demo_token(&code)))
                .await
                .map_err(|e| anyhow::anyhow!("demo device {code}: {e}"))?;
            made += 1;
        }
    }
    Ok(made)
}

/// How often the demo's devices say they are alive.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// The demo's devices report heartbeats as real ones would (through the same
/// authentication and ingestion as the HTTP and MQTT endpoints), so the device list shows
/// them online. Runs only for demo databases; a device that was deleted or re-keyed is left
/// alone.
pub async fn heartbeats(st: AppState) {
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tick.tick().await;
        let Ok(devices) = crate::devices::service::codes(&st).await else {
            continue;
        };
        let slot = st.now_ms() / HEARTBEAT_EVERY.as_millis() as i64;
        for code in devices {
            let Ok(d) = crate::devices::service::authenticate(&st, &code, &demo_token(&code)).await
            else {
                continue;
            };
            let ev = crate::devices::service::DeviceEvent {
                event_id: format!("heartbeat-{slot}"),
                kind: "heartbeat".into(),
                at: None,
                lng: None,
                lat: None,
                payload: Some(
                    serde_json::json!({"battery": 90 - (slot % 7), "rssi": -60 - (slot % 11)}),
                ),
            };
            if let Err(e) = crate::devices::service::ingest(&st, &d, ev).await {
                tracing::warn!(device = %code, error = %e, "demo heartbeat");
            }
        }
    }
}
