//! 一网统管: the pure rules of cases and work orders — the life cycle, the working-day
//! calendar and deadlines, duplicate detection, assignment to workers, and the 三率.

pub mod assign;
pub mod calendar;
pub mod lifecycle;
pub mod rates;
pub mod similar;

pub use calendar::{CalendarDay, DayKind, Deadlines, WorkCalendar, deadlines};
pub use lifecycle::{CaseStatus, OrderAction, OrderStatus, Rung, TransitionError};
