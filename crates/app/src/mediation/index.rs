//! The similar-case index: tantivy with jieba words (search mode) over the case base —
//! published reference cases and the disputes filed here. The index is derived data: it is
//! rebuilt from the database (never the source of truth) and can be thrown away at any time.
//!
//! A query is the account of the dispute in front of the mediator. A mediator trusts the
//! cases shown when they are the same kind of dispute, so the account's type is decided
//! first ([`TypeModel`], trained on the indexed cases) and the cases of the likeliest type
//! come first, then those of the next type. Within a type, the account's most telling words
//! (see [`QUERY_TERMS`]) become an OR of term queries, each boosted by how often it occurs,
//! scored with BM25 — the "more like this" of a search engine. Who may see which case is a
//! filter on stored fields, applied inside the search so that the top k are all visible.

use std::sync::Arc;

use gongzhi_core::classify::tokenizer;
use gongzhi_core::mediation::search::query_words;
use gongzhi_core::mediation::{DisputeType, Labelled, TypeModel};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery, TermSetQuery};
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};

/// Words of the account considered (the most frequent first).
pub const QUERY_WORDS: usize = 64;
/// Of those, the most telling (tf·idf) that the query uses.
pub const QUERY_TERMS: usize = 32;
const TOKENIZER: &str = "gz_jieba";

/// jieba in search mode, with gongzhi's community words and stop words (see
/// `gongzhi_core::classify::features`); ASCII lower-cased.
#[derive(Clone, Default)]
pub struct JiebaTokenizer;

pub struct JiebaStream {
    tokens: Vec<Token>,
    i: usize,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = JiebaStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaStream {
        let tokens = tokenizer()
            .search_words(text)
            .into_iter()
            .enumerate()
            .map(|(position, (from, to, w))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text: w.to_ascii_lowercase(),
                position_length: 1,
            })
            .collect();
        JiebaStream { tokens, i: 0 }
    }
}

impl TokenStream for JiebaStream {
    fn advance(&mut self) -> bool {
        if self.i < self.tokens.len() {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.i - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.i - 1]
    }
}

/// Length of a highlighted passage, in characters.
pub const PASSAGE_CHARS: usize = 80;

/// The passage of `body` (about `max_chars` long) holding the most distinct `words`, with
/// them marked; `None` if none occurs. Our own rather than tantivy's snippet generator,
/// which miscomputes offsets when tokens overlap (jieba's search mode yields 加装电梯 and
/// 电梯 at once: a subtraction overflow in debug builds, a panic on slicing in release).
pub fn passage(
    body: &str,
    words: &std::collections::HashSet<String>,
    max_chars: usize,
) -> Option<Vec<Part>> {
    let hits: Vec<(usize, usize)> = tokenizer()
        .search_words(body)
        .into_iter()
        .filter(|(_, _, w)| words.contains(&w.to_ascii_lowercase()))
        .map(|(a, b, _)| (a, b))
        .collect();
    if hits.is_empty() {
        return None;
    }
    let bounds: Vec<usize> = body
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(body.len()))
        .collect();
    let char_at = |byte: usize| bounds.partition_point(|&b| b < byte);
    let last = bounds.len() - 1;
    // (distinct words, start, end): the window that starts a little before a hit and holds
    // the most distinct words; the earliest wins ties.
    let mut best = (0usize, 0usize, 0usize);
    for &(a, _) in &hits {
        let from = char_at(a).saturating_sub(8);
        let (s, e) = (bounds[from], bounds[(from + max_chars).min(last)]);
        let distinct = hits
            .iter()
            .filter(|(x, y)| *x >= s && *y <= e)
            .map(|(x, y)| &body[*x..*y])
            .collect::<std::collections::HashSet<&str>>()
            .len();
        if distinct > best.0 {
            best = (distinct, s, e);
        }
    }
    let (_, s, e) = best;
    let ranges: Vec<std::ops::Range<usize>> = hits
        .iter()
        .filter(|(x, y)| *x >= s && *y <= e)
        .map(|(x, y)| x - s..y - s)
        .collect();
    let mut out = vec![];
    if s > 0 {
        out.push(Part {
            text: "…".into(),
            hit: false,
        });
    }
    out.extend(mark(&body[s..e], &ranges));
    if e < body.len() {
        out.push(Part {
            text: "…".into(),
            hit: false,
        });
    }
    Some(out)
}

/// A piece of a passage: text, and whether it is one of the query's words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Part {
    pub text: String,
    pub hit: bool,
}

/// A passage marked up for the web: the query's words in `<b>…</b>`, everything else
/// escaped by askama's HTML escaper.
#[derive(askama::Template)]
#[template(
    source = "{% for p in parts %}{% if p.hit %}<b>{{ p.text }}</b>{% else %}{{ p.text }}{% endif %}{% endfor %}",
    ext = "html"
)]
pub struct Marked<'a> {
    pub parts: &'a [Part],
}

/// `fragment` cut into parts with the `ranges` marked. Search-mode words overlap (加装电梯
/// and 电梯 inside it), so the ranges are merged first.
pub fn mark(fragment: &str, ranges: &[std::ops::Range<usize>]) -> Vec<Part> {
    let mut rs: Vec<std::ops::Range<usize>> = ranges
        .iter()
        .filter(|r| {
            r.start < r.end
                && r.end <= fragment.len()
                && fragment.is_char_boundary(r.start)
                && fragment.is_char_boundary(r.end)
        })
        .cloned()
        .collect();
    rs.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = vec![];
    for r in rs {
        match merged.last_mut() {
            Some(m) if r.start <= m.end => m.end = m.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let mut out = Vec::with_capacity(2 * merged.len() + 1);
    let mut push = |text: &str, hit: bool| {
        if !text.is_empty() {
            out.push(Part {
                text: text.to_string(),
                hit,
            });
        }
    };
    let mut at = 0;
    for r in merged {
        push(&fragment[at..r.start], false);
        push(&fragment[r.start..r.end], true);
        at = r.end;
    }
    push(&fragment[at..], false);
    out
}

/// One case as indexed.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Unique in the index: `p:<n>` for a published case, `d:<id>` for a dispute.
    pub key: String,
    pub id: i64,
    /// The dispute type's name (`社区邻里纠纷`).
    pub dtype: String,
    pub title: String,
    pub body: String,
    /// How it ended (`调解成功（社区）`; for a published case, empty: its account says).
    pub outcome: String,
    /// Who may see it: `public` (a published reference case), `c:<community id>` (the
    /// supervisors of that community), `s:<street id>`, `u:<user id>` (each party and
    /// mediator).
    pub access: Vec<String>,
}

/// One result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// `published` (a reference case) or `dispute` (one filed here).
    pub source: &'static str,
    pub id: i64,
    pub dtype: String,
    pub title: String,
    pub outcome: String,
    pub score: f32,
    /// Passages of the case with the matching words marked.
    pub highlights: Vec<Vec<Part>>,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    id: Field,
    dtype: Field,
    title: Field,
    body: Field,
    outcome: Field,
    access: Field,
}

/// The results gathered so far across a search's type-by-type queries.
struct Found {
    k: usize,
    wanted: std::collections::HashSet<String>,
    titles: std::collections::HashSet<String>,
    out: Vec<Hit>,
}

impl Found {
    fn full(&self) -> bool {
        self.out.len() >= self.k
    }
}

/// Disputes filed here kept to train the type model (the newest; the published cases are
/// always kept): enough to learn how residents put things, few enough to retrain in a
/// moment.
const TRAIN_DISPUTES: usize = 3_000;
/// The type model is retrained once this many new cases have been indexed.
const RETRAIN_AFTER: usize = 25;

/// The labelled accounts the type model learns from, and how many arrived since it last did.
#[derive(Default)]
struct Training {
    published: Vec<(&'static str, String)>,
    disputes: std::collections::VecDeque<(String, &'static str, String)>,
    fresh: usize,
    trained: bool,
}

/// The index and its reader.
#[derive(Clone)]
pub struct CaseIndex {
    reader: IndexReader,
    f: Fields,
    writer: Arc<std::sync::Mutex<IndexWriter>>,
    training: Arc<std::sync::Mutex<Training>>,
    types: Arc<std::sync::RwLock<Arc<TypeModel>>>,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    b.add_text_field("key", STRING | STORED);
    b.add_i64_field("id", STORED);
    b.add_text_field("type", STRING | STORED);
    b.add_text_field("title", text.clone());
    b.add_text_field("body", text);
    b.add_text_field("outcome", STORED);
    b.add_text_field("access", STRING);
    b.build()
}

impl CaseIndex {
    /// A new empty index in memory, or in `dir` (emptied first).
    pub fn create(dir: Option<&std::path::Path>) -> tantivy::Result<CaseIndex> {
        let index = match dir {
            None => Index::create_in_ram(schema()),
            Some(d) => {
                if d.exists() {
                    std::fs::remove_dir_all(d)?;
                }
                std::fs::create_dir_all(d)?;
                Index::create_in_dir(d, schema())?
            }
        };
        Self::ready(index)
    }

    /// Opens an index built earlier in `dir`.
    pub fn open(dir: &std::path::Path) -> tantivy::Result<CaseIndex> {
        Self::ready(Index::open_in_dir(dir)?)
    }

    /// The tokenizer registered, the fields found, a reader and a writer.
    fn ready(index: Index) -> tantivy::Result<CaseIndex> {
        index.tokenizers().register(TOKENIZER, JiebaTokenizer);
        let sc = index.schema();
        let f = Fields {
            key: sc.get_field("key")?,
            id: sc.get_field("id")?,
            dtype: sc.get_field("type")?,
            title: sc.get_field("title")?,
            body: sc.get_field("body")?,
            outcome: sc.get_field("outcome")?,
            access: sc.get_field("access")?,
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer(100_000_000)?;
        Ok(CaseIndex {
            reader,
            f,
            writer: Arc::new(std::sync::Mutex::new(writer)),
            training: Arc::default(),
            types: Arc::new(std::sync::RwLock::new(Arc::new(TypeModel::train(&[])))),
        })
    }

    /// Adds (or replaces) cases; visible to searches after [`CaseIndex::commit`].
    pub fn add(&self, docs: &[Doc]) -> tantivy::Result<()> {
        {
            let mut t = self.training.lock().unwrap_or_else(|e| e.into_inner());
            for d in docs {
                let Some(ty) = DisputeType::by_name(&d.dtype) else {
                    continue;
                };
                if d.key.starts_with("p:") {
                    t.published.push((ty.code, d.body.clone()));
                } else {
                    t.disputes.retain(|(k, ..)| *k != d.key);
                    t.disputes
                        .push_back((d.key.clone(), ty.code, d.body.clone()));
                    if t.disputes.len() > TRAIN_DISPUTES {
                        t.disputes.pop_front();
                    }
                }
                t.fresh += 1;
            }
        }
        let w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        for d in docs {
            w.delete_term(Term::from_field_text(self.f.key, &d.key));
            let mut td = doc!(
                self.f.key => d.key.as_str(),
                self.f.id => d.id,
                self.f.dtype => d.dtype.as_str(),
                self.f.title => d.title.as_str(),
                self.f.body => d.body.as_str(),
                self.f.outcome => d.outcome.as_str(),
            );
            for a in &d.access {
                td.add_text(self.f.access, a);
            }
            w.add_document(td)?;
        }
        Ok(())
    }

    /// Removes a case (by key); gone from searches after [`CaseIndex::commit`].
    pub fn remove(&self, key: &str) {
        let w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        w.delete_term(Term::from_field_text(self.f.key, key));
    }

    /// Makes everything added so far searchable, and retrains the type model when enough
    /// new cases arrived.
    pub fn commit(&self) -> tantivy::Result<()> {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .commit()?;
        self.reader.reload()?;
        let retrain = {
            let t = self.training.lock().unwrap_or_else(|e| e.into_inner());
            t.fresh >= RETRAIN_AFTER || (t.fresh > 0 && !t.trained)
        };
        if retrain {
            self.retrain();
        }
        Ok(())
    }

    /// Trains the type model on the published cases and the newest disputes. A model
    /// trained on the same cases before in this process (every index starts from the same
    /// published cases) is reused.
    pub fn retrain(&self) {
        static LAST: std::sync::Mutex<Option<(u64, Arc<TypeModel>)>> = std::sync::Mutex::new(None);
        let examples: Vec<(&'static str, String)> = {
            let mut t = self.training.lock().unwrap_or_else(|e| e.into_inner());
            t.fresh = 0;
            t.trained = true;
            t.published
                .iter()
                .cloned()
                .chain(t.disputes.iter().map(|(_, c, x)| (*c, x.clone())))
                .collect()
        };
        let key = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            examples.hash(&mut h);
            h.finish()
        };
        let cached = LAST
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, m)| m.clone());
        let model = cached.unwrap_or_else(|| {
            let labelled: Vec<Labelled<'_>> = examples
                .iter()
                .map(|(dtype, text)| Labelled { dtype, text })
                .collect();
            let m = Arc::new(TypeModel::train(&labelled));
            *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, m.clone()));
            m
        });
        *self.types.write().unwrap_or_else(|e| e.into_inner()) = model;
    }

    /// The type model in use.
    pub fn types(&self) -> Arc<TypeModel> {
        self.types.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until background segment merges are done (for a benchmark's steady state).
    pub fn wait_merging(self) -> tantivy::Result<()> {
        match Arc::try_unwrap(self.writer) {
            Ok(w) => w
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .wait_merging_threads(),
            Err(_) => Ok(()),
        }
    }

    /// The `k` cases most like `text` among those `access` admits (any of its keys; `None`:
    /// all), leaving out the case keyed `exclude`: those of the likeliest type first (BM25
    /// within it), then the next type's.
    pub fn similar(
        &self,
        text: &str,
        k: usize,
        access: Option<&[String]>,
        exclude: Option<&str>,
    ) -> tantivy::Result<Vec<Hit>> {
        self.similar_by(&self.types(), text, k, access, exclude)
    }

    /// [`CaseIndex::similar`] with the types ranked by `types` (the leave-one-out measure
    /// trains one without the query).
    pub fn similar_by(
        &self,
        types: &TypeModel,
        text: &str,
        k: usize,
        access: Option<&[String]>,
        exclude: Option<&str>,
    ) -> tantivy::Result<Vec<Hit>> {
        let words = query_words(text, QUERY_WORDS);
        if words.is_empty() || k == 0 {
            return Ok(vec![]);
        }
        // The account's most telling words against the body: tf·idf over the index, at most
        // QUERY_TERMS of them. Words in almost every case (对方, 调解) add little to the
        // ranking and much to the time: their posting lists are the longest.
        let searcher = self.reader.searcher();
        let n = searcher.num_docs() as f32;
        let mut picked: Vec<(Term, f32, f32)> = vec![];
        for (w, c) in &words {
            let term = Term::from_field_text(self.f.body, &w.to_ascii_lowercase());
            let df = searcher.doc_freq(&term)? as f32;
            if df == 0.0 {
                continue;
            }
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            // A word said twice counts more, not twice as much.
            let tf = 1.0 + (*c as f32).ln();
            picked.push((term, tf, tf * idf));
        }
        picked.sort_by(|a, b| b.2.total_cmp(&a.2));
        picked.truncate(QUERY_TERMS);
        let should: Vec<(Occur, Box<dyn Query>)> = picked
            .into_iter()
            .map(|(term, tf, _)| {
                let tq = TermQuery::new(term, IndexRecordOption::WithFreqs);
                let q: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(tq), tf));
                (Occur::Should, q)
            })
            .collect();
        let text_q: Option<Box<dyn Query>> =
            (!should.is_empty()).then(|| Box::new(BooleanQuery::new(should)) as Box<dyn Query>);
        let mut filters: Vec<(Occur, Box<dyn Query>)> = vec![];
        if let Some(keys) = access {
            let terms = keys.iter().map(|a| Term::from_field_text(self.f.access, a));
            filters.push((Occur::Must, Box::new(TermSetQuery::new(terms))));
        }
        if let Some(key) = exclude {
            filters.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.f.key, key),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let wanted: std::collections::HashSet<String> =
            words.iter().map(|(w, _)| w.to_ascii_lowercase()).collect();
        let mut found = Found {
            k,
            wanted,
            titles: std::collections::HashSet::new(),
            out: Vec::with_capacity(k),
        };
        // Type by type, best first: the cases sharing the account's words (BM25), then, if
        // the type has too few of those, its other cases.
        for (code, _) in types.rank(text) {
            if found.full() {
                break;
            }
            let Some(ty) = DisputeType::by_code(code) else {
                continue;
            };
            let of_type: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(self.f.dtype, ty.name),
                IndexRecordOption::Basic,
            ));
            let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Must, of_type.box_clone())];
            clauses.extend(filters.iter().map(|(o, q)| (*o, q.box_clone())));
            if let Some(t) = &text_q {
                let mut with_words = clauses
                    .iter()
                    .map(|(o, q)| (*o, q.box_clone()))
                    .collect::<Vec<_>>();
                with_words.push((Occur::Must, t.box_clone()));
                self.collect(&searcher, &BooleanQuery::new(with_words), &mut found)?;
            }
            if !found.full() {
                self.collect(&searcher, &BooleanQuery::new(clauses), &mut found)?;
            }
        }
        // Cases of a type of the community's own (X.…) only when nothing else fills the list.
        if !found.full()
            && let Some(t) = &text_q
        {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, t.box_clone())];
            clauses.extend(filters.iter().map(|(o, q)| (*o, q.box_clone())));
            self.collect(&searcher, &BooleanQuery::new(clauses), &mut found)?;
        }
        Ok(found.out)
    }

    /// Adds the best hits of `query` to `found` until it holds `k` cases. Cases told in the
    /// same words (the same title) count once; documents are read only until `k` are found.
    fn collect(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        found: &mut Found,
    ) -> tantivy::Result<()> {
        let room = found.k - found.out.len();
        let top = searcher.search(query, &TopDocs::with_limit(10 * room).order_by_score())?;
        for (score, addr) in top {
            if found.full() {
                break;
            }
            let d: TantivyDocument = searcher.doc(addr)?;
            let get = |f: Field| {
                d.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let title = get(self.f.title);
            if !found.titles.insert(title.clone()) {
                continue;
            }
            let highlights = passage(&get(self.f.body), &found.wanted, PASSAGE_CHARS)
                .into_iter()
                .collect();
            let source = if get(self.f.key).starts_with("d:") {
                "dispute"
            } else {
                "published"
            };
            found.out.push(Hit {
                source,
                outcome: get(self.f.outcome),
                id: d.get_first(self.f.id).and_then(|v| v.as_i64()).unwrap_or(0),
                dtype: get(self.f.dtype),
                title,
                score,
                highlights,
            });
        }
        Ok(())
    }

    /// On-disk size of the index in bytes (0 in memory).
    pub fn size_on_disk(dir: &std::path::Path) -> u64 {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}
