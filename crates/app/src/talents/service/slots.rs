//! Consultation slots: a talent opens them, a resident of the community books one (one
//! person per slot; at most two future bookings each), the booker or the talent cancels,
//! and after the time the talent records what came of it.

use super::*;

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TalentSlotIn {
    /// China time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub minutes: i64,
    pub place: String,
    /// One of the talent's skills.
    pub topic: String,
}

/// A listed talent opens a consultation slot: its id.
pub async fn open_slot(st: &AppState, u: &CurrentUser, r: &TalentSlotIn) -> AppResult<i64> {
    let mut tx = st.db.read().await?;
    let t = store::talent_of_user(&mut tx, u.id)
        .await?
        .filter(|t| t.listed == 1)
        .ok_or(AppError::Forbidden("NOT_A_TALENT"))?;
    drop(tx);
    let now = st.now_ms();
    let starts = crate::clock::parse_local(&r.starts_at)
        .filter(|s| *s > now && *s <= now + 90 * 86_400_000)
        .ok_or(invalid("STARTS_AT_INVALID", "starts_at"))?;
    if !(15..=240).contains(&r.minutes) {
        return Err(invalid("DURATION_INVALID", "minutes"));
    }
    let place = text(&r.place, 60, "place")?;
    if !split(&t.skills).contains(&r.topic) {
        return Err(invalid("SKILL_UNKNOWN", "topic"));
    }
    let mut tx = st.db.begin().await?;
    let id = store::insert_slot(
        &mut tx,
        t.id,
        t.community_id,
        &r.topic,
        starts,
        r.minutes,
        &place,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("talent.slot", "talent_slot", id).with(serde_json::json!({"starts_at": starts})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A slot and its talent, if the caller may know of it.
async fn load_slot(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<(SlotRow, TalentRow)> {
    let mut tx = st.db.read().await?;
    let s = store::slot(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let t = store::talent(&mut tx, s.talent_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    let involved = t.user_id == u.id || s.booked_by == Some(u.id);
    if !involved && !reads(st, u, s.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok((s, t))
}

/// A slot: the question only to the talent and the booker.
pub async fn slot(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<TalentSlotView> {
    let (s, t) = load_slot(st, u, id).await?;
    slot_view(st, u, &s, &t).await
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TalentBookIn {
    /// What the booker wants to ask (sealed; the talent and the booker read it).
    pub question: String,
}

/// A resident of the community books a free slot: `409 SLOT_TAKEN` if someone was first.
pub async fn book(st: &AppState, u: &CurrentUser, id: i64, r: &TalentBookIn) -> AppResult<()> {
    let (s, t) = load_slot(st, u, id).await?;
    if u.role != Role::Resident {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if t.user_id == u.id {
        return Err(AppError::Conflict("SLOT_OWN"));
    }
    let now = st.now_ms();
    if s.starts_at <= now {
        return Err(AppError::Conflict("SLOT_PAST"));
    }
    let question = text(&r.question, 500, "question")?;
    let sealed = st.cipher.encrypt(QUESTION_FIELD, &question);
    let mut tx = st.db.begin().await?;
    if store::open_bookings(&mut tx, u.id, now).await? >= MAX_OPEN_BOOKINGS {
        return Err(AppError::Conflict("BOOKING_LIMIT"));
    }
    if !store::book(&mut tx, s.id, u.id, &sealed, now).await? {
        return Err(AppError::Conflict("SLOT_TAKEN"));
    }
    crate::notify::service::send(
        st,
        &mut tx,
        &[t.user_id],
        None,
        "talent.booked",
        "能人库咨询有新预约",
        &format!(
            "{} 的咨询时段已被预约，请按时到场。",
            crate::clock::format_cn(s.starts_at)
        ),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("talent.book", "talent_slot", s.id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The booker gives a booking back, or the talent withdraws the slot (the booker is told).
pub async fn cancel(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<()> {
    let (s, t) = load_slot(st, u, id).await?;
    let now = st.now_ms();
    let by_talent = t.user_id == u.id;
    if !by_talent && s.booked_by != Some(u.id) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if s.starts_at <= now {
        return Err(AppError::Conflict("SLOT_PAST"));
    }
    let mut tx = st.db.begin().await?;
    if by_talent {
        store::delete_slot(&mut tx, s.id).await?;
        if let Some(b) = s.booked_by {
            crate::notify::service::send(
                st,
                &mut tx,
                &[b],
                None,
                "talent.cancelled",
                "能人库咨询取消",
                &format!(
                    "您预约的 {} 咨询已由{}取消，请另约时间。",
                    crate::clock::format_cn(s.starts_at),
                    t.title
                ),
                now,
            )
            .await?;
        }
    } else {
        store::unbook(&mut tx, s.id).await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("talent.cancel", "talent_slot", s.id)
            .with(serde_json::json!({"by_talent": by_talent})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConsultationOutcomeIn {
    /// `advice` (answered), `referred` (to a unit or a court), `mediation` (taken into
    /// mediation), `no_show`.
    pub outcome: String,
    pub outcome_note: Option<String>,
}

/// The talent records what came of a booked consultation, once it has begun, once.
pub async fn record_outcome(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    r: &ConsultationOutcomeIn,
) -> AppResult<()> {
    let (s, t) = load_slot(st, u, id).await?;
    if t.user_id != u.id {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if !OUTCOMES.contains(&r.outcome.as_str()) {
        return Err(invalid("OUTCOME_INVALID", "outcome"));
    }
    let note = r.outcome_note.as_deref().unwrap_or("").trim().to_string();
    if note.chars().count() > 500 {
        return Err(invalid("OUTCOME_NOTE_INVALID", "outcome_note"));
    }
    let now = st.now_ms();
    if s.booked_by.is_none() {
        return Err(AppError::Conflict("SLOT_NOT_BOOKED"));
    }
    if s.starts_at > now {
        return Err(AppError::Conflict("SLOT_NOT_BEGUN"));
    }
    let sealed = st.cipher.encrypt(OUTCOME_FIELD, &note);
    let mut tx = st.db.begin().await?;
    if !store::set_outcome(&mut tx, s.id, &r.outcome, &sealed, now).await? {
        return Err(AppError::Conflict("OUTCOME_RECORDED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("talent.outcome", "talent_slot", s.id)
            .with(serde_json::json!({"outcome": r.outcome})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
