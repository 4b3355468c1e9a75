//! 能人库: who may do what. A resident (a retired teacher, doctor, lawyer) or one of
//! mediation's lawyers lists themselves under their own consent (`talent_listing`;
//! withdrawing it unlists them and erases the profile); staff verify their certificates and
//! keep volunteer teams; talents open consultation slots (a lawyer's monthly 法律咨询) that
//! residents of the community book, one person per slot. A booker's question is sealed and
//! read only by the talent and the booker; staff see that a slot is booked, not what was
//! asked. Consultations held are counted from rows.

use gongzhi_core::identity::Role;
use serde::{Deserialize, Serialize};

use super::store::{self, SlotRow, TalentRow};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub const SKILLS: [&str; 9] = [
    "legal",
    "medical",
    "teaching",
    "psychology",
    "repair",
    "it",
    "arts",
    "cooking",
    "finance",
];
pub const OUTCOMES: [&str; 4] = ["advice", "referred", "mediation", "no_show"];
pub const PURPOSE: &str = "talent_listing";
pub(crate) const QUESTION_FIELD: &str = "talent_question";
pub(crate) const OUTCOME_FIELD: &str = "talent_outcome_note";
/// Future bookings one person may hold at once (so a few cannot take every slot).
const MAX_OPEN_BOOKINGS: i64 = 2;

fn invalid(code: &'static str, field: &'static str) -> AppError {
    AppError::Invalid {
        code,
        field: Some(field),
    }
}

fn text(s: &str, max: usize, field: &'static str) -> AppResult<String> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(invalid("TALENT_TEXT_INVALID", field));
    }
    Ok(t.to_string())
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// The community a caller acts in: a mediator's is the one their listing names (or
/// `wanted`), anyone else's is participation's rule.
async fn community(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<i64> {
    if u.role == Role::Mediator {
        if let Some(w) = wanted {
            return Ok(w);
        }
        let mut tx = st.db.read().await?;
        return store::talent_of_user(&mut tx, u.id)
            .await?
            .map(|t| t.community_id)
            .ok_or(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    crate::participation::service::community_of(st, u, wanted).await
}

fn manages(st: &AppState, u: &CurrentUser, c: i64) -> bool {
    crate::participation::service::manages(st, u, c)
}

use crate::participation::service::must_manage;

/// Whether `u` reads community `c`'s talent pool: its residents, staff whose area holds it,
/// and a talent listed in it (a mediation lawyer serving the community).
async fn reads(st: &AppState, u: &CurrentUser, c: i64) -> AppResult<bool> {
    Ok(match u.role {
        Role::UnitStaff => false,
        Role::Mediator => {
            let mut tx = st.db.read().await?;
            store::talent_of_user(&mut tx, u.id)
                .await?
                .is_some_and(|t| t.community_id == c && t.listed == 1)
        }
        Role::Resident => community(st, u, None).await.ok() == Some(c),
        _ => st.org_map().unit_in_scope(c, u.scope) || community(st, u, None).await.ok() == Some(c),
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TalentCertificateIn {
    pub name: String,
    pub issuer: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TalentIn {
    /// How residents address them: 王老师, 李律师.
    pub title: String,
    pub profession: String,
    /// Skill codes: legal, medical, teaching, psychology, repair, it, arts, cooking, finance.
    pub skills: Vec<String>,
    /// When they can help, in their words (每月第一个周六上午).
    pub availability: String,
    /// Replaces the certificates (those kept keep their verification); omitted: unchanged.
    pub certificates: Option<Vec<TalentCertificateIn>>,
    /// A mediator lists themselves in a community they serve; residents: their own.
    pub community: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TalentCertificateView {
    pub id: i64,
    pub name: String,
    pub issuer: String,
    /// Checked by community staff.
    pub verified: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TalentSlotView {
    pub id: i64,
    pub talent_id: i64,
    pub talent: String,
    pub topic: String,
    pub starts_at_ms: i64,
    pub minutes: i64,
    pub place: String,
    pub booked: bool,
    /// Whether the caller booked it.
    pub mine: bool,
    /// The booker's question: to the talent and the booker only.
    pub question: Option<String>,
    /// The booker's name, masked: to the talent and staff.
    pub booker: Option<String>,
    pub outcome: Option<String>,
    pub outcome_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TalentView {
    pub id: i64,
    pub title: String,
    pub profession: String,
    pub skills: Vec<String>,
    pub availability: String,
    pub certificates: Vec<TalentCertificateView>,
    /// Mediation's office when the talent is one of its mediators (`lawyer`, `judicial`).
    pub mediator_office: Option<String>,
    /// Consultations held (booked, and the talent recorded an outcome other than no-show).
    pub consultations: i64,
    /// Their slots from now on.
    pub slots: Vec<TalentSlotView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    pub id: i64,
    pub name: String,
    pub skill: String,
    pub purpose: String,
    /// Members: (talent id, title).
    pub members: Vec<(i64, String)>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TalentOverview {
    pub community_id: i64,
    pub talents: Vec<TalentView>,
    pub teams: Vec<TeamView>,
    /// The caller's own listing (also while unlisted: `None`).
    pub me: Option<TalentView>,
    /// The caller's own slots as a talent, past ones too, with questions.
    pub my_slots: Vec<TalentSlotView>,
    /// Slots the caller booked.
    pub my_bookings: Vec<TalentSlotView>,
    pub manages: bool,
    /// Whether the caller has consented to be listed.
    pub may_list: bool,
    /// A mediator lists themselves in one of these communities: (id, name).
    pub communities: Vec<(i64, String)>,
}

async fn slot_view(
    st: &AppState,
    u: &CurrentUser,
    s: &SlotRow,
    talent: &TalentRow,
) -> AppResult<TalentSlotView> {
    let is_talent = talent.user_id == u.id;
    let mine = s.booked_by == Some(u.id);
    let open =
        |v: &Option<String>, field| v.as_deref().and_then(|x| st.cipher.decrypt(field, x).ok());
    let booker = match s.booked_by {
        Some(b) if is_talent || manages(st, u, s.community_id) => {
            let acc = crate::auth::service::account(st, b).await?;
            let name = match acc.and_then(|a| a.resident_id) {
                Some(r) => crate::residents::service::masked_name(st, r).await?,
                None => String::new(),
            };
            Some(name)
        }
        _ => None,
    };
    Ok(TalentSlotView {
        id: s.id,
        talent_id: s.talent_id,
        talent: talent.title.clone(),
        topic: s.topic.clone(),
        starts_at_ms: s.starts_at,
        minutes: s.minutes,
        place: s.place.clone(),
        booked: s.booked_by.is_some(),
        mine,
        question: if is_talent || mine {
            open(&s.question_enc, QUESTION_FIELD)
        } else {
            None
        },
        booker,
        outcome: s.outcome.clone(),
        outcome_note: if is_talent || mine {
            open(&s.outcome_note_enc, OUTCOME_FIELD)
        } else {
            None
        },
    })
}

async fn talent_view(
    st: &AppState,
    u: &CurrentUser,
    t: &TalentRow,
    held: i64,
    slots: &[SlotRow],
) -> AppResult<TalentView> {
    let mut tx = st.db.read().await?;
    let certificates = store::certificates(&mut tx, t.id)
        .await?
        .into_iter()
        .map(|c| TalentCertificateView {
            id: c.id,
            name: c.name,
            issuer: c.issuer,
            verified: c.verified_at.is_some(),
        })
        .collect();
    drop(tx);
    let mut views = vec![];
    for s in slots.iter().filter(|s| s.talent_id == t.id) {
        views.push(slot_view(st, u, s, t).await?);
    }
    Ok(TalentView {
        id: t.id,
        title: t.title.clone(),
        profession: t.profession.clone(),
        skills: split(&t.skills),
        availability: t.availability.clone(),
        certificates,
        mediator_office: t.mediator_office.clone(),
        consultations: held,
        slots: views,
    })
}

/// The community's talents with their open slots, its teams, and the caller's own listing,
/// slots and bookings.
pub async fn overview(
    st: &AppState,
    u: &CurrentUser,
    wanted: Option<i64>,
) -> AppResult<TalentOverview> {
    let communities: Vec<(i64, String)> = if u.role == Role::Mediator {
        st.org_map()
            .communities()
            .into_iter()
            .map(|c| (c.0, c.1))
            .collect()
    } else {
        vec![]
    };
    if u.role == Role::Mediator && wanted.is_none() {
        let mut tx = st.db.read().await?;
        let listed = store::talent_of_user(&mut tx, u.id)
            .await?
            .is_some_and(|t| t.listed == 1);
        if !listed {
            // Not (yet) listed: only their own listing form.
            let may_list = crate::consent::service::require(st, &mut tx, u, PURPOSE)
                .await
                .is_ok();
            return Ok(TalentOverview {
                community_id: 0,
                talents: vec![],
                teams: vec![],
                me: None,
                my_slots: vec![],
                my_bookings: vec![],
                manages: false,
                may_list,
                communities,
            });
        }
    }
    let c = community(st, u, wanted).await?;
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    let rows = store::talents_in(&mut tx, c).await?;
    let held = store::held_counts(&mut tx, c).await?;
    let upcoming = store::slots_from(&mut tx, c, now).await?;
    let team_rows = store::teams_in(&mut tx, c).await?;
    let mut teams = vec![];
    for t in team_rows {
        teams.push(TeamView {
            members: store::members(&mut tx, t.id).await?,
            id: t.id,
            name: t.name,
            skill: t.skill,
            purpose: t.purpose,
        });
    }
    let own = store::talent_of_user(&mut tx, u.id)
        .await?
        .filter(|t| t.listed == 1);
    let own_slots = match &own {
        Some(t) => store::slots_of_talent(&mut tx, t.id).await?,
        None => vec![],
    };
    let booked = store::slots_booked_by(&mut tx, u.id).await?;
    let may_list = crate::consent::service::require(st, &mut tx, u, PURPOSE)
        .await
        .is_ok();
    drop(tx);
    let count = |id: i64| held.iter().find(|h| h.0 == id).map_or(0, |h| h.1);
    let mut talents = vec![];
    for t in &rows {
        talents.push(talent_view(st, u, t, count(t.id), &upcoming).await?);
    }
    let (me, my_slots) = match &own {
        Some(t) => {
            let mut v = vec![];
            for s in &own_slots {
                v.push(slot_view(st, u, s, t).await?);
            }
            (Some(talent_view(st, u, t, count(t.id), &[]).await?), v)
        }
        None => (None, vec![]),
    };
    let mut my_bookings = vec![];
    let mut tx = st.db.read().await?;
    for s in &booked {
        if let Some(t) = store::talent(&mut tx, s.talent_id).await? {
            my_bookings.push(slot_view(st, u, s, &t).await?);
        }
    }
    Ok(TalentOverview {
        community_id: c,
        talents,
        teams,
        me,
        my_slots,
        my_bookings,
        manages: manages(st, u, c),
        may_list,
        communities,
    })
}

/// Lists the caller (or replaces their listing) under their consent `talent_listing`.
pub async fn put_own(st: &AppState, u: &CurrentUser, r: &TalentIn) -> AppResult<i64> {
    let c = match u.role {
        Role::Resident => community(st, u, None).await?,
        Role::Mediator => {
            let c = match r.community {
                Some(c) => c,
                None => community(st, u, None)
                    .await
                    .map_err(|_| invalid("COMMUNITY_REQUIRED", "community"))?,
            };
            if !st.org_map().communities().iter().any(|x| x.0 == c) {
                return Err(invalid("COMMUNITY_REQUIRED", "community"));
            }
            c
        }
        _ => return Err(AppError::Forbidden("ROLE_FORBIDDEN")),
    };
    let title = text(&r.title, 20, "title")?;
    let profession = text(&r.profession, 60, "profession")?;
    let availability = text(&r.availability, 200, "availability")?;
    let mut skills: Vec<&str> = vec![];
    for s in &r.skills {
        let s = SKILLS
            .iter()
            .find(|x| **x == s.as_str())
            .ok_or(invalid("SKILL_UNKNOWN", "skills"))?;
        if !skills.contains(s) {
            skills.push(s);
        }
    }
    if skills.is_empty() {
        return Err(invalid("SKILL_UNKNOWN", "skills"));
    }
    let certs = match &r.certificates {
        Some(list) if list.len() > 10 => {
            return Err(invalid("TALENT_TEXT_INVALID", "certificates"));
        }
        Some(list) => {
            let mut v = vec![];
            for ci in list {
                v.push((
                    text(&ci.name, 60, "certificates")?,
                    text(&ci.issuer, 60, "certificates")?,
                ));
            }
            Some(v)
        }
        None => None,
    };
    let office = if u.role == Role::Mediator {
        crate::mediation::service::office_of(st, u.id).await?
    } else {
        None
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    crate::consent::service::require(st, &mut tx, u, PURPOSE).await?;
    let id = store::upsert_talent(
        &mut tx,
        &store::TalentIn {
            community_id: c,
            user_id: u.id,
            title: &title,
            profession: &profession,
            skills: &skills.join(","),
            availability: &availability,
            mediator_office: office.as_deref(),
        },
        now,
    )
    .await?;
    // Certificates kept as they were (with their verification) stay; others are replaced.
    if let Some(certs) = &certs {
        let old = store::certificates(&mut tx, id).await?;
        for o in &old {
            if !certs.iter().any(|(n, i)| *n == o.name && *i == o.issuer) {
                store::delete_certificate(&mut tx, o.id).await?;
            }
        }
        for (n, i) in certs {
            if !old.iter().any(|o| o.name == *n && o.issuer == *i) {
                store::insert_certificate(&mut tx, id, n, i).await?;
            }
        }
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("talent.list", "talent", id)
            .with(serde_json::json!({"community": c, "skills": skills})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The caller unlists themselves (the profile is erased; past consultations stay).
pub async fn unlist_own(st: &AppState, u: &CurrentUser) -> AppResult<()> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let n = unlist_in(&mut tx, u.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("talent.unlist", "user", u.id).with(serde_json::json!({"erased": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Unlists account `user` inside a transaction (consent withdrawn): rows erased.
pub async fn unlist_in(tx: &mut crate::db::Tx, user: i64, now: i64) -> AppResult<u64> {
    Ok(store::unlist(tx, user, now).await?)
}

async fn load_talent(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<TalentRow> {
    let mut tx = st.db.read().await?;
    let t = store::talent(&mut tx, id)
        .await?
        .filter(|t| t.listed == 1)
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, t.community_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(t)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TalentVerifyIn {
    pub certificate: i64,
}

/// Staff mark a talent's certificate checked (they saw the original).
pub async fn verify(
    st: &AppState,
    u: &CurrentUser,
    talent: i64,
    r: &TalentVerifyIn,
) -> AppResult<()> {
    let t = load_talent(st, u, talent).await?;
    must_manage(st, u, t.community_id)?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::verify_certificate(&mut tx, t.id, r.certificate, u.id, now).await? {
        return Err(invalid("CERTIFICATE_UNKNOWN", "certificate"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("talent.verify", "talent", t.id)
            .with(serde_json::json!({"certificate": r.certificate})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

mod slots;
mod teams;
pub use slots::*;
pub use teams::*;

/// What 能人库 holds about the caller, for their export (PIPL art. 45): their listing,
/// their slots as a talent, and their bookings with the questions they asked.
pub async fn export_own(st: &AppState, u: &CurrentUser) -> AppResult<serde_json::Value> {
    let mut tx = st.db.read().await?;
    let listing = store::talent_of_user(&mut tx, u.id).await?;
    let certificates = match &listing {
        Some(t) => store::certificates(&mut tx, t.id).await?,
        None => vec![],
    };
    let own_slots = match &listing {
        Some(t) => store::slots_of_talent(&mut tx, t.id).await?,
        None => vec![],
    };
    let booked = store::slots_booked_by(&mut tx, u.id).await?;
    drop(tx);
    let open =
        |v: &Option<String>, field| v.as_deref().and_then(|x| st.cipher.decrypt(field, x).ok());
    Ok(serde_json::json!({
        "listing": listing.as_ref().map(|t| serde_json::json!({
            "title": t.title, "profession": t.profession, "skills": split(&t.skills),
            "availability": t.availability, "listed": t.listed == 1,
            "certificates": certificates.iter().map(|c| serde_json::json!({
                "name": c.name, "issuer": c.issuer, "verified": c.verified_at.is_some(),
            })).collect::<Vec<_>>(),
        })),
        "slots": own_slots.iter().map(|s| serde_json::json!({
            "id": s.id, "starts_at_ms": s.starts_at, "minutes": s.minutes, "place": s.place,
            "booked": s.booked_by.is_some(), "outcome": s.outcome,
            "outcome_note": open(&s.outcome_note_enc, OUTCOME_FIELD),
        })).collect::<Vec<_>>(),
        "bookings": booked.iter().map(|s| serde_json::json!({
            "slot": s.id, "starts_at_ms": s.starts_at, "place": s.place,
            "question": open(&s.question_enc, QUESTION_FIELD), "outcome": s.outcome,
        })).collect::<Vec<_>>(),
    }))
}

/// Erases account `user`'s listing and bookings inside the cancellation's transaction:
/// unlisted (profile erased), future bookings given back, questions erased. Rows changed.
pub async fn erase_user(tx: &mut crate::db::Tx, user: i64, now: i64) -> AppResult<u64> {
    let n = store::unlist(tx, user, now).await?;
    Ok(n + store::erase_bookings(tx, user, now).await?)
}
