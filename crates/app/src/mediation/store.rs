//! Every SQL statement of dispute mediation.

use crate::db::Tx;
use crate::on_tx;

macro_rules! cols {
    () => {
        "id, dtype, title, account_enc, wants_enc, risk, risk_reasons, status, level, resolved_level, channel, street_id, community_id, case_id, filed_by, follow_up_days, follow_up_due, created_at, updated_at, closed_at"
    };
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DisputeRow {
    pub id: i64,
    pub dtype: String,
    pub title: String,
    pub account_enc: String,
    pub wants_enc: String,
    pub risk: String,
    pub risk_reasons: String,
    pub status: String,
    pub level: String,
    pub resolved_level: Option<String>,
    pub channel: String,
    pub street_id: i64,
    pub community_id: i64,
    pub case_id: Option<i64>,
    pub filed_by: i64,
    pub follow_up_days: i64,
    pub follow_up_due: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

/// A dispute ready to store (personal fields already encrypted).
pub struct NewDispute<'a> {
    pub dtype: &'a str,
    pub title: &'a str,
    pub account_enc: &'a str,
    pub wants_enc: &'a str,
    pub risk: &'a str,
    pub risk_reasons: &'a str,
    pub channel: &'a str,
    pub street_id: i64,
    pub community_id: i64,
    pub case_id: Option<i64>,
    pub filed_by: i64,
    pub follow_up_days: i64,
    pub now: i64,
}

const INSERT: &str = "insert into disputes (dtype, title, account_enc, wants_enc, risk, risk_reasons, status, level, channel, street_id, community_id, case_id, filed_by, follow_up_days, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, 'filed', 'community', $7, $8, $9, $10, $11, $12, $13, $13) returning id";

pub async fn insert(tx: &mut Tx, d: &NewDispute<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT)
        .bind(d.dtype)
        .bind(d.title)
        .bind(d.account_enc)
        .bind(d.wants_enc)
        .bind(d.risk)
        .bind(d.risk_reasons)
        .bind(d.channel)
        .bind(d.street_id)
        .bind(d.community_id)
        .bind(d.case_id)
        .bind(d.filed_by)
        .bind(d.follow_up_days)
        .bind(d.now)
        .fetch_one(&mut **c)
        .await)
}

/// The dispute, read for update on PostgreSQL (a write transaction on SQLite is already
/// exclusive).
pub async fn find(tx: &mut Tx, id: i64, lock: bool) -> Result<Option<DisputeRow>, sqlx::Error> {
    let sql = if lock && matches!(tx.inner, crate::db::TxInner::Pg(_)) {
        FIND_LOCK
    } else {
        FIND
    };
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}
const FIND: &str = concat!("select ", cols!(), " from disputes where id = $1");
const FIND_LOCK: &str = concat!(
    "select ",
    cols!(),
    " from disputes where id = $1 for update"
);

pub async fn find_by_case(tx: &mut Tx, case_id: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "select id from disputes where case_id = $1"
    )
    .bind(case_id)
    .fetch_optional(&mut **c)
    .await)
}

/// Who a list is for: supervisors by place ($1 all, $2 street, $3 community), anyone by
/// standing ($4 user: party, mediator or filer; $5 resident: party).
#[derive(Debug, Clone, Copy)]
pub struct Visible {
    pub all: bool,
    pub street: i64,
    pub community: i64,
    pub user: i64,
    pub resident: i64,
}

macro_rules! visible {
    () => {
        "($1 or d.street_id = $2 or d.community_id = $3 or d.filed_by = $4 \
     or exists (select 1 from dispute_parties p where p.dispute_id = d.id and (p.user_id = $4 or p.resident_id = $5)) \
     or exists (select 1 from dispute_mediators m where m.dispute_id = d.id and m.user_id = $4))"
    };
}
const LIST: &str = concat!(
    "select d.id, d.dtype, d.title, d.account_enc, d.wants_enc, d.risk, d.risk_reasons, d.status, d.level, d.resolved_level, d.channel, d.street_id, d.community_id, d.case_id, d.filed_by, d.follow_up_days, d.follow_up_due, d.created_at, d.updated_at, d.closed_at \
     from disputes d where ",
    visible!(),
    " and ($6 = '' or d.status = $6) order by d.id desc limit $7 offset $8"
);
const COUNT: &str = concat!(
    "select count(*) from disputes d where ",
    visible!(),
    " and ($6 = '' or d.status = $6)"
);

pub async fn list(
    tx: &mut Tx,
    v: Visible,
    status: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<DisputeRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |c| sqlx::query_as(LIST)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **c)
        .await)?;
    let total = on_tx!(tx, |c| sqlx::query_scalar(COUNT)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(status)
        .fetch_one(&mut **c)
        .await)?;
    Ok((rows, total))
}

/// One closed or open dispute as the figures count it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureRow {
    pub dtype: String,
    pub status: String,
    pub resolved_level: Option<String>,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub lead: Option<i64>,
}

const FIGURES: &str = concat!(
    "select d.dtype, d.status, d.resolved_level, d.created_at, d.closed_at, \
       (select m.user_id from dispute_mediators m where m.dispute_id = d.id and m.lead order by m.assigned_at limit 1) as lead \
     from disputes d where ",
    visible!(),
    " and d.created_at >= $6"
);

pub async fn figures(tx: &mut Tx, v: Visible, since: i64) -> Result<Vec<FigureRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(FIGURES)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(since)
        .fetch_all(&mut **c)
        .await)
}

/// Resolved disputes whose follow-up visit is due, visible to `v`.
pub async fn follow_ups_due(
    tx: &mut Tx,
    v: Visible,
    now: i64,
) -> Result<Vec<DisputeRow>, sqlx::Error> {
    const SQL: &str = concat!(
        "select d.id, d.dtype, d.title, d.account_enc, d.wants_enc, d.risk, d.risk_reasons, d.status, d.level, d.resolved_level, d.channel, d.street_id, d.community_id, d.case_id, d.filed_by, d.follow_up_days, d.follow_up_due, d.created_at, d.updated_at, d.closed_at \
         from disputes d where ",
        visible!(),
        " and d.status = 'resolved' and d.follow_up_due <= $6 order by d.follow_up_due limit 50"
    );
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(v.all)
        .bind(v.street)
        .bind(v.community)
        .bind(v.user)
        .bind(v.resident)
        .bind(now)
        .fetch_all(&mut **c)
        .await)
}

/// The new state of a dispute after an action.
pub struct Transition<'a> {
    pub status: &'a str,
    pub level: &'a str,
    pub resolved_level: Option<&'a str>,
    pub follow_up_due: Option<i64>,
    pub closed_at: Option<i64>,
    pub now: i64,
}

pub async fn set_state(tx: &mut Tx, id: i64, t: &Transition<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "update disputes set status = $2, level = $3, resolved_level = $4, follow_up_due = $5, closed_at = $6, updated_at = $7 where id = $1"
    )
    .bind(id)
    .bind(t.status)
    .bind(t.level)
    .bind(t.resolved_level)
    .bind(t.follow_up_due)
    .bind(t.closed_at)
    .bind(t.now)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

/// Marks a dispute changed (its index entry is refreshed on every node).
pub async fn touch(tx: &mut Tx, id: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update disputes set updated_at = $2 where id = $1"
    )
    .bind(id)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

/// Disputes changed at or after `since` (epoch ms), oldest first.
pub async fn changed_since(
    tx: &mut Tx,
    since: i64,
    limit: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, updated_at from disputes where updated_at >= $1 order by updated_at, id limit $2"
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut **c)
    .await
    })
}

/// The follow-up visit is done.
pub async fn clear_follow_up(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update disputes set follow_up_due = null where id = $1"
    )
    .bind(id)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

// ---- parties ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartyRow {
    pub id: i64,
    pub side: String,
    pub name_enc: String,
    pub phone_enc: Option<String>,
    pub user_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub consent: String,
    pub consent_at: Option<i64>,
    pub consent_by: Option<i64>,
    pub position_enc: Option<String>,
    pub confirmed_at: Option<i64>,
}

pub struct NewParty<'a> {
    pub side: &'a str,
    pub name_enc: &'a str,
    pub phone_enc: Option<&'a str>,
    pub user_id: Option<i64>,
    pub resident_id: Option<i64>,
    /// `yes` when the party filed it themselves (filing is asking for mediation).
    pub consent: &'a str,
    pub consent_at: Option<i64>,
    pub consent_by: Option<i64>,
}

pub async fn insert_party(tx: &mut Tx, dispute: i64, p: &NewParty<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_parties (dispute_id, side, name_enc, phone_enc, user_id, resident_id, consent, consent_at, consent_by) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id"
    )
    .bind(dispute)
    .bind(p.side)
    .bind(p.name_enc)
    .bind(p.phone_enc)
    .bind(p.user_id)
    .bind(p.resident_id)
    .bind(p.consent)
    .bind(p.consent_at)
    .bind(p.consent_by)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn parties(tx: &mut Tx, dispute: i64) -> Result<Vec<PartyRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, dispute_id, side, name_enc, phone_enc, user_id, resident_id, consent, consent_at, consent_by, position_enc, confirmed_at, confirmed_by \
         from dispute_parties where dispute_id = $1 order by id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

pub async fn set_consent(
    tx: &mut Tx,
    party: i64,
    consent: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set consent = $2, consent_by = $3, consent_at = $4 where id = $1"
    )
    .bind(party)
    .bind(consent)
    .bind(by)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

pub async fn set_position(tx: &mut Tx, party: i64, position_enc: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set position_enc = $2 where id = $1"
    )
    .bind(party)
    .bind(position_enc)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

pub async fn confirm(tx: &mut Tx, party: i64, by: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set confirmed_at = $3, confirmed_by = $2 where id = $1"
    )
    .bind(party)
    .bind(by)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

/// A new draft: every confirmation starts over.
pub async fn clear_confirmations(tx: &mut Tx, dispute: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(
        "update dispute_parties set confirmed_at = null, confirmed_by = null where dispute_id = $1"
    )
    .bind(dispute)
    .execute(&mut **c)
    .await
    .map(|_| ()))
}

// ---- mediators ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediatorRow {
    pub user_id: i64,
    pub display_name: String,
    pub office: String,
    pub skills: String,
    pub communities: String,
    pub capacity: i64,
    pub available: bool,
    /// Open disputes they are on now.
    pub load: i64,
}

pub async fn mediator_pool(tx: &mut Tx) -> Result<Vec<MediatorRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        // Load counts open disputes only: found through the status index, they are few even
        // when the closed ones are millions.
        "select m.user_id, u.display_name, m.office, m.skills, m.communities, m.capacity, m.available, \
           coalesce(l.n, 0) as load \
         from mediators m join users u on u.id = m.user_id \
         left join (select dm.user_id, count(*) as n from disputes d join dispute_mediators dm on dm.dispute_id = d.id \
                    where d.status in ('filed', 'mediating', 'agreed') group by dm.user_id) l on l.user_id = m.user_id \
         where not u.disabled order by m.user_id"
    )
    .fetch_all(&mut **c)
    .await
    })
}

pub struct MediatorProfile<'a> {
    pub user_id: i64,
    pub office: &'a str,
    pub skills: &'a str,
    pub communities: &'a str,
    pub capacity: i64,
    pub available: bool,
}

pub async fn put_mediator(tx: &mut Tx, m: &MediatorProfile<'_>) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into mediators (user_id, office, skills, communities, capacity, available) values ($1, $2, $3, $4, $5, $6) \
         on conflict (user_id) do update set office = excluded.office, skills = excluded.skills, communities = excluded.communities, \
           capacity = excluded.capacity, available = excluded.available"
    )
    .bind(m.user_id)
    .bind(m.office)
    .bind(m.skills)
    .bind(m.communities)
    .bind(m.capacity)
    .bind(m.available)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignedRow {
    pub user_id: i64,
    pub display_name: String,
    pub office: String,
    pub lead: bool,
    pub score: Option<f64>,
}

pub async fn assigned(tx: &mut Tx, dispute: i64) -> Result<Vec<AssignedRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select m.user_id, u.display_name, m.office, m.lead, m.score, m.assigned_at \
         from dispute_mediators m join users u on u.id = m.user_id where m.dispute_id = $1 order by m.lead desc, m.assigned_at, m.user_id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

pub async fn assign(
    tx: &mut Tx,
    dispute: i64,
    user: i64,
    office: &str,
    lead: bool,
    score: Option<f64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into dispute_mediators (dispute_id, user_id, office, lead, score, assigned_at) values ($1, $2, $3, $4, $5, $6) \
         on conflict (dispute_id, user_id) do nothing"
    )
    .bind(dispute)
    .bind(user)
    .bind(office)
    .bind(lead)
    .bind(score)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

// ---- sessions, agreements, follow-ups, attachments, events ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub held_at: i64,
    pub mode: String,
    pub place: String,
    pub minutes_enc: String,
    pub recorder: String,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_session(
    tx: &mut Tx,
    dispute: i64,
    held_at: i64,
    mode: &str,
    place: &str,
    minutes_enc: &str,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_sessions (dispute_id, held_at, mode, place, minutes_enc, recorded_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id"
    )
    .bind(dispute)
    .bind(held_at)
    .bind(mode)
    .bind(place)
    .bind(minutes_enc)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn sessions(tx: &mut Tx, dispute: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select s.id, s.held_at, s.mode, s.place, s.minutes_enc, s.recorded_by, u.display_name as recorder \
         from dispute_sessions s join users u on u.id = s.recorded_by where s.dispute_id = $1 order by s.held_at, s.id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgreementRow {
    pub id: i64,
    pub version: i64,
    pub terms_enc: String,
    pub sha256: String,
    pub drafted_by: i64,
    pub created_at: i64,
}

pub async fn insert_agreement(
    tx: &mut Tx,
    dispute: i64,
    terms_enc: &str,
    sha256: &str,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_agreements (dispute_id, version, terms_enc, sha256, drafted_by, created_at) \
         values ($1, (select coalesce(max(version), 0) + 1 from dispute_agreements where dispute_id = $1), $2, $3, $4, $5) returning version"
    )
    .bind(dispute)
    .bind(terms_enc)
    .bind(sha256)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn agreement(tx: &mut Tx, dispute: i64) -> Result<Option<AgreementRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, version, terms_enc, sha256, drafted_by, created_at from dispute_agreements where dispute_id = $1 order by version desc limit 1"
    )
    .bind(dispute)
    .fetch_optional(&mut **c)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowUpRow {
    pub holds: bool,
    pub note_enc: String,
    pub visitor: String,
    pub created_at: i64,
}

pub async fn insert_followup(
    tx: &mut Tx,
    dispute: i64,
    holds: bool,
    note_enc: &str,
    by: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into dispute_followups (dispute_id, holds, note_enc, visited_by, created_at) values ($1, $2, $3, $4, $5)"
    )
    .bind(dispute)
    .bind(holds)
    .bind(note_enc)
    .bind(by)
    .bind(now)
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

pub async fn followups(tx: &mut Tx, dispute: i64) -> Result<Vec<FollowUpRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select f.holds, f.note_enc, u.display_name as visitor, f.created_at from dispute_followups f join users u on u.id = f.visited_by \
         where f.dispute_id = $1 order by f.id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: i64,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
}

pub struct NewAttachment<'a> {
    pub name: &'a str,
    pub mime: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub data_enc: &'a str,
    pub by: i64,
    pub now: i64,
}

pub async fn insert_attachment(
    tx: &mut Tx,
    dispute: i64,
    a: &NewAttachment<'_>,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "insert into dispute_attachments (dispute_id, name, mime, size, sha256, data_enc, uploaded_by, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id"
    )
    .bind(dispute)
    .bind(a.name)
    .bind(a.mime)
    .bind(a.size)
    .bind(a.sha256)
    .bind(a.data_enc)
    .bind(a.by)
    .bind(a.now)
    .fetch_one(&mut **c)
    .await
    })
}

pub async fn attachments(tx: &mut Tx, dispute: i64) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, dispute_id, name, mime, size, sha256, created_at from dispute_attachments where dispute_id = $1 order by id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

/// An attachment's owner dispute and its encrypted bytes.
pub async fn attachment_data(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<(i64, String, String, String)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(
        "select dispute_id, name, mime, data_enc from dispute_attachments where id = $1"
    )
    .bind(id)
    .fetch_optional(&mut **c)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub at: i64,
    pub actor: Option<String>,
    pub kind: String,
    pub detail: String,
}

pub async fn event(
    tx: &mut Tx,
    dispute: i64,
    actor: Option<i64>,
    kind: &str,
    detail: &serde_json::Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query(
        "insert into dispute_events (dispute_id, at, actor_id, kind, detail) values ($1, $2, $3, $4, $5)"
    )
    .bind(dispute)
    .bind(now)
    .bind(actor)
    .bind(kind)
    .bind(detail.to_string())
    .execute(&mut **c)
    .await
    .map(|_| ())
    })
}

pub async fn events(tx: &mut Tx, dispute: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_as(
        "select e.at, u.display_name as actor, e.kind, e.detail from dispute_events e left join users u on u.id = e.actor_id \
         where e.dispute_id = $1 order by e.id"
    )
    .bind(dispute)
    .fetch_all(&mut **c)
    .await
    })
}

/// Users to alert about a high-risk dispute: police mediators and the street's staff.
pub async fn alert_recipients(tx: &mut Tx, street: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |c| {
        sqlx::query_scalar(
        "select u.id from users u left join mediators m on m.user_id = u.id \
         where not u.disabled and ((m.office = 'police' and m.available) \
           or (u.role = 'street_staff' and u.scope_kind = 'street' and u.scope_id = $1)) order by u.id"
    )
    .bind(street)
    .fetch_all(&mut **c)
    .await
    })
}

/// The account of a resident, if they have one.
pub async fn user_of_resident(tx: &mut Tx, resident: i64) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "select id from users where resident_id = $1 and not disabled order by id limit 1"
    )
    .bind(resident)
    .fetch_optional(&mut **c)
    .await)
}

/// What the similar-case index needs of a dispute.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IndexRow {
    pub id: i64,
    pub dtype: String,
    pub title: String,
    pub account_enc: String,
    pub status: String,
    pub resolved_level: Option<String>,
    pub street_id: i64,
    pub community_id: i64,
    pub filed_by: i64,
}

/// Up to `limit` disputes after `after` (by id), with the users and residents who have
/// standing in each (parties' accounts and residents, mediators).
#[allow(clippy::type_complexity)]
pub async fn index_batch(
    tx: &mut Tx,
    after: i64,
    limit: i64,
) -> Result<(Vec<IndexRow>, Vec<(i64, Option<i64>, Option<i64>)>), sqlx::Error> {
    let rows: Vec<IndexRow> = on_tx!(tx, |c| {
        sqlx::query_as(
        "select id, dtype, title, account_enc, status, resolved_level, street_id, community_id, filed_by \
         from disputes where id > $1 order by id limit $2"
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut **c)
    .await
    })?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok((rows, vec![]));
    };
    let (lo, hi) = (first.id, last.id);
    let people: Vec<(i64, Option<i64>, Option<i64>)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "select dispute_id, user_id, resident_id from dispute_parties where dispute_id between $1 and $2 \
         union all select dispute_id, user_id, null from dispute_mediators where dispute_id between $1 and $2"
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut **c)
    .await
    })?;
    Ok((rows, people))
}
