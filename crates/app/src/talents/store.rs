//! Every SQL statement of 能人库: talents, certificates, teams and consultation slots.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TalentRow {
    pub id: i64,
    pub community_id: i64,
    pub user_id: i64,
    pub title: String,
    pub profession: String,
    pub skills: String,
    pub availability: String,
    pub mediator_office: Option<String>,
    pub listed: i64,
}

const TALENT_COLS: &str =
    "id, community_id, user_id, title, profession, skills, availability, mediator_office, listed";

pub struct TalentIn<'a> {
    pub community_id: i64,
    pub user_id: i64,
    pub title: &'a str,
    pub profession: &'a str,
    pub skills: &'a str,
    pub availability: &'a str,
    pub mediator_office: Option<&'a str>,
}

/// Creates or replaces `t.user_id`'s listing (listed again): its id.
pub async fn upsert_talent(tx: &mut Tx, t: &TalentIn<'_>, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
            "insert into talents (community_id, user_id, title, profession, skills, availability, mediator_office, listed, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) \
             on conflict (user_id) do update set community_id = excluded.community_id, title = excluded.title, \
               profession = excluded.profession, skills = excluded.skills, availability = excluded.availability, \
               mediator_office = excluded.mediator_office, listed = 1, updated_at = excluded.updated_at \
             returning id",
        )
        .bind(t.community_id)
        .bind(t.user_id)
        .bind(t.title)
        .bind(t.profession)
        .bind(t.skills)
        .bind(t.availability)
        .bind(t.mediator_office)
        .bind(now)
        .fetch_one(&mut **x)
        .await
    })
}

pub async fn talent(tx: &mut Tx, id: i64) -> Result<Option<TalentRow>, sqlx::Error> {
    let sql = format!("select {TALENT_COLS} from talents where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn talent_of_user(tx: &mut Tx, user: i64) -> Result<Option<TalentRow>, sqlx::Error> {
    let sql = format!("select {TALENT_COLS} from talents where user_id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(user)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn talents_in(tx: &mut Tx, community: i64) -> Result<Vec<TalentRow>, sqlx::Error> {
    let sql = format!(
        "select {TALENT_COLS} from talents where community_id = $1 and listed = 1 order by id"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .fetch_all(&mut **x)
        .await)
}

/// Unlists a talent and erases the profile (title kept as the name past consultations
/// show); certificates, memberships and open slots go. Rows changed.
pub async fn unlist(tx: &mut Tx, user: i64, now: i64) -> Result<u64, sqlx::Error> {
    let Some(t) = talent_of_user(tx, user).await? else {
        return Ok(0);
    };
    let mut n = 0;
    for sql in [
        "delete from talent_certificates where talent_id = $1",
        "delete from team_members where talent_id = $1",
        "delete from talent_slots where talent_id = $1 and booked_by is null",
    ] {
        n += on_tx!(tx, |x| sqlx::query(sql)
            .bind(t.id)
            .execute(&mut **x)
            .await
            .map(|r| r.rows_affected()))?;
    }
    n += on_tx!(tx, |x| {
        sqlx::query(
        "update talents set listed = 0, profession = '', skills = '', availability = '', updated_at = $2 where id = $1 and listed = 1"
    )
    .bind(t.id)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub id: i64,
    pub name: String,
    pub issuer: String,
    pub verified_at: Option<i64>,
}

pub async fn certificates(tx: &mut Tx, talent: i64) -> Result<Vec<CertificateRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, name, issuer, verified_at from talent_certificates where talent_id = $1 order by id"
    )
    .bind(talent)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn delete_certificate(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "delete from talent_certificates where id = $1"
    )
    .bind(id)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

pub async fn insert_certificate(
    tx: &mut Tx,
    talent: i64,
    name: &str,
    issuer: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "insert into talent_certificates (talent_id, name, issuer) values ($1, $2, $3)"
    )
    .bind(talent)
    .bind(name)
    .bind(issuer)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

/// Marks a certificate of `talent` verified: whether it was found unverified.
pub async fn verify_certificate(
    tx: &mut Tx,
    talent: i64,
    id: i64,
    by: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "update talent_certificates set verified_by = $3, verified_at = $4 where id = $1 and talent_id = $2 and verified_at is null"
    )
    .bind(id)
    .bind(talent)
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected() == 1)
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamRow {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub skill: String,
    pub purpose: String,
}

pub async fn insert_team(
    tx: &mut Tx,
    community: i64,
    (name, skill, purpose): (&str, &str, &str),
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into teams (community_id, name, skill, purpose, created_by, created_at) values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(community)
    .bind(name)
    .bind(skill)
    .bind(purpose)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn team(tx: &mut Tx, id: i64) -> Result<Option<TeamRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select id, community_id, name, skill, purpose from teams where id = $1"
    )
    .bind(id)
    .fetch_optional(&mut **x)
    .await)
}

pub async fn teams_in(tx: &mut Tx, community: i64) -> Result<Vec<TeamRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, community_id, name, skill, purpose from teams where community_id = $1 order by id"
    )
    .bind(community)
    .fetch_all(&mut **x)
    .await
    })
}

/// Adds a member: false if already one.
pub async fn add_member(
    tx: &mut Tx,
    team: i64,
    talent: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into team_members (team_id, talent_id, joined_at) values ($1, $2, $3) on conflict do nothing"
    )
    .bind(team)
    .bind(talent)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected() == 1)
    })
}

/// A team's members: (talent id, title).
pub async fn members(tx: &mut Tx, team: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select t.id, t.title from team_members m join talents t on t.id = m.talent_id \
         where m.team_id = $1 and t.listed = 1 order by m.joined_at, t.id"
    )
    .bind(team)
    .fetch_all(&mut **x)
    .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SlotRow {
    pub id: i64,
    pub talent_id: i64,
    pub community_id: i64,
    pub topic: String,
    pub starts_at: i64,
    pub minutes: i64,
    pub place: String,
    pub booked_by: Option<i64>,
    pub question_enc: Option<String>,
    pub outcome: Option<String>,
    pub outcome_note_enc: Option<String>,
}

const SLOT_COLS: &str = "id, talent_id, community_id, topic, starts_at, minutes, place, booked_by, question_enc, outcome, outcome_note_enc";

#[allow(clippy::too_many_arguments)]
pub async fn insert_slot(
    tx: &mut Tx,
    talent: i64,
    community: i64,
    topic: &str,
    starts_at: i64,
    minutes: i64,
    place: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into talent_slots (talent_id, community_id, topic, starts_at, minutes, place, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7) returning id"
    )
    .bind(talent)
    .bind(community)
    .bind(topic)
    .bind(starts_at)
    .bind(minutes)
    .bind(place)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn slot(tx: &mut Tx, id: i64) -> Result<Option<SlotRow>, sqlx::Error> {
    let sql = format!("select {SLOT_COLS} from talent_slots where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// Slots of a community from `from` on (open and booked), soonest first.
pub async fn slots_from(
    tx: &mut Tx,
    community: i64,
    from: i64,
) -> Result<Vec<SlotRow>, sqlx::Error> {
    let sql = format!(
        "select {SLOT_COLS} from talent_slots where community_id = $1 and starts_at >= $2 order by starts_at, id limit 500"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(community)
        .bind(from)
        .fetch_all(&mut **x)
        .await)
}

/// A talent's slots (the latest 100).
pub async fn slots_of_talent(tx: &mut Tx, talent: i64) -> Result<Vec<SlotRow>, sqlx::Error> {
    let sql = format!(
        "select {SLOT_COLS} from talent_slots where talent_id = $1 order by starts_at desc, id desc limit 100"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(talent)
        .fetch_all(&mut **x)
        .await)
}

/// Slots booked by account `user` (the latest 50).
pub async fn slots_booked_by(tx: &mut Tx, user: i64) -> Result<Vec<SlotRow>, sqlx::Error> {
    let sql = format!(
        "select {SLOT_COLS} from talent_slots where booked_by = $1 order by starts_at desc limit 50"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(user)
        .fetch_all(&mut **x)
        .await)
}

/// Future bookings `user` holds.
pub async fn open_bookings(tx: &mut Tx, user: i64, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select count(*) from talent_slots where booked_by = $1 and starts_at > $2"
    )
    .bind(user)
    .bind(now)
    .fetch_one(&mut **x)
    .await)
}

/// Books a slot if still free: whether this call got it.
pub async fn book(
    tx: &mut Tx,
    id: i64,
    user: i64,
    question: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "update talent_slots set booked_by = $2, booked_at = $3, question_enc = $4 where id = $1 and booked_by is null"
    )
    .bind(id)
    .bind(user)
    .bind(now)
    .bind(question)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected() == 1)
    })
}

pub async fn unbook(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "update talent_slots set booked_by = null, booked_at = null, question_enc = null where id = $1"
    )
    .bind(id)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

pub async fn delete_slot(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "delete from talent_slots where id = $1"
    )
    .bind(id)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

/// Records a consultation's outcome once: whether this call did.
pub async fn set_outcome(
    tx: &mut Tx,
    id: i64,
    outcome: &str,
    note: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "update talent_slots set outcome = $2, outcome_note_enc = $3, outcome_at = $4 where id = $1 and outcome is null"
    )
    .bind(id)
    .bind(outcome)
    .bind(note)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected() == 1)
    })
}

/// Consultations held by each talent of a community (booked, outcome other than no-show).
pub async fn held_counts(tx: &mut Tx, community: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select talent_id, count(*) from talent_slots where community_id = $1 and booked_by is not null \
         and outcome is not null and outcome <> 'no_show' group by talent_id"
    )
    .bind(community)
    .fetch_all(&mut **x)
    .await
    })
}

/// Erases what account `user` asked in their bookings, and gives back their future
/// bookings (account cancelled): rows changed.
pub async fn erase_bookings(tx: &mut Tx, user: i64, now: i64) -> Result<u64, sqlx::Error> {
    let a = on_tx!(tx, |x| {
        sqlx::query(
        "update talent_slots set booked_by = null, booked_at = null, question_enc = null where booked_by = $1 and starts_at > $2"
    )
    .bind(user)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    let b = on_tx!(tx, |x| {
        sqlx::query(
        "update talent_slots set question_enc = null where booked_by = $1 and question_enc is not null"
    )
    .bind(user)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(a + b)
}
