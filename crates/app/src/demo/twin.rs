//! The demo's digital twin: a fire scenario for staff1's community, simulated with today's
//! posts beside the optimised ones, and last month's evacuation drill that rehearsed it.
//! Written through the same functions as the live pages.

use crate::auth::service::Who;
use crate::state::AppState;
use crate::twin::service::{self, DrillRequest};

const DAY_MS: i64 = 86_400_000;

pub async fn seed(st: &AppState) -> anyhow::Result<()> {
    let staff = crate::auth::service::account_named(st, "staff1").await?;
    let Some(community) = staff.and_then(|u| u.scope.id()) else {
        return Ok(());
    };
    let system = Who::System("demo");
    let model = service::builder(st, system, community).await?;
    let mut spec = model.default_spec();
    spec.name = "冬季夜间火灾疏散（今天的值守安排）".into();
    let scenario = service::create(st, system, community, &spec).await?;
    service::record_drill(
        st,
        system,
        &DrillRequest {
            community_id: community,
            scenario_id: Some(scenario),
            title: "冬季消防疏散演练（第一网格）".into(),
            held_on: crate::clock::date_cn(st.now_ms() - 30 * DAY_MS),
            plan: "19:30 在阳光花苑 3 号楼模拟厨房起火，烟感报警联动；楼组长志愿者逐户敲门，协助独居老人和行动不便的居民从东侧楼梯撤离到小区中心广场；微型消防站队员携灭火器到场初期处置；网格员清点人数并向社区报告。".into(),
            participants: "社区居委会 2 人、网格员 1 人、物业值班技工 1 人、楼组长志愿者 3 人、微型消防站队员 2 人，居民 46 人（其中需协助疏散的重点人员 4 人）".into(),
            happened: "报警后 4 分 30 秒首名志愿者到达 3 号楼；物业技工 6 分钟到场关闭燃气总阀；一名坐轮椅的居民因楼道堆放杂物，撤离用时 11 分钟。全部居民 14 分钟内到达集合点。".into(),
            changes: "清理 3 号楼楼道杂物；按模拟给出的优化站位调整夜间值守的楼组长志愿者位置；为坐轮椅的居民预先指定两名邻居协助。".into(),
            first_arrival_minutes: Some(4.5),
            assisted: Some(4),
            to_assist: Some(4),
        },
    )
    .await?;
    Ok(())
}
