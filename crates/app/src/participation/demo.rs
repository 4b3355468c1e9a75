//! The demo's 议事协商 in resident1's community: a residents' council and a building group
//! with members, last month's council meeting (attendance, minutes on the ledger, one
//! decision carried out and one under way), the next meeting called with its notice, and
//! six months of suggestions taken through their course so the monthly 落实率 is counted
//! from rows.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{service, store};
use crate::state::AppState;

const DAY: i64 = 86_400_000;

const SUGGESTIONS: [(&str, &str, &str); 16] = [
    (
        "suggestion",
        "小区东门加装雨棚",
        "下雨天在东门等快递、等孩子放学没有地方避雨，建议加装一段雨棚。",
    ),
    (
        "suggestion",
        "楼道感应灯太暗",
        "3号楼楼道感应灯亮度不够，老人上下楼看不清台阶。",
    ),
    (
        "matter",
        "规范电动自行车停放和充电",
        "电动车在楼道里充电有火灾隐患，建议在小区内建集中充电棚并议定管理办法。",
    ),
    (
        "suggestion",
        "健身器材维修",
        "中心广场的漫步机和扭腰器坏了两个月了。",
    ),
    (
        "suggestion",
        "增设垃圾分类指导时段",
        "晚上7点到8点投放高峰时没有督导员，建议增加一个时段。",
    ),
    (
        "matter",
        "利用闲置自行车棚改建共享空间",
        "西侧自行车棚常年闲置，建议议一议改成居民活动空间。",
    ),
    (
        "suggestion",
        "小区门口人行道修补",
        "门口人行道砖块松动，雨后踩下去会溅水。",
    ),
    (
        "suggestion",
        "增加老年助餐点送餐服务",
        "行动不便的独居老人希望助餐点能送餐上门。",
    ),
    (
        "suggestion",
        "绿化带补种",
        "5号楼前绿化带被踩出一条路，建议补种并设置小路。",
    ),
    (
        "matter",
        "高空抛物治理公约",
        "最近又有楼上扔东西的情况，建议议定楼栋公约并加装摄像头。",
    ),
    (
        "suggestion",
        "宠物粪便清理提示牌",
        "草坪上狗粪多，建议设置提示牌和拾便袋箱。",
    ),
    (
        "suggestion",
        "快递柜增加格口",
        "快递柜经常满，快递员把包裹堆在门口。",
    ),
    (
        "suggestion",
        "儿童游乐区地面更换",
        "游乐区地垫破损，孩子容易绊倒。",
    ),
    (
        "suggestion",
        "单元门禁维修",
        "2单元门禁坏了一周，门一直开着。",
    ),
    (
        "matter",
        "停车位分配办法",
        "小区车位紧张，建议议定按户轮换的分配办法。",
    ),
    (
        "suggestion",
        "夜间施工噪音",
        "隔壁工地晚上十点后还在施工，建议协调。",
    ),
];

/// Seeds resident1's community (idempotent: skipped when it has a body already).
pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let Ok(staff) = crate::auth::service::acting_as(st, "staff1").await else {
        return Ok(());
    };
    let Some(r1) = crate::auth::service::account_named(st, "resident1").await? else {
        return Ok(());
    };
    let Some(resident) = r1.resident_id else {
        return Ok(());
    };
    let Some(p) = crate::residents::service::party(st, resident).await? else {
        return Ok(());
    };
    let c = p.place.community_id;
    let mut tx = st.db.read().await?;
    if !store::bodies(&mut tx, c).await?.is_empty() {
        return Ok(());
    }
    drop(tx);
    // Residents of the community: resident1's building first, then others.
    let mut people: Vec<i64> = crate::residents::service::households_of(st, p.place.building_id)
        .await?
        .into_iter()
        .map(|h| h.2)
        .filter(|r| *r != resident)
        .collect();
    for id in crate::residents::service::all_ids(st).await? {
        if people.len() >= 40 {
            break;
        }
        if id != resident
            && !people.contains(&id)
            && let Some(x) = crate::residents::service::party(st, id).await?
            && x.place.community_id == c
        {
            people.push(id);
        }
    }
    let now = st.now_ms();
    let today = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    let map = st.org_map();
    let community_name = map.unit(c).map(|u| u.name.clone()).unwrap_or_default();
    let council = service::create_body(
        st,
        &staff,
        &service::NewBody {
            kind: "council".into(),
            scope_id: c,
            name: format!("{community_name}居民议事会"),
            term_start: (today - chrono::Days::new(540)).to_string(),
            term_end: (today + chrono::Days::new(555)).to_string(),
        },
    )
    .await?;
    let building = map
        .unit(p.place.building_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let group = service::create_body(
        st,
        &staff,
        &service::NewBody {
            kind: "building_group".into(),
            scope_id: p.place.building_id,
            name: format!("{building}楼组"),
            term_start: (today - chrono::Days::new(300)).to_string(),
            term_end: (today + chrono::Days::new(795)).to_string(),
        },
    )
    .await?;
    let elected = (today - chrono::Days::new(540)).to_string();
    let mut tx = st.db.begin().await?;
    let council_members: Vec<i64> = people.iter().copied().take(7).collect();
    for (i, r) in council_members.iter().enumerate() {
        let role = match i {
            0 => "chair",
            1 => "vice_chair",
            _ => "member",
        };
        store::add_member(
            &mut tx,
            council,
            &store::MemberRow {
                resident_id: *r,
                role: role.into(),
                elected_on: elected.clone(),
            },
            now,
        )
        .await?;
    }
    if let Some(head) = people.first() {
        store::add_member(
            &mut tx,
            group,
            &store::MemberRow {
                resident_id: *head,
                role: "head".into(),
                elected_on: (today - chrono::Days::new(300)).to_string(),
            },
            now,
        )
        .await?;
    }
    // Six months of suggestions: most answered, adopted and carried out; some not adopted
    // with the reason; the newest still open. Supporters from the community.
    let mut rng = ChaCha8Rng::seed_from_u64(0x5EED_1901);
    let mut ids = vec![];
    for month in (0..6).rev() {
        let n = if month == 0 { 5 } else { rng.gen_range(8..14) };
        for k in 0..n {
            let (kind, title, body) = SUGGESTIONS[(month * 7 + k) % SUGGESTIONS.len()];
            let at = now - month as i64 * 30 * DAY - rng.gen_range(1..25) * DAY;
            let author = people.get(rng.gen_range(0..people.len().max(1))).copied();
            let channel = ["online", "online", "open_day", "corner"][k % 4];
            let id = store::insert_suggestion(
                &mut tx,
                &store::NewSuggestion {
                    community_id: c,
                    kind,
                    channel,
                    title,
                    body,
                    resident_id: author,
                    entered_by: (channel != "online").then_some(staff.id),
                    now: at,
                },
            )
            .await?;
            for r in people.iter().take(rng.gen_range(1..6)) {
                store::support(&mut tx, id, *r, at).await?;
            }
            let roll = rng.gen_range(0..100);
            let steps: &[(&str, &[&str])] = if month == 0 {
                if roll < 50 {
                    &[]
                } else {
                    &[("answered", &["received"])]
                }
            } else if roll < 78 {
                &[
                    ("answered", &["received"]),
                    ("adopted", &["answered"]),
                    ("implemented", &["adopted"]),
                ]
            } else if roll < 88 {
                &[("answered", &["received"]), ("adopted", &["answered"])]
            } else {
                &[("not_adopted", &["received"])]
            };
            for (i, (to, from)) in steps.iter().enumerate() {
                let t = at + (i as i64 + 1) * 3 * DAY;
                let (answer, reason) = match *to {
                    "answered" => (Some("已收到，社区将在本月议事会上研究，请关注公示。"), None),
                    "implemented" => (Some("已完成，欢迎监督。"), None),
                    "not_adopted" => (None, Some("涉及相邻小区产权，社区无权处置，已转街道协调。")),
                    _ => (None, None),
                };
                store::set_status(&mut tx, id, from, to, answer, reason, None, t.min(now)).await?;
            }
            ids.push(id);
        }
    }
    // This month's matter is one supporter short of the agenda (resident1 can tip it).
    let threshold = crate::votes::service::rules(st, c).await?.support_threshold;
    let matter = store::insert_suggestion(
        &mut tx,
        &store::NewSuggestion {
            community_id: c,
            kind: "matter",
            channel: "online",
            title: "楼道堆物清理和消防通道管理公约",
            body: "楼道里堆放杂物和电动车，影响消防通道，建议议定楼道管理公约，定期清理。",
            resident_id: people.get(1).copied(),
            entered_by: None,
            now: now - 4 * DAY,
        },
    )
    .await?;
    for r in people.iter().take((threshold - 1).max(0) as usize) {
        store::support(&mut tx, matter, *r, now - 3 * DAY).await?;
    }
    // Last month's council meeting: held, attended, minutes and decisions.
    // 19:00 Beijing time, twenty days ago.
    let held = crate::clock::day_start_ms(today - chrono::Days::new(20)) + 19 * 3_600_000;
    let meeting = store::insert_meeting(
        &mut tx,
        &store::MeetingRow {
            id: 0,
            body_id: council,
            community_id: c,
            title: "居民议事会例会".into(),
            agenda:
                "规范电动自行车停放和充电\n利用闲置自行车棚改建共享空间\n上月决定事项落实情况通报"
                    .into(),
            place: "社区党群服务中心二楼议事厅".into(),
            starts_at: held,
            noticed_at: held - 7 * DAY,
            checkin_token: hex::encode(rng.r#gen::<[u8; 16]>()),
            minutes_document_id: None,
        },
        staff.id,
        held - 7 * DAY,
    )
    .await?;
    for (i, r) in council_members.iter().enumerate().take(6) {
        let how = if i % 3 == 2 { "staff" } else { "qr" };
        store::attend(
            &mut tx,
            meeting,
            *r,
            how,
            Some(staff.id),
            held + i as i64 * 60_000,
        )
        .await?;
    }
    let due_done = (today - chrono::Days::new(5)).to_string();
    let due_open = (today + chrono::Days::new(25)).to_string();
    for (text, owner, due) in [
        (
            "在西侧自行车棚建设电动车集中充电点",
            "物业服务中心",
            due_done.as_str(),
        ),
        (
            "起草楼道管理公约并征求各楼组意见",
            "居民议事会",
            due_open.as_str(),
        ),
    ] {
        store::insert_decision(
            &mut tx,
            &store::DecisionRow {
                id: 0,
                meeting_id: meeting,
                community_id: c,
                text: text.into(),
                owner: owner.into(),
                due_on: due.into(),
                status: "open".into(),
                done_note: None,
                done_at: None,
            },
            held,
        )
        .await?;
    }
    tx.commit().await?;
    let first = {
        let mut tx = st.db.read().await?;
        store::decisions(&mut tx, meeting)
            .await?
            .first()
            .map(|d| d.id)
    };
    if let Some(d) = first {
        service::decision_done(st, &staff, d, "充电棚已建成，设12个充电口，已投入使用。").await?;
    }
    service::publish_minutes(
        st,
        &staff,
        meeting,
        "居民议事会例会纪要\n\n到会成员6人。\n一、规范电动自行车停放和充电：同意在西侧自行车棚建设集中充电点，由物业服务中心负责，月底前完成。\n二、闲置自行车棚改建共享空间：原则同意，另行征集居民设计方案。\n三、起草楼道管理公约，由居民议事会牵头，下月例会审议。",
    )
    .await?;
    // The next meeting, called now: its notice goes to every member.
    let next = now + 5 * DAY;
    let local = chrono::DateTime::from_timestamp_millis(next + 8 * 3_600_000)
        .map(|t| t.format("%Y-%m-%dT19:00").to_string())
        .unwrap_or_default();
    service::call_meeting(
        st,
        &staff,
        &service::NewMeeting {
            body_id: council,
            title: "居民议事会例会".into(),
            agenda: "楼道管理公约（草案）审议\n共享空间设计方案征集安排".into(),
            place: "社区党群服务中心二楼议事厅".into(),
            starts_at: local,
        },
    )
    .await?;
    Ok(())
}
