//! 议事协商: who sees and does what. Residents see their own community's bodies, meetings,
//! decisions and suggestions (other residents' names masked), raise and support suggestions
//! and check in at meetings; community and street staff of the area keep bodies and
//! members, call meetings (the notice is published and sent), mark attendance, publish
//! minutes on the ledger, follow decisions, and take each suggestion through its course.
//! Grid workers and building heads read their community's. Units and mediators see none.

use gongzhi_core::identity::{Role, Scope};
use gongzhi_core::pii::mask_name;
use serde::{Deserialize, Serialize};

use super::store;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn invalid(code: &'static str, field: &'static str) -> AppError {
    AppError::Invalid {
        code,
        field: Some(field),
    }
}

/// A text of 1..=max characters, trimmed.
fn text(s: &str, max: usize, code: &'static str, field: &'static str) -> AppResult<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(invalid(code, field));
    }
    Ok(t.to_string())
}

fn day(s: &str, field: &'static str) -> AppResult<String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| invalid("DATE_INVALID", field))
}

/// The community the caller's pages are about: a resident's own; staff's, grid workers' and
/// building heads' area (street staff and the district choose one, else their first).
pub async fn community_of(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<i64> {
    let map = st.org_map();
    match (u.role, u.scope) {
        (Role::Resident, _) => {
            let r = u.resident_id.ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?;
            crate::residents::service::party(st, r)
                .await?
                .map(|p| p.place.community_id)
                .ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))
        }
        (Role::UnitStaff | Role::Mediator, _) => Err(AppError::Forbidden("ROLE_FORBIDDEN")),
        (_, Scope::Community(c)) => Ok(c),
        (_, Scope::Grid(id) | Scope::Building(id)) => map
            .unit(id)
            .and_then(|x| x.community)
            .ok_or(AppError::Forbidden("ROLE_FORBIDDEN")),
        (_, scope) => {
            let mine: Vec<i64> = map
                .communities()
                .into_iter()
                .map(|c| c.0)
                .filter(|c| map.unit_in_scope(*c, scope))
                .collect();
            match wanted {
                Some(w) if mine.contains(&w) => Ok(w),
                Some(_) => Err(AppError::NotFound),
                None => mine.first().copied().ok_or(AppError::NotFound),
            }
        }
    }
}

/// Whether `u` may read community `c`'s participation.
async fn reads(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<bool> {
    Ok(match u.role {
        Role::UnitStaff | Role::Mediator => false,
        Role::Resident => community_of(st, u, None).await? == c,
        _ => st.org_map().unit_in_scope(c, u.scope) || community_of(st, u, None).await? == c,
    })
}

/// Whether `u` keeps community `c`'s bodies, meetings and suggestions.
pub fn manages(st: &AppState, u: &CurrentUser, c: i64) -> bool {
    matches!(u.role, Role::CommunityStaff | Role::StreetStaff)
        && st.org_map().unit_in_scope(c, u.scope)
}

fn must_manage(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<()> {
    if manages(st, u, c) {
        Ok(())
    } else {
        Err(AppError::Forbidden("ROLE_FORBIDDEN"))
    }
}

async fn masked(st: &AppState, resident: Option<i64>) -> AppResult<String> {
    Ok(match resident {
        Some(r) => crate::residents::service::party(st, r)
            .await?
            .map(|p| mask_name(&p.name))
            .unwrap_or_default(),
        None => String::new(),
    })
}

// ---- bodies ----

/// A body with its members (names masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BodyView {
    pub id: i64,
    /// `building_group` (楼组), `council` (居民议事会), `assembly` (业主大会) or
    /// `owners_committee` (业委会).
    pub kind: String,
    pub name: String,
    pub term_start: String,
    pub term_end: String,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub name: String,
    /// `head` (楼组长), `chair`, `vice_chair` or `member`.
    pub role: String,
    pub elected_on: String,
}

pub async fn bodies(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<BodyView>> {
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    let rows = store::bodies(&mut tx, c).await?;
    let mut out = vec![];
    for b in rows {
        let members = store::members(&mut tx, b.id).await?;
        let mut mv = vec![];
        for m in members {
            mv.push(MemberView {
                name: masked(st, Some(m.resident_id)).await?,
                role: m.role,
                elected_on: m.elected_on,
            });
        }
        out.push(BodyView {
            id: b.id,
            kind: b.kind,
            name: b.name,
            term_start: b.term_start,
            term_end: b.term_end,
            members: mv,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewBody {
    pub kind: String,
    /// The building (楼组), community (议事会) or compound (业主大会, 业委会) it serves.
    pub scope_id: i64,
    pub name: String,
    pub term_start: String,
    pub term_end: String,
}

pub async fn create_body(st: &AppState, u: &CurrentUser, b: &NewBody) -> AppResult<i64> {
    let level = match b.kind.as_str() {
        "building_group" => "building",
        "council" => "community",
        "assembly" | "owners_committee" => "compound",
        _ => return Err(invalid("BODY_KIND_INVALID", "kind")),
    };
    let map = st.org_map();
    let unit = map
        .unit(b.scope_id)
        .filter(|x| x.level == level)
        .ok_or(invalid("SCOPE_INVALID", "scope_id"))?;
    let community = if level == "community" {
        b.scope_id
    } else {
        unit.community.ok_or(invalid("SCOPE_INVALID", "scope_id"))?
    };
    must_manage(st, u, community)?;
    let name = text(&b.name, 40, "NAME_INVALID", "name")?;
    let (from, to) = (
        day(&b.term_start, "term_start")?,
        day(&b.term_end, "term_end")?,
    );
    if to <= from {
        return Err(invalid("TERM_INVALID", "term_end"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_body(
        &mut tx,
        &store::BodyRow {
            id: 0,
            kind: b.kind.clone(),
            community_id: community,
            scope_id: b.scope_id,
            name,
            term_start: from,
            term_end: to,
        },
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("body.create", "body", id).with(serde_json::json!({"kind": b.kind})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewMember {
    /// The resident's phone number (found within the staff member's area).
    pub phone: String,
    pub role: String,
    pub elected_on: String,
}

pub async fn add_member(st: &AppState, u: &CurrentUser, body: i64, m: &NewMember) -> AppResult<()> {
    let mut tx = st.db.read().await?;
    let b = store::body(&mut tx, body)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, b.community_id).await? {
        return Err(AppError::NotFound);
    }
    must_manage(st, u, b.community_id)?;
    if !matches!(m.role.as_str(), "head" | "chair" | "vice_chair" | "member") {
        return Err(invalid("MEMBER_ROLE_INVALID", "role"));
    }
    let resident = crate::residents::service::id_by_phone(st, u, &m.phone)
        .await
        .map_err(|_| invalid("RESIDENT_UNKNOWN", "phone"))?;
    let place = crate::residents::service::party(st, resident)
        .await?
        .ok_or(invalid("RESIDENT_UNKNOWN", "phone"))?
        .place;
    if place.community_id != b.community_id {
        return Err(invalid("MEMBER_OUT_OF_COMMUNITY", "phone"));
    }
    let elected_on = day(&m.elected_on, "elected_on")?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::add_member(
        &mut tx,
        body,
        &store::MemberRow {
            resident_id: resident,
            role: m.role.clone(),
            elected_on,
        },
        now,
    )
    .await?
    {
        return Err(AppError::Conflict("MEMBER_EXISTS"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("body.member", "body", body)
            .with(serde_json::json!({"resident": resident, "role": m.role})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- meetings ----

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

// ---- suggestions ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewSuggestionRequest {
    /// `matter` (议题: for the council's agenda once enough residents support it) or
    /// `suggestion` (建议).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Staff: `open_day` (开放日) or `corner` (议事角, on paper).
    pub channel: Option<String>,
    /// Staff: the resident's phone number, when they gave it.
    pub on_behalf_of: Option<String>,
    /// Staff of a street: which community.
    pub community: Option<i64>,
}

pub async fn raise(st: &AppState, u: &CurrentUser, r: &NewSuggestionRequest) -> AppResult<i64> {
    if !matches!(r.kind.as_str(), "matter" | "suggestion") {
        return Err(invalid("SUGGESTION_KIND_INVALID", "kind"));
    }
    let title = text(&r.title, 60, "SUBJECT_INVALID", "title")?;
    let body = text(&r.body, 2000, "SUGGESTION_BODY_INVALID", "body")?;
    let (community, channel, resident, entered_by) = match u.role {
        Role::Resident => {
            if r.channel.is_some() || r.on_behalf_of.is_some() {
                return Err(AppError::Forbidden("STAFF_ONLY"));
            }
            (
                community_of(st, u, None).await?,
                "online",
                u.resident_id,
                None,
            )
        }
        Role::CommunityStaff | Role::StreetStaff => {
            let c = community_of(st, u, r.community).await?;
            must_manage(st, u, c)?;
            let channel = match r.channel.as_deref() {
                Some(ch @ ("open_day" | "corner")) => ch,
                _ => return Err(invalid("CHANNEL_INVALID", "channel")),
            };
            let resident = match r.on_behalf_of.as_deref().map(str::trim) {
                Some(p) if !p.is_empty() => Some(
                    crate::residents::service::id_by_phone(st, u, p)
                        .await
                        .map_err(|_| invalid("RESIDENT_UNKNOWN", "on_behalf_of"))?,
                ),
                _ => None,
            };
            (c, channel, resident, Some(u.id))
        }
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_suggestion(
        &mut tx,
        &store::NewSuggestion {
            community_id: community,
            kind: &r.kind,
            channel,
            title: &title,
            body: &body,
            resident_id: resident,
            entered_by,
            now,
        },
    )
    .await?;
    // Whoever raises a matter supports it.
    if let Some(res) = resident {
        store::support(&mut tx, id, res, now).await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("suggestion.raise", "suggestion", id)
            .with(serde_json::json!({"kind": r.kind, "channel": channel})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A suggestion as lists show it (its author masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SuggestionView {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    pub title: String,
    pub body: String,
    pub author: String,
    /// received | answered | adopted | implemented | not_adopted | merged
    pub status: String,
    pub answer: Option<String>,
    pub reason: Option<String>,
    pub merged_into: Option<i64>,
    pub supports: i64,
    /// A matter with enough support for the council's agenda.
    pub qualified: bool,
    pub meeting_id: Option<i64>,
    /// The caller supports it.
    pub supported: bool,
    pub created_at: String,
    /// When it was first replied to, and when it was closed (implemented, not adopted,
    /// merged).
    pub answered_at: Option<String>,
    pub closed_at: Option<String>,
}

pub async fn suggestions(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<SuggestionView>> {
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let threshold = crate::votes::service::rules(st, c).await?.support_threshold;
    let mut tx = st.db.read().await?;
    let rows = store::suggestions(&mut tx, c, 200).await?;
    let mine = match u.resident_id {
        Some(r) if u.role == Role::Resident => store::supported_by(&mut tx, r).await?,
        _ => vec![],
    };
    drop(tx);
    let mut out = vec![];
    for s in rows {
        out.push(SuggestionView {
            qualified: s.kind == "matter"
                && s.supports >= threshold
                && matches!(s.status.as_str(), "received" | "answered"),
            supported: mine.contains(&s.id),
            author: masked(st, s.resident_id).await?,
            id: s.id,
            kind: s.kind,
            channel: s.channel,
            title: s.title,
            body: s.body,
            status: s.status,
            answer: s.answer,
            reason: s.reason,
            merged_into: s.merged_into,
            supports: s.supports,
            meeting_id: s.meeting_id,
            created_at: crate::clock::iso(s.created_at),
            answered_at: s.answered_at.map(crate::clock::iso),
            closed_at: s.closed_at.map(crate::clock::iso),
        });
    }
    Ok(out)
}

async fn load_suggestion(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
) -> AppResult<store::SuggestionRow> {
    let mut tx = st.db.read().await?;
    let s = store::suggestion(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, s.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

/// A resident supports (附议) an open suggestion of their community, once.
pub async fn support(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<i64> {
    let s = load_suggestion(st, u, id).await?;
    let resident = match (u.role, u.resident_id) {
        (Role::Resident, Some(r)) => r,
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    if !matches!(s.status.as_str(), "received" | "answered") {
        return Err(AppError::Conflict("SUGGESTION_CLOSED"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::support(&mut tx, id, resident, now).await? {
        return Err(AppError::Conflict("ALREADY_SUPPORTED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("suggestion.support", "suggestion", id),
    )
    .await?;
    let n = store::suggestion(&mut tx, id)
        .await?
        .map(|s| s.supports)
        .unwrap_or(0);
    tx.commit().await?;
    Ok(n)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SuggestionAction {
    /// `answer` (with `text`), `adopt`, `implement` (with what was done), `not_adopt`
    /// (with the reason), or `merge` (with `into`, a duplicate's target).
    pub action: String,
    #[serde(default)]
    pub text: String,
    pub into: Option<i64>,
}

/// Staff take a suggestion a step on its course: received → answered → adopted →
/// implemented, or not adopted with the reason; or merge a duplicate into another (its
/// supporters follow). The resident who raised it is told.
pub async fn act(st: &AppState, u: &CurrentUser, id: i64, a: &SuggestionAction) -> AppResult<()> {
    let s = load_suggestion(st, u, id).await?;
    must_manage(st, u, s.community_id)?;
    let now = st.now_ms();
    let open: &[&str] = &["received", "answered"];
    let mut tx = st.db.begin().await?;
    let (ok, told) = match a.action.as_str() {
        "answer" => {
            let t = text(&a.text, 1000, "ANSWER_INVALID", "text")?;
            (
                store::set_status(&mut tx, id, open, "answered", Some(&t), None, None, now).await?,
                format!("您提出的“{}”已答复：{t}", s.title),
            )
        }
        "adopt" => (
            store::set_status(&mut tx, id, open, "adopted", None, None, None, now).await?,
            format!("您提出的“{}”已被采纳，将组织落实。", s.title),
        ),
        "implement" => {
            let t = text(&a.text, 1000, "ANSWER_INVALID", "text")?;
            (
                store::set_status(
                    &mut tx,
                    id,
                    &["adopted"],
                    "implemented",
                    Some(&t),
                    None,
                    None,
                    now,
                )
                .await?,
                format!("您提出的“{}”已落实：{t}", s.title),
            )
        }
        "not_adopt" => {
            let t = text(&a.text, 1000, "REASON_REQUIRED", "text")?;
            (
                store::set_status(
                    &mut tx,
                    id,
                    &["received", "answered", "adopted"],
                    "not_adopted",
                    None,
                    Some(&t),
                    None,
                    now,
                )
                .await?,
                format!("您提出的“{}”未被采纳，原因：{t}", s.title),
            )
        }
        "merge" => {
            let into = a.into.ok_or(invalid("MERGE_TARGET_INVALID", "into"))?;
            let target = store::suggestion(&mut tx, into)
                .await?
                .filter(|t| {
                    t.id != id
                        && t.community_id == s.community_id
                        && !matches!(t.status.as_str(), "merged" | "not_adopted" | "implemented")
                })
                .ok_or(invalid("MERGE_TARGET_INVALID", "into"))?;
            let ok = store::set_status(
                &mut tx,
                id,
                open,
                "merged",
                None,
                None,
                Some(target.id),
                now,
            )
            .await?;
            if ok {
                store::move_supports(&mut tx, id, target.id, now).await?;
            }
            (
                ok,
                format!(
                    "您提出的“{}”与“{}”内容相同，已合并办理。",
                    s.title, target.title
                ),
            )
        }
        _ => return Err(invalid("ACTION_INVALID", "action")),
    };
    if !ok {
        return Err(AppError::Conflict("SUGGESTION_STATE"));
    }
    if let Some(r) = s.resident_id {
        let users = crate::auth::service::accounts_of_residents(&mut tx, &[r]).await?;
        crate::notify::service::send(
            st,
            &mut tx,
            &users,
            None,
            "suggestion",
            "议事建议有了新进展",
            &told,
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("suggestion.act", "suggestion", id)
            .with(serde_json::json!({"action": a.action, "into": a.into})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One month of a community's suggestions, counted from the rows (merged duplicates are
/// not counted twice: they are left out).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct MonthRates {
    /// `YYYY-MM` (Beijing time) of receipt.
    pub month: String,
    pub received: i64,
    /// Answered, adopted, implemented or not adopted (every one given a reply).
    pub replied: i64,
    pub adopted: i64,
    pub implemented: i64,
    pub not_adopted: i64,
    /// 落实率: implemented ÷ received, in percent with one decimal.
    pub implemented_pct: f64,
}

pub async fn rates(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<Vec<MonthRates>> {
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    let rows = store::statuses(&mut tx, c).await?;
    drop(tx);
    let mut by: std::collections::BTreeMap<String, MonthRates> = Default::default();
    for (status, at) in rows {
        if status == "merged" {
            continue;
        }
        let (y, m, _) = crate::clock::ymd_cn(at);
        let month = format!("{y}-{m:02}");
        let r = by.entry(month.clone()).or_insert_with(|| MonthRates {
            month,
            ..MonthRates::default()
        });
        r.received += 1;
        if status != "received" {
            r.replied += 1;
        }
        match status.as_str() {
            "adopted" => r.adopted += 1,
            "implemented" => {
                r.adopted += 1;
                r.implemented += 1;
            }
            "not_adopted" => r.not_adopted += 1,
            _ => {}
        }
    }
    Ok(by
        .into_values()
        .rev()
        .map(|mut r| {
            r.implemented_pct = (r.implemented * 1000 / r.received.max(1)) as f64 / 10.0;
            r
        })
        .collect())
}
