//! Demo owners' register and vote (演示数据): resident1's building, each household's eldest
//! resident as the owner of their flat (resident1 owns theirs; areas from the flat's place
//! in the building), two flats the developer has not sold, and an open lift-retrofit vote
//! (加装电梯, art. 278 matter 7) with its cost-sharing plan, in which resident1 (and everyone
//! else) has not voted yet; then the registers of the compound's other buildings, so a
//! compound-wide vote can be opened on the demo.

use gongzhi_core::votes::{AREA_SCALE, Matter};

use super::service::{self, LiftPlan, NewVote, RegisterUnit};
use crate::state::AppState;

const DAY: i64 = 86_400_000;

/// The floor of a room written as 1单元101室, 302 or 3-302.
fn floor_of(room: &str) -> i64 {
    let digits: String = room
        .rsplit(['元', '-'])
        .next()
        .unwrap_or(room)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    match digits.len() {
        3 | 4 => digits[..digits.len() - 2].parse().unwrap_or(1),
        _ => 1,
    }
    .max(1)
}

/// Writes the register of `building` from its households: each household's eldest owns
/// the flat (resident1's household is theirs: the demo's owner who has not voted yet), 60–130
/// m² by the flat's place; and `unsold` flats of the developer's on the top floor.
async fn write_register(
    st: &AppState,
    building: i64,
    resident1: i64,
    unsold: i64,
) -> anyhow::Result<()> {
    let households = crate::residents::service::households_of(st, building).await?;
    if households.is_empty() {
        return Ok(());
    }
    let mut rows: Vec<(String, i64, i64, String, Option<i64>)> = households
        .iter()
        .enumerate()
        .map(|(i, (room, first, eldest))| {
            let owner = if *first == resident1 { *first } else { *eldest };
            let area = (60 + (i as i64 * 37) % 70) * AREA_SCALE + (i as i64 * 1_234) % AREA_SCALE;
            (
                room.clone(),
                floor_of(room),
                area,
                service::owner_key_of_resident(owner),
                Some(owner),
            )
        })
        .collect();
    let top = rows.iter().map(|r| r.1).max().unwrap_or(1);
    for n in 1..=unsold {
        rows.push((
            format!("{top}0{}", n + 6),
            top,
            (88 + n) * AREA_SCALE,
            format!("dev:{building}"),
            None,
        ));
    }
    let units: Vec<RegisterUnit<'_>> = rows
        .iter()
        .map(|(room, floor, area, key, rid)| RegisterUnit {
            building_id: building,
            unit: room,
            floor: *floor,
            area_e4: *area,
            owner_key: key,
            resident_id: *rid,
        })
        .collect();
    service::put_register(st, &units).await?;
    Ok(())
}

pub async fn seed(st: &AppState) -> anyhow::Result<Option<i64>> {
    let Some(r1) = crate::auth::service::account_named(st, "resident1").await? else {
        return Ok(None);
    };
    let Some(resident) = r1.resident_id else {
        return Ok(None);
    };
    let Some(p) = crate::residents::service::party(st, resident).await? else {
        return Ok(None);
    };
    let building = p.place.building_id;
    write_register(st, building, resident, 2).await?;
    let now = st.now_ms();
    let id = service::open(
        st,
        &crate::audit::Actor::named("demo"),
        &NewVote {
            community_id: p.place.community_id,
            scope: "building",
            scope_id: building,
            matter: Matter::Rebuild,
            title: "本楼加装电梯及费用分摊方案表决",
            body: "拟在本楼加装一部电梯，总造价约60万元，申请政府补贴后由业主按楼层系数和面积分摊；一楼住户不分摊并获得补偿。请全体业主表决。",
            opens_at: now - 3 * DAY,
            closes_at: now + 11 * DAY,
            lift_plan: Some(LiftPlan {
                cost_fen: 40_000_000,
                coefficients: vec![(1, 0), (2, 300), (3, 700), (4, 1000), (6, 1200)],
                compensation_fen: 1_500_000,
            }),
        },
    )
    .await?;
    // The registers of the compound's other buildings, from their households the same way
    // (each household's eldest owns the flat; one unsold flat of the developer's).
    let map = st.org_map();
    let compound = map.unit(building).and_then(|b| b.parent);
    let others: Vec<i64> = map
        .buildings
        .iter()
        .map(|b| b.id)
        .filter(|b| {
            *b != building && compound.is_some() && map.unit(*b).and_then(|u| u.parent) == compound
        })
        .collect();
    for b in others {
        write_register(st, b, resident, 1).await?;
    }
    Ok(Some(id))
}
