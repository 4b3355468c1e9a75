//! The life cycle of a dispute: which action is allowed in which status, and where it leads.
//!
//! ```text
//!  filed ──(every party consents)──▶ mediating ──(agreement drafted)──▶ agreed
//!    │                                  │  ▲                               │
//!    └─(a party refuses)─▶ declined      │  └──(a party withdraws / the    │
//!                                       │      follow-up finds it broken)  │
//!      mediating ─(escalate)─▶ mediating one rung up … court ─▶ referred   │
//!      mediating ─(fail)─▶ failed                 agreed ─(all confirm)─▶ resolved
//! ```
//!
//! Consent is the gate (人民调解法 art. 17: mediation needs both parties' consent): without
//! every party's yes, the dispute is recorded but nobody mediates it. Escalating from the
//! district rung diverts the dispute to the court's pre-litigation mediation (诉前调解),
//! which ends it here as `referred`.

use serde::{Deserialize, Serialize};

use super::types::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded; waiting for the parties' consent.
    Filed,
    /// Everyone consented; mediators at work.
    Mediating,
    /// An agreement is drafted; waiting for each party to confirm it.
    Agreed,
    /// Every party confirmed the agreement (调解成功).
    Resolved,
    /// Mediation ended without agreement (调解不成).
    Failed,
    /// Diverted to the court's pre-litigation mediation (诉前调解).
    Referred,
    /// A party refused mediation: recorded, not mediated.
    Declined,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Filed,
        Status::Mediating,
        Status::Agreed,
        Status::Resolved,
        Status::Failed,
        Status::Referred,
        Status::Declined,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Filed => "filed",
            Status::Mediating => "mediating",
            Status::Agreed => "agreed",
            Status::Resolved => "resolved",
            Status::Failed => "failed",
            Status::Referred => "referred",
            Status::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Status::Filed => "待同意调解",
            Status::Mediating => "调解中",
            Status::Agreed => "待确认协议",
            Status::Resolved => "调解成功",
            Status::Failed => "调解不成",
            Status::Referred => "转诉前调解",
            Status::Declined => "不同意调解",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Status::Filed => "Awaiting consent",
            Status::Mediating => "Mediating",
            Status::Agreed => "Awaiting confirmation",
            Status::Resolved => "Resolved",
            Status::Failed => "Failed",
            Status::Referred => "Referred to court",
            Status::Declined => "Consent refused",
        }
    }

    /// No further mediation happens (a resolved dispute may still be reopened by its
    /// follow-up visit).
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Status::Resolved | Status::Failed | Status::Referred | Status::Declined
        )
    }
}

/// What someone does to a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A party's answer to "do you agree to mediation?" (`all_yes`: every party has now
    /// said yes).
    Consent { yes: bool, all_yes: bool },
    /// A mediator records a session (minutes, positions).
    Session,
    /// A mediator drafts (or redrafts) the agreement.
    Draft,
    /// A party confirms the agreement (`all`: every party has now confirmed).
    Confirm { all: bool },
    /// A party withdraws from the drafted agreement before everyone confirmed.
    Withdraw,
    /// Up one rung of the ladder.
    Escalate,
    /// Mediation ends without agreement.
    Fail,
    /// The follow-up visit: does the agreement hold?
    FollowUp { holds: bool },
}

/// Why an action is refused: a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the dispute waits for the parties' consent")]
    NoConsent,
    #[error("the dispute is closed")]
    Closed,
    #[error("not possible in this status")]
    WrongStatus,
}

impl crate::Coded for LifecycleError {
    fn code(&self) -> &'static str {
        match self {
            LifecycleError::NoConsent => "DISPUTE_NO_CONSENT",
            LifecycleError::Closed => "DISPUTE_CLOSED",
            LifecycleError::WrongStatus => "DISPUTE_WRONG_STATUS",
        }
    }
}

/// The status and rung after `action`.
pub fn next(
    status: Status,
    level: Level,
    action: Action,
) -> Result<(Status, Level), LifecycleError> {
    use Status::*;
    let same = Ok((status, level));
    match (status, action) {
        (Filed, Action::Consent { yes: false, .. }) => Ok((Declined, level)),
        (Filed, Action::Consent { all_yes: true, .. }) => Ok((Mediating, level)),
        (Filed, Action::Consent { .. }) => same,
        (Mediating | Agreed, Action::Consent { yes: true, .. }) => same,
        (Filed, _) => Err(LifecycleError::NoConsent),
        (Mediating, Action::Session) | (Agreed, Action::Session) => same,
        (Mediating | Agreed, Action::Draft) => Ok((Agreed, level)),
        (Agreed, Action::Confirm { all: true }) => Ok((Resolved, level)),
        (Agreed, Action::Confirm { all: false }) => same,
        (Agreed, Action::Withdraw) => Ok((Mediating, level)),
        (Mediating | Agreed, Action::Escalate) => match level.up() {
            Some(Level::Court) => Ok((Referred, Level::Court)),
            Some(up) => Ok((Mediating, up)),
            None => Err(LifecycleError::WrongStatus),
        },
        (Mediating | Agreed, Action::Fail) => Ok((Failed, level)),
        (Resolved, Action::FollowUp { holds: true }) => same,
        (Resolved, Action::FollowUp { holds: false }) => Ok((Mediating, level)),
        (s, _) if s.is_closed() => Err(LifecycleError::Closed),
        _ => Err(LifecycleError::WrongStatus),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Level::*;
    use Status::*;

    #[test]
    fn consent_gates_mediation() {
        let yes_one = Action::Consent {
            yes: true,
            all_yes: false,
        };
        let yes_all = Action::Consent {
            yes: true,
            all_yes: true,
        };
        let no = Action::Consent {
            yes: false,
            all_yes: false,
        };
        assert_eq!(next(Filed, Community, yes_one), Ok((Filed, Community)));
        assert_eq!(next(Filed, Community, yes_all), Ok((Mediating, Community)));
        assert_eq!(next(Filed, Community, no), Ok((Declined, Community)));
        for a in [
            Action::Session,
            Action::Draft,
            Action::Escalate,
            Action::Fail,
        ] {
            assert_eq!(
                next(Filed, Community, a),
                Err(LifecycleError::NoConsent),
                "{a:?}"
            );
        }
        assert_eq!(
            next(Declined, Community, Action::Session),
            Err(LifecycleError::Closed)
        );
    }

    #[test]
    fn agreement_needs_every_confirmation() {
        assert_eq!(next(Mediating, Street, Action::Draft), Ok((Agreed, Street)));
        assert_eq!(
            next(Agreed, Street, Action::Confirm { all: false }),
            Ok((Agreed, Street))
        );
        assert_eq!(
            next(Agreed, Street, Action::Confirm { all: true }),
            Ok((Resolved, Street))
        );
        assert_eq!(
            next(Mediating, Street, Action::Confirm { all: true }),
            Err(LifecycleError::WrongStatus)
        );
        assert_eq!(
            next(Agreed, Street, Action::Withdraw),
            Ok((Mediating, Street))
        );
    }

    #[test]
    fn the_ladder_ends_in_court_diversion() {
        let mut s = (Mediating, Community);
        let mut rungs = vec![];
        while !s.0.is_closed() {
            s = next(s.0, s.1, Action::Escalate).unwrap();
            rungs.push(s);
        }
        assert_eq!(
            rungs,
            vec![
                (Mediating, Street),
                (Mediating, District),
                (Referred, Court)
            ]
        );
        assert_eq!(
            next(Referred, Court, Action::Escalate),
            Err(LifecycleError::Closed)
        );
    }

    #[test]
    fn a_broken_agreement_reopens_mediation() {
        assert_eq!(
            next(Resolved, Community, Action::FollowUp { holds: true }),
            Ok((Resolved, Community))
        );
        assert_eq!(
            next(Resolved, Community, Action::FollowUp { holds: false }),
            Ok((Mediating, Community))
        );
        assert_eq!(
            next(Mediating, Community, Action::FollowUp { holds: true }),
            Err(LifecycleError::WrongStatus)
        );
        assert_eq!(
            next(Failed, Community, Action::FollowUp { holds: true }),
            Err(LifecycleError::Closed)
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
    }
}
