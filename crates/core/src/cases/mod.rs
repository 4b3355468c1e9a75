//! 一网统管: the pure rules of cases and work orders — the life cycle, the working-day
//! calendar and deadlines, duplicate detection, assignment to workers, and the 三率.

pub mod assign;
pub mod calendar;
pub mod lifecycle;
pub mod rates;
pub mod similar;

pub use calendar::{CalendarDay, DayKind, Deadlines, WorkCalendar, deadlines};
pub use lifecycle::{CaseStatus, OrderAction, OrderStatus, Rung, TransitionError};

/// Lateness that climbs one rung of the escalation ladder: an hour for urgent matters (on
/// the clock), a day for ordinary ones.
pub fn taxonomy_sla_step(urgent: bool) -> i64 {
    if urgent { 3_600_000 } else { 86_400_000 }
}
