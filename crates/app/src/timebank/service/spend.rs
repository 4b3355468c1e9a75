//! Spending stored hours: goods from the community's catalogue (with stock) and gifts to
//! family, also in another community of the street (inter-bank: one transfer in each bank,
//! so each community's movements still sum to zero). A member never goes below zero, also
//! under simultaneous spends of their last hour: the account is locked for the spend.
//! Also the volunteer-hours certificate anyone can check, and the monthly totals published
//! on the ledger.

use chrono::{Datelike, TimeZone};
use gongzhi_core::identity::Role;
use gongzhi_core::timebank::{self as rules, Transfer};
use serde::{Deserialize, Serialize};

use super::{home, invalid, manages, masked_user};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::timebank::store;

/// Moves `minutes` out of `user`'s account in `community` to `to`, checked against the
/// locked balance: the two movements of one transfer.
async fn pay_out(
    tx: &mut crate::db::Tx,
    community: i64,
    user: i64,
    to: Option<i64>,
    minutes: i64,
    (kind, note): (&str, &str),
    now: i64,
) -> AppResult<i64> {
    let from = store::account(tx, community, Some(user), now).await?;
    store::lock_account(tx, from).await?;
    let balance = store::balance(tx, from).await?;
    let to = store::account(tx, community, to, now).await?;
    let moves = Transfer { from, to, minutes }
        .movements(Some(balance))
        .map_err(|e| match e {
            rules::TimebankError::Insufficient => AppError::Conflict(e.code()),
            _ => invalid(e.code(), "minutes"),
        })?;
    Ok(store::transfer(tx, community, kind, None, note, moves, Some(user), now).await?)
}

/// Pays a confirmed service from the recipient's own stored hours (a request made with
/// `pay_hours`): recipient → volunteer.
pub(super) async fn pay_service_from_hours(
    tx: &mut crate::db::Tx,
    community: i64,
    recipient: i64,
    volunteer: i64,
    minutes: i64,
    note: &str,
    now: i64,
) -> AppResult<i64> {
    pay_out(
        tx,
        community,
        recipient,
        Some(volunteer),
        minutes,
        ("service", note),
        now,
    )
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemView {
    pub id: i64,
    pub name: String,
    /// The price in minutes.
    pub minutes: i64,
    pub stock: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewItem {
    pub name: String,
    /// The price in minutes (1–1,440 × 10).
    pub minutes: i64,
    pub stock: i64,
}

/// The catalogue of the caller's community.
pub async fn items(st: &AppState, u: &CurrentUser) -> AppResult<Vec<ItemView>> {
    let Ok(c) = crate::participation::service::community_of(st, u, None).await else {
        return Ok(vec![]);
    };
    let mut tx = st.db.read().await?;
    Ok(store::items(&mut tx, c)
        .await?
        .into_iter()
        .map(|i| ItemView {
            id: i.id,
            name: i.name,
            minutes: i.minutes,
            stock: i.stock,
        })
        .collect())
}

/// Staff put goods in the community's catalogue.
pub async fn add_item(st: &AppState, u: &CurrentUser, r: &NewItem) -> AppResult<i64> {
    let name = r.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(invalid("NAME_INVALID", "name"));
    }
    if !(1..=10 * rules::MAX_SERVICE_MINUTES).contains(&r.minutes) {
        return Err(invalid("MINUTES_INVALID", "minutes"));
    }
    if !(0..=100_000).contains(&r.stock) {
        return Err(invalid("STOCK_INVALID", "stock"));
    }
    let c = crate::participation::service::community_of(st, u, None).await?;
    if !manages(st, u, c) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let id = store::insert_item(&mut tx, c, name, r.minutes, r.stock, u.id, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.item", "timebank_item", id)
            .with(serde_json::json!({"minutes": r.minutes, "stock": r.stock})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SpendView {
    pub transfer: i64,
    /// The caller's balance after it.
    pub balance_minutes: i64,
}

async fn my_balance(tx: &mut crate::db::Tx, user: i64) -> AppResult<i64> {
    let mut b = 0;
    for a in store::accounts_of(tx, user).await? {
        b += store::balance(tx, a).await?;
    }
    Ok(b)
}

/// A member of the community redeems one of a catalogue item with stored hours:
/// `409 TIMEBANK_INSUFFICIENT` or `409 ITEM_OUT_OF_STOCK`, never below zero.
pub async fn redeem(st: &AppState, u: &CurrentUser, item: i64) -> AppResult<SpendView> {
    let mut tx = st.db.read().await?;
    let i = store::item(&mut tx, item)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    let mine = home(st, u.resident_id).await?;
    if mine != Some(i.community_id) {
        return Err(AppError::NotFound);
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let transfer = pay_out(
        &mut tx,
        i.community_id,
        u.id,
        None,
        i.minutes,
        ("spend", &format!("兑换：{}", i.name)),
        now,
    )
    .await?;
    if !store::take_stock(&mut tx, item).await? {
        return Err(AppError::Conflict("ITEM_OUT_OF_STOCK"));
    }
    let order = store::insert_order(&mut tx, item, u.id, transfer, now).await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.redeem", "timebank_item", item)
            .with(serde_json::json!({"minutes": i.minutes, "order": order, "transfer": transfer})),
    )
    .await?;
    let balance = my_balance(&mut tx, u.id).await?;
    tx.commit().await?;
    Ok(SpendView {
        transfer,
        balance_minutes: balance,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct GiftRequest {
    /// The family member's username (same household, or guardian and ward).
    pub to: String,
    pub minutes: i64,
    pub note: Option<String>,
}

/// Whether two residents are family: one household, or guardian and ward.
async fn family(
    st: &AppState,
    a: &crate::auth::service::Account,
    b: &crate::auth::service::Account,
) -> AppResult<bool> {
    let (Some(ra), Some(rb)) = (a.resident_id, b.resident_id) else {
        return Ok(false);
    };
    if crate::consent::service::is_guardian(st, ra, b.id).await?
        || crate::consent::service::is_guardian(st, rb, a.id).await?
    {
        return Ok(true);
    }
    crate::residents::service::same_household(st, ra, rb).await
}

/// Gives stored hours to a family member, in the same community or another of the street.
pub async fn gift(st: &AppState, u: &CurrentUser, r: &GiftRequest) -> AppResult<SpendView> {
    if !(1..=100 * rules::MAX_SERVICE_MINUTES).contains(&r.minutes) {
        return Err(invalid("MINUTES_INVALID", "minutes"));
    }
    let note = r.note.as_deref().unwrap_or("").trim();
    if note.chars().count() > 200 {
        return Err(invalid("NOTE_INVALID", "note"));
    }
    if !matches!(u.role, Role::Resident | Role::BuildingHead) {
        return Err(AppError::Forbidden("RESIDENT_ONLY"));
    }
    let me = crate::auth::service::account(st, u.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let to = crate::auth::service::account_named(st, r.to.trim())
        .await?
        .filter(|a| a.id != u.id && a.resident_id.is_some())
        .ok_or(invalid("RECIPIENT_UNKNOWN", "to"))?;
    let (Some(from_c), Some(to_c)) = (
        home(st, me.resident_id).await?,
        home(st, to.resident_id).await?,
    ) else {
        return Err(invalid("RECIPIENT_UNKNOWN", "to"));
    };
    {
        let map = st.org_map();
        let street = |c: i64| map.unit(c).and_then(|x| x.street);
        if street(from_c).is_none() || street(from_c) != street(to_c) {
            return Err(invalid("RECIPIENT_UNKNOWN", "to"));
        }
    }
    if !family(st, &me, &to).await? {
        return Err(invalid("GIFT_NOT_FAMILY", "to"));
    }
    let now = st.now_ms();
    let text = if note.is_empty() {
        "赠予家人".to_string()
    } else {
        format!("赠予家人：{note}")
    };
    let mut tx = st.db.begin().await?;
    let transfer = if from_c == to_c {
        pay_out(
            &mut tx,
            from_c,
            u.id,
            Some(to.id),
            r.minutes,
            ("gift", &text),
            now,
        )
        .await?
    } else {
        // Inter-bank: the giver pays their bank; the other bank pays the family member.
        let out = pay_out(&mut tx, from_c, u.id, None, r.minutes, ("gift", &text), now).await?;
        let bank = store::account(&mut tx, to_c, None, now).await?;
        let member = store::account(&mut tx, to_c, Some(to.id), now).await?;
        let moves = Transfer {
            from: bank,
            to: member,
            minutes: r.minutes,
        }
        .movements(None)
        .map_err(|e| invalid(e.code(), "minutes"))?;
        let inn =
            store::transfer(&mut tx, to_c, "gift", None, &text, moves, Some(u.id), now).await?;
        store::insert_interbank(&mut tx, (out, inn), (from_c, to_c), r.minutes, now).await?;
        out
    };
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.gift", "user", to.id).with(serde_json::json!({
            "minutes": r.minutes, "transfer": transfer, "interbank": from_c != to_c,
        })),
    )
    .await?;
    let balance = my_balance(&mut tx, u.id).await?;
    tx.commit().await?;
    Ok(SpendView {
        transfer,
        balance_minutes: balance,
    })
}

// ---------------------------------------------------------------- certificates

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub code: String,
    /// The volunteer's name: in full to the volunteer and their staff, masked to anyone
    /// else who checks it.
    pub name: String,
    pub community: String,
    pub minutes: i64,
    /// `120小时30分`.
    pub hours_text: String,
    pub services: i64,
    pub first_at_ms: Option<i64>,
    pub issued_at_ms: i64,
    /// The page anyone can open to check it (the QR code's target).
    pub url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CertificateRequest {
    /// The volunteer's username (staff); omitted: the caller's own.
    pub username: Option<String>,
}

/// Issues a volunteer-hours certificate: the volunteer's confirmed services now, frozen
/// under a random code anyone can check.
pub async fn issue_certificate(
    st: &AppState,
    u: &CurrentUser,
    r: &CertificateRequest,
) -> AppResult<String> {
    let who = match r
        .username
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(name) => {
            let a = crate::auth::service::account_named(st, name)
                .await?
                .filter(|a| a.resident_id.is_some())
                .ok_or(invalid("RESIDENT_UNKNOWN", "username"))?;
            if a.id != u.id {
                let c = home(st, a.resident_id)
                    .await?
                    .ok_or(invalid("RESIDENT_UNKNOWN", "username"))?;
                if !manages(st, u, c) {
                    return Err(invalid("RESIDENT_UNKNOWN", "username"));
                }
            }
            a
        }
        None => crate::auth::service::account(st, u.id)
            .await?
            .filter(|a| a.resident_id.is_some())
            .ok_or(AppError::Forbidden("RESIDENT_ONLY"))?,
    };
    let community = home(st, who.resident_id)
        .await?
        .ok_or(invalid("RESIDENT_UNKNOWN", "username"))?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (minutes, services, first_at) = store::served(&mut tx, who.id).await?;
    if services == 0 {
        return Err(AppError::Conflict("NO_CONFIRMED_SERVICE"));
    }
    let code = {
        use rand::RngCore;
        let mut b = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut b);
        hex::encode_upper(b)
    };
    store::insert_certificate(
        &mut tx,
        &store::CertificateRow {
            code: code.clone(),
            user_id: who.id,
            community_id: community,
            minutes,
            services,
            first_at,
            issued_by: u.id,
            issued_at: now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.certificate", "user", who.id)
            .with(serde_json::json!({"code": code, "minutes": minutes, "services": services})),
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// A certificate, to anyone who has its code (the caller may be nobody).
pub async fn certificate(
    st: &AppState,
    u: Option<&CurrentUser>,
    code: &str,
) -> AppResult<CertificateView> {
    if code.len() > 40 {
        return Err(AppError::NotFound);
    }
    let mut tx = st.db.read().await?;
    let c = store::certificate(&mut tx, code)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(tx);
    let full = match u {
        Some(u) => u.id == c.user_id || manages(st, u, c.community_id),
        None => false,
    };
    let name = if full {
        match crate::auth::service::account(st, c.user_id).await? {
            Some(a) => match a.resident_id {
                Some(r) => crate::residents::service::party(st, r)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or(a.display_name),
                None => a.display_name,
            },
            None => String::new(),
        }
    } else {
        masked_user(st, c.user_id).await?
    };
    Ok(CertificateView {
        url: format!("/timebank/certificates/{}", c.code),
        code: c.code,
        name,
        community: st.org_map().unit_name(c.community_id).unwrap_or_default(),
        minutes: c.minutes,
        hours_text: rules::hours_text(c.minutes),
        services: c.services,
        first_at_ms: c.first_at,
        issued_at_ms: c.issued_at,
    })
}

// ---------------------------------------------------------------- monthly totals

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindTotal {
    pub kind: String,
    pub services: i64,
    pub minutes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthView {
    pub community_id: i64,
    pub community: String,
    /// `YYYY-MM` (China time).
    pub month: String,
    /// Distinct volunteers credited in the month.
    pub volunteers: i64,
    pub services: i64,
    pub minutes: i64,
    pub hours_text: String,
    pub by_kind: Vec<KindTotal>,
    /// Whether the month is over (only then can it be published).
    pub over: bool,
    /// The ledger entry of its publication, if published.
    pub ledger_index: Option<i64>,
    pub document_id: Option<i64>,
}

/// `YYYY-MM` to its first and next month's first instant (ms, China time).
pub fn month_bounds(month: &str) -> Option<(i64, i64)> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    if !(2000..=2100).contains(&y) || !(1..=12).contains(&m) || month.len() != 7 {
        return None;
    }
    let tz = chrono::FixedOffset::east_opt(8 * 3600)?;
    let start = tz.with_ymd_and_hms(y, m, 1, 0, 0, 0).single()?;
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let end = tz.with_ymd_and_hms(ny, nm, 1, 0, 0, 0).single()?;
    Some((start.timestamp_millis(), end.timestamp_millis()))
}

/// The month now, `YYYY-MM` China time.
pub fn this_month(now: i64) -> String {
    let tz =
        chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("valid offset"));
    let d = tz.timestamp_millis_opt(now).single().unwrap_or_default();
    format!("{:04}-{:02}", d.year(), d.month())
}

async fn compute_month(
    st: &AppState,
    tx: &mut crate::db::Tx,
    community: i64,
    month: &str,
) -> AppResult<MonthView> {
    let (_, to) = month_bounds(month).ok_or(invalid("MONTH_INVALID", "month"))?;
    let (volunteers, kinds) = store::month(tx, community, month).await?;
    let published = store::published(tx, community, month).await?;
    let by_kind: Vec<KindTotal> = kinds
        .into_iter()
        .map(|(kind, services, minutes)| KindTotal {
            kind,
            services,
            minutes,
        })
        .collect();
    let minutes = by_kind.iter().map(|k| k.minutes).sum();
    Ok(MonthView {
        community_id: community,
        community: st.org_map().unit_name(community).unwrap_or_default(),
        month: month.to_string(),
        volunteers,
        services: by_kind.iter().map(|k| k.services).sum(),
        minutes,
        hours_text: rules::hours_text(minutes),
        by_kind,
        over: st.now_ms() >= to,
        ledger_index: published.as_ref().map(|p| p.ledger_index),
        document_id: published.as_ref().map(|p| p.document_id),
    })
}

/// A month's figures of a community (its staff): volunteers, hours, services by kind —
/// counted from the confirmed services credited in it.
pub async fn month(
    st: &AppState,
    u: &CurrentUser,
    month: &str,
    community: Option<i64>,
) -> AppResult<MonthView> {
    let c = crate::participation::service::community_of(st, u, community).await?;
    if !manages(st, u, c) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let mut tx = st.db.read().await?;
    compute_month(st, &mut tx, c, month).await
}

/// Publishes an ended month's figures on the ledger (a 公示 report with its hash), once.
pub async fn publish_month(
    st: &AppState,
    u: &CurrentUser,
    month: &str,
    community: Option<i64>,
) -> AppResult<MonthView> {
    let c = crate::participation::service::community_of(st, u, community).await?;
    if !manages(st, u, c) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let m = compute_month(st, &mut tx, c, month).await?;
    if !m.over {
        return Err(AppError::Conflict("MONTH_NOT_OVER"));
    }
    if m.ledger_index.is_some() {
        return Err(AppError::Conflict("MONTH_PUBLISHED"));
    }
    let mut text = format!(
        "{} 时间银行 {} 月度统计\n志愿者（有确认服务的）：{} 人\n服务：{} 次\n时长：{} 分钟（{}）\n按类型：\n",
        m.community, m.month, m.volunteers, m.services, m.minutes, m.hours_text
    );
    for k in &m.by_kind {
        let zh = rules::KINDS
            .iter()
            .find(|x| x.0 == k.kind)
            .map_or(k.kind.as_str(), |x| x.1);
        text.push_str(&format!(
            "  {zh}（{}）：{} 次，{} 分钟\n",
            k.kind, k.services, k.minutes
        ));
    }
    text.push_str("口径：当月经服务对象、监护人或社区确认并记入志愿者账户的服务（复式记账，社区时间银行账户支付）。\n");
    let (doc, index) = crate::funds::service::publish_text_in(
        st,
        &mut tx,
        c,
        gongzhi_core::ledger::DocKind::Report,
        &format!("时间银行 {} 月度统计", m.month),
        &text,
        Some(u.id),
        now,
    )
    .await?;
    let by_kind = serde_json::to_string(&m.by_kind).unwrap_or_default();
    if !store::insert_month(
        &mut tx,
        &store::MonthRow {
            community_id: c,
            month: m.month.clone(),
            volunteers: m.volunteers,
            services: m.services,
            minutes: m.minutes,
            by_kind,
            document_id: doc,
            ledger_index: index as i64,
            published_by: u.id,
            published_at: now,
        },
    )
    .await?
    {
        return Err(AppError::Conflict("MONTH_PUBLISHED"));
    }
    audit::record(
        &mut tx,
        now,
        &u.actor(),
        Event::ok("timebank.month", "community", c)
            .with(serde_json::json!({"month": m.month, "minutes": m.minutes, "ledger": index})),
    )
    .await?;
    tx.commit().await?;
    let mut tx = st.db.read().await?;
    compute_month(st, &mut tx, c, month).await
}
