//! Requests under PIPL arts. 44–50 that self-service does not settle (a copy of something
//! not in the export, a correction staff must make, an explanation, a deletion): a small
//! state machine with a due date. Answered within 30 days (PIPL art. 50 asks for "timely";
//! GB/T 35273-2020 §8.7 sets 30 days, or 15 working days where local rules say so).

use crate::Coded;

/// Days to answer a request.
pub const DUE_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

pub const KINDS: [&str; 6] = [
    "access", "correct", "delete", "explain", "withdraw", "other",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    InProgress,
    Done,
    Refused,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "open" => Status::Open,
            "in_progress" => Status::InProgress,
            "done" => Status::Done,
            "refused" => Status::Refused,
            _ => return None,
        })
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Status::Done | Status::Refused)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Complete,
    Refuse,
}

impl Action {
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "start" => Action::Start,
            "done" => Action::Complete,
            "refuse" => Action::Refuse,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("unknown kind of request")]
    Kind,
    #[error("describe the request (1 to 2000 characters)")]
    Detail,
    #[error("a refusal needs its reason")]
    ReasonRequired,
    #[error("the request is closed or the step does not apply")]
    Transition,
}

impl Coded for RequestError {
    fn code(&self) -> &'static str {
        match self {
            RequestError::Kind => "REQUEST_KIND_UNKNOWN",
            RequestError::Detail => "REQUEST_DETAIL_INVALID",
            RequestError::ReasonRequired => "REFUSAL_REASON_REQUIRED",
            RequestError::Transition => "REQUEST_STATE_INVALID",
        }
    }
}

/// Checks a new request; returns its due time.
pub fn file(kind: &str, detail: &str, now_ms: i64) -> Result<i64, RequestError> {
    if !KINDS.contains(&kind) {
        return Err(RequestError::Kind);
    }
    let n = detail.trim().chars().count();
    if n == 0 || n > 2000 {
        return Err(RequestError::Detail);
    }
    Ok(due_at(now_ms))
}

pub fn due_at(filed_ms: i64) -> i64 {
    filed_ms + DUE_DAYS * DAY_MS
}

/// The next status after `action`; a refusal needs a non-empty reason.
pub fn step(from: Status, action: Action, reason: Option<&str>) -> Result<Status, RequestError> {
    if from.is_closed() {
        return Err(RequestError::Transition);
    }
    match action {
        Action::Start if from == Status::Open => Ok(Status::InProgress),
        Action::Start => Err(RequestError::Transition),
        Action::Complete => Ok(Status::Done),
        Action::Refuse => match reason.map(str::trim) {
            Some(r) if !r.is_empty() && r.chars().count() <= 2000 => Ok(Status::Refused),
            _ => Err(RequestError::ReasonRequired),
        },
    }
}

/// Open past its due time.
pub fn is_overdue(status: Status, due_at: i64, now_ms: i64) -> bool {
    !status.is_closed() && now_ms > due_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_move_forward_and_refusals_need_a_reason() {
        assert_eq!(file("access", "我的回访录音", 0), Ok(30 * DAY_MS));
        assert_eq!(file("nope", "x", 0), Err(RequestError::Kind));
        assert_eq!(file("other", "  ", 0), Err(RequestError::Detail));
        assert_eq!(
            step(Status::Open, Action::Start, None),
            Ok(Status::InProgress)
        );
        assert_eq!(
            step(Status::InProgress, Action::Start, None),
            Err(RequestError::Transition)
        );
        assert_eq!(
            step(Status::InProgress, Action::Complete, None),
            Ok(Status::Done)
        );
        assert_eq!(
            step(Status::Open, Action::Refuse, None),
            Err(RequestError::ReasonRequired)
        );
        assert_eq!(
            step(Status::Open, Action::Refuse, Some(" ")),
            Err(RequestError::ReasonRequired)
        );
        assert_eq!(
            step(Status::Open, Action::Refuse, Some("法律规定须保存")),
            Ok(Status::Refused)
        );
        assert_eq!(
            step(Status::Done, Action::Refuse, Some("x")),
            Err(RequestError::Transition)
        );
    }

    #[test]
    fn overdue_is_open_past_the_due_time() {
        let due = due_at(0);
        assert!(!is_overdue(Status::Open, due, due));
        assert!(is_overdue(Status::InProgress, due, due + 1));
        assert!(!is_overdue(Status::Done, due, due + 1));
    }
}
