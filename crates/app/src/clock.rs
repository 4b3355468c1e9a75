//! Time source. Production reads the system clock; tests move a shared offset forward to
//! check expiry and lockout windows without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch, UTC.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// The system clock plus an adjustable offset (tests only advance it).
#[derive(Debug, Default, Clone)]
pub struct TestClock {
    offset: Arc<AtomicI64>,
}

impl TestClock {
    pub fn advance_ms(&self, ms: i64) {
        self.offset.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.offset.load(Ordering::SeqCst)
    }
}

/// A time for people, in Asia/Shanghai (UTC+8, no daylight saving since 1991), in the
/// current request's language: `2026年11月22日 14:30`, in English `2026-11-22 14:30`.
/// Outside a request (jobs, stored messages) it is Chinese.
pub fn format_cn(ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    let tz = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"));
    let pattern = match crate::i18n::current() {
        crate::i18n::Lang::Zh => "%Y年%m月%d日 %H:%M",
        crate::i18n::Lang::En => "%Y-%m-%d %H:%M",
    };
    match tz.timestamp_millis_opt(ms).single() {
        Some(t) => t.format(pattern).to_string(),
        None => String::new(),
    }
}

/// The calendar day in China (UTC+8), `YYYY-MM-DD`.
pub fn date_cn(ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    let tz = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"));
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// RFC 3339 in UTC, for the API.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// China Standard Time, the zone every time is shown in.
fn cst() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"))
}

/// RFC 3339 with the China offset: `2026-11-22T10:00:00+08:00`.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&cst())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        })
        .unwrap_or_default()
}

/// Short local form for pages: `11-22 10:00`.
pub fn short(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&cst()).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Parses an RFC 3339 time or a `YYYY-MM-DD` day (local midnight) into epoch ms.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let t = d.and_hms_opt(0, 0, 0)?.and_local_timezone(cst()).single()?;
    Some(t.timestamp_millis())
}

/// The calendar day in China (UTC+8) as (year, month, day).
pub fn ymd_cn(ms: i64) -> (i32, u32, u32) {
    use chrono::{Datelike, TimeZone};
    cst()
        .timestamp_millis_opt(ms)
        .single()
        .map(|d| (d.year(), d.month(), d.day()))
        .unwrap_or((1970, 1, 1))
}

/// `2026-11-22 14:30` in China time (exports).
pub fn format_iso_local(ms: i64) -> String {
    use chrono::TimeZone;
    cst()
        .timestamp_millis_opt(ms)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The first millisecond of `day` in Beijing time.
pub fn day_start_ms(day: chrono::NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

/// A local China time typed in a form (`YYYY-MM-DDTHH:MM`, seconds optional) as ms.
pub fn parse_local(s: &str) -> Option<i64> {
    use chrono::TimeZone;
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    chrono::FixedOffset::east_opt(8 * 3600)?
        .from_local_datetime(&t)
        .single()
        .map(|d| d.timestamp_millis())
}
