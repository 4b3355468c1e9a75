//! Visits at the elder's home: the matched volunteer checks in (within 300 m, from two hours
//! before the time asked) and out, which records the service for confirmation; a matched
//! visit not checked in within the hour raises a welfare alert to the building head, staff
//! and guardians.

use gongzhi_core::timebank as rules;
use serde::{Deserialize, Serialize};

use super::invalid;
use super::masked_user;
use super::requests::{RequestView, building_name, load, place_of, request, standing};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::timebank::store::{self, RequestRow};

/// A check-in farther than this from the elder's building is refused.
pub const CHECKIN_MAX_M: f64 = 300.0;
/// A check-in earlier than this before the time asked is refused.
pub const CHECKIN_EARLY_MS: i64 = 2 * 3_600_000;
/// A matched visit not checked in this long after the time asked raises a welfare alert.
pub const ALERT_AFTER_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Position {
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// The device's position, checked (after the caller's standing, so a stranger learns
/// nothing from a malformed body).
fn check_position(p: &Position) -> AppResult<(f64, f64)> {
    match (p.lng, p.lat) {
        (Some(lng), Some(lat))
            if lng.is_finite()
                && lat.is_finite()
                && (-180.0..=180.0).contains(&lng)
                && (-90.0..=90.0).contains(&lat) =>
        {
            Ok((lng, lat))
        }
        _ => Err(invalid("LOCATION_INVALID", "lng")),
    }
}

/// The matched volunteer checks in at the elder's home (within 300 m, from two hours
/// before the time asked).
pub async fn checkin(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    p: &Position,
) -> AppResult<RequestView> {
    let r = load(st, id).await?;
    let s = standing(st, u, &r).await?;
    if !s.sees() {
        return Err(AppError::NotFound);
    }
    if !s.volunteer {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let (plng, plat) = check_position(p)?;
    if r.status != "matched" {
        return Err(AppError::Conflict("VISIT_NOT_MATCHED"));
    }
    let now = st.now_ms();
    if now < r.wanted_at - CHECKIN_EARLY_MS {
        return Err(AppError::Conflict("CHECKIN_TOO_EARLY"));
    }
    let (_, _, lng, lat) = place_of(st, r.recipient_user)
        .await?
        .ok_or(AppError::NotFound)?;
    let metres = gongzhi_core::org::distance_m([plng, plat], [lng, lat]);
    if metres > CHECKIN_MAX_M {
        return Err(invalid("CHECKIN_TOO_FAR", "lng"));
    }
    let mut tx = st.db.begin().await?;
    if !store::checkin(&mut tx, id, (now, plng, plat, metres.round() as i64)).await? {
        return Err(AppError::Conflict("VISIT_NOT_MATCHED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.checkin", "timebank_request", id)
            .with(serde_json::json!({"metres": metres.round() as i64})),
    )
    .await?;
    tx.commit().await?;
    request(st, u, id).await
}

/// Ends a visit at `at`: the service is recorded (pending, the minutes between check-in and
/// check-out) and the person served and their guardians are asked to confirm it.
pub async fn finish_visit(
    st: &AppState,
    u: &CurrentUser,
    r: &RequestRow,
    at: i64,
    p: &Position,
) -> AppResult<i64> {
    let (plng, plat) = check_position(p)?;
    let started = r
        .checkin_at
        .ok_or(AppError::Conflict("VISIT_NOT_STARTED"))?;
    // To the nearest minute, at least one.
    let minutes = ((at - started + 30_000) / 60_000).clamp(1, rules::MAX_SERVICE_MINUTES);
    let mut tx = st.db.begin().await?;
    let service = store::insert_service(
        &mut tx,
        r.community_id,
        u.id,
        r.recipient_user,
        minutes,
        &r.kind,
        &r.note,
        at,
    )
    .await?;
    if !store::checkout(&mut tx, r.id, (at, plng, plat), service).await? {
        return Err(AppError::Conflict("VISIT_NOT_STARTED"));
    }
    store::link_service(&mut tx, service, r.id).await?;
    let mut ask = vec![r.recipient_user];
    if let Some(ward) = crate::auth::service::account(st, r.recipient_user)
        .await?
        .and_then(|a| a.resident_id)
    {
        ask.extend(crate::consent::service::guardians_in(&mut tx, ward).await?);
    }
    crate::notify::service::send(
        st,
        &mut tx,
        &ask,
        None,
        "timebank",
        "请确认志愿服务",
        &format!(
            "志愿者已完成上门服务（{}），请在时间银行页面确认。",
            rules::hours_text(minutes)
        ),
        at,
    )
    .await?;
    audit::record(
        &mut tx,
        at,
        &u.actor(),
        Event::ok("timebank.checkout", "timebank_request", r.id)
            .with(serde_json::json!({"service": service, "minutes": minutes})),
    )
    .await?;
    tx.commit().await?;
    Ok(service)
}

/// The matched volunteer checks out: the service is recorded for confirmation.
pub async fn checkout(
    st: &AppState,
    u: &CurrentUser,
    id: i64,
    p: &Position,
) -> AppResult<RequestView> {
    let r = load(st, id).await?;
    let s = standing(st, u, &r).await?;
    if !s.sees() {
        return Err(AppError::NotFound);
    }
    if !s.volunteer {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    check_position(p)?;
    if r.status != "visiting" {
        return Err(AppError::Conflict("VISIT_NOT_STARTED"));
    }
    finish_visit(st, u, &r, st.now_ms(), p).await?;
    request(st, u, id).await
}

/// Raises a welfare alert for every matched visit not checked in an hour after the time
/// asked: to the head of the elder's building, the community's staff and the elder's
/// guardians — a visit that did not happen may mean an elder nobody saw today. Returns how
/// many were raised.
pub async fn alert_missed(st: &AppState) -> AppResult<usize> {
    let now = st.now_ms();
    let mut tx = st.db.read().await?;
    let due = store::missed(&mut tx, now - ALERT_AFTER_MS).await?;
    drop(tx);
    let mut n = 0;
    for r in due {
        let place = place_of(st, r.recipient_user).await?;
        let ward = crate::auth::service::account(st, r.recipient_user)
            .await?
            .and_then(|a| a.resident_id);
        let who = masked_user(st, r.recipient_user).await?;
        let mut tx = st.db.begin().await?;
        if !store::set_alerted(&mut tx, r.id, now).await? {
            continue;
        }
        let mut to =
            crate::notify::service::staff_at(&mut tx, "community", Some(r.community_id)).await?;
        let mut building = String::new();
        if let Some((_, b, ..)) = place {
            to.extend(crate::notify::service::staff_at(&mut tx, "building", Some(b)).await?);
            building = building_name(st, b);
        }
        if let Some(w) = ward {
            to.extend(crate::consent::service::guardians_in(&mut tx, w).await?);
        }
        crate::notify::service::send(
            st,
            &mut tx,
            &to,
            None,
            "welfare",
            "关爱提醒：约定的上门服务没有签到",
            &format!(
                "{building}的{who}约定的志愿服务（请求 #{}）已过一小时仍未签到，请尽快上门或电话确认老人平安。",
                r.id
            ),
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            now,
            &crate::audit::Actor::system(),
            Event::ok("timebank.welfare_alert", "timebank_request", r.id)
                .with(serde_json::json!({"told": to.len()})),
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Raises welfare alerts every minute.
pub async fn watch(st: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        match alert_missed(&st).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(alerts = n, "time bank welfare alerts raised"),
            Err(e) => tracing::warn!(error = %e, "welfare alerts failed; retrying next minute"),
        }
    }
}
