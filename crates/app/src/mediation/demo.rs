//! Demo mediation: the mediators' matching profiles (三所联动: a community mediator, the
//! judicial office, the police station, a volunteer lawyer) and a year of past disputes
//! with their outcomes, so the workspace's figures and the similar cases have substance.

use gongzhi_core::mediation::DisputeType;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::service::{
    ACCOUNT_FIELD, MINUTES_FIELD, NAME_FIELD, NOTE_FIELD, TERMS_FIELD, WANTS_FIELD,
};
use super::store;
use crate::auth::service::account_named;
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

/// (username, office, skills, serves only the first community)
const PROFILES: [(&str, &str, &[&str], bool); 4] = [
    (
        "mediator1",
        "community",
        &["neighbour", "family", "environment", "school"],
        true,
    ),
    (
        "judicial1",
        "judicial",
        &[
            "debt",
            "property",
            "labour",
            "consumer",
            "medical",
            "neighbour",
        ],
        false,
    ),
    ("police1", "police", &["public_order", "traffic"], false),
    (
        "lawyer1",
        "lawyer",
        &["inheritance", "family", "company", "property", "labour"],
        false,
    ),
];

/// Puts the demo mediators' profiles in place.
pub async fn seed_mediators(st: &AppState) -> anyhow::Result<()> {
    let map = st.org_map();
    let staff = account_named(st, "staff1").await?;
    let first_community = staff.and_then(|u| u.scope.id());
    let mut mediators = vec![];
    for (username, office, skills, local) in PROFILES {
        if let Some(u) = account_named(st, username).await? {
            mediators.push((u, office, skills, local));
        }
    }
    let mut tx = st.db.begin().await?;
    for (u, office, skills, local) in mediators {
        let communities: Vec<i64> = match (local, first_community) {
            (true, Some(c)) if map.unit(c).is_some() => vec![c],
            _ => vec![],
        };
        store::put_mediator(
            &mut tx,
            &store::MediatorProfile {
                user_id: u.id,
                office,
                skills: &serde_json::to_string(skills)?,
                communities: &serde_json::to_string(&communities)?,
                capacity: 40,
                available: true,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Everyday disputes of a city community that the published case base (rural and court
/// cases mostly) lacks: one in three demo disputes is one of these, its parties and figures
/// varied. Written for the demo; not real cases.
const EVERYDAY: [(&str, &str, &str); 16] = [
    (
        "neighbour",
        "楼上漏水致楼下吊顶发霉",
        "楼上卫生间防水层老化漏水，渗到楼下天花板，吊顶发霉脱落。楼下多次上门协商，楼上认为是楼下自家水管问题，拒绝维修。",
    ),
    (
        "neighbour",
        "厨房水管破裂泡坏楼下地板",
        "楼上住户厨房水管破裂，水漏到楼下，楼下木地板泡坏，要求赔偿，楼上只愿意出一半维修费，双方争执不下。",
    ),
    (
        "neighbour",
        "深夜噪音扰民",
        "楼上住户晚上十一点以后还在跳绳、拖椅子，噪音很大，楼下老人睡不着，上楼沟通时双方发生口角。",
    ),
    (
        "neighbour",
        "装修噪音持续扰民",
        "邻居装修电钻声从早上七点响到晚上，周末也不停，多次沟通无果，物业劝说后仍照旧施工。",
    ),
    (
        "neighbour",
        "加装电梯低层住户反对",
        "单元加装电梯，高层住户全部签字同意，一楼住户担心采光和噪音坚决反对，二楼住户要求补偿，工程停滞。",
    ),
    (
        "neighbour",
        "地锁占用公共车位",
        "小区地面车位紧张，一户业主长期用地锁占用公共车位，其他业主多次挪开地锁，双方争吵并报警。",
    ),
    (
        "neighbour",
        "楼道堆物堵塞消防通道",
        "邻居在楼道里堆放纸箱和旧家具，堵住消防通道，劝说后不肯清理，还说楼道是大家的。",
    ),
    (
        "neighbour",
        "养犬扰民",
        "邻居家的狗经常在楼道里便溺，夜里狂叫，遛狗不牵绳吓到小孩，双方为此多次争吵。",
    ),
    (
        "neighbour",
        "阳台雨棚噪声",
        "楼下住户在阳台外搭建雨棚，下雨时雨水打在棚上噪声很大，楼上要求拆除，楼下不同意。",
    ),
    (
        "environment",
        "餐馆油烟直排住宅",
        "楼下新开的餐馆油烟管道直接对着住宅窗户排放，油烟和异味很大，居民多次投诉，店主称已装净化器。",
    ),
    (
        "environment",
        "汽修店露天喷漆",
        "小区旁边的汽修店喷漆时气味刺鼻，粉尘落到居民晾晒的衣物上，居民要求停止露天喷漆。",
    ),
    (
        "property",
        "业主拒交物业费",
        "业主认为物业服务不到位，电梯经常故障、绿化无人管理，拒交物业费两年，物业公司催缴未果。",
    ),
    (
        "property",
        "租房押金被扣",
        "租客提前退租，房东以损坏家具为由扣下全部押金，租客认为家具是自然老化，要求退还押金。",
    ),
    (
        "family",
        "子女推诿赡养老人",
        "老人八十多岁独居，三个子女互相推诿，不愿承担赡养费用，老人向社区求助。",
    ),
    (
        "debt",
        "邻里借款逾期不还",
        "邻居向申请人借款两万元，约定半年归还，已逾期一年，多次催要，对方以生意困难为由拖延。",
    ),
    (
        "labour",
        "保洁员被辞退要求补偿",
        "小区保洁员被物业公司辞退，认为公司未提前通知也未支付经济补偿，要求补发工资和补偿金。",
    ),
];

const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "建国", "秀兰", "志强", "海燕", "伟", "静", "磊", "丽娟", "军", "桂英", "鹏", "敏",
];

/// `n` past disputes over the last year, with outcomes at each rung of the ladder (most
/// resolved in the community, as in the pilots), and agreements; written in transactions
/// of 20,000.
pub async fn generate(st: &AppState, seed: u64, n: usize) -> anyhow::Result<usize> {
    let mut made = 0;
    while made < n {
        let chunk = (n - made).min(20_000);
        let wrote = write_chunk(st, seed.wrapping_add(made as u64), chunk).await?;
        if wrote == 0 {
            break;
        }
        made += wrote;
    }
    Ok(made)
}

async fn write_chunk(st: &AppState, seed: u64, n: usize) -> anyhow::Result<usize> {
    let now = st.now_ms();
    let map = st.org_map();
    let communities = map.communities();
    if communities.is_empty() {
        return Ok(0);
    }
    let cases = super::seed_cases()?;
    if cases.is_empty() {
        return Ok(0);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x3ED1);
    // Recorded as entered by the administrator (a migration from an older register): a
    // filer keeps standing in what they filed, and no community's staff should see every
    // community's disputes.
    let admin = account_named(st, "admin")
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("demo user admin missing"))?;
    let mut tx = st.db.begin().await?;
    let pool = store::mediator_pool(&mut tx).await?;
    let fallback = &gongzhi_core::mediation::types::TYPES[0];
    let mut agreements = vec![];
    for i in 0..n {
        let name = |rng: &mut ChaCha8Rng| {
            format!(
                "{}{}",
                SURNAMES[rng.gen_range(0..SURNAMES.len())],
                GIVEN[rng.gen_range(0..GIVEN.len())]
            )
        };
        // One in three is an everyday city dispute; the others retell a published case
        // whole (its parties renamed consistently), never spliced from several.
        let (ty, title, body, parties) = if rng.gen_range(0..3) == 0 {
            let (code, title, text) = EVERYDAY[rng.gen_range(0..EVERYDAY.len())];
            let place = format!(
                "{}号楼{}室：",
                rng.gen_range(1..40),
                rng.gen_range(1..30) * 100 + rng.gen_range(1..5)
            );
            let ty = DisputeType::by_code(code).unwrap_or(fallback);
            let (a, mut b) = (name(&mut rng), name(&mut rng));
            while b == a {
                b = name(&mut rng);
            }
            (
                ty,
                format!("{}｜{title}", ty.name),
                place + text,
                vec![a, b],
            )
        } else {
            let c = &cases[(i * 7 + rng.gen_range(0..cases.len())) % cases.len()];
            let (body, who) =
                super::generate::retell(&c.event_description, &c.disputing_parties, &mut rng);
            let ty = DisputeType::by_name(&c.event_type).unwrap_or(fallback);
            let title = match who.as_slice() {
                [a, b, ..] => format!("{}｜{a}与{b}", ty.name),
                _ => crate::mediation::service::default_title(ty.code, &body),
            };
            let mut who = who;
            while who.len() < 2 {
                who.push(name(&mut rng));
            }
            (ty, title, body, who)
        };
        let (community, _, street) = &communities[rng.gen_range(0..communities.len())];
        // Most of the year's disputes are closed; those still being mediated came in lately.
        let roll: f64 = rng.r#gen();
        let (status, level) = match roll {
            r if r < 0.70 => ("resolved", "community"),
            r if r < 0.80 => ("resolved", "street"),
            r if r < 0.83 => ("resolved", "district"),
            r if r < 0.90 => ("failed", "community"),
            r if r < 0.94 => ("referred", "court"),
            _ => ("mediating", "community"),
        };
        let created = if status == "mediating" {
            now - rng.gen_range(DAY_MS..20 * DAY_MS)
        } else {
            now - rng.gen_range(10 * DAY_MS..365 * DAY_MS)
        };
        let days: f64 = -((1.0 - rng.r#gen::<f64>()).ln()) * 9.0 + 2.0;
        let closed = (created + (days * DAY_MS as f64) as i64).min(now - DAY_MS);
        let screened = gongzhi_core::mediation::screen(&body);
        let id = store::insert(
            &mut tx,
            &store::NewDispute {
                dtype: ty.code,
                title: &title,
                account_enc: &st.cipher.encrypt(ACCOUNT_FIELD, &body),
                wants_enc: &st
                    .cipher
                    .encrypt(WANTS_FIELD, WANTS[rng.gen_range(0..WANTS.len())]),
                risk: screened.risk.code(),
                risk_reasons: &serde_json::to_string(&screened.reasons)?,
                channel: ["web", "office", "phone", "case"][rng.gen_range(0..4)],
                street_id: street.unwrap_or(0),
                community_id: *community,
                case_id: None,
                filed_by: admin,
                follow_up_days: 30,
                now: created,
            },
        )
        .await?;
        let mut party_ids = vec![];
        for (side, name) in ["applicant", "respondent"].iter().zip(&parties) {
            party_ids.push(
                store::insert_party(
                    &mut tx,
                    id,
                    &store::NewParty {
                        side,
                        name_enc: &st.cipher.encrypt(NAME_FIELD, name),
                        phone_enc: None,
                        user_id: None,
                        resident_id: None,
                        consent: "yes",
                        consent_at: Some(created),
                        consent_by: Some(admin),
                    },
                )
                .await?,
            );
        }
        let ev = |kind: &'static str, detail: serde_json::Value, at: i64| (kind, detail, at);
        let mut events = vec![ev(
            "filed",
            serde_json::json!({"type": ty.code, "demo": true}),
            created,
        )];
        // The lead: the first office the type needs, else the community mediator.
        let mut lead = None;
        let mut matched = vec![];
        for (k, office) in ty.offices.iter().enumerate() {
            if let Some(m) = pool.iter().find(|m| m.office == office.code()) {
                store::assign(&mut tx, id, m.user_id, &m.office, k == 0, None, created).await?;
                matched.push(m.user_id);
                lead.get_or_insert(m.user_id);
            }
        }
        let lead = lead.unwrap_or(admin);
        if !matched.is_empty() {
            events.push(ev(
                "matched",
                serde_json::json!({"mediators": matched}),
                created + 600_000,
            ));
        }
        // Sessions between filing and the outcome (a dispute still being mediated may not
        // have had one yet).
        let end = if status == "mediating" { now } else { closed };
        let sessions = match status {
            "mediating" => rng.gen_range(0..2),
            "resolved" if level == "community" => rng.gen_range(1..3),
            _ => rng.gen_range(2..4),
        };
        for k in 0..sessions {
            let span = (end - created).max(3_600_000);
            let held = created + span * (k + 1) / (sessions + 1);
            let minutes = format!(
                "第{}次调解会。{}",
                k + 1,
                MINUTES[rng.gen_range(0..MINUTES.len())]
            );
            let sid = store::insert_session(
                &mut tx,
                id,
                held,
                ["in_person", "in_person", "phone", "online"][rng.gen_range(0..4)],
                "社区调解室",
                &st.cipher.encrypt(MINUTES_FIELD, &minutes),
                lead,
                held,
            )
            .await?;
            events.push(ev(
                "dispute.session",
                serde_json::json!({"session": sid, "held_at": held}),
                held,
            ));
        }
        let resolved = status == "resolved";
        if resolved {
            let terms = TERMS[rng.gen_range(0..TERMS.len())];
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(terms.as_bytes()));
            store::insert_agreement(
                &mut tx,
                id,
                &st.cipher.encrypt(TERMS_FIELD, terms),
                &sha,
                lead,
                closed - 3_600_000,
            )
            .await?;
            events.push(ev(
                "dispute.agreement",
                serde_json::json!({"sha256": sha}),
                closed - 3_600_000,
            ));
            for p in &party_ids {
                store::confirm(&mut tx, *p, admin, closed).await?;
                events.push(ev(
                    "dispute.confirm",
                    serde_json::json!({"party": p}),
                    closed,
                ));
            }
            if let Some(a) = store::agreement(&mut tx, id).await? {
                let level = gongzhi_core::mediation::Level::parse(level)
                    .unwrap_or(gongzhi_core::mediation::Level::Community);
                agreements.push(crate::mediation::service::agreement_entry(
                    st, id, &a, level, *community, closed,
                ));
            }
        }
        match status {
            "failed" => events.push(ev("dispute.fail", serde_json::json!({}), closed)),
            "referred" => events.push(ev(
                "dispute.escalate",
                serde_json::json!({"to": level}),
                closed,
            )),
            _ => {}
        }
        if status != "mediating" {
            events.push(ev(
                "status",
                serde_json::json!({"from": "mediating", "to": status, "level": level}),
                closed,
            ));
        }
        // The follow-up visit a month later, where that month has passed.
        let due = closed + 30 * DAY_MS;
        let visited = resolved && due + 3 * DAY_MS < now;
        if visited {
            let holds = rng.gen_bool(0.93);
            let note = if holds {
                "协议已履行，双方关系缓和。"
            } else {
                "一方尚未完全履行，已再次督促。"
            };
            store::insert_followup(
                &mut tx,
                id,
                holds,
                &st.cipher.encrypt(NOTE_FIELD, note),
                lead,
                due,
            )
            .await?;
            events.push(ev(
                "dispute.followup",
                serde_json::json!({"holds": holds}),
                due,
            ));
        }
        store::set_state(
            &mut tx,
            id,
            &store::Transition {
                status,
                level,
                resolved_level: resolved.then_some(level),
                follow_up_due: (resolved && !visited).then_some(due),
                closed_at: (status != "mediating").then_some(closed),
                now: end,
            },
        )
        .await?;
        events.sort_by_key(|e| e.2);
        for (kind, detail, at) in events {
            let actor = if kind == "filed" {
                Some(admin)
            } else if kind == "matched" {
                None
            } else {
                Some(lead)
            };
            store::event(&mut tx, id, actor, kind, &detail, at).await?;
        }
    }
    // The confirmed agreements' hashes on the public ledger, in one append.
    crate::ledger::service::append(&mut tx, &agreements, now).await?;
    tx.commit().await?;
    Ok(n)
}

/// What applicants ask for (the demo's few ways of saying it).
const WANTS: [&str; 5] = [
    "请求社区出面调解，让对方停止侵害并赔偿损失。",
    "希望对方赔偿维修费用，今后不再发生类似情况。",
    "请求调解，按约定履行并支付应付款项。",
    "希望双方坐下来协商解决，恢复邻里关系。",
    "请求依法调解，明确责任，给予合理补偿。",
];

/// Minutes of a session (after 第N次调解会。).
const MINUTES: [&str; 5] = [
    "调解员分别听取双方陈述，核实现场情况，双方对事实基本无异议，对赔偿金额分歧较大，约定下次带相关票据再谈。",
    "双方当面沟通，调解员释明相关法律规定，申请人同意适当降低要求，被申请人表示回去与家人商量。",
    "调解员组织双方到现场查看，请物业工程人员说明原因，双方同意先行维修，费用分担另行协商。",
    "双方情绪激动，调解员采取背对背方式分别做工作，申请人愿意让步，被申请人仍有顾虑。",
    "调解员邀请律师参与，说明诉讼成本与时间，双方同意以调解方式解决并初步确定方案。",
];

/// Agreement terms the demo's resolved disputes carry.
const TERMS: [&str; 4] = [
    "一、双方确认纠纷事实；二、被申请人于十五日内完成维修，费用由其承担；三、双方今后友好相处，不再因此事发生争执。",
    "一、被申请人一次性支付申请人补偿款人民币三千元，于本协议签订之日起七日内付清；二、申请人不再就此事主张其他权利。",
    "一、双方同意分期履行，被申请人每月十日前支付两千元，至全部款项付清为止；二、如逾期，申请人可申请司法确认后强制执行。",
    "一、被申请人即日起停止相关行为，并于三日内清理完毕；二、物业公司负责监督落实；三、社区一个月后回访。",
];
