//! Cases: the row, writing and updating it, duplicates nearby, reporters, intake keys.

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

pub(super) const CASE_COLS: &str = "c.id, c.channel, c.category, c.confidence, c.category_by, c.text, c.lng, c.lat, c.address, c.street_id, c.community_id, c.grid_id, c.compound_id, c.building_id, c.zone, c.urgent, c.status, c.reporter_user_id, c.resident_id, c.filed_by_staff, c.caller_enc, c.external_ref, c.photos, (select count(*) from case_reporters r where r.case_id = c.id) as reporters, c.rung, c.supervised_at, c.solved, c.satisfaction, c.callback_at, c.reopened, c.created_at, c.updated_at, c.closed_at";

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

const REPORTER_PREFIX: &str = "insert into case_reporters (case_id, user_id, resident_id, channel, text, created_at, original_sealed) ";

/// A reporter of a case, written when `buf` is flushed.
pub fn insert_reporter_later(
    buf: &mut Deferred,
    case_id: i64,
    user_id: Option<i64>,
    resident_id: Option<i64>,
    report: (&str, &str, Option<&str>),
    now: i64,
) {
    let (channel, text, original_sealed) = report;
    buf.push(
        REPORTER_PREFIX,
        vec![
            case_id.into(),
            user_id.into(),
            resident_id.into(),
            channel.into(),
            text.into(),
            now.into(),
            original_sealed.map(str::to_string).into(),
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

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub case_id: i64,
    pub channel: String,
    pub text: String,
    pub original_sealed: Option<String>,
    pub created_at: i64,
    pub category: String,
    pub status: String,
    pub case_created_at: i64,
}

const REPORTS_BY: &str = "select r.case_id, r.channel, r.text, r.original_sealed, r.created_at, c.category, c.status, c.created_at as case_created_at \
     from case_reporters r join cases c on c.id = r.case_id \
     where r.user_id = $1 or (r.resident_id is not null and r.resident_id = $2) order by r.id";

/// The reports a person made (as the user, or filed for them as the resident).
pub async fn reports_by(
    tx: &mut Tx,
    user_id: i64,
    resident_id: Option<i64>,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(REPORTS_BY)
        .bind(user_id)
        .bind(resident_id)
        .fetch_all(&mut **c)
        .await)
}

const FORGET_ORIGINALS: &str = "update case_reporters set original_sealed = null \
     where original_sealed is not null and (user_id = $1 or (resident_id is not null and resident_id = $2))";

/// Drops the sealed texts-as-typed of a person's reports (the masked texts stay with the
/// cases); rows changed.
pub async fn forget_originals(
    tx: &mut Tx,
    user_id: i64,
    resident_id: Option<i64>,
) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(FORGET_ORIGINALS)
        .bind(user_id)
        .bind(resident_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const FORGET_NOTES: &str =
    "update case_events set detail = '{}' where kind = 'info_added' and actor_id = $1";

/// Empties the information a person added to their reports (补充情况); rows changed.
pub async fn forget_notes(tx: &mut Tx, user_id: i64) -> Result<u64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query(FORGET_NOTES)
        .bind(user_id)
        .execute(&mut **c)
        .await
        .map(|r| r.rows_affected()))
}

const ORIGINALS_OF: &str = "select original_sealed from case_reporters where case_id = $1 and original_sealed is not null order by id";

/// The sealed texts-as-typed of a case's reports.
pub async fn originals_of(tx: &mut Tx, case_id: i64) -> Result<Vec<String>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(ORIGINALS_OF)
        .bind(case_id)
        .fetch_all(&mut **c)
        .await)
}
