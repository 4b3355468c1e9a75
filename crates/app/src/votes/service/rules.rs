//! Each community's local rules for owners' votes.

use gongzhi_core::identity::Role;
use serde::{Deserialize, Serialize};

use super::super::store;
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// A community's local rules for owners' votes (per community, never hard-coded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LocalRules {
    /// Owners may cast their own ballot online (otherwise paper, proxy and door only).
    pub online_voting: bool,
    /// Non-voters are counted with the majority, where the assembly's rules say so.
    pub non_voters_follow: bool,
    /// How many residents' support puts a matter (议题) on the council's agenda.
    #[serde(default = "default_threshold")]
    pub support_threshold: i64,
}

fn default_threshold() -> i64 {
    10
}

impl Default for LocalRules {
    fn default() -> Self {
        LocalRules {
            online_voting: true,
            non_voters_follow: false,
            support_threshold: default_threshold(),
        }
    }
}

pub(super) async fn rules_in(tx: &mut crate::db::Tx, community: i64) -> AppResult<LocalRules> {
    Ok(store::rules(tx, community)
        .await?
        .map(
            |(online_voting, non_voters_follow, support_threshold)| LocalRules {
                online_voting,
                non_voters_follow,
                support_threshold,
            },
        )
        .unwrap_or_default())
}

/// The community's local rules (public: they decide how votes are counted).
pub async fn rules(st: &AppState, community: i64) -> AppResult<LocalRules> {
    if st
        .org_map()
        .unit(community)
        .is_none_or(|c| c.level != "community")
    {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    rules_in(&mut tx, community).await
}

/// Community staff (or street staff over it) set the community's local rules; audited with
/// the before and after. Votes already open keep the rules they opened with.
pub async fn set_rules(
    st: &AppState,
    u: &CurrentUser,
    community: i64,
    r: LocalRules,
) -> AppResult<LocalRules> {
    let before = rules(st, community).await?;
    if !matches!(u.role, Role::CommunityStaff | Role::StreetStaff)
        || !st.org_map().unit_in_scope(community, u.scope)
    {
        return Err(AppError::Forbidden("OUT_OF_SCOPE"));
    }
    if !(1..=10_000).contains(&r.support_threshold) {
        return Err(AppError::Invalid {
            code: "THRESHOLD_INVALID",
            field: Some("support_threshold"),
        });
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    store::set_rules(
        &mut tx,
        community,
        r.online_voting,
        r.non_voters_follow,
        r.support_threshold,
        u.id,
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("vote.rules", "community", community)
            .with(serde_json::json!({"before": before, "after": r})),
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}
