//! Demo mediation: the mediators' matching profiles (三所联动: a community mediator, the
//! judicial office, the police station, a volunteer lawyer) and a year of past disputes
//! with their outcomes, so the workspace's figures and the similar cases have substance.

use gongzhi_core::mediation::DisputeType;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::service::{ACCOUNT_FIELD, NAME_FIELD, TERMS_FIELD, WANTS_FIELD};
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
const EVERYDAY: [(&str, &str); 16] = [
    (
        "neighbour",
        "楼上卫生间防水层老化漏水，渗到楼下天花板，吊顶发霉脱落。楼下多次上门协商，楼上认为是楼下自家水管问题，拒绝维修。",
    ),
    (
        "neighbour",
        "楼上住户厨房水管破裂，水漏到楼下，楼下木地板泡坏，要求赔偿，楼上只愿意出一半维修费，双方争执不下。",
    ),
    (
        "neighbour",
        "楼上住户晚上十一点以后还在跳绳、拖椅子，噪音很大，楼下老人睡不着，上楼沟通时双方发生口角。",
    ),
    (
        "neighbour",
        "邻居装修电钻声从早上七点响到晚上，周末也不停，多次沟通无果，物业劝说后仍照旧施工。",
    ),
    (
        "neighbour",
        "单元加装电梯，高层住户全部签字同意，一楼住户担心采光和噪音坚决反对，二楼住户要求补偿，工程停滞。",
    ),
    (
        "neighbour",
        "小区地面车位紧张，一户业主长期用地锁占用公共车位，其他业主多次挪开地锁，双方争吵并报警。",
    ),
    (
        "neighbour",
        "邻居在楼道里堆放纸箱和旧家具，堵住消防通道，劝说后不肯清理，还说楼道是大家的。",
    ),
    (
        "neighbour",
        "邻居家的狗经常在楼道里便溺，夜里狂叫，遛狗不牵绳吓到小孩，双方为此多次争吵。",
    ),
    (
        "neighbour",
        "楼下住户在阳台外搭建雨棚，下雨时雨水打在棚上噪声很大，楼上要求拆除，楼下不同意。",
    ),
    (
        "environment",
        "楼下新开的餐馆油烟管道直接对着住宅窗户排放，油烟和异味很大，居民多次投诉，店主称已装净化器。",
    ),
    (
        "environment",
        "小区旁边的汽修店喷漆时气味刺鼻，粉尘落到居民晾晒的衣物上，居民要求停止露天喷漆。",
    ),
    (
        "property",
        "业主认为物业服务不到位，电梯经常故障、绿化无人管理，拒交物业费两年，物业公司催缴未果。",
    ),
    (
        "property",
        "租客提前退租，房东以损坏家具为由扣下全部押金，租客认为家具是自然老化，要求退还押金。",
    ),
    (
        "family",
        "老人八十多岁独居，三个子女互相推诿，不愿承担赡养费用，老人向社区求助。",
    ),
    (
        "debt",
        "邻居向申请人借款两万元，约定半年归还，已逾期一年，多次催要，对方以生意困难为由拖延。",
    ),
    (
        "labour",
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
    let docs = super::generate::disputes(&cases, n, 1, seed ^ 0xD15B);
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
    for d in &docs {
        let (ty, body) = if rng.gen_range(0..3) == 0 {
            let (code, text) = EVERYDAY[rng.gen_range(0..EVERYDAY.len())];
            // Where it happened, so that each reads as its own case.
            let place = format!(
                "{}号楼{}室：",
                rng.gen_range(1..40),
                rng.gen_range(1..30) * 100 + rng.gen_range(1..5)
            );
            (DisputeType::by_code(code).unwrap_or(fallback), place + text)
        } else {
            (
                DisputeType::by_name(&d.dtype).unwrap_or(fallback),
                d.body.clone(),
            )
        };
        let (community, _, street) = &communities[rng.gen_range(0..communities.len())];
        let created = now - rng.gen_range(3 * DAY_MS..365 * DAY_MS);
        let screened = gongzhi_core::mediation::screen(&body);
        let title = crate::mediation::service::default_title(ty.code, &body);
        let id = store::insert(
            &mut tx,
            &store::NewDispute {
                dtype: ty.code,
                title: &title,
                account_enc: &st.cipher.encrypt(ACCOUNT_FIELD, &body),
                wants_enc: &st.cipher.encrypt(WANTS_FIELD, "请求调解解决"),
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
        for side in ["applicant", "respondent"] {
            let name = format!(
                "{}{}",
                SURNAMES[rng.gen_range(0..SURNAMES.len())],
                GIVEN[rng.gen_range(0..GIVEN.len())]
            );
            store::insert_party(
                &mut tx,
                id,
                &store::NewParty {
                    side,
                    name_enc: &st.cipher.encrypt(NAME_FIELD, &name),
                    phone_enc: None,
                    user_id: None,
                    resident_id: None,
                    consent: "yes",
                    consent_at: Some(created),
                    consent_by: Some(admin),
                },
            )
            .await?;
        }
        // The lead: the first office the type needs, else the community mediator.
        for (i, office) in ty.offices.iter().enumerate() {
            if let Some(m) = pool.iter().find(|m| m.office == office.code()) {
                store::assign(&mut tx, id, m.user_id, &m.office, i == 0, None, created).await?;
            }
        }
        let roll: f64 = rng.r#gen();
        let (status, level) = match roll {
            r if r < 0.70 => ("resolved", "community"),
            r if r < 0.80 => ("resolved", "street"),
            r if r < 0.83 => ("resolved", "district"),
            r if r < 0.90 => ("failed", "community"),
            r if r < 0.94 => ("referred", "court"),
            _ => ("mediating", "community"),
        };
        let days: f64 = -((1.0 - rng.r#gen::<f64>()).ln()) * 9.0 + 1.0;
        let closed = (created + (days * DAY_MS as f64) as i64).min(now - DAY_MS);
        let resolved = status == "resolved";
        if resolved {
            let terms = "一、双方确认纠纷事实；二、责任方于十五日内完成维修或支付补偿；三、双方今后友好相处，不再因此事发生争执。";
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(terms.as_bytes()));
            store::insert_agreement(
                &mut tx,
                id,
                &st.cipher.encrypt(TERMS_FIELD, terms),
                &sha,
                admin,
                closed,
            )
            .await?;
            if let Some(a) = store::agreement(&mut tx, id).await? {
                let level = gongzhi_core::mediation::Level::parse(level)
                    .unwrap_or(gongzhi_core::mediation::Level::Community);
                agreements.push(crate::mediation::service::agreement_entry(
                    st, id, &a, level, *community, closed,
                ));
            }
        }
        let due = closed + 30 * DAY_MS;
        store::set_state(
            &mut tx,
            id,
            &store::Transition {
                status,
                level,
                resolved_level: resolved.then_some(level),
                follow_up_due: (resolved && due > now).then_some(due),
                closed_at: (status != "mediating").then_some(closed),
                now: closed,
            },
        )
        .await?;
        store::event(
            &mut tx,
            id,
            Some(admin),
            "filed",
            &serde_json::json!({"type": ty.code, "demo": true}),
            created,
        )
        .await?;
    }
    // The confirmed agreements' hashes on the public ledger, in one append.
    crate::ledger::service::append(&mut tx, &agreements, now).await?;
    tx.commit().await?;
    Ok(docs.len())
}
