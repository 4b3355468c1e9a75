//! Dispute use-cases: intake (residents, staff, a case, a police referral), consent,
//! matching, sessions, the agreement and its confirmations, the ladder, follow-up visits,
//! attachments and the figures.
//!
//! Confidentiality: a dispute is seen only by its parties, its mediators, whoever filed it
//! and their supervisors (community staff of its community, street staff of its street,
//! administrators). Everyone else gets 404 on every route, audited as a refused access.

mod actions;
mod attachments;
mod figures;
mod intake;
mod matching;
mod mediators;
mod search;
mod views;

pub use actions::*;
pub use attachments::*;
pub use figures::*;
pub use intake::*;
pub use mediators::*;
pub use search::*;
pub use views::*;

use intake::{Intake, NewParty};
use matching::{insert, rematch};
use views::type_name;

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use gongzhi_core::identity::{Placement, Role};
use gongzhi_core::mediation::lifecycle::{self, Action, Status};
use gongzhi_core::mediation::{Candidate, DisputeType, Level, Office, Risk};
use gongzhi_core::pii::{PhoneNumber, mask_phone};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::{self, DisputeRow, PartyRow, Visible};
use crate::audit::{self, Actor, Event};
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::{Page, PageParams};

pub const ACCOUNT_FIELD: &str = "disputes.account";
pub const WANTS_FIELD: &str = "disputes.wants";
pub const NAME_FIELD: &str = "dispute_parties.name";
pub const PHONE_FIELD: &str = "dispute_parties.phone";
pub const POSITION_FIELD: &str = "dispute_parties.position";
pub const MINUTES_FIELD: &str = "dispute_sessions.minutes";
pub const TERMS_FIELD: &str = "dispute_agreements.terms";
pub const NOTE_FIELD: &str = "dispute_followups.note";
pub const ATTACHMENT_FIELD: &str = "dispute_attachments.data";

/// Days after an agreement until the follow-up visit (回访), unless the filer sets it.
pub const FOLLOW_UP_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;
/// Largest attachment (evidence photo or PDF).
pub const MAX_ATTACHMENT: usize = 5 * 1024 * 1024;

fn text_field(
    s: &str,
    min: usize,
    max: usize,
    code: &'static str,
    field: &'static str,
) -> AppResult<String> {
    let t = s.trim();
    let n = t.chars().count();
    if n < min || n > max {
        return Err(AppError::Invalid {
            code,
            field: Some(field),
        });
    }
    Ok(t.to_string())
}

/// What a user is to one dispute.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Standing {
    /// Their own party record, if they are a party.
    pub party: Option<i64>,
    pub mediator: bool,
    /// Community/street staff over it, or an administrator.
    pub supervisor: bool,
    pub filer: bool,
}

impl Standing {
    pub fn sees(&self) -> bool {
        self.party.is_some() || self.mediator || self.supervisor || self.filer
    }
    /// May record sessions, drafts, consent and confirmations for parties, escalate, close.
    pub fn works(&self) -> bool {
        self.mediator || self.supervisor
    }
}

/// Who works disputes: mediators and the community, street and administration staff.
pub fn works_disputes(role: Role) -> bool {
    matches!(
        role,
        Role::Mediator | Role::CommunityStaff | Role::StreetStaff | Role::Admin
    )
}

fn supervises(user: &CurrentUser, d: &DisputeRow) -> bool {
    matches!(
        user.role,
        Role::Admin | Role::StreetStaff | Role::CommunityStaff
    ) && user.scope.covers(&Placement {
        street: Some(d.street_id),
        community: Some(d.community_id),
        ..Placement::default()
    })
}

fn standing(
    user: &CurrentUser,
    d: &DisputeRow,
    parties: &[PartyRow],
    mediators: &[store::AssignedRow],
) -> Standing {
    let party = parties
        .iter()
        .find(|p| {
            p.user_id == Some(user.id)
                || (user.resident_id.is_some() && p.resident_id == user.resident_id)
        })
        .map(|p| p.id);
    Standing {
        party,
        mediator: mediators.iter().any(|m| m.user_id == user.id),
        supervisor: supervises(user, d),
        filer: d.filed_by == user.id,
    }
}

/// The dispute (locked for a write) with its parties and mediators, if the user has
/// standing; otherwise 404 (audited as a refused access).
async fn load(
    tx: &mut Tx,
    user: &CurrentUser,
    id: i64,
    lock: bool,
) -> AppResult<(DisputeRow, Vec<PartyRow>, Vec<store::AssignedRow>, Standing)> {
    let d = store::find(tx, id, lock).await?.ok_or(AppError::NotFound)?;
    let parties = store::parties(tx, id).await?;
    let mediators = store::assigned(tx, id).await?;
    let s = standing(user, &d, &parties, &mediators);
    if !s.sees() {
        return Err(AppError::Denied {
            object_type: "dispute",
            object_id: id.to_string(),
        });
    }
    Ok((d, parties, mediators, s))
}

fn visible(user: &CurrentUser) -> Visible {
    let (mut all, mut street, mut community) = (false, -1, -1);
    match (user.role, user.scope) {
        (Role::Admin, gongzhi_core::identity::Scope::District) => all = true,
        (Role::StreetStaff, gongzhi_core::identity::Scope::Street(s)) => street = s,
        (Role::CommunityStaff, gongzhi_core::identity::Scope::Community(c)) => community = c,
        _ => {}
    }
    Visible {
        all,
        street,
        community,
        user: user.id,
        resident: user.resident_id.unwrap_or(-1),
    }
}

/// The keys of the cases a user may see in similar-case search: the published cases,
/// disputes they have standing in (`u:<id>`), and — for supervisors — those of their
/// community (`c:`), street (`s:`) or everything (`all`).
pub fn access_keys(user: &CurrentUser) -> Vec<String> {
    let mut keys = vec!["public".to_string(), format!("u:{}", user.id)];
    let v = visible(user);
    if v.all {
        keys.push("all".into());
    }
    if v.street > 0 {
        keys.push(format!("s:{}", v.street));
    }
    if v.community > 0 {
        keys.push(format!("c:{}", v.community));
    }
    if let Some(r) = user.resident_id {
        keys.push(format!("r:{r}"));
    }
    keys
}
