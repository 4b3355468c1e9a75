//! Consent use-cases: what the policy asks and what the person chose; granting (general, or
//! separate for sensitive data), withdrawing in one call, guardians for children under 14,
//! and the check every optional processing makes ([`require`]).

use gongzhi_core::Coded;
use gongzhi_core::consent::{self, Basis, Kind, Policy, Record};
use serde::Serialize;

use super::store::{self, NewConsent};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;

/// Who a consent is about: the person's resident record when they have one (so that a
/// guardian's consent and the person's own are one history), else their account.
pub fn subject_of_user(user: &CurrentUser) -> String {
    match user.resident_id {
        Some(r) => format!("r:{r}"),
        None => format!("u:{}", user.id),
    }
}

fn subject_of_resident(resident: i64) -> String {
    format!("r:{resident}")
}

fn records(rows: &[store::ConsentRow]) -> Vec<Record> {
    rows.iter()
        .map(|r| Record {
            purpose: r.purpose.clone(),
            policy_version: r.policy_version,
            granted: r.granted,
        })
        .collect()
}

fn refusal(r: consent::Refusal) -> AppError {
    match r {
        consent::Refusal::UnknownPurpose => AppError::invalid(r.code()),
        consent::Refusal::ConsentRequired => AppError::Forbidden(r.code()),
        consent::Refusal::ReconsentRequired => AppError::Conflict(r.code()),
    }
}

/// May the caller's data be processed for `purpose`? `403 CONSENT_REQUIRED`, or
/// `409 RECONSENT_REQUIRED` when the policy added the purpose after they accepted it.
/// Called inside the transaction of the processing.
pub async fn require(
    st: &AppState,
    tx: &mut Tx,
    user: &CurrentUser,
    purpose: &str,
) -> AppResult<()> {
    let rows = store::of_subject(tx, &subject_of_user(user)).await?;
    consent::decide(&st.policy, purpose, &records(&rows)).map_err(refusal)
}

/// May resident `resident`'s data be processed for `purpose` (whoever acts — the person or
/// their guardian)? As [`require`], for the person the data is about.
pub async fn require_for_resident(
    st: &AppState,
    tx: &mut Tx,
    resident: i64,
    purpose: &str,
) -> AppResult<()> {
    let rows = store::of_subject(tx, &subject_of_resident(resident)).await?;
    consent::decide(&st.policy, purpose, &records(&rows)).map_err(refusal)
}

/// One purpose as the consent page and API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PurposeView {
    pub code: String,
    pub name: String,
    /// `necessary` (no consent asked) or `consent`.
    pub basis: String,
    /// `general` or `separate` (sensitive: its own consent call).
    pub kind: String,
    pub sensitive: bool,
    pub added_in: i64,
    /// Personal fields processed for it.
    pub fields: Vec<String>,
    /// Whether processing may go on now.
    pub allowed: bool,
    /// Why not: CONSENT_REQUIRED or RECONSENT_REQUIRED.
    pub refusal: Option<String>,
    /// The latest grant or withdrawal: (granted, policy version, time ms).
    pub last: Option<ConsentEvent>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentEvent {
    pub granted: bool,
    pub policy_version: i64,
    pub kind: String,
    /// `self` or `guardian`.
    pub by: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentState {
    pub policy_version: i64,
    /// The resident record the state is about, when a guardian asks for a ward.
    pub for_resident: Option<i64>,
    /// Whether the person is under 14, so that only a guardian consents.
    pub guardian_required: bool,
    pub purposes: Vec<PurposeView>,
}

fn purpose_views(
    policy: &Policy,
    rows: &[store::ConsentRow],
    lang: Lang,
    self_id: Option<i64>,
) -> Vec<PurposeView> {
    let recs = records(rows);
    policy
        .purposes
        .iter()
        .map(|p| {
            let decision = consent::decide(policy, &p.code, &recs);
            let last = rows
                .iter()
                .rev()
                .find(|r| r.purpose == p.code)
                .map(|r| ConsentEvent {
                    granted: r.granted,
                    policy_version: r.policy_version,
                    kind: r.kind.clone(),
                    by: if Some(r.user_id) == self_id {
                        "self"
                    } else {
                        "guardian"
                    }
                    .into(),
                    at_ms: r.at,
                });
            PurposeView {
                code: p.code.clone(),
                name: match lang {
                    Lang::Zh => p.name_zh.clone(),
                    Lang::En => p.name_en.clone(),
                },
                basis: match p.basis {
                    Basis::Necessary => "necessary",
                    Basis::Consent => "consent",
                }
                .into(),
                kind: p.kind.code().into(),
                sensitive: p.sensitive,
                added_in: p.added_in,
                fields: p.fields.clone(),
                allowed: decision.is_ok(),
                refusal: decision.err().map(|e| e.code().to_string()),
                last,
            }
        })
        .collect()
}

/// Under 14 on the day (China time) by the resident's ID number; unknown age: not.
async fn is_child(st: &AppState, tx: &mut Tx, resident: i64) -> AppResult<bool> {
    let Some(birth) = crate::residents::service::birth_date_in(st, tx, resident).await? else {
        return Ok(false);
    };
    Ok(consent::needs_guardian(
        birth,
        crate::clock::ymd_cn(st.now_ms()),
    ))
}

/// The subject a call is about: the caller, or a ward they are the registered guardian of
/// (anyone else's record is 404: its existence is not told).
async fn subject_for(
    tx: &mut Tx,
    user: &CurrentUser,
    for_resident: Option<i64>,
) -> AppResult<(String, Option<i64>)> {
    match for_resident {
        None => Ok((subject_of_user(user), user.resident_id)),
        Some(r) if Some(r) == user.resident_id => Ok((subject_of_resident(r), Some(r))),
        Some(r) => {
            if store::is_guardian(tx, r, user.id).await? {
                Ok((subject_of_resident(r), Some(r)))
            } else {
                Err(AppError::NotFound)
            }
        }
    }
}

/// The policy's purposes and what the caller (or their ward) chose.
pub async fn state(
    st: &AppState,
    user: &CurrentUser,
    for_resident: Option<i64>,
) -> AppResult<ConsentState> {
    let mut tx = st.db.read().await?;
    let (subject, resident) = subject_for(&mut tx, user, for_resident).await?;
    let rows = store::of_subject(&mut tx, &subject).await?;
    let guardian_required = match resident {
        Some(r) => is_child(st, &mut tx, r).await?,
        None => false,
    };
    Ok(ConsentState {
        policy_version: st.policy.version,
        for_resident,
        guardian_required,
        purposes: purpose_views(&st.policy, &rows, user.lang, Some(user.id)),
    })
}

/// Grants consent to `purposes` under the current policy version. `kind` is the endpoint's:
/// the general call refuses sensitive purposes (`SEPARATE_CONSENT_REQUIRED`), the separate
/// call refuses the others (`PURPOSE_NOT_SEPARATE`). A person under 14 cannot consent for
/// themselves (`403 GUARDIAN_REQUIRED`); their registered guardian does, with `for_resident`.
pub async fn grant(
    st: &AppState,
    user: &CurrentUser,
    purposes: &[String],
    kind: Kind,
    for_resident: Option<i64>,
    channel: &'static str,
) -> AppResult<ConsentState> {
    if purposes.is_empty() || purposes.len() > 50 {
        return Err(AppError::Invalid {
            code: "PURPOSE_UNKNOWN",
            field: Some("purposes"),
        });
    }
    for code in purposes {
        let p = st.policy.purpose(code).ok_or(AppError::Invalid {
            code: "PURPOSE_UNKNOWN",
            field: Some("purposes"),
        })?;
        if p.basis == Basis::Necessary {
            return Err(AppError::Invalid {
                code: "PURPOSE_NOT_OPTIONAL",
                field: Some("purposes"),
            });
        }
        match (kind, p.kind) {
            (Kind::General, Kind::Separate) => {
                return Err(AppError::Invalid {
                    code: "SEPARATE_CONSENT_REQUIRED",
                    field: Some("purposes"),
                });
            }
            (Kind::Separate, Kind::General) => {
                return Err(AppError::Invalid {
                    code: "PURPOSE_NOT_SEPARATE",
                    field: Some("purpose"),
                });
            }
            _ => {}
        }
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (subject, resident) = subject_for(&mut tx, user, for_resident).await?;
    if let Some(r) = resident {
        let child = is_child(st, &mut tx, r).await?;
        let by_guardian = for_resident.is_some() && Some(r) != user.resident_id;
        if child && !by_guardian {
            return Err(AppError::Forbidden("GUARDIAN_REQUIRED"));
        }
        if !child && by_guardian {
            // At 14 people decide for themselves.
            return Err(AppError::Forbidden("WARD_OF_AGE"));
        }
    }
    for code in purposes {
        store::insert(
            &mut tx,
            &NewConsent {
                subject: &subject,
                user_id: user.id,
                purpose: code,
                policy_version: st.policy.version,
                kind: kind.code(),
                granted: true,
                channel,
            },
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("consent.grant", "consent", &subject).with(serde_json::json!({
            "purposes": purposes, "kind": kind.code(), "policy_version": st.policy.version,
            "channel": channel, "guardian": for_resident.is_some() && for_resident != user.resident_id,
        })),
    )
    .await?;
    tx.commit().await?;
    state(st, user, for_resident).await
}

/// Withdraws consent to one purpose in one call (PIPL art. 15): processing for it stops
/// (the data kept only for it is erased in the same transaction), earlier records stay,
/// and the withdrawal is audited. Withdrawing what was never given is recorded all the same.
pub async fn withdraw(
    st: &AppState,
    user: &CurrentUser,
    purpose: &str,
    for_resident: Option<i64>,
    channel: &'static str,
) -> AppResult<ConsentState> {
    let p = st.policy.purpose(purpose).ok_or(AppError::NotFound)?;
    if p.basis == Basis::Necessary {
        return Err(AppError::invalid("PURPOSE_NOT_OPTIONAL"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (subject, resident) = subject_for(&mut tx, user, for_resident).await?;
    store::insert(
        &mut tx,
        &NewConsent {
            subject: &subject,
            user_id: user.id,
            purpose,
            policy_version: st.policy.version,
            kind: p.kind.code(),
            granted: false,
            channel,
        },
        now,
    )
    .await?;
    // What was kept only for this purpose goes with the consent.
    let erased = match purpose {
        "notify_external" if for_resident.is_none() || for_resident == user.resident_id => {
            crate::notify::service::forget_contacts(&mut tx, user.id).await?
        }
        "care_needs" => match resident {
            Some(r) => crate::residents::service::forget_care(&mut tx, r, now).await?,
            None => 0,
        },
        "care_health_notes" => match resident {
            Some(r) => crate::timebank::service::forget_health(&mut tx, r).await?,
            None => 0,
        },
        "talent_listing" if for_resident.is_none() || for_resident == user.resident_id => {
            crate::talents::service::unlist_in(&mut tx, user.id, now).await?
        }
        "afterschool" => match resident {
            Some(r) => crate::programmes::service::forget_child(&mut tx, r).await?,
            None => 0,
        },
        _ => 0,
    };
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("consent.withdraw", "consent", &subject).with(serde_json::json!({
            "purpose": purpose, "policy_version": st.policy.version, "channel": channel,
            "erased": erased,
        })),
    )
    .await?;
    tx.commit().await?;
    state(st, user, for_resident).await
}

/// Whether account `user` is a registered guardian of resident `ward` (for other domains:
/// a guardian confirms a time-bank service for an elder).
pub async fn is_guardian(st: &AppState, ward: i64, user: i64) -> AppResult<bool> {
    let mut tx = st.db.read().await?;
    Ok(store::is_guardian(&mut tx, ward, user).await?)
}

/// The accounts registered as guardians of resident `ward`, inside the caller's transaction.
pub async fn guardians_in(tx: &mut crate::db::Tx, ward: i64) -> AppResult<Vec<i64>> {
    Ok(store::guardians_of(tx, ward).await?)
}

/// Registers `guardian` (an account) as a guardian of resident `ward`: community staff in
/// whose scope the resident lives. Audited.
pub async fn add_guardian(
    st: &AppState,
    staff: &CurrentUser,
    ward: i64,
    guardian: &str,
) -> AppResult<()> {
    crate::residents::service::check_staff_reach(st, staff, ward).await?;
    let g = crate::auth::service::account_named(st, guardian)
        .await?
        .ok_or(AppError::Invalid {
            code: "USER_UNKNOWN",
            field: Some("username"),
        })?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if store::is_guardian(&mut tx, ward, g.id).await? {
        return Err(AppError::Conflict("GUARDIAN_EXISTS"));
    }
    store::add_guardian(&mut tx, ward, g.id, staff.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &staff.actor(),
        Event::ok("resident.guardian", "resident", ward)
            .with(serde_json::json!({"guardian": g.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller's consent history and wards, for the export.
pub async fn export_own(st: &AppState, user: &CurrentUser) -> AppResult<serde_json::Value> {
    let mut tx = st.db.read().await?;
    let rows = store::of_subject(&mut tx, &subject_of_user(user)).await?;
    let wards = store::wards(&mut tx, user.id).await?;
    Ok(serde_json::json!({
        "events": rows.iter().map(|r| serde_json::json!({
            "purpose": r.purpose, "policy_version": r.policy_version, "kind": r.kind,
            "granted": r.granted, "channel": r.channel, "at_ms": r.at,
            "by": if r.user_id == user.id { "self" } else { "guardian" },
        })).collect::<Vec<_>>(),
        "guardian_of_residents": wards,
    }))
}

/// The residents account `user` is the registered guardian of (a parent enrolling a child
/// in 四点半课堂, ordering a canteen meal for an elder).
pub async fn wards_of(st: &AppState, user: i64) -> AppResult<Vec<i64>> {
    let mut tx = st.db.read().await?;
    Ok(store::wards(&mut tx, user).await?)
}
