//! Writing a new dispute with its parties, risk screening and alerts, and matching it to
//! mediators of the offices its type needs (三所联动); re-matching when it climbs a rung.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert(
    st: &AppState,
    user: &CurrentUser,
    actor: &Actor,
    intake: &Intake,
    dtype: &'static str,
    title: &str,
    account: &str,
    wants: &str,
    follow_up_days: i64,
    parties: &[NewParty],
) -> AppResult<i64> {
    let screened = gongzhi_core::mediation::screen(&format!("{account}\n{wants}"));
    let reasons = serde_json::to_string(&screened.reasons).unwrap_or_else(|_| "[]".into());
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert(
        &mut tx,
        &store::NewDispute {
            dtype,
            title,
            account_enc: &st.cipher.encrypt(ACCOUNT_FIELD, account),
            wants_enc: &st.cipher.encrypt(WANTS_FIELD, wants),
            risk: screened.risk.code(),
            risk_reasons: &reasons,
            channel: intake.channel,
            street_id: intake.street_id,
            community_id: intake.community_id,
            case_id: intake.case_id,
            filed_by: user.id,
            follow_up_days,
            now,
        },
    )
    .await?;
    for p in parties {
        let name_enc = st.cipher.encrypt(NAME_FIELD, &p.name);
        let phone_enc = p
            .phone
            .as_ref()
            .map(|ph| st.cipher.encrypt(PHONE_FIELD, ph));
        store::insert_party(
            &mut tx,
            id,
            &store::NewParty {
                side: p.side,
                name_enc: &name_enc,
                phone_enc: phone_enc.as_deref(),
                user_id: p.user_id,
                resident_id: p.resident_id,
                consent: p.consent,
                consent_at: p.consent_by.map(|_| now),
                consent_by: p.consent_by,
            },
        )
        .await?;
    }
    store::event(
        &mut tx,
        id,
        Some(user.id),
        "filed",
        &serde_json::json!({"channel": intake.channel, "type": dtype, "risk": screened.risk.code(), "case": intake.case_id}),
        now,
    )
    .await?;
    // Triage: the mediators (one per office the type needs; police as well when the risk
    // is high), told at once.
    let ty = DisputeType::by_code(dtype).unwrap_or(&gongzhi_core::mediation::types::TYPES[0]);
    let police = screened.risk == Risk::High;
    let assigned = rematch(&mut tx, id, ty, intake.community_id, police, now).await?;
    if !assigned.is_empty() {
        store::event(
            &mut tx,
            id,
            None,
            "matched",
            &serde_json::json!({"mediators": assigned}),
            now,
        )
        .await?;
        crate::notify::send(
            st,
            &mut tx,
            &assigned,
            None,
            "dispute",
            &format!("新的纠纷待调解（第{id}号）"),
            &format!(
                "{}：请联系当事人征得调解同意。/mediation/disputes/{id}",
                ty.name
            ),
            now,
        )
        .await?;
    }
    if police {
        let to = store::alert_recipients(&mut tx, intake.street_id).await?;
        crate::notify::send(
            st,
            &mut tx,
            &to,
            None,
            "urgent",
            &format!("高风险纠纷预警（第{id}号）"),
            &format!(
                "{}，风险：{}。请立即处置。/mediation/disputes/{id}",
                ty.name,
                screened
                    .reasons
                    .iter()
                    .map(|(_, p)| *p)
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            now,
        )
        .await?;
        store::event(
            &mut tx,
            id,
            None,
            "alerted",
            &serde_json::json!({"users": to}),
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("dispute.file", "dispute", id).with(serde_json::json!({
            "channel": intake.channel, "type": dtype, "risk": screened.risk.code(),
            "parties": parties.len(), "case": intake.case_id
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Matches mediators for the offices not yet at the table and assigns them; returns the
/// users newly assigned.
pub(super) async fn rematch(
    tx: &mut Tx,
    id: i64,
    ty: &DisputeType,
    community: i64,
    police: bool,
    now: i64,
) -> AppResult<Vec<i64>> {
    let pool = store::mediator_pool(tx).await?;
    let current = store::assigned(tx, id).await?;
    let candidates: Vec<Candidate> = pool
        .iter()
        .filter(|m| !current.iter().any(|c| c.user_id == m.user_id))
        .filter_map(|m| {
            Some(Candidate {
                user_id: m.user_id,
                office: Office::parse(&m.office)?,
                skills: serde_json::from_str(&m.skills).unwrap_or_default(),
                communities: serde_json::from_str(&m.communities).unwrap_or_default(),
                load: u32::try_from(m.load).unwrap_or(u32::MAX),
                capacity: u32::try_from(m.capacity).unwrap_or(0),
                available: m.available,
            })
        })
        .collect();
    let mut offices: Vec<Office> = ty.offices.to_vec();
    if police && !offices.contains(&Office::Police) {
        offices.push(Office::Police);
    }
    let present: HashSet<&str> = current.iter().map(|c| c.office.as_str()).collect();
    offices.retain(|o| !present.contains(o.code()));
    if offices.is_empty() {
        return Ok(vec![]);
    }
    let wanted = DisputeType {
        code: ty.code,
        name: ty.name,
        offices: Box::leak(offices.into_boxed_slice()),
    };
    let matches = gongzhi_core::mediation::match_mediators(&wanted, community, &candidates);
    let has_lead = current.iter().any(|c| c.lead);
    let mut out = vec![];
    for m in matches {
        if present.contains(m.office.code()) {
            continue;
        }
        store::assign(
            tx,
            id,
            m.user_id,
            m.office.code(),
            m.lead && !has_lead,
            Some(m.score),
            now,
        )
        .await?;
        out.push(m.user_id);
    }
    Ok(out)
}
