//! The demo's 微更新 in resident1's community, told as the seed's two stories:
//! - 5号楼地下室 → 儿童活动室 (Guangzhou): proposed by resident1, co-designed, selected by
//!   Equal Shares in last spring's round, funded by a subsidy, pledges and the residents'
//!   share, built, accepted with its final account, adopted, and its use counted before and
//!   after from rows;
//! - 闲置车棚 → 共享花园 (Chengdu): selected in the same round, funded, works under way;
//! - an idea in co-design with its board and design options, and a round open for voting
//!   now, so a visitor can take each step themselves.
//!
//! Every step goes through the service as the demo's staff and residents would take it, so
//! the books, the ledger and the audit trail hold what a real course leaves.

use base64::Engine as _;
use serde_json::json;

use super::{service, store};
use crate::auth::service::{CurrentUser, acting_as};
use crate::state::AppState;

const DAY: i64 = 86_400_000;

fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn photo(bytes: &[u8]) -> String {
    data_url("image/png", bytes)
}

/// A one-page PDF receipt (the receipt's text in ASCII, as a scanned receipt's OCR line).
fn receipt(line: &str) -> String {
    let content = format!("BT /F1 14 Tf 40 100 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        pdf.push_str(&format!("{o:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    data_url("application/pdf", pdf.as_bytes())
}

fn day(st: &AppState, days: i64) -> String {
    crate::clock::date_cn(st.now_ms() + days * DAY)
}

fn local(st: &AppState, days: i64) -> String {
    chrono::DateTime::from_timestamp_millis(st.now_ms() + days * DAY + 8 * 3_600_000)
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

async fn step(st: &AppState, u: &CurrentUser, id: i64, a: serde_json::Value) -> anyhow::Result<()> {
    let a: service::ProjectAction = serde_json::from_value(a)?;
    service::act(st, u, id, &a).await?;
    Ok(())
}

async fn propose(
    st: &AppState,
    u: &CurrentUser,
    at: (f64, f64),
    title: &str,
    description: &str,
    place: &str,
    photos: Vec<String>,
) -> anyhow::Result<i64> {
    Ok(service::propose(
        st,
        u,
        &service::NewProjectRequest {
            title: title.into(),
            description: description.into(),
            place: place.into(),
            lng: at.0,
            lat: at.1,
            photos,
            on_behalf_phone: None,
        },
    )
    .await?)
}

async fn post(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    kind: &str,
    body: &str,
) -> anyhow::Result<i64> {
    Ok(service::post(
        st,
        u,
        id,
        &service::NewPostRequest {
            kind: kind.into(),
            body: body.into(),
            parent_id: None,
            photo: None,
        },
    )
    .await?)
}

/// Takes an idea through co-design and review to feasible at `cost_fen`.
async fn to_feasible(
    st: &AppState,
    staff: &CurrentUser,
    id: i64,
    cost_fen: i64,
    note: &str,
) -> anyhow::Result<()> {
    step(st, staff, id, json!({"action": "codesign"})).await?;
    step(st, staff, id, json!({"action": "review"})).await?;
    step(
        st,
        staff,
        id,
        json!({"action": "feasible", "cost_fen": cost_fen, "text": note}),
    )
    .await
}

pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let (Ok(staff), Ok(r1), Ok(r2)) = (
        acting_as(st, "staff1").await,
        acting_as(st, "resident1").await,
        acting_as(st, "resident2").await,
    ) else {
        return Ok(());
    };
    let Some(me) = r1.resident_id else {
        return Ok(());
    };
    let Some(p) = crate::residents::service::party(st, me).await? else {
        return Ok(());
    };
    let c = p.place.community_id;
    let mut tx = st.db.read().await?;
    if !store::projects(&mut tx, c).await?.is_empty() {
        return Ok(());
    }
    drop(tx);
    let map = st.org_map();
    let Some(home) = map.buildings.iter().find(|b| b.id == p.place.building_id) else {
        return Ok(());
    };
    let at = (home.lng, home.lat);
    drop(map);
    // Voters: the households of the community's buildings.
    let mut voters: Vec<i64> = vec![];
    for b in st
        .org_map()
        .buildings
        .iter()
        .filter(|b| b.community == Some(c))
    {
        for (_, _, r) in crate::residents::service::households_of(st, b.id).await? {
            voters.push(r);
        }
    }
    voters.retain(|v| *v != me);
    voters.truncate(60);

    // The basement, proposed by resident1 with a photo, co-designed with two options.
    let basement = propose(
        st,
        &r1,
        at,
        "地下室改造成儿童活动室",
        "5号楼地下室常年堆放杂物、潮湿昏暗。楼里有二十多个学龄前孩子，下雨天没有地方玩。想把它改成孩子们的活动室：绘本角、软垫区、一面可以涂鸦的黑板墙，老人也能在旁边看着。",
        "5号楼地下室",
        vec![photo(include_bytes!("photos/basement-before.png"))],
    )
    .await?;
    step(st, &staff, basement, json!({"action": "codesign"})).await?;
    let idea = post(
        st,
        &r2,
        basement,
        "idea",
        "一定要做好通风和防潮，再装两个新风口。",
    )
    .await?;
    service::post(
        st,
        &r1,
        basement,
        &service::NewPostRequest {
            kind: "comment".into(),
            body: "同意，还可以留一个给老人坐的地方。".into(),
            parent_id: Some(idea),
            photo: None,
        },
    )
    .await?;
    let a = post(
        st,
        &staff,
        basement,
        "option",
        "方案A：绘本角＋软垫区＋黑板涂鸦墙（约8万元）",
    )
    .await?;
    let b = post(
        st,
        &staff,
        basement,
        "option",
        "方案B：乐高桌＋小剧场舞台（约9.5万元）",
    )
    .await?;
    service::pick(st, &r1, basement, a).await?;
    service::pick(st, &r2, basement, b).await?;
    step(
        st,
        &staff,
        basement,
        json!({"action": "review", "option": a}),
    )
    .await?;
    step(st, &staff, basement, json!({"action": "feasible", "cost_fen": 8_000_000,
        "text": "产权属全体业主，已征得5号楼业主同意；消防通道和疏散出口符合要求；加装新风与除湿设备。"})).await?;
    // The bike shed, proposed by resident2.
    let shed = propose(
        st,
        &r2,
        at,
        "闲置车棚改成共享花园",
        "西侧自行车棚闲置多年，堆满废旧车辆。想清理后改成居民共建共享的小花园，种花种菜，每家可以认领一小块。",
        "西侧自行车棚",
        vec![photo(include_bytes!("photos/shed-garden.png"))],
    )
    .await?;
    to_feasible(
        st,
        &staff,
        shed,
        3_000_000,
        "清理废旧车辆需提前公示15天；棚顶保留，改做花架。",
    )
    .await?;
    let bench = propose(
        st,
        &r2,
        at,
        "楼下加几张休息长椅",
        "老人散步走累了没地方坐，想在3号楼前加几张带扶手的长椅。",
        "3号楼前",
        vec![],
    )
    .await?;
    to_feasible(
        st,
        &staff,
        bench,
        1_200_000,
        "选用带扶手、靠背的长椅，便于老人起身。",
    )
    .await?;

    // Last spring's round, Equal Shares: the ballots as residents cast them then.
    let round = service::create_round(
        st,
        &staff,
        &service::NewRoundRequest {
            community: Some(c),
            title: "2026年春季微更新投票".into(),
            budget_fen: 15_000_000,
            rule: "mes".into(),
            vote_opens: local(st, -160),
            vote_closes: local(st, -150),
            projects: vec![basement, shed, bench],
        },
    )
    .await?;
    let mut tx = st.db.begin().await?;
    let at_vote = st.now_ms() - 155 * DAY;
    for (i, v) in std::iter::once(me)
        .chain(voters.iter().copied())
        .enumerate()
    {
        // Families with children (most) back the room, a gardening group the shed, some both;
        // the bench's few supporters also back the room.
        let items = match i % 10 {
            0..=4 => vec![basement],
            5 => vec![basement, bench],
            6 | 7 => vec![shed],
            8 => vec![basement, shed],
            _ => vec![shed],
        };
        let keys: Vec<String> = items.iter().map(|x| x.to_string()).collect();
        store::insert_ballot(
            &mut tx,
            round,
            &service::pseudonym(st, round, v),
            &keys.join(","),
            "online",
            None,
            at_vote + i as i64 * 60_000,
        )
        .await?;
    }
    tx.commit().await?;
    service::close(st, &staff, round).await?;

    // The room: funding three ways, works, acceptance, adoption, use.
    step(st, &staff, basement, json!({"action": "plan", "subsidy_fen": 4_500_000, "share_fen": 1_500_000, "crowd_max_fen": 2_500_000})).await?;
    step(st, &staff, basement, json!({"action": "subsidy", "counterparty": "街道办事处（社区微更新专项补贴）", "approval": "街道2026年第2次微更新评审会批复", "on": day(st, -140)})).await?;
    for (u, fen) in [(&r1, 100_000), (&r2, 50_000)] {
        service::pledge(
            st,
            u,
            basement,
            &service::PledgeRequest {
                amount_fen: fen,
                kind: None,
                pledger: None,
            },
        )
        .await?;
    }
    for (kind, name, fen) in [
        ("partner", "童心绘本馆", 600_000),
        ("company", "翠竹物业服务有限公司", 1_000_000),
        ("partner", "社区爱心基金会", 250_000),
    ] {
        service::pledge(
            st,
            &staff,
            basement,
            &service::PledgeRequest {
                amount_fen: fen,
                kind: Some(kind.into()),
                pledger: Some(name.into()),
            },
        )
        .await?;
    }
    step(
        st,
        &staff,
        basement,
        json!({"action": "collect", "on": day(st, -130)}),
    )
    .await?;
    step(st, &staff, basement, json!({"action": "share", "amount_fen": 1_500_000, "counterparty": "5号楼居民（48户，每户约312元）", "approval": "5号楼楼组会议议定", "on": day(st, -128)})).await?;
    // Before the works: visits registered at the basement (two a week).
    for d in (1..=56).filter(|d| d % 7 == 0 || d % 7 == 3) {
        let r = service::UseRequest {
            kind: "register".into(),
            day: Some(day(st, -120 - d)),
            phone: None,
        };
        service::record_use(st, &staff, basement, &r).await?;
    }
    step(
        st,
        &staff,
        basement,
        json!({"action": "start", "on": day(st, -120)}),
    )
    .await?;
    for (title, pct, pic) in [
        ("清运杂物、防潮处理", 30, None),
        ("新风除湿设备安装、墙面地面", 70, None),
        (
            "软装进场、绘本上架，完工",
            100,
            Some(photo(include_bytes!("photos/room-after.png"))),
        ),
    ] {
        step(
            st,
            &staff,
            basement,
            json!({"action": "milestone", "title": title, "percent": pct, "photo": pic}),
        )
        .await?;
    }
    step(st, &staff, basement, json!({"action": "spend", "amount_fen": 5_600_000, "counterparty": "广益装饰工程有限公司", "text": "施工（含防潮、新风）", "approval": "施工合同（居民议事会审议）", "receipt": receipt("Receipt 2026-0412  Guangyi Decoration  56,000.00 CNY"), "on": day(st, -60)})).await?;
    step(st, &staff, basement, json!({"action": "spend", "amount_fen": 2_350_000, "counterparty": "乐童家具有限公司", "text": "软垫、书架、桌椅", "approval": "居民议事会议定", "receipt": receipt("Receipt 2026-0518  Letong Furniture  23,500.00 CNY"), "on": day(st, -50)})).await?;
    step(st, &staff, basement, json!({"action": "accept", "text": "社区、物业、5号楼居民代表三方现场验收合格。", "on": day(st, -48)})).await?;
    for (u, wd) in [(&r1, 6), (&r2, 3)] {
        service::adopt(st, u, basement, &service::AdoptRequest { weekday: wd }).await?;
    }
    // Since it opened: visits registered at the room (eight a week): +300 %.
    for d in 0..49 {
        let n = if d % 7 == 0 { 2 } else { 1 };
        for _ in 0..n {
            let r = service::UseRequest {
                kind: "register".into(),
                day: Some(day(st, -d)),
                phone: None,
            };
            service::record_use(st, &staff, basement, &r).await?;
        }
    }

    // The garden: funded, works under way.
    step(st, &staff, shed, json!({"action": "plan", "subsidy_fen": 2_000_000, "share_fen": 400_000, "crowd_max_fen": 800_000})).await?;
    step(st, &staff, shed, json!({"action": "subsidy", "counterparty": "街道办事处（社区微更新专项补贴）", "approval": "街道2026年第2次微更新评审会批复", "on": day(st, -100)})).await?;
    service::pledge(
        st,
        &staff,
        shed,
        &service::PledgeRequest {
            amount_fen: 600_000,
            kind: Some("company".into()),
            pledger: Some("绿源园艺有限公司".into()),
        },
    )
    .await?;
    service::pledge(
        st,
        &r2,
        shed,
        &service::PledgeRequest {
            amount_fen: 20_000,
            kind: None,
            pledger: None,
        },
    )
    .await?;
    step(
        st,
        &staff,
        shed,
        json!({"action": "collect", "on": day(st, -90)}),
    )
    .await?;
    step(st, &staff, shed, json!({"action": "share", "amount_fen": 400_000, "counterparty": "园艺小组居民（20户）", "approval": "居民议事会议定", "on": day(st, -88)})).await?;
    step(
        st,
        &staff,
        shed,
        json!({"action": "start", "on": day(st, -30)}),
    )
    .await?;
    step(
        st,
        &staff,
        shed,
        json!({"action": "milestone", "title": "清运废旧车辆、平整土地", "percent": 60}),
    )
    .await?;

    // An idea in co-design now.
    let ramp = propose(
        st,
        &r2,
        at,
        "单元门口加装无障碍坡道",
        "2单元门口三级台阶，轮椅和婴儿车都上不去。",
        "2单元门口",
        vec![],
    )
    .await?;
    step(st, &staff, ramp, json!({"action": "codesign"})).await?;
    post(st, &r1, ramp, "idea", "坡道旁边加一个扶手，雨天防滑。").await?;
    post(st, &staff, ramp, "option", "方案A：侧面折返坡道＋双侧扶手").await?;
    post(st, &staff, ramp, "option", "方案B：正面缓坡，台阶改为两级").await?;
    // And a round open now: the bench again, with a rain shelter.
    let shelter = propose(
        st,
        &r2,
        at,
        "快递柜旁加装雨棚",
        "下雨天取快递要淋雨。",
        "东门快递柜",
        vec![],
    )
    .await?;
    to_feasible(st, &staff, shelter, 1_800_000, "雨棚高度不影响消防车通行。").await?;
    service::create_round(
        st,
        &staff,
        &service::NewRoundRequest {
            community: Some(c),
            title: "2026年冬季微更新投票".into(),
            budget_fen: 2_500_000,
            rule: "mes".into(),
            vote_opens: local(st, -1),
            vote_closes: local(st, 6),
            projects: vec![bench, shelter],
        },
    )
    .await?;
    Ok(())
}
