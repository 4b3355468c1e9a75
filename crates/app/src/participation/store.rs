//! Every SQL statement of 议事协商: bodies and members, meetings with attendance and
//! decisions, suggestions with their support.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BodyRow {
    pub id: i64,
    pub kind: String,
    pub community_id: i64,
    pub scope_id: i64,
    pub name: String,
    pub term_start: String,
    pub term_end: String,
}

pub async fn insert_body(tx: &mut Tx, b: &BodyRow, by: i64, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into bodies (kind, community_id, scope_id, name, term_start, term_end, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(&b.kind)
    .bind(b.community_id)
    .bind(b.scope_id)
    .bind(&b.name)
    .bind(&b.term_start)
    .bind(&b.term_end)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

const BODY_COLS: &str = "id, kind, community_id, scope_id, name, term_start, term_end";

pub async fn body(tx: &mut Tx, id: i64) -> Result<Option<BodyRow>, sqlx::Error> {
    let sql = format!("select {BODY_COLS} from bodies where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn bodies(tx: &mut Tx, community: i64) -> Result<Vec<BodyRow>, sqlx::Error> {
    let sql = format!("select {BODY_COLS} from bodies where community_id = $1 order by id");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub resident_id: i64,
    pub role: String,
    pub elected_on: String,
}

/// Adds a member (false: they are one already).
pub async fn add_member(
    tx: &mut Tx,
    body: i64,
    m: &MemberRow,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into body_members (body_id, resident_id, role, elected_on, created_at) values ($1, $2, $3, $4, $5) \
         on conflict (body_id, resident_id) do nothing"
    )
    .bind(body)
    .bind(m.resident_id)
    .bind(&m.role)
    .bind(&m.elected_on)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn members(tx: &mut Tx, body: i64) -> Result<Vec<MemberRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select resident_id, role, elected_on from body_members where body_id = $1 order by id"
    )
    .bind(body)
    .fetch_all(&mut **x)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    pub id: i64,
    pub body_id: i64,
    pub community_id: i64,
    pub title: String,
    pub agenda: String,
    pub place: String,
    pub starts_at: i64,
    pub noticed_at: i64,
    pub checkin_token: String,
    pub minutes_document_id: Option<i64>,
}

const MEETING_COLS: &str = "id, body_id, community_id, title, agenda, place, starts_at, noticed_at, checkin_token, minutes_document_id";

pub async fn insert_meeting(
    tx: &mut Tx,
    m: &MeetingRow,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into meetings (body_id, community_id, title, agenda, place, starts_at, noticed_at, checkin_token, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id"
    )
    .bind(m.body_id)
    .bind(m.community_id)
    .bind(&m.title)
    .bind(&m.agenda)
    .bind(&m.place)
    .bind(m.starts_at)
    .bind(m.noticed_at)
    .bind(&m.checkin_token)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn meeting(tx: &mut Tx, id: i64) -> Result<Option<MeetingRow>, sqlx::Error> {
    let sql = format!("select {MEETING_COLS} from meetings where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn meetings(tx: &mut Tx, community: i64) -> Result<Vec<MeetingRow>, sqlx::Error> {
    let sql = format!(
        "select {MEETING_COLS} from meetings where community_id = $1 order by starts_at desc limit 50"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

pub async fn set_minutes(tx: &mut Tx, meeting: i64, document: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update meetings set minutes_document_id = $2 where id = $1 and minutes_document_id is null"
    )
    .bind(meeting)
    .bind(document)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// Records an attendance (false: they were recorded already).
pub async fn attend(
    tx: &mut Tx,
    meeting: i64,
    resident: i64,
    how: &str,
    by: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into meeting_attendance (meeting_id, resident_id, how, marked_by, at) values ($1, $2, $3, $4, $5) \
         on conflict (meeting_id, resident_id) do nothing"
    )
    .bind(meeting)
    .bind(resident)
    .bind(how)
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// (resident, how) of each attendant, in the order they came.
pub async fn attendance(tx: &mut Tx, meeting: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select resident_id, how from meeting_attendance where meeting_id = $1 order by at"
    )
    .bind(meeting)
    .fetch_all(&mut **x)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    pub id: i64,
    pub meeting_id: i64,
    pub community_id: i64,
    pub text: String,
    pub owner: String,
    pub due_on: String,
    pub status: String,
    pub done_note: Option<String>,
    pub done_at: Option<i64>,
}

const DECISION_COLS: &str =
    "id, meeting_id, community_id, text, owner, due_on, status, done_note, done_at";

pub async fn insert_decision(tx: &mut Tx, d: &DecisionRow, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "insert into decisions (meeting_id, community_id, text, owner, due_on, status, created_at) \
         values ($1, $2, $3, $4, $5, 'open', $6) returning id"
    )
    .bind(d.meeting_id)
    .bind(d.community_id)
    .bind(&d.text)
    .bind(&d.owner)
    .bind(&d.due_on)
    .bind(now)
    .fetch_one(&mut **x)
    .await)
}

pub async fn decision(tx: &mut Tx, id: i64) -> Result<Option<DecisionRow>, sqlx::Error> {
    let sql = format!("select {DECISION_COLS} from decisions where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn decisions(tx: &mut Tx, meeting: i64) -> Result<Vec<DecisionRow>, sqlx::Error> {
    let sql = format!("select {DECISION_COLS} from decisions where meeting_id = $1 order by id");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(meeting)
        .fetch_all(&mut **x)
        .await)
}

/// Marks a decision carried out (false: it was already).
pub async fn decision_done(
    tx: &mut Tx,
    id: i64,
    note: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update decisions set status = 'done', done_note = $2, done_at = $3 where id = $1 and status = 'open'"
    )
    .bind(id)
    .bind(note)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SuggestionRow {
    pub id: i64,
    pub community_id: i64,
    pub kind: String,
    pub channel: String,
    pub title: String,
    pub body: String,
    pub resident_id: Option<i64>,
    pub status: String,
    pub answer: Option<String>,
    pub reason: Option<String>,
    pub merged_into: Option<i64>,
    pub meeting_id: Option<i64>,
    pub supports: i64,
    pub created_at: i64,
    pub answered_at: Option<i64>,
    pub closed_at: Option<i64>,
}

const SUGGESTION_COLS: &str = "id, community_id, kind, channel, title, body, resident_id, status, answer, reason, merged_into, meeting_id, supports, created_at, answered_at, closed_at";

pub struct NewSuggestion<'a> {
    pub community_id: i64,
    pub kind: &'a str,
    pub channel: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub resident_id: Option<i64>,
    pub entered_by: Option<i64>,
    pub now: i64,
}

pub async fn insert_suggestion(tx: &mut Tx, s: &NewSuggestion<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into suggestions (community_id, kind, channel, title, body, resident_id, entered_by, status, supports, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, 'received', 0, $8) returning id"
    )
    .bind(s.community_id)
    .bind(s.kind)
    .bind(s.channel)
    .bind(s.title)
    .bind(s.body)
    .bind(s.resident_id)
    .bind(s.entered_by)
    .bind(s.now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn suggestion(tx: &mut Tx, id: i64) -> Result<Option<SuggestionRow>, sqlx::Error> {
    let sql = format!("select {SUGGESTION_COLS} from suggestions where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// A community's suggestions, newest first (at most `limit`).
pub async fn suggestions(
    tx: &mut Tx,
    community: i64,
    limit: i64,
) -> Result<Vec<SuggestionRow>, sqlx::Error> {
    let sql = format!(
        "select {SUGGESTION_COLS} from suggestions where community_id = $1 order by id desc limit $2"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// (status, created_at) of every suggestion of a community, for its monthly rates.
pub async fn statuses(tx: &mut Tx, community: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select status, created_at from suggestions where community_id = $1"
    )
    .bind(community)
    .fetch_all(&mut **x)
    .await)
}

/// Moves a suggestion from one of `from` to `to` with its text (false: it was in another
/// status, someone acted first).
#[allow(clippy::too_many_arguments)]
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: &[&str],
    to: &str,
    answer: Option<&str>,
    reason: Option<&str>,
    merged_into: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let from = from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(",");
    let closed = matches!(to, "implemented" | "not_adopted" | "merged");
    let sql = format!(
        "update suggestions set status = $2, answer = coalesce($3, answer), reason = coalesce($4, reason), \
         merged_into = coalesce($5, merged_into), answered_at = coalesce(answered_at, $6), \
         closed_at = case when $7 then $6 else closed_at end where id = $1 and status in ({from})"
    );
    let n = on_tx!(tx, |x| sqlx::query(&sql)
        .bind(id)
        .bind(to)
        .bind(answer)
        .bind(reason)
        .bind(merged_into)
        .bind(now)
        .bind(closed)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records a resident's support (false: they support it already) and recounts.
pub async fn support(tx: &mut Tx, id: i64, resident: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into suggestion_supports (suggestion_id, resident_id, created_at) values ($1, $2, $3) \
         on conflict (suggestion_id, resident_id) do nothing"
    )
    .bind(id)
    .bind(resident)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    recount(tx, id).await?;
    Ok(n == 1)
}

async fn recount(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "update suggestions set supports = (select count(*) from suggestion_supports where suggestion_id = $1) where id = $1"
    )
    .bind(id)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

/// The supporters of `from` also support `into` (each once), and `into` is recounted.
pub async fn move_supports(tx: &mut Tx, from: i64, into: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "insert into suggestion_supports (suggestion_id, resident_id, created_at) \
         select $2, resident_id, $3 from suggestion_supports where suggestion_id = $1 \
         on conflict (suggestion_id, resident_id) do nothing"
    )
    .bind(from)
    .bind(into)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|_| ()))?;
    recount(tx, into).await
}

/// The suggestions `resident` supports among `ids`.
pub async fn supported_by(tx: &mut Tx, resident: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select suggestion_id from suggestion_supports where resident_id = $1"
    )
    .bind(resident)
    .fetch_all(&mut **x)
    .await)
}

/// Matters with enough support not yet on an agenda.
pub async fn qualified(
    tx: &mut Tx,
    community: i64,
    threshold: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, title from suggestions where community_id = $1 and kind = 'matter' and meeting_id is null \
         and status in ('received', 'answered') and supports >= $2 order by id"
    )
    .bind(community)
    .bind(threshold)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn put_on_agenda(tx: &mut Tx, id: i64, meeting: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update suggestions set meeting_id = $2 where id = $1"
    )
    .bind(id)
    .bind(meeting)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}
