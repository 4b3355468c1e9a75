//! Who may see a case (its place within the user's scope, the unit holding one of its
//! orders, the resident who reported it) and who may act on it. Each rule is written once
//! and asked twice: by the action that enforces it and by [`super::views::get`], which
//! tells the page which actions to show. Refusals to see are audited 404s; refusals to act
//! on a visible case are 403s.

use gongzhi_core::cases::lifecycle::CaseStatus;
use gongzhi_core::identity::{Placement, Role, Scope};

use super::store::{self, CaseRow};
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Whether the role works cases as a dispatcher (派单): re-route, approve extensions,
/// call back, supervise, reclassify.
pub fn is_dispatcher(role: Role) -> bool {
    matches!(role, Role::CommunityStaff | Role::StreetStaff | Role::Admin)
}

/// Whether the user dispatches for the case's place.
pub fn dispatches(u: &CurrentUser, c: &CaseRow) -> bool {
    is_dispatcher(u.role) && u.scope.covers(&placement(c))
}

/// The handling unit whose orders the user works (sign, return, extend, report back).
pub fn unit_of(u: &CurrentUser) -> Option<i64> {
    match (u.role, u.scope) {
        (Role::UnitStaff | Role::Mediator, Scope::Unit(unit)) => Some(unit),
        _ => None,
    }
}

/// Whether the user may give the call-back (回访) on a case they see: the resident who
/// reported it, or a dispatcher calling them. The case must also await it (status
/// `feedback`), which the life cycle decides.
pub fn may_call_back(u: &CurrentUser, c: &CaseRow, s: &Standing) -> bool {
    (s.reporter && u.role == Role::Resident) || dispatches(u, c)
}

/// Whether the call-back form belongs on the page now.
pub fn call_back_now(u: &CurrentUser, c: &CaseRow, s: &Standing) -> bool {
    c.status == CaseStatus::Feedback.code() && may_call_back(u, c, s)
}

/// How a user who may see a case stands to it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    /// A resident who reported it (or for whom it was filed).
    pub reporter: bool,
}

/// Refuses a dispatcher action to anyone else: 404 (audited) if they may not even see the
/// case, 403 if they may see it but not act.
pub(super) async fn require_dispatcher(tx: &mut Tx, u: &CurrentUser, c: &CaseRow) -> AppResult<()> {
    if dispatches(u, c) {
        return Ok(());
    }
    check_visible(tx, u, c).await?;
    Err(AppError::Forbidden("ORDER_ACTION_FORBIDDEN"))
}

pub(super) fn placement(c: &CaseRow) -> Placement {
    Placement {
        street: Some(c.street_id),
        community: Some(c.community_id),
        grid: Some(c.grid_id),
        building: c.building_id,
        resident: None,
    }
}

/// Whether the user may see the case, and how they stand to it; refusals are audited 404s.
pub(super) async fn check_visible(
    tx: &mut Tx,
    u: &CurrentUser,
    c: &CaseRow,
) -> AppResult<Standing> {
    let (ok, reporter) = match (u.role, u.scope) {
        (Role::Auditor, _) => (false, false),
        // A unit's rights follow its current orders: once an order is rerouted to another
        // unit, the case is no longer theirs to read.
        (_, Scope::Unit(unit)) => (
            store::orders_of_case(tx, c.id).await?.iter().any(|o| {
                o.unit_id == unit && o.status != gongzhi_core::cases::OrderStatus::Rerouted.code()
            }),
            false,
        ),
        (Role::Resident, _) => {
            let mine = c.resident_id.is_some() && c.resident_id == u.resident_id
                || store::is_reporter(tx, c.id, u.id, u.resident_id).await?;
            (mine, mine)
        }
        (_, scope) => (
            scope.covers(&placement(c)) || store::is_reporter(tx, c.id, u.id, None).await?,
            false,
        ),
    };
    if ok {
        Ok(Standing { reporter })
    } else {
        Err(AppError::Denied {
            object_type: "case",
            object_id: c.id.to_string(),
        })
    }
}

/// One case, if the user may see it.
pub async fn load_visible(st: &AppState, u: &CurrentUser, id: i64) -> AppResult<CaseRow> {
    let mut tx = st.db.read().await?;
    let c = store::find_case(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    check_visible(&mut tx, u, &c).await?;
    Ok(c)
}
