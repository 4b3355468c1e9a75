//! The digital twin's pages: saved scenarios and drills, the scenario builder, a scenario's
//! results (today's posts beside the optimised ones, on charts and the map), and the drills
//! register with a simulated run beside each drill.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect, Response};
use gongzhi_core::twin::community::{
    KINDS, KindSpec, Model, NodeKind, ROLES, ResponderSpec, Spec, kind_facts, role_facts,
};
use gongzhi_core::twin::scenario::{Comparison, Dispatch, Metrics, Plan};
use serde::Deserialize;

use super::service::{self, DrillRequest, DrillView, ScenarioSummary, ScenarioView};
use crate::auth::service::Who;
use crate::clock::format_cn;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{AuthUser, Layout};

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

fn staff_only(st: &AppState, user: &crate::auth::service::CurrentUser) -> AppResult<()> {
    if service::communities(st, user).is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "twin/templates/home.html")]
struct HomePage {
    layout: Layout,
    scenarios: Vec<ScenarioSummary>,
    drills: Vec<DrillView>,
    communities: Vec<(i64, String)>,
}

impl HomePage {
    fn date(&self, ms: &i64) -> String {
        format_cn(*ms)
    }
}

pub async fn home(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
) -> AppResult<Html<String>> {
    staff_only(&st, &user)?;
    render(&HomePage {
        layout: Layout::new(&st, &ctx, "twin.title", "/twin"),
        scenarios: service::list(&st, &user).await?,
        drills: service::drills(&st, &user).await?,
        communities: service::planned(&st, &user),
    })
}

/// A responder row of the builder.
struct RowView {
    role: String,
    name: String,
    post: usize,
    from: String,
    to: String,
}

/// An incident kind of the builder.
struct KindView {
    kind: &'static str,
    name: &'static str,
    on: bool,
    per_year: String,
    on_scene: String,
}

#[derive(Template)]
#[template(path = "twin/templates/new.html")]
struct NewPage {
    layout: Layout,
    community: i64,
    community_name: String,
    spec: Spec,
    kinds: Vec<KindView>,
    rows: Vec<RowView>,
    roles: Vec<(&'static str, &'static str)>,
    posts: Vec<(usize, String)>,
    vulnerable: u32,
    buildings: usize,
    dispatch_optimal: bool,
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    pub community: Option<i64>,
    /// Start from a saved scenario's choices.
    pub from: Option<i64>,
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

/// Blank responder rows offered below the proposed ones.
const BLANK_ROWS: usize = 4;

pub async fn new(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<NewQuery>,
) -> AppResult<Html<String>> {
    let (community, spec) = match q.from {
        Some(id) => {
            let v = service::get(&st, &user, id).await?;
            (v.community_id, Some(v.spec))
        }
        None => {
            let plans: Vec<i64> = service::planned(&st, &user)
                .into_iter()
                .map(|c| c.0)
                .collect();
            (
                q.community
                    .or(plans.first().copied())
                    .ok_or(AppError::NotFound)?,
                None,
            )
        }
    };
    let model = service::builder(&st, Who::User(&user), community).await?;
    let spec = spec.unwrap_or_else(|| model.default_spec());
    let kinds = KINDS
        .iter()
        .map(|&k| {
            let (name, _, per_year, on_scene) = kind_facts(k).expect("known kind");
            let chosen = spec.incidents.iter().find(|s| s.kind == k);
            KindView {
                kind: k,
                name,
                on: chosen.is_some(),
                per_year: num(chosen.map_or(per_year, |c| c.per_year)),
                on_scene: num(chosen.map_or(on_scene, |c| c.on_scene_minutes)),
            }
        })
        .collect();
    let mut rows: Vec<RowView> = spec
        .responders
        .iter()
        .map(|r| RowView {
            role: r.role.clone(),
            name: r.name.clone(),
            post: r.post,
            from: r.shift.map(|s| num(s[0])).unwrap_or_default(),
            to: r.shift.map(|s| num(s[1])).unwrap_or_default(),
        })
        .collect();
    for _ in 0..BLANK_ROWS {
        rows.push(RowView {
            role: String::new(),
            name: String::new(),
            post: usize::MAX,
            from: String::new(),
            to: String::new(),
        });
    }
    render(&NewPage {
        layout: Layout::new(&st, &ctx, "twin.new_title", "/twin"),
        community_name: st.org_map().unit_name(community).unwrap_or_default(),
        community,
        kinds,
        rows,
        roles: ROLES
            .iter()
            .map(|&r| (r, role_facts(r).map(|f| f.name).unwrap_or_default()))
            .collect(),
        posts: post_choices(&model),
        vulnerable: model.vulnerable.iter().map(|v| v.1).sum(),
        buildings: model
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Building)
            .count(),
        dispatch_optimal: spec.dispatch == Dispatch::Optimal,
        spec,
    })
}

/// Places a responder may stand, buildings and compound centres first.
fn post_choices(m: &Model) -> Vec<(usize, String)> {
    let mut v: Vec<(usize, String)> = m
        .posts()
        .into_iter()
        .map(|i| (i, m.nodes[i].label.clone()))
        .collect();
    v.sort_by_key(|(i, _)| (m.nodes[*i].kind == NodeKind::Street, *i));
    v
}

/// The builder's form: fixed fields and, per incident kind and responder row, numbered ones.
fn spec_from_form(f: &[(String, String)]) -> AppResult<(i64, Spec)> {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim())
            .unwrap_or("")
    };
    let number = |k: &str, code: &'static str| -> AppResult<f64> {
        get(k)
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or(AppError::invalid(code))
    };
    let community = get("community")
        .parse()
        .map_err(|_| AppError::invalid("COMMUNITY_UNKNOWN"))?;
    let mut incidents = vec![];
    for k in KINDS {
        if get(&format!("k_{k}")).is_empty() {
            continue;
        }
        incidents.push(KindSpec {
            kind: k.into(),
            per_year: number(&format!("rate_{k}"), "TWIN_RATE_INVALID")?,
            on_scene_minutes: number(&format!("scene_{k}"), "TWIN_RATE_INVALID")?,
        });
    }
    let mut responders = vec![];
    for i in 0..200 {
        let role = get(&format!("r{i}_role"));
        if f.iter().all(|(n, _)| !n.starts_with(&format!("r{i}_"))) {
            break;
        }
        if role.is_empty() {
            continue;
        }
        let (from, to) = (get(&format!("r{i}_from")), get(&format!("r{i}_to")));
        let shift = if from.is_empty() && to.is_empty() {
            None
        } else {
            let h = |s: &str| {
                s.parse::<f64>()
                    .map_err(|_| AppError::invalid("TWIN_SHIFT_INVALID"))
            };
            Some([h(from)?, h(to)?])
        };
        responders.push(ResponderSpec {
            role: role.into(),
            name: get(&format!("r{i}_name")).into(),
            post: get(&format!("r{i}_post")).parse().unwrap_or(usize::MAX),
            shift,
        });
    }
    Ok((
        community,
        Spec {
            name: get("name").into(),
            target_minutes: number("target_minutes", "TWIN_TARGET_INVALID")?,
            years: number("years", "TWIN_YEARS_INVALID")?,
            seed: get("seed").parse().unwrap_or(1),
            dispatch: if get("dispatch") == "optimal" {
                Dispatch::Optimal
            } else {
                Dispatch::Nearest
            },
            incidents,
            responders,
            fire_station_minutes: number("fire_station_minutes", "TWIN_LEAD_INVALID")?,
            ambulance_minutes: number("ambulance_minutes", "TWIN_LEAD_INVALID")?,
        },
    ))
}

pub async fn create(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<Vec<(String, String)>>,
) -> AppResult<Redirect> {
    let (community, spec) = spec_from_form(&f)?;
    let id = service::create(&st, Who::User(&user), community, &spec).await?;
    Ok(Redirect::to(&format!("/twin/scenarios/{id}")))
}

/// One plan's column of figures.
struct PlanCol {
    title: &'static str,
    covered: String,
    covered_pct: String,
    worst: String,
    incidents: u64,
    within: String,
    p50: String,
    p90: String,
    affected: u64,
    in_time: u64,
    in_time_pct: String,
    not_reached: u64,
}

fn pct(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.0}%", 100.0 * a / b)
    } else {
        "—".into()
    }
}

/// "18–8 点".
fn period(p: &[f64; 2], layout: &Layout) -> String {
    format!("{}–{} {}", num(p[0]), num(p[1]), layout.t("twin.hour"))
}

fn col(layout: &Layout, key: &str, p: &Plan, c: &Comparison) -> PlanCol {
    let m = &p.metrics;
    let total = c.vulnerable;
    let worst = p
        .covered_by_period
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(t, v)| format!("{v:.0}（{}）", period(&c.periods[t], layout)))
        .unwrap_or_default();
    PlanCol {
        title: layout.t(key),
        covered: format!("{:.1} / {:.0}", p.covered, total),
        covered_pct: pct(p.covered, total),
        worst,
        incidents: m.incidents,
        within: format!("{:.1}%", 100.0 * m.within_target),
        p50: format!("{:.1}", m.response_minutes.p50),
        p90: format!("{:.1}", m.response_minutes.p90),
        affected: m.vulnerable_affected,
        in_time: m.vulnerable_reached_in_time,
        in_time_pct: pct(
            m.vulnerable_reached_in_time as f64,
            m.vulnerable_affected as f64,
        ),
        not_reached: m.vulnerable_not_reached,
    }
}

struct MoveRow {
    name: String,
    role: &'static str,
    today: String,
    optimised: String,
    moved: bool,
    util_today: String,
    util_optimised: String,
}

struct PolicyRow {
    title: &'static str,
    mean: String,
    p90: String,
    within: String,
}

fn policy(layout: &Layout, key: &str, m: &Metrics) -> PolicyRow {
    PolicyRow {
        title: layout.t(key),
        mean: format!("{:.2}", m.response_minutes.mean),
        p90: format!("{:.1}", m.response_minutes.p90),
        within: format!("{:.1}%", 100.0 * m.within_target),
    }
}

#[derive(Template)]
#[template(path = "twin/templates/show.html")]
struct ShowPage {
    layout: Layout,
    v: ScenarioView,
    kinds: Vec<String>,
    plans: Vec<PlanCol>,
    moves: Vec<MoveRow>,
    policies: Vec<PolicyRow>,
    solve_ms: String,
    /// Shown when the exact solve stopped at its time limit.
    solve_note: Option<String>,
    run_seconds: String,
    reach_m: String,
    headline: Option<(String, String, String, String)>,
    drills: Vec<DrillView>,
    data: serde_json::Value,
    can_plan: bool,
}

pub async fn show(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let v = service::get(&st, &user, id).await?;
    let layout = Layout::new(&st, &ctx, "twin.show_title", "/twin");
    let label = |i: usize| {
        v.model
            .nodes
            .get(i)
            .map(|n| n.label.clone())
            .unwrap_or_default()
    };
    let (plans, moves, policies, headline, data) = match &v.result {
        Some(c) => {
            let plans = vec![
                col(&layout, "twin.plan_today", &c.today, c),
                col(&layout, "twin.plan_optimised", &c.optimised, c),
                col(&layout, "twin.plan_greedy", &c.greedy, c),
            ];
            let moves = v
                .scenario
                .responders
                .iter()
                .enumerate()
                .map(|(r, resp)| MoveRow {
                    name: resp.name.clone(),
                    role: v
                        .spec
                        .responders
                        .get(r)
                        .and_then(|s| role_facts(&s.role))
                        .map(|f| f.name)
                        .unwrap_or_default(),
                    today: label(c.today.posts[r]),
                    optimised: label(c.optimised.posts[r]),
                    moved: c.today.posts[r] != c.optimised.posts[r],
                    util_today: format!(
                        "{:.2}%",
                        100.0 * c.today.metrics.responders[r].utilisation
                    ),
                    util_optimised: format!(
                        "{:.2}%",
                        100.0 * c.optimised.metrics.responders[r].utilisation
                    ),
                })
                .collect();
            let policies = vec![
                policy(&layout, "twin.dispatch_nearest", &c.dispatch.nearest),
                policy(&layout, "twin.dispatch_optimal", &c.dispatch.optimal),
            ];
            // Where today's posts are weakest: that period, today and optimised.
            let t = (0..c.periods.len())
                .min_by(|&a, &b| {
                    c.today.covered_by_period[a].total_cmp(&c.today.covered_by_period[b])
                })
                .unwrap_or(0);
            let at = |p: &Plan| p.covered_by_period.get(t).copied().unwrap_or(0.0);
            let headline = Some((
                c.periods
                    .get(t)
                    .map(|p| period(p, &layout))
                    .unwrap_or_default(),
                format!("{:.0}", at(&c.today)),
                format!("{:.0}", at(&c.optimised)),
                format!("{:.0}", c.vulnerable),
            ));
            let data = serde_json::json!({
                "nodes": v.model.nodes.iter().map(|n| serde_json::json!([n.lng, n.lat, n.kind, n.label])).collect::<Vec<_>>(),
                "edges": v.model.edges,
                "vulnerable": v.model.vulnerable,
                "today": c.today.posts,
                "optimised": c.optimised.posts,
                "names": v.scenario.responders.iter().map(|r| &r.name).collect::<Vec<_>>(),
                "fixed": v.scenario.responders.iter().map(|r| r.fixed).collect::<Vec<_>>(),
                "reach": c.reach_metres,
                "minutes": {
                    "today": c.today.metrics.response_minutes.by_minute,
                    "optimised": c.optimised.metrics.response_minutes.by_minute,
                },
                "util": {
                    "today": c.today.metrics.responders.iter().map(|r| (r.utilisation * 10000.0).round() / 100.0).collect::<Vec<_>>(),
                    "optimised": c.optimised.metrics.responders.iter().map(|r| (r.utilisation * 10000.0).round() / 100.0).collect::<Vec<_>>(),
                },
                "labels": {
                    "today": layout.t("twin.plan_today"),
                    "optimised": layout.t("twin.plan_optimised"),
                    "minutes": layout.t("twin.chart_minutes"),
                    "count": layout.t("twin.chart_count"),
                    "util": layout.t("twin.chart_util"),
                    "vulnerable": layout.t("twin.map_vulnerable"),
                },
            });
            (plans, moves, policies, headline, data)
        }
        None => (vec![], vec![], vec![], None, serde_json::json!({})),
    };
    let all_drills = service::drills(&st, &user).await?;
    render(&ShowPage {
        kinds: v
            .spec
            .incidents
            .iter()
            .map(|k| {
                format!(
                    "{} {}{}",
                    kind_facts(&k.kind).map(|f| f.0).unwrap_or_default(),
                    num(k.per_year),
                    layout.t("twin.per_year")
                )
            })
            .collect(),
        solve_ms: v
            .result
            .as_ref()
            .map(|c| format!("{:.1}", c.solve_ms))
            .unwrap_or_default(),
        solve_note: v.result.as_ref().filter(|c| !c.exact).map(|c| {
            layout
                .t("twin.solve_limited")
                .replace("{}", &format!("{:.0}", c.solve_limit_s.unwrap_or_default()))
        }),
        reach_m: v
            .result
            .as_ref()
            .map(|c| format!("{:.0}", c.reach_metres))
            .unwrap_or_default(),
        run_seconds: v.run_seconds.map(|s| format!("{s:.2}")).unwrap_or_default(),
        can_plan: service::plans(&st, &user, v.community_id),
        drills: all_drills
            .into_iter()
            .filter(|d| d.scenario_id == Some(id))
            .collect(),
        data,
        plans,
        moves,
        policies,
        headline,
        layout,
        v,
    })
}

/// The engine's scenario as TOML, for `gongzhi simulate scenario FILE.toml`.
pub async fn toml_file(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let v = service::get(&st, &user, id).await?;
    let text = toml::to_string(&v.scenario).map_err(|e| AppError::Internal(e.into()))?;
    Ok(crate::web::file_response(
        "application/toml; charset=utf-8".into(),
        "private, no-store",
        text.into_bytes(),
    ))
}

#[derive(Template)]
#[template(path = "twin/templates/drill_new.html")]
struct DrillNewPage {
    layout: Layout,
    communities: Vec<(i64, String)>,
    community: i64,
    scenarios: Vec<ScenarioSummary>,
    scenario: Option<i64>,
    today: String,
}

#[derive(Debug, Deserialize)]
pub struct DrillQuery {
    pub scenario: Option<i64>,
}

pub async fn drill_new(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Query(q): Query<DrillQuery>,
) -> AppResult<Html<String>> {
    let communities = service::planned(&st, &user);
    let scenarios = service::list(&st, &user).await?;
    let community = match q.scenario {
        Some(s) => scenarios
            .iter()
            .find(|x| x.id == s)
            .map(|x| x.community_id)
            .ok_or(AppError::NotFound)?,
        None => communities.first().map(|c| c.0).ok_or(AppError::NotFound)?,
    };
    render(&DrillNewPage {
        layout: Layout::new(&st, &ctx, "twin.drill_new_title", "/twin"),
        communities,
        community,
        scenarios,
        scenario: q.scenario,
        today: crate::clock::date_cn(st.now_ms()),
    })
}

#[derive(Debug, Deserialize)]
pub struct DrillForm {
    pub community_id: i64,
    pub scenario_id: Option<String>,
    pub title: String,
    pub held_on: String,
    pub plan: String,
    pub participants: String,
    pub happened: String,
    pub changes: String,
    pub first_arrival_minutes: Option<String>,
    pub assisted: Option<String>,
    pub to_assist: Option<String>,
}

fn optional<T: std::str::FromStr>(s: &Option<String>) -> AppResult<Option<T>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(x) => x
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid("TWIN_DRILL_FIGURE_INVALID")),
    }
}

pub async fn drill_create(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Form(f): Form<DrillForm>,
) -> AppResult<Redirect> {
    let req = DrillRequest {
        community_id: f.community_id,
        scenario_id: optional(&f.scenario_id)?,
        title: f.title,
        held_on: f.held_on,
        plan: f.plan,
        participants: f.participants,
        happened: f.happened,
        changes: f.changes,
        first_arrival_minutes: optional(&f.first_arrival_minutes)?,
        assisted: optional(&f.assisted)?,
        to_assist: optional(&f.to_assist)?,
    };
    let id = service::record_drill(&st, Who::User(&user), &req).await?;
    Ok(Redirect::to(&format!("/twin/drills/{id}")))
}

#[derive(Template)]
#[template(path = "twin/templates/drill.html")]
struct DrillPage {
    layout: Layout,
    d: DrillView,
    scenario: Option<(i64, String)>,
    /// The simulated run of today's posts: (p50, p90, within target, reached in time).
    simulated: Option<(String, String, String, String)>,
    /// How the drill's first arrival compares with the simulation, and whether that is a
    /// warning (slower than the simulated median).
    verdict: String,
    slower: bool,
    target: String,
}

pub async fn drill(
    State(st): State<AppState>,
    AuthUser(user, ctx): AuthUser,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let d = service::drill(&st, &user, id).await?;
    let layout = Layout::new(&st, &ctx, "twin.drill_title", "/twin");
    let sc = match d.scenario_id {
        Some(s) => Some(service::get(&st, &user, s).await?),
        None => None,
    };
    let mut verdict = String::new();
    let mut slower = false;
    let simulated = sc.as_ref().and_then(|v| v.result.as_ref()).map(|c| {
        let m = &c.today.metrics;
        if let Some(t) = d.first_arrival_minutes {
            let r = &m.response_minutes;
            slower = t > r.p50;
            verdict = if t <= r.p50 {
                layout.t("twin.verdict_fast").to_string()
            } else if t <= r.p90 {
                layout.t("twin.verdict_usual").to_string()
            } else {
                layout.t("twin.verdict_slow").to_string()
            };
        }
        (
            format!("{:.1}", m.response_minutes.p50),
            format!("{:.1}", m.response_minutes.p90),
            format!("{:.1}%", 100.0 * m.within_target),
            pct(
                m.vulnerable_reached_in_time as f64,
                m.vulnerable_affected as f64,
            ),
        )
    });
    render(&DrillPage {
        target: sc
            .as_ref()
            .map(|v| num(v.scenario.target_minutes))
            .unwrap_or_default(),
        scenario: sc.map(|v| (v.id, v.name)),
        simulated,
        verdict,
        slower,
        layout,
        d,
    })
}
