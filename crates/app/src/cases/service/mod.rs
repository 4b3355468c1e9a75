//! Case use-cases. Every function takes the acting user (or, for intake, a [`Filer`] that
//! names the system channel) and decides role and scope itself; the pages ask the same
//! rules ([`CaseView::allowed`]) to decide which actions to show.
//!
//! - [`intake`] and [`filing`] — a report from any channel is checked, classified, located,
//!   merged into an open case about the same matter or opened with its work orders;
//! - [`dispatch`] — routing to units, deadlines, manual dispatch and reclassification;
//! - [`orders`] — the work-order life cycle (sign, return, extend, report back, reroute) and
//!   a unit's batch re-planning;
//! - [`callback`] — call-backs (回访) and 督办;
//! - [`views`] — a case with its history, and the lists;
//! - [`access`] — who may see a case and who dispatches it;
//! - [`media`] — photos;
//! - [`interchange`] — what Open311 reads and posts.

mod access;
mod callback;
mod dispatch;
mod export;
mod filing;
mod intake;
mod interchange;
mod media;
mod orders;
mod reporter;
mod todo;
mod views;

pub use access::{dispatches, is_dispatcher, load_visible, unit_of};
pub use callback::{callback, supervise};
pub(crate) use dispatch::route_units;
pub use dispatch::{dispatch, reclassify};
pub use export::{erase_reporter, export_own, purge_closed_before, reveal_original};
pub(crate) use filing::{ROUTER_LABEL, file_alone, file_together};
pub(crate) use intake::Filed;
pub use intake::{
    CategoryView, FiledView, Filer, ORIGINAL_FIELD, OrderBrief, Prepared, Report, file, filed_by_id,
};
pub use interchange::{
    PublicRequest, RequestFilter, RequestRow, UpdateRow, case_of_intake_key, public_requests,
    public_updates, record_external_update,
};
pub use media::{Photo, attachment, data_url_bytes, decode_photo, photo_from_bytes, sniff_image};
pub use orders::{Act, act, assign_batch};
pub use reporter::{URGE_EVERY_MS, add_info, is_reporter, urge, withdraw};
pub use todo::todo;
pub use views::{
    Allowed, CaseForDispute, CaseListItem, CaseQuery, CaseView, EventView, OrderView, ReportForm,
    UnitOrder, dispatch_queue, export_list, export_unit_orders, for_dispute, get, list,
    report_form, unit_orders,
};

pub use super::calendar::calendar;

use gongzhi_core::cases::lifecycle::{self, CaseStatus, OrderStatus};
use gongzhi_core::identity::Role;

use super::store;
use crate::auth::service::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::taxonomy::{self, Category};

/// Where a report came in.
pub const CHANNELS: [&str; 7] = [
    "web",
    "hotline",
    "property_desk",
    "patrol",
    "device",
    "import",
    "open311",
];

/// Channels a staff member may name when filing by hand.
pub const STAFF_CHANNELS: [&str; 4] = ["web", "hotline", "property_desk", "patrol"];

pub const CALLER_FIELD: &str = "cases.caller";

/// A report's text: up to the classifier's ceiling (12345 transcripts included).
const MAX_TEXT: usize = gongzhi_core::classify::MAX_TEXT_CHARS;

const MAX_PHOTOS: usize = 4;

pub(crate) fn category(code: &str) -> Option<&'static Category> {
    taxonomy::get().categories.iter().find(|c| c.code == code)
}

fn unit_code(st: &AppState, id: i64) -> String {
    st.org_map()
        .handling_unit_code(id)
        .unwrap_or_default()
        .to_string()
}

/// Tells each user: inbox always, SMS/e-mail through the outbox where configured.
#[allow(clippy::too_many_arguments)]
async fn notify(
    st: &AppState,
    tx: &mut Tx,
    users: &[i64],
    case_id: i64,
    kind: &str,
    title: &str,
    body: &str,
    now: i64,
) -> AppResult<()> {
    crate::notify::send(st, tx, users, Some(case_id), kind, title, body, now).await?;
    Ok(())
}

fn short_text(s: &str) -> String {
    let t: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        format!("{t}…")
    } else {
        t
    }
}

/// Recomputes and stores a case's status from its orders; returns it.
async fn refresh_status(tx: &mut Tx, case_id: i64, now: i64) -> AppResult<CaseStatus> {
    let orders = store::orders_of_case(tx, case_id).await?;
    let states: Vec<OrderStatus> = orders
        .iter()
        .filter_map(|o| OrderStatus::parse(&o.status))
        .collect();
    let s = lifecycle::case_status(&states);
    let closed_at = (s == CaseStatus::Closed).then_some(now);
    let next_due = orders
        .iter()
        .filter(|o| OrderStatus::parse(&o.status).is_some_and(|x| x.is_open()))
        .map(|o| o.due_at)
        .min();
    store::set_case_status(tx, case_id, s.code(), now, closed_at, next_due).await?;
    Ok(s)
}

fn check_text(text: &str) -> AppResult<String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > MAX_TEXT {
        return Err(AppError::Invalid {
            code: "TEXT_INVALID",
            field: Some("text"),
        });
    }
    Ok(t.to_string())
}

fn user_label(u: &CurrentUser) -> String {
    if u.role == Role::Resident {
        "居民".into()
    } else {
        u.display_name.clone()
    }
}

fn reason(s: &str, field: &'static str) -> AppResult<String> {
    let t = s.trim();
    let n = t.chars().count();
    if !(2..=500).contains(&n) {
        return Err(AppError::Invalid {
            code: "REASON_INVALID",
            field: Some(field),
        });
    }
    Ok(t.to_string())
}

/// Recomputes the daily tallies behind the 三率 and the heat map from the base tables
/// (`gongzhi cases rebuild-rollups`, after a restore): the system acts, on the database
/// alone.
pub async fn rebuild_rollups(db: &crate::db::Db, now: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    store::rollup::rebuild(&mut tx, now).await?;
    tx.commit().await?;
    Ok(())
}
