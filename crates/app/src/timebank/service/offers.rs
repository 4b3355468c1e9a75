//! Volunteers' offers: the kinds of service they give, the days and hours they are free,
//! and how many open requests they take — what matching weighs.

use gongzhi_core::timebank as rules;
use serde::{Deserialize, Serialize};

use super::{home, invalid};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::timebank::store::{self, OfferRow};

/// `08:30` to minutes after midnight.
fn parse_hhmm(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440).then_some(h * 60 + m)
}

fn hhmm(m: i64) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct OfferRequest {
    /// Kinds of service offered.
    pub kinds: Vec<String>,
    /// Days free, Monday = 1 … Sunday = 7.
    pub weekdays: Vec<i64>,
    /// Free from, `08:00` (China time).
    pub from: String,
    /// Free until, `17:30`.
    pub to: String,
    /// Open requests taken at most (1–10; default 3).
    pub capacity: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    pub kinds: Vec<String>,
    pub weekdays: Vec<i64>,
    pub from: String,
    pub to: String,
    pub capacity: i64,
    pub note: String,
}

pub(super) fn offer_view(o: &OfferRow) -> OfferView {
    OfferView {
        kinds: o
            .kinds
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        weekdays: o
            .weekdays
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect(),
        from: hhmm(o.from_minute),
        to: hhmm(o.to_minute),
        capacity: o.capacity,
        note: o.note.clone(),
    }
}

/// A volunteer's own offer: what they do and when they are free.
pub async fn my_offer(st: &AppState, u: &CurrentUser) -> AppResult<Option<OfferView>> {
    let mut tx = st.db.read().await?;
    Ok(store::offer(&mut tx, u.id).await?.as_ref().map(offer_view))
}

/// A verified volunteer sets what they offer.
pub async fn set_offer(st: &AppState, u: &CurrentUser, r: &OfferRequest) -> AppResult<OfferView> {
    let mut kinds = vec![];
    for k in &r.kinds {
        kinds.push(rules::check_kind(k).map_err(|e| invalid(e.code(), "kinds"))?);
    }
    kinds.sort_unstable();
    kinds.dedup();
    if kinds.is_empty() {
        return Err(invalid("SERVICE_KIND_INVALID", "kinds"));
    }
    let mut days = r.weekdays.clone();
    days.sort_unstable();
    days.dedup();
    if days.is_empty() || days.iter().any(|d| !(1..=7).contains(d)) {
        return Err(invalid("WEEKDAYS_INVALID", "weekdays"));
    }
    let (Some(from), Some(to)) = (parse_hhmm(&r.from), parse_hhmm(&r.to)) else {
        return Err(invalid("HOURS_INVALID", "from"));
    };
    if from >= to {
        return Err(invalid("HOURS_INVALID", "to"));
    }
    let capacity = r.capacity.unwrap_or(3);
    if !(1..=10).contains(&capacity) {
        return Err(invalid("OFFER_CAPACITY_INVALID", "capacity"));
    }
    let note = r.note.as_deref().unwrap_or("").trim().to_string();
    if note.chars().count() > 200 {
        return Err(invalid("NOTE_INVALID", "note"));
    }
    let community = home(st, u.resident_id)
        .await?
        .ok_or(AppError::Forbidden("RESIDENT_ONLY"))?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if !store::is_verified(&mut tx, u.id).await? {
        return Err(AppError::Forbidden("VOLUNTEER_NOT_VERIFIED"));
    }
    let row = OfferRow {
        user_id: u.id,
        community_id: community,
        kinds: kinds.join(","),
        weekdays: days
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(","),
        from_minute: from,
        to_minute: to,
        capacity,
        note,
        updated_at: now,
    };
    store::set_offer(&mut tx, &row).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.offer", "user", u.id)
            .with(serde_json::json!({"kinds": row.kinds, "weekdays": row.weekdays})),
    )
    .await?;
    tx.commit().await?;
    Ok(offer_view(&row))
}
