//! Deterministic generator for the demo district 共治示范区 (code `DEMO`): a fictional
//! district near lng 121.50, lat 31.24 with 2 streets, 6 communities, 40 grids tiling the
//! district, 30 compounds, 300 buildings and a synthetic population.
//!
//! Pure: no I/O and no clock, so the same seed always yields the same [`Demo`]. Everything
//! is made up; ID numbers use the unassigned region code `310199` but carry correct
//! GB 11643 check characters so they pass validation exactly like real ones.

use std::collections::HashSet;

use gongzhi_core::cases::calendar::days_in_month;
use gongzhi_core::pii::check_char;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The whole generated district, ready to be inserted top-down (indices refer to the
/// position in the parent's vector).
#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    pub district: GenUnit,
    pub streets: Vec<GenUnit>,
    pub communities: Vec<GenCommunity>,
    pub grids: Vec<GenGrid>,
    pub compounds: Vec<GenCompound>,
    pub buildings: Vec<GenBuilding>,
    pub households: Vec<GenHousehold>,
    pub residents: Vec<GenResident>,
}

/// A district or street.
#[derive(Debug, Clone, PartialEq)]
pub struct GenUnit {
    pub code: String,
    pub name: String,
}

/// A community; `street` indexes [`Demo::streets`].
#[derive(Debug, Clone, PartialEq)]
pub struct GenCommunity {
    pub code: String,
    pub name: String,
    pub street: usize,
}

/// A grid; `community` indexes [`Demo::communities`], `geometry` is a GeoJSON Polygon.
#[derive(Debug, Clone, PartialEq)]
pub struct GenGrid {
    pub code: String,
    pub name: String,
    pub community: usize,
    pub geometry: String,
}

/// A compound (小区) lying strictly inside its grid; `grid` indexes [`Demo::grids`].
#[derive(Debug, Clone, PartialEq)]
pub struct GenCompound {
    pub code: String,
    pub name: String,
    pub grid: usize,
    pub geometry: String,
    /// Which of the district's property companies manages it (0-based; consecutive
    /// compounds share a company).
    pub property: usize,
}

/// A building inside its compound's boundary; `compound` indexes [`Demo::compounds`].
#[derive(Debug, Clone, PartialEq)]
pub struct GenBuilding {
    pub code: String,
    pub name: String,
    pub compound: usize,
    pub lng: f64,
    pub lat: f64,
    pub floors: i64,
}

/// A household; `room` is like "2单元1203室" (unit, floor, flat) within the building.
#[derive(Debug, Clone, PartialEq)]
pub struct GenHousehold {
    pub building: usize,
    pub room: String,
}

/// A synthetic resident; `household` indexes [`Demo::households`].
#[derive(Debug, Clone, PartialEq)]
pub struct GenResident {
    pub household: usize,
    pub name: String,
    pub gender: &'static str,
    pub birth_year: i32,
    pub phone: String,
    pub id_number: String,
    pub tags: Vec<&'static str>,
}

/// Ages and birth dates are computed against this fixed year rather than the clock, so a
/// seed yields the same people whenever it runs.
pub const REFERENCE_YEAR: i32 = 2025;

/// Property companies of the district (物业), each managing a run of compounds.
pub const PROPERTY_COMPANIES: usize = 3;
const COLS: usize = 8;
const ROWS: usize = 5;
const WEST: f64 = 121.476;
const SOUTH: f64 = 31.2275;
/// About 570 m × 555 m at this latitude: a typical urban grid.
const CELL_W: f64 = 0.006;
const CELL_H: f64 = 0.005;
/// Interior lattice vertices move by at most this fraction of a cell per axis. Below 0.25
/// every cell stays convex, so bilinear interpolation maps the unit square into the cell.
const JITTER: f64 = 0.2;
/// Cells per community along each street's snake order: contiguous 7/7/6 chunks.
const COMMUNITY_SIZES: [usize; 3] = [7, 7, 6];
/// Grids left without a compound (commercial or public land) per community: 5 compounds each.
const EMPTY_GRIDS: [usize; 3] = [2, 2, 1];
/// Building positions in compound parameter space: 5 columns × 2 rows.
const BUILDING_U: [f64; 5] = [0.25, 0.375, 0.5, 0.625, 0.75];
const BUILDING_V: [f64; 2] = [0.3, 0.7];

const STREET_NAMES: [&str; 2] = ["桃源街道", "清溪街道"];
#[rustfmt::skip]
const COMMUNITY_NAMES: [&str; 6] = ["翠竹社区", "梧桐社区", "兰亭社区", "枫林社区", "荷塘社区", "松鹤社区"];
#[rustfmt::skip]
const COMPOUND_NAMES: [&str; 30] = [
    "阳光花苑", "和谐家园", "翠湖苑", "锦绣华庭", "春晖小区", "东方名园", "绿洲雅苑", "金桂苑",
    "紫荆花园", "丽景湾", "滨江公寓", "康乐新村", "明珠苑", "百合家园", "枫丹雅苑", "怡景苑",
    "玉兰花园", "新华里", "幸福里", "书香门第", "海棠苑", "碧水湾", "桃李苑", "长青坊",
    "瑞祥小区", "星河湾", "悦然居", "润泽苑", "清风苑", "丰泽园",
];

/// Common surnames with rough relative frequencies (Shanghai-flavoured: 沈, 陆, 顾 …).
#[rustfmt::skip]
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72), ("李", 70), ("张", 66), ("刘", 50), ("陈", 48), ("杨", 30), ("黄", 23),
    ("赵", 21), ("吴", 22), ("周", 20), ("徐", 18), ("孙", 15), ("马", 14), ("朱", 15),
    ("胡", 13), ("郭", 12), ("何", 12), ("高", 11), ("林", 11), ("罗", 10), ("郑", 10),
    ("梁", 9), ("谢", 8), ("宋", 8), ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7),
    ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 5), ("董", 5), ("袁", 5), ("潘", 5),
    ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 4),
    ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 5), ("姚", 3), ("卢", 3), ("姜", 3),
    ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 4), ("汪", 3), ("范", 3), ("金", 3), ("顾", 4),
    ("钱", 2), ("严", 2), ("戴", 2), ("毛", 2), ("施", 2), ("邵", 2), ("龚", 2), ("倪", 2),
    ("俞", 2), ("傅", 2), ("殷", 1), ("欧阳", 1), ("司马", 1),
];
/// Given names typical of people born before the mid-1960s.
#[rustfmt::skip]
const OLD_MALE: [&str; 15] = [
    "建国", "国强", "德明", "福生", "金根", "永福", "志刚", "建华", "国庆", "根宝", "德华",
    "宝林", "家明", "海林", "庆生",
];
#[rustfmt::skip]
const OLD_FEMALE: [&str; 15] = [
    "秀英", "桂英", "玉兰", "秀珍", "凤英", "淑珍", "桂兰", "美华", "翠华", "金凤", "素芬",
    "月英", "丽华", "彩娣", "秀兰",
];
/// Name characters by gender, for 1965–2004 births and for 2005+ births.
const MALE_CHARS: &str =
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建志文博峰海东亮成";
const FEMALE_CHARS: &str = "芳娜敏静丽艳娟霞秀英玲兰萍红燕梅琳雪婷倩颖慧洁欣怡佳琪蕾薇月";
const MODERN_MALE: &str = "轩睿宸泽浩然梓子宇辰熙阳沐奕一诺霖铭皓博";
const MODERN_FEMALE: &str = "涵萱梓诗雨可欣怡悦一诺芮汐瑶彤琪沫语若";
/// Real mobile network prefixes, so numbers look ordinary (all pass ^1[3-9]\d{9}$).
const PHONE_PREFIXES: [u64; 27] = [
    130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166,
    177, 180, 181, 183, 186, 187, 189, 199,
];

type Pt = (f64, f64);

/// Generates the demo district for `seed` with exactly `residents` residents.
pub fn generate(seed: u64, residents: usize) -> Demo {
    let (mut rng, mut demo, layouts) = layout(seed);
    let (households, people) = populate(&mut rng, &demo.buildings, &layouts, residents);
    demo.households = households;
    demo.residents = people;
    demo
}

/// The test fixture: the demo district's first street with only its first two
/// communities (their grids, compounds and buildings as in the full demo) and `residents`
/// residents living there.
pub fn fixture(seed: u64, residents: usize) -> Demo {
    let (mut rng, mut d, layouts) = layout(seed);
    d.streets.truncate(1);
    d.communities.truncate(2);
    d.grids.retain(|g| g.community < 2);
    let grids = d.grids.len();
    d.compounds.retain(|c| c.grid < grids);
    let compounds = d.compounds.len();
    let keep = d
        .buildings
        .iter()
        .take_while(|b| b.compound < compounds)
        .count();
    d.buildings.truncate(keep);
    let (households, people) = populate(&mut rng, &d.buildings, &layouts[..keep], residents);
    d.households = households;
    d.residents = people;
    d
}

/// The district's streets, communities, grids, compounds and buildings (no one living
/// there yet), with each building's flat layout; the generator continues with `rng`.
fn layout(seed: u64) -> (ChaCha8Rng, Demo, Vec<(usize, usize)>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cells = lattice(&mut rng);
    let streets: Vec<GenUnit> = (0..2)
        .map(|s| GenUnit {
            code: format!("DEMO-S{}", s + 1),
            name: STREET_NAMES[s].to_string(),
        })
        .collect();
    let mut communities = Vec::new();
    let mut grids = Vec::new();
    let mut compounds = Vec::new();
    let mut buildings = Vec::new();
    // Flats layout per building (units, flats per floor), needed to number rooms later.
    let mut layouts = Vec::new();
    for s in 0..2 {
        // Snake order over the street's 4 columns, top row first, so that consecutive
        // cells always share an edge and each community chunk is contiguous.
        let snake: Vec<usize> = (0..ROWS)
            .flat_map(|r| {
                let row = ROWS - 1 - r;
                (0..4).map(move |k| row * COLS + s * 4 + if r % 2 == 0 { k } else { 3 - k })
            })
            .collect();
        let mut start = 0;
        for (k, len) in COMMUNITY_SIZES.into_iter().enumerate() {
            let ci = communities.len();
            let community = GenCommunity {
                code: format!("DEMO-S{}-C{}", s + 1, k + 1),
                name: COMMUNITY_NAMES[ci].to_string(),
                street: s,
            };
            let empty = sample(&mut rng, len, EMPTY_GRIDS[k]).into_vec();
            for (g, &cell) in snake[start..start + len].iter().enumerate() {
                let corners = cells[cell];
                grids.push(GenGrid {
                    code: format!("{}-G{:02}", community.code, g + 1),
                    name: format!("{}第{}网格", community.name, g + 1),
                    community: ci,
                    geometry: polygon_json(&corners),
                });
                if !empty.contains(&g) {
                    let cp = compounds.len();
                    let code = format!("DEMO-CP{:02}", cp + 1);
                    add_buildings(&mut rng, &corners, cp, &code, &mut buildings, &mut layouts);
                    compounds.push(GenCompound {
                        code,
                        name: COMPOUND_NAMES[cp % COMPOUND_NAMES.len()].to_string(),
                        grid: grids.len() - 1,
                        geometry: polygon_json(&compound_ring(&mut rng, &corners)),
                        property: 0,
                    });
                }
            }
            communities.push(community);
            start += len;
        }
    }

    let n = compounds.len().max(1);
    for (i, c) in compounds.iter_mut().enumerate() {
        c.property = i * PROPERTY_COMPANIES / n;
    }
    let demo = Demo {
        district: GenUnit {
            code: "DEMO".into(),
            name: "共治示范区".into(),
        },
        streets,
        communities,
        grids,
        compounds,
        buildings,
        households: vec![],
        residents: vec![],
    };
    (rng, demo, layouts)
}

/// The 8 × 5 cells as [sw, se, ne, nw] corners, indexed `row * COLS + col` (row 0 south).
/// Cells share lattice vertices, so they tile the district exactly; only interior vertices
/// are jittered, keeping the district's outer boundary a rectangle.
fn lattice(rng: &mut ChaCha8Rng) -> Vec<[Pt; 4]> {
    let mut v = vec![(0.0, 0.0); (COLS + 1) * (ROWS + 1)];
    for j in 0..=ROWS {
        for i in 0..=COLS {
            let interior = i > 0 && i < COLS && j > 0 && j < ROWS;
            let (dx, dy) = if interior {
                (
                    rng.gen_range(-JITTER..JITTER),
                    rng.gen_range(-JITTER..JITTER),
                )
            } else {
                (0.0, 0.0)
            };
            // Rounded to the 6 decimals written to GeoJSON, so stored and computed
            // coordinates are the same numbers.
            v[j * (COLS + 1) + i] = (
                round6(WEST + (i as f64 + dx) * CELL_W),
                round6(SOUTH + (j as f64 + dy) * CELL_H),
            );
        }
    }
    let at = |i: usize, j: usize| v[j * (COLS + 1) + i];
    (0..ROWS)
        .flat_map(|j| (0..COLS).map(move |i| (i, j)))
        .map(|(i, j)| [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)])
        .collect()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Bilinear interpolation over a convex cell [sw, se, ne, nw]: (0,0) is sw, (1,1) is ne.
fn lerp_cell(c: &[Pt; 4], u: f64, v: f64) -> Pt {
    let w = [(1.0 - u) * (1.0 - v), u * (1.0 - v), u * v, (1.0 - u) * v];
    let x = c.iter().zip(w).map(|(p, w)| p.0 * w).sum();
    let y = c.iter().zip(w).map(|(p, w)| p.1 * w).sum();
    (x, y)
}

/// A closed, counter-clockwise GeoJSON Polygon from an open ring.
fn polygon_json(ring: &[Pt]) -> String {
    let coords: Vec<String> = ring
        .iter()
        .chain(ring.first())
        .map(|p| format!("[{:.6},{:.6}]", p.0, p.1))
        .collect();
    format!(
        r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
        coords.join(",")
    )
}

/// A compound boundary inside its cell: a box at parameters ~0.15..0.85 (leaving roads
/// around it), with some corners chamfered so compounds are not all plain rectangles.
fn compound_ring(rng: &mut ChaCha8Rng, cell: &[Pt; 4]) -> Vec<Pt> {
    let (u0, u1) = (
        0.15 + rng.gen_range(0.0..0.04),
        0.85 - rng.gen_range(0.0..0.04),
    );
    let (v0, v1) = (
        0.15 + rng.gen_range(0.0..0.04),
        0.85 - rng.gen_range(0.0..0.04),
    );
    let corners: [Pt; 4] = [(u0, v0), (u1, v0), (u1, v1), (u0, v1)];
    let mut ring = Vec::with_capacity(8);
    for (i, &(u, v)) in corners.iter().enumerate() {
        if rng.gen_bool(0.5) {
            // Step back along the incoming edge and forward along the outgoing one; edges
            // are ≥ 0.62 long, so clamping moves exactly `c` along the edge's axis.
            let c = rng.gen_range(0.04..0.08);
            let (prev, next) = (corners[(i + 3) % 4], corners[(i + 1) % 4]);
            ring.push((u + (prev.0 - u).clamp(-c, c), v + (prev.1 - v).clamp(-c, c)));
            ring.push((u + (next.0 - u).clamp(-c, c), v + (next.1 - v).clamp(-c, c)));
        } else {
            ring.push((u, v));
        }
    }
    ring.into_iter()
        .map(|(u, v)| lerp_cell(cell, u, v))
        .map(|(x, y)| (round6(x), round6(y)))
        .collect()
}

/// Ten buildings in a 5 × 2 layout well inside the compound box. A compound gets one style:
/// 6–7 floor walk-ups (3 units, 2 flats a floor), mid-rises or high-rises (2 units).
fn add_buildings(
    rng: &mut ChaCha8Rng,
    cell: &[Pt; 4],
    compound: usize,
    code: &str,
    buildings: &mut Vec<GenBuilding>,
    layouts: &mut Vec<(usize, usize)>,
) {
    let (floors, units, per_floor) = match rng.gen_range(0..20) {
        0..=6 => (6..=7, 3, 2),
        7..=12 => (11..=18, 2, 2),
        _ => (18..=33, 2, 4),
    };
    for b in 0..10 {
        let u = BUILDING_U[b % 5] + rng.gen_range(-0.02..0.02);
        let v = BUILDING_V[b / 5] + rng.gen_range(-0.02..0.02);
        let (lng, lat) = lerp_cell(cell, u, v);
        buildings.push(GenBuilding {
            code: format!("{code}-B{:02}", b + 1),
            name: format!("{}号楼", b + 1),
            compound,
            lng: round6(lng),
            lat: round6(lat),
            floors: rng.gen_range(floors.clone()),
        });
        layouts.push((units, per_floor));
    }
}

/// One household member before names and numbers are drawn. `family` means the member
/// carries the household's surname; `left_behind` marks a child living with grandparents.
#[derive(Clone, Copy)]
struct Member {
    age: i32,
    male: bool,
    family: bool,
    left_behind: bool,
}

fn person(age: i32, male: bool, family: bool) -> Member {
    Member {
        age: age.clamp(1, 90),
        male,
        family,
        left_behind: false,
    }
}

/// A husband of age `lo..=hi` and a wife a few years younger (she keeps her own surname).
fn couple(rng: &mut ChaCha8Rng, lo: i32, hi: i32) -> [Member; 2] {
    let a = rng.gen_range(lo..=hi);
    [
        person(a, true, true),
        person((a - rng.gen_range(-2..=5)).max(20), false, false),
    ]
}

fn child_of(rng: &mut ChaCha8Rng, parent_age: i32) -> Member {
    let gap = rng.gen_range(22..=38.min(parent_age - 1).max(22));
    person(parent_age - gap, rng.gen_bool(0.5), true)
}

fn elder_of(rng: &mut ChaCha8Rng, age: i32) -> Member {
    let male = rng.gen_bool(0.4);
    person(
        age + rng.gen_range(24..=34),
        male,
        male && rng.gen_bool(0.5),
    )
}

fn left_behind(rng: &mut ChaCha8Rng) -> Member {
    Member {
        left_behind: true,
        ..person(rng.gen_range(3..=15), rng.gen_bool(0.5), true)
    }
}

/// Typical household make-ups by size: elderly living alone or as couples, young couples,
/// nuclear families, three generations, and grandparents raising a grandchild.
fn compose(rng: &mut ChaCha8Rng, size: usize) -> Vec<Member> {
    let roll = rng.gen_range(0..20);
    match size {
        1 if roll < 9 => vec![person(rng.gen_range(65..=90), rng.gen_bool(0.4), true)],
        1 => vec![person(rng.gen_range(20..=64), rng.gen_bool(0.5), true)],
        2 => match roll {
            0..=6 => couple(rng, 60, 88).to_vec(),
            7..=13 => couple(rng, 24, 59).to_vec(),
            14..=17 => {
                let p = person(rng.gen_range(32..=58), rng.gen_bool(0.3), true);
                vec![p, child_of(rng, p.age)]
            }
            _ => vec![
                person(rng.gen_range(55..=80), rng.gen_bool(0.5), true),
                left_behind(rng),
            ],
        },
        3 => match roll {
            0..=15 => {
                let [h, w] = couple(rng, 27, 60);
                vec![h, w, child_of(rng, w.age)]
            }
            16..=17 => {
                let [h, w] = couple(rng, 30, 52);
                vec![h, w, elder_of(rng, h.age)]
            }
            _ => {
                let [g, n] = couple(rng, 56, 78);
                vec![g, n, left_behind(rng)]
            }
        },
        4 => {
            let [h, w] = couple(rng, 30, 50);
            let third = if roll < 10 {
                child_of(rng, w.age)
            } else {
                elder_of(rng, h.age)
            };
            vec![h, w, child_of(rng, w.age), third]
        }
        _ => {
            let [h, w] = couple(rng, 28, 48);
            let mut m = vec![h, w, child_of(rng, w.age)];
            if roll < 14 {
                let old = (h.age + rng.gen_range(24..=32)).min(88);
                m.extend(couple(rng, old, old));
            } else {
                m.push(child_of(rng, w.age));
                m.push(elder_of(rng, h.age));
            }
            m
        }
    }
}

/// Households sized 1–5 (mean ≈ 2.5) summing exactly to `residents`, spread over buildings
/// in proportion to their flat count, with distinct rooms; then their members.
fn populate(
    rng: &mut ChaCha8Rng,
    buildings: &[GenBuilding],
    layouts: &[(usize, usize)],
    residents: usize,
) -> (Vec<GenHousehold>, Vec<GenResident>) {
    let mut sizes = Vec::with_capacity(residents / 2 + 1);
    let mut left = residents;
    while left > 0 {
        let s = pick(rng, &[(1, 22), (2, 32), (3, 26), (4, 13), (5, 7)]).min(left);
        sizes.push(s);
        left -= s;
    }

    // Cumulative flat counts, so a household lands in a building with probability
    // proportional to the building's size (high-rises get more households).
    let flats = |b: usize| (buildings[b].floors as usize) * layouts[b].0 * layouts[b].1;
    let cumulative: Vec<usize> = (0..buildings.len())
        .scan(0, |acc, b| {
            *acc += flats(b);
            Some(*acc)
        })
        .collect();
    let total = cumulative.last().copied().unwrap_or(0);
    let mut per_building = vec![0usize; buildings.len()];
    if total > 0 {
        for _ in &sizes {
            let r = rng.gen_range(0..total);
            per_building[cumulative.partition_point(|&c| c <= r)] += 1;
        }
    }

    let mut households = Vec::with_capacity(sizes.len());
    for (b, &n) in per_building.iter().enumerate() {
        let (floors, per_floor) = (buildings[b].floors as usize, layouts[b].1);
        // A building that drew more households than flats (only for very large populations)
        // gets more units rather than impossible floors.
        let units = layouts[b].0.max(n.div_ceil(floors * per_floor));
        let mut slots = sample(rng, units * floors * per_floor, n).into_vec();
        slots.sort_unstable();
        for slot in slots {
            let (unit, rest) = (slot / (floors * per_floor) + 1, slot % (floors * per_floor));
            let (floor, flat) = (rest / per_floor + 1, rest % per_floor + 1);
            households.push(GenHousehold {
                building: b,
                room: format!("{unit}单元{floor}{flat:02}室"),
            });
        }
    }

    let mut ids = HashSet::with_capacity(residents);
    let mut phones = HashSet::with_capacity(residents);
    let mut people = Vec::with_capacity(residents);
    for (h, &size) in sizes.iter().enumerate() {
        let family = pick(rng, SURNAMES);
        let poor = rng.gen_bool(0.015);
        for m in compose(rng, size) {
            let birth_year = REFERENCE_YEAR - m.age;
            let last = if m.family {
                family
            } else {
                pick(rng, SURNAMES)
            };
            let mut tags = Vec::new();
            if size == 1 && m.age >= 65 {
                tags.push("独居老人");
            }
            if rng.gen_bool(if m.age >= 60 { 0.05 } else { 0.015 }) {
                tags.push("残疾人");
            }
            if poor {
                tags.push("低保");
            }
            if m.left_behind && m.age < 16 && rng.gen_bool(0.7) {
                tags.push("留守儿童");
            }
            if (22..=85).contains(&m.age) && rng.gen_bool(if m.male { 0.04 } else { 0.003 }) {
                tags.push("退役军人");
            }
            if m.age >= 18 && rng.gen_bool(if m.age >= 60 { 0.14 } else { 0.07 }) {
                tags.push("党员");
            }
            if !m.male && (20..=42).contains(&m.age) && rng.gen_bool(0.03) {
                tags.push("孕产妇");
            }
            people.push(GenResident {
                household: h,
                name: format!("{last}{}", given_name(rng, m.male, birth_year)),
                gender: if m.male { "男" } else { "女" },
                birth_year,
                phone: phone(rng, &mut phones),
                id_number: id_number(rng, m.male, birth_year, &mut ids),
                tags,
            });
        }
    }
    (households, people)
}

/// Weighted choice from a non-empty table with a positive total weight.
fn pick<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, u32)]) -> T {
    let mut r = rng.gen_range(0..table.iter().map(|e| e.1).sum::<u32>());
    for &(value, weight) in table {
        if r < weight {
            return value;
        }
        r -= weight;
    }
    table[table.len() - 1].0 // not reached: r < total weight
}

fn char_from(rng: &mut ChaCha8Rng, chars: &str) -> char {
    let n = chars.chars().count();
    chars.chars().nth(rng.gen_range(0..n)).unwrap_or('明')
}

/// A 1–2 character given name in the fashion of the birth year.
fn given_name(rng: &mut ChaCha8Rng, male: bool, birth_year: i32) -> String {
    if birth_year < 1965 && rng.gen_bool(0.5) {
        let list = if male { &OLD_MALE } else { &OLD_FEMALE };
        return list[rng.gen_range(0..list.len())].to_string();
    }
    let chars = match (male, birth_year >= 2005) {
        (true, false) => MALE_CHARS,
        (false, false) => FEMALE_CHARS,
        (true, true) => MODERN_MALE,
        (false, true) => MODERN_FEMALE,
    };
    let len = if rng.gen_bool(0.25) { 1 } else { 2 };
    (0..len).map(|_| char_from(rng, chars)).collect()
}

/// A mobile number not used before in this dataset.
fn phone(rng: &mut ChaCha8Rng, used: &mut HashSet<u64>) -> String {
    loop {
        let prefix = PHONE_PREFIXES[rng.gen_range(0..PHONE_PREFIXES.len())];
        let n = prefix * 100_000_000 + rng.gen_range(0..100_000_000);
        if used.insert(n) {
            return n.to_string();
        }
    }
}

/// A GB 11643 ID number not used before: region 310199, a random date in `year`, a
/// sequence whose last digit is odd for men and even for women, and the check character.
fn id_number(
    rng: &mut ChaCha8Rng,
    male: bool,
    year: i32,
    used: &mut HashSet<(i32, u32, u32, u32)>,
) -> String {
    loop {
        let month = rng.gen_range(1..=12);
        let day = rng.gen_range(1..=days_in_month(year, month));
        // A few tries per date; a crowded date is simply replaced by another one.
        for _ in 0..8 {
            let seq = if male {
                2 * rng.gen_range(0..500) + 1
            } else {
                2 * rng.gen_range(1..500)
            };
            if used.insert((year, month, day, seq)) {
                let first17 = format!("310199{year:04}{month:02}{day:02}{seq:03}");
                let mut id = first17.clone();
                id.push(check_char(first17.as_bytes()));
                return id;
            }
        }
    }
}

/// The GB 11643 (ISO 7064 MOD 11-2) check character of 17 ASCII digits.
#[cfg(test)]
mod tests;
