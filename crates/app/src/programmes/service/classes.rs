//! 四点半课堂: sessions (双师制), enrolment under a guardian's consent, attendance, and
//! outcome measures whose change and interval are computed from the rows.

use gongzhi_core::programmes::outcomes::{self, MeanChange, ShareChange};

use super::*;

/// The separate consent enrolment needs (a child's data is sensitive, PIPL art. 28; under
/// 14 the guardian consents, art. 31).
pub const PURPOSE: &str = "afterschool";
const OUTCOME_FIELD: &str = "afterschool_outcome";
pub const MEASURES: [&str; 2] = ["grade", "wellbeing"];

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ClassSessionIn {
    /// China time, `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    pub minutes: i64,
    pub topic: String,
    /// 双师制: both are named.
    pub teacher: String,
    pub social_worker: String,
}

/// Staff hold a session: its id.
pub async fn add_session(st: &AppState, u: &CurrentUser, r: &ClassSessionIn) -> AppResult<i64> {
    let c = community(st, u, None).await?;
    must_manage(st, u, c)?;
    let now = st.now_ms();
    let starts = crate::clock::parse_local(&r.starts_at)
        .filter(|s| *s >= now - 30 * 86_400_000 && *s <= now + 120 * 86_400_000)
        .ok_or(invalid("STARTS_AT_INVALID", "starts_at"))?;
    if !(30..=240).contains(&r.minutes) {
        return Err(invalid("DURATION_INVALID", "minutes"));
    }
    let topic = text(&r.topic, 60, "topic")?;
    let teacher = text(&r.teacher, 20, "teacher")?;
    let social_worker = text(&r.social_worker, 20, "social_worker")?;
    let mut tx = st.db.begin().await?;
    let id = store::insert_session(
        &mut tx,
        &store::SessionRow {
            id: 0,
            community_id: c,
            starts_at: starts,
            minutes: r.minutes,
            topic,
            teacher,
            social_worker,
            present: 0,
            recorded: 0,
        },
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("afterschool.session", "class_session", id),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ClassEnrolIn {
    /// The ward's resident id (a guardian enrols them); omitted: the caller (14 and over).
    pub child: Option<i64>,
    /// School year, 1–9.
    pub school_grade: i64,
}

/// A guardian enrols their ward (or a child of 14+ themselves) under the consent
/// `afterschool` given for the child: `201 {"id"}`; `403 CONSENT_REQUIRED` without it.
pub async fn enrol(st: &AppState, u: &CurrentUser, r: &ClassEnrolIn) -> AppResult<i64> {
    let child = match r.child {
        Some(c) if Some(c) == u.resident_id => c,
        Some(c) => {
            if !crate::consent::service::is_guardian(st, c, u.id).await? {
                return Err(invalid("CHILD_UNKNOWN", "child"));
            }
            c
        }
        None => u.resident_id.ok_or(AppError::Forbidden("ROLE_FORBIDDEN"))?,
    };
    if u.role != Role::Resident {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if !(1..=9).contains(&r.school_grade) {
        return Err(invalid("SCHOOL_GRADE_INVALID", "school_grade"));
    }
    let c = home_of(st, child)
        .await?
        .ok_or(invalid("CHILD_UNKNOWN", "child"))?;
    let masked = crate::residents::service::masked_name(st, child).await?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    crate::consent::service::require_for_resident(st, &mut tx, child, PURPOSE).await?;
    let id = store::insert_enrolment(&mut tx, c, child, &masked, r.school_grade, u.id, now)
        .await?
        .ok_or(AppError::Conflict("ENROLLED"))?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("afterschool.enrol", "class_enrolment", id)
            .with(serde_json::json!({"child": child})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Erases a child's enrolments (the consent `afterschool` withdrawn): rows erased.
pub async fn forget_child(tx: &mut crate::db::Tx, child: i64) -> AppResult<u64> {
    Ok(store::forget_child(tx, child).await?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassOutcomeView {
    /// `grade` or `wellbeing`.
    pub measure: String,
    /// `before` or `after`.
    pub phase: String,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassEnrolmentView {
    pub id: i64,
    /// Masked.
    pub child: String,
    pub school_grade: i64,
    pub sessions_recorded: i64,
    pub sessions_present: i64,
    pub outcomes: Vec<ClassOutcomeView>,
}

fn open_score(st: &AppState, sealed: &str) -> Option<f64> {
    st.cipher
        .decrypt(OUTCOME_FIELD, sealed)
        .ok()
        .and_then(|s| s.parse().ok())
}

/// An enrolment as its guardian sees it (for the export).
pub(super) async fn enrolment_view_in(
    st: &AppState,
    e: &store::EnrolmentRow,
) -> AppResult<ClassEnrolmentView> {
    enrolment_view(st, e).await
}

async fn enrolment_view(st: &AppState, e: &store::EnrolmentRow) -> AppResult<ClassEnrolmentView> {
    let mut tx = st.db.read().await?;
    let (recorded, present) = store::attendance_of(&mut tx, e.id).await?;
    let outcomes = store::outcomes_of(&mut tx, e.id)
        .await?
        .into_iter()
        .filter_map(|(_, measure, phase, v)| {
            open_score(st, &v).map(|score| ClassOutcomeView {
                measure,
                phase,
                score,
            })
        })
        .collect();
    Ok(ClassEnrolmentView {
        id: e.id,
        child: e.masked_name.clone(),
        school_grade: e.school_grade,
        sessions_recorded: recorded,
        sessions_present: present,
        outcomes,
    })
}

/// An enrolment if the caller may see it: the child, their guardians, and the staff who
/// run the community's class; anyone else gets 404.
async fn load_enrolment(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<store::EnrolmentRow> {
    let mut tx = st.db.read().await?;
    let e = store::enrolment(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    let own = u.resident_id == Some(e.child_id)
        || crate::consent::service::is_guardian(st, e.child_id, u.id).await?;
    if !own && !manages(st, u, e.community_id) {
        return Err(AppError::NotFound);
    }
    Ok(e)
}

/// A child's enrolment: attendance and outcomes.
pub async fn enrolment(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<ClassEnrolmentView> {
    let e = load_enrolment(st, u, id).await?;
    enrolment_view(st, &e).await
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ClassOutcomeIn {
    /// `grade` (0–100) or `wellbeing` (SDQ total difficulties, 0–40).
    pub measure: String,
    /// `before` or `after`.
    pub phase: String,
    pub score: Option<f64>,
}

/// Staff record an outcome measure (sealed), while the consent holds.
pub async fn record_outcome(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    r: &ClassOutcomeIn,
) -> AppResult<()> {
    let e = load_enrolment(st, u, id).await?;
    must_manage(st, u, e.community_id)?;
    let max = match r.measure.as_str() {
        "grade" => 100.0,
        "wellbeing" => 40.0,
        _ => return Err(invalid("MEASURE_INVALID", "measure")),
    };
    if !["before", "after"].contains(&r.phase.as_str()) {
        return Err(invalid("PHASE_INVALID", "phase"));
    }
    let score = r
        .score
        .filter(|s| s.is_finite() && (0.0..=max).contains(s))
        .ok_or(invalid("SCORE_INVALID", "score"))?;
    let sealed = st.cipher.encrypt(OUTCOME_FIELD, &score.to_string());
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    crate::consent::service::require_for_resident(st, &mut tx, e.child_id, PURPOSE).await?;
    store::set_outcome(&mut tx, e.id, (&r.measure, &r.phase), &sealed, u.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("afterschool.outcome", "class_enrolment", e.id)
            .with(serde_json::json!({"measure": r.measure, "phase": r.phase})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ClassAttendanceIn {
    /// Enrolments present; every other enrolment of the community is recorded absent.
    pub present: Vec<i64>,
}

/// Staff record who came to a session (from its start on): `(present, absent)`.
pub async fn record_attendance(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    r: &ClassAttendanceIn,
) -> AppResult<(usize, usize)> {
    let mut tx = st.db.read().await?;
    let s = store::session(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !reads(st, u, s.community_id).await? {
        return Err(AppError::NotFound);
    }
    must_manage(st, u, s.community_id)?;
    let now = st.now_ms();
    if s.starts_at > now {
        return Err(AppError::Conflict("SESSION_NOT_BEGUN"));
    }
    let mut tx = st.db.begin().await?;
    let all = store::enrolments_in(&mut tx, s.community_id).await?;
    if let Some(bad) = r.present.iter().find(|p| !all.iter().any(|e| e.id == **p)) {
        tracing::debug!(enrolment = bad, "not enrolled here");
        return Err(invalid("ENROLMENT_UNKNOWN", "present"));
    }
    let mut present = 0;
    for e in all
        .iter()
        .filter(|e| e.created_at <= s.starts_at + s.minutes * 60_000)
    {
        let here = r.present.contains(&e.id);
        present += usize::from(here);
        store::set_attendance(&mut tx, s.id, e.id, here, u.id, now).await?;
    }
    let absent = all.len() - present;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("afterschool.attendance", "class_session", s.id)
            .with(serde_json::json!({"present": present, "absent": absent})),
    )
    .await?;
    tx.commit().await?;
    Ok((present, absent))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassReport {
    pub community_id: i64,
    pub children: i64,
    pub sessions: i64,
    /// Present / recorded, per cent (None before any record).
    pub attendance_pct: Option<f64>,
    /// Grades: mean change with its 95 % interval and relative to the mean before.
    #[schema(value_type = Option<Object>)]
    pub grades: Option<MeanChange>,
    /// Wellbeing screening scores (higher is worse).
    #[schema(value_type = Option<Object>)]
    pub wellbeing: Option<MeanChange>,
    /// Share screening positive (score ≥ 17) before and after.
    #[schema(value_type = Option<Object>)]
    pub screening: Option<ShareChange>,
    pub positive_from: f64,
}

/// The class's figures, computed from rows (staff of the community).
pub async fn report(st: &AppState, u: &CurrentUser, wanted: Option<i64>) -> AppResult<ClassReport> {
    let c = community(st, u, wanted).await?;
    must_manage(st, u, c)?;
    let mut tx = st.db.read().await?;
    let children = store::enrolments_in(&mut tx, c).await?.len() as i64;
    let sessions = store::sessions_in(&mut tx, c).await?.len() as i64;
    let (recorded, present) = store::attendance_in(&mut tx, c).await?;
    let rows = store::outcomes_in(&mut tx, c).await?;
    drop(tx);
    let mut by: std::collections::BTreeMap<(i64, String), (Option<f64>, Option<f64>)> =
        Default::default();
    for (e, measure, phase, sealed) in rows {
        let Some(v) = open_score(st, &sealed) else {
            continue;
        };
        let slot = by.entry((e, measure)).or_default();
        if phase == "before" {
            slot.0 = Some(v);
        } else {
            slot.1 = Some(v);
        }
    }
    let pairs = |m: &str| -> Vec<(f64, f64)> {
        by.iter()
            .filter(|((_, x), _)| x == m)
            .filter_map(|(_, (b, a))| Some(((*b)?, (*a)?)))
            .collect()
    };
    let wb = pairs("wellbeing");
    let positive = |v: f64| v >= outcomes::SDQ_POSITIVE_FROM;
    Ok(ClassReport {
        community_id: c,
        children,
        sessions,
        attendance_pct: (recorded > 0).then(|| present as f64 * 100.0 / recorded as f64),
        grades: outcomes::mean_change(&pairs("grade")),
        wellbeing: outcomes::mean_change(&wb),
        screening: outcomes::share_change(
            &wb.iter()
                .map(|(b, a)| (positive(*b), positive(*a)))
                .collect::<Vec<_>>(),
        ),
        positive_from: outcomes::SDQ_POSITIVE_FROM,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassSessionView {
    pub id: i64,
    pub starts_at_ms: i64,
    pub minutes: i64,
    pub topic: String,
    pub teacher: String,
    pub social_worker: String,
    pub present: i64,
    pub recorded: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassOverview {
    pub community_id: i64,
    pub sessions: Vec<ClassSessionView>,
    /// The caller's wards (and themselves) enrolled.
    pub my_children: Vec<ClassEnrolmentView>,
    /// Wards not yet enrolled: (resident id, masked name).
    pub wards: Vec<(i64, String)>,
    /// Staff: every enrolment (masked).
    pub enrolments: Vec<ClassEnrolmentView>,
    pub report: Option<ClassReport>,
    pub manages: bool,
}

/// The class page's data.
pub async fn classes(
    st: &AppState,
    u: &CurrentUser,
    wanted: Option<i64>,
) -> AppResult<ClassOverview> {
    let c = community(st, u, wanted).await?;
    if !reads(st, u, c).await? {
        return Err(AppError::NotFound);
    }
    let manages = manages(st, u, c);
    let mut tx = st.db.read().await?;
    let sessions = store::sessions_in(&mut tx, c)
        .await?
        .into_iter()
        .map(|s| ClassSessionView {
            id: s.id,
            starts_at_ms: s.starts_at,
            minutes: s.minutes,
            topic: s.topic,
            teacher: s.teacher,
            social_worker: s.social_worker,
            present: s.present,
            recorded: s.recorded,
        })
        .collect();
    let all = if manages {
        store::enrolments_in(&mut tx, c).await?
    } else {
        vec![]
    };
    drop(tx);
    let mut kids: Vec<i64> = crate::consent::service::wards_of(st, u.id).await?;
    kids.extend(u.resident_id);
    let (mut my_children, mut wards) = (vec![], vec![]);
    for k in kids {
        let mut tx = st.db.read().await?;
        let rows = store::enrolments_of_child(&mut tx, k).await?;
        drop(tx);
        if rows.is_empty() {
            if Some(k) != u.resident_id {
                wards.push((k, crate::residents::service::masked_name(st, k).await?));
            }
        } else {
            for e in &rows {
                my_children.push(enrolment_view(st, e).await?);
            }
        }
    }
    let mut enrolments = vec![];
    for e in &all {
        enrolments.push(enrolment_view(st, e).await?);
    }
    Ok(ClassOverview {
        community_id: c,
        sessions,
        my_children,
        wards,
        enrolments,
        report: if manages {
            Some(report(st, u, Some(c)).await?)
        } else {
            None
        },
        manages,
    })
}
