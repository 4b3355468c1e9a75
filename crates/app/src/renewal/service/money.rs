//! A selected project's money and works: the funding plan and its three sources (the
//! subsidy, crowdfunding pledges with Cobudget's minimum and maximum, the residents'
//! share), all as movements in the 微更新基金 book; milestones with % and photos; payments
//! with published receipts; acceptance with the final account. What follows, the space
//! adopted and used, is in `space`.

use gongzhi_core::ledger::{Book, Category, Direction, DocKind};
use gongzhi_core::pii::mask_name;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::super::store::{self, NewPledge, ProjectRow};
use super::projects::{ProjectAction, load, photo_href};
use super::{Money, invalid, manages, resident, tell_proposer, text, today};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::funds::service::{self as funds, MovementIn, MovementView};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PledgeView {
    pub id: i64,
    /// `resident`, `partner` or `company`.
    pub kind: String,
    /// A resident masked (张*), an organisation in full.
    pub pledger: String,
    pub amount: Money,
    /// `pledged` or `collected` (then in the book, as this movement).
    pub status: String,
    pub movement_id: Option<i64>,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FundingView {
    /// The funding plan, once staff set it.
    pub planned: bool,
    pub cost: Option<Money>,
    pub subsidy: Option<Money>,
    pub share: Option<Money>,
    /// Crowdfunding's minimum (what the cost leaves after subsidy and share) and maximum.
    pub crowd_min: Option<Money>,
    pub crowd_max: Option<Money>,
    pub pledged: Money,
    pub pledges: Vec<PledgeView>,
    pub crowd_closed: bool,
    /// Received, from the book: subsidy, share, crowdfunding; and paid out.
    pub received_subsidy: Money,
    pub received_share: Money,
    pub received_crowd: Money,
    pub received: Money,
    pub spent: Money,
    pub balance: Money,
    /// Every movement of the project, in the 微更新基金 book and on the ledger.
    pub movements: Vec<(String, MovementView)>,
}

fn crowd_min(p: &ProjectRow) -> Option<i64> {
    Some((p.cost_fen? - p.subsidy_fen? - p.share_fen?).max(0))
}

/// What the book holds for the project, by part.
async fn sums(tx: &mut crate::db::Tx, project: i64) -> AppResult<(i64, i64, i64, i64)> {
    let rows = store::sums(tx, project).await?;
    let of = |k: &str| {
        rows.iter()
            .find(|(p, _)| p == k)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    Ok((
        of("subsidy"),
        of("share"),
        of("crowdfunding"),
        of("spending"),
    ))
}

pub(super) async fn funding(st: &AppState, p: &ProjectRow) -> AppResult<FundingView> {
    let mut tx = st.db.read().await?;
    let pledges = store::pledges(&mut tx, p.id).await?;
    let (sub, share, crowd, spent) = sums(&mut tx, p.id).await?;
    let links = store::movements(&mut tx, p.id).await?;
    drop(tx);
    let ids: Vec<i64> = links.iter().map(|l| l.0).collect();
    let views = funds::movements_by_id(st, &ids).await?;
    let movements = links
        .into_iter()
        .zip(views)
        .map(|((_, part), v)| (part, v))
        .collect();
    let pledged: i64 = pledges.iter().map(|x| x.amount_fen).sum();
    Ok(FundingView {
        planned: p.subsidy_fen.is_some(),
        cost: p.cost_fen.map(Money::from),
        subsidy: p.subsidy_fen.map(Money::from),
        share: p.share_fen.map(Money::from),
        crowd_min: crowd_min(p).map(Money::from),
        crowd_max: p.crowd_max_fen.map(Money::from),
        pledged: pledged.into(),
        pledges: pledges
            .into_iter()
            .map(|x| PledgeView {
                id: x.id,
                kind: x.kind,
                pledger: x.pledger,
                amount: x.amount_fen.into(),
                status: x.status,
                movement_id: x.movement_id,
                at_ms: x.created_at,
            })
            .collect(),
        crowd_closed: p.crowd_closed == 1,
        received_subsidy: sub.into(),
        received_share: share.into(),
        received_crowd: crowd.into(),
        received: (sub + share + crowd).into(),
        spent: spent.into(),
        balance: (sub + share + crowd - spent).into(),
        movements,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MilestoneView {
    pub id: i64,
    pub title: String,
    pub percent: i64,
    pub note: String,
    pub photo: Option<String>,
    pub at_ms: i64,
}

pub(super) async fn milestones(st: &AppState, id: i64) -> AppResult<Vec<MilestoneView>> {
    let mut tx = st.db.read().await?;
    Ok(store::milestones(&mut tx, id)
        .await?
        .into_iter()
        .map(|m| MilestoneView {
            id: m.id,
            title: m.title,
            percent: m.percent,
            note: m.note,
            photo: m.photo_id.map(photo_href),
            at_ms: m.created_at,
        })
        .collect())
}

pub(super) fn day_or_today(st: &AppState, on: &Option<String>) -> AppResult<String> {
    match on.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| d.to_string())
            .map_err(|_| invalid("DATE_INVALID", "on")),
        _ => Ok(today(st)),
    }
}

fn amount(v: Option<i64>, f: &'static str) -> AppResult<i64> {
    match v {
        Some(n) if n > 0 && n <= gongzhi_core::ledger::MAX_AMOUNT_FEN => Ok(n),
        _ => Err(invalid("AMOUNT_INVALID", f)),
    }
}

/// Records a movement of the project in the 微更新基金 book and links it: its id.
#[allow(clippy::too_many_arguments)]
async fn move_money(
    st: &AppState,
    tx: &mut crate::db::Tx,
    u: &CurrentUser,
    p: &ProjectRow,
    part: &str,
    m: MovementIn<'_>,
    now: i64,
) -> AppResult<i64> {
    let (id, _) = funds::record_in(st, tx, p.community_id, &m, Some(u.id), now).await?;
    store::link_movement(tx, p.id, id, part).await?;
    Ok(id)
}

/// The money and works steps of `act`.
pub(super) async fn act(
    st: &AppState,
    u: &CurrentUser,
    p: &ProjectRow,
    a: &ProjectAction,
) -> AppResult<()> {
    let in_stage = |s: &str| -> AppResult<()> {
        if p.stage == s {
            Ok(())
        } else {
            Err(AppError::Conflict("RENEWAL_STAGE"))
        }
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    // Money steps take turns on the ledger's head, so two staff cannot both collect.
    crate::ledger::service::reserve_next(&mut tx).await?;
    let p = &store::project(&mut tx, p.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (sub, share, crowd, spent) = sums(&mut tx, p.id).await?;
    let approval = || {
        text(
            a.approval.as_deref().unwrap_or(""),
            200,
            "APPROVAL_REQUIRED",
            "approval",
        )
    };
    let counterparty = || {
        text(
            a.counterparty.as_deref().unwrap_or(""),
            100,
            "COUNTERPARTY_INVALID",
            "counterparty",
        )
    };
    let purpose = |what: &str| format!("微更新：{}（{what}）", p.title);
    let mut detail = serde_json::json!({"action": a.action});
    match a.action.as_str() {
        "plan" => {
            in_stage("funding")?;
            if sub + share + crowd > 0 {
                return Err(AppError::Conflict("RENEWAL_PLAN_FIXED"));
            }
            let cost = p.cost_fen.unwrap_or(0);
            let s = a.subsidy_fen.unwrap_or(-1);
            let r = a.share_fen.unwrap_or(-1);
            if s < 0 || r < 0 || s + r > cost {
                return Err(invalid("RENEWAL_PLAN_INVALID", "subsidy_fen"));
            }
            let min = cost - s - r;
            let max = a.crowd_max_fen.unwrap_or(min);
            if max < min || max > gongzhi_core::ledger::MAX_AMOUNT_FEN {
                return Err(invalid("RENEWAL_PLAN_INVALID", "crowd_max_fen"));
            }
            store::set_i64(&mut tx, p.id, "subsidy_fen", Some(s)).await?;
            store::set_i64(&mut tx, p.id, "share_fen", Some(r)).await?;
            store::set_i64(&mut tx, p.id, "crowd_max_fen", Some(max)).await?;
            detail = serde_json::json!({"action": "plan", "subsidy_fen": s, "share_fen": r, "crowd_max_fen": max});
        }
        "subsidy" => {
            in_stage("funding")?;
            let planned = p
                .subsidy_fen
                .ok_or(AppError::Conflict("RENEWAL_PLAN_MISSING"))?;
            if sub > 0 || planned == 0 {
                return Err(AppError::Conflict("RENEWAL_SUBSIDY_RECORDED"));
            }
            let from = counterparty()?;
            let id = move_money(
                st,
                &mut tx,
                u,
                p,
                "subsidy",
                MovementIn {
                    book: Book::Renewal,
                    direction: Direction::In,
                    category: Category::Subsidy,
                    amount_fen: planned,
                    purpose: &purpose("政府补贴"),
                    counterparty: &from,
                    approval: &approval()?,
                    occurred_on: &day_or_today(st, &a.on)?,
                    receipt_id: None,
                },
                now,
            )
            .await?;
            detail =
                serde_json::json!({"action": "subsidy", "movement": id, "amount_fen": planned});
        }
        "share" => {
            in_stage("funding")?;
            let planned = p
                .share_fen
                .ok_or(AppError::Conflict("RENEWAL_PLAN_MISSING"))?;
            let n = amount(a.amount_fen, "amount_fen")?;
            if share + n > planned {
                return Err(AppError::Conflict("RENEWAL_SHARE_OVER_PLAN"));
            }
            let from = counterparty()?;
            let id = move_money(
                st,
                &mut tx,
                u,
                p,
                "share",
                MovementIn {
                    book: Book::Renewal,
                    direction: Direction::In,
                    category: Category::ResidentShare,
                    amount_fen: n,
                    purpose: &purpose("居民自筹"),
                    counterparty: &from,
                    approval: &approval()?,
                    occurred_on: &day_or_today(st, &a.on)?,
                    receipt_id: None,
                },
                now,
            )
            .await?;
            detail = serde_json::json!({"action": "share", "movement": id, "amount_fen": n});
        }
        "collect" => {
            in_stage("funding")?;
            if p.crowd_closed == 1 {
                return Err(AppError::Conflict("RENEWAL_CROWD_CLOSED"));
            }
            let min = crowd_min(p).ok_or(AppError::Conflict("RENEWAL_PLAN_MISSING"))?;
            let pledges = store::pledges(&mut tx, p.id).await?;
            let total: i64 = pledges.iter().map(|x| x.amount_fen).sum();
            if total < min {
                return Err(AppError::Conflict("RENEWAL_CROWD_SHORT"));
            }
            let on = day_or_today(st, &a.on)?;
            for x in pledges.iter().filter(|x| x.status == "pledged") {
                let id = move_money(
                    st,
                    &mut tx,
                    u,
                    p,
                    "crowdfunding",
                    MovementIn {
                        book: Book::Renewal,
                        direction: Direction::In,
                        category: Category::Crowdfunding,
                        amount_fen: x.amount_fen,
                        purpose: &purpose("众筹"),
                        counterparty: &x.pledger,
                        approval: &format!("众筹达到最低目标 {} 元", super::yuan(min)),
                        occurred_on: &on,
                        receipt_id: None,
                    },
                    now,
                )
                .await?;
                store::pledge_collected(&mut tx, x.id, id).await?;
            }
            store::set_i64(&mut tx, p.id, "crowd_closed", Some(1)).await?;
            detail = serde_json::json!({"action": "collect", "pledges": pledges.len(), "amount_fen": total});
        }
        "start" => {
            in_stage("funding")?;
            let cost = p.cost_fen.unwrap_or(0);
            let done = p.crowd_closed == 1
                && p.subsidy_fen.is_some_and(|s| s == sub)
                && p.share_fen.is_some_and(|s| s == share);
            if !done || sub + share + crowd < cost {
                return Err(AppError::Conflict("RENEWAL_UNDERFUNDED"));
            }
            let on = day_or_today(st, &a.on)?;
            if !store::move_stage(&mut tx, p.id, "funding", "implementation", now).await? {
                return Err(AppError::Conflict("RENEWAL_STAGE"));
            }
            store::set_text(&mut tx, p.id, "works_started_on", Some(&on)).await?;
            tell_proposer(
                st,
                &mut tx,
                p,
                &format!("“{}”资金已到位，{on} 开工。", p.title),
                now,
            )
            .await?;
        }
        "milestone" => {
            in_stage("implementation")?;
            let title = text(
                a.title.as_deref().unwrap_or(""),
                60,
                "SUBJECT_INVALID",
                "title",
            )?;
            let last = store::milestones(&mut tx, p.id)
                .await?
                .last()
                .map(|m| m.percent)
                .unwrap_or(0);
            let pct = a.percent.unwrap_or(-1);
            if !(last..=100).contains(&pct) {
                return Err(invalid("PERCENT_INVALID", "percent"));
            }
            let note = a.text.as_deref().unwrap_or("").trim().to_string();
            if note.chars().count() > 500 {
                return Err(invalid("BODY_INVALID", "text"));
            }
            let photo = match &a.photo {
                Some(s) if !s.is_empty() => {
                    let ph = crate::cases::service::decode_photo(s)?;
                    let sha = hex::encode(Sha256::digest(&ph.bytes));
                    Some(
                        store::insert_photo(&mut tx, p.id, ph.mime, &sha, &ph.bytes, u.id, now)
                            .await?,
                    )
                }
                _ => None,
            };
            let id = store::insert_milestone(&mut tx, p.id, &title, pct, &note, photo, u.id, now)
                .await?;
            detail = serde_json::json!({"action": "milestone", "milestone": id, "percent": pct});
        }
        "spend" => {
            in_stage("implementation")?;
            let n = amount(a.amount_fen, "amount_fen")?;
            if spent + n > sub + share + crowd {
                return Err(AppError::Conflict("RENEWAL_OVER_BUDGET"));
            }
            let payee = counterparty()?;
            let what = text(
                a.text.as_deref().unwrap_or(""),
                100,
                "PURPOSE_INVALID",
                "text",
            )?;
            let bytes = a
                .receipt
                .as_deref()
                .and_then(crate::cases::service::data_url_bytes)
                .ok_or(invalid("RECEIPT_REQUIRED", "receipt"))?;
            let (doc, _) = funds::publish_file_in(
                st,
                &mut tx,
                p.community_id,
                DocKind::Receipt,
                &format!("收据：{payee}（{}）", p.title),
                &bytes,
                Some(u.id),
                now,
            )
            .await?;
            let id = move_money(
                st,
                &mut tx,
                u,
                p,
                "spending",
                MovementIn {
                    book: Book::Renewal,
                    direction: Direction::Out,
                    category: Category::Renewal,
                    amount_fen: n,
                    purpose: &purpose(&what),
                    counterparty: &payee,
                    approval: &approval()?,
                    occurred_on: &day_or_today(st, &a.on)?,
                    receipt_id: Some(doc),
                },
                now,
            )
            .await?;
            detail = serde_json::json!({"action": "spend", "movement": id, "receipt": doc, "amount_fen": n});
        }
        "accept" => {
            in_stage("implementation")?;
            let last = store::milestones(&mut tx, p.id)
                .await?
                .last()
                .map(|m| m.percent)
                .unwrap_or(0);
            if last < 100 {
                return Err(AppError::Conflict("RENEWAL_NOT_FINISHED"));
            }
            let note = text(
                a.text.as_deref().unwrap_or(""),
                500,
                "ACCEPTANCE_NOTE_INVALID",
                "text",
            )?;
            let on = day_or_today(st, &a.on)?;
            let account = final_account(&mut tx, p, &note, &on).await?;
            let (doc, _) = funds::publish_text_in(
                st,
                &mut tx,
                p.community_id,
                DocKind::Report,
                &format!("竣工验收与决算：{}", p.title),
                &account,
                Some(u.id),
                now,
            )
            .await?;
            if !store::move_stage(&mut tx, p.id, "implementation", "in_use", now).await? {
                return Err(AppError::Conflict("RENEWAL_STAGE"));
            }
            store::set_text(&mut tx, p.id, "accepted_on", Some(&on)).await?;
            store::set_i64(&mut tx, p.id, "account_document_id", Some(doc)).await?;
            tell_proposer(
                st,
                &mut tx,
                p,
                &format!("“{}”已竣工验收，决算已公示，欢迎认领日常维护。", p.title),
                now,
            )
            .await?;
            detail = serde_json::json!({"action": "accept", "document": doc});
        }
        _ => return Err(invalid("ACTION_INVALID", "action")),
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.money", "renewal_project", p.id).with(detail),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The final account as published: every movement of the project with its ledger index,
/// the totals by source, what was paid, and what is left.
async fn final_account(
    tx: &mut crate::db::Tx,
    p: &ProjectRow,
    note: &str,
    on: &str,
) -> AppResult<String> {
    use std::fmt::Write as _;
    let (sub, share, crowd, spent) = sums(tx, p.id).await?;
    let links = store::movements(tx, p.id).await?;
    let mut s = String::new();
    let _ = writeln!(s, "项目：{}（{}）", p.title, p.place);
    let _ = writeln!(s, "验收日期：{on}");
    let _ = writeln!(s, "验收意见：{note}");
    let _ = writeln!(s, "估算造价：{} 元", super::yuan(p.cost_fen.unwrap_or(0)));
    let _ = writeln!(
        s,
        "收入：政府补贴 {} 元；社会众筹 {} 元；居民自筹 {} 元；合计 {} 元",
        super::yuan(sub),
        super::yuan(crowd),
        super::yuan(share),
        super::yuan(sub + share + crowd)
    );
    let _ = writeln!(
        s,
        "支出：{} 元；结余：{} 元",
        super::yuan(spent),
        super::yuan(sub + share + crowd - spent)
    );
    let _ = writeln!(s, "明细（微更新基金账本，公开账本序号）：");
    let ids: Vec<i64> = links.iter().map(|l| l.0).collect();
    for m in funds::movements_in(tx, &ids).await? {
        let _ = writeln!(
            s,
            "#{} {} {} {} 元 {} {}{}",
            m.ledger_index,
            m.occurred_on,
            if m.direction == "in" { "收" } else { "支" },
            m.amount_yuan,
            m.counterparty,
            m.purpose,
            m.receipt_id
                .map(|r| format!("（收据 /gongshi/documents/{r}）"))
                .unwrap_or_default()
        );
    }
    Ok(s)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PledgeRequest {
    /// In fen; what would pass the crowdfunding maximum is refused.
    pub amount_fen: i64,
    /// Staff only: `partner` or `company`, with the organisation's name.
    pub kind: Option<String>,
    pub pledger: Option<String>,
}

/// Pledges to a project's crowdfunding: a resident for themselves; staff for a partner or
/// a company. Returns the pledge id.
pub async fn pledge(st: &AppState, u: &CurrentUser, id: i64, r: &PledgeRequest) -> AppResult<i64> {
    let p = load(st, u, id).await?;
    let n = amount(Some(r.amount_fen), "amount_fen")?;
    let (kind, resident_id, pledger) = match r.kind.as_deref() {
        Some(k @ ("partner" | "company")) => {
            if !manages(st, u, p.community_id) {
                return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
            }
            let name = text(
                r.pledger.as_deref().unwrap_or(""),
                60,
                "COUNTERPARTY_INVALID",
                "pledger",
            )?;
            (k, None, name)
        }
        None | Some("resident") => {
            let me = resident(u)?;
            let name = crate::residents::service::party(st, me)
                .await?
                .map(|x| mask_name(&x.name))
                .unwrap_or_default();
            ("resident", Some(me), name)
        }
        Some(_) => return Err(invalid("PLEDGE_KIND_INVALID", "kind")),
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    // Pledges take turns, so two cannot both pass the maximum.
    crate::ledger::service::reserve_next(&mut tx).await?;
    let p = store::project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.stage != "funding" || p.crowd_closed == 1 {
        return Err(AppError::Conflict("RENEWAL_CROWD_CLOSED"));
    }
    let max = p
        .crowd_max_fen
        .ok_or(AppError::Conflict("RENEWAL_PLAN_MISSING"))?;
    let total: i64 = store::pledges(&mut tx, id)
        .await?
        .iter()
        .map(|x| x.amount_fen)
        .sum();
    if total + n > max {
        return Err(AppError::Conflict("RENEWAL_PLEDGE_OVER_MAX"));
    }
    let pid = store::insert_pledge(
        &mut tx,
        &NewPledge {
            project: id,
            kind,
            resident: resident_id,
            pledger: &pledger,
            amount_fen: n,
            by: u.id,
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.pledge", "renewal_project", id)
            .with(serde_json::json!({"pledge": pid, "kind": kind, "amount_fen": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(pid)
}
