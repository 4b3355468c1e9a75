//! The work-order life cycle of a hotline case (12345 / 一网统管):
//! 受理 → 派单 → 签收 or 退单 → 办理 (延期 needs approval) → 反馈 → 回访 → 办结,
//! and an unsatisfied call-back reopens. One case has one or more work orders; the case's
//! status is derived from its orders, never stored independently of them.

use crate::Coded;

/// A work order's state. Codes are stable: stored and shown in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// 派单: sent to the unit, waiting to be signed for.
    Dispatched,
    /// 退单: sent back by the unit with a reason; the dispatcher must re-route.
    Returned,
    /// 办理: signed for and being handled.
    Handling,
    /// 已反馈: the unit reported the result; waiting for the call-back.
    Done,
    /// 办结: closed after a satisfactory call-back.
    Closed,
    /// 已改派: replaced by an order to another unit after a return.
    Rerouted,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Dispatched,
        OrderStatus::Returned,
        OrderStatus::Handling,
        OrderStatus::Done,
        OrderStatus::Closed,
        OrderStatus::Rerouted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrderStatus::Dispatched => "dispatched",
            OrderStatus::Returned => "returned",
            OrderStatus::Handling => "handling",
            OrderStatus::Done => "done",
            OrderStatus::Closed => "closed",
            OrderStatus::Rerouted => "rerouted",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|o| o.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            OrderStatus::Dispatched => "待签收",
            OrderStatus::Returned => "已退单",
            OrderStatus::Handling => "办理中",
            OrderStatus::Done => "已反馈",
            OrderStatus::Closed => "已办结",
            OrderStatus::Rerouted => "已改派",
        }
    }

    /// Whether the order still counts towards its case (not replaced by another).
    pub fn is_active(self) -> bool {
        !matches!(self, OrderStatus::Rerouted)
    }

    /// Whether the unit still owes work on it (deadlines and escalation apply).
    pub fn is_open(self) -> bool {
        matches!(self, OrderStatus::Dispatched | OrderStatus::Handling)
    }
}

/// What someone does to a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    /// 签收 (the unit).
    Sign,
    /// 退单 (the unit, with a reason).
    Return,
    /// 改派 (the dispatcher, after a return or on their own judgement before signing).
    Reroute,
    /// 延期申请 (the unit): allowed while handling; needs approval, status unchanged.
    RequestExtension,
    /// 延期审批 (the dispatcher): approve or refuse a pending request, status unchanged.
    DecideExtension,
    /// 反馈 (the unit, with the result and photos).
    Feedback,
    /// 回访: the reporter says it is solved and the order closes.
    CloseSolved,
    /// 回访: the reporter says it is not solved and the order goes back to handling.
    Reopen,
    /// 撤回: the reporter withdraws the case before any unit has taken it on.
    Withdraw,
}

/// Refusal of a transition not allowed from the order's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{action:?} is not allowed on an order that is {from:?}")]
pub struct TransitionError {
    pub from: OrderStatus,
    pub action: OrderAction,
}

impl Coded for TransitionError {
    fn code(&self) -> &'static str {
        "ORDER_STATE"
    }
}

/// The state after `action`, or why it is not allowed.
pub fn next(from: OrderStatus, action: OrderAction) -> Result<OrderStatus, TransitionError> {
    use OrderAction as A;
    use OrderStatus as S;
    let to = match (from, action) {
        (S::Dispatched, A::Sign) => S::Handling,
        (S::Dispatched, A::Return) => S::Returned,
        (S::Dispatched | S::Returned, A::Reroute) => S::Rerouted,
        (S::Handling, A::RequestExtension | A::DecideExtension) => S::Handling,
        (S::Handling, A::Feedback) => S::Done,
        (S::Done, A::CloseSolved) => S::Closed,
        (S::Done, A::Reopen) => S::Handling,
        (S::Dispatched | S::Returned, A::Withdraw) => S::Closed,
        _ => return Err(TransitionError { from, action }),
    };
    Ok(to)
}

/// A case's state, derived from its orders and call-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 受理: accepted, no unit is working on it yet (no order, or all returned).
    Accepted,
    /// 派单: dispatched, waiting for the units to sign.
    Dispatched,
    /// 办理: at least one unit is handling it.
    Handling,
    /// 待回访: every unit has reported back; the call-back is due.
    Feedback,
    /// 办结
    Closed,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Accepted,
        CaseStatus::Dispatched,
        CaseStatus::Handling,
        CaseStatus::Feedback,
        CaseStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseStatus::Accepted => "accepted",
            CaseStatus::Dispatched => "dispatched",
            CaseStatus::Handling => "handling",
            CaseStatus::Feedback => "feedback",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        CaseStatus::ALL.into_iter().find(|o| o.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            CaseStatus::Accepted => "已受理",
            CaseStatus::Dispatched => "已派单",
            CaseStatus::Handling => "办理中",
            CaseStatus::Feedback => "待回访",
            CaseStatus::Closed => "已办结",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            CaseStatus::Accepted => "Accepted",
            CaseStatus::Dispatched => "Dispatched",
            CaseStatus::Handling => "In hand",
            CaseStatus::Feedback => "Awaiting call-back",
            CaseStatus::Closed => "Closed",
        }
    }

    /// Open311 GeoReport v2 knows only `open` and `closed`.
    pub fn open311(self) -> &'static str {
        match self {
            CaseStatus::Closed => "closed",
            _ => "open",
        }
    }
}

/// The case's status from its orders' states: the least advanced active order decides,
/// except that a returned order (waiting to be re-routed) keeps the case with the dispatcher.
pub fn case_status(orders: &[OrderStatus]) -> CaseStatus {
    let active: Vec<OrderStatus> = orders.iter().copied().filter(|o| o.is_active()).collect();
    if active.is_empty() || active.contains(&OrderStatus::Returned) {
        return CaseStatus::Accepted;
    }
    if active.contains(&OrderStatus::Handling) {
        return CaseStatus::Handling;
    }
    if active.contains(&OrderStatus::Dispatched) {
        return CaseStatus::Dispatched;
    }
    if active.iter().all(|o| *o == OrderStatus::Closed) {
        return CaseStatus::Closed;
    }
    CaseStatus::Feedback
}

/// The administrative ladder overdue matters climb (枫桥: solve at the lowest level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rung {
    Grid,
    Community,
    Street,
    District,
}

impl Rung {
    pub const ALL: [Rung; 4] = [Rung::Grid, Rung::Community, Rung::Street, Rung::District];

    pub fn code(self) -> &'static str {
        match self {
            Rung::Grid => "grid",
            Rung::Community => "community",
            Rung::Street => "street",
            Rung::District => "district",
        }
    }

    pub fn parse(s: &str) -> Option<Rung> {
        Rung::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Rung::Grid => "网格",
            Rung::Community => "社区",
            Rung::Street => "街道",
            Rung::District => "区",
        }
    }

    /// The next rung up, or `None` at the top.
    pub fn up(self) -> Option<Rung> {
        match self {
            Rung::Grid => Some(Rung::Community),
            Rung::Community => Some(Rung::Street),
            Rung::Street => Some(Rung::District),
            Rung::District => None,
        }
    }
}

/// How far an overdue order has climbed: one rung per `step` of lateness, starting at the
/// community (the grid is where it started). `None` while not overdue.
pub fn escalation_rung(overdue_ms: i64, step_ms: i64) -> Option<Rung> {
    if overdue_ms <= 0 {
        return None;
    }
    let steps = overdue_ms / step_ms.max(1);
    Some(match steps {
        0 => Rung::Community,
        1 => Rung::Street,
        _ => Rung::District,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderAction as A;
    use OrderStatus as S;

    #[test]
    fn happy_path() {
        let mut s = S::Dispatched;
        for a in [
            A::Sign,
            A::RequestExtension,
            A::DecideExtension,
            A::Feedback,
        ] {
            s = next(s, a).unwrap();
        }
        assert_eq!(s, S::Done);
        assert_eq!(next(s, A::CloseSolved), Ok(S::Closed));
        assert_eq!(next(s, A::Reopen), Ok(S::Handling));
    }

    #[test]
    fn refusals() {
        assert!(next(S::Dispatched, A::Feedback).is_err());
        assert!(next(S::Handling, A::Return).is_err());
        assert!(next(S::Closed, A::Sign).is_err());
        assert!(next(S::Rerouted, A::Sign).is_err());
        assert!(next(S::Done, A::Feedback).is_err());
        assert_eq!(next(S::Returned, A::Reroute), Ok(S::Rerouted));
        // Every (state, action) pair either moves or refuses; closed and rerouted are final.
        for a in [
            A::Sign,
            A::Return,
            A::Reroute,
            A::RequestExtension,
            A::DecideExtension,
            A::Feedback,
            A::CloseSolved,
            A::Reopen,
        ] {
            assert!(next(S::Closed, a).is_err());
            assert!(next(S::Rerouted, a).is_err());
        }
    }

    #[test]
    fn case_status_from_orders() {
        assert_eq!(case_status(&[]), CaseStatus::Accepted);
        assert_eq!(
            case_status(&[S::Dispatched, S::Handling]),
            CaseStatus::Handling
        );
        assert_eq!(
            case_status(&[S::Dispatched, S::Done]),
            CaseStatus::Dispatched
        );
        assert_eq!(case_status(&[S::Done, S::Done]), CaseStatus::Feedback);
        assert_eq!(case_status(&[S::Closed, S::Rerouted]), CaseStatus::Closed);
        assert_eq!(
            case_status(&[S::Returned, S::Handling]),
            CaseStatus::Accepted
        );
        assert_eq!(case_status(&[S::Rerouted]), CaseStatus::Accepted);
        assert_eq!(CaseStatus::Feedback.open311(), "open");
    }

    #[test]
    fn ladder() {
        let h = 3_600_000;
        assert_eq!(escalation_rung(0, h), None);
        assert_eq!(escalation_rung(1, h), Some(Rung::Community));
        assert_eq!(escalation_rung(h + 1, h), Some(Rung::Street));
        assert_eq!(escalation_rung(10 * h, h), Some(Rung::District));
        assert_eq!(Rung::District.up(), None);
    }
}
