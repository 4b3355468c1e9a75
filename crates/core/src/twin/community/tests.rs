//! Community models on small geometries: the graph, the scenario, the default plan.
use super::*;
use crate::twin::scenario::{compare, distances};

/// Two grids side by side (200 m squares), a compound in each with four buildings.
fn area() -> (Vec<GridIn>, Vec<CompoundIn>, Vec<BuildingIn>) {
    let d = 0.002; // ≈ 190 m of longitude, 220 m of latitude here
    let square = |x0: f64| {
        vec![
            [121.5 + x0, 31.24],
            [121.5 + x0 + d, 31.24],
            [121.5 + x0 + d, 31.24 + d],
            [121.5 + x0, 31.24 + d],
            [121.5 + x0, 31.24],
        ]
    };
    let grids = vec![
        GridIn {
            name: "第1网格".into(),
            ring: square(0.0),
        },
        GridIn {
            name: "第2网格".into(),
            ring: square(d),
        },
    ];
    let compounds = (0..2)
        .map(|g| CompoundIn {
            name: format!("{}号小区", g + 1),
            grid: g,
            ring: vec![],
            property: Some(if g == 0 { "甲物业" } else { "乙物业" }.into()),
        })
        .collect();
    let buildings = (0..8)
        .map(|k| {
            let (c, j) = (k / 4, k % 4);
            BuildingIn {
                id: 100 + k as i64,
                name: format!("{}号楼", j + 1),
                compound: c,
                lng: 121.5 + c as f64 * d + d * (0.3 + 0.4 * (j % 2) as f64),
                lat: 31.24 + d * (0.3 + 0.4 * (j / 2) as f64),
                floors: if j == 0 { 18 } else { 6 },
                vulnerable: if k == 7 { 3 } else { u32::from(j == 0) },
            }
        })
        .collect();
    (grids, compounds, buildings)
}

#[test]
fn the_road_graph_joins_every_place_and_shares_streets_between_grids() {
    let (g, c, b) = area();
    let m = build(&g, &c, &b).expect("model");
    let s = m.scenario(&m.default_spec()).expect("scenario");
    let dist = distances(&s.roads).expect("roads");
    // Every node reaches every other, the outside ones included.
    assert!(dist.iter().flatten().all(|d| d.is_finite()));
    // The shared boundary is one street: its points are not duplicated.
    let streets = m
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Street)
        .count();
    // Two squares of 190 × 220 m, each side cut in two: 8 points each, 3 of them on the
    // shared side.
    assert_eq!(streets, 13, "{:?}", m.nodes);
    assert_eq!(
        m.vulnerable.iter().map(|v| v.1).sum::<u32>(),
        b.iter().map(|x| x.vulnerable).sum::<u32>()
    );
    // Today: two technicians, two grid workers, two volunteers, the fire station and the
    // ambulance.
    let roles: Vec<&str> = m.today.iter().map(|r| r.role.as_str()).collect();
    assert_eq!(
        roles,
        [
            "technician",
            "technician",
            "grid_worker",
            "grid_worker",
            "volunteer",
            "volunteer",
            "fire_station",
            "ambulance"
        ]
    );
    // Each kind happens by its hours of the day.
    assert_eq!(
        s.incidents[0].by_hour.as_deref(),
        kind_hours("fire").as_ref().map(|h| &h[..])
    );
    // The fire station's road takes the stated minutes at its speed.
    let fs = &s.responders[6];
    assert!(fs.fixed);
    let minutes = dist[m.fire_station][m.entrance] / (fs.speed_kmh * 1000.0 / 60.0);
    assert!((minutes - 8.0).abs() < 1e-9);
}

#[test]
fn the_comparison_of_a_built_scenario_moves_only_the_community_s_own() {
    let (g, c, b) = area();
    let m = build(&g, &c, &b).expect("model");
    let mut spec = m.default_spec();
    spec.target_minutes = 1.0;
    spec.years = 5.0;
    let s = m.scenario(&spec).expect("scenario");
    let cmp = compare(&s, None).expect("compare");
    assert_eq!(cmp.vulnerable, 5.0);
    assert!(cmp.optimised.covered >= cmp.today.covered);
    assert!(cmp.optimised.covered >= cmp.greedy.covered);
    for (r, resp) in s.responders.iter().enumerate() {
        let p = cmp.optimised.posts[r];
        if resp.fixed {
            assert_eq!(p, s.responders[r].post);
        } else {
            assert_ne!(m.nodes[p].kind, NodeKind::External);
        }
    }
}

#[test]
fn bad_choices_are_refused_with_a_reason() {
    let (g, c, b) = area();
    let m = build(&g, &c, &b).expect("model");
    let refuse = |f: &dyn Fn(&mut Spec)| {
        let mut s = m.default_spec();
        f(&mut s);
        m.scenario(&s).err().map(|e| e.code())
    };
    assert_eq!(refuse(&|s| s.name = " ".into()), Some("TWIN_NAME_INVALID"));
    assert_eq!(
        refuse(&|s| s.target_minutes = 0.0),
        Some("TWIN_TARGET_INVALID")
    );
    assert_eq!(refuse(&|s| s.years = 500.0), Some("TWIN_YEARS_INVALID"));
    assert_eq!(
        refuse(&|s| s.incidents.clear()),
        Some("TWIN_INCIDENTS_EMPTY")
    );
    assert_eq!(
        refuse(&|s| s.incidents[0].kind = "meteor".into()),
        Some("TWIN_KIND_UNKNOWN")
    );
    assert_eq!(
        refuse(&|s| s.incidents[0].per_year = f64::NAN),
        Some("TWIN_RATE_INVALID")
    );
    assert_eq!(
        refuse(&|s| s.responders.clear()),
        Some("TWIN_RESPONDERS_INVALID")
    );
    assert_eq!(
        refuse(&|s| s.responders[0].role = "wizard".into()),
        Some("TWIN_ROLE_UNKNOWN")
    );
    assert_eq!(
        refuse(&|s| s.responders[0].post = 9999),
        Some("TWIN_POST_INVALID")
    );
    let fire = m.fire_station;
    assert_eq!(
        refuse(&|s| s.responders[0].post = fire),
        Some("TWIN_POST_INVALID")
    );
    assert_eq!(
        refuse(&|s| s.responders[0].shift = Some([8.0, 30.0])),
        Some("TWIN_SHIFT_INVALID")
    );
    assert_eq!(
        refuse(&|s| s.fire_station_minutes = 0.0),
        Some("TWIN_LEAD_INVALID")
    );
    assert_eq!(build(&[], &[], &[]).err(), Some(TwinError::NoRoads));
}
