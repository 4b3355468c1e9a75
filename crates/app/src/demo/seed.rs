//! Writes the generated demo district into the database in one transaction.

use std::collections::HashMap;

use gongzhi_core::identity::{Role, Scope};

use super::generate::{self, Demo, PROPERTY_COMPANIES};
use crate::audit::{self, Actor, Event};
use crate::auth::service::{self as auth, UserSpec, Who};
use crate::org::service::{self as org, NewUnit};
use crate::residents::service::Place;
use crate::residents::service::{self as residents, Registration};
use crate::state::AppState;

/// The password of every demo account (printed at start; demo databases only).
pub const DEMO_PASSWORD: &str = "gongzhi-demo";
const SEED: u64 = 20_261_122;
/// Past disputes of the demo (a year of mediation for the figures).
const HISTORY_DISPUTES: usize = 240;
/// Historical cases in the full demo (the last 90 days).
pub const HISTORY_CASES: usize = 2400;

/// How big a demo to make: the full district; the district with fewer residents (all of
/// the demo's domains, for tests that need them: the public books, the twin's scenario);
/// or the test fixture — one street, two communities, a handful of residents, no books
/// and no simulation.
#[derive(Debug, Clone, Copy)]
pub enum DemoSize {
    Full,
    Residents(usize),
    Fixture(usize),
}

/// A demo login as printed at start.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: &'static str,
    pub role: Role,
    pub scope: String,
}

const META_KEY: &str = "demo_seeded";

/// Seeds the demo district unless the database already holds an organisation. Returns the
/// demo accounts (also when the demo was seeded earlier), or `None` when the database
/// holds a real (non-demo) organisation.
pub async fn seed(st: &AppState, size: DemoSize) -> anyhow::Result<Option<Vec<DemoAccount>>> {
    let seeded = org::meta(st, META_KEY).await?;
    let any_org = org::has_district(st).await?;
    if seeded.is_some() {
        return Ok(Some(accounts(st).await?));
    }
    if any_org {
        return Ok(None);
    }
    let demo = match size {
        DemoSize::Full => generate::generate(SEED, 20_000),
        DemoSize::Residents(n) => generate::generate(SEED, n),
        DemoSize::Fixture(n) => generate::fixture(SEED, n),
    };
    write(st, &demo).await?;
    org::reload(st).await?;
    super::devices::seed_devices(st).await?;
    if let Some(a) = auth::account_named(st, "admin").await? {
        crate::open311::service::create_key(
            st,
            Who::System("demo"),
            "demo",
            a.id,
            Some(crate::open311::DEMO_KEY),
        )
        .await?;
    }
    // Staff who act on cases can be reached outside the app (fictional numbers, 139 0000 xxxx).
    for (i, name) in ["staff1", "street1", "unit-property1", "unit-water", "grid1"]
        .iter()
        .enumerate()
    {
        if let Some(u) = auth::account_named(st, name).await? {
            let (email, phone) = (
                format!("{name}@demo.gongzhi.local"),
                format!("1390000{:04}", i + 1),
            );
            crate::notify::set_contacts(st, u.id, Some(&email), Some(&phone)).await?;
        }
    }
    crate::mediation::demo::seed_mediators(st).await?;
    crate::votes::demo::seed(st).await?;
    crate::participation::demo::seed(st).await?;
    crate::renewal::demo::seed(st).await?;
    crate::timebank::demo::seed(st).await?;
    crate::partners::demo::seed(st).await?;
    crate::talents::demo::seed(st).await?;
    crate::programmes::demo::seed(st).await?;
    if !matches!(size, DemoSize::Fixture(_)) {
        crate::funds::demo::seed(st, SEED).await?;
        super::twin::seed(st).await?;
    }
    if let DemoSize::Full = size {
        crate::cases::demo::seed_history(st, SEED, HISTORY_CASES).await?;
        crate::mediation::demo::generate(st, SEED, HISTORY_DISPUTES).await?;
    }
    // The demo's first checkpoint covers everything seeded.
    let signer = st.ledger_signer()?;
    crate::ledger::service::sign(&st.db, &signer, st.now_ms()).await?;
    Ok(Some(accounts(st).await?))
}

async fn write(st: &AppState, d: &Demo) -> anyhow::Result<()> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let unit = |level: &'static str, code: &str, name: &str| NewUnit {
        level,
        code: code.into(),
        name: name.into(),
        ..Default::default()
    };

    // Handling units: one per taxonomy kind, three property companies.
    let mut unit_ids: HashMap<String, i64> = HashMap::new();
    for (kind, name) in crate::taxonomy::unit_kinds() {
        if kind == "property" {
            for i in 1..=PROPERTY_COMPANIES {
                let code = format!("PROPERTY-{i}");
                let label = ["安居", "锦华", "顺心"][i - 1];
                let id = org::insert_handling_in(
                    &mut tx,
                    &code,
                    kind,
                    &format!("{label}物业服务有限公司"),
                    now,
                )
                .await?;
                unit_ids.insert(code, id);
            }
        } else {
            let code = kind.to_ascii_uppercase().replace('_', "-");
            let id = org::insert_handling_in(&mut tx, &code, kind, name, now).await?;
            unit_ids.insert(code, id);
        }
    }

    let district = org::insert_unit_in(
        &mut tx,
        &unit("district", &d.district.code, &d.district.name),
        now,
    )
    .await?;
    let mut streets = vec![];
    for s in &d.streets {
        let mut u = unit("street", &s.code, &s.name);
        u.parent_id = Some(district);
        let id = org::insert_unit_in(&mut tx, &u, now).await?;
        streets.push(id);
    }
    let mut communities = vec![];
    for c in &d.communities {
        let mut u = unit("community", &c.code, &c.name);
        u.parent_id = Some(streets[c.street]);
        u.street_id = Some(streets[c.street]);
        communities.push((
            org::insert_unit_in(&mut tx, &u, now).await?,
            streets[c.street],
        ));
    }
    let mut grids = vec![];
    for g in &d.grids {
        let (community, street) = communities[g.community];
        let mut u = unit("grid", &g.code, &g.name);
        u.parent_id = Some(community);
        u.street_id = Some(street);
        u.community_id = Some(community);
        u.geometry = Some(g.geometry.clone());
        grids.push((
            org::insert_unit_in(&mut tx, &u, now).await?,
            community,
            street,
        ));
    }
    let mut compounds = vec![];
    for c in &d.compounds {
        let (grid, community, street) = grids[c.grid];
        let mut u = unit("compound", &c.code, &c.name);
        u.parent_id = Some(grid);
        u.street_id = Some(street);
        u.community_id = Some(community);
        u.grid_id = Some(grid);
        u.geometry = Some(c.geometry.clone());
        let company = c.property + 1;
        u.property_unit_id = unit_ids.get(&format!("PROPERTY-{company}")).copied();
        compounds.push((
            org::insert_unit_in(&mut tx, &u, now).await?,
            grid,
            community,
            street,
        ));
    }
    let mut buildings = vec![];
    for b in &d.buildings {
        let (compound, grid, community, street) = compounds[b.compound];
        let mut u = unit("building", &b.code, &b.name);
        u.parent_id = Some(compound);
        u.street_id = Some(street);
        u.community_id = Some(community);
        u.grid_id = Some(grid);
        u.lng = Some(b.lng);
        u.lat = Some(b.lat);
        u.floors = Some(b.floors);
        u.geometry = Some(gongzhi_core::org::point_geojson(b.lng, b.lat));
        let id = org::insert_unit_in(&mut tx, &u, now).await?;
        buildings.push(Place {
            building_id: id,
            grid_id: grid,
            community_id: community,
            street_id: street,
        });
    }
    let mut households = vec![];
    for h in &d.households {
        let place = buildings[h.building];
        households.push((
            crate::residents::service::insert_household_in(&mut tx, place, &h.room).await?,
            place,
        ));
    }
    let mut resident_ids = vec![];
    for r in &d.residents {
        let (household_id, place) = households[r.household];
        let reg = Registration {
            household_id,
            place,
            name: &r.name,
            gender: r.gender,
            birth_year: i64::from(r.birth_year),
            phone: &r.phone,
            id_number: &r.id_number,
            tags: &r.tags,
        };
        let id = residents::register(st, &mut tx, &reg, now)
            .await
            .map_err(|e| anyhow::anyhow!("demo resident: {e}"))?;
        resident_ids.push(id);
    }

    // Accounts: one per role, scoped to the first street / community / grid / building.
    // resident1 and resident2: neighbours in two households of the first building that has two.
    let mut first_in_household: Vec<Option<usize>> = vec![None; d.households.len()];
    for (i, r) in d.residents.iter().enumerate() {
        first_in_household[r.household].get_or_insert(i);
    }
    let mut per_building: HashMap<usize, Vec<usize>> = HashMap::new();
    for (h, first) in first_in_household.iter().enumerate() {
        if let Some(i) = first {
            per_building
                .entry(d.households[h].building)
                .or_default()
                .push(*i);
        }
    }
    let (b_index, pair) = per_building
        .into_iter()
        .filter(|(_, v)| v.len() >= 2)
        .min_by_key(|(b, _)| *b)
        .ok_or_else(|| anyhow::anyhow!("no building has two households; seed more residents"))?;
    let (r1, r2) = (pair[0], pair[1]);
    let first_building = buildings[b_index];
    // volunteer1 (a younger elder, 60–70) and elder1 (80 or older): neighbours in the same
    // community, for the time bank.
    let community_of =
        |i: usize| buildings[d.households[d.residents[i].household].building].community_id;
    let aged = |lo: i64, hi: i64, not: &[usize]| {
        (0..d.residents.len()).find(|&i| {
            let born = i64::from(d.residents[i].birth_year);
            community_of(i) == first_building.community_id
                && !not.contains(&i)
                && (lo..=hi).contains(&born)
        })
    };
    let v1 = aged(1956, 1966, &[r1, r2])
        .or_else(|| aged(0, 9999, &[r1, r2]))
        .ok_or_else(|| anyhow::anyhow!("no resident for volunteer1"))?;
    let e1 = aged(0, 1946, &[r1, r2, v1])
        .or_else(|| aged(0, 9999, &[r1, r2, v1]))
        .ok_or_else(|| anyhow::anyhow!("no resident for elder1"))?;
    let system = Actor {
        id: None,
        name: "demo".into(),
        ip: None,
    };
    let unit_scope = |code: &str| {
        unit_ids
            .get(code)
            .map(|&id| Scope::Unit(id))
            .unwrap_or(Scope::Nothing)
    };
    let specs: Vec<(&str, &str, Role, Scope, Option<i64>)> = vec![
        ("admin", "系统管理员", Role::Admin, Scope::District, None),
        (
            "street1",
            "陈晓东",
            Role::StreetStaff,
            Scope::Street(first_building.street_id),
            None,
        ),
        (
            "staff1",
            "王丽华",
            Role::CommunityStaff,
            Scope::Community(first_building.community_id),
            None,
        ),
        (
            "grid1",
            "张伟",
            Role::GridWorker,
            Scope::Grid(first_building.grid_id),
            None,
        ),
        (
            "head1",
            "刘秀英",
            Role::BuildingHead,
            Scope::Building(first_building.building_id),
            None,
        ),
        (
            "unit-property1",
            "安居物业 客服 赵磊",
            Role::UnitStaff,
            unit_scope("PROPERTY-1"),
            None,
        ),
        (
            "unit-water",
            "水务集团 调度 孙强",
            Role::UnitStaff,
            unit_scope("WATER"),
            None,
        ),
        (
            "mediator1",
            "周敏",
            Role::Mediator,
            unit_scope("MEDIATION"),
            None,
        ),
        (
            "judicial1",
            "司法所 调解员 郑国平",
            Role::Mediator,
            unit_scope("MEDIATION"),
            None,
        ),
        (
            "police1",
            "派出所 社区民警 黄志强",
            Role::Mediator,
            unit_scope("MEDIATION"),
            None,
        ),
        (
            "lawyer1",
            "志愿律师 林嘉",
            Role::Mediator,
            unit_scope("MEDIATION"),
            None,
        ),
        ("auditor1", "吴静", Role::Auditor, Scope::District, None),
        (
            "resident1",
            &d.residents[r1].name,
            Role::Resident,
            Scope::OwnResident(resident_ids[r1]),
            Some(resident_ids[r1]),
        ),
        (
            "resident2",
            &d.residents[r2].name,
            Role::Resident,
            Scope::OwnResident(resident_ids[r2]),
            Some(resident_ids[r2]),
        ),
        (
            "volunteer1",
            &d.residents[v1].name,
            Role::Resident,
            Scope::OwnResident(resident_ids[v1]),
            Some(resident_ids[v1]),
        ),
        (
            "elder1",
            &d.residents[e1].name,
            Role::Resident,
            Scope::OwnResident(resident_ids[e1]),
            Some(resident_ids[e1]),
        ),
    ];
    for (username, name, role, scope, resident_id) in specs {
        let spec = UserSpec {
            username,
            display_name: name,
            password: DEMO_PASSWORD,
            role,
            scope,
            resident_id,
        };
        auth::create_user_in(st, &mut tx, &system, &spec)
            .await
            .map_err(|e| anyhow::anyhow!("demo user {username}: {e}"))?;
    }
    org::put_meta_in(&mut tx, META_KEY, &now.to_string()).await?;
    org::bump_version(&mut tx, now).await?;
    audit::record(&mut tx, now, &system, Event::ok("demo.seed", "district", district).with(serde_json::json!({
        "streets": d.streets.len(), "communities": d.communities.len(), "grids": d.grids.len(),
        "compounds": d.compounds.len(), "buildings": d.buildings.len(), "residents": d.residents.len()
    }))).await?;
    tx.commit().await?;
    Ok(())
}

/// The demo accounts that exist, with their scope label.
async fn accounts(st: &AppState) -> anyhow::Result<Vec<DemoAccount>> {
    const NAMES: [&str; 16] = [
        "admin",
        "street1",
        "staff1",
        "grid1",
        "head1",
        "unit-property1",
        "unit-water",
        "mediator1",
        "judicial1",
        "police1",
        "lawyer1",
        "auditor1",
        "resident1",
        "resident2",
        "volunteer1",
        "elder1",
    ];
    let mut out = vec![];
    for username in NAMES {
        if let Some(u) = auth::account_named(st, username).await? {
            out.push(DemoAccount {
                username,
                role: u.role.unwrap_or(Role::Resident),
                scope: crate::web::layout::scope_label(st, u.scope, crate::i18n::Lang::Zh),
            });
        }
    }
    Ok(out)
}
