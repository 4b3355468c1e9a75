//! Work orders: the row, writing it, each transition as a targeted update, a unit's
//! queue, its workers and their loads.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: i64,
    pub case_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub sign_by: i64,
    pub warn_at: i64,
    pub due_at: i64,
    pub signed_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub done_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub return_reason: Option<String>,
    pub ext_until: Option<i64>,
    pub ext_reason: Option<String>,
    pub feedback: Option<String>,
    pub feedback_photos: String,
    pub warned: bool,
    pub overdue_rung: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const ORDER_COLS: &str = "o.id, o.case_id, o.unit_id, u.name as unit_name, o.status, o.assignee_id, o.sign_by, o.warn_at, o.due_at, o.signed_at, o.responded_at, o.done_at, o.closed_at, o.return_reason, o.ext_until, o.ext_reason, o.feedback, o.feedback_photos, o.warned, o.overdue_rung, o.created_at, o.updated_at";

const INSERT_ORDER: &str = "insert into work_orders (case_id, unit_id, status, assignee_id, sign_by, warn_at, due_at, feedback_photos, warned, created_at, updated_at) \
     values ($1, $2, 'dispatched', $3, $4, $5, $6, '[]', false, $7, $7) returning id";

#[allow(clippy::too_many_arguments)]
pub async fn insert_order(
    tx: &mut Tx,
    case_id: i64,
    unit_id: i64,
    assignee: Option<i64>,
    sign_by: i64,
    warn_at: i64,
    due_at: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_ORDER)
        .bind(case_id)
        .bind(unit_id)
        .bind(assignee)
        .bind(sign_by)
        .bind(warn_at)
        .bind(due_at)
        .bind(now)
        .fetch_one(&mut **x)
        .await)
}

const INSERT_ORDER_ROW: &str = "insert into work_orders (case_id, unit_id, status, assignee_id, sign_by, warn_at, due_at, signed_at, responded_at, done_at, closed_at, return_reason, ext_until, ext_reason, feedback, feedback_photos, warned, overdue_rung, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) returning id";

/// Inserts an order with every field given (demo history, imports).
pub async fn insert_order_row(tx: &mut Tx, o: &OrderRow) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_ORDER_ROW)
        .bind(o.case_id)
        .bind(o.unit_id)
        .bind(&o.status)
        .bind(o.assignee_id)
        .bind(o.sign_by)
        .bind(o.warn_at)
        .bind(o.due_at)
        .bind(o.signed_at)
        .bind(o.responded_at)
        .bind(o.done_at)
        .bind(o.closed_at)
        .bind(&o.return_reason)
        .bind(o.ext_until)
        .bind(&o.ext_reason)
        .bind(&o.feedback)
        .bind(&o.feedback_photos)
        .bind(o.warned)
        .bind(&o.overdue_rung)
        .bind(o.created_at)
        .bind(o.updated_at)
        .fetch_one(&mut **x)
        .await)
}

/// The orders of several cases (ascending by id).
pub async fn orders_of_cases(tx: &mut Tx, ids: &[i64]) -> Result<Vec<OrderRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // One statement text whatever the number of ids (it stays prepared): an array on
    // PostgreSQL, a JSON list on SQLite.
    match &mut tx.inner {
        crate::db::TxInner::Pg(x) => {
            let sql = format!(
                "select {ORDER_COLS} from work_orders o join units u on u.id = o.unit_id where o.case_id = any($1) order by o.id"
            );
            sqlx::query_as(&sql).bind(ids).fetch_all(&mut **x).await
        }
        crate::db::TxInner::Sqlite(x) => {
            let sql = format!(
                "select {ORDER_COLS} from work_orders o join units u on u.id = o.unit_id where o.case_id in (select value from json_each($1)) order by o.id"
            );
            let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
            sqlx::query_as(&sql).bind(list).fetch_all(&mut **x).await
        }
    }
}

pub async fn orders_of_case(tx: &mut Tx, case_id: i64) -> Result<Vec<OrderRow>, sqlx::Error> {
    let sql = format!(
        "select {ORDER_COLS} from work_orders o join units u on u.id = o.unit_id where o.case_id = $1 order by o.id"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(case_id)
        .fetch_all(&mut **x)
        .await)
}

pub async fn find_order(tx: &mut Tx, id: i64) -> Result<Option<OrderRow>, sqlx::Error> {
    let sql = format!(
        "select {ORDER_COLS} from work_orders o join units u on u.id = o.unit_id where o.id = $1"
    );
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

/// What a transition changes on an order besides its status: each is one targeted update,
/// so a change never writes back a column another writer (a deadline job marking a warning,
/// a batch re-planning the assignee) may have changed since it was read.
#[derive(Debug, Clone)]
pub enum OrderUpdate<'a> {
    /// 签收: signed and responded now; assigned to the signer if nobody was.
    Sign { by: i64 },
    /// 退单: responded now, with the reason.
    Return { reason: &'a str },
    /// 延期申请: the deadline asked for, and why.
    RequestExtension { until: i64, reason: &'a str },
    /// The pending extension granted: the new deadline and a fresh warning.
    GrantExtension { due_at: i64, warn_at: i64 },
    /// The pending extension refused.
    RefuseExtension,
    /// 反馈: done now, with the report and its photos.
    Feedback { text: &'a str, photos: &'a str },
    /// Sent to another unit (改派) or re-routed by a reclassification.
    Reroute,
    /// 办结: the call-back found it solved.
    Close,
    /// 重办: the call-back found it unsolved; fresh deadlines and warning.
    Reopen { due_at: i64, warn_at: i64 },
}

const SIGN: &str = "update work_orders set status = $3, signed_at = $4, responded_at = $4, assignee_id = coalesce(assignee_id, $5), updated_at = $4 where id = $1 and status = $2";
const RETURN: &str = "update work_orders set status = $3, responded_at = $4, return_reason = $5, updated_at = $4 where id = $1 and status = $2";
const REQUEST_EXTENSION: &str = "update work_orders set status = $3, ext_until = $5, ext_reason = $6, updated_at = $4 where id = $1 and status = $2 and ext_until is null";
const GRANT_EXTENSION: &str = "update work_orders set status = $3, due_at = $5, warn_at = $6, warned = false, ext_until = null, ext_reason = null, updated_at = $4 where id = $1 and status = $2 and ext_until is not null";
const REFUSE_EXTENSION: &str = "update work_orders set status = $3, ext_until = null, ext_reason = null, updated_at = $4 where id = $1 and status = $2 and ext_until is not null";
const FEEDBACK: &str = "update work_orders set status = $3, done_at = $4, feedback = $5, feedback_photos = $6, updated_at = $4 where id = $1 and status = $2";
const STATUS_ONLY: &str =
    "update work_orders set status = $3, updated_at = $4 where id = $1 and status = $2";
const CLOSE: &str = "update work_orders set status = $3, closed_at = $4, updated_at = $4 where id = $1 and status = $2";
const REOPEN: &str = "update work_orders set status = $3, done_at = null, due_at = $5, warn_at = $6, warned = false, updated_at = $4 where id = $1 and status = $2";

/// Moves an order from `from` to `to` with the columns its transition changes, if it is
/// still in `from` (optimistic: false = someone else changed it first).
pub async fn transition(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    change: &OrderUpdate<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let sql = match change {
        OrderUpdate::Sign { .. } => SIGN,
        OrderUpdate::Return { .. } => RETURN,
        OrderUpdate::RequestExtension { .. } => REQUEST_EXTENSION,
        OrderUpdate::GrantExtension { .. } => GRANT_EXTENSION,
        OrderUpdate::RefuseExtension => REFUSE_EXTENSION,
        OrderUpdate::Feedback { .. } => FEEDBACK,
        OrderUpdate::Reroute => STATUS_ONLY,
        OrderUpdate::Close => CLOSE,
        OrderUpdate::Reopen { .. } => REOPEN,
    };
    let n = on_tx!(tx, |x| {
        let q = sqlx::query(sql).bind(id).bind(from).bind(to).bind(now);
        let q = match change {
            OrderUpdate::Sign { by } => q.bind(*by),
            OrderUpdate::Return { reason } => q.bind(*reason),
            OrderUpdate::RequestExtension { until, reason } => q.bind(*until).bind(*reason),
            OrderUpdate::GrantExtension { due_at, warn_at }
            | OrderUpdate::Reopen { due_at, warn_at } => q.bind(*due_at).bind(*warn_at),
            OrderUpdate::Feedback { text, photos } => q.bind(*text).bind(*photos),
            OrderUpdate::RefuseExtension | OrderUpdate::Reroute | OrderUpdate::Close => q,
        };
        q.execute(&mut **x).await.map(|r| r.rows_affected())
    })?;
    Ok(n == 1)
}

/// A unit's orders as its console shows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitOrderRow {
    pub id: i64,
    pub case_id: i64,
    pub status: String,
    pub sign_by: i64,
    pub due_at: i64,
    pub ext_until: Option<i64>,
    pub category: String,
    pub text: String,
    pub urgent: bool,
}

const UNIT_ORDERS: &str = "select o.id, o.case_id, o.status, o.sign_by, o.due_at, o.ext_until, o.assignee_id, c.category, c.text, c.urgent, c.address, c.community_id \
     from work_orders o join cases c on c.id = o.case_id \
     where o.unit_id = $1 and o.status <> 'rerouted' and ($2 = '' or o.status = $2 or ($2 = 'open' and o.status in ('dispatched', 'handling'))) \
     order by c.urgent desc, o.due_at asc, o.id asc limit $3 offset $4";
const UNIT_TODO: &str = "select \
       cast(coalesce(sum(case when o.status = 'dispatched' then 1 else 0 end), 0) as bigint), \
       cast(coalesce(sum(case when o.due_at < $2 then 1 else 0 end), 0) as bigint), \
       cast(coalesce(sum(case when o.due_at >= $2 and o.due_at < $3 then 1 else 0 end), 0) as bigint), \
       cast(coalesce(sum(case when o.status = 'handling' then 1 else 0 end), 0) as bigint) \
     from work_orders o where o.unit_id = $1 and o.status in ('dispatched', 'handling')";

/// A unit's open orders: (to sign, overdue, due before `soon`, in hand).
pub async fn unit_todo(
    tx: &mut Tx,
    unit: i64,
    now: i64,
    soon: i64,
) -> Result<(i64, i64, i64, i64), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(UNIT_TODO)
        .bind(unit)
        .bind(now)
        .bind(soon)
        .fetch_one(&mut **x)
        .await)
}

const COUNT_UNIT_ORDERS: &str = "select count(*) from work_orders o \
     where o.unit_id = $1 and o.status <> 'rerouted' and ($2 = '' or o.status = $2 or ($2 = 'open' and o.status in ('dispatched', 'handling')))";

pub async fn unit_orders(
    tx: &mut Tx,
    unit: i64,
    status: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UnitOrderRow>, i64), sqlx::Error> {
    let rows = on_tx!(tx, |x| sqlx::query_as(UNIT_ORDERS)
        .bind(unit)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **x)
        .await)?;
    let total = on_tx!(tx, |x| sqlx::query_scalar(COUNT_UNIT_ORDERS)
        .bind(unit)
        .bind(status)
        .fetch_one(&mut **x)
        .await)?;
    Ok((rows, total))
}

/// A worker of a unit with their current load.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerRow {
    pub id: i64,
    pub skills: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub capacity: Option<i64>,
    pub load: i64,
}

const WORKERS: &str = "select u.id, u.display_name, w.skills, w.lng, w.lat, w.capacity, \
       (select count(*) from work_orders o where o.assignee_id = u.id and o.status in ('dispatched', 'handling')) as load \
     from users u left join workers w on w.user_id = u.id \
     where u.scope_kind = 'unit' and u.scope_id = $1 and not u.disabled and u.role = 'unit_staff' order by u.id";

pub async fn workers(tx: &mut Tx, unit: i64) -> Result<Vec<WorkerRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(WORKERS)
        .bind(unit)
        .fetch_all(&mut **x)
        .await)
}

/// Everyone on a unit's staff in one read: who may take a new order (with their load) and
/// who is told of it (with their contacts).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitPerson {
    pub id: i64,
    pub role: String,
    pub skills: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
    pub capacity: Option<i64>,
    pub load: i64,
    pub notify_email: Option<String>,
    pub notify_phone_enc: Option<String>,
}

impl UnitPerson {
    pub fn worker(&self) -> Option<WorkerRow> {
        (self.role == "unit_staff").then(|| WorkerRow {
            id: self.id,
            skills: self.skills.clone(),
            lng: self.lng,
            lat: self.lat,
            capacity: self.capacity,
            load: self.load,
        })
    }

    pub fn recipient(&self) -> crate::notify::Recipient {
        crate::notify::Recipient {
            id: self.id,
            notify_email: self.notify_email.clone(),
            notify_phone_enc: self.notify_phone_enc.clone(),
        }
    }
}

const UNIT_PEOPLE: &str = "select u.id, u.display_name, u.role, w.skills, w.lng, w.lat, w.capacity, \
       case when u.role = 'unit_staff' then (select count(*) from work_orders o where o.assignee_id = u.id and o.status in ('dispatched', 'handling')) else 0 end as load, \
       u.notify_email, u.notify_phone_enc \
     from users u left join workers w on w.user_id = u.id \
     where u.scope_kind = 'unit' and u.scope_id = $1 and not u.disabled and u.role <> 'resident' and u.role <> 'auditor' order by u.id limit 50";

pub async fn unit_people(tx: &mut Tx, unit: i64) -> Result<Vec<UnitPerson>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(UNIT_PEOPLE)
        .bind(unit)
        .fetch_all(&mut **x)
        .await)
}

const UNSIGNED: &str = "select o.id, c.lng, c.lat, c.category, o.assignee_id from work_orders o join cases c on c.id = o.case_id \
     where o.unit_id = $1 and o.status = 'dispatched' order by o.id limit 500";
const ASSIGN: &str = "update work_orders set assignee_id = $2, updated_at = $3 where id = $1 and status = 'dispatched'";

/// A unit's orders nobody has signed for yet: (order, lng, lat, category, assignee).
pub async fn unsigned(
    tx: &mut Tx,
    unit: i64,
) -> Result<Vec<(i64, f64, f64, String, Option<i64>)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(UNSIGNED)
        .bind(unit)
        .fetch_all(&mut **x)
        .await)
}

/// (Re)assigns an order while it is still unsigned.
pub async fn assign(tx: &mut Tx, order: i64, worker: i64, now: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(ASSIGN)
        .bind(order)
        .bind(worker)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
