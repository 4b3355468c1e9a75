//! The Chinese working-day calendar for deadlines (办理时限): weekends off, public holidays
//! off, make-up working days (调休) on, as the State Council's yearly notice sets them. The
//! days are data an administrator edits each year; this module only computes with them.
//! Times are epoch milliseconds; the calendar runs on China Standard Time (UTC+8, no DST).

use std::collections::BTreeMap;

use time::{Date, Duration, Month, Weekday};

use crate::Coded;

/// China Standard Time, in milliseconds east of UTC.
pub const CST_OFFSET_MS: i64 = 8 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// What a listed day is: a day off on a weekday, or a working day on a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// 法定节假日 (or a day off moved by 调休).
    Holiday,
    /// 调休上班: a weekend day that is a working day.
    Workday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" | "休" => Some(DayKind::Holiday),
            "workday" | "班" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One listed day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    pub day: Date,
    pub kind: DayKind,
    /// The holiday's name, e.g. 春节.
    pub name: String,
}

/// A calendar line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("calendar line {line}: {why}")]
pub struct CalendarError {
    pub line: usize,
    pub why: &'static str,
}

impl Coded for CalendarError {
    fn code(&self) -> &'static str {
        "CALENDAR_INVALID"
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    if !(1900..=2999).contains(&y) {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// Reads the text form an administrator edits: one day per line,
/// `2026-02-14 workday 春节调休` or `2026-02-16 holiday 春节` (`班`/`休` also accepted);
/// blank lines and lines starting with `#` are ignored. A day may be listed once.
pub fn parse_days(text: &str) -> Result<Vec<CalendarDay>, CalendarError> {
    let mut out: Vec<CalendarDay> = vec![];
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let mut parts = l.split_whitespace();
        let day = parts
            .next()
            .and_then(parse_date)
            .ok_or(CalendarError { line, why: "date" })?;
        let kind = parts
            .next()
            .and_then(DayKind::parse)
            .ok_or(CalendarError { line, why: "kind" })?;
        let name = parts.collect::<Vec<_>>().join(" ");
        if name.chars().count() > 40 {
            return Err(CalendarError { line, why: "name" });
        }
        if out.iter().any(|d| d.day == day) {
            return Err(CalendarError {
                line,
                why: "duplicate",
            });
        }
        out.push(CalendarDay { day, kind, name });
    }
    out.sort_by_key(|d| d.day);
    Ok(out)
}

/// The text form of a list of days (inverse of [`parse_days`]).
pub fn format_days(days: &[CalendarDay]) -> String {
    let mut s = String::new();
    for d in days {
        s.push_str(&format_date(d.day));
        s.push(' ');
        s.push_str(d.kind.code());
        if !d.name.is_empty() {
            s.push(' ');
            s.push_str(&d.name);
        }
        s.push('\n');
    }
    s
}

/// Working days and hours. Working hours default to 09:00–12:00 and 13:00–18:00
/// (8 hours), the office hours of Chinese street offices and most public utilities.
#[derive(Debug, Clone)]
pub struct WorkCalendar {
    days: BTreeMap<Date, DayKind>,
    /// Working periods within a day, in milliseconds after local midnight, ascending.
    periods: Vec<(i64, i64)>,
}

impl Default for WorkCalendar {
    fn default() -> Self {
        WorkCalendar::new(std::iter::empty())
    }
}

fn local_date(ms: i64) -> (Date, i64) {
    let local = ms + CST_OFFSET_MS;
    let days = local.div_euclid(DAY_MS);
    let within = local.rem_euclid(DAY_MS);
    let epoch = Date::from_calendar_date(1970, Month::January, 1).unwrap_or(Date::MIN);
    (epoch + Duration::days(days), within)
}

fn day_start_ms(d: Date) -> i64 {
    let epoch = Date::from_calendar_date(1970, Month::January, 1).unwrap_or(Date::MIN);
    (d - epoch).whole_days() * DAY_MS - CST_OFFSET_MS
}

impl WorkCalendar {
    pub fn new(days: impl IntoIterator<Item = (Date, DayKind)>) -> Self {
        WorkCalendar {
            days: days.into_iter().collect(),
            periods: vec![
                (9 * 3_600_000, 12 * 3_600_000),
                (13 * 3_600_000, 18 * 3_600_000),
            ],
        }
    }

    pub fn from_days(days: &[CalendarDay]) -> Self {
        WorkCalendar::new(days.iter().map(|d| (d.day, d.kind)))
    }

    /// Working minutes in one working day (480 by default).
    pub fn day_minutes(&self) -> i64 {
        self.periods.iter().map(|(a, b)| b - a).sum::<i64>() / 60_000
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        match self.days.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// Whether any day of `year` is listed (a year without data falls back to weekends
    /// only, and the admin page warns about it).
    pub fn has_year(&self, year: i32) -> bool {
        self.days.keys().any(|d| d.year() == year)
    }

    /// The instant `minutes` of working time after `start_ms`. Time outside working hours
    /// does not count; a start outside them counts from the next working period.
    pub fn add_working(&self, start_ms: i64, minutes: i64) -> i64 {
        let mut left = minutes.max(0) * 60_000;
        let (mut day, mut at) = local_date(start_ms);
        // Ten years of days off in a row cannot happen; the bound keeps bad data finite.
        for _ in 0..3660 {
            if self.is_working_day(day) {
                for &(a, b) in &self.periods {
                    let from = at.max(a);
                    if from >= b {
                        continue;
                    }
                    if left <= b - from {
                        return day_start_ms(day) + from + left;
                    }
                    left -= b - from;
                    at = b;
                }
            }
            day = day.next_day().unwrap_or(Date::MAX);
            at = 0;
        }
        start_ms + minutes * 60_000
    }

    /// Working minutes between two instants (0 when `to` ≤ `from`).
    pub fn working_minutes_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        let (mut day, mut at) = local_date(from_ms);
        let (end_day, end_at) = local_date(to_ms);
        let mut total = 0;
        while day <= end_day {
            if self.is_working_day(day) {
                let limit = if day == end_day { end_at } else { DAY_MS };
                for &(a, b) in &self.periods {
                    let s = at.max(a);
                    let e = limit.min(b);
                    if e > s {
                        total += e - s;
                    }
                }
            }
            match day.next_day() {
                Some(d) => day = d,
                None => break,
            }
            at = 0;
        }
        total / 60_000
    }
}

/// The deadlines of a new work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Sign for it (签收) by then.
    pub sign_by: i64,
    /// Warn (预警) from then.
    pub warn_at: i64,
    /// Finish handling (办结时限) by then.
    pub due_at: i64,
}

/// Minutes to sign an urgent order, on the clock.
pub const URGENT_SIGN_MINUTES: i64 = 30;
/// Working minutes to sign an ordinary order.
pub const ORDINARY_SIGN_MINUTES: i64 = 120;
/// Warnings start when this share (per mille) of the time allowed has passed.
pub const WARN_PER_MILLE: i64 = 750;

/// Deadlines from the taxonomy's `sla_hours`: urgent events run on the clock (sign within
/// 30 minutes, finish within `sla_hours`); ordinary ones count `sla_hours / 24` working days
/// of working time (24 h = one working day: reported at 10:00 on a Friday, due 10:00 on the
/// next working day).
pub fn deadlines(cal: &WorkCalendar, start_ms: i64, sla_hours: i64, urgent: bool) -> Deadlines {
    if urgent {
        let total = sla_hours.max(1) * 3_600_000;
        Deadlines {
            sign_by: start_ms + URGENT_SIGN_MINUTES * 60_000,
            warn_at: start_ms + total * WARN_PER_MILLE / 1000,
            due_at: start_ms + total,
        }
    } else {
        let minutes = sla_hours.max(1) * cal.day_minutes() / 24;
        Deadlines {
            sign_by: cal.add_working(start_ms, ORDINARY_SIGN_MINUTES),
            warn_at: cal.add_working(start_ms, minutes * WARN_PER_MILLE / 1000),
            due_at: cal.add_working(start_ms, minutes),
        }
    }
}

/// Days in a month of the Gregorian calendar (`month` 1–12; 0 outside it).
pub fn days_in_month(year: i32, month: u32) -> u32 {
    u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .map_or(0, |m| u32::from(m.length(year)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Epoch ms of a local (UTC+8) date and time.
    fn at(y: i32, m: u8, d: u8, h: i64, min: i64) -> i64 {
        let date = Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap();
        day_start_ms(date) + h * 3_600_000 + min * 60_000
    }

    const NOTICE_2026: &str = "\
# 国务院办公厅关于2026年部分节假日安排的通知 (excerpt)
2026-02-14 workday 春节调休
2026-02-15 holiday 春节
2026-02-16 holiday 春节
2026-02-17 holiday 春节
2026-02-18 holiday 春节
2026-02-19 holiday 春节
2026-02-20 holiday 春节
2026-02-21 holiday 春节
2026-02-22 holiday 春节
2026-02-23 holiday 春节
2026-02-28 workday 春节调休
";

    fn cal() -> WorkCalendar {
        WorkCalendar::from_days(&parse_days(NOTICE_2026).unwrap())
    }

    #[test]
    fn parse_and_format_roundtrip() {
        let days = parse_days(NOTICE_2026).unwrap();
        assert_eq!(days.len(), 11);
        assert_eq!(parse_days(&format_days(&days)).unwrap(), days);
        assert_eq!(
            parse_days("2026-02-30 holiday x"),
            Err(CalendarError {
                line: 1,
                why: "date"
            })
        );
        assert_eq!(parse_days("2026-02-01 maybe").unwrap_err().why, "kind");
        assert_eq!(
            parse_days("2026-02-01 班\n2026-02-01 休").unwrap_err(),
            CalendarError {
                line: 2,
                why: "duplicate"
            }
        );
    }

    #[test]
    fn weekdays_weekends_holidays_and_makeup_days() {
        let c = cal();
        let d = |m, d| Date::from_calendar_date(2026, Month::try_from(m).unwrap(), d).unwrap();
        assert!(c.is_working_day(d(2, 13))); // Friday
        assert!(c.is_working_day(d(2, 14))); // Saturday, 调休上班
        assert!(!c.is_working_day(d(2, 16))); // Monday, 春节
        assert!(!c.is_working_day(d(3, 1))); // Sunday
        assert!(c.has_year(2026) && !c.has_year(2027));
    }

    #[test]
    fn adding_working_time() {
        let c = cal();
        // Monday 10:00 + 1 working day = Tuesday 10:00.
        assert_eq!(
            c.add_working(at(2026, 3, 2, 10, 0), 480),
            at(2026, 3, 3, 10, 0)
        );
        // Friday 16:00 + 4 h = Monday 11:00 (2 h Friday, 2 h Monday).
        assert_eq!(
            c.add_working(at(2026, 3, 6, 16, 0), 240),
            at(2026, 3, 9, 11, 0)
        );
        // Lunch break does not count: 11:30 + 1 h = 13:30.
        assert_eq!(
            c.add_working(at(2026, 3, 2, 11, 30), 60),
            at(2026, 3, 2, 13, 30)
        );
        // Filed at night: counts from 09:00 the next working day.
        assert_eq!(
            c.add_working(at(2026, 3, 2, 22, 0), 60),
            at(2026, 3, 3, 10, 0)
        );
        // Friday 2026-02-13 10:00 + 1 day = Saturday 2026-02-14 (调休上班) 10:00.
        assert_eq!(
            c.add_working(at(2026, 2, 13, 10, 0), 480),
            at(2026, 2, 14, 10, 0)
        );
        // Saturday 2026-02-14 10:00 + 1 day skips the Spring Festival: Tuesday 02-24.
        assert_eq!(
            c.add_working(at(2026, 2, 14, 10, 0), 480),
            at(2026, 2, 24, 10, 0)
        );
        // Ending exactly at the end of a period.
        assert_eq!(
            c.add_working(at(2026, 3, 2, 9, 0), 180),
            at(2026, 3, 2, 12, 0)
        );
    }

    #[test]
    fn minutes_between_inverts_adding() {
        let c = cal();
        let start = at(2026, 2, 12, 15, 17);
        for m in [0, 1, 59, 60, 479, 480, 481, 2400, 10_000] {
            let end = c.add_working(start, m);
            assert_eq!(c.working_minutes_between(start, end), m, "{m}");
        }
    }

    #[test]
    fn deadline_rules() {
        let c = cal();
        let t = at(2026, 3, 6, 10, 0); // Friday
        let urgent = deadlines(&c, t, 8, true);
        assert_eq!(urgent.sign_by, t + 30 * 60_000);
        assert_eq!(urgent.due_at, t + 8 * 3_600_000);
        assert!(urgent.warn_at > t && urgent.warn_at < urgent.due_at);
        let ordinary = deadlines(&c, t, 72, false);
        assert_eq!(ordinary.sign_by, at(2026, 3, 6, 12, 0));
        assert_eq!(ordinary.due_at, at(2026, 3, 11, 10, 0)); // 3 working days
    }
}
