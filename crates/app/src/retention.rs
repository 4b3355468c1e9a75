//! Retention (PIPL art. 19, 47; security checklist 9): each category of personal data is
//! kept for its stated period and then deleted or reduced, by a daily job on the injectable
//! clock that audits what it did. The periods are those of `docs/data-inventory.toml`; a
//! test checks the two agree. Each domain deletes its own rows through its service.

use crate::audit::{self, Actor, Event};
use crate::error::AppResult;
use crate::state::AppState;

const DAY_MS: i64 = 86_400_000;

/// (category, days kept): the inventory's `retention_days` for each purged category.
pub const PERIODS: [(&str, i64); 5] = [
    // Photos of a closed case (faces, number plates, homes): a year after closing.
    ("case_photos", 365),
    // The text a reporter typed, before masking: a year after the case closed.
    ("report_originals", 365),
    // Ended sessions (they hold the address and time of each sign-in): 180 days, the
    // audit trail's floor.
    ("sessions", 180),
    // Messages sent by SMS and e-mail (recipient and text): 30 days after delivery.
    ("outbox", 30),
    // Notifications read in the app: a year after reading.
    ("notifications", 365),
];

fn days(category: &str) -> i64 {
    PERIODS
        .iter()
        .find(|(c, _)| *c == category)
        .map_or(i64::MAX / DAY_MS / 2, |(_, d)| *d)
}

/// What one run removed, per category.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub case_photos: u64,
    pub report_originals: u64,
    pub sessions: u64,
    pub outbox: u64,
    pub notifications: u64,
}

/// One run: every category past its period, in one transaction, audited with the counts
/// (`retention.run`), also when nothing was due.
pub async fn run(st: &AppState) -> AppResult<Purged> {
    let now = st.now_ms();
    let before = |c: &str| now - days(c) * DAY_MS;
    let mut tx = st.db.begin().await?;
    let (case_photos, report_originals) =
        crate::cases::service::purge_closed_before(&mut tx, before("case_photos")).await?;
    let sessions = crate::auth::service::purge_sessions(&mut tx, before("sessions")).await?;
    let (outbox, notifications) =
        crate::notify::service::purge(&mut tx, before("outbox"), before("notifications")).await?;
    let purged = Purged {
        case_photos,
        report_originals,
        sessions,
        outbox,
        notifications,
    };
    audit::record(
        &mut tx,
        now,
        &Actor::named("retention"),
        Event::ok("retention.run", "retention", "")
            .with(serde_json::to_value(&purged).unwrap_or_default()),
    )
    .await?;
    tx.commit().await?;
    Ok(purged)
}
