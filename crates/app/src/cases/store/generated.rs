//! Writing benchmark load (`gongzhi cases generate`): cases, work orders and call-backs with
//! their ids given, many rows a statement, every value a bound parameter.

use sqlx::QueryBuilder;

use crate::db::Tx;
use crate::on_tx;

/// A generated case (the columns the supervision board and the 三率 read).
pub struct GenCase {
    pub id: i64,
    pub category: String,
    pub text: String,
    pub lng: f64,
    pub lat: f64,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub compound_id: Option<i64>,
    pub building_id: Option<i64>,
    pub zone: &'static str,
    pub urgent: bool,
    pub status: &'static str,
    pub rung: &'static str,
    pub supervised_at: Option<i64>,
    pub solved: Option<bool>,
    pub satisfaction: Option<i64>,
    pub callback_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub next_due: Option<i64>,
}

pub struct GenOrder {
    pub id: i64,
    pub case_id: i64,
    pub unit_id: i64,
    pub status: &'static str,
    pub sign_by: i64,
    pub warn_at: i64,
    pub due_at: i64,
    pub signed_at: Option<i64>,
    pub done_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub warned: bool,
    pub overdue_rung: Option<&'static str>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct GenCallback {
    pub id: i64,
    pub case_id: i64,
    pub solved: bool,
    pub satisfaction: i64,
    pub at: i64,
}

const CASES: &str = "insert into cases (id, channel, category, confidence, category_by, text, lng, lat, address, street_id, community_id, grid_id, compound_id, building_id, zone, urgent, status, filed_by_staff, photos, rung, supervised_at, solved, satisfaction, callback_at, reopened, created_at, updated_at, closed_at, next_due) ";
const REPORTERS: &str = "insert into case_reporters (case_id, user_id, resident_id, channel, text, created_at) select id, null, null, channel, text, created_at from cases where id >= $1 and id <= $2";
const ORDERS: &str = "insert into work_orders (id, case_id, unit_id, status, sign_by, warn_at, due_at, signed_at, responded_at, done_at, closed_at, feedback_photos, warned, overdue_rung, created_at, updated_at) ";
const CALLBACKS: &str = "insert into callbacks (id, case_id, solved, satisfaction, comment, at) ";

/// The largest id of a table the generator writes (0 when empty).
pub async fn max_id(tx: &mut Tx, table: GenTable) -> Result<i64, sqlx::Error> {
    let sql = match table {
        GenTable::Cases => "select coalesce(max(id), 0) from cases",
        GenTable::Orders => "select coalesce(max(id), 0) from work_orders",
        GenTable::Callbacks => "select coalesce(max(id), 0) from callbacks",
    };
    on_tx!(tx, |c| sqlx::query_scalar(sql).fetch_one(&mut **c).await)
}

#[derive(Debug, Clone, Copy)]
pub enum GenTable {
    Cases,
    Orders,
    Callbacks,
}

/// Writes one batch; each case gets its one reporter.
pub async fn insert(
    tx: &mut Tx,
    cases: &[GenCase],
    orders: &[GenOrder],
    callbacks: &[GenCallback],
) -> Result<(), sqlx::Error> {
    if let (Some(first), Some(last)) = (cases.first(), cases.last()) {
        on_tx!(tx, |c| {
            let mut q = QueryBuilder::new(CASES);
            q.push_values(cases, |mut b, x| {
                b.push_bind(x.id)
                    .push_bind("web")
                    .push_bind(&x.category)
                    .push_bind(0.9f64)
                    .push_bind("model")
                    .push_bind(&x.text)
                    .push_bind(x.lng)
                    .push_bind(x.lat)
                    .push_bind("")
                    .push_bind(x.street_id)
                    .push_bind(x.community_id)
                    .push_bind(x.grid_id)
                    .push_bind(x.compound_id)
                    .push_bind(x.building_id)
                    .push_bind(x.zone)
                    .push_bind(x.urgent)
                    .push_bind(x.status)
                    .push_bind(false)
                    .push_bind("[]")
                    .push_bind(x.rung)
                    .push_bind(x.supervised_at)
                    .push_bind(x.solved)
                    .push_bind(x.satisfaction)
                    .push_bind(x.callback_at)
                    .push_bind(0i64)
                    .push_bind(x.created_at)
                    .push_bind(x.updated_at)
                    .push_bind(x.closed_at)
                    .push_bind(x.next_due);
            });
            q.build().execute(&mut **c).await.map(|_| ())
        })?;
        on_tx!(tx, |c| sqlx::query(REPORTERS)
            .bind(first.id)
            .bind(last.id)
            .execute(&mut **c)
            .await
            .map(|_| ()))?;
    }
    if !orders.is_empty() {
        on_tx!(tx, |c| {
            let mut q = QueryBuilder::new(ORDERS);
            q.push_values(orders, |mut b, o| {
                b.push_bind(o.id)
                    .push_bind(o.case_id)
                    .push_bind(o.unit_id)
                    .push_bind(o.status)
                    .push_bind(o.sign_by)
                    .push_bind(o.warn_at)
                    .push_bind(o.due_at)
                    .push_bind(o.signed_at)
                    .push_bind(o.signed_at)
                    .push_bind(o.done_at)
                    .push_bind(o.closed_at)
                    .push_bind("[]")
                    .push_bind(o.warned)
                    .push_bind(o.overdue_rung)
                    .push_bind(o.created_at)
                    .push_bind(o.updated_at);
            });
            q.build().execute(&mut **c).await.map(|_| ())
        })?;
    }
    if !callbacks.is_empty() {
        on_tx!(tx, |c| {
            let mut q = QueryBuilder::new(CALLBACKS);
            q.push_values(callbacks, |mut b, k| {
                b.push_bind(k.id)
                    .push_bind(k.case_id)
                    .push_bind(k.solved)
                    .push_bind(k.satisfaction)
                    .push_bind("")
                    .push_bind(k.at);
            });
            q.build().execute(&mut **c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// After an explicit-id load: PostgreSQL's identity sequences continue after the largest id;
/// both databases refresh their planner statistics.
pub async fn after_load(tx: &mut Tx) -> Result<(), sqlx::Error> {
    const RESYNC: [&str; 3] = [
        "select setval(pg_get_serial_sequence('cases', 'id'), (select max(id) from cases))",
        "select setval(pg_get_serial_sequence('work_orders', 'id'), (select max(id) from work_orders))",
        "select setval(pg_get_serial_sequence('callbacks', 'id'), (select max(id) from callbacks))",
    ];
    if let crate::db::TxInner::Pg(c) = &mut tx.inner {
        for sql in RESYNC {
            sqlx::query(sql).execute(&mut **c).await?;
        }
    }
    on_tx!(tx, |c| sqlx::query("analyze")
        .execute(&mut **c)
        .await
        .map(|_| ()))
}
