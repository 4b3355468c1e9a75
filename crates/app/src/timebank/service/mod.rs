//! The time bank: who may record, confirm and read what. A verified volunteer records a
//! service they gave (pending); it is credited once — from the community's bank account to
//! the volunteer, two movements summing to zero — when the recipient, one of the
//! recipient's guardians (the residents' guardians registry, as for consent), or the
//! community's staff confirm it. Anyone else is told the
//! service does not exist. A member reads their own account; staff verify volunteers.

use gongzhi_core::identity::Role;
use gongzhi_core::timebank::{self as rules, Transfer};
use serde::{Deserialize, Serialize};

mod care;
mod offers;
pub mod requests;
pub mod spend;
mod visits;

pub use requests::{forget_health, watch};

use super::store::{self, ServiceRow};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(super) fn invalid(code: &'static str, field: &'static str) -> AppError {
    AppError::Invalid {
        code,
        field: Some(field),
    }
}

/// A member's community: where they live.
pub(super) async fn home(st: &AppState, resident: Option<i64>) -> AppResult<Option<i64>> {
    Ok(match resident {
        Some(r) => crate::residents::service::party(st, r)
            .await?
            .map(|p| p.place.community_id),
        None => None,
    })
}

/// Whether `u` runs the time bank of community `c` (its community or street staff).
pub fn manages(st: &AppState, u: &CurrentUser, c: i64) -> bool {
    crate::participation::service::manages(st, u, c)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MovementView {
    /// Positive: credited; negative: spent or given.
    pub minutes: i64,
    /// `service`, `spend` or `gift`.
    pub kind: String,
    pub note: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    /// The sum of the account's movements, in minutes.
    pub balance_minutes: i64,
    /// `3小时30分`.
    pub balance_text: String,
    /// Verified by staff to serve elders.
    pub verified: bool,
    /// The latest 50 movements, newest first.
    pub movements: Vec<MovementView>,
    /// Services the caller gave or received, newest first (50).
    pub services: Vec<ServiceView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ServiceView {
    pub id: i64,
    /// `pending` or `confirmed`.
    pub status: String,
    pub minutes: i64,
    pub kind: String,
    pub note: String,
    /// The other party, masked.
    pub provider: String,
    pub recipient: String,
    /// Whether the caller gave it.
    pub mine: bool,
    /// Whether the caller may confirm it now.
    pub may_confirm: bool,
    pub checkin_at_ms: Option<i64>,
    pub checkout_at_ms: Option<i64>,
    pub confirmed_at_ms: Option<i64>,
    pub at_ms: i64,
}

pub(super) async fn masked_user(st: &AppState, user: i64) -> AppResult<String> {
    Ok(match crate::auth::service::account(st, user).await? {
        Some(a) => match a.resident_id {
            Some(r) => crate::residents::service::masked_name(st, r).await?,
            None => gongzhi_core::pii::mask_name(&a.display_name),
        },
        None => String::new(),
    })
}

async fn view(st: &AppState, u: &CurrentUser, s: &ServiceRow) -> AppResult<ServiceView> {
    let may_confirm = s.status == "pending" && may_confirm(st, u, s).await?;
    Ok(ServiceView {
        id: s.id,
        status: s.status.clone(),
        minutes: s.minutes,
        kind: s.kind.clone(),
        note: s.note.clone(),
        provider: masked_user(st, s.provider_user).await?,
        recipient: masked_user(st, s.recipient_user).await?,
        mine: s.provider_user == u.id,
        may_confirm,
        checkin_at_ms: s.checkin_at,
        checkout_at_ms: s.checkout_at,
        confirmed_at_ms: s.confirmed_at,
        at_ms: s.created_at,
    })
}

/// The caller's own account (a member's, in their own community).
pub async fn account(st: &AppState, u: &CurrentUser) -> AppResult<AccountView> {
    let mut tx = st.db.read().await?;
    let accounts = store::accounts_of(&mut tx, u.id).await?;
    let mut balance = 0;
    let mut movements = vec![];
    for a in &accounts {
        balance += store::balance(&mut tx, *a).await?;
        movements.extend(store::movements(&mut tx, *a, 50).await?);
    }
    movements.sort_by_key(|m| std::cmp::Reverse(m.created_at));
    movements.truncate(50);
    let verified = store::is_verified(&mut tx, u.id).await?;
    let services = store::services_of(&mut tx, u.id, 50).await?;
    drop(tx);
    let mut sv = Vec::with_capacity(services.len());
    for s in &services {
        sv.push(view(st, u, s).await?);
    }
    Ok(AccountView {
        balance_minutes: balance,
        balance_text: rules::hours_text(balance),
        verified,
        movements: movements
            .into_iter()
            .map(|m| MovementView {
                minutes: m.minutes,
                kind: m.kind,
                note: m.note,
                at_ms: m.created_at,
            })
            .collect(),
        services: sv,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewService {
    /// The username of the person served.
    pub recipient: String,
    /// 1 to 1,440.
    pub minutes: i64,
    /// `meal_delivery`, `companionship`, `escort`, `shopping`, `cleaning`, `haircut`,
    /// `repair`, `tutoring` or `other`.
    pub kind: String,
    pub note: Option<String>,
}

/// A verified volunteer records a service they gave (often after the fact): pending until
/// confirmed. Returns its id.
pub async fn record(st: &AppState, u: &CurrentUser, r: &NewService) -> AppResult<i64> {
    let minutes = rules::check_minutes(r.minutes).map_err(|e| invalid(e.code(), "minutes"))?;
    let kind = rules::check_kind(&r.kind).map_err(|e| invalid(e.code(), "kind"))?;
    let note = r.note.as_deref().unwrap_or("").trim().to_string();
    if note.chars().count() > 500 {
        return Err(invalid("NOTE_INVALID", "note"));
    }
    if !matches!(u.role, Role::Resident | Role::BuildingHead) {
        return Err(AppError::Forbidden("RESIDENT_ONLY"));
    }
    let community = home(st, u.resident_id)
        .await?
        .ok_or(AppError::Forbidden("RESIDENT_ONLY"))?;
    let mut tx = st.db.read().await?;
    let verified = store::is_verified(&mut tx, u.id).await?;
    drop(tx);
    if !verified {
        return Err(AppError::Forbidden("VOLUNTEER_NOT_VERIFIED"));
    }
    let recipient = crate::auth::service::account_named(st, r.recipient.trim())
        .await?
        .filter(|a| a.role == Some(Role::Resident) || a.role == Some(Role::BuildingHead))
        .ok_or(invalid("RECIPIENT_UNKNOWN", "recipient"))?;
    if recipient.id == u.id {
        return Err(invalid("RECIPIENT_SELF", "recipient"));
    }
    // Served in the volunteer's street (a family member elsewhere in the street included).
    let there = home(st, recipient.resident_id)
        .await?
        .ok_or(invalid("RECIPIENT_UNKNOWN", "recipient"))?;
    let map = st.org_map();
    let street = |c: i64| map.unit(c).and_then(|x| x.street);
    if street(there) != street(community) {
        return Err(invalid("RECIPIENT_UNKNOWN", "recipient"));
    }
    drop(map);
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_service(
        &mut tx,
        there,
        u.id,
        recipient.id,
        minutes,
        kind,
        &note,
        now,
    )
    .await?;
    // The recipient and their guardians are asked to confirm.
    let mut ask = vec![recipient.id];
    if let Some(r) = recipient.resident_id {
        ask.extend(crate::consent::service::guardians_in(&mut tx, r).await?);
    }
    crate::notify::service::send(
        st,
        &mut tx,
        &ask,
        None,
        "timebank",
        "请确认志愿服务",
        &format!(
            "志愿者登记了一次{}服务（{}），请在时间银行页面确认。",
            gongzhi_core::timebank::KINDS
                .iter()
                .find(|k| k.0 == kind)
                .map(|k| k.1)
                .unwrap_or(kind),
            rules::hours_text(minutes)
        ),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.record", "timebank_service", id)
            .with(serde_json::json!({"minutes": minutes, "kind": kind, "community": there})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether `u` may confirm `s`: its recipient, one of the recipient's guardians, or the
/// staff of its community.
async fn may_confirm(st: &AppState, u: &CurrentUser, s: &ServiceRow) -> AppResult<bool> {
    if u.id == s.recipient_user || manages(st, u, s.community_id) {
        return Ok(true);
    }
    match crate::auth::service::account(st, s.recipient_user)
        .await?
        .and_then(|a| a.resident_id)
    {
        Some(ward) => crate::consent::service::is_guardian(st, ward, u.id).await,
        None => Ok(false),
    }
}

/// Whether `u` may see `s`: its two parties, a guardian of the recipient, its staff.
async fn sees(st: &AppState, u: &CurrentUser, s: &ServiceRow) -> AppResult<bool> {
    Ok(u.id == s.provider_user || may_confirm(st, u, s).await?)
}

/// Confirms a service and credits it, exactly once: the confirmation and the transfer are
/// one transaction, and only the call that moves the service from pending writes it.
/// Returns the minutes credited.
pub async fn confirm(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<ServiceView> {
    let mut tx = st.db.read().await?;
    let s = store::service(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    // The volunteer cannot confirm their own service; to them and to strangers it is absent.
    if u.id == s.provider_user || !may_confirm(st, u, &s).await? {
        return Err(AppError::NotFound);
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::confirm(&mut tx, id, u.id, now).await? {
        return Err(AppError::Conflict("SERVICE_CONFIRMED"));
    }
    // Paid by the community's bank, or from the recipient's own stored hours when they
    // asked so (never below zero: 409 TIMEBANK_INSUFFICIENT, and the service stays pending).
    let paid_by_recipient = store::request_of_service(&mut tx, id)
        .await?
        .is_some_and(|r| r.pay_hours);
    let transfer = if paid_by_recipient {
        let t = spend::pay_service_from_hours(
            &mut tx,
            s.community_id,
            s.recipient_user,
            s.provider_user,
            s.minutes,
            &format!("服务 #{id}（受助人以存储时间支付）"),
            now,
        )
        .await?;
        store::set_transfer_service(&mut tx, t, id).await?;
        t
    } else {
        let bank = store::account(&mut tx, s.community_id, None, now).await?;
        let volunteer = store::account(&mut tx, s.community_id, Some(s.provider_user), now).await?;
        let moves = Transfer {
            from: bank,
            to: volunteer,
            minutes: s.minutes,
        }
        .movements(None)
        .map_err(|e| invalid(e.code(), "minutes"))?;
        store::transfer(
            &mut tx,
            s.community_id,
            "service",
            Some(id),
            &format!("服务 #{id}"),
            moves,
            Some(u.id),
            now,
        )
        .await?
    };
    store::set_transfer(&mut tx, id, transfer).await?;
    store::roll_up(
        &mut tx,
        s.community_id,
        &spend::this_month(now),
        &s.kind,
        s.minutes,
        s.provider_user,
    )
    .await?;
    let how = if u.id == s.recipient_user {
        "recipient"
    } else if manages(st, u, s.community_id) {
        "staff"
    } else {
        "guardian"
    };
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.confirm", "timebank_service", id)
            .with(serde_json::json!({"minutes": s.minutes, "transfer": transfer, "by": how})),
    )
    .await?;
    let row = store::service(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    view(st, u, &row).await
}

/// A service, to its parties, the recipient's guardians and staff.
pub async fn service(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<ServiceView> {
    let mut tx = st.db.read().await?;
    let s = store::service(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    if !sees(st, u, &s).await? {
        return Err(AppError::NotFound);
    }
    view(st, u, &s).await
}

/// Staff verify a volunteer (a resident of their community) to serve elders.
pub async fn verify(st: &AppState, u: &CurrentUser, username: &str) -> AppResult<bool> {
    let a = crate::auth::service::account_named(st, username.trim())
        .await?
        .filter(|a| a.resident_id.is_some())
        .ok_or(invalid("RESIDENT_UNKNOWN", "username"))?;
    let c = home(st, a.resident_id)
        .await?
        .ok_or(invalid("RESIDENT_UNKNOWN", "username"))?;
    if !manages(st, u, c) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let fresh = store::verify(&mut tx, a.id, Some(u.id), now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.verify", "user", a.id),
    )
    .await?;
    tx.commit().await?;
    Ok(fresh)
}
