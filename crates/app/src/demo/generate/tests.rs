//! The generated district: counts, codes, geometry that tiles and locates, households,
//! valid and unique people, tags by their rules.
use std::collections::HashSet;

use gongzhi_core::org::{Locator, Zone, check_code, parse_area};
use gongzhi_core::pii::{IdNumber, PhoneNumber};

use super::*;

const N: usize = 2_000;

fn demo() -> Demo {
    generate(7, N)
}

fn locator(d: &Demo) -> Locator {
    let mut l = Locator::new();
    for (i, g) in d.grids.iter().enumerate() {
        l.add_grid(
            i as i64,
            g.community as i64,
            parse_area(&g.geometry).expect("grid area"),
        );
    }
    for (i, c) in d.compounds.iter().enumerate() {
        l.add_compound(
            i as i64,
            c.grid as i64,
            parse_area(&c.geometry).expect("compound area"),
        );
    }
    l
}

/// The closed outer ring of a generated GeoJSON Polygon.
fn ring(geometry: &str) -> Vec<Pt> {
    let v: serde_json::Value = serde_json::from_str(geometry).expect("json");
    v["coordinates"][0]
        .as_array()
        .expect("ring")
        .iter()
        .map(|p| (p[0].as_f64().expect("lng"), p[1].as_f64().expect("lat")))
        .collect()
}

/// Shoelace area: positive for counter-clockwise rings.
fn signed_area(r: &[Pt]) -> f64 {
    r.windows(2)
        .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
        .sum::<f64>()
        / 2.0
}

fn corners(g: &GenGrid) -> [Pt; 4] {
    let r = ring(&g.geometry);
    [r[0], r[1], r[2], r[3]]
}

#[test]
fn counts_and_codes() {
    let d = demo();
    assert_eq!(d.district.code, "DEMO");
    assert_eq!(
        (
            d.streets.len(),
            d.communities.len(),
            d.grids.len(),
            d.compounds.len(),
            d.buildings.len()
        ),
        (2, 6, 40, 30, 300)
    );
    assert_eq!(d.residents.len(), N);
    assert_eq!(generate(1, 0).residents.len(), 0);
    assert_eq!(generate(1, 1).residents.len(), 1);
    let units = [&d.district].into_iter().chain(&d.streets).map(|u| &u.code);
    let codes: Vec<&String> = units
        .chain(d.communities.iter().map(|c| &c.code))
        .chain(d.grids.iter().map(|g| &g.code))
        .chain(d.compounds.iter().map(|c| &c.code))
        .chain(d.buildings.iter().map(|b| &b.code))
        .collect();
    assert!(
        codes.iter().all(|c| check_code(c).is_ok()),
        "codes are valid"
    );
    assert_eq!(
        codes.iter().collect::<HashSet<_>>().len(),
        codes.len(),
        "codes are unique"
    );
    let names: HashSet<&String> = d.compounds.iter().map(|c| &c.name).collect();
    assert_eq!(names.len(), 30);
    assert_eq!(d.grids[0].code, "DEMO-S1-C1-G01");
    assert_eq!(d.grids[0].name, "翠竹社区第1网格");
    assert_eq!(d.buildings[0].code, "DEMO-CP01-B01");
}

#[test]
fn deterministic_per_seed() {
    assert_eq!(demo(), demo());
    assert_ne!(generate(8, N).residents, demo().residents);
}

#[test]
fn hierarchy_is_consistent() {
    let d = demo();
    for g in &d.grids {
        let street = d.communities[g.community].street;
        assert!(g.code.starts_with(&d.communities[g.community].code));
        assert!(g.code.starts_with(&d.streets[street].code));
    }
    for c in 0..d.communities.len() {
        let n = d
            .compounds
            .iter()
            .filter(|cp| d.grids[cp.grid].community == c)
            .count();
        assert!(n >= 4, "community {c} has {n} compounds");
    }
    let grids: HashSet<usize> = d.compounds.iter().map(|c| c.grid).collect();
    assert_eq!(grids.len(), 30, "one compound per grid");
    for (i, c) in d.compounds.iter().enumerate() {
        assert_eq!(d.buildings.iter().filter(|b| b.compound == i).count(), 10);
        assert_eq!(c.code, format!("DEMO-CP{:02}", i + 1));
    }
    assert!(d.buildings.iter().all(|b| (6..=33).contains(&b.floors)));
}

#[test]
fn grids_tile_the_district() {
    let d = demo();
    let mut total = 0.0;
    for g in &d.grids {
        let r = ring(&g.geometry);
        assert_eq!(r.first(), r.last(), "closed");
        assert_eq!(r.len(), 5);
        let a = signed_area(&r);
        assert!(a > 0.0, "counter-clockwise");
        total += a;
    }
    let district = (COLS as f64 * CELL_W) * (ROWS as f64 * CELL_H);
    assert!(
        (total - district).abs() < 1e-9,
        "no overlaps: {total} vs {district}"
    );
    // No gaps: every sample point of the district rectangle lies in some grid.
    let l = locator(&d);
    for i in 0..97 {
        for j in 0..61 {
            let lng = WEST + (i as f64 + 0.5) / 97.0 * COLS as f64 * CELL_W;
            let lat = SOUTH + (j as f64 + 0.5) / 61.0 * ROWS as f64 * CELL_H;
            assert!(l.locate(lng, lat).is_some(), "gap at {lng},{lat}");
            assert!((lng - 121.50).abs() < 0.03 && (lat - 31.24).abs() < 0.03);
        }
    }
}

#[test]
fn points_locate_to_their_units() {
    let d = demo();
    let l = locator(&d);
    for (i, g) in d.grids.iter().enumerate() {
        let (x, y) = lerp_cell(&corners(g), 0.5, 0.5);
        let hit = l.locate(x, y).expect("centre located");
        assert_eq!((hit.grid, hit.community), (i as i64, g.community as i64));
    }
    for (i, c) in d.compounds.iter().enumerate() {
        let r = ring(&c.geometry);
        assert_eq!(r.first(), r.last(), "closed");
        assert!(r.len() >= 5 && signed_area(&r) > 0.0);
        let (x, y) = lerp_cell(&corners(&d.grids[c.grid]), 0.06, 0.5);
        let margin = l.locate(x, y).expect("margin located");
        assert_eq!(
            (margin.grid, margin.zone, margin.compound),
            (c.grid as i64, Zone::Public, None)
        );
        for b in d.buildings.iter().filter(|b| b.compound == i) {
            let hit = l.locate(b.lng, b.lat).expect("building located");
            assert_eq!(hit.compound, Some(i as i64), "{}", b.code);
            assert_eq!((hit.grid, hit.zone), (c.grid as i64, Zone::Compound));
        }
    }
}

#[test]
fn households_and_rooms() {
    let d = demo();
    let mut sizes = vec![0usize; d.households.len()];
    for r in &d.residents {
        sizes[r.household] += 1;
    }
    assert!(sizes.iter().all(|s| (1..=5).contains(s)));
    let mean = N as f64 / d.households.len() as f64;
    assert!((2.2..2.8).contains(&mean), "mean household {mean}");
    let mut seen = HashSet::new();
    for h in &d.households {
        assert!(
            seen.insert((h.building, h.room.clone())),
            "duplicate room {}",
            h.room
        );
        let (unit, number) = h
            .room
            .strip_suffix("室")
            .and_then(|r| r.split_once("单元"))
            .expect("room");
        let (unit, number): (i64, i64) =
            (unit.parse().expect("unit"), number.parse().expect("number"));
        assert!(unit >= 1 && number % 100 >= 1);
        assert!(
            (1..=d.buildings[h.building].floors).contains(&(number / 100)),
            "{}",
            h.room
        );
    }
}

#[test]
fn people_are_valid_and_unique() {
    let d = demo();
    let (mut ids, mut phones) = (HashSet::new(), HashSet::new());
    for r in &d.residents {
        let id = IdNumber::parse(&r.id_number).expect("valid id number");
        assert_eq!(id.as_str(), r.id_number);
        assert!(r.id_number.starts_with("310199"));
        assert_eq!(id.birth_date().0 as i32, r.birth_year);
        let odd = (r.id_number.as_bytes()[16] - b'0') % 2 == 1;
        assert_eq!(odd, r.gender == "男", "{}", r.id_number);
        assert!(r.gender == "男" || r.gender == "女");
        assert!((1935..=2024).contains(&r.birth_year));
        assert_eq!(
            PhoneNumber::parse(&r.phone).expect("valid phone").as_str(),
            r.phone
        );
        assert!(ids.insert(r.id_number.clone()) && phones.insert(r.phone.clone()));
        let n = r.name.chars().count();
        assert!((2..=4).contains(&n), "{}", r.name);
    }
}

#[test]
fn tags_follow_their_rules() {
    let d = demo();
    let mut sizes = vec![0usize; d.households.len()];
    for r in &d.residents {
        sizes[r.household] += 1;
    }
    let mut counts = std::collections::HashMap::new();
    for r in &d.residents {
        let age = REFERENCE_YEAR - r.birth_year;
        for &t in &r.tags {
            *counts.entry(t).or_insert(0usize) += 1;
            match t {
                "独居老人" => assert!(age >= 65 && sizes[r.household] == 1),
                "留守儿童" => assert!(age < 16),
                "孕产妇" => assert!(r.gender == "女" && (20..=42).contains(&age)),
                "残疾人" | "低保" | "退役军人" | "党员" => {}
                other => panic!("unknown tag {other}"),
            }
        }
    }
    assert_eq!(counts.len(), 7, "every tag occurs: {counts:?}");
    let untagged = d.residents.iter().filter(|r| r.tags.is_empty()).count();
    assert!(untagged * 10 > N * 7, "most residents have no tag");
}
