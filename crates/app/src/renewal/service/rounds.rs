//! Rounds of selection: staff put feasible projects to the residents with a budget, a rule
//! (greedy by approvals, or the Method of Equal Shares) and dated phases; residents cast
//! approval ballots once, under a pseudonym; at the close the rule runs, each project's
//! votes, cost and why are kept, and the whole election (ballots included) is published as
//! a pabulib file on the ledger so anyone can recount it with `gongzhi budget tally`.
//! Rounds can also be imported from a pabulib file.

use gongzhi_core::budget::{self, Election, Rule, Why};
use gongzhi_core::identity::Role;
use gongzhi_core::ledger::DocKind;
use serde::{Deserialize, Serialize};

use super::super::store::{self, ItemRow, RoundRow};
use super::{Money, community_of, invalid, manages, must_manage, must_read, resident, text};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

const VOTER_FIELD: &str = "renewal.voter";

/// A voter's pseudonym in a round's public file.
pub(crate) fn pseudonym(st: &AppState, round: i64, resident: i64) -> String {
    let h = st
        .cipher
        .blind_index(VOTER_FIELD, &format!("{round}|{resident}"));
    h.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect()
}

/// Local time (Beijing) `YYYY-MM-DDTHH:MM` → ms.
fn local_ms(s: &str, f: &'static str) -> AppResult<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| invalid("DATE_INVALID", f))?;
    Ok(t.and_utc().timestamp_millis() - 8 * 3600 * 1000)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewRoundRequest {
    /// Street staff: the community (default: their first).
    pub community: Option<i64>,
    pub title: String,
    /// The community's budget for the round, in fen.
    pub budget_fen: i64,
    /// `greedy` or `mes` (Method of Equal Shares).
    pub rule: String,
    /// Voting opens and closes, local time `YYYY-MM-DDTHH:MM`.
    pub vote_opens: String,
    pub vote_closes: String,
    /// The feasible projects put to the vote.
    pub projects: Vec<i64>,
}

/// Opens a round with feasible projects (staff). Returns its id.
pub async fn create_round(st: &AppState, u: &CurrentUser, r: &NewRoundRequest) -> AppResult<i64> {
    let c = community_of(st, u, r.community).await?;
    must_manage(st, u, c)?;
    let title = text(&r.title, 60, "SUBJECT_INVALID", "title")?;
    if r.budget_fen <= 0 || r.budget_fen > gongzhi_core::ledger::MAX_AMOUNT_FEN {
        return Err(invalid("BUDGET_INVALID", "budget_fen"));
    }
    let rule = Rule::parse(&r.rule).ok_or(invalid("RULE_UNKNOWN", "rule"))?;
    let opens = local_ms(&r.vote_opens, "vote_opens")?;
    let closes = local_ms(&r.vote_closes, "vote_closes")?;
    if closes <= opens {
        return Err(invalid("DATE_INVALID", "vote_closes"));
    }
    let mut ids = r.projects.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(invalid("RENEWAL_NO_PROJECTS", "projects"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_round(
        &mut tx,
        &RoundRow {
            id: 0,
            community_id: c,
            title,
            budget_fen: r.budget_fen,
            rule: rule.code().into(),
            vote_opens: opens,
            vote_closes: closes,
            closed_at: None,
            result: None,
            document_id: None,
            imported: 0,
        },
        u.id,
        now,
    )
    .await?;
    for pid in &ids {
        let p = store::project(&mut tx, *pid)
            .await?
            .filter(|p| p.community_id == c)
            .ok_or(invalid("RENEWAL_PROJECT_UNKNOWN", "projects"))?;
        if p.stage != "feasible"
            || !store::move_stage(&mut tx, p.id, "feasible", "selection", now).await?
        {
            return Err(AppError::Conflict("RENEWAL_STAGE"));
        }
        store::set_i64(&mut tx, p.id, "round_id", Some(id)).await?;
        store::insert_item(
            &mut tx,
            id,
            &ItemRow {
                item_key: p.id.to_string(),
                project_id: Some(p.id),
                name: p.title.clone(),
                cost_fen: p.cost_fen.unwrap_or(0),
            },
        )
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.round", "renewal_round", id).with(serde_json::json!({
            "community": c, "rule": rule.code(), "budget_fen": r.budget_fen, "projects": ids,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    /// The project's id in the round's pabulib file.
    pub key: String,
    pub project_id: Option<i64>,
    pub name: String,
    pub cost: Money,
    /// Approvals (shown once the round is closed).
    pub votes: Option<i64>,
    pub selected: bool,
    /// `selected` (with `order`), `no_money_left` (greedy: `amount` was left when its
    /// turn came) or `supporters_short` (MES: its supporters held only `amount`).
    pub why: Option<String>,
    pub order: Option<i64>,
    pub amount: Option<Money>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundView {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub budget: Money,
    /// `greedy` or `mes`.
    pub rule: String,
    /// `upcoming`, `voting`, `counting` (voting closed, not yet tallied) or `closed`.
    pub phase: String,
    pub vote_opens: String,
    pub vote_closes: String,
    pub ballots: i64,
    /// The caller's own approvals, if they voted (item keys).
    pub my_ballot: Option<Vec<String>>,
    pub items: Vec<ItemView>,
    /// The cost of the selected projects.
    pub selected_cost: Option<Money>,
    /// The published pabulib file (公示, on the ledger).
    pub document_id: Option<i64>,
    pub imported: bool,
    pub manages: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundSummary {
    pub id: i64,
    pub title: String,
    pub rule: String,
    pub phase: String,
    pub budget: Money,
    pub vote_closes: String,
}

fn phase(r: &RoundRow, now: i64) -> &'static str {
    if r.closed_at.is_some() {
        "closed"
    } else if now < r.vote_opens {
        "upcoming"
    } else if now < r.vote_closes {
        "voting"
    } else {
        "counting"
    }
}

/// A community's rounds, newest first.
pub async fn rounds(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<RoundSummary>> {
    must_read(st, u, c).await?;
    let mut tx = st.db.read().await?;
    let now = st.now_ms();
    Ok(store::rounds(&mut tx, c)
        .await?
        .into_iter()
        .map(|r| RoundSummary {
            id: r.id,
            title: r.title.clone(),
            rule: r.rule.clone(),
            phase: phase(&r, now).into(),
            budget: r.budget_fen.into(),
            vote_closes: crate::clock::format_cn(r.vote_closes),
        })
        .collect())
}

async fn load(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<RoundRow> {
    let mut tx = st.db.read().await?;
    let r = store::round(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    must_read(st, u, r.community_id).await?;
    Ok(r)
}

/// The result kept at the close.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Result {
    selected: Vec<String>,
    cost_fen: i64,
    votes: Vec<(String, i64)>,
    /// (key, why, order, amount in fen)
    why: Vec<(String, String, Option<i64>, Option<i64>)>,
}

fn fen(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

pub async fn round(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<RoundView> {
    let r = load(st, u, id).await?;
    let mut tx = st.db.read().await?;
    let items = store::items(&mut tx, id).await?;
    let ballots = store::ballot_count(&mut tx, id).await?;
    let my_ballot = match (u.role, u.resident_id) {
        (Role::Resident | Role::BuildingHead, Some(me)) => {
            store::ballot_of(&mut tx, id, &pseudonym(st, id, me))
                .await?
                .map(|s| {
                    s.split(',')
                        .filter(|x| !x.is_empty())
                        .map(String::from)
                        .collect()
                })
        }
        _ => None,
    };
    drop(tx);
    let result: Option<Result> = r
        .result
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    let items = items
        .into_iter()
        .map(|i| {
            let w = result
                .as_ref()
                .and_then(|x| x.why.iter().find(|w| w.0 == i.item_key));
            ItemView {
                votes: result
                    .as_ref()
                    .and_then(|x| x.votes.iter().find(|v| v.0 == i.item_key))
                    .map(|v| v.1),
                selected: result
                    .as_ref()
                    .is_some_and(|x| x.selected.contains(&i.item_key)),
                why: w.map(|w| w.1.clone()),
                order: w.and_then(|w| w.2),
                amount: w.and_then(|w| w.3).map(Money::from),
                key: i.item_key,
                project_id: i.project_id,
                name: i.name,
                cost: i.cost_fen.into(),
            }
        })
        .collect();
    Ok(RoundView {
        id,
        community_id: r.community_id,
        title: r.title.clone(),
        budget: r.budget_fen.into(),
        rule: r.rule.clone(),
        phase: phase(&r, st.now_ms()).into(),
        vote_opens: crate::clock::format_cn(r.vote_opens),
        vote_closes: crate::clock::format_cn(r.vote_closes),
        ballots,
        my_ballot,
        items,
        selected_cost: result.as_ref().map(|x| x.cost_fen.into()),
        document_id: r.document_id,
        imported: r.imported == 1,
        manages: manages(st, u, r.community_id),
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RoundBallot {
    /// The projects the voter approves (any number, at least one).
    pub projects: Vec<i64>,
    /// Staff entering a paper ballot: the voter's mobile number.
    pub phone: Option<String>,
}

/// Casts an approval ballot: a resident once per round while voting is open; staff enter a
/// paper ballot for a resident by phone.
pub async fn ballot(st: &AppState, u: &CurrentUser, id: i64, b: &RoundBallot) -> AppResult<()> {
    let r = load(st, u, id).await?;
    let (voter, channel) = match b.phone.as_deref().map(str::trim) {
        Some(ph) if !ph.is_empty() => {
            must_manage(st, u, r.community_id)?;
            let who = crate::residents::service::id_by_phone(st, u, ph)
                .await
                .map_err(|_| invalid("RESIDENT_UNKNOWN", "phone"))?;
            (who, "paper")
        }
        _ => (resident(u)?, "online"),
    };
    let now = st.now_ms();
    if r.imported == 1 || phase(&r, now) != "voting" {
        return Err(AppError::Conflict("RENEWAL_ROUND_NOT_OPEN"));
    }
    let mut tx = st.db.begin().await?;
    let items = store::items(&mut tx, id).await?;
    let mut keys: Vec<String> = vec![];
    for p in &b.projects {
        let k = p.to_string();
        if !items.iter().any(|i| i.item_key == k) {
            return Err(invalid("RENEWAL_PROJECT_UNKNOWN", "projects"));
        }
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        return Err(invalid("RENEWAL_BALLOT_EMPTY", "projects"));
    }
    let pseud = pseudonym(st, id, voter);
    if !store::insert_ballot(
        &mut tx,
        id,
        &pseud,
        &keys.join(","),
        channel,
        Some(u.id),
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("BALLOT_EXISTS"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.ballot", "renewal_round", id)
            .with(serde_json::json!({"channel": channel, "approvals": keys.len()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The round as an election (ballots in the order they were cast).
async fn election(st: &AppState, tx: &mut crate::db::Tx, r: &RoundRow) -> AppResult<Election> {
    let items = store::items(tx, r.id).await?;
    let ballots = store::ballots(tx, r.id).await?;
    let community = st
        .org_map()
        .unit(r.community_id)
        .map(|x| x.name.clone())
        .unwrap_or_default();
    let meta = vec![
        ("description".to_string(), r.title.clone()),
        ("country".into(), "China".into()),
        ("unit".into(), community),
        ("instance".into(), format!("gongzhi-round-{}", r.id)),
        ("currency".into(), "CNY".into()),
        ("language".into(), "zh".into()),
        ("date_begin".into(), crate::clock::date_cn(r.vote_opens)),
        ("date_end".into(), crate::clock::date_cn(r.vote_closes)),
        (
            "rule".into(),
            if r.rule == "mes" {
                "equalshares"
            } else {
                "greedy"
            }
            .into(),
        ),
    ];
    let projects: Vec<budget::Project> = items
        .iter()
        .map(|i| budget::Project {
            id: i.item_key.clone(),
            cost: i.cost_fen as f64 / 100.0,
            name: i.name.clone(),
            extra: vec![],
        })
        .collect();
    let votes = ballots
        .into_iter()
        .map(|(voter, keys)| {
            let v = keys
                .split(',')
                .filter_map(|k| items.iter().position(|i| i.item_key == k))
                .collect();
            (voter, v)
        })
        .collect();
    Ok(Election {
        meta,
        budget: r.budget_fen as f64 / 100.0,
        projects,
        votes,
    })
}

/// Runs the rule on `e` and keeps the result.
fn tally(e: &Election, rule: Rule) -> Result {
    let s = budget::select(e, rule);
    let approvals = e.approvals();
    Result {
        selected: s
            .selected
            .iter()
            .map(|&i| e.projects[i].id.clone())
            .collect(),
        cost_fen: fen(s.cost),
        votes: e
            .projects
            .iter()
            .zip(&approvals)
            .map(|(p, n)| (p.id.clone(), *n as i64))
            .collect(),
        why: e
            .projects
            .iter()
            .zip(&s.why)
            .map(|(p, w)| match *w {
                Why::Selected { order } => {
                    (p.id.clone(), "selected".into(), Some(order as i64), None)
                }
                Why::NoMoneyLeft { left } => {
                    (p.id.clone(), "no_money_left".into(), None, Some(fen(left)))
                }
                Why::SupportersShort { held } => (
                    p.id.clone(),
                    "supporters_short".into(),
                    None,
                    Some(fen(held)),
                ),
            })
            .collect(),
    }
}

/// Closes a round once voting has ended (staff): runs the rule, publishes the election
/// with every ballot as a pabulib file on the ledger, and moves the projects on: the
/// selected to funding, the others back to feasible for a later round.
pub async fn close(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<()> {
    let r = load(st, u, id).await?;
    must_manage(st, u, r.community_id)?;
    let now = st.now_ms();
    match phase(&r, now) {
        "closed" => return Err(AppError::Conflict("RENEWAL_ROUND_CLOSED")),
        "counting" => {}
        _ => return Err(AppError::Conflict("RENEWAL_ROUND_OPEN")),
    }
    let mut tx = st.db.begin().await?;
    close_in(st, &mut tx, u, &r, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn close_in(
    st: &AppState,
    tx: &mut crate::db::Tx,
    u: &CurrentUser,
    r: &RoundRow,
    now: i64,
) -> AppResult<()> {
    let rule = Rule::parse(&r.rule).unwrap_or(Rule::Greedy);
    let e = election(st, tx, r).await?;
    let result = tally(&e, rule);
    let file = budget::pabulib::write(&e);
    let (doc, index) = crate::funds::service::publish_text_in(
        st,
        tx,
        r.community_id,
        DocKind::Report,
        &format!("{}：投票结果与全部选票（pabulib）", r.title),
        &file,
        Some(u.id),
        now,
    )
    .await?;
    let json = serde_json::to_string(&result).map_err(|e| AppError::Internal(e.into()))?;
    if !store::close_round(tx, r.id, &json, doc, now).await? {
        return Err(AppError::Conflict("RENEWAL_ROUND_CLOSED"));
    }
    for p in store::projects_of_round(tx, r.id).await? {
        if p.stage != "selection" {
            continue;
        }
        let chosen = result.selected.contains(&p.id.to_string());
        let (to, told) = if chosen {
            (
                "funding",
                format!("“{}”在居民投票中入选，进入筹资阶段。", p.title),
            )
        } else {
            (
                "feasible",
                format!("“{}”本轮未入选，可参加下一轮投票。", p.title),
            )
        };
        store::move_stage(tx, p.id, "selection", to, now).await?;
        super::tell_proposer(st, tx, &p, &told, now).await?;
    }
    audit::record(
        tx,
        now,
        &u.actor(),
        Event::ok("renewal.close", "renewal_round", r.id).with(serde_json::json!({
            "rule": r.rule, "ballots": e.votes.len(), "selected": result.selected,
            "document": doc, "ledger_index": index,
        })),
    )
    .await?;
    Ok(())
}

/// A closed round as a pabulib file, every ballot under its pseudonym (public to whoever
/// may read the round; the same bytes are published on the ledger at the close).
pub async fn export_pb(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<String> {
    let r = load(st, u, id).await?;
    if r.closed_at.is_none() {
        return Err(AppError::Conflict("RENEWAL_ROUND_OPEN"));
    }
    let mut tx = st.db.read().await?;
    let e = election(st, &mut tx, &r).await?;
    Ok(budget::pabulib::write(&e))
}

/// Imports a round held elsewhere (staff) from a pabulib file and tallies it with `rule`
/// at once. A malformed file is refused with its code and line (the inner error).
/// Returns the round's id.
pub async fn import_pb(
    st: &AppState,
    u: &CurrentUser,
    community: Option<i64>,
    rule: &str,
    text_pb: &str,
) -> AppResult<std::result::Result<i64, budget::PbError>> {
    let c = community_of(st, u, community).await?;
    must_manage(st, u, c)?;
    let rule = Rule::parse(rule).ok_or(invalid("RULE_UNKNOWN", "rule"))?;
    let e = match budget::pabulib::parse(text_pb) {
        Ok(e) => e,
        Err(e) => return Ok(Err(e)),
    };
    if e.budget * 100.0 > gongzhi_core::ledger::MAX_AMOUNT_FEN as f64 {
        return Err(invalid("BUDGET_INVALID", "file"));
    }
    let title = e
        .meta("description")
        .map(|d| d.chars().take(60).collect::<String>())
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| "导入的投票".into());
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_round(
        &mut tx,
        &RoundRow {
            id: 0,
            community_id: c,
            title,
            budget_fen: fen(e.budget),
            rule: rule.code().into(),
            vote_opens: now,
            vote_closes: now,
            closed_at: None,
            result: None,
            document_id: None,
            imported: 1,
        },
        u.id,
        now,
    )
    .await?;
    for p in &e.projects {
        store::insert_item(
            &mut tx,
            id,
            &ItemRow {
                item_key: p.id.clone(),
                project_id: None,
                name: p.name.clone(),
                cost_fen: fen(p.cost),
            },
        )
        .await?;
    }
    for (voter, v) in &e.votes {
        let keys: Vec<&str> = v.iter().map(|&i| e.projects[i].id.as_str()).collect();
        store::insert_ballot(
            &mut tx,
            id,
            voter,
            &keys.join(","),
            "import",
            Some(u.id),
            now,
        )
        .await?;
    }
    let r = store::round(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    close_in(st, &mut tx, u, &r, now).await?;
    tx.commit().await?;
    Ok(Ok(id))
}
