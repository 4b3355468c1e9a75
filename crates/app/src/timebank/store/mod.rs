//! Every SQL statement of the time bank: accounts, transfers with their two movements,
//! verified volunteers, and services from pending to confirmed.

mod requests;
mod spend;

pub use requests::*;
pub use spend::*;

use crate::db::Tx;
use crate::on_tx;

/// The account of `user` in `community` (None: the community's bank), made if missing.
pub async fn account(
    tx: &mut Tx,
    community: i64,
    user: Option<i64>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_accounts (community_id, user_id, created_at) values ($1, $2, $3) on conflict do nothing"
    )
    .bind(community)
    .bind(user)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|_| ())
    })?;
    find_account(tx, community, user)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

pub async fn find_account(
    tx: &mut Tx,
    community: i64,
    user: Option<i64>,
) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "select id from timebank_accounts where community_id = $1 and user_id is not distinct from $2"
    )
    .bind(community)
    .bind(user)
    .fetch_optional(&mut **x)
    .await
    })
}

/// A member's accounts (one per community they were served or served in).
pub async fn accounts_of(tx: &mut Tx, user: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(
        "select id from timebank_accounts where user_id = $1 order by id"
    )
    .bind(user)
    .fetch_all(&mut **x)
    .await)
}

/// The balance of an account: the sum of its movements.
pub async fn balance(tx: &mut Tx, account: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "select cast(coalesce(sum(minutes), 0) as bigint) from timebank_movements where account_id = $1"
    )
    .bind(account)
    .fetch_one(&mut **x)
    .await
    })
}

/// Writes a transfer of `minutes` from one account to another: two movements summing to
/// zero. Returns the transfer's id.
#[allow(clippy::too_many_arguments)]
pub async fn transfer(
    tx: &mut Tx,
    community: i64,
    kind: &str,
    service: Option<i64>,
    note: &str,
    moves: [(i64, i64); 2],
    by: Option<i64>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let id: i64 = on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into timebank_transfers (community_id, kind, service_id, note, created_by, created_at) values ($1, $2, $3, $4, $5, $6) returning id"
    )
    .bind(community)
    .bind(kind)
    .bind(service)
    .bind(note)
    .bind(by)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })?;
    for (account, minutes) in moves {
        on_tx!(tx, |x| {
            sqlx::query(
            "insert into timebank_movements (transfer_id, account_id, minutes, created_at) values ($1, $2, $3, $4)"
        )
        .bind(id)
        .bind(account)
        .bind(minutes)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ())
        })?;
    }
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MovementRow {
    pub minutes: i64,
    pub kind: String,
    pub note: String,
    pub created_at: i64,
}

/// An account's latest movements with their transfer's kind and note.
pub async fn movements(
    tx: &mut Tx,
    account: i64,
    limit: i64,
) -> Result<Vec<MovementRow>, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_as(
        "select m.minutes, t.kind, t.note, m.created_at from timebank_movements m join timebank_transfers t on t.id = m.transfer_id \
         where m.account_id = $1 order by m.id desc limit $2"
    )
    .bind(account)
    .bind(limit)
    .fetch_all(&mut **x)
    .await
    })
}

pub async fn is_verified(tx: &mut Tx, user: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, |x| sqlx::query_scalar(
        "select count(*) from timebank_volunteers where user_id = $1"
    )
    .bind(user)
    .fetch_one(&mut **x)
    .await)?;
    Ok(n > 0)
}

pub async fn verify(
    tx: &mut Tx,
    user: i64,
    by: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "insert into timebank_volunteers (user_id, verified_by, verified_at) values ($1, $2, $3) on conflict do nothing"
    )
    .bind(user)
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ServiceRow {
    pub id: i64,
    pub community_id: i64,
    pub provider_user: i64,
    pub recipient_user: i64,
    pub minutes: i64,
    pub kind: String,
    pub note: String,
    pub status: String,
    pub checkin_at: Option<i64>,
    pub checkout_at: Option<i64>,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
}

const SERVICE_COLS: &str = "id, community_id, provider_user, recipient_user, minutes, kind, note, status, checkin_at, checkout_at, confirmed_at, created_at";

#[allow(clippy::too_many_arguments)]
pub async fn insert_service(
    tx: &mut Tx,
    community: i64,
    provider: i64,
    recipient: i64,
    minutes: i64,
    kind: &str,
    note: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| {
        sqlx::query_scalar(
        "insert into timebank_services (community_id, provider_user, recipient_user, minutes, kind, note, status, created_at) \
         values ($1, $2, $3, $4, $5, $6, 'pending', $7) returning id"
    )
    .bind(community)
    .bind(provider)
    .bind(recipient)
    .bind(minutes)
    .bind(kind)
    .bind(note)
    .bind(now)
    .fetch_one(&mut **x)
    .await
    })
}

pub async fn service(tx: &mut Tx, id: i64) -> Result<Option<ServiceRow>, sqlx::Error> {
    let sql = format!("select {SERVICE_COLS} from timebank_services where id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// Services a user gave or received, newest first.
pub async fn services_of(
    tx: &mut Tx,
    user: i64,
    limit: i64,
) -> Result<Vec<ServiceRow>, sqlx::Error> {
    let sql = format!(
        "select {SERVICE_COLS} from timebank_services where provider_user = $1 or recipient_user = $1 order by id desc limit $2"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(user)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// Confirms a pending service (false: it was confirmed already — by a concurrent call too).
pub async fn confirm(tx: &mut Tx, id: i64, by: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| {
        sqlx::query(
        "update timebank_services set status = 'confirmed', confirmed_by = $2, confirmed_at = $3 where id = $1 and status = 'pending'"
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .execute(&mut **x)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

pub async fn set_transfer(tx: &mut Tx, service: i64, transfer: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update timebank_services set transfer_id = $2 where id = $1"
    )
    .bind(service)
    .bind(transfer)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}

pub async fn set_transfer_service(
    tx: &mut Tx,
    transfer: i64,
    service: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(
        "update timebank_transfers set service_id = $2 where id = $1"
    )
    .bind(transfer)
    .bind(service)
    .execute(&mut **x)
    .await
    .map(|_| ()))
}
