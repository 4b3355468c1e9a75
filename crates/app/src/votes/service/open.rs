//! Opening a vote (its register frozen, the rules of the moment, the ledger opening entry)
//! and writing registers.

use gongzhi_core::identity::Role;
use gongzhi_core::ledger::{Entry, VERSION, VoteOpened, VoteRecord};
use gongzhi_core::votes::{self as core, Choice, Matter, Register};
use serde::Deserialize;

use super::super::store;
use super::rules::rules_in;
use super::*;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::ledger::service as ledger;
use crate::state::AppState;

/// What opening a vote needs.
pub struct NewVote<'a> {
    pub community_id: i64,
    pub scope: &'a str,
    pub scope_id: i64,
    pub matter: Matter,
    pub title: &'a str,
    pub body: &'a str,
    pub opens_at: i64,
    pub closes_at: i64,
    pub lift_plan: Option<LiftPlan>,
}

/// Opens a vote with its register frozen and the denominators fixed (the platform acting:
/// the demo, and staff once the pages exist). Returns its id.
pub async fn open(st: &AppState, actor: &crate::audit::Actor, v: &NewVote<'_>) -> AppResult<i64> {
    let by = actor.id;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let units = match v.scope {
        "building" => store::register(&mut tx, v.scope_id).await?,
        "compound" => compound_register(
            st,
            &store::register_of_compound(&mut tx, v.scope_id).await?,
            v.scope_id,
        ),
        _ => {
            return Err(AppError::Invalid {
                code: "SCOPE_INVALID",
                field: Some("scope"),
            });
        }
    };
    let rules = rules_in(&mut tx, v.community_id).await?;
    let reg = Register::new(&to_units(&units)).map_err(|e| AppError::Internal(e.into()))?;
    if reg.total_heads() == 0 {
        return Err(AppError::Conflict("REGISTER_EMPTY"));
    }
    let plan = v
        .lift_plan
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))?;
    let id = store::insert_vote(
        &mut tx,
        &store::NewVote {
            community_id: v.community_id,
            scope: v.scope,
            scope_id: v.scope_id,
            matter: v.matter.code(),
            title: v.title,
            body: v.body,
            opens_at: v.opens_at,
            closes_at: v.closes_at,
            // Set below, once the id (which keys the pseudonyms) is known.
            register_sha256: "",
            total_area_e4: reg.total_area(),
            total_heads: reg.total_heads(),
            lift_plan: plan.as_deref(),
            online_voting: rules.online_voting,
            non_voters_follow: rules.non_voters_follow,
            created_by: by,
            now,
        },
    )
    .await?;
    for x in &units {
        store::freeze_unit(&mut tx, id, x).await?;
    }
    let sha = sha256_hex(&register_text(st, id, &units));
    store::set_register_sha256(&mut tx, id, &sha).await?;
    let class = v.matter.class().code();
    ledger::append(
        &mut tx,
        &[Entry::Vote(VoteRecord::Opened(VoteOpened {
            v: VERSION,
            vote: id,
            community_id: v.community_id,
            scope: v.scope.into(),
            scope_id: v.scope_id,
            matter: v.matter.code().into(),
            class: class.into(),
            title: v.title.into(),
            options: Choice::ALL.iter().map(|c| c.code().to_string()).collect(),
            online_voting: rules.online_voting,
            non_voters_follow: rules.non_voters_follow,
            register_sha256: sha.clone(),
            total_area_e4: reg.total_area(),
            total_heads: reg.total_heads(),
            opens_ms: v.opens_at,
            closes_ms: v.closes_at,
            recorded_ms: now,
        }))],
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("vote.open", "vote", id).with(serde_json::json!({
            "matter": v.matter.code(), "register_sha256": sha,
            "total_heads": reg.total_heads(), "total_area_m2": core::area_m2(reg.total_area()),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A vote as staff open it (the page's form or the API).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct OpenRequest {
    /// `building` or `compound`.
    pub scope: String,
    /// The building's or compound's id.
    pub scope_id: i64,
    /// One of art. 278's matters.
    pub matter: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// The last day of voting, `YYYY-MM-DD` (closes at the end of that day, Beijing time);
    /// from tomorrow to 90 days ahead.
    pub closes_on: String,
    /// A lift retrofit's cost sharing (matter `rebuild` only).
    pub lift: Option<LiftRequest>,
}

/// A lift retrofit's plan as staff enter it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LiftRequest {
    /// The owners' part of the cost, in yuan (after subsidies).
    pub cost_yuan: String,
    /// What each flat on a floor with coefficient 0 receives, in yuan.
    #[serde(default)]
    pub compensation_yuan: String,
    /// Floor coefficients, `floor=coefficient` separated by commas (`1=0,2=0.6,3=0.8`).
    pub coefficients: String,
}

fn parse_coefficients(s: &str) -> Option<Vec<(i32, i64)>> {
    let mut out = vec![];
    for part in s
        .split([',', '，', ';', ' '])
        .filter(|p| !p.trim().is_empty())
    {
        let (f, c) = part.split_once(['=', ':', '：'])?;
        let floor: i32 = f.trim().parse().ok().filter(|f| (-5..=200).contains(f))?;
        let c = c.trim();
        let (whole, frac) = c.split_once('.').unwrap_or((c, ""));
        if frac.len() > 3
            || whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let permille =
            whole.parse::<i64>().ok()? * 1000 + format!("{frac:0<3}").parse::<i64>().ok()?;
        if permille > 10_000 || out.iter().any(|(x, _)| *x == floor) {
            return None;
        }
        out.push((floor, permille));
    }
    (!out.is_empty()).then_some(out)
}

/// Community or street staff open a vote on a building or compound of their area: the
/// register is frozen now, and the community's rules of this moment apply to it.
pub async fn open_by_staff(st: &AppState, u: &CurrentUser, r: &OpenRequest) -> AppResult<i64> {
    if !matches!(u.role, Role::CommunityStaff | Role::StreetStaff) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let invalid = |code: &'static str, field: &'static str| AppError::Invalid {
        code,
        field: Some(field),
    };
    let map = st.org_map();
    let unit = map
        .unit(r.scope_id)
        .filter(|x| x.level == r.scope && matches!(r.scope.as_str(), "building" | "compound"))
        .ok_or(invalid("SCOPE_INVALID", "scope_id"))?;
    if !map.unit_in_scope(r.scope_id, u.scope) {
        return Err(AppError::Forbidden("OUT_OF_SCOPE"));
    }
    let community = unit.community.ok_or(invalid("SCOPE_INVALID", "scope_id"))?;
    let matter = Matter::parse(&r.matter).ok_or(invalid("MATTER_UNKNOWN", "matter"))?;
    let title = r.title.trim();
    if title.is_empty() || title.chars().count() > 60 {
        return Err(invalid("SUBJECT_INVALID", "title"));
    }
    if r.body.chars().count() > 4000 {
        return Err(invalid("BODY_TOO_LONG", "body"));
    }
    let now = st.now_ms();
    let day = chrono::NaiveDate::parse_from_str(r.closes_on.trim(), "%Y-%m-%d")
        .map_err(|_| invalid("DATE_INVALID", "closes_on"))?;
    let closes_at = crate::clock::day_start_ms(day) + 86_400_000;
    if closes_at <= now + 86_400_000 / 2 || closes_at > now + 91 * 86_400_000 {
        return Err(invalid("DATE_OUT_OF_RANGE", "closes_on"));
    }
    let lift_plan = match &r.lift {
        None => None,
        Some(_) if matter != Matter::Rebuild => return Err(invalid("LIFT_PLAN_MATTER", "lift")),
        Some(l) => {
            let cost_fen = gongzhi_core::ledger::parse_yuan(&l.cost_yuan)
                .map_err(|_| invalid("AMOUNT_INVALID", "cost_yuan"))?;
            let compensation_fen = if l.compensation_yuan.trim().is_empty() {
                0
            } else {
                gongzhi_core::ledger::parse_yuan(&l.compensation_yuan)
                    .map_err(|_| invalid("AMOUNT_INVALID", "compensation_yuan"))?
            };
            let coefficients = parse_coefficients(&l.coefficients)
                .ok_or(invalid("COEFFICIENTS_INVALID", "coefficients"))?;
            Some(LiftPlan {
                cost_fen,
                coefficients,
                compensation_fen,
            })
        }
    };
    open(
        st,
        &u.actor(),
        &NewVote {
            community_id: community,
            scope: &r.scope,
            scope_id: r.scope_id,
            matter,
            title,
            body: r.body.trim(),
            opens_at: now,
            closes_at,
            lift_plan,
        },
    )
    .await
}

/// A compound's register as a vote counts it: units labelled with their building (unit
/// numbers repeat across buildings), and the developer's unsold units of every building one
/// owner together (`dev:c<compound>`), as the domain note counts them.
fn compound_register(
    st: &AppState,
    rows: &[(i64, store::OwnerUnit)],
    compound: i64,
) -> Vec<store::OwnerUnit> {
    let map = st.org_map();
    rows.iter()
        .map(|(b, x)| {
            let building = map
                .unit(*b)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| b.to_string());
            store::OwnerUnit {
                unit: format!("{building}-{}", x.unit),
                floor: x.floor,
                area_e4: x.area_e4,
                owner_key: if x.owner_key.starts_with("dev:") {
                    format!("dev:c{compound}")
                } else {
                    x.owner_key.clone()
                },
            }
        })
        .collect()
}

/// One unit of a register as the demo or an import writes it.
pub struct RegisterUnit<'a> {
    pub building_id: i64,
    pub unit: &'a str,
    pub floor: i64,
    pub area_e4: i64,
    pub owner_key: &'a str,
    pub resident_id: Option<i64>,
}

/// Writes units of the owners' register (the platform acting: the demo; staff imports
/// come with the register pages).
pub async fn put_register(st: &AppState, units: &[RegisterUnit<'_>]) -> AppResult<usize> {
    let map = st.org_map();
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    for x in units {
        let b = map.unit(x.building_id).ok_or(AppError::Invalid {
            code: "BUILDING_UNKNOWN",
            field: Some("building"),
        })?;
        let community = b.community.ok_or(AppError::Invalid {
            code: "BUILDING_UNKNOWN",
            field: Some("building"),
        })?;
        store::put_unit(
            &mut tx,
            &store::NewOwnerUnit {
                building_id: x.building_id,
                compound_id: b
                    .parent
                    .filter(|p| map.unit(*p).is_some_and(|c| c.level == "compound")),
                community_id: community,
                unit: x.unit,
                floor: x.floor,
                area_e4: x.area_e4,
                owner_key: x.owner_key,
                resident_id: x.resident_id,
                updated_by: None,
                now,
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        &crate::audit::Actor::named("votes"),
        Event::ok("register.put", "register", "").with(serde_json::json!({"units": units.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(units.len())
}
