//! Interchange with other platforms (Open311 GeoReport v2, see `crate::open311`): the
//! requests and their history as the GeoReport spec makes them public, and updates posted
//! by a city platform. What an anonymous reader may see of a request (no description, a
//! rounded point) is the calling interface's rule; these functions read for it.

use gongzhi_core::cases::lifecycle::OrderStatus;

use super::store;
use crate::audit::{self, Actor, Event};
use crate::error::AppResult;
use crate::state::AppState;

pub use super::store::{RequestRow, UpdateRow};

/// Which requests: ids (a comma list, overrides the rest), or codes (a comma list), status
/// (`open`, `closed` or both as ``) and a creation window, a page of them.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub ids: String,
    pub codes: String,
    pub status: String,
    pub from: i64,
    pub to: i64,
    pub limit: i64,
    pub offset: i64,
}

/// A request with who handles it and by when.
#[derive(Debug, Clone)]
pub struct PublicRequest {
    pub row: RequestRow,
    /// The handling units' names of its live orders.
    pub agencies: Vec<String>,
    /// The latest deadline of its live orders.
    pub expected: Option<i64>,
}

/// The requests a filter selects, newest first.
pub async fn public_requests(st: &AppState, f: &RequestFilter) -> AppResult<Vec<PublicRequest>> {
    let mut tx = st.db.read().await?;
    let rows = store::requests(
        &mut tx, &f.ids, &f.codes, &f.status, f.from, f.to, f.limit, f.offset,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let orders = if ids.is_empty() {
        vec![]
    } else {
        store::orders_of_cases(&mut tx, &ids).await?
    };
    drop(tx);
    Ok(rows
        .into_iter()
        .map(|row| {
            let live: Vec<_> = orders
                .iter()
                .filter(|o| o.case_id == row.id && o.status != OrderStatus::Rerouted.code())
                .collect();
            PublicRequest {
                agencies: live.iter().map(|o| o.unit_name.clone()).collect(),
                expected: live.iter().map(|o| o.due_at).max(),
                row,
            }
        })
        .collect())
}

/// History events in `[from, to)` (at most 1,000).
pub async fn public_updates(st: &AppState, from: i64, to: i64) -> AppResult<Vec<UpdateRow>> {
    let mut tx = st.db.read().await?;
    Ok(store::updates(&mut tx, from, to).await?)
}

/// The case an intake key made (an Open311 token, a device event, an imported order).
pub async fn case_of_intake_key(st: &AppState, source: &str, key: &str) -> AppResult<Option<i64>> {
    let mut tx = st.db.read().await?;
    Ok(store::find_intake_key(&mut tx, source, key).await?)
}

/// An update a city platform posts on a case (its status and words, kept in the history as
/// `external_update`); `None` if there is no such case.
pub async fn record_external_update(
    st: &AppState,
    actor: &Actor,
    case_id: i64,
    detail: serde_json::Value,
) -> AppResult<Option<i64>> {
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    if store::find_case(&mut tx, case_id).await?.is_none() {
        return Ok(None);
    }
    let eid = store::insert_event(
        &mut tx,
        case_id,
        None,
        now,
        actor.id,
        &actor.name,
        "external_update",
        &detail,
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("case.external_update", "case", case_id),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(eid))
}
