//! Every SQL statement of the cases domain.

use std::sync::LazyLock;

use crate::db::{Deferred, Tx};
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub channel: String,
    pub category: String,
    pub confidence: Option<f64>,
    pub category_by: String,
    pub text: String,
    pub lng: f64,
    pub lat: f64,
    pub address: String,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub compound_id: Option<i64>,
    pub building_id: Option<i64>,
    pub zone: String,
    pub urgent: bool,
    pub status: String,
    pub reporter_user_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub filed_by_staff: bool,
    pub caller_enc: Option<String>,
    pub external_ref: Option<String>,
    pub photos: String,
    pub reporters: i64,
    pub rung: String,
    pub supervised_at: Option<i64>,
    pub solved: Option<bool>,
    pub satisfaction: Option<i64>,
    pub callback_at: Option<i64>,
    pub reopened: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

const CASE_COLS: &str = "c.id, c.channel, c.category, c.confidence, c.category_by, c.text, c.lng, c.lat, c.address, c.street_id, c.community_id, c.grid_id, c.compound_id, c.building_id, c.zone, c.urgent, c.status, c.reporter_user_id, c.resident_id, c.filed_by_staff, c.caller_enc, c.external_ref, c.photos, (select count(*) from case_reporters r where r.case_id = c.id) as reporters, c.rung, c.supervised_at, c.solved, c.satisfaction, c.callback_at, c.reopened, c.created_at, c.updated_at, c.closed_at";

/// A case to insert.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub channel: &'a str,
    pub category: &'a str,
    pub confidence: Option<f64>,
    pub category_by: &'a str,
    pub text: &'a str,
    pub lng: f64,
    pub lat: f64,
    pub address: &'a str,
    pub street_id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub compound_id: Option<i64>,
    pub building_id: Option<i64>,
    pub zone: &'a str,
    pub urgent: bool,
    pub status: &'a str,
    pub reporter_user_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub filed_by_staff: bool,
    pub caller_enc: Option<String>,
    pub external_ref: Option<&'a str>,
    pub photos: String,
    pub next_due: Option<i64>,
    pub created_at: i64,
}

const INSERT_CASE: &str = "insert into cases (channel, category, confidence, category_by, text, lng, lat, address, street_id, community_id, grid_id, compound_id, building_id, zone, urgent, status, reporter_user_id, resident_id, filed_by_staff, caller_enc, external_ref, photos, rung, reopened, created_at, updated_at, next_due) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, 'grid', 0, $23, $23, $24) returning id";

pub async fn insert_case(tx: &mut Tx, c: &NewCase<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_CASE)
        .bind(c.channel)
        .bind(c.category)
        .bind(c.confidence)
        .bind(c.category_by)
        .bind(c.text)
        .bind(c.lng)
        .bind(c.lat)
        .bind(c.address)
        .bind(c.street_id)
        .bind(c.community_id)
        .bind(c.grid_id)
        .bind(c.compound_id)
        .bind(c.building_id)
        .bind(c.zone)
        .bind(c.urgent)
        .bind(c.status)
        .bind(c.reporter_user_id)
        .bind(c.resident_id)
        .bind(c.filed_by_staff)
        .bind(&c.caller_enc)
        .bind(c.external_ref)
        .bind(&c.photos)
        .bind(c.created_at)
        .bind(c.next_due)
        .fetch_one(&mut **x)
        .await)
}

pub async fn find_case(tx: &mut Tx, id: i64) -> Result<Option<CaseRow>, sqlx::Error> {
    let sql = format!("select {CASE_COLS} from cases c where c.id = $1");
    on_tx!(tx, |x| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

const SET_STATUS: &str =
    "update cases set status = $2, updated_at = $3, closed_at = $4, next_due = $5 where id = $1";

/// Stores a case's derived status and the nearest deadline of its open orders.
pub async fn set_case_status(
    tx: &mut Tx,
    id: i64,
    status: &str,
    now: i64,
    closed_at: Option<i64>,
    next_due: Option<i64>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(SET_STATUS)
        .bind(id)
        .bind(status)
        .bind(now)
        .bind(closed_at)
        .bind(next_due)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const SET_CATEGORY: &str = "update cases set category = $2, confidence = null, category_by = 'human', urgent = $3, updated_at = $4 where id = $1";

pub async fn set_category(
    tx: &mut Tx,
    id: i64,
    category: &str,
    urgent: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(SET_CATEGORY)
        .bind(id)
        .bind(category)
        .bind(urgent)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const SET_CALLBACK: &str = "update cases set solved = $2, satisfaction = $3, callback_at = $4, reopened = reopened + $5, updated_at = $4 where id = $1";

pub async fn set_callback(
    tx: &mut Tx,
    id: i64,
    solved: bool,
    satisfaction: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(SET_CALLBACK)
        .bind(id)
        .bind(solved)
        .bind(satisfaction)
        .bind(now)
        .bind(if solved { 0i64 } else { 1 })
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const SET_RUNG: &str = "update cases set rung = $2, supervised_at = coalesce(supervised_at, $3), updated_at = $3 where id = $1";

/// Records how far up the ladder a case went and marks it 督办.
pub async fn set_rung(tx: &mut Tx, id: i64, rung: &str, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(SET_RUNG)
        .bind(id)
        .bind(rung)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

/// Open cases of a category near a point and recent (duplicate candidates), whole.
pub async fn open_near(
    tx: &mut Tx,
    category: &str,
    since: i64,
    bbox: [f64; 4],
) -> Result<Vec<CaseRow>, sqlx::Error> {
    static SQL: LazyLock<[String; 2]> = LazyLock::new(|| {
        let sql = format!(
            "select {} from cases c \
             where c.category = $1 and c.status <> 'closed' and c.created_at >= $2 \
               and c.lng between $3 and $4 and c.lat between $5 and $6 \
             order by c.created_at desc limit 50",
            *NEAR_COLS
        );
        [format!("{sql} {LOCK_OPEN}"), sql]
    });
    let sql = match &tx.inner {
        crate::db::TxInner::Pg(_) => &SQL[0],
        crate::db::TxInner::Sqlite(_) => &SQL[1],
    };
    on_tx!(tx, |x| sqlx::query_as(sql)
        .bind(category)
        .bind(since)
        .bind(bbox[0])
        .bind(bbox[2])
        .bind(bbox[1])
        .bind(bbox[3])
        .fetch_all(&mut **x)
        .await)
}

/// A case's columns without counting its reporters (`reporters` is 0): filing never shows
/// the count, and counting every candidate's would cost more than the rest of the query.
static NEAR_COLS: LazyLock<String> = LazyLock::new(|| {
    CASE_COLS.replace(
        "(select count(*) from case_reporters r where r.case_id = c.id)",
        "cast(0 as bigint)",
    )
});

/// On PostgreSQL the duplicate candidates are read locked against closing (a shared lock:
/// concurrent filings do not wait for each other), so a report is never merged into a
/// case that another transaction closes meanwhile; a case closed before the lock was
/// granted drops out of the answer. On SQLite the writer holds the whole database.
const LOCK_OPEN: &str = "for share of c";

/// Where to look for the duplicates of one report: its category, the earliest time, and
/// the box `[min lng, min lat, max lng, max lat]`.
pub struct NearQuery<'a> {
    pub category: &'a str,
    pub since: i64,
    pub bbox: [f64; 4],
}

/// [`open_near`] for several reports in one statement (PostgreSQL: one round trip for a
/// whole intake batch); on SQLite, one query each. The answers are in the order asked.
pub async fn open_near_many(
    tx: &mut Tx,
    qs: &[NearQuery<'_>],
) -> Result<Vec<Vec<CaseRow>>, sqlx::Error> {
    use sqlx::{FromRow, Row};
    let x = match &mut tx.inner {
        crate::db::TxInner::Pg(x) => x,
        crate::db::TxInner::Sqlite(_) => {
            let mut out = Vec::with_capacity(qs.len());
            for q in qs {
                out.push(open_near(tx, q.category, q.since, q.bbox).await?);
            }
            return Ok(out);
        }
    };
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select q.i as batch_i, n.* from unnest($1::int8[], $2::text[], $3::int8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[]) \
           as q(i, category, since, lng0, lat0, lng1, lat1) \
         cross join lateral (select {} from cases c \
           where c.category = q.category and c.status <> 'closed' and c.created_at >= q.since \
             and c.lng between q.lng0 and q.lng1 and c.lat between q.lat0 and q.lat1 \
           order by c.created_at desc limit 50 {LOCK_OPEN}) n",
            *NEAR_COLS
        )
    });
    let col = |k: usize| qs.iter().map(|q| q.bbox[k]).collect::<Vec<f64>>();
    let rows = sqlx::query(&SQL)
        .bind((0..qs.len() as i64).collect::<Vec<i64>>())
        .bind(qs.iter().map(|q| q.category).collect::<Vec<&str>>())
        .bind(qs.iter().map(|q| q.since).collect::<Vec<i64>>())
        .bind(col(0))
        .bind(col(1))
        .bind(col(2))
        .bind(col(3))
        .fetch_all(&mut **x)
        .await?;
    let mut out: Vec<Vec<CaseRow>> = (0..qs.len()).map(|_| vec![]).collect();
    for row in &rows {
        let i: i64 = row.try_get("batch_i")?;
        if let Some(v) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            v.push(CaseRow::from_row(row)?);
        }
    }
    Ok(out)
}

const REPORTER_PREFIX: &str =
    "insert into case_reporters (case_id, user_id, resident_id, channel, text, created_at) ";

/// A reporter of a case, written when `buf` is flushed.
pub fn insert_reporter_later(
    buf: &mut Deferred,
    case_id: i64,
    user_id: Option<i64>,
    resident_id: Option<i64>,
    channel: &str,
    text: &str,
    now: i64,
) {
    buf.push(
        REPORTER_PREFIX,
        vec![
            case_id.into(),
            user_id.into(),
            resident_id.into(),
            channel.into(),
            text.into(),
            now.into(),
        ],
    );
}

const INSERT_REPORTER: &str = "insert into case_reporters (case_id, user_id, resident_id, channel, text, created_at) values ($1, $2, $3, $4, $5, $6)";

pub async fn insert_reporter(
    tx: &mut Tx,
    case_id: i64,
    user_id: Option<i64>,
    resident_id: Option<i64>,
    channel: &str,
    text: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_REPORTER)
        .bind(case_id)
        .bind(user_id)
        .bind(resident_id)
        .bind(channel)
        .bind(text)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const IS_REPORTER: &str =
    "select count(*) from case_reporters where case_id = $1 and (user_id = $2 or resident_id = $3)";

/// Whether the user (or the resident record they are) reported the case.
pub async fn is_reporter(
    tx: &mut Tx,
    case_id: i64,
    user_id: i64,
    resident_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, |x| sqlx::query_scalar(IS_REPORTER)
        .bind(case_id)
        .bind(user_id)
        .bind(resident_id)
        .fetch_one(&mut **x)
        .await)?;
    Ok(n > 0)
}

const FIND_KEY: &str = "select case_id from intake_keys where source = $1 and key = $2";
const INSERT_KEY: &str =
    "insert into intake_keys (source, key, case_id, created_at) values ($1, $2, $3, $4)";

pub async fn find_intake_key(
    tx: &mut Tx,
    source: &str,
    key: &str,
) -> Result<Option<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(FIND_KEY)
        .bind(source)
        .bind(key)
        .fetch_optional(&mut **x)
        .await)
}

pub async fn insert_intake_key(
    tx: &mut Tx,
    source: &str,
    key: &str,
    case_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_KEY)
        .bind(source)
        .bind(key)
        .bind(case_id)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

/// Case-list filters (already validated). Scope: $1 all, $2 street, $3 community,
/// $4 grid, $5 building, $6 reporter user, $7 unit, $8 resident.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub all: bool,
    pub street: Option<i64>,
    pub community: Option<i64>,
    pub grid: Option<i64>,
    pub building: Option<i64>,
    pub reporter: Option<i64>,
    pub unit: Option<i64>,
    pub resident: Option<i64>,
    /// '' = any; else a status code, or 'open' for anything not closed.
    pub status: String,
    pub category: String,
    pub channel: String,
    pub urgent_only: bool,
    pub overdue_before: Option<i64>,
    pub supervised_only: bool,
    pub from: i64,
    pub to: i64,
}

/// A bound value of a dynamically built query.
enum Bind {
    I(i64),
    S(String),
}

/// The WHERE clause of a case list with only the conditions the filter uses (so each
/// query can use its indexes), and its values in order.
fn case_where(f: &CaseFilter) -> (String, Vec<Bind>) {
    let mut binds: Vec<Bind> = vec![];
    let mut p = |b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut scope: Vec<String> = vec![];
    if !f.all {
        for (col, v) in [
            ("c.street_id", f.street),
            ("c.community_id", f.community),
            ("c.grid_id", f.grid),
            ("c.building_id", f.building),
            ("c.resident_id", f.resident),
        ] {
            if let Some(v) = v {
                scope.push(format!("{col} = {}", p(Bind::I(v))));
            }
        }
        if let Some(u) = f.reporter {
            scope.push(format!(
                "exists (select 1 from case_reporters r where r.case_id = c.id and r.user_id = {})",
                p(Bind::I(u))
            ));
        }
        if let Some(u) = f.unit {
            scope.push(format!(
                "exists (select 1 from work_orders o where o.case_id = c.id and o.unit_id = {})",
                p(Bind::I(u))
            ));
        }
    }
    let mut conds: Vec<String> = vec![];
    if !f.all {
        conds.push(if scope.is_empty() {
            "1 = 0".into()
        } else {
            format!("({})", scope.join(" or "))
        });
    }
    match f.status.as_str() {
        "" => {}
        "open" => conds.push("c.status <> 'closed'".into()),
        s => conds.push(format!("c.status = {}", p(Bind::S(s.to_string())))),
    }
    // Only open cases have a deadline; saying so lets the list use the open-case index.
    if f.overdue_before.is_some() && f.status != "open" {
        conds.push("c.status <> 'closed'".into());
    }
    if !f.category.is_empty() {
        conds.push(format!("c.category = {}", p(Bind::S(f.category.clone()))));
    }
    if !f.channel.is_empty() {
        conds.push(format!("c.channel = {}", p(Bind::S(f.channel.clone()))));
    }
    if f.urgent_only {
        conds.push("c.urgent".into());
    }
    if let Some(t) = f.overdue_before {
        conds.push(format!("c.next_due < {}", p(Bind::I(t))));
    }
    if f.supervised_only {
        conds.push("c.supervised_at is not null".into());
    }
    if f.from > 0 {
        conds.push(format!("c.created_at >= {}", p(Bind::I(f.from))));
    }
    if f.to < i64::MAX {
        conds.push(format!("c.created_at < {}", p(Bind::I(f.to))));
    }
    let w = if conds.is_empty() {
        String::new()
    } else {
        format!("where {}", conds.join(" and "))
    };
    (w, binds)
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::I(v) => q.bind(*v),
                Bind::S(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

/// Cases as a list shows them, with the nearest open deadline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListRow {
    pub id: i64,
    pub channel: String,
    pub category: String,
    pub text: String,
    pub lng: f64,
    pub lat: f64,
    pub community_id: i64,
    pub grid_id: i64,
    pub urgent: bool,
    pub status: String,
    pub reporters: i64,
    pub rung: String,
    pub supervised_at: Option<i64>,
    pub created_at: i64,
    pub next_due: Option<i64>,
}

/// `order`: `queue` (urgent first, then the nearest deadline) or `recent`.
pub async fn list_cases(
    tx: &mut Tx,
    f: &CaseFilter,
    queue_order: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListRow>, i64), sqlx::Error> {
    let order = if f.overdue_before.is_some() {
        // Overdue lists: the longest overdue first (read in index order).
        "c.next_due asc, c.id asc"
    } else if queue_order {
        "c.urgent desc, c.next_due is null, c.next_due asc, c.id asc"
    } else {
        "c.id desc"
    };
    let (w, binds) = case_where(f);
    let n = binds.len();
    let sql = format!(
        "select l.*, (select count(*) from case_reporters r where r.case_id = l.id) as reporters from (\
           select c.id, c.channel, c.category, c.text, c.lng, c.lat, c.community_id, c.grid_id, c.urgent, c.status, c.rung, c.supervised_at, c.created_at, \
           c.next_due from cases c {w} order by {order} limit ${} offset ${}) l order by {}",
        n + 1,
        n + 2,
        order.replace("c.", "l.")
    );
    let count = format!("select count(*) from cases c {w}");
    let rows = on_tx!(tx, |x| bind_all!(sqlx::query_as(&sql), &binds)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **x)
        .await)?;
    let total = on_tx!(tx, |x| bind_all!(sqlx::query_scalar(&count), &binds)
        .fetch_one(&mut **x)
        .await)?;
    Ok((rows, total))
}

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

const UPDATE_ORDER: &str = "update work_orders set status = $3, assignee_id = $4, signed_at = $5, responded_at = $6, done_at = $7, closed_at = $8, \
       return_reason = $9, ext_until = $10, ext_reason = $11, feedback = $12, feedback_photos = $13, due_at = $14, warn_at = $15, warned = $16, updated_at = $17 \
     where id = $1 and status = $2";

/// Writes an order's new state if it is still in `from` (optimistic: false = someone else
/// changed it first).
pub async fn update_order(tx: &mut Tx, from: &str, o: &OrderRow) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(UPDATE_ORDER)
        .bind(o.id)
        .bind(from)
        .bind(&o.status)
        .bind(o.assignee_id)
        .bind(o.signed_at)
        .bind(o.responded_at)
        .bind(o.done_at)
        .bind(o.closed_at)
        .bind(&o.return_reason)
        .bind(o.ext_until)
        .bind(&o.ext_reason)
        .bind(&o.feedback)
        .bind(&o.feedback_photos)
        .bind(o.due_at)
        .bind(o.warn_at)
        .bind(o.warned)
        .bind(o.updated_at)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
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
    pub assignee_id: Option<i64>,
    pub category: String,
    pub text: String,
    pub urgent: bool,
    pub address: String,
    pub community_id: i64,
}

const UNIT_ORDERS: &str = "select o.id, o.case_id, o.status, o.sign_by, o.due_at, o.ext_until, o.assignee_id, c.category, c.text, c.urgent, c.address, c.community_id \
     from work_orders o join cases c on c.id = o.case_id \
     where o.unit_id = $1 and ($2 = '' or o.status = $2 or ($2 = 'open' and o.status in ('dispatched', 'handling'))) \
     order by c.urgent desc, o.due_at asc, o.id asc limit $3 offset $4";
const COUNT_UNIT_ORDERS: &str = "select count(*) from work_orders o \
     where o.unit_id = $1 and ($2 = '' or o.status = $2 or ($2 = 'open' and o.status in ('dispatched', 'handling')))";

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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub order_id: Option<i64>,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

const EVENT_PREFIX: &str =
    "insert into case_events (case_id, order_id, at, actor_id, actor, kind, detail) ";

/// A timeline event, written when `buf` is flushed (after the events written directly in
/// the same transaction: flush before writing one that must follow it).
#[allow(clippy::too_many_arguments)]
pub fn insert_event_later(
    buf: &mut Deferred,
    case_id: i64,
    order_id: Option<i64>,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    kind: &str,
    detail: &serde_json::Value,
) {
    buf.push(
        EVENT_PREFIX,
        vec![
            case_id.into(),
            order_id.into(),
            at.into(),
            actor_id.into(),
            actor.into(),
            kind.into(),
            detail.to_string().into(),
        ],
    );
}

const INSERT_EVENT: &str = "insert into case_events (case_id, order_id, at, actor_id, actor, kind, detail) values ($1, $2, $3, $4, $5, $6, $7) returning id";
const EVENTS: &str =
    "select id, order_id, at, actor, kind, detail from case_events where case_id = $1 order by id";

#[allow(clippy::too_many_arguments)]
pub async fn insert_event(
    tx: &mut Tx,
    case_id: i64,
    order_id: Option<i64>,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    kind: &str,
    detail: &serde_json::Value,
) -> Result<i64, sqlx::Error> {
    let detail = detail.to_string();
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_EVENT)
        .bind(case_id)
        .bind(order_id)
        .bind(at)
        .bind(actor_id)
        .bind(actor)
        .bind(kind)
        .bind(&detail)
        .fetch_one(&mut **x)
        .await)
}

pub async fn events(tx: &mut Tx, case_id: i64) -> Result<Vec<EventRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(EVENTS)
        .bind(case_id)
        .fetch_all(&mut **x)
        .await)
}

const INSERT_CALLBACK: &str = "insert into callbacks (case_id, solved, satisfaction, comment, user_id, at) values ($1, $2, $3, $4, $5, $6)";

pub async fn insert_callback(
    tx: &mut Tx,
    case_id: i64,
    solved: bool,
    satisfaction: Option<i64>,
    comment: &str,
    user_id: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_CALLBACK)
        .bind(case_id)
        .bind(solved)
        .bind(satisfaction)
        .bind(comment)
        .bind(user_id)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const INSERT_ATTACHMENT: &str = "insert into attachments (case_id, mime, sha256, bytes, created_by, created_at) values ($1, $2, $3, $4, $5, $6) returning id";
const FIND_ATTACHMENT: &str = "select case_id, mime, bytes from attachments where id = $1";

pub async fn insert_attachment(
    tx: &mut Tx,
    case_id: i64,
    mime: &str,
    sha256: &str,
    bytes: &[u8],
    user: Option<i64>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(INSERT_ATTACHMENT)
        .bind(case_id)
        .bind(mime)
        .bind(sha256)
        .bind(bytes)
        .bind(user)
        .bind(now)
        .fetch_one(&mut **x)
        .await)
}

pub async fn find_attachment(
    tx: &mut Tx,
    id: i64,
) -> Result<Option<(Option<i64>, String, Vec<u8>)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(FIND_ATTACHMENT)
        .bind(id)
        .fetch_optional(&mut **x)
        .await)
}

const SET_PHOTOS: &str = "update cases set photos = $2 where id = $1";

pub async fn set_photos(tx: &mut Tx, id: i64, photos: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(SET_PHOTOS)
        .bind(id)
        .bind(photos)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

const INSERT_CORRECTION: &str = "insert into routing_corrections (case_id, text, model_label, label, user_id, created_at) values ($1, $2, $3, $4, $5, $6)";
const CORRECTIONS_AFTER: &str =
    "select id, text, label from routing_corrections where id > $1 order by id limit 1000";

pub async fn insert_correction(
    tx: &mut Tx,
    case_id: Option<i64>,
    text: &str,
    model_label: &str,
    label: &str,
    user: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(INSERT_CORRECTION)
        .bind(case_id)
        .bind(text)
        .bind(model_label)
        .bind(label)
        .bind(user)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

pub async fn corrections_after(
    tx: &mut Tx,
    id: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(CORRECTIONS_AFTER)
        .bind(id)
        .fetch_all(&mut **x)
        .await)
}

const UNIT_EXISTS: &str = "select count(*) from units where id = $1";

pub async fn unit_exists(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = on_tx!(tx, |x| sqlx::query_scalar(UNIT_EXISTS)
        .bind(id)
        .fetch_one(&mut **x)
        .await)?;
    Ok(n > 0)
}

/// Staff to notify at a place: users whose scope is exactly that unit or place.
const STAFF_AT: &str = "select id from users where scope_kind = $1 and (scope_id = $2 or $1 = 'district') and not disabled and role <> 'resident' and role <> 'auditor' order by id limit 50";

const STAFF_CONTACTS_AT: &str = "select id, notify_email, notify_phone_enc from users where scope_kind = $1 and (scope_id = $2 or $1 = 'district') and not disabled and role <> 'resident' and role <> 'auditor' order by id limit 50";

/// Staff at a place with their contacts (one query for a notification).
pub async fn staff_contacts_at(
    tx: &mut Tx,
    kind: &str,
    id: Option<i64>,
) -> Result<Vec<crate::notify::Recipient>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(STAFF_CONTACTS_AT)
        .bind(kind)
        .bind(id)
        .fetch_all(&mut **x)
        .await)
}

pub async fn staff_at(tx: &mut Tx, kind: &str, id: Option<i64>) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(STAFF_AT)
        .bind(kind)
        .bind(id)
        .fetch_all(&mut **x)
        .await)
}

/// A worker of a unit with their current load.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerRow {
    pub id: i64,
    pub display_name: String,
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
    pub display_name: String,
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
            display_name: self.display_name.clone(),
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

const NOTE_PREFIX: &str =
    "insert into notifications (user_id, case_id, kind, title, body, created_at) ";

/// An inbox message, written when `buf` is flushed.
pub fn insert_notification_later(
    buf: &mut Deferred,
    user: i64,
    case_id: Option<i64>,
    kind: &str,
    title: &str,
    body: &str,
    now: i64,
) {
    buf.push(
        NOTE_PREFIX,
        vec![
            user.into(),
            case_id.into(),
            kind.into(),
            title.into(),
            body.into(),
            now.into(),
        ],
    );
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    pub case_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

const NOTES: &str = "select id, case_id, kind, title, body, created_at, read_at from notifications where user_id = $1 order by id desc limit $2";
const UNREAD: &str = "select count(*) from notifications where user_id = $1 and read_at is null";
const MARK_READ: &str =
    "update notifications set read_at = $2 where user_id = $1 and read_at is null";

pub async fn notifications(
    tx: &mut Tx,
    user: i64,
    limit: i64,
) -> Result<Vec<NotificationRow>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(NOTES)
        .bind(user)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

pub async fn unread(tx: &mut Tx, user: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(UNREAD)
        .bind(user)
        .fetch_one(&mut **x)
        .await)
}

pub async fn mark_read(tx: &mut Tx, user: i64, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, |x| sqlx::query(MARK_READ)
        .bind(user)
        .bind(now)
        .execute(&mut **x)
        .await
        .map(|_| ()))
}

// --- the working-day calendar ---

const ALL_DAYS: &str = "select day, kind, name from calendar_days order by day";
const DELETE_YEAR: &str = "delete from calendar_days where day like $1";
const INSERT_DAY: &str = "insert into calendar_days (day, kind, name) values ($1, $2, $3)";

pub async fn calendar_days(tx: &mut Tx) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(ALL_DAYS).fetch_all(&mut **x).await)
}

pub async fn replace_year(
    tx: &mut Tx,
    year: i32,
    days: &[(String, String, String)],
) -> Result<(), sqlx::Error> {
    let like = format!("{year:04}-%");
    on_tx!(tx, |x| sqlx::query(DELETE_YEAR)
        .bind(&like)
        .execute(&mut **x)
        .await
        .map(|_| ()))?;
    for (d, k, n) in days {
        on_tx!(tx, |x| sqlx::query(INSERT_DAY)
            .bind(d)
            .bind(k)
            .bind(n)
            .execute(&mut **x)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

// --- background jobs ---

const DUE_WARN: &str = "select id from work_orders where status in ('dispatched', 'handling') and not warned and warn_at <= $1 order by warn_at limit $2";
const MARK_WARNED: &str = "update work_orders set warned = true where id = $1 and not warned";
const OVERDUE: &str = "select o.id from work_orders o where o.status in ('dispatched', 'handling') and o.due_at <= $1 \
     and (o.overdue_rung is null or o.overdue_rung <> 'district') order by o.due_at limit $2";
const CLAIM_RUNG: &str =
    "update work_orders set overdue_rung = $2 where id = $1 and coalesce(overdue_rung, '') = $3";

pub async fn due_warnings(tx: &mut Tx, now: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(DUE_WARN)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// Claims the warning of an order (false: another node already sent it).
pub async fn claim_warning(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(MARK_WARNED)
        .bind(id)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn overdue(tx: &mut Tx, now: i64, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_scalar(OVERDUE)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut **x)
        .await)
}

/// Claims an escalation step from `from` ('' = none yet) to `to` (false: already done).
pub async fn claim_rung(tx: &mut Tx, id: i64, from: &str, to: &str) -> Result<bool, sqlx::Error> {
    let n = on_tx!(tx, |x| sqlx::query(CLAIM_RUNG)
        .bind(id)
        .bind(to)
        .bind(from)
        .execute(&mut **x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

const UNANSWERED: &str = "select o.id, o.unit_id, o.created_at, o.sign_by, c.grid_id, c.community_id, c.street_id \
     from work_orders o join cases c on c.id = o.case_id \
     where o.status = 'dispatched' and not o.response_counted and o.sign_by <= $1 order by o.sign_by limit $2";

/// Orders whose signing deadline passed unanswered and that the response rate has not
/// counted yet.
#[allow(clippy::type_complexity)]
pub async fn unanswered(
    tx: &mut Tx,
    now: i64,
    limit: i64,
) -> Result<Vec<(i64, i64, i64, i64, i64, i64, i64)>, sqlx::Error> {
    on_tx!(tx, |x| sqlx::query_as(UNANSWERED)
        .bind(now)
        .bind(limit)
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
