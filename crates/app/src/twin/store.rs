//! Every SQL statement of the digital twin: the community model it reads, saved scenarios,
//! their runs and the drills register.

use crate::db::Tx;
use crate::on_tx;

/// A grid, compound or building of a community.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaceRow {
    pub id: i64,
    pub level: String,
    pub parent_id: Option<i64>,
    pub name: String,
    pub geometry: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub floors: Option<i64>,
    pub property: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScenarioRow {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub spec: String,
    pub model_enc: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub result_enc: String,
    pub seconds: f64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DrillRow {
    pub id: i64,
    pub community_id: i64,
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
    pub created_at: i64,
}

const PLACES: &str = "select u.id, u.level, u.parent_id, u.name, u.geometry, u.lng, u.lat, u.floors, p.name as property \
     from org_units u left join units p on p.id = u.property_unit_id \
     where u.community_id = $1 and u.level in ('grid', 'compound', 'building') order by u.id";
// Only the two tags that mean someone needs help to evacuate are read, and only counted.
const VULNERABLE: &str = "select building_id, cast(count(*) as bigint) from residents \
     where community_id = $1 and (tags like '%\"独居老人\"%' or tags like '%\"残疾人\"%') group by building_id";
const SCENARIO_COLS: &str = "id, community_id, name, spec, model_enc, created_by, created_at";
const DRILL_COLS: &str = "id, community_id, scenario_id, title, held_on, plan, participants, happened, changes, first_arrival_minutes, assisted, to_assist, created_at";

pub async fn places(tx: &mut Tx, community: i64) -> Result<Vec<PlaceRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(PLACES)
        .bind(community)
        .fetch_all(&mut **c)
        .await)
}

/// Residents who need help to evacuate (独居老人, 残疾人), counted per building.
pub async fn vulnerable(tx: &mut Tx, community: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(VULNERABLE)
        .bind(community)
        .fetch_all(&mut **c)
        .await)
}

pub async fn insert_scenario(
    tx: &mut Tx,
    community: i64,
    name: &str,
    spec: &str,
    model_enc: &str,
    by: Option<i64>,
    at: i64,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "insert into twin_scenarios (community_id, name, spec, model_enc, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6) returning id";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(community)
        .bind(name)
        .bind(spec)
        .bind(model_enc)
        .bind(by)
        .bind(at)
        .fetch_one(&mut **c)
        .await)
}

pub async fn insert_run(
    tx: &mut Tx,
    scenario: i64,
    result_enc: &str,
    seconds: f64,
    by: Option<i64>,
    at: i64,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "insert into twin_runs (scenario_id, result_enc, seconds, created_by, created_at) \
         values ($1, $2, $3, $4, $5) returning id";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(scenario)
        .bind(result_enc)
        .bind(seconds)
        .bind(by)
        .bind(at)
        .fetch_one(&mut **c)
        .await)
}

pub async fn scenario(tx: &mut Tx, id: i64) -> Result<Option<ScenarioRow>, sqlx::Error> {
    let sql = format!("select {SCENARIO_COLS} from twin_scenarios where id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

/// Scenarios of the given communities, newest first.
pub async fn scenarios(tx: &mut Tx, communities: &[i64]) -> Result<Vec<ScenarioRow>, sqlx::Error> {
    let sql = format!(
        "select {SCENARIO_COLS} from twin_scenarios where community_id in ({}) order by created_at desc, id desc limit 200",
        in_list(communities)
    );
    on_tx!(tx, |c| sqlx::query_as(&sql).fetch_all(&mut **c).await)
}

/// The latest run of a scenario.
pub async fn latest_run(tx: &mut Tx, scenario: i64) -> Result<Option<RunRow>, sqlx::Error> {
    const SQL: &str = "select id, scenario_id, result_enc, seconds, created_at from twin_runs \
         where scenario_id = $1 order by id desc limit 1";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(scenario)
        .fetch_optional(&mut **c)
        .await)
}

pub struct NewDrill<'a> {
    pub community_id: i64,
    pub scenario_id: Option<i64>,
    pub title: &'a str,
    pub held_on: &'a str,
    pub plan: &'a str,
    pub participants: &'a str,
    pub happened: &'a str,
    pub changes: &'a str,
    pub first_arrival_minutes: Option<f64>,
    pub assisted: Option<i64>,
    pub to_assist: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

pub async fn insert_drill(tx: &mut Tx, d: &NewDrill<'_>) -> Result<i64, sqlx::Error> {
    const SQL: &str = "insert into twin_drills (community_id, scenario_id, title, held_on, plan, participants, happened, changes, first_arrival_minutes, assisted, to_assist, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(d.community_id)
        .bind(d.scenario_id)
        .bind(d.title)
        .bind(d.held_on)
        .bind(d.plan)
        .bind(d.participants)
        .bind(d.happened)
        .bind(d.changes)
        .bind(d.first_arrival_minutes)
        .bind(d.assisted)
        .bind(d.to_assist)
        .bind(d.created_by)
        .bind(d.created_at)
        .fetch_one(&mut **c)
        .await)
}

pub async fn drill(tx: &mut Tx, id: i64) -> Result<Option<DrillRow>, sqlx::Error> {
    let sql = format!("select {DRILL_COLS} from twin_drills where id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

/// Drills of the given communities, latest held first.
pub async fn drills(tx: &mut Tx, communities: &[i64]) -> Result<Vec<DrillRow>, sqlx::Error> {
    let sql = format!(
        "select {DRILL_COLS} from twin_drills where community_id in ({}) order by held_on desc, id desc limit 200",
        in_list(communities)
    );
    on_tx!(tx, |c| sqlx::query_as(&sql).fetch_all(&mut **c).await)
}

/// Integers for an `in (…)` list (never user text); `-1` for none, which matches nothing.
fn in_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "-1".into();
    }
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}
