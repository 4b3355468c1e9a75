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

use gongzhi_core::ledger::{Entry, VERSION, VoteBallot, VoteClosed, VoteOpened, VoteRecord};
use sha2::{Digest, Sha256};

use super::store;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::ledger::service as ledger;
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
        return Ok(super::cache::frozen(st, v.id)
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
                let f = super::cache::frozen(st, v.id).await?;
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

/// A ballot: an owner's own (`choice` only), or one entered by staff.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BallotRequest {
    /// `agree`, `disagree` or `abstain`.
    pub choice: String,
    /// Staff: `paper` (a paper ballot), `proxy` (with a written authorisation) or `door`
    /// (a building head collecting door to door).
    pub channel: Option<String>,
    /// Staff: the owner's unit number in the register (`1-101`).
    pub owner: Option<String>,
    /// Staff, for `paper` and `proxy`: the scanned ballot or authorisation (a data URL or
    /// base64 of a JPEG, PNG or PDF, at most 4 MB).
    pub attachment: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BallotReceipt {
    pub vote_id: i64,
    /// The owner's pseudonym in this vote's public files.
    pub owner: String,
    pub choice: String,
    pub channel: String,
}

/// Casts (or enters) a ballot. `409 BALLOT_EXISTS` when the owner has one already.
pub async fn cast(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    req: &BallotRequest,
) -> AppResult<BallotReceipt> {
    let v = load(st, u, id).await?;
    let choice = Choice::parse(&req.choice).ok_or(AppError::Invalid {
        code: "CHOICE_INVALID",
        field: Some("choice"),
    })?;
    let f = super::cache::frozen(st, v.id).await?;
    let (owner_key, channel, attachment) = match u.role {
        Role::Resident => {
            if req.channel.is_some() || req.owner.is_some() || req.attachment.is_some() {
                return Err(AppError::Forbidden("STAFF_ONLY"));
            }
            let key = u.resident_id.map(owner_key_of_resident).unwrap_or_default();
            if !f.owners.contains(&key) {
                return Err(AppError::Forbidden("NOT_AN_OWNER"));
            }
            if !v.online_voting {
                return Err(AppError::Forbidden("ONLINE_VOTING_OFF"));
            }
            (key, "online", None)
        }
        Role::CommunityStaff | Role::StreetStaff | Role::BuildingHead => {
            let channel = match (u.role, req.channel.as_deref()) {
                (Role::BuildingHead, Some("door")) => "door",
                (Role::CommunityStaff | Role::StreetStaff, Some(c @ ("paper" | "proxy"))) => c,
                _ => {
                    return Err(AppError::Invalid {
                        code: "CHANNEL_INVALID",
                        field: Some("channel"),
                    });
                }
            };
            if u.role == Role::BuildingHead
                && !(v.scope == "building" && u.scope == Scope::Building(v.scope_id))
            {
                return Err(AppError::Forbidden("OUT_OF_SCOPE"));
            }
            let unit = req.owner.as_deref().map(str::trim).unwrap_or("");
            let key = f.by_unit.get(unit).cloned().ok_or(AppError::Invalid {
                code: "OWNER_UNKNOWN",
                field: Some("owner"),
            })?;
            let attachment = match (channel, req.attachment.as_deref()) {
                ("door", _) => None,
                (_, Some(a)) => {
                    let bytes =
                        crate::cases::service::data_url_bytes(a).ok_or(AppError::Invalid {
                            code: "ATTACHMENT_INVALID",
                            field: Some("attachment"),
                        })?;
                    let pdf = bytes.starts_with(b"%PDF-");
                    if bytes.len() > 4 << 20
                        || (!pdf && crate::cases::service::sniff_image(&bytes).is_none())
                    {
                        return Err(AppError::Invalid {
                            code: "ATTACHMENT_INVALID",
                            field: Some("attachment"),
                        });
                    }
                    use base64::Engine as _;
                    Some(st.cipher.encrypt(
                        ATTACHMENT_FIELD,
                        &base64::engine::general_purpose::STANDARD.encode(&bytes),
                    ))
                }
                (_, None) => {
                    return Err(AppError::Invalid {
                        code: "ATTACHMENT_REQUIRED",
                        field: Some("attachment"),
                    });
                }
            };
            (key, channel, attachment)
        }
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    let now = st.now_ms();
    if !is_open(&v, now) {
        return Err(AppError::Conflict("VOTE_CLOSED"));
    }
    let mut tx = st.db.begin().await?;
    // The log's head first: ballots and the closing of a vote take it in the same order,
    // so no ballot lands after the closing count (and each ballot's entry follows its row).
    ledger::reserve_next(&mut tx).await?;
    let v = store::find(&mut tx, v.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !is_open(&v, now) {
        return Err(AppError::Conflict("VOTE_CLOSED"));
    }
    let fresh = store::insert_ballot(
        &mut tx,
        &store::NewBallot {
            vote_id: v.id,
            owner_key: &owner_key,
            choice: choice.code(),
            channel,
            entered_by: Some(u.id),
            attachment_sealed: attachment.as_deref(),
            now,
        },
    )
    .await?;
    if !fresh {
        return Err(AppError::Conflict("BALLOT_EXISTS"));
    }
    let owner = pseudonym(st, v.id, &owner_key);
    ledger::append(
        &mut tx,
        &[Entry::Vote(VoteRecord::Ballot(VoteBallot {
            v: VERSION,
            vote: v.id,
            community_id: v.community_id,
            owner: owner.clone(),
            choice: choice.code().into(),
            channel: channel.into(),
            recorded_ms: now,
        }))],
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("vote.ballot", "vote", v.id)
            .with(serde_json::json!({"owner": owner, "channel": channel})),
    )
    .await?;
    tx.commit().await?;
    Ok(BallotReceipt {
        vote_id: v.id,
        owner,
        choice: choice.code().into(),
        channel: channel.into(),
    })
}

/// The live count (public: areas, heads and the result, no owners).
pub async fn tally(st: &AppState, id: i64) -> AppResult<Tally> {
    let mut tx = st.db.read().await?;
    let v = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    let f = super::cache::frozen(st, id).await?;
    let t = super::cache::tally(st, id, |ballots| count(&v, &f.reg, ballots)).await?;
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
        &super::cache::frozen(st, id).await?.units,
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

/// A community's local rules for owners' votes (per community, never hard-coded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LocalRules {
    /// Owners may cast their own ballot online (otherwise paper, proxy and door only).
    pub online_voting: bool,
    /// Non-voters are counted with the majority, where the assembly's rules say so.
    pub non_voters_follow: bool,
    /// How many residents' support puts a matter (议题) on the council's agenda.
    #[serde(default = "default_threshold")]
    pub support_threshold: i64,
}

fn default_threshold() -> i64 {
    10
}

impl Default for LocalRules {
    fn default() -> Self {
        LocalRules {
            online_voting: true,
            non_voters_follow: false,
            support_threshold: default_threshold(),
        }
    }
}

async fn rules_in(tx: &mut crate::db::Tx, community: i64) -> AppResult<LocalRules> {
    Ok(store::rules(tx, community)
        .await?
        .map(
            |(online_voting, non_voters_follow, support_threshold)| LocalRules {
                online_voting,
                non_voters_follow,
                support_threshold,
            },
        )
        .unwrap_or_default())
}

/// The community's local rules (public: they decide how votes are counted).
pub async fn rules(st: &AppState, community: i64) -> AppResult<LocalRules> {
    if st
        .org_map()
        .unit(community)
        .is_none_or(|c| c.level != "community")
    {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    rules_in(&mut tx, community).await
}

/// Community staff (or street staff over it) set the community's local rules; audited with
/// the before and after. Votes already open keep the rules they opened with.
pub async fn set_rules(
    st: &AppState,
    u: &CurrentUser,
    community: i64,
    r: LocalRules,
) -> AppResult<LocalRules> {
    let before = rules(st, community).await?;
    if !matches!(u.role, Role::CommunityStaff | Role::StreetStaff)
        || !st.org_map().unit_in_scope(community, u.scope)
    {
        return Err(AppError::Forbidden("OUT_OF_SCOPE"));
    }
    if !(1..=10_000).contains(&r.support_threshold) {
        return Err(AppError::Invalid {
            code: "THRESHOLD_INVALID",
            field: Some("support_threshold"),
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::set_rules(
        &mut tx,
        community,
        r.online_voting,
        r.non_voters_follow,
        r.support_threshold,
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("vote.rules", "community", community)
            .with(serde_json::json!({"before": before, "after": r})),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
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

/// One vote for its page: as the list shows it, with the live tally.
pub async fn get(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<(VoteItem, Tally)> {
    let v = load(st, u, id).await?;
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    let (can_vote, share) = match (u.role, u.resident_id) {
        (Role::Resident, Some(r)) => {
            let o = owner_key_of_resident(r);
            let f = super::cache::frozen(st, v.id).await?;
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

/// Closes the votes whose time is up: the tally at that moment is the result, stored with
/// the vote, audited and on the log; no ballot is taken after (`VOTE_CLOSED`). Returns how
/// many closed.
pub async fn close_due(st: &AppState) -> AppResult<usize> {
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    let due = store::due_to_close(&mut tx, now).await?;
    drop(tx);
    let mut closed = 0;
    for id in due {
        if close_vote(st, id, &crate::audit::Actor::named("votes"), None).await? {
            closed += 1;
        }
    }
    Ok(closed)
}

/// Closes one vote with the count of this moment (false: it was closed already).
async fn close_vote(
    st: &AppState,
    id: i64,
    actor: &crate::audit::Actor,
    reason: Option<&str>,
) -> AppResult<bool> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    // The log's head first, as a ballot takes it: the count below is final.
    ledger::reserve_next(&mut tx).await?;
    let v = store::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if v.status != "open" {
        return Ok(false);
    }
    let units = store::frozen(&mut tx, id).await?;
    let ballots = store::ballots(&mut tx, id).await?;
    let reg = Register::new(&to_units(&units)).map_err(|e| AppError::Internal(e.into()))?;
    let t = count(&v, &reg, &ballots)?;
    let result = serde_json::to_string(&t).map_err(|e| AppError::Internal(e.into()))?;
    if !store::close(&mut tx, id, &result).await? {
        return Ok(false);
    }
    ledger::append(
        &mut tx,
        &[Entry::Vote(VoteRecord::Closed(VoteClosed {
            v: VERSION,
            vote: id,
            community_id: v.community_id,
            matter: t.matter.code().into(),
            class: t.class.code().into(),
            total_area_e4: t.exact.total_area,
            total_heads: t.total_heads,
            participating_area_e4: t.exact.participating_area,
            participating_heads: t.participating_heads,
            agree_area_e4: t.exact.agree_area,
            agree_heads: t.agree_heads,
            quorum: t.quorum,
            passed: t.passed,
            ballots_sha256: sha256_hex(&ballots_text(st, id, &ballots)),
            recorded_ms: now,
        }))],
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("vote.close", "vote", id).with(serde_json::json!({
            "quorum": t.quorum, "passed": t.passed,
            "participating_heads": t.participating_heads,
            "reason": reason,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Staff of the vote's area close it before its time (all ballots are in, or the assembly
/// so decided), with the reason recorded. `409 VOTE_CLOSED` when it is closed already.
pub async fn close_now(st: &AppState, u: &CurrentUser, id: i64, reason: &str) -> AppResult<()> {
    let v = load(st, u, id).await?;
    if !matches!(u.role, Role::CommunityStaff | Role::StreetStaff) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::Invalid {
            code: "REASON_REQUIRED",
            field: Some("reason"),
        });
    }
    if !close_vote(st, v.id, &u.actor(), Some(reason)).await? {
        return Err(AppError::Conflict("VOTE_CLOSED"));
    }
    Ok(())
}

/// One unit of a vote's register as the entry sheet shows it to staff.
#[derive(Debug, Clone, Serialize)]
pub struct SheetRow {
    pub unit: String,
    pub floor: i64,
    /// How this owner's ballot came in (`online`, `paper`, `proxy`, `door`), if it has.
    pub channel: Option<String>,
}

/// What the caller may enter on a vote's page: the channels open to them and the register
/// with who has voted (None: they enter no ballots here).
pub struct Sheet {
    pub channels: Vec<&'static str>,
    pub rows: Vec<SheetRow>,
    /// Community and street staff may close the vote before its time, with a reason.
    pub may_close: bool,
}

/// The entry sheet of a vote for staff and building heads (units only; names stay in the
/// register). None for everyone else, or once the vote is closed.
pub async fn sheet(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<Option<Sheet>> {
    let v = load(st, u, id).await?;
    let channels = match u.role {
        Role::CommunityStaff | Role::StreetStaff => vec!["paper", "proxy"],
        Role::BuildingHead if v.scope == "building" && u.scope == Scope::Building(v.scope_id) => {
            vec!["door"]
        }
        _ => return Ok(None),
    };
    if !is_open(&v, st.now_ms()) {
        return Ok(None);
    }
    let units = super::cache::frozen(st, id).await?.units.clone();
    let mut tx = st.db.read().await?;
    let voted: std::collections::HashMap<String, String> =
        store::channels(&mut tx, id).await?.into_iter().collect();
    let rows = units
        .into_iter()
        .map(|x| SheetRow {
            channel: voted.get(&x.owner_key).cloned(),
            unit: x.unit,
            floor: x.floor,
        })
        .collect();
    Ok(Some(Sheet {
        may_close: u.role != Role::BuildingHead,
        channels,
        rows,
    }))
}

/// Closes votes as their time runs out (every minute).
pub async fn watch(st: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        match close_due(&st).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "votes closed"),
            Err(e) => tracing::warn!(error = %e, "closing votes failed; retrying next minute"),
        }
    }
}
