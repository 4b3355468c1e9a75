//! The life cycle after intake: consent, sessions, the agreement and its confirmations, the
//! ladder, failure, and the follow-up visit — each a [`Step`] in one transaction.

use super::*;

/// A life-cycle action under way: the dispute locked in an open transaction, with the
/// caller's standing. The caller checks, writes what the action adds, then [`Step::finish`]
/// applies the transition (refusing it rolls everything back) with its event and audit.
struct Step {
    tx: Tx,
    d: DisputeRow,
    parties: Vec<PartyRow>,
    standing: Standing,
    now: i64,
}

async fn begin(st: &AppState, user: &CurrentUser, id: i64) -> AppResult<Step> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (d, parties, _mediators, standing) = load(&mut tx, user, id, true).await?;
    Ok(Step {
        tx,
        d,
        parties,
        standing,
        now,
    })
}

/// The ledger entry of a confirmed agreement.
pub fn agreement_entry(
    st: &AppState,
    dispute: i64,
    a: &store::AgreementRow,
    level: Level,
    community_id: i64,
    now: i64,
) -> gongzhi_core::ledger::Entry {
    gongzhi_core::ledger::Entry::Agreement(gongzhi_core::ledger::AgreementRecord {
        v: gongzhi_core::ledger::VERSION,
        dispute: st
            .cipher
            .blind_index("ledger.dispute", &dispute.to_string()),
        version: a.version,
        sha256: a.sha256.clone(),
        level: level.code().to_string(),
        community_id,
        recorded_ms: now,
    })
}

impl Step {
    /// Whether the action is possible in the dispute's status (before writing anything).
    fn check(&self, a: Action) -> AppResult<()> {
        let status = Status::parse(&self.d.status).unwrap_or(Status::Filed);
        let level = Level::parse(&self.d.level).unwrap_or(Level::Community);
        lifecycle::next(status, level, a)
            .map(|_| ())
            .map_err(|e| AppError::Conflict(gongzhi_core::Coded::code(&e)))
    }

    async fn finish(
        mut self,
        st: &AppState,
        user: &CurrentUser,
        actor: &Actor,
        a: Action,
        audit_action: &'static str,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        let (id, now) = (self.d.id, self.now);
        let status = Status::parse(&self.d.status).unwrap_or(Status::Filed);
        let level = Level::parse(&self.d.level).unwrap_or(Level::Community);
        let (next, next_level) = lifecycle::next(status, level, a)
            .map_err(|e| AppError::Conflict(gongzhi_core::Coded::code(&e)))?;
        let tx = &mut self.tx;
        store::touch(tx, id, now).await?;
        if next != status || next_level != level {
            let resolved = next == Status::Resolved;
            store::set_state(
                tx,
                id,
                &store::Transition {
                    status: next.code(),
                    level: next_level.code(),
                    resolved_level: if resolved {
                        Some(next_level.code())
                    } else {
                        None
                    },
                    follow_up_due: if resolved {
                        Some(now + self.d.follow_up_days * DAY_MS)
                    } else {
                        None
                    },
                    closed_at: if next.is_closed() { Some(now) } else { None },
                    now,
                },
            )
            .await?;
            store::event(
                tx,
                id,
                Some(user.id),
                "status",
                &serde_json::json!({"from": status.code(), "to": next.code(), "level": next_level.code()}),
                now,
            )
            .await?;
            if resolved && let Some(a) = store::agreement(tx, id).await? {
                // The confirmed agreement's hash goes on the public ledger, under a
                // pseudonym of the dispute (no names, no account).
                crate::ledger::service::append(
                    tx,
                    &[agreement_entry(
                        st,
                        id,
                        &a,
                        next_level,
                        self.d.community_id,
                        now,
                    )],
                    now,
                )
                .await?;
            }
            if next_level != level && next == Status::Mediating {
                // A higher rung brings the judicial office to the table if it is not there.
                let ty = DisputeType::by_code(&self.d.dtype)
                    .unwrap_or(&gongzhi_core::mediation::types::TYPES[0]);
                let judicial = DisputeType {
                    code: ty.code,
                    name: ty.name,
                    offices: &[Office::Judicial],
                };
                let added = rematch(tx, id, &judicial, self.d.community_id, false, now).await?;
                if !added.is_empty() {
                    crate::notify::send(
                        st,
                        tx,
                        &added,
                        None,
                        "dispute",
                        &format!("纠纷升级至{}（第{id}号）", next_level.name_zh()),
                        &format!("/mediation/disputes/{id}"),
                        now,
                    )
                    .await?;
                }
            }
        }
        store::event(tx, id, Some(user.id), audit_action, &detail, now).await?;
        audit::record(
            tx,
            now,
            actor,
            Event::ok(audit_action, "dispute", id).with(detail),
        )
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ConsentRequest {
    /// The party answering (default: the caller's own party record).
    pub party_id: Option<i64>,
    pub consent: bool,
}

/// A party agrees (or refuses) to mediation; staff and mediators record it for a party
/// reached by phone or in person.
pub async fn consent(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &ConsentRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    let mut s = begin(st, user, id).await?;
    let pid = target_party(req.party_id, &s.parties, &s.standing)?;
    let all_yes = req.consent && s.parties.iter().all(|p| p.id == pid || p.consent == "yes");
    let a = Action::Consent {
        yes: req.consent,
        all_yes,
    };
    s.check(a)?;
    let answer = if req.consent { "yes" } else { "no" };
    store::set_consent(&mut s.tx, pid, answer, user.id, s.now).await?;
    let detail = serde_json::json!({"party": pid, "consent": answer});
    s.finish(st, user, actor, a, "dispute.consent", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}

/// The party an action is for: the one named (staff and mediators may name any; a party
/// only themselves), else the caller's own.
fn target_party(named: Option<i64>, parties: &[PartyRow], s: &Standing) -> AppResult<i64> {
    match named {
        Some(p) if !parties.iter().any(|x| x.id == p) => Err(AppError::Invalid {
            code: "PARTY_UNKNOWN",
            field: Some("party_id"),
        }),
        Some(p) if s.works() || s.party == Some(p) => Ok(p),
        Some(_) => Err(AppError::Forbidden("NOT_YOUR_PARTY")),
        None => s.party.ok_or(AppError::Invalid {
            code: "PARTY_REQUIRED",
            field: Some("party_id"),
        }),
    }
}

fn must_work(s: &Standing) -> AppResult<()> {
    if s.works() {
        Ok(())
    } else {
        Err(AppError::Forbidden("MEDIATORS_ONLY"))
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SessionRequest {
    /// When it was held (epoch ms; default now).
    pub held_at: Option<i64>,
    /// `in_person` (default), `online` or `phone`.
    pub mode: Option<String>,
    #[serde(default)]
    pub place: String,
    /// The minutes (1–10000 characters).
    pub minutes: String,
    /// Each party's position as stated in the session: party id → text.
    #[serde(default)]
    pub positions: BTreeMap<i64, String>,
}

pub async fn record_session(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &SessionRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    let minutes = text_field(&req.minutes, 1, 10_000, "MINUTES_INVALID", "minutes")?;
    let place = text_field(&req.place, 0, 100, "PLACE_INVALID", "place")?;
    let mode = match req.mode.as_deref().unwrap_or("in_person") {
        m @ ("in_person" | "online" | "phone") => m.to_string(),
        _ => {
            return Err(AppError::Invalid {
                code: "MODE_INVALID",
                field: Some("mode"),
            });
        }
    };
    let held_at = req.held_at.unwrap_or_else(|| st.now_ms());
    let mut s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    if req
        .positions
        .keys()
        .any(|p| !s.parties.iter().any(|x| x.id == *p))
    {
        return Err(AppError::Invalid {
            code: "PARTY_UNKNOWN",
            field: Some("positions"),
        });
    }
    s.check(Action::Session)?;
    let enc = st.cipher.encrypt(MINUTES_FIELD, &minutes);
    let sid =
        store::insert_session(&mut s.tx, id, held_at, &mode, &place, &enc, user.id, s.now).await?;
    for (pid, text) in &req.positions {
        let t = text_field(text, 0, 2000, "POSITION_INVALID", "positions")?;
        store::set_position(&mut s.tx, *pid, &st.cipher.encrypt(POSITION_FIELD, &t)).await?;
    }
    let detail = serde_json::json!({"session": sid, "mode": mode, "held_at": held_at});
    s.finish(st, user, actor, Action::Session, "dispute.session", detail)
        .await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AgreementRequest {
    /// The terms (each party's obligations, amounts, dates), 1–10000 characters.
    pub terms: String,
}

/// Drafts (or redrafts) the agreement; every confirmation starts over.
pub async fn draft(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &AgreementRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    let terms = text_field(&req.terms, 1, 10_000, "TERMS_INVALID", "terms")?;
    let sha = hex::encode(Sha256::digest(terms.as_bytes()));
    let mut s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    s.check(Action::Draft)?;
    let enc = st.cipher.encrypt(TERMS_FIELD, &terms);
    let version = store::insert_agreement(&mut s.tx, id, &enc, &sha, user.id, s.now).await?;
    store::clear_confirmations(&mut s.tx, id).await?;
    let detail = serde_json::json!({"version": version, "sha256": sha});
    s.finish(st, user, actor, Action::Draft, "dispute.agreement", detail)
        .await
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfirmRequest {
    /// The party confirming (default: the caller's own); mediators name the party who
    /// signed the printed agreement in front of them.
    pub party_id: Option<i64>,
}

/// A party confirms the current agreement; when every party has, the dispute is resolved
/// at the rung it is on and the follow-up visit is scheduled.
pub async fn confirm(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &ConfirmRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    let mut s = begin(st, user, id).await?;
    let pid = target_party(req.party_id, &s.parties, &s.standing)?;
    if s.parties
        .iter()
        .any(|p| p.id == pid && p.confirmed_at.is_some())
    {
        return Err(AppError::Conflict("ALREADY_CONFIRMED"));
    }
    let all = s
        .parties
        .iter()
        .all(|p| p.id == pid || p.confirmed_at.is_some());
    let a = Action::Confirm { all };
    s.check(a)?;
    store::confirm(&mut s.tx, pid, user.id, s.now).await?;
    let detail = serde_json::json!({"party": pid});
    s.finish(st, user, actor, a, "dispute.confirm", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReasonRequest {
    /// Why (1–2000 characters).
    pub reason: String,
}

/// Up one rung (community → street → district → court diversion).
pub async fn escalate(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &ReasonRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    let reason = text_field(&req.reason, 2, 500, "REASON_INVALID", "reason")?;
    let s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    let detail = serde_json::json!({"from": s.d.level, "reason": reason});
    s.finish(
        st,
        user,
        actor,
        Action::Escalate,
        "dispute.escalate",
        detail,
    )
    .await?;
    reindex(st, id).await;
    Ok(())
}

/// Mediation ends without agreement (调解不成).
pub async fn fail(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &ReasonRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    let reason = text_field(&req.reason, 2, 500, "REASON_INVALID", "reason")?;
    let s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    let detail = serde_json::json!({"reason": reason});
    s.finish(st, user, actor, Action::Fail, "dispute.fail", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FollowUpRequest {
    /// Does the agreement hold? No reopens mediation.
    pub holds: bool,
    #[serde(default)]
    pub note: String,
}

/// The follow-up visit (回访) after a resolved dispute.
pub async fn follow_up(
    st: &AppState,
    user: &CurrentUser,
    id: i64,
    req: &FollowUpRequest,
) -> AppResult<()> {
    let actor = &user.actor();
    let note = text_field(&req.note, 0, 2000, "NOTE_INVALID", "note")?;
    let mut s = begin(st, user, id).await?;
    must_work(&s.standing)?;
    let a = Action::FollowUp { holds: req.holds };
    s.check(a)?;
    store::insert_followup(
        &mut s.tx,
        id,
        req.holds,
        &st.cipher.encrypt(NOTE_FIELD, &note),
        user.id,
        s.now,
    )
    .await?;
    if req.holds {
        store::clear_follow_up(&mut s.tx, id).await?;
    }
    let detail = serde_json::json!({"holds": req.holds});
    s.finish(st, user, actor, a, "dispute.followup", detail)
        .await?;
    reindex(st, id).await;
    Ok(())
}
