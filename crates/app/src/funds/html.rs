//! The 公示 pages, public (no sign-in): every community's books, a community's movements
//! and documents (with forms for the staff who keep them), one ledger entry with its
//! proof and an in-browser check, and the published files.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gongzhi_core::ledger::{Book, Category, DocKind};
use gongzhi_core::tlog::{Checkpoint, leaf_hash};
use serde::Deserialize;

use super::service::{self, BookView, BooksView, MovementRequest};
use crate::clock::format_cn;
use crate::error::{AppError, AppResult};
use crate::ledger::service as ledger;
use crate::state::AppState;
use crate::web::{AuthUser, Ctx, Layout};

fn render<T: Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| AppError::Internal(e.into()))?))
}

/// The latest signed checkpoint, parsed: (size, root base64, note).
async fn checkpoint(st: &AppState) -> AppResult<(u64, String, String)> {
    let signer = st.ledger_signer()?;
    let (size, note) = ledger::latest(&st.db, &signer, st.now_ms()).await?;
    let cp = Checkpoint::open(&note, &signer.vkey)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored checkpoint: {e}")))?;
    Ok((size, STANDARD.encode(cp.root), note))
}

#[derive(Template)]
#[template(path = "funds/templates/overview.html")]
struct OverviewPage {
    layout: Layout,
    rows: Vec<(i64, String, Vec<BookView>)>,
    book_names: Vec<&'static str>,
    size: u64,
    root: String,
    note: String,
    vkey: String,
    origin_url: String,
}

impl OverviewPage {
    fn count(&self, books: &[BookView]) -> i64 {
        books.iter().map(|b| b.movements).sum()
    }
}

/// The base URL a verifier would use: the Host the page was asked on.
fn origin_url(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

pub async fn overview(
    State(st): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> AppResult<Html<String>> {
    let (size, root, note) = checkpoint(&st).await?;
    render(&OverviewPage {
        layout: Layout::new(&st, &ctx, "gongshi.title", "/gongshi"),
        rows: service::overview(&st).await?,
        book_names: Book::ALL.iter().map(|b| b.code()).collect(),
        size,
        root,
        note,
        vkey: st.ledger_signer()?.vkey,
        origin_url: origin_url(&headers),
    })
}

#[derive(Template)]
#[template(path = "funds/templates/community.html")]
struct CommunityPage {
    layout: Layout,
    v: BooksView,
    keeps: bool,
    flash: &'static str,
    books: Vec<(&'static str, &'static str)>,
    incomes: Vec<(&'static str, &'static str)>,
    spendings: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    today: String,
    /// A fresh idempotency key for the movement form.
    idem: String,
}

impl CommunityPage {
    fn date(&self, ms: &i64) -> String {
        format_cn(*ms)
    }
    fn size(&self, b: &i64) -> String {
        if *b >= 1 << 20 {
            format!("{:.1} MB", *b as f64 / (1 << 20) as f64)
        } else {
            format!("{} KB", (*b + 1023) / 1024)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct Flags {
    pub recorded: Option<String>,
}

pub async fn community(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(flags): Query<Flags>,
) -> AppResult<Html<String>> {
    let v = service::books(&st, id).await?;
    let keeps = ctx
        .user
        .as_ref()
        .is_some_and(|u| service::keeps_books(&st, u, id));
    let pairs = |dir| {
        Category::ALL
            .into_iter()
            .filter(|c| c.direction() == Some(dir))
            .map(|c| (c.code(), c.name_zh()))
            .collect::<Vec<_>>()
    };
    let layout = Layout::new(&st, &ctx, "gongshi.title", "/gongshi");
    render(&CommunityPage {
        flash: if flags.recorded.is_some() {
            layout.t("gongshi.recorded")
        } else {
            ""
        },
        layout,
        v,
        keeps,
        books: Book::ALL.iter().map(|b| (b.code(), b.name_zh())).collect(),
        incomes: pairs(gongzhi_core::ledger::Direction::In),
        spendings: pairs(gongzhi_core::ledger::Direction::Out),
        kinds: DocKind::ALL
            .iter()
            .map(|k| (k.code(), k.name_zh()))
            .collect(),
        today: crate::clock::date_cn(st.now_ms()),
        idem: crate::idempotency::new_key(),
    })
}

#[derive(Debug, Deserialize)]
pub struct MovementForm {
    pub book: String,
    pub category: String,
    /// Yuan, e.g. `12,345.60`.
    pub amount: String,
    pub purpose: String,
    pub counterparty: String,
    pub is_person: Option<String>,
    pub approval: String,
    pub occurred_on: String,
    pub receipt_id: Option<String>,
    /// The idempotency key drawn into the form: a double submit records once.
    pub idem: Option<String>,
}

pub async fn record(
    State(st): State<AppState>,
    AuthUser(user, _): AuthUser,
    Path(id): Path<i64>,
    Form(f): Form<MovementForm>,
) -> AppResult<Redirect> {
    let category = Category::parse(&f.category).map_err(|e| AppError::field("category", e))?;
    let amount_fen = gongzhi_core::ledger::parse_yuan(&f.amount)
        .map_err(|e| AppError::field("amount_fen", e))?;
    let req = MovementRequest {
        book: f.book,
        direction: category
            .direction()
            .map(|d| d.code())
            .unwrap_or("in")
            .into(),
        category: f.category,
        amount_fen,
        purpose: f.purpose,
        counterparty: f.counterparty,
        counterparty_is_person: f.is_person.is_some(),
        approval: f.approval,
        occurred_on: f.occurred_on,
        receipt_id: f
            .receipt_id
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim().parse().map_err(|_| AppError::Invalid {
                    code: "FUND_RECEIPT_INVALID",
                    field: Some("receipt_id"),
                })
            })
            .transpose()?,
        reverses: None,
    };
    let key = crate::idempotency::Key::from_form(f.idem.as_deref())?;
    service::record(&st, &user, id, &req, key.as_ref()).await?;
    Ok(Redirect::to(&format!(
        "/gongshi/communities/{id}?recorded=1#movements"
    )))
}

#[derive(Template)]
#[template(path = "funds/templates/entry.html")]
struct EntryPage {
    layout: Layout,
    index: u64,
    kind: String,
    kind_name: &'static str,
    canonical: String,
    leaf: String,
    appended: String,
    /// (tree size, proof hashes, root) when a checkpoint covers the entry.
    proof: Option<(u64, Vec<String>, String)>,
    checkpoint_root: String,
    note: String,
}

pub async fn entry(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(index): Path<u64>,
) -> AppResult<Html<String>> {
    let (kind, body, at) = ledger::entry(&st.db, index)
        .await?
        .ok_or(AppError::NotFound)?;
    let (size, checkpoint_root, note) = checkpoint(&st).await?;
    let proof = if index < size {
        let (path, root) = ledger::inclusion(&st.db, index, size).await?;
        Some((
            size,
            path.iter().map(|h| STANDARD.encode(h)).collect(),
            STANDARD.encode(root),
        ))
    } else {
        None
    };
    render(&EntryPage {
        layout: Layout::new(&st, &ctx, "gongshi.entry_title", "/gongshi"),
        index,
        kind_name: match kind.as_str() {
            "fund.movement" => "gongshi.type_fund",
            "document.published" => "gongshi.type_document",
            "vote" => "gongshi.type_vote",
            _ => "gongshi.type_agreement",
        },
        kind,
        leaf: STANDARD.encode(leaf_hash(&body)),
        canonical: String::from_utf8_lossy(&body).into_owned(),
        appended: format_cn(at),
        proof,
        checkpoint_root,
        note,
    })
}

/// A published file, as it was hashed.
pub async fn document(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Response> {
    let (media_type, bytes) = service::content(&st, id).await?;
    Ok(crate::web::file_response(
        media_type,
        "public, max-age=86400",
        bytes,
    ))
}
