//! After the works: residents adopt the space's upkeep on a weekday rota, and its use is
//! counted from rows — check-ins, bookings and visits registered by staff — so the change
//! before and after is computed, never typed.

use serde::{Deserialize, Serialize};

use super::super::store::{self, ProjectRow};
use super::money::day_or_today;
use super::projects::load;
use super::{invalid, manages, masked, resident, today};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

pub(super) async fn rota(st: &AppState, id: i64) -> AppResult<Vec<(i64, String)>> {
    let mut tx = st.db.read().await?;
    let rows = store::adoptions(&mut tx, id).await?;
    drop(tx);
    let mut out = Vec::with_capacity(rows.len());
    for (r, day, _) in rows {
        out.push((day, masked(st, Some(r)).await?));
    }
    Ok(out)
}

/// The space's use before the works and after acceptance, from rows of check-ins,
/// bookings and visits registered by staff.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct UseView {
    /// Weeks compared on each side (up to 8: before the works began, since acceptance).
    pub before_days: i64,
    pub after_days: i64,
    pub before_rows: i64,
    pub after_rows: i64,
    /// Uses per week, one decimal.
    pub before_per_week: String,
    pub after_per_week: String,
    /// The change in uses per week, in % (rounded); none before acceptance or when
    /// nothing was counted before.
    pub change_percent: Option<i64>,
    /// Rows of use so far.
    pub total_rows: i64,
}

/// The window compared on each side.
const WINDOW_DAYS: i64 = 56;

fn shift(day: &str, days: i64) -> String {
    chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| (d + chrono::Duration::days(days)).to_string())
        .unwrap_or_else(|_| day.to_string())
}

fn days_between(a: &str, b: &str) -> i64 {
    match (
        chrono::NaiveDate::parse_from_str(a, "%Y-%m-%d"),
        chrono::NaiveDate::parse_from_str(b, "%Y-%m-%d"),
    ) {
        (Ok(a), Ok(b)) => (b - a).num_days(),
        _ => 0,
    }
}

fn per_week(rows: i64, days: i64) -> f64 {
    if days <= 0 {
        0.0
    } else {
        rows as f64 * 7.0 / days as f64
    }
}

pub(super) async fn usage(st: &AppState, p: &ProjectRow) -> AppResult<UseView> {
    let mut tx = st.db.read().await?;
    let total_rows = store::uses_between(&mut tx, p.id, "0000-00-00", "9999-99-99").await?;
    let mut v = UseView {
        total_rows,
        before_per_week: "0.0".into(),
        after_per_week: "0.0".into(),
        ..UseView::default()
    };
    let Some(start) = &p.works_started_on else {
        return Ok(v);
    };
    v.before_days = WINDOW_DAYS;
    v.before_rows = store::uses_between(&mut tx, p.id, &shift(start, -WINDOW_DAYS), start).await?;
    let before = per_week(v.before_rows, v.before_days);
    v.before_per_week = format!("{before:.1}");
    if let Some(acc) = &p.accepted_on {
        // Since acceptance, today included, up to the window.
        let today = today(st);
        v.after_days = (days_between(acc, &today) + 1).clamp(0, WINDOW_DAYS);
        v.after_rows = store::uses_between(&mut tx, p.id, acc, &shift(acc, v.after_days)).await?;
        let after = per_week(v.after_rows, v.after_days);
        v.after_per_week = format!("{after:.1}");
        if v.before_rows > 0 && v.after_days > 0 {
            v.change_percent = Some(((after / before - 1.0) * 100.0).round() as i64);
        }
    }
    Ok(v)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AdoptRequest {
    /// 1 = Monday … 7 = Sunday: the day the resident keeps the space.
    pub weekday: i64,
}

/// A resident adopts the space's upkeep on a weekday (the space must be in use).
pub async fn adopt(st: &AppState, u: &CurrentUser, id: i64, r: &AdoptRequest) -> AppResult<()> {
    let p = load(st, u, id).await?;
    let me = resident(u)?;
    if p.stage != "in_use" {
        return Err(AppError::Conflict("RENEWAL_STAGE"));
    }
    if !(1..=7).contains(&r.weekday) {
        return Err(invalid("WEEKDAY_INVALID", "weekday"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::adopt(&mut tx, id, me, r.weekday, &today(st)).await? {
        return Err(AppError::Conflict("ALREADY_ADOPTED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.adopt", "renewal_project", id)
            .with(serde_json::json!({"weekday": r.weekday})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct UseRequest {
    /// `checkin` (a resident, today), `booking` (a resident, a day ahead, once the space is
    /// in use) or, staff, `register` (a visit on a past day, e.g. counted before the works).
    pub kind: String,
    /// `YYYY-MM-DD` (booking, register).
    pub day: Option<String>,
    /// Staff registering a resident's visit: the resident's mobile (optional).
    pub phone: Option<String>,
}

/// Records one use of the space. Returns the row's id.
pub async fn record_use(st: &AppState, u: &CurrentUser, id: i64, r: &UseRequest) -> AppResult<i64> {
    let p = load(st, u, id).await?;
    if p.stage == "refused" {
        return Err(AppError::Conflict("RENEWAL_STAGE"));
    }
    let today = today(st);
    let (kind, who, day) = match r.kind.as_str() {
        "checkin" => ("checkin", Some(resident(u)?), today.clone()),
        "booking" => {
            let me = resident(u)?;
            if p.stage != "in_use" {
                return Err(AppError::Conflict("RENEWAL_STAGE"));
            }
            let d = day_or_today(st, &r.day)?;
            if d < today || days_between(&today, &d) > 30 {
                return Err(invalid("DATE_INVALID", "day"));
            }
            ("booking", Some(me), d)
        }
        "register" => {
            if !manages(st, u, p.community_id) {
                return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
            }
            let d = day_or_today(st, &r.day)?;
            if d > today {
                return Err(invalid("DATE_INVALID", "day"));
            }
            let who = match r.phone.as_deref().map(str::trim) {
                Some(ph) if !ph.is_empty() => Some(
                    crate::residents::service::id_by_phone(st, u, ph)
                        .await
                        .map_err(|_| invalid("RESIDENT_UNKNOWN", "phone"))?,
                ),
                _ => None,
            };
            ("register", who, d)
        }
        _ => return Err(invalid("USE_KIND_INVALID", "kind")),
    };
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if let Some(me) = who
        && kind != "register"
        && store::used_on(&mut tx, id, me, kind, &day).await?
    {
        return Err(AppError::Conflict("ALREADY_RECORDED"));
    }
    let row = store::insert_use(&mut tx, id, kind, who, &day, u.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("renewal.use", "renewal_project", id)
            .with(serde_json::json!({"kind": kind, "day": day})),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}
