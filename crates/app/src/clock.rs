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

/// `2026年11月22日 14:30` in Asia/Shanghai (UTC+8, no daylight saving since 1991).
pub fn format_cn(ms: i64) -> String {
    use chrono::{FixedOffset, TimeZone};
    let tz = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"));
    match tz.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y年%m月%d日 %H:%M").to_string(),
        None => String::new(),
    }
}

/// RFC 3339 in UTC, for the API.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
