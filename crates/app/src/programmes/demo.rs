//! The demo's programmes. 社区食堂: today's and tomorrow's lunch (15 yuan, 鑫福餐饮 gives
//! its share) with the default tiers; elder1 (80+) and volunteer1 (60s) ordered, so the
//! split shows per tier. 四点半课堂: three sessions (a retired teacher with the community's
//! social worker); children of the community with resident1 and resident2 as their
//! registered guardians, enrolled under the guardians' consent, attendance taken, grades
//! and the wellbeing screening before and after — the figures computed from them.

use gongzhi_core::consent::Kind;

use super::service::{
    self as sv, ClassAttendanceIn, ClassEnrolIn, ClassOutcomeIn, ClassSessionIn, MealIn,
    MealOrderIn,
};
use crate::auth::service::acting_as;
use crate::state::AppState;

pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let Ok(staff) = acting_as(st, "staff1").await else {
        return Ok(());
    };
    if !sv::canteen(st, &staff, None).await?.meals.is_empty() {
        return Ok(());
    }
    canteen(st, &staff).await?;
    last_month(st, &staff).await?;
    classes(st, &staff).await
}

async fn canteen(st: &AppState, staff: &crate::auth::service::CurrentUser) -> anyhow::Result<()> {
    let now = st.now_ms();
    let mut meals = vec![];
    for (offset, menu) in [
        (0, "红烧狮子头、清炒时蔬、番茄蛋汤、米饭"),
        (1, "清蒸鲈鱼、麻婆豆腐（少辣）、紫菜汤、软米饭"),
    ] {
        let day = crate::clock::iso(now + offset * 86_400_000)
            .get(..10)
            .unwrap_or_default()
            .to_string();
        meals.push(
            sv::add_meal(
                st,
                staff,
                &MealIn {
                    served_on: day,
                    menu: menu.into(),
                    cost_fen: 1500,
                    capacity: 80,
                    company: "鑫福餐饮".into(),
                },
            )
            .await?,
        );
    }
    for (who, meal) in [
        ("elder1", meals[0]),
        ("volunteer1", meals[0]),
        ("elder1", meals[1]),
    ] {
        if let Ok(u) = acting_as(st, who).await {
            sv::order(st, &u, meal, &MealOrderIn::default()).await?;
        }
    }
    Ok(())
}

/// Last month's lunches, served and eaten, so that staff can publish the month's split:
/// four meals, four diners each, every split computed by the same rule as an order.
async fn last_month(
    st: &AppState,
    staff: &crate::auth::service::CurrentUser,
) -> anyhow::Result<()> {
    use gongzhi_core::programmes::canteen as rules;
    let c = crate::participation::service::community_of(st, staff, None).await?;
    let (y, m, _) = crate::clock::ymd_cn(st.now_ms());
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    let mut diners = vec![];
    for who in ["elder1", "volunteer1", "resident1", "resident2"] {
        if let Some(r) = acting_as(st, who).await.ok().and_then(|u| u.resident_id)
            && let Some((age, support)) = crate::residents::service::age_and_support(st, r).await?
        {
            diners.push((r, age, support));
        }
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let tiers = sv::tiers_in(&mut tx, c).await?;
    for (day, menu) in [
        (5, "土豆烧鸡、炒青菜、米饭"),
        (12, "红烧鱼块、西红柿炒蛋、米饭"),
        (19, "肉末茄子、冬瓜汤、米饭"),
        (26, "糖醋里脊、蒜蓉西兰花、米饭"),
    ] {
        let meal = super::store::insert_meal(
            &mut tx,
            &super::store::MealRow {
                id: 0,
                community_id: c,
                served_on: format!("{y:04}-{m:02}-{day:02}"),
                menu: menu.into(),
                cost_fen: 1500,
                capacity: 80,
                company: "鑫福餐饮".into(),
                ordered: 0,
            },
            staff.id,
            now,
        )
        .await?;
        for (r, age, support) in &diners {
            let tier = rules::tier_for(&tiers, *age, *support);
            let split = rules::split(1500, tier);
            super::store::insert_order(
                &mut tx,
                &super::store::OrderRow {
                    id: 0,
                    meal_id: meal,
                    resident_id: *r,
                    tier_code: tier.map_or("none".into(), |t| t.code.clone()),
                    tier_name: tier.map_or("全价".into(), |t| t.name.clone()),
                    government_fen: split.government_fen,
                    company_fen: split.company_fen,
                    resident_fen: split.resident_fen,
                    channel: "self".into(),
                    created_at: now,
                },
                staff.id,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn classes(st: &AppState, staff: &crate::auth::service::CurrentUser) -> anyhow::Result<()> {
    let c = crate::participation::service::community_of(st, staff, None).await?;
    let (y, _, _) = crate::clock::ymd_cn(st.now_ms());
    // Children of school age (6 to 13) in the community, two to each demo parent.
    let kids = crate::residents::service::born_from_in(st, c, i64::from(y) - 13).await?;
    let kids: Vec<i64> = kids
        .into_iter()
        .filter(|k| k.1 <= i64::from(y) - 6)
        .map(|k| k.0)
        .take(8)
        .collect();
    let now = st.now_ms();
    let mut sessions = vec![];
    for (days_ago, topic) in [
        (14, "数学作业辅导"),
        (7, "绘本共读与情绪小课"),
        (1, "手工与团队游戏"),
    ] {
        let at = crate::clock::format_iso_local(now - days_ago * 86_400_000);
        let day = at.get(..10).unwrap_or_default();
        sessions.push(
            sv::add_session(
                st,
                staff,
                &ClassSessionIn {
                    starts_at: format!("{day}T16:30"),
                    minutes: 90,
                    topic: topic.into(),
                    teacher: "王老师".into(),
                    social_worker: "社工小周".into(),
                },
            )
            .await?,
        );
    }
    // Grades and screening scores before and after (a term of the class).
    const SCORES: [(f64, f64, f64, f64); 8] = [
        (68.0, 79.0, 19.0, 12.0),
        (72.0, 80.0, 15.0, 13.0),
        (55.0, 66.0, 21.0, 16.0),
        (81.0, 85.0, 9.0, 8.0),
        (63.0, 70.0, 18.0, 18.0),
        (77.0, 83.0, 12.0, 10.0),
        (59.0, 71.0, 17.0, 14.0),
        (85.0, 88.0, 8.0, 9.0),
    ];
    let afterschool = ["afterschool".to_string()];
    let mut enrolled = vec![];
    for (i, kid) in kids.iter().enumerate() {
        let parent = if i % 2 == 0 { "resident1" } else { "resident2" };
        let Ok(p) = acting_as(st, parent).await else {
            continue;
        };
        if crate::consent::service::add_guardian(st, staff, *kid, parent)
            .await
            .is_err()
        {
            continue;
        }
        // Only a child under 14 is consented for by the guardian.
        if crate::consent::service::grant(st, &p, &afterschool, Kind::Separate, Some(*kid), "demo")
            .await
            .is_err()
        {
            continue;
        }
        let e = sv::enrol(
            st,
            &p,
            &ClassEnrolIn {
                child: Some(*kid),
                school_grade: (i as i64 % 6) + 1,
            },
        )
        .await?;
        enrolled.push(e);
    }
    // The children joined at the start of term, before the first session.
    super::store::backdate_enrolments(st, c, now - 30 * 86_400_000).await?;
    for (n, s) in sessions.iter().enumerate() {
        let present: Vec<i64> = enrolled
            .iter()
            .enumerate()
            .filter(|(i, _)| (i + n) % 4 != 0)
            .map(|(_, e)| *e)
            .collect();
        sv::record_attendance(st, staff, *s, &ClassAttendanceIn { present }).await?;
    }
    for (e, s) in enrolled.iter().zip(SCORES) {
        for (measure, phase, score) in [
            ("grade", "before", s.0),
            ("grade", "after", s.1),
            ("wellbeing", "before", s.2),
            ("wellbeing", "after", s.3),
        ] {
            sv::record_outcome(
                st,
                staff,
                *e,
                &ClassOutcomeIn {
                    measure: measure.into(),
                    phase: phase.into(),
                    score: Some(score),
                },
            )
            .await?;
        }
    }
    Ok(())
}
