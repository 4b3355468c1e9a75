//! The working-day calendar service: the holidays and make-up working days (调休) that
//! deadlines are counted on, as data an administrator edits a year at a time (the State
//! Council publishes them once a year), cached for 30 s on every node.

use std::sync::Arc;

use gongzhi_core::cases::{WorkCalendar, calendar};

use super::store;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The cached working-day calendar (30 s; cleared on local edits).
pub async fn calendar(st: &AppState) -> AppResult<Arc<WorkCalendar>> {
    st.calendar_cache
        .get_or_refresh(st.now_ms(), async {
            let mut tx = st.db.read().await?;
            let rows = store::calendar_days(&mut tx).await?;
            let days = rows.into_iter().filter_map(|(d, k, _)| {
                Some((calendar::parse_date(&d)?, calendar::DayKind::parse(&k)?))
            });
            Ok::<_, AppError>(WorkCalendar::new(days))
        })
        .await
}

/// Only administrators keep the calendar.
pub fn keeps_calendar(user: &CurrentUser) -> bool {
    user.role.may_administer()
}

/// One year's listed days as the editor shows them.
pub struct YearText {
    pub year: i32,
    /// One line per day in the editor's format (`2026-10-01 休 国庆节`).
    pub text: String,
    pub days: usize,
}

/// The listed years, newest first, with this year and the next present (empty if no day is
/// listed yet, so the administrator sees what is missing).
pub async fn years(st: &AppState, user: &CurrentUser) -> AppResult<Vec<YearText>> {
    if !keeps_calendar(user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let mut tx = st.db.read().await?;
    let rows = store::calendar_days(&mut tx).await?;
    drop(tx);
    let mut years: Vec<YearText> = vec![];
    for (d, k, n) in rows {
        let Some(day) = calendar::parse_date(&d) else {
            continue;
        };
        let kind = calendar::DayKind::parse(&k).unwrap_or(calendar::DayKind::Holiday);
        let line = calendar::format_days(&[calendar::CalendarDay { day, kind, name: n }]);
        match years.iter_mut().find(|y| y.year == day.year()) {
            Some(y) => {
                y.text.push_str(&line);
                y.days += 1;
            }
            None => years.push(YearText {
                year: day.year(),
                text: line,
                days: 1,
            }),
        }
    }
    let y = this_year(st);
    for m in [y, y + 1] {
        if !years.iter().any(|t| t.year == m) {
            years.push(YearText {
                year: m,
                text: String::new(),
                days: 0,
            });
        }
    }
    years.sort_by_key(|t| std::cmp::Reverse(t.year));
    Ok(years)
}

fn this_year(st: &AppState) -> i32 {
    let ms = st.now_ms() + calendar::CST_OFFSET_MS;
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| chrono::Datelike::year(&t))
        .unwrap_or(2026)
}

/// Replaces one year's listed days (the whole year at once), audited; every node sees the
/// new calendar within its cache's 30 s, this one at once.
pub async fn save_year(st: &AppState, user: &CurrentUser, year: i32, text: &str) -> AppResult<()> {
    if !keeps_calendar(user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    if !(2000..=2100).contains(&year) {
        return Err(AppError::Invalid {
            code: "YEAR_INVALID",
            field: Some("year"),
        });
    }
    let days = calendar::parse_days(text).map_err(|e| AppError::field("text", e))?;
    if days.iter().any(|d| d.day.year() != year) {
        return Err(AppError::Invalid {
            code: "CALENDAR_YEAR_MISMATCH",
            field: Some("text"),
        });
    }
    let rows: Vec<(String, String, String)> = days
        .iter()
        .map(|d| {
            (
                calendar::format_date(d.day),
                d.kind.code().to_string(),
                d.name.clone(),
            )
        })
        .collect();
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::replace_year(&mut tx, year, &rows).await?;
    audit::record(
        &mut tx,
        now,
        &user.actor(),
        Event::ok("calendar.update", "calendar", year)
            .with(serde_json::json!({"days": rows.len()})),
    )
    .await?;
    tx.commit().await?;
    st.calendar_cache.clear().await;
    Ok(())
}
