//! Meetings: notice, check-in and attendance, minutes on the ledger, decisions to 落实.

use gongzhi_core::identity::Role;
use serde::{Deserialize, Serialize};

use super::super::store;
use super::{day, invalid, manages, masked, must_manage, reads, text};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Days of notice before a meeting: an owners' assembly 15 (《业主大会和业主委员会指导规则》),
/// other bodies 1.
fn notice_days(kind: &str) -> i64 {
    if kind == "assembly" { 15 } else { 1 }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewMeeting {
    pub body_id: i64,
    pub title: String,
    /// One item per line.
    pub agenda: String,
    pub place: String,
    /// Local time (Beijing), `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
}

/// Calls a meeting: its notice is published now and sent to the body's members; matters
/// with enough support are put on a council's agenda. Returns its id.
pub async fn call_meeting(st: &AppState, u: &CurrentUser, m: &NewMeeting) -> AppResult<i64> {
    let mut tx = st.db.read().await?;
    let b = store::body(&mut tx, m.body_id)
        .await?
        .ok_or(invalid("BODY_UNKNOWN", "body_id"))?;
    drop(tx);
    must_manage(st, u, b.community_id)?;
    let title = text(&m.title, 60, "SUBJECT_INVALID", "title")?;
    let place = text(&m.place, 60, "MEETING_PLACE_INVALID", "place")?;
    let mut agenda: Vec<String> = m
        .agenda
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let starts = chrono::NaiveDateTime::parse_from_str(m.starts_at.trim(), "%Y-%m-%dT%H:%M")
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .map_err(|_| invalid("DATE_INVALID", "starts_at"))?;
    let now = st.now_ms();
    if starts < now + notice_days(&b.kind) * 86_400_000 {
        return Err(invalid("NOTICE_TOO_SHORT", "starts_at"));
    }
    let rules = crate::votes::service::rules(st, b.community_id).await?;
    let mut tx = st.db.begin().await?;
    let qualified = if b.kind == "council" {
        store::qualified(&mut tx, b.community_id, rules.support_threshold).await?
    } else {
        vec![]
    };
    agenda.extend(qualified.iter().map(|(_, t)| t.clone()));
    if agenda.is_empty() || agenda.iter().any(|l| l.chars().count() > 200) || agenda.len() > 30 {
        return Err(invalid("AGENDA_INVALID", "agenda"));
    }
    let token = hex::encode(rand::random::<[u8; 16]>());
    let id = store::insert_meeting(
        &mut tx,
        &store::MeetingRow {
            id: 0,
            body_id: b.id,
            community_id: b.community_id,
            title: title.clone(),
            agenda: agenda.join("\n"),
            place: place.clone(),
            starts_at: starts,
            noticed_at: now,
            checkin_token: token,
            minutes_document_id: None,
        },
        u.id,
        now,
    )
    .await?;
    for (s, _) in &qualified {
        store::put_on_agenda(&mut tx, *s, id).await?;
    }
    let members: Vec<i64> = store::members(&mut tx, b.id)
        .await?
        .into_iter()
        .map(|m| m.resident_id)
        .collect();
    let users = crate::auth::service::accounts_of_residents(&mut tx, &members).await?;
    let when = crate::clock::format_cn(starts);
    crate::notify::service::send(
        st,
        &mut tx,
        &users,
        None,
        "meeting.notice",
        &format!("会议通知：{title}"),
        &format!(
            "{} {when}，地点：{place}。议程：{}",
            b.name,
            agenda.join("；")
        ),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("meeting.call", "meeting", id).with(serde_json::json!({
            "body": b.id, "notified": users.len(), "matters": qualified.iter().map(|q| q.0).collect::<Vec<_>>(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A meeting as its page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub id: i64,
    pub body: String,
    pub body_kind: String,
    pub community_id: i64,
    pub title: String,
    pub agenda: Vec<String>,
    pub place: String,
    pub starts_at: String,
    pub noticed_at: String,
    /// Attendants: members and other residents, masked, with how they were recorded.
    pub attendance: Vec<(String, String)>,
    pub members: i64,
    pub members_present: i64,
    pub minutes_document_id: Option<i64>,
    pub decisions: Vec<DecisionView>,
    /// Staff of the area: the check-in link for the QR code.
    pub checkin_path: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub text: String,
    pub owner: String,
    pub due_on: String,
    /// `open` or `done`.
    pub status: String,
    pub done_note: Option<String>,
    pub done_at: Option<String>,
    pub overdue: bool,
}

pub async fn meeting(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<MeetingView> {
    let mut tx = st.db.read().await?;
    let m = store::meeting(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, m.community_id).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    let b = store::body(&mut tx, m.body_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let members: Vec<i64> = store::members(&mut tx, b.id)
        .await?
        .into_iter()
        .map(|x| x.resident_id)
        .collect();
    let att = store::attendance(&mut tx, id).await?;
    let decisions = store::decisions(&mut tx, id).await?;
    drop(tx);
    let mut attendance = vec![];
    for (r, how) in &att {
        attendance.push((masked(st, Some(*r)).await?, how.clone()));
    }
    let today = crate::clock::iso(st.now_ms());
    Ok(MeetingView {
        id,
        body: b.name,
        body_kind: b.kind,
        community_id: m.community_id,
        title: m.title,
        agenda: m.agenda.lines().map(str::to_string).collect(),
        place: m.place,
        starts_at: crate::clock::format_cn(m.starts_at),
        noticed_at: crate::clock::format_cn(m.noticed_at),
        members: members.len() as i64,
        members_present: att.iter().filter(|(r, _)| members.contains(r)).count() as i64,
        attendance,
        minutes_document_id: m.minutes_document_id,
        decisions: decisions
            .into_iter()
            .map(|d| DecisionView {
                overdue: d.status == "open" && d.due_on.as_str() < &today[..10],
                id: d.id,
                text: d.text,
                owner: d.owner,
                due_on: d.due_on,
                status: d.status,
                done_note: d.done_note,
                done_at: d.done_at.map(crate::clock::iso),
            })
            .collect(),
        checkin_path: manages(st, u, m.community_id)
            .then(|| format!("/participation/meetings/{id}/checkin?t={}", m.checkin_token)),
    })
}

/// The meetings of a community, latest first: (id, body, title, starts).
pub async fn meetings(
    st: &AppState,
    u: &CurrentUser,
    c: i64,
) -> AppResult<Vec<(i64, String, String, String)>> {
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    let rows = store::meetings(&mut tx, c).await?;
    let mut out = vec![];
    for m in rows {
        let body = store::body(&mut tx, m.body_id)
            .await?
            .map(|b| b.name)
            .unwrap_or_default();
        out.push((m.id, body, m.title, crate::clock::format_cn(m.starts_at)));
    }
    Ok(out)
}

/// A resident checks in with the meeting's QR code (the token in it), from 2 hours before
/// it starts to 6 hours after; again is harmless. Residents of its community only.
pub async fn check_in(st: &AppState, u: &CurrentUser, id: i64, token: &str) -> AppResult<bool> {
    let mut tx = st.db.read().await?;
    let m = store::meeting(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if u.role != Role::Resident || !reads(st, u, m.community_id).await? {
        return Err(AppError::NotFound);
    }
    if token.len() != m.checkin_token.len()
        || !bool::from(subtle::ConstantTimeEq::ct_eq(
            token.as_bytes(),
            m.checkin_token.as_bytes(),
        ))
    {
        return Err(AppError::Forbidden("CHECKIN_TOKEN_INVALID"));
    }
    let now = st.now_ms();
    if now < m.starts_at - 2 * 3_600_000 || now > m.starts_at + 6 * 3_600_000 {
        return Err(AppError::Conflict("CHECKIN_CLOSED"));
    }
    let resident = u.resident_id.ok_or(AppError::NotFound)?;
    record_attendance(st, u, &m, resident, "qr", now).await
}

async fn record_attendance(
    st: &AppState,
    u: &CurrentUser,
    m: &store::MeetingRow,
    resident: i64,
    how: &str,
    now: i64,
) -> AppResult<bool> {
    let mut tx = st.db.begin().await?;
    let fresh = store::attend(&mut tx, m.id, resident, how, Some(u.id), now).await?;
    if fresh {
        audit::record(
            &mut tx,
            now,
            &u.actor(),
            Event::ok("meeting.attend", "meeting", m.id)
                .with(serde_json::json!({"resident": resident, "how": how})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(fresh)
}

/// Staff mark a resident present who has no phone to scan with (found by phone number
/// on file, within their area).
pub async fn mark_present(st: &AppState, u: &CurrentUser, id: i64, phone: &str) -> AppResult<bool> {
    let mut tx = st.db.read().await?;
    let m = store::meeting(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    must_manage(st, u, m.community_id)?;
    let resident = crate::residents::service::id_by_phone(st, u, phone)
        .await
        .map_err(|_| invalid("RESIDENT_UNKNOWN", "phone"))?;
    record_attendance(st, u, &m, resident, "staff", st.now_ms()).await
}

/// Publishes the minutes as a 公示 document on the ledger (once per meeting).
pub async fn publish_minutes(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    minutes: &str,
) -> AppResult<i64> {
    let mut tx = st.db.read().await?;
    let m = store::meeting(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    must_manage(st, u, m.community_id)?;
    if m.minutes_document_id.is_some() {
        return Err(AppError::Conflict("MINUTES_PUBLISHED"));
    }
    let minutes = text(minutes, 20_000, "MEETING_MINUTES_INVALID", "minutes")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (doc, index) = crate::funds::service::publish_text_in(
        st,
        &mut tx,
        m.community_id,
        gongzhi_core::ledger::DocKind::Minutes,
        &format!("{}会议纪要", m.title),
        &minutes,
        Some(u.id),
        now,
    )
    .await?;
    if !store::set_minutes(&mut tx, id, doc).await? {
        return Err(AppError::Conflict("MINUTES_PUBLISHED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("meeting.minutes", "meeting", id)
            .with(serde_json::json!({"document": doc, "ledger_index": index})),
    )
    .await?;
    tx.commit().await?;
    Ok(doc)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewDecision {
    pub text: String,
    /// Who carries it out (a unit, the property company, the committee).
    pub owner: String,
    pub due_on: String,
}

pub async fn add_decision(
    st: &AppState,
    u: &CurrentUser,
    meeting: i64,
    d: &NewDecision,
) -> AppResult<i64> {
    let mut tx = st.db.read().await?;
    let m = store::meeting(&mut tx, meeting)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    must_manage(st, u, m.community_id)?;
    let row = store::DecisionRow {
        id: 0,
        meeting_id: meeting,
        community_id: m.community_id,
        text: text(&d.text, 200, "DECISION_TEXT_INVALID", "text")?,
        owner: text(&d.owner, 40, "OWNER_INVALID", "owner")?,
        due_on: day(&d.due_on, "due_on")?,
        status: "open".into(),
        done_note: None,
        done_at: None,
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_decision(&mut tx, &row, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("decision.add", "decision", id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Marks a decision carried out (落实), with what was done.
pub async fn decision_done(st: &AppState, u: &CurrentUser, id: i64, note: &str) -> AppResult<()> {
    let mut tx = st.db.read().await?;
    let d = store::decision(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    must_manage(st, u, d.community_id)?;
    let note = text(note, 200, "DONE_NOTE_INVALID", "note")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::decision_done(&mut tx, id, &note, now).await? {
        return Err(AppError::Conflict("DECISION_DONE"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("decision.done", "decision", id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
