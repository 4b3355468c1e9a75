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
