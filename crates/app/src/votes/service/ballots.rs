//! Ballots from every channel, the staff entry sheet, and closing a vote.

use gongzhi_core::identity::{Role, Scope};
use gongzhi_core::ledger::{Entry, VERSION, VoteBallot, VoteClosed, VoteRecord};
use gongzhi_core::votes::{Choice, Register};
use serde::{Deserialize, Serialize};

use super::super::store;
use super::*;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::ledger::service as ledger;
use crate::state::AppState;

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
    let f = crate::votes::cache::frozen(st, v.id).await?;
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
    let units = crate::votes::cache::frozen(st, id).await?.units.clone();
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
