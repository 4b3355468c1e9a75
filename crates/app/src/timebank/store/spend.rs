//! SQL of spending (the catalogue, orders, gifts across banks), certificates and the
//! monthly totals.

use crate::db::{Tx, TxInner};
use crate::on_tx;

/// Locks an account for a spend on PostgreSQL (a write transaction on SQLite is already
/// exclusive), so two spends of the last hour cannot both read the same balance.
pub async fn lock_account(tx: &mut Tx, account: i64) -> Result<(), sqlx::Error> {
    if let TxInner::Pg(x) = &mut tx.inner {
        sqlx::query("select id from timebank_accounts where id = $1 for update")
            .bind(account)
            .execute(&mut **x)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub minutes: i64,
    pub stock: i64,
}

pub async fn insert_item(
    tx: &mut Tx,
    community: i64,
    name: &str,
    minutes: i64,
    stock: i64,
    by: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into timebank_items (community_id, name, minutes, stock, created_by, created_at) values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(community)
    .bind(name)
    .bind(minutes)
    .bind(stock)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn items(tx: &mut Tx, community: i64) -> Result<Vec<ItemRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select id, community_id, name, minutes, stock from timebank_items where community_id = $1 order by minutes, id"
    )
    .bind(community)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn item(tx: &mut Tx, id: i64) -> Result<Option<ItemRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(
        "select id, community_id, name, minutes, stock from timebank_items where id = $1"
    )
    .bind(id)
    .fetch_optional(&mut **x)
    .await)
}

/// Takes one from stock (false: none left).
pub async fn take_stock(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(
        "update timebank_items set stock = stock - 1 where id = $1 and stock > 0"
    )
    .bind(id)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn insert_order(
    tx: &mut Tx,
    item: i64,
    user: i64,
    transfer: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into timebank_orders (item_id, user_id, transfer_id, created_at) values ($1, $2, $3, $4) returning id"
    )
    .bind(item)
    .bind(user)
    .bind(transfer)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn insert_interbank(
    tx: &mut Tx,
    transfers: (i64, i64),
    communities: (i64, i64),
    minutes: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into timebank_interbank (out_transfer, in_transfer, from_community, to_community, minutes, created_at) \
         values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(transfers.0)
    .bind(transfers.1)
    .bind(communities.0)
    .bind(communities.1)
    .bind(minutes)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

/// A volunteer's confirmed services anywhere: (minutes, services, first confirmed).
pub async fn served(tx: &mut Tx, user: i64) -> Result<(i64, i64, Option<i64>), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select cast(coalesce(sum(minutes), 0) as bigint), count(*), min(confirmed_at) from timebank_services \
         where provider_user = $1 and status = 'confirmed'"
    )
    .bind(user)
    .fetch_one(&mut **x)
    .await
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificateRow {
    pub code: String,
    pub user_id: i64,
    pub community_id: i64,
    pub minutes: i64,
    pub services: i64,
    pub first_at: Option<i64>,
    pub issued_by: i64,
    pub issued_at: i64,
}

pub async fn insert_certificate(tx: &mut Tx, c: &CertificateRow) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_certificates (code, user_id, community_id, minutes, services, first_at, issued_by, issued_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(&c.code)
    .bind(c.user_id)
    .bind(c.community_id)
    .bind(c.minutes)
    .bind(c.services)
    .bind(c.first_at)
    .bind(c.issued_by)
    .bind(c.issued_at)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

pub async fn certificate(tx: &mut Tx, code: &str) -> Result<Option<CertificateRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select code, user_id, community_id, minutes, services, first_at, issued_by, issued_at from timebank_certificates where code = $1"
    )
    .bind(code)
    .fetch_optional(&mut **x)
    .await
    })
}

/// Counts a credited service in its month's figures (in the crediting transaction).
pub async fn roll_up(
    tx: &mut Tx,
    community: i64,
    month: &str,
    kind: &str,
    minutes: i64,
    volunteer: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_month_kinds (community_id, month, kind, services, minutes) values ($1, $2, $3, 1, $4) \
         on conflict (community_id, month, kind) do update set services = timebank_month_kinds.services + 1, \
         minutes = timebank_month_kinds.minutes + excluded.minutes"
    )
    .bind(community)
    .bind(month)
    .bind(kind)
    .bind(minutes)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })?;
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_month_volunteers (community_id, month, user_id) values ($1, $2, $3) on conflict do nothing"
    )
    .bind(community)
    .bind(month)
    .bind(volunteer)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })
}

/// A month's figures of a community: distinct volunteers credited, then per kind (kind,
/// services, minutes).
pub async fn month(
    tx: &mut Tx,
    community: i64,
    month: &str,
) -> Result<(i64, Vec<(String, i64, i64)>), sqlx::Error> {
    let volunteers: i64 = on_tx!(tx, |x| sqlx::query_scalar(
        "select count(*) from timebank_month_volunteers where community_id = $1 and month = $2"
    )
    .bind(community)
    .bind(month)
    .fetch_one(&mut **x)
    .await)?;
    let kinds = on_tx!(tx, |x| {
        sqlx::query_as(
        "select kind, services, minutes from timebank_month_kinds where community_id = $1 and month = $2 order by kind"
    )
    .bind(community)
    .bind(month)
    .fetch_all(&mut **x)
    .await
    })?;
    Ok((volunteers, kinds))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MonthRow {
    pub community_id: i64,
    pub month: String,
    pub volunteers: i64,
    pub services: i64,
    pub minutes: i64,
    pub by_kind: String,
    pub document_id: i64,
    pub ledger_index: i64,
    pub published_by: i64,
    pub published_at: i64,
}

/// Records a month's publication (false: it was published already).
pub async fn insert_month(tx: &mut Tx, m: &MonthRow) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_months (community_id, month, volunteers, services, minutes, by_kind, document_id, ledger_index, published_by, published_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing"
    )
    .bind(m.community_id)
    .bind(&m.month)
    .bind(m.volunteers)
    .bind(m.services)
    .bind(m.minutes)
    .bind(&m.by_kind)
    .bind(m.document_id)
    .bind(m.ledger_index)
    .bind(m.published_by)
    .bind(m.published_at)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn published(
    tx: &mut Tx,
    community: i64,
    month: &str,
) -> Result<Option<MonthRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select community_id, month, volunteers, services, minutes, by_kind, document_id, ledger_index, published_by, published_at \
         from timebank_months where community_id = $1 and month = $2"
    )
    .bind(community)
    .bind(month)
    .fetch_optional(&mut **x)
    .await
    })
}
