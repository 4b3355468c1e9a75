//! The demo's 能人库: lawyer1 (mediation's volunteer lawyer) listed as 李律师 with a
//! verified practising certificate and next Saturday's 法律咨询 slots, one booked by
//! resident1; last week's consultation with resident2, taken into mediation; volunteer1
//! listed as a retired teacher; two teams.

use gongzhi_core::consent::Kind;

use super::service::{
    self as sv, TalentBookIn, TalentCertificateIn, TalentIn, TalentSlotIn, TalentVerifyIn, TeamIn,
    TeamJoinIn,
};
use super::store;
use crate::auth::service::acting_as;
use crate::state::AppState;

pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let (Ok(staff), Ok(lawyer), Ok(teacher), Ok(r1), Ok(r2)) = (
        acting_as(st, "staff1").await,
        acting_as(st, "lawyer1").await,
        acting_as(st, "volunteer1").await,
        acting_as(st, "resident1").await,
        acting_as(st, "resident2").await,
    ) else {
        return Ok(());
    };
    let c = crate::participation::service::community_of(st, &staff, None).await?;
    if !sv::overview(st, &staff, None).await?.talents.is_empty() {
        return Ok(());
    }
    let listing = ["talent_listing".to_string()];
    for u in [&lawyer, &teacher] {
        crate::consent::service::grant(st, u, &listing, Kind::General, None, "demo").await?;
    }
    let lawyer_id = sv::put_own(
        st,
        &lawyer,
        &TalentIn {
            title: "李律师".into(),
            profession: "执业律师（婚姻家事、劳动争议）".into(),
            skills: vec!["legal".into()],
            availability: "每月第一个周六上午，社区法律服务室".into(),
            certificates: Some(vec![TalentCertificateIn {
                name: "律师执业证".into(),
                issuer: "市司法局".into(),
            }]),
            community: Some(c),
        },
    )
    .await?;
    sv::put_own(
        st,
        &teacher,
        &TalentIn {
            title: "王老师".into(),
            profession: "退休小学数学教师".into(),
            skills: vec!["teaching".into(), "arts".into()],
            availability: "工作日下午，可带四点半课堂".into(),
            certificates: Some(vec![TalentCertificateIn {
                name: "教师资格证".into(),
                issuer: "省教育厅".into(),
            }]),
            community: None,
        },
    )
    .await?;
    let o = sv::overview(st, &staff, None).await?;
    for t in &o.talents {
        for cert in &t.certificates {
            if t.id == lawyer_id {
                sv::verify(
                    st,
                    &staff,
                    t.id,
                    &TalentVerifyIn {
                        certificate: cert.id,
                    },
                )
                .await?;
            }
        }
    }
    // Next Saturday morning: three half-hour consultations; resident1 books the first.
    let now = st.now_ms();
    let (y, m, d) = crate::clock::ymd_cn(now + 86_400_000);
    let mut day = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    while chrono::Datelike::weekday(&day) != chrono::Weekday::Sat {
        day = day.succ_opt().unwrap_or(day);
    }
    let mut first = None;
    for time in ["09:00", "09:30", "10:00"] {
        let id = sv::open_slot(
            st,
            &lawyer,
            &TalentSlotIn {
                starts_at: format!("{day}T{time}"),
                minutes: 30,
                place: "社区法律服务室".into(),
                topic: "legal".into(),
            },
        )
        .await?;
        first.get_or_insert(id);
    }
    if let Some(s) = first {
        sv::book(
            st,
            &r1,
            s,
            &TalentBookIn {
                question: "父亲去世后老房子的继承，兄弟几个意见不一，想了解法定继承的顺序。".into(),
            },
        )
        .await?;
    }
    // Last week's consultation with resident2: the neighbours' water leak went to mediation.
    let mut tx = st.db.begin().await?;
    let past = now - 7 * 86_400_000;
    let slot = store::insert_slot(
        &mut tx,
        lawyer_id,
        c,
        "legal",
        past,
        30,
        "社区法律服务室",
        past - 86_400_000,
    )
    .await?;
    let q = st.cipher.encrypt(
        sv::QUESTION_FIELD,
        "楼上漏水泡坏了我家吊顶，物业和楼上都不管，怎么办？",
    );
    store::book(&mut tx, slot, r2.id, &q, past - 86_400_000).await?;
    let note = st.cipher.encrypt(
        sv::OUTCOME_FIELD,
        "建议双方到社区调解室调解，已转人民调解。",
    );
    store::set_outcome(&mut tx, slot, "mediation", &note, past + 1_800_000).await?;
    tx.commit().await?;
    // Teams.
    let legal = sv::add_team(
        st,
        &staff,
        &TeamIn {
            name: "法律服务队".into(),
            skill: "legal".into(),
            purpose: "每月义务法律咨询，协助人民调解".into(),
        },
    )
    .await?;
    sv::join(
        st,
        &staff,
        legal,
        &TeamJoinIn {
            talent: Some(lawyer_id),
        },
    )
    .await?;
    let tutors = sv::add_team(
        st,
        &staff,
        &TeamIn {
            name: "四点半课堂志愿教师队".into(),
            skill: "teaching".into(),
            purpose: "放学后辅导作业、陪伴留守儿童".into(),
        },
    )
    .await?;
    sv::join(st, &teacher, tutors, &TeamJoinIn { talent: None }).await?;
    Ok(())
}
