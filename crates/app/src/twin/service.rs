//! The digital twin's use cases: a community's model read from the database, scenarios saved
//! and simulated (today's posts beside the optimised ones), and the drills register.
//!
//! Who: the community's staff, its street's staff and administrators plan and record
//! drills; auditors read. Anyone else gets 404 (the scenario holds how many vulnerable
//! residents live in each building). The model and the results are stored encrypted with
//! the personal-data key; every save is audited.

use std::collections::HashMap;

use gongzhi_core::Coded;
use gongzhi_core::identity::Role;
use gongzhi_core::twin::community::{self, BuildingIn, CompoundIn, GridIn, Model, Spec};
use gongzhi_core::twin::scenario::{Budget, Comparison, Scenario, compare_within};
use serde::{Deserialize, Serialize};

use super::store::{self, DrillRow, NewDrill, ScenarioRow};
use crate::audit::{self, Event};
use crate::auth::service::{CurrentUser, Who};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const MODEL_FIELD: &str = "twin.model";
const RESULT_FIELD: &str = "twin.result";

/// Whether the user plans for `community` (builds scenarios, records drills).
pub fn plans(st: &AppState, user: &CurrentUser, community: i64) -> bool {
    matches!(
        user.role,
        Role::CommunityStaff | Role::StreetStaff | Role::Admin
    ) && st.org_map().unit_in_scope(community, user.scope)
}

/// Whether the user may read the plans of `community`.
pub fn reads(st: &AppState, user: &CurrentUser, community: i64) -> bool {
    plans(st, user, community) || user.role == Role::Auditor
}

/// The communities the user may read, by id and name.
pub fn communities(st: &AppState, user: &CurrentUser) -> Vec<(i64, String)> {
    st.org_map()
        .communities()
        .into_iter()
        .filter(|(id, _, _)| reads(st, user, *id))
        .map(|(id, name, _)| (id, name))
        .collect()
}

/// The communities the user plans for, by id and name.
pub fn planned(st: &AppState, user: &CurrentUser) -> Vec<(i64, String)> {
    communities(st, user)
        .into_iter()
        .filter(|(c, _)| plans(st, user, *c))
        .collect()
}

/// `community` is a community and whoever acts plans for it (the system always does).
fn check_plans(st: &AppState, who: Who<'_>, community: i64) -> AppResult<()> {
    if st
        .org_map()
        .unit(community)
        .is_none_or(|u| u.level != "community")
    {
        return Err(AppError::invalid("COMMUNITY_UNKNOWN"));
    }
    if let Who::User(user) = who
        && !plans(st, user, community)
    {
        return Err(AppError::Forbidden("TWIN_FORBIDDEN"));
    }
    Ok(())
}

fn refuse(e: impl Coded) -> AppError {
    AppError::invalid(e.code())
}

/// First exterior ring of a GeoJSON Polygon or MultiPolygon.
fn ring(geometry: Option<&str>) -> Vec<[f64; 2]> {
    let Some(v) = geometry.and_then(|g| serde_json::from_str::<serde_json::Value>(g).ok()) else {
        return vec![];
    };
    let coords = match v["type"].as_str() {
        Some("Polygon") => &v["coordinates"][0],
        Some("MultiPolygon") => &v["coordinates"][0][0],
        _ => return vec![],
    };
    serde_json::from_value(coords.clone()).unwrap_or_default()
}

/// The community's model, read from the database: grids, compounds and buildings, and the
/// residents tagged 独居老人 or 残疾人, counted per building.
async fn model(st: &AppState, community: i64) -> AppResult<Model> {
    let mut tx = st.db.read().await?;
    let places = store::places(&mut tx, community).await?;
    let vulnerable: HashMap<i64, i64> = store::vulnerable(&mut tx, community)
        .await?
        .into_iter()
        .collect();
    drop(tx);
    let mut grids = vec![];
    let mut grid_at = HashMap::new();
    let mut compounds = vec![];
    let mut compound_at = HashMap::new();
    let mut buildings = vec![];
    for p in places.iter().filter(|p| p.level == "grid") {
        grid_at.insert(p.id, grids.len());
        grids.push(GridIn {
            name: p.name.clone(),
            ring: ring(p.geometry.as_deref()),
        });
    }
    for p in places.iter().filter(|p| p.level == "compound") {
        let Some(&g) = p.parent_id.and_then(|g| grid_at.get(&g)) else {
            continue;
        };
        compound_at.insert(p.id, compounds.len());
        compounds.push(CompoundIn {
            name: p.name.clone(),
            grid: g,
            ring: ring(p.geometry.as_deref()),
            property: p.property.clone(),
        });
    }
    for p in places.iter().filter(|p| p.level == "building") {
        let (Some(&c), Some(lng), Some(lat)) =
            (p.parent_id.and_then(|c| compound_at.get(&c)), p.lng, p.lat)
        else {
            continue;
        };
        buildings.push(BuildingIn {
            id: p.id,
            name: p.name.clone(),
            compound: c,
            lng,
            lat,
            floors: p.floors.unwrap_or(0),
            vulnerable: vulnerable.get(&p.id).copied().unwrap_or(0) as u32,
        });
    }
    community::build(&grids, &compounds, &buildings).map_err(refuse)
}

/// What is stored (encrypted) with a scenario: the model it was built from and the engine's
/// scenario, so a run can be repeated exactly even after the community changes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    pub model: Model,
    pub scenario: Scenario,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScenarioSummary {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub name: String,
    pub created_at_ms: i64,
}

/// A saved scenario with its latest run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScenarioView {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub spec: Spec,
    #[schema(value_type = Object)]
    pub model: Model,
    #[schema(value_type = Object)]
    pub scenario: Scenario,
    /// Today's posts, the greedy and the exact placement, and the dispatch policies.
    #[schema(value_type = Object)]
    pub result: Option<Comparison>,
    pub run_seconds: Option<f64>,
    pub created_at_ms: i64,
}

fn community_name(st: &AppState, id: i64) -> String {
    st.org_map().unit_name(id).unwrap_or_default()
}

/// Simulates a scenario's plans off the async threads, a bounded number at a time (more
/// are refused with TWIN_BUSY), the exact placement within the solve limit and everything
/// within the run limit, stopped when the server shuts down.
async fn simulate(st: &AppState, scenario: Scenario) -> AppResult<(Comparison, f64)> {
    let permit = st
        .simulations
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::RateLimited("TWIN_BUSY"))?;
    let limit = st.config.twin_solve_limit;
    let budget = Budget::within(st.config.twin_run_limit, Some(st.shutdown.clone()));
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let t = std::time::Instant::now();
        compare_within(&scenario, Some(limit), &budget).map(|c| (c, t.elapsed().as_secs_f64()))
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))?
    .map_err(refuse)
}

/// Builds the scenario from the community's model and the planner's choices, simulates
/// today's posts beside the optimised ones, and saves both: a planner of the community, or
/// the system (the demo seeder).
pub async fn create(st: &AppState, who: Who<'_>, community: i64, spec: &Spec) -> AppResult<i64> {
    check_plans(st, who, community)?;
    let (actor, by) = (who.actor(), who.user().map(|u| u.id));
    let model = model(st, community).await?;
    let scenario = model.scenario(spec).map_err(refuse)?;
    let (result, seconds) = simulate(st, scenario.clone()).await?;
    let stored = Stored { model, scenario };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_scenario(
        &mut tx,
        community,
        stored.scenario.name.as_str(),
        &serde_json::to_string(spec).map_err(|e| AppError::Internal(e.into()))?,
        &seal(st, MODEL_FIELD, &stored)?,
        by,
        now,
    )
    .await?;
    store::insert_run(
        &mut tx,
        id,
        &seal(st, RESULT_FIELD, &result)?,
        seconds,
        by,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok("twin.scenario.create", "twin_scenario", id).with(serde_json::json!({
            "community_id": community,
            "responders": spec.responders.len(),
            "vulnerable": result.vulnerable,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn seal<T: Serialize>(st: &AppState, field: &str, v: &T) -> AppResult<String> {
    let json = serde_json::to_string(v).map_err(|e| AppError::Internal(e.into()))?;
    Ok(st.cipher.encrypt(field, &json))
}

fn open<T: serde::de::DeserializeOwned>(st: &AppState, field: &str, enc: &str) -> AppResult<T> {
    let plain = st
        .cipher
        .decrypt(field, enc)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{field}: {e}")))?;
    serde_json::from_str(&plain).map_err(|e| AppError::Internal(e.into()))
}

async fn row(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<ScenarioRow> {
    let mut tx = st.db.read().await?;
    let row = store::scenario(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !reads(st, user, row.community_id) {
        return Err(AppError::Denied {
            object_type: "twin_scenario",
            object_id: id.to_string(),
        });
    }
    Ok(row)
}

/// A saved scenario and its latest run.
pub async fn get(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<ScenarioView> {
    let r = row(st, user, id).await?;
    let stored: Stored = open(st, MODEL_FIELD, &r.model_enc)?;
    let mut tx = st.db.read().await?;
    let run = store::latest_run(&mut tx, id).await?;
    drop(tx);
    let (result, run_seconds) = match run {
        Some(run) => (
            Some(open::<Comparison>(st, RESULT_FIELD, &run.result_enc)?),
            Some(run.seconds),
        ),
        None => (None, None),
    };
    Ok(ScenarioView {
        id,
        community_id: r.community_id,
        community_name: community_name(st, r.community_id),
        name: r.name,
        spec: serde_json::from_str(&r.spec).map_err(|e| AppError::Internal(e.into()))?,
        model: stored.model,
        scenario: stored.scenario,
        result,
        run_seconds,
        created_at_ms: r.created_at,
    })
}

/// The saved scenarios the user may read, newest first.
pub async fn list(st: &AppState, user: &CurrentUser) -> AppResult<Vec<ScenarioSummary>> {
    let ids: Vec<i64> = communities(st, user).into_iter().map(|c| c.0).collect();
    let mut tx = st.db.read().await?;
    let rows = store::scenarios(&mut tx, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| ScenarioSummary {
            id: r.id,
            community_name: community_name(st, r.community_id),
            community_id: r.community_id,
            name: r.name,
            created_at_ms: r.created_at,
        })
        .collect())
}

/// A drill (演练) as recorded: the plan, who took part, what happened, what to change, and
/// what was timed.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DrillRequest {
    pub community_id: i64,
    /// The scenario it rehearsed (its simulated run is shown beside the drill).
    pub scenario_id: Option<i64>,
    pub title: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub plan: String,
    pub participants: String,
    pub happened: String,
    pub changes: String,
    /// Minutes from the alarm to the first responder on scene.
    pub first_arrival_minutes: Option<f64>,
    /// Vulnerable residents assisted in the drill, of how many.
    pub assisted: Option<i64>,
    pub to_assist: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DrillView {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub scenario_id: Option<i64>,
    pub title: String,
    pub held_on: String,
    pub plan: String,
    pub participants: String,
    pub happened: String,
    pub changes: String,
    pub first_arrival_minutes: Option<f64>,
    pub assisted: Option<i64>,
    pub to_assist: Option<i64>,
    pub created_at_ms: i64,
}

impl DrillView {
    fn from(st: &AppState, r: DrillRow) -> Self {
        DrillView {
            id: r.id,
            community_name: community_name(st, r.community_id),
            community_id: r.community_id,
            scenario_id: r.scenario_id,
            title: r.title,
            held_on: r.held_on,
            plan: r.plan,
            participants: r.participants,
            happened: r.happened,
            changes: r.changes,
            first_arrival_minutes: r.first_arrival_minutes,
            assisted: r.assisted,
            to_assist: r.to_assist,
            created_at_ms: r.created_at,
        }
    }
}

fn text(s: &str, min: usize, max: usize) -> AppResult<String> {
    let t = s.trim();
    let n = t.chars().count();
    if n < min || n > max || t.chars().any(|c| c.is_control() && c != '\n' && c != '\r') {
        return Err(AppError::invalid("TWIN_DRILL_TEXT_INVALID"));
    }
    Ok(t.replace("\r\n", "\n"))
}

/// Records a drill of a community: a planner of the community, or the system (the demo).
/// A scenario it rehearsed must be one of the community's.
pub async fn record_drill(st: &AppState, who: Who<'_>, req: &DrillRequest) -> AppResult<i64> {
    check_plans(st, who, req.community_id)?;
    if let Some(s) = req.scenario_id {
        let mut tx = st.db.read().await?;
        let r = store::scenario(&mut tx, s).await?;
        drop(tx);
        if r.is_none_or(|r| r.community_id != req.community_id) {
            return Err(AppError::invalid("TWIN_SCENARIO_INVALID"));
        }
    }
    let (actor, by) = (who.actor(), who.user().map(|u| u.id));
    let held_on = gongzhi_core::ledger::check_date(&req.held_on)
        .map_err(|_| AppError::invalid("TWIN_DRILL_DATE_INVALID"))?;
    if req
        .first_arrival_minutes
        .is_some_and(|m| !(m.is_finite() && (0.0..=600.0).contains(&m)))
        || req.assisted.is_some_and(|a| !(0..=100_000).contains(&a))
        || req.to_assist.is_some_and(|a| !(0..=100_000).contains(&a))
        || matches!((req.assisted, req.to_assist), (Some(a), Some(b)) if a > b)
    {
        return Err(AppError::invalid("TWIN_DRILL_FIGURE_INVALID"));
    }
    let title = text(&req.title, 1, 80)?;
    let (plan, participants, happened, changes) = (
        text(&req.plan, 0, 4000)?,
        text(&req.participants, 0, 2000)?,
        text(&req.happened, 0, 4000)?,
        text(&req.changes, 0, 4000)?,
    );
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_drill(
        &mut tx,
        &NewDrill {
            community_id: req.community_id,
            scenario_id: req.scenario_id,
            title: &title,
            held_on: &held_on,
            plan: &plan,
            participants: &participants,
            happened: &happened,
            changes: &changes,
            first_arrival_minutes: req.first_arrival_minutes,
            assisted: req.assisted,
            to_assist: req.to_assist,
            created_by: by,
            created_at: now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &actor,
        Event::ok("twin.drill.create", "twin_drill", id)
            .with(serde_json::json!({ "community_id": req.community_id })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn drill(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<DrillView> {
    let mut tx = st.db.read().await?;
    let r = store::drill(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !reads(st, user, r.community_id) {
        return Err(AppError::Denied {
            object_type: "twin_drill",
            object_id: id.to_string(),
        });
    }
    Ok(DrillView::from(st, r))
}

pub async fn drills(st: &AppState, user: &CurrentUser) -> AppResult<Vec<DrillView>> {
    let ids: Vec<i64> = communities(st, user).into_iter().map(|c| c.0).collect();
    let mut tx = st.db.read().await?;
    Ok(store::drills(&mut tx, &ids)
        .await?
        .into_iter()
        .map(|r| DrillView::from(st, r))
        .collect())
}

/// The builder's starting point for a community: its model and today's responders, for a
/// planner of the community or the system.
pub async fn builder(st: &AppState, who: Who<'_>, community: i64) -> AppResult<Model> {
    if let Who::User(user) = who
        && !plans(st, user, community)
    {
        return Err(AppError::Denied {
            object_type: "community",
            object_id: community.to_string(),
        });
    }
    model(st, community).await
}
