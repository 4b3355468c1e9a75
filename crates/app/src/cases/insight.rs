//! Supervision figures: the 三率 per unit, community or grid, and cases per grid and
//! category for the heat map.

use std::collections::BTreeMap;

use gongzhi_core::cases::rates::{RateWeights, Tally};
use gongzhi_core::identity::{Role, Scope};
use serde::Serialize;

use crate::auth::service::CurrentUser;
use crate::clock::iso;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct RatesQuery {
    /// `unit` (default), `community`, `grid` or `street`.
    pub level: Option<String>,
    /// Period start (RFC 3339 or YYYY-MM-DD; default 30 days ago).
    pub from: Option<String>,
    /// Period end, exclusive (default now).
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RateRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// 响应率: share of orders signed for (or returned) by the signing deadline.
    pub response_rate: Option<f64>,
    /// 解决率: share of call-backs where the reporter said it was solved.
    pub resolution_rate: Option<f64>,
    /// 满意率: share of rated call-backs rated 4 or 5.
    pub satisfaction_rate: Option<f64>,
    /// Weighted composite of the three (weights in `weights`).
    pub composite: Option<f64>,
    #[schema(value_type = Object)]
    pub counts: Tally,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RatesView {
    pub level: String,
    pub from: String,
    pub to: String,
    /// Composite weights (sum 1).
    #[schema(value_type = Object)]
    pub weights: serde_json::Value,
    pub rows: Vec<RateRow>,
    pub total: RateRow,
}

fn period(q_from: Option<&str>, q_to: Option<&str>, now: i64) -> AppResult<(i64, i64)> {
    let parse =
        |s: Option<&str>, field: &'static str, default: i64| match s.filter(|s| !s.is_empty()) {
            Some(s) => crate::clock::parse_time(s).ok_or(AppError::Invalid {
                code: "DATE_INVALID",
                field: Some(field),
            }),
            None => Ok(default),
        };
    let to = parse(q_to, "to", now)?;
    let from = parse(q_from, "from", to - 30 * 86_400_000)?;
    if from >= to {
        return Err(AppError::Invalid {
            code: "PERIOD_INVALID",
            field: Some("from"),
        });
    }
    Ok((from, to))
}

/// Management figures are for staff (residents see their own cases only).
fn check_role(u: &CurrentUser) -> AppResult<()> {
    if u.role == Role::Resident {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    Ok(())
}

pub async fn rates(st: &AppState, u: &CurrentUser, q: &RatesQuery) -> AppResult<RatesView> {
    check_role(u)?;
    let level = q
        .level
        .as_deref()
        .filter(|l| !l.is_empty())
        .unwrap_or("unit");
    if !matches!(level, "unit" | "community" | "grid" | "street") {
        return Err(AppError::Invalid {
            code: "LEVEL_INVALID",
            field: Some("level"),
        });
    }
    let now = st.now_ms();
    let (from, to) = period(q.from.as_deref(), q.to.as_deref(), now)?;
    let (from_day, to_day) = (
        super::store::rollup::day_of(from),
        super::store::rollup::day_of(to - 1) + 1,
    );
    let map = st.org_map();
    // Figures of the user's own area: a street's or a community's staff rank the units by
    // their work there; grid workers and building heads see their community's.
    let area = rate_area(&map, u.scope);
    use super::store::rollup::{UNIT_IN, split_unit_in};
    let dim = if level == "unit" && area.is_some() {
        UNIT_IN
    } else {
        level
    };
    let mut tx = st.db.read().await?;
    let rows = super::store::rollup::sums(&mut tx, dim, from_day, to_day).await?;
    drop(tx);
    let mut by: BTreeMap<i64, Tally> = BTreeMap::new();
    for r in rows {
        let key = match (dim, area) {
            (UNIT_IN, Some(a)) => {
                let (unit, community) = split_unit_in(r.key);
                if !map.unit_in_scope(community, a) {
                    continue;
                }
                unit
            }
            (_, Some(a)) if !map.unit_in_scope(r.key, a) => continue,
            _ => r.key,
        };
        if let Scope::Unit(own) = u.scope
            && level == "unit"
            && key != own
        {
            continue;
        }
        by.entry(key).or_default().add(&Tally {
            due_to_sign: r.due_to_sign,
            signed_in_time: r.signed_in_time,
            callbacks: r.callbacks,
            solved: r.solved,
            rated: r.rated,
            satisfied: r.satisfied,
        });
    }
    let w = RateWeights::default();
    let row = |id: i64, t: Tally| {
        let (code, name) = if level == "unit" {
            (
                map.handling_unit_code(id).unwrap_or_default().to_string(),
                map.handling_unit_name(id).unwrap_or_default(),
            )
        } else {
            (
                map.unit_code(id).unwrap_or_default().to_string(),
                map.unit_name(id).unwrap_or_default(),
            )
        };
        let r = t.rates(&w);
        RateRow {
            id,
            code,
            name,
            response_rate: r.response,
            resolution_rate: r.resolution,
            satisfaction_rate: r.satisfaction,
            composite: r.composite,
            counts: t,
        }
    };
    let mut total = Tally::default();
    for t in by.values() {
        total.add(t);
    }
    let mut rows: Vec<RateRow> = by.into_iter().map(|(id, t)| row(id, t)).collect();
    rows.sort_by(|a, b| {
        b.composite
            .unwrap_or(-1.0)
            .total_cmp(&a.composite.unwrap_or(-1.0))
            .then(a.code.cmp(&b.code))
    });
    let mut total = row(0, total);
    total.code = "TOTAL".into();
    total.name = "合计".into();
    Ok(RatesView {
        level: level.to_string(),
        from: iso(from),
        to: iso(to),
        weights: serde_json::json!({
            "response": w.response as f64 / 1000.0,
            "resolution": w.resolution as f64 / 1000.0,
            "satisfaction": w.satisfaction as f64 / 1000.0,
        }),
        rows,
        total,
    })
}

/// The area whose figures a user reads: a street or a community as their scope says; a
/// grid worker's or a building head's community; `None` for the whole district (district
/// staff, auditors, handling units).
pub fn rate_area(map: &crate::org::OrgMap, scope: Scope) -> Option<Scope> {
    match scope {
        Scope::Street(_) | Scope::Community(_) => Some(scope),
        Scope::Grid(id) | Scope::Building(id) => {
            map.unit(id).and_then(|u| u.community).map(Scope::Community)
        }
        _ => None,
    }
}

/// Cases per grid (code) and category in a period, for the heat map.
#[derive(Debug, Clone, Serialize)]
pub struct HeatCell {
    pub grid: String,
    pub grid_name: String,
    pub category: String,
    pub count: i64,
}

pub async fn heat(
    st: &AppState,
    u: &CurrentUser,
    from: Option<&str>,
    to: Option<&str>,
) -> AppResult<Vec<HeatCell>> {
    check_role(u)?;
    let (from, to) = period(from, to, st.now_ms())?;
    let mut tx = st.db.read().await?;
    let rows = super::store::rollup::heat(
        &mut tx,
        super::store::rollup::day_of(from),
        super::store::rollup::day_of(to - 1) + 1,
    )
    .await?;
    drop(tx);
    let map = st.org_map();
    let area = rate_area(&map, u.scope);
    Ok(rows
        .into_iter()
        .filter(|(g, _, _)| area.is_none_or(|a| map.unit_in_scope(*g, a)))
        .map(|(g, category, count)| HeatCell {
            grid: map.unit_code(g).unwrap_or_default().to_string(),
            grid_name: map.unit_name(g).unwrap_or_default(),
            category,
            count,
        })
        .collect())
}

/// Who reads the supervision board (监督考核): dispatchers over their area and auditors.
pub fn reads_board(u: &CurrentUser) -> bool {
    super::service::is_dispatcher(u.role) || u.role == Role::Auditor
}

/// The supervision board of a period: the 三率 by unit and by community with their totals,
/// open overdue and supervised cases, and the heat map.
pub struct Board {
    pub by_unit: RatesView,
    pub by_community: RatesView,
    pub overdue: crate::web::Page<super::service::CaseListItem>,
    pub supervised: crate::web::Page<super::service::CaseListItem>,
    pub heat: Vec<HeatCell>,
}

pub async fn board(
    st: &AppState,
    u: &CurrentUser,
    from: Option<String>,
    to: Option<String>,
) -> AppResult<Board> {
    use super::service::{self, CaseQuery};
    if !reads_board(u) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let rq = |level: &str| RatesQuery {
        level: Some(level.into()),
        from: from.clone(),
        to: to.clone(),
    };
    let p = crate::web::PageParams {
        page: None,
        per_page: Some(20),
    };
    let open = |overdue: bool, supervised: bool| CaseQuery {
        status: Some("open".into()),
        overdue: overdue.then_some(true),
        supervised: supervised.then_some(true),
        order: overdue.then(|| "queue".to_string()),
        ..Default::default()
    };
    // Auditors assess the figures; the case lists (people's reports) are for the staff who
    // handle them.
    let lists = u.role != Role::Auditor;
    let none = || crate::web::Page::new(vec![], &p, 0);
    Ok(Board {
        by_unit: rates(st, u, &rq("unit")).await?,
        by_community: rates(st, u, &rq("community")).await?,
        overdue: if lists {
            service::list(st, u, &open(true, false), &p).await?
        } else {
            none()
        },
        supervised: if lists {
            service::list(st, u, &open(false, true), &p).await?
        } else {
            none()
        },
        heat: heat(st, u, from.as_deref(), to.as_deref()).await?,
    })
}
