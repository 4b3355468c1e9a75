//! The public account books: recording a movement or publishing a document writes the row,
//! its ledger entry and its audit record in one transaction. Reading is public.

use gongzhi_core::identity::Role;
use gongzhi_core::ledger::{
    self as rules, Book, Category, Direction, DocKind, Entry, FundError, FundMovement,
    PublishedDocument, VERSION,
};
use gongzhi_core::pii::mask_name;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::{self, DocumentRow, MovementRow, NewDocument, NewMovement};
use crate::audit::{self, Event};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::idempotency;
use crate::ledger::service as ledger;
use crate::state::AppState;

/// Largest published document.
pub const MAX_DOCUMENT_BYTES: usize = 5 << 20;
/// Movements shown on a community's page.
const SHOWN: i64 = 500;

/// Whether the user keeps the books of `community`: its community staff, its street's
/// staff, administrators.
pub fn keeps_books(st: &AppState, user: &CurrentUser, community: i64) -> bool {
    matches!(
        user.role,
        Role::CommunityStaff | Role::StreetStaff | Role::Admin
    ) && st.org_map().unit_in_scope(community, user.scope)
}

fn community_name(st: &AppState, id: i64) -> AppResult<String> {
    st.org_map()
        .communities()
        .into_iter()
        .find(|(c, _, _)| *c == id)
        .map(|(_, n, _)| n)
        .ok_or(AppError::NotFound)
}

fn field(f: &'static str) -> impl Fn(FundError) -> AppError {
    move |e| AppError::field(f, e)
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct MovementRequest {
    /// `maintenance` (专项维修资金) or `renewal` (微更新基金).
    pub book: String,
    /// `in` or `out`.
    pub direction: String,
    /// `subsidy`, `crowdfunding`, `resident_share`, `owner_deposit`, `interest`,
    /// `donation` (income); `repair`, `renewal`, `service`, `refund` (spending).
    pub category: String,
    /// Amount in fen (分), a positive integer.
    pub amount_fen: i64,
    pub purpose: String,
    /// The payer or payee: a company's name, or a person's (published masked).
    pub counterparty: String,
    /// Whether the counterparty is a private person (then only `张*` is kept and shown).
    #[serde(default)]
    pub counterparty_is_person: bool,
    /// The decision that allowed it, e.g. 业主大会2026年第2次会议表决通过.
    pub approval: String,
    /// `YYYY-MM-DD`.
    pub occurred_on: String,
    /// A published receipt (document of kind `receipt`) of the same community.
    pub receipt_id: Option<i64>,
    /// Record a reversal (冲正) of this movement of the same book: same amount, opposite
    /// direction. The book is never edited.
    pub reverses: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MovementView {
    pub id: i64,
    pub community_id: i64,
    pub book: String,
    pub book_name: String,
    pub direction: String,
    pub category: String,
    pub category_name: String,
    pub amount_fen: i64,
    /// `12,345.67`.
    pub amount_yuan: String,
    pub purpose: String,
    pub counterparty: String,
    pub approval: String,
    pub occurred_on: String,
    pub receipt_id: Option<i64>,
    pub reverses: Option<i64>,
    pub recorded_at_ms: i64,
    /// The entry's index in the public ledger (`/api/v1/ledger/entries/{index}`).
    pub ledger_index: i64,
}

impl From<MovementRow> for MovementView {
    fn from(r: MovementRow) -> Self {
        let book = Book::parse(&r.book).unwrap_or(Book::Maintenance);
        let cat = Category::parse(&r.category).unwrap_or(Category::Reversal);
        MovementView {
            id: r.id,
            community_id: r.community_id,
            book_name: book.name_zh().into(),
            book: r.book,
            direction: r.direction,
            category_name: cat.name_zh().into(),
            category: r.category,
            amount_yuan: rules::yuan(r.amount_fen),
            amount_fen: r.amount_fen,
            purpose: r.purpose,
            counterparty: r.counterparty,
            approval: r.approval,
            occurred_on: r.occurred_on,
            receipt_id: r.receipt_id,
            reverses: r.reverses,
            recorded_at_ms: r.recorded_at,
            ledger_index: r.ledger_index,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub community_id: i64,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub media_type: String,
    pub bytes: i64,
    /// SHA-256 of the file (hex): the same as in its ledger entry.
    pub sha256: String,
    pub published_at_ms: i64,
    pub ledger_index: i64,
    /// Where to download it.
    pub href: String,
}

impl From<DocumentRow> for DocumentView {
    fn from(r: DocumentRow) -> Self {
        DocumentView {
            href: format!("/gongshi/documents/{}", r.id),
            id: r.id,
            community_id: r.community_id,
            kind_name: DocKind::parse(&r.kind)
                .map(|k| k.name_zh())
                .unwrap_or("文件")
                .into(),
            kind: r.kind,
            title: r.title,
            media_type: r.media_type,
            bytes: r.bytes,
            sha256: r.sha256,
            published_at_ms: r.published_at,
            ledger_index: r.ledger_index,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BookView {
    pub book: String,
    pub name: String,
    pub income_fen: i64,
    pub spending_fen: i64,
    pub balance_fen: i64,
    pub balance_yuan: String,
    pub income_yuan: String,
    pub spending_yuan: String,
    pub movements: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BooksView {
    pub community_id: i64,
    pub community: String,
    pub books: Vec<BookView>,
    /// The latest 500 movements of both books, newest first.
    pub movements: Vec<MovementView>,
    pub documents: Vec<DocumentView>,
}

/// A movement, checked, about to be written.
pub struct Movement {
    pub community_id: i64,
    pub community: String,
    pub book: Book,
    pub direction: Direction,
    pub category: Category,
    pub amount_fen: i64,
    pub purpose: String,
    pub counterparty: String,
    pub approval: String,
    pub occurred_on: String,
    /// The receipt document: (id, SHA-256).
    pub receipt: Option<(i64, String)>,
    pub reverses: Option<i64>,
    pub recorded_by: Option<i64>,
    pub now: i64,
}

/// Writes a movement and its ledger entry in `tx`: (movement id, ledger index).
pub(super) async fn write_movement(
    tx: &mut crate::db::Tx,
    m: Movement,
) -> anyhow::Result<(i64, u64)> {
    // The ledger's head first: while this transaction holds it, the next index is ours.
    let index = ledger::reserve_next(tx).await?;
    let id = store::insert_movement(
        tx,
        &NewMovement {
            community_id: m.community_id,
            book: m.book.code(),
            direction: m.direction.code(),
            category: m.category.code(),
            amount_fen: m.amount_fen,
            purpose: &m.purpose,
            counterparty: &m.counterparty,
            approval: &m.approval,
            occurred_on: &m.occurred_on,
            receipt_id: m.receipt.as_ref().map(|r| r.0),
            reverses: m.reverses,
            recorded_by: m.recorded_by,
            recorded_at: m.now,
            ledger_index: index as i64,
        },
    )
    .await?;
    let entry = Entry::Fund(FundMovement {
        v: VERSION,
        record: format!("fund:{id}"),
        community_id: m.community_id,
        community: m.community,
        book: m.book,
        direction: m.direction,
        category: m.category,
        amount_fen: m.amount_fen,
        purpose: m.purpose,
        counterparty: m.counterparty,
        approval: m.approval,
        occurred_on: m.occurred_on,
        receipt_sha256: m.receipt.map(|r| r.1),
        reverses: m.reverses.map(|r| format!("fund:{r}")),
        recorded_ms: m.now,
    });
    let at = ledger::append(tx, &[entry], m.now).await?;
    anyhow::ensure!(at == index, "ledger index moved under a held lock");
    Ok((id, index))
}

/// A document, checked, about to be published.
pub struct Document<'a> {
    pub community_id: i64,
    pub community: String,
    pub kind: DocKind,
    pub title: String,
    pub media_type: &'static str,
    pub content: &'a [u8],
    pub published_by: Option<i64>,
    pub now: i64,
}

/// Writes a published document and its ledger entry in `tx`: (document id, ledger index).
pub(super) async fn write_document(
    tx: &mut crate::db::Tx,
    d: Document<'_>,
) -> anyhow::Result<(i64, u64)> {
    let sha = hex::encode(Sha256::digest(d.content));
    let index = ledger::reserve_next(tx).await?;
    let id = store::insert_document(
        tx,
        &NewDocument {
            community_id: d.community_id,
            kind: d.kind.code(),
            title: &d.title,
            media_type: d.media_type,
            sha256: &sha,
            content: d.content,
            published_by: d.published_by,
            published_at: d.now,
            ledger_index: index as i64,
        },
    )
    .await?;
    let entry = Entry::Document(PublishedDocument {
        v: VERSION,
        record: format!("doc:{id}"),
        community_id: d.community_id,
        community: d.community,
        kind: d.kind,
        title: d.title,
        media_type: d.media_type.into(),
        bytes: d.content.len() as i64,
        sha256: sha,
        recorded_ms: d.now,
    });
    let at = ledger::append(tx, &[entry], d.now).await?;
    anyhow::ensure!(at == index, "ledger index moved under a held lock");
    Ok((id, index))
}

/// Records a movement in a community's book, with its ledger entry, in one transaction.
/// Under an idempotency key, a repeat of the same request returns the movement recorded
/// the first time (nothing new is written); `replayed` says which.
pub async fn record(
    st: &AppState,
    user: &CurrentUser,
    community: i64,
    req: &MovementRequest,
    key: Option<&idempotency::Key>,
) -> AppResult<(MovementView, bool)> {
    let actor = &user.actor();
    let name = community_name(st, community)?;
    if !keeps_books(st, user, community) {
        return Err(AppError::Forbidden("FUND_FORBIDDEN"));
    }
    let book = Book::parse(&req.book).map_err(field("book"))?;
    let direction = Direction::parse(&req.direction).map_err(field("direction"))?;
    let category = Category::parse(&req.category).map_err(field("category"))?;
    let purpose = rules::check_text(&req.purpose, 200).map_err(field("purpose"))?;
    let counterparty = rules::check_text(&req.counterparty, 100).map_err(field("counterparty"))?;
    // A private person appears masked, in the book and in the log alike (PIPL art. 25).
    let counterparty = if req.counterparty_is_person {
        mask_name(&counterparty)
    } else {
        counterparty
    };
    let approval = rules::check_text(&req.approval, 200).map_err(field("approval"))?;
    let occurred_on = rules::check_date(&req.occurred_on).map_err(field("occurred_on"))?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    // Movements take turns on the ledger's head (PostgreSQL row lock, SQLite write gate),
    // so the balance read below cannot be spent twice by concurrent writers.
    ledger::reserve_next(&mut tx).await?;
    let fingerprint = idempotency::fingerprint(&(community, req));
    if let Some(k) = key
        && let idempotency::Claim::Replay(id) =
            idempotency::claim(&mut tx, user.id, "funds.movement", k, &fingerprint).await?
    {
        let row = store::movement(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok((row.into(), true));
    }
    let receipt = match req.receipt_id {
        Some(id) => {
            let d = store::document(&mut tx, id)
                .await?
                .filter(|d| d.community_id == community && d.kind == DocKind::Receipt.code())
                .ok_or(AppError::Invalid {
                    code: "FUND_RECEIPT_INVALID",
                    field: Some("receipt_id"),
                })?;
            Some(d)
        }
        None => None,
    };
    let reversed = match req.reverses {
        Some(id) => {
            let m = store::movement(&mut tx, id)
                .await?
                .filter(|m| m.community_id == community && m.book == book.code())
                .ok_or(AppError::Invalid {
                    code: "FUND_REVERSAL_INVALID",
                    field: Some("reverses"),
                })?;
            if category != Category::Reversal
                || m.direction == direction.code()
                || m.amount_fen != req.amount_fen
                || m.category == Category::Reversal.code()
                || store::is_reversed(&mut tx, id).await?
            {
                return Err(AppError::Invalid {
                    code: "FUND_REVERSAL_INVALID",
                    field: Some("reverses"),
                });
            }
            Some(m)
        }
        None if category == Category::Reversal => {
            return Err(AppError::Invalid {
                code: "FUND_REVERSAL_INVALID",
                field: Some("reverses"),
            });
        }
        None => None,
    };
    let balance = store::balance(&mut tx, community, book.code()).await?;
    rules::check_movement(book, direction, category, req.amount_fen, balance).map_err(|e| {
        let f = if e == FundError::CategoryMismatch {
            "category"
        } else {
            "amount_fen"
        };
        AppError::field(f, e)
    })?;
    let (id, index) = write_movement(
        &mut tx,
        Movement {
            community_id: community,
            community: name,
            book,
            direction,
            category,
            amount_fen: req.amount_fen,
            purpose,
            counterparty,
            approval,
            occurred_on,
            receipt: receipt.map(|d| (d.id, d.sha256)),
            reverses: reversed.map(|m| m.id),
            recorded_by: Some(user.id),
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("fund.record", "fund_movement", id).with(serde_json::json!({
            "community": community, "book": book.code(), "direction": direction.code(),
            "amount_fen": req.amount_fen, "ledger_index": index,
        })),
    )
    .await?;
    if let Some(k) = key {
        idempotency::remember(&mut tx, user.id, "funds.movement", k, &fingerprint, id, now).await?;
    }
    let row = store::movement(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok((row.into(), false))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DocumentRequest {
    /// `minutes`, `contract`, `receipt`, `notice` or `report`.
    pub kind: String,
    pub title: String,
    /// `data:…;base64,…` (PDF, JPEG, PNG or WebP, ≤ 5 MiB). Published to everyone: it
    /// must hold no personal data beyond what the law requires to be published.
    pub data: String,
}

/// Publishes a document for everyone (公示), with its hash on the ledger.
pub async fn publish(
    st: &AppState,
    user: &CurrentUser,
    community: i64,
    req: &DocumentRequest,
) -> AppResult<DocumentView> {
    let actor = &user.actor();
    let name = community_name(st, community)?;
    if !keeps_books(st, user, community) {
        return Err(AppError::Forbidden("FUND_FORBIDDEN"));
    }
    let kind = DocKind::parse(&req.kind).map_err(field("kind"))?;
    let title = rules::check_text(&req.title, 120).map_err(field("title"))?;
    let bytes = crate::cases::service::data_url_bytes(&req.data).ok_or(AppError::Invalid {
        code: "DOC_FILE_INVALID",
        field: Some("data"),
    })?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::Invalid {
            code: "DOC_FILE_TOO_LARGE",
            field: Some("data"),
        });
    }
    let media_type = crate::mediation::service::sniff(&bytes).ok_or(AppError::Invalid {
        code: "DOC_FILE_INVALID",
        field: Some("data"),
    })?;
    let now = st.now_ms();
    let mut tx = st.db.begin().await?;
    let (id, index) = write_document(
        &mut tx,
        Document {
            community_id: community,
            community: name,
            kind,
            title,
            media_type,
            content: &bytes,
            published_by: Some(user.id),
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        now,
        actor,
        Event::ok("document.publish", "public_document", id).with(serde_json::json!({
            "community": community, "kind": kind.code(), "ledger_index": index,
        })),
    )
    .await?;
    let row = store::document(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// Publishes a text for everyone (meeting minutes, a notice) inside the caller's
/// transaction, with its hash on the ledger: (document id, ledger index). The calling
/// service has decided its caller may publish it.
#[allow(clippy::too_many_arguments)]
pub async fn publish_text_in(
    st: &AppState,
    tx: &mut crate::db::Tx,
    community: i64,
    kind: DocKind,
    title: &str,
    text: &str,
    by: Option<i64>,
    now: i64,
) -> AppResult<(i64, u64)> {
    let name = community_name(st, community)?;
    let title = rules::check_text(title, 120).map_err(field("title"))?;
    if text.trim().is_empty() || text.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::Invalid {
            code: "DOC_FILE_INVALID",
            field: Some("text"),
        });
    }
    Ok(write_document(
        tx,
        Document {
            community_id: community,
            community: name,
            kind,
            title,
            media_type: "text/plain; charset=utf-8",
            content: text.as_bytes(),
            published_by: by,
            now,
        },
    )
    .await?)
}

/// A movement another domain records inside its own transaction (a project's subsidy,
/// pledges collected, residents' share, a payment with its receipt). The calling service
/// has decided its caller may move the money; the book's rules (category, balance) are
/// checked here all the same.
pub struct MovementIn<'a> {
    pub book: Book,
    pub direction: Direction,
    pub category: Category,
    pub amount_fen: i64,
    pub purpose: &'a str,
    pub counterparty: &'a str,
    pub approval: &'a str,
    /// `YYYY-MM-DD`.
    pub occurred_on: &'a str,
    /// A published receipt of the same community.
    pub receipt_id: Option<i64>,
}

/// Records `m` in `community`'s book inside `tx`, with its ledger entry: (movement id,
/// ledger index).
pub async fn record_in(
    st: &AppState,
    tx: &mut crate::db::Tx,
    community: i64,
    m: &MovementIn<'_>,
    by: Option<i64>,
    now: i64,
) -> AppResult<(i64, u64)> {
    let name = community_name(st, community)?;
    let purpose = rules::check_text(m.purpose, 200).map_err(field("purpose"))?;
    let counterparty = rules::check_text(m.counterparty, 100).map_err(field("counterparty"))?;
    let approval = rules::check_text(m.approval, 200).map_err(field("approval"))?;
    let occurred_on = rules::check_date(m.occurred_on).map_err(field("occurred_on"))?;
    ledger::reserve_next(tx).await?;
    let receipt = match m.receipt_id {
        Some(id) => Some(
            store::document(tx, id)
                .await?
                .filter(|d| d.community_id == community && d.kind == DocKind::Receipt.code())
                .ok_or(AppError::Invalid {
                    code: "FUND_RECEIPT_INVALID",
                    field: Some("receipt_id"),
                })?,
        ),
        None => None,
    };
    let balance = store::balance(tx, community, m.book.code()).await?;
    rules::check_movement(m.book, m.direction, m.category, m.amount_fen, balance)
        .map_err(field("amount_fen"))?;
    Ok(write_movement(
        tx,
        Movement {
            community_id: community,
            community: name,
            book: m.book,
            direction: m.direction,
            category: m.category,
            amount_fen: m.amount_fen,
            purpose,
            counterparty,
            approval,
            occurred_on,
            receipt: receipt.map(|d| (d.id, d.sha256)),
            reverses: None,
            recorded_by: by,
            now,
        },
    )
    .await?)
}

/// Publishes a file for everyone (a receipt, a plan) inside the caller's transaction, with
/// its hash on the ledger: (document id, ledger index). PDF, JPEG, PNG or WebP, ≤ 5 MiB.
#[allow(clippy::too_many_arguments)]
pub async fn publish_file_in(
    st: &AppState,
    tx: &mut crate::db::Tx,
    community: i64,
    kind: DocKind,
    title: &str,
    bytes: &[u8],
    by: Option<i64>,
    now: i64,
) -> AppResult<(i64, u64)> {
    let name = community_name(st, community)?;
    let title = rules::check_text(title, 120).map_err(field("title"))?;
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::Invalid {
            code: "DOC_FILE_TOO_LARGE",
            field: Some("data"),
        });
    }
    let media_type = crate::mediation::service::sniff(bytes).ok_or(AppError::Invalid {
        code: "DOC_FILE_INVALID",
        field: Some("data"),
    })?;
    Ok(write_document(
        tx,
        Document {
            community_id: community,
            community: name,
            kind,
            title,
            media_type,
            content: bytes,
            published_by: by,
            now,
        },
    )
    .await?)
}

/// Movements by id (public), in id order.
pub async fn movements_by_id(st: &AppState, ids: &[i64]) -> AppResult<Vec<MovementView>> {
    let mut tx = st.db.read().await?;
    movements_in(&mut tx, ids).await
}

/// Movements by id inside the caller's transaction, in id order.
pub async fn movements_in(tx: &mut crate::db::Tx, ids: &[i64]) -> AppResult<Vec<MovementView>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(m) = store::movement(tx, *id).await? {
            out.push(m.into());
        }
    }
    Ok(out)
}

/// A community's books, movements and documents (public).
pub async fn books(st: &AppState, community: i64) -> AppResult<BooksView> {
    let name = community_name(st, community)?;
    let mut tx = st.db.read().await?;
    let totals = store::totals(&mut tx).await?;
    let movements = store::movements(&mut tx, community, SHOWN).await?;
    let documents = store::documents(&mut tx, community, SHOWN).await?;
    let books = book_views(&totals, community);
    Ok(BooksView {
        community_id: community,
        community: name,
        books,
        movements: movements.into_iter().map(Into::into).collect(),
        documents: documents.into_iter().map(Into::into).collect(),
    })
}

/// Both books of a community from the per-book totals.
fn book_views(totals: &[(i64, String, i64, i64, i64)], community: i64) -> Vec<BookView> {
    Book::ALL
        .into_iter()
        .map(|b| {
            let (i, o, n) = totals
                .iter()
                .find(|(c, bk, ..)| *c == community && bk == b.code())
                .map(|(_, _, i, o, n)| (*i, *o, *n))
                .unwrap_or((0, 0, 0));
            book_view(b, i, o, n)
        })
        .collect()
}

fn book_view(b: Book, income: i64, spending: i64, n: i64) -> BookView {
    BookView {
        book: b.code().into(),
        name: b.name_zh().into(),
        income_fen: income,
        spending_fen: spending,
        balance_fen: income - spending,
        balance_yuan: rules::yuan(income - spending),
        income_yuan: rules::yuan(income),
        spending_yuan: rules::yuan(spending),
        movements: n,
    }
}

/// Every community with the balances of its books (public).
pub async fn overview(st: &AppState) -> AppResult<Vec<(i64, String, Vec<BookView>)>> {
    let mut tx = st.db.read().await?;
    let totals = store::totals(&mut tx).await?;
    Ok(st
        .org_map()
        .communities()
        .into_iter()
        .map(|(id, name, _)| (id, name, book_views(&totals, id)))
        .collect())
}

/// A published document's file (public).
pub async fn content(st: &AppState, id: i64) -> AppResult<(String, Vec<u8>)> {
    let mut tx = st.db.read().await?;
    store::content(&mut tx, id).await?.ok_or(AppError::NotFound)
}
