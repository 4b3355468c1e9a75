//! Owners' votes (业主共同决定): who sees a vote, who may cast or enter a ballot, the live
//! tally, and the public files anyone can recount with `gongzhi votes tally`.
//!
//! Visibility: a resident sees the votes whose register (frozen when the vote opened) holds
//! them as an owner; staff see the votes of their area (a grid worker's or building head's
//! community); district staff and auditors every vote; units and mediators none.
//! Ballots: an owner votes online for themselves; community and street staff of the area
//! enter a paper ballot or a proxy's with the scan attached; a building head enters the
//! ballots of their own building's owners collected door to door. One ballot per owner per
//! vote across every channel, by the database's unique key.

use gongzhi_core::identity::{Role, Scope};
use gongzhi_core::votes::{self as core, Choice, Matter, Register, Tally, Unit};
use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

mod ballots;
mod open;
mod rules;

pub use ballots::{
    BallotReceipt, BallotRequest, Sheet, SheetRow, cast, close_due, close_now, sheet, watch,
};
pub use open::{
    LiftRequest, NewVote, OpenRequest, RegisterUnit, open, open_by_staff, put_register,
};
pub use rules::{LocalRules, rules, set_rules};

use super::store;
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The field of an attached ballot scan or proxy authorisation, sealed.
pub const ATTACHMENT_FIELD: &str = "ballots.attachment";
/// The keyed pseudonyms of owners in public files (per vote: no linking across votes).
const PSEUDONYM_FIELD: &str = "votes.owner";

/// The owner key of a resident.
pub fn owner_key_of_resident(resident: i64) -> String {
    format!("r:{resident}")
}

/// An owner's pseudonym in a vote's public files.
pub fn pseudonym(st: &AppState, vote: i64, owner_key: &str) -> String {
    st.cipher
        .blind_index(PSEUDONYM_FIELD, &format!("{vote}|{owner_key}"))
}

/// The community a user's figures and lists are about (None: the whole district).
fn area(st: &AppState, u: &CurrentUser) -> Option<Scope> {
    match u.scope {
        Scope::Street(_) | Scope::Community(_) => Some(u.scope),
        Scope::Grid(id) | Scope::Building(id) => st
            .org_map()
            .unit(id)
            .and_then(|x| x.community)
            .map(Scope::Community),
        _ => None,
    }
}

/// Whether `u` may see vote `v` (residents: as owners in its register).
async fn sees(st: &AppState, u: &CurrentUser, v: &store::VoteRow) -> AppResult<bool> {
    if u.role == Role::Resident {
        let Some(r) = u.resident_id else {
            return Ok(false);
        };
        return Ok(crate::votes::cache::frozen(st, v.id)
            .await?
            .owners
            .contains(&owner_key_of_resident(r)));
    }
    if matches!(u.role, Role::UnitStaff | Role::Mediator) {
        return Ok(false);
    }
    Ok(match (u.scope, area(st, u)) {
        (Scope::District, _) => true,
        (_, Some(a)) => st.org_map().unit_in_scope(v.community_id, a),
        _ => false,
    })
}

async fn load(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<store::VoteRow> {
    let mut tx = st.db.read().await?;
    let v = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    if !sees(st, u, &v).await? {
        return Err(AppError::NotFound);
    }
    Ok(v)
}

/// A vote as a list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VoteItem {
    pub id: i64,
    pub title: String,
    /// One of art. 278's matters (`rebuild`, `fund_use` …).
    pub matter: String,
    /// `major` (3/4) or `ordinary` (more than half).
    pub class: String,
    pub body: String,
    pub status: String,
    pub opens_at: String,
    pub closes_at: String,
    /// The denominators, fixed from the register when the vote opened.
    pub total_area_m2: f64,
    pub total_heads: i64,
    /// SHA-256 of the register as frozen (`unit,owner_key,area` lines).
    pub register_sha256: String,
    /// True when the caller is an owner in its register who has not voted yet, it is open,
    /// and the community's rules let owners vote online.
    pub can_vote: bool,
    /// The community's local rules as fixed at opening.
    pub online_voting: bool,
    pub non_voters_follow: bool,
    /// The caller's own share of a lift retrofit's cost, in yuan, if they are an owner.
    pub my_share_yuan: Option<String>,
    /// What the caller receives under the plan (low floors are compensated), in yuan.
    pub my_compensation_yuan: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// `open` or `closed`; empty for both.
    pub status: Option<String>,
}

/// The votes the caller may see.
pub async fn list(st: &AppState, u: &CurrentUser, q: &ListQuery) -> AppResult<Vec<VoteItem>> {
    let status = q.status.clone().unwrap_or_default();
    if !matches!(status.as_str(), "" | "open" | "closed") {
        return Err(AppError::Invalid {
            code: "STATUS_UNKNOWN",
            field: Some("status"),
        });
    }
    let mut tx = st.db.read().await?;
    let rows = if u.role == Role::Resident {
        let owner = u.resident_id.map(owner_key_of_resident).unwrap_or_default();
        let ids = store::votes_of_owner(&mut tx, &owner).await?;
        let mut out = vec![];
        for id in ids {
            if let Some(v) = store::find(&mut tx, id).await?
                && (status.is_empty() || v.status == status)
            {
                out.push(v);
            }
        }
        out.sort_by_key(|v| -v.id);
        out
    } else if matches!(u.role, Role::UnitStaff | Role::Mediator) {
        vec![]
    } else {
        let map = st.org_map();
        let (all, communities) = match (u.scope, area(st, u)) {
            (Scope::District, _) => (true, vec![]),
            (_, Some(a)) => (
                false,
                map.communities()
                    .into_iter()
                    .map(|c| c.0)
                    .filter(|c| map.unit_in_scope(*c, a))
                    .collect(),
            ),
            _ => (false, vec![]),
        };
        store::list(&mut tx, all, &communities, &status).await?
    };
    let now = st.now_ms();
    let mut out = vec![];
    for v in rows {
        let owner = (u.role == Role::Resident)
            .then(|| u.resident_id.map(owner_key_of_resident))
            .flatten();
        let (can_vote, share) = match &owner {
            Some(o) => {
                let f = crate::votes::cache::frozen(st, v.id).await?;
                let mine = f.owners.contains(o);
                let voted = store::has_voted(&mut tx, v.id, o).await?;
                (
                    mine && !voted && may_cast_online(&v, now),
                    share_of(&v, &f.units, o),
                )
            }
            None => (false, None),
        };
        out.push(item(v, can_vote, share));
    }
    Ok(out)
}

fn is_open(v: &store::VoteRow, now: i64) -> bool {
    v.status == "open" && now >= v.opens_at && now < v.closes_at
}

/// Whether an owner may cast their own ballot in `v` now.
fn may_cast_online(v: &store::VoteRow, now: i64) -> bool {
    is_open(v, now) && v.online_voting
}

fn yuan(f: i64) -> String {
    format!("{}.{:02}", f / 100, f % 100)
}

fn item(v: store::VoteRow, can_vote: bool, share: Option<(i64, i64)>) -> VoteItem {
    let class = Matter::parse(&v.matter)
        .map(|m| m.class().code())
        .unwrap_or("ordinary");
    VoteItem {
        id: v.id,
        title: v.title,
        class: class.to_string(),
        matter: v.matter,
        body: v.body,
        status: v.status,
        total_area_m2: core::area_m2(v.total_area_e4),
        total_heads: v.total_heads,
        register_sha256: v.register_sha256,
        opens_at: crate::clock::iso(v.opens_at),
        closes_at: crate::clock::iso(v.closes_at),
        can_vote,
        online_voting: v.online_voting,
        non_voters_follow: v.non_voters_follow,
        my_share_yuan: share.map(|s| yuan(s.0)),
        my_compensation_yuan: share.filter(|s| s.1 > 0).map(|s| yuan(s.1)),
    }
}

/// The lift plan stored with a vote (JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiftPlan {
    pub cost_fen: i64,
    pub coefficients: Vec<(i32, i64)>,
    pub compensation_fen: i64,
}

/// What `owner` pays and receives under the vote's lift plan (their units added), in fen.
fn share_of(v: &store::VoteRow, units: &[store::OwnerUnit], owner: &str) -> Option<(i64, i64)> {
    let plan: LiftPlan = serde_json::from_str(v.lift_plan.as_deref()?).ok()?;
    let p = core::lift::Plan {
        cost_fen: plan.cost_fen,
        coefficients: plan.coefficients,
        compensation_fen: plan.compensation_fen,
    };
    let flats: Vec<core::lift::Flat> = units
        .iter()
        .map(|x| core::lift::Flat {
            unit: x.unit.clone(),
            floor: x.floor as i32,
            area: x.area_e4,
        })
        .collect();
    let shares = p.shares(&flats)?;
    let mine: Vec<&core::lift::Share> = shares
        .iter()
        .zip(units)
        .filter(|(_, x)| x.owner_key == owner)
        .map(|(s, _)| s)
        .collect();
    (!mine.is_empty()).then(|| {
        (
            mine.iter().map(|s| s.pays_fen).sum(),
            mine.iter().map(|s| s.receives_fen).sum(),
        )
    })
}

/// The live count (public: areas, heads and the result, no owners).
pub async fn tally(st: &AppState, id: i64) -> AppResult<Tally> {
    let mut tx = st.db.read().await?;
    let v = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    let f = crate::votes::cache::frozen(st, id).await?;
    let t = crate::votes::cache::tally(st, id, |ballots| count(&v, &f.reg, ballots)).await?;
    Ok((*t).clone())
}

/// The count of `ballots` against a vote's frozen register.
fn count(v: &store::VoteRow, reg: &Register, ballots: &[store::BallotRow]) -> AppResult<Tally> {
    let id = v.id;
    let matter = Matter::parse(&v.matter).ok_or(AppError::Internal(anyhow::anyhow!(
        "vote {id} has an unknown matter"
    )))?;
    let b: Vec<(String, Choice)> = ballots
        .iter()
        .filter_map(|x| Some((x.owner_key.clone(), Choice::parse(&x.choice)?)))
        .collect();
    let rules = core::Rules {
        non_voters_follow: v.non_voters_follow,
    };
    core::tally_under(reg, matter, &b, &[], rules).map_err(|e| AppError::Internal(e.into()))
}

fn to_units(units: &[store::OwnerUnit]) -> Vec<Unit> {
    units
        .iter()
        .map(|x| Unit {
            unit: x.unit.clone(),
            owner: x.owner_key.clone(),
            area: x.area_e4,
        })
        .collect()
}

/// m² with up to four decimals, as a register writes it.
fn area_text(e4: i64) -> String {
    let s = format!("{}.{:04}", e4 / 10_000, e4 % 10_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The frozen register as public CSV (`unit,owner,area_m2`, owners pseudonymous).
pub async fn register_csv(st: &AppState, id: i64) -> AppResult<String> {
    let mut tx = st.db.read().await?;
    store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    Ok(register_text(
        st,
        id,
        &crate::votes::cache::frozen(st, id).await?.units,
    ))
}

fn register_text(st: &AppState, id: i64, units: &[store::OwnerUnit]) -> String {
    let mut out = String::from("unit,owner,area_m2\n");
    for x in units {
        out.push_str(&format!(
            "{},{},{}\n",
            csv_field(&x.unit),
            pseudonym(st, id, &x.owner_key),
            area_text(x.area_e4)
        ));
    }
    out
}

/// A CSV field, quoted when it must be (a unit number with a comma or a quote).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The ballots as public CSV (`owner,choice`, owners pseudonymous).
pub async fn ballots_csv(st: &AppState, id: i64) -> AppResult<String> {
    let mut tx = st.db.read().await?;
    store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let ballots = store::ballots(&mut tx, id).await?;
    Ok(ballots_text(st, id, &ballots))
}

fn ballots_text(st: &AppState, id: i64, ballots: &[store::BallotRow]) -> String {
    let mut out = String::from("owner,choice\n");
    for b in ballots {
        out.push_str(&format!(
            "{},{}\n",
            pseudonym(st, id, &b.owner_key),
            b.choice
        ));
    }
    out
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// One vote for its page: as the list shows it, with the live tally.
pub async fn get(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<(VoteItem, Tally)> {
    let v = load(st, u, id).await?;
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    let (can_vote, share) = match (u.role, u.resident_id) {
        (Role::Resident, Some(r)) => {
            let o = owner_key_of_resident(r);
            let f = crate::votes::cache::frozen(st, v.id).await?;
            let voted = store::has_voted(&mut tx, v.id, &o).await?;
            (
                f.owners.contains(&o) && !voted && may_cast_online(&v, now),
                share_of(&v, &f.units, &o),
            )
        }
        _ => (false, None),
    };
    drop(tx);
    let t = tally(st, id).await?;
    Ok((item(v, can_vote, share), t))
}
