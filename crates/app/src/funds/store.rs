//! Every SQL statement of the public account books and published documents.

use crate::db::Tx;
use crate::on_tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MovementRow {
    pub id: i64,
    pub community_id: i64,
    pub book: String,
    pub direction: String,
    pub category: String,
    pub amount_fen: i64,
    pub purpose: String,
    pub counterparty: String,
    pub approval: String,
    pub occurred_on: String,
    pub receipt_id: Option<i64>,
    pub reverses: Option<i64>,
    pub recorded_at: i64,
    pub ledger_index: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub id: i64,
    pub community_id: i64,
    pub kind: String,
    pub title: String,
    pub media_type: String,
    pub bytes: i64,
    pub sha256: String,
    pub published_at: i64,
    pub ledger_index: i64,
}

pub struct NewMovement<'a> {
    pub community_id: i64,
    pub book: &'a str,
    pub direction: &'a str,
    pub category: &'a str,
    pub amount_fen: i64,
    pub purpose: &'a str,
    pub counterparty: &'a str,
    pub approval: &'a str,
    pub occurred_on: &'a str,
    pub receipt_id: Option<i64>,
    pub reverses: Option<i64>,
    pub recorded_by: Option<i64>,
    pub recorded_at: i64,
    pub ledger_index: i64,
}

pub struct NewDocument<'a> {
    pub community_id: i64,
    pub kind: &'a str,
    pub title: &'a str,
    pub media_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub published_by: Option<i64>,
    pub published_at: i64,
    pub ledger_index: i64,
}

const MOVEMENT_COLS: &str = "id, community_id, book, direction, category, amount_fen, purpose, counterparty, approval, occurred_on, receipt_id, reverses, recorded_at, ledger_index";
const DOCUMENT_COLS: &str =
    "id, community_id, kind, title, media_type, bytes, sha256, published_at, ledger_index";

// sum() of bigint is numeric on PostgreSQL: cast back.
const BALANCE: &str = "select cast(coalesce(sum(case when direction = 'in' then amount_fen else -amount_fen end), 0) as bigint) \
     from fund_movements where community_id = $1 and book = $2";
const INSERT_MOVEMENT: &str = "insert into fund_movements (community_id, book, direction, category, amount_fen, purpose, counterparty, approval, occurred_on, receipt_id, reverses, recorded_by, recorded_at, ledger_index) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning id";
const INSERT_DOCUMENT: &str = "insert into public_documents (community_id, kind, title, media_type, bytes, sha256, content, published_by, published_at, ledger_index) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id";
const CONTENT: &str = "select media_type, content from public_documents where id = $1";
const TOTALS: &str = "select community_id, book, \
     cast(coalesce(sum(case when direction = 'in' then amount_fen else 0 end), 0) as bigint), \
     cast(coalesce(sum(case when direction = 'out' then amount_fen else 0 end), 0) as bigint), count(*) \
     from fund_movements group by community_id, book";
const REVERSED: &str = "select exists (select 1 from fund_movements where reverses = $1)";

pub async fn balance(tx: &mut Tx, community: i64, book: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(BALANCE)
        .bind(community)
        .bind(book)
        .fetch_one(&mut **c)
        .await)
}

pub async fn insert_movement(tx: &mut Tx, m: &NewMovement<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT_MOVEMENT)
        .bind(m.community_id)
        .bind(m.book)
        .bind(m.direction)
        .bind(m.category)
        .bind(m.amount_fen)
        .bind(m.purpose)
        .bind(m.counterparty)
        .bind(m.approval)
        .bind(m.occurred_on)
        .bind(m.receipt_id)
        .bind(m.reverses)
        .bind(m.recorded_by)
        .bind(m.recorded_at)
        .bind(m.ledger_index)
        .fetch_one(&mut **c)
        .await)
}

pub async fn insert_document(tx: &mut Tx, d: &NewDocument<'_>) -> Result<i64, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(INSERT_DOCUMENT)
        .bind(d.community_id)
        .bind(d.kind)
        .bind(d.title)
        .bind(d.media_type)
        .bind(d.content.len() as i64)
        .bind(d.sha256)
        .bind(d.content)
        .bind(d.published_by)
        .bind(d.published_at)
        .bind(d.ledger_index)
        .fetch_one(&mut **c)
        .await)
}

pub async fn movement(tx: &mut Tx, id: i64) -> Result<Option<MovementRow>, sqlx::Error> {
    let sql = format!("select {MOVEMENT_COLS} from fund_movements where id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn is_reversed(tx: &mut Tx, id: i64) -> Result<bool, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_scalar(REVERSED)
        .bind(id)
        .fetch_one(&mut **c)
        .await)
}

/// A community's movements, newest first (by the day they happened, then as recorded).
pub async fn movements(
    tx: &mut Tx,
    community: i64,
    limit: i64,
) -> Result<Vec<MovementRow>, sqlx::Error> {
    let sql = format!(
        "select {MOVEMENT_COLS} from fund_movements where community_id = $1 \
         order by occurred_on desc, id desc limit $2"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(community)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)
}

pub async fn document(tx: &mut Tx, id: i64) -> Result<Option<DocumentRow>, sqlx::Error> {
    let sql = format!("select {DOCUMENT_COLS} from public_documents where id = $1");
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

pub async fn documents(
    tx: &mut Tx,
    community: i64,
    limit: i64,
) -> Result<Vec<DocumentRow>, sqlx::Error> {
    let sql = format!(
        "select {DOCUMENT_COLS} from public_documents where community_id = $1 \
         order by published_at desc, id desc limit $2"
    );
    on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(community)
        .bind(limit)
        .fetch_all(&mut **c)
        .await)
}

pub async fn content(tx: &mut Tx, id: i64) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(CONTENT)
        .bind(id)
        .fetch_optional(&mut **c)
        .await)
}

/// Per community and book: (community, book, income, spending, movements).
pub async fn totals(tx: &mut Tx) -> Result<Vec<(i64, String, i64, i64, i64)>, sqlx::Error> {
    on_tx!(tx, |c| sqlx::query_as(TOTALS).fetch_all(&mut **c).await)
}
