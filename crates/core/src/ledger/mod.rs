//! What the public ledger records: typed, versioned entries written as canonical JSON (keys
//! sorted at every depth, no insignificant whitespace, integers only, UTF-8 — the RFC 8785
//! form for the values used here), so the same entry always has the same bytes and the same
//! leaf hash. Personal data never enters an entry: a person appears only masked (`张*`)
//! or as a keyed pseudonym (PIPL art. 25); the app does the masking before it builds one.
//!
//! The public account books' rules (books, directions, categories, and the balance a
//! spending may not exceed) are in `books`.

use serde::{Deserialize, Serialize};

mod books;

pub use books::*;

/// The entry format's version, written in every entry as `"v"`.
pub const VERSION: u32 = 1;
/// C2SP entry bundles prefix each entry with a 16-bit length.
pub const MAX_ENTRY_BYTES: usize = 65_535;
/// 10 亿元 in fen: no single movement of a community fund is larger.
pub const MAX_AMOUNT_FEN: i64 = 100_000_000_000;

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Entry {
    /// Money into or out of a public account book.
    #[serde(rename = "fund.movement")]
    Fund(FundMovement),
    /// A published document (公示): minutes, a contract, a receipt — its hash and metadata.
    #[serde(rename = "document.published")]
    Document(PublishedDocument),
    /// A mediation agreement that the parties confirmed: its hash under a pseudonym.
    #[serde(rename = "mediation.agreement")]
    Agreement(AgreementRecord),
    /// An owners' vote (业主共同决定): its opening, each ballot under a pseudonym, its close.
    #[serde(rename = "vote")]
    Vote(VoteRecord),
}

/// The three moments of an owners' vote on the log; `event` says which. Areas are in
/// ten-thousandths of a m² (integers, exact), as the register holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum VoteRecord {
    Opened(VoteOpened),
    Ballot(VoteBallot),
    Closed(VoteClosed),
}

/// A vote opened: what is decided, how it passes, and the register it counts against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteOpened {
    pub v: u32,
    /// The vote's id (its public page is `/votes/{id}`).
    pub vote: i64,
    pub community_id: i64,
    /// `building` or `compound`.
    pub scope: String,
    pub scope_id: i64,
    /// One of art. 278's matters.
    pub matter: String,
    /// `major` or `ordinary`.
    pub class: String,
    pub title: String,
    pub options: Vec<String>,
    /// The community's local rules at opening: whether owners may vote online, and whether
    /// non-voters are counted with the majority (`gongzhi votes tally --non-voters-follow`).
    pub online_voting: bool,
    pub non_voters_follow: bool,
    /// SHA-256 (hex) of the published register file (`register.csv`) as frozen.
    pub register_sha256: String,
    pub total_area_e4: i64,
    pub total_heads: i64,
    pub opens_ms: i64,
    pub closes_ms: i64,
    pub recorded_ms: i64,
}

/// A ballot: a keyed pseudonym of the owner (the one in the public files), never a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteBallot {
    pub v: u32,
    pub vote: i64,
    pub community_id: i64,
    pub owner: String,
    /// `agree`, `disagree` or `abstain`.
    pub choice: String,
    /// `online`, `paper`, `proxy` or `door`.
    pub channel: String,
    pub recorded_ms: i64,
}

/// A vote closed: the count of that moment and the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteClosed {
    pub v: u32,
    pub vote: i64,
    pub community_id: i64,
    pub matter: String,
    pub class: String,
    pub total_area_e4: i64,
    pub total_heads: i64,
    pub participating_area_e4: i64,
    pub participating_heads: i64,
    pub agree_area_e4: i64,
    pub agree_heads: i64,
    pub quorum: bool,
    pub passed: bool,
    /// SHA-256 (hex) of the published ballots file (`ballots.csv`) at closing.
    pub ballots_sha256: String,
    pub recorded_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundMovement {
    pub v: u32,
    /// The app's record (`fund:123`), for cross-checking the books against the log.
    pub record: String,
    pub community_id: i64,
    pub community: String,
    pub book: Book,
    pub direction: Direction,
    pub category: Category,
    pub amount_fen: i64,
    pub purpose: String,
    /// The payer of an income or the payee of a spending; a person only masked.
    pub counterparty: String,
    /// The decision that allowed it (`业主大会2026年第2次会议表决通过`).
    pub approval: String,
    /// The day it happened, `YYYY-MM-DD`.
    pub occurred_on: String,
    /// SHA-256 (hex) of the receipt published with it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_sha256: Option<String>,
    /// The record this movement reverses (冲正): a mistake is corrected by a new entry,
    /// never by an edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
    pub recorded_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedDocument {
    pub v: u32,
    pub record: String,
    pub community_id: i64,
    pub community: String,
    pub kind: DocKind,
    pub title: String,
    pub media_type: String,
    pub bytes: i64,
    pub sha256: String,
    pub recorded_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementRecord {
    pub v: u32,
    /// A keyed pseudonym of the dispute (the same dispute always gets the same one; it
    /// cannot be turned back into the dispute without the platform's key).
    pub dispute: String,
    pub version: i64,
    /// SHA-256 (hex) of the agreement's terms as the parties confirmed them.
    pub sha256: String,
    /// The rung of the ladder that resolved it: community, street or district.
    pub level: String,
    pub community_id: i64,
    pub recorded_ms: i64,
}

impl Entry {
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Fund(_) => "fund.movement",
            Entry::Document(_) => "document.published",
            Entry::Agreement(_) => "mediation.agreement",
            Entry::Vote(_) => "vote",
        }
    }

    /// The entry's canonical bytes (what the log hashes): the fields written straight in
    /// sorted order (a test holds this equal to [`write_canonical`] of the entry's JSON).
    pub fn canonical(&self) -> Vec<u8> {
        let mut w = Canon(Vec::with_capacity(512), b'{');
        match self {
            Entry::Fund(f) => {
                w.int("amount_fen", f.amount_fen);
                w.str("approval", &f.approval);
                w.str("book", f.book.code());
                w.str("category", f.category.code());
                w.str("community", &f.community);
                w.int("community_id", f.community_id);
                w.str("counterparty", &f.counterparty);
                w.str("direction", f.direction.code());
                w.str("occurred_on", &f.occurred_on);
                w.str("purpose", &f.purpose);
                if let Some(r) = &f.receipt_sha256 {
                    w.str("receipt_sha256", r);
                }
                w.str("record", &f.record);
                w.int("recorded_ms", f.recorded_ms);
                if let Some(r) = &f.reverses {
                    w.str("reverses", r);
                }
                w.str("type", self.kind());
                w.int("v", i64::from(f.v));
            }
            Entry::Document(d) => {
                w.int("bytes", d.bytes);
                w.str("community", &d.community);
                w.int("community_id", d.community_id);
                w.str("kind", d.kind.code());
                w.str("media_type", &d.media_type);
                w.str("record", &d.record);
                w.int("recorded_ms", d.recorded_ms);
                w.str("sha256", &d.sha256);
                w.str("title", &d.title);
                w.str("type", self.kind());
                w.int("v", i64::from(d.v));
            }
            Entry::Agreement(a) => {
                w.int("community_id", a.community_id);
                w.str("dispute", &a.dispute);
                w.str("level", &a.level);
                w.int("recorded_ms", a.recorded_ms);
                w.str("sha256", &a.sha256);
                w.str("type", self.kind());
                w.int("v", i64::from(a.v));
                w.int("version", a.version);
            }
            Entry::Vote(VoteRecord::Opened(o)) => {
                w.str("class", &o.class);
                w.int("closes_ms", o.closes_ms);
                w.int("community_id", o.community_id);
                w.str("event", "opened");
                w.str("matter", &o.matter);
                w.bool("non_voters_follow", o.non_voters_follow);
                w.bool("online_voting", o.online_voting);
                w.int("opens_ms", o.opens_ms);
                w.strs("options", &o.options);
                w.int("recorded_ms", o.recorded_ms);
                w.str("register_sha256", &o.register_sha256);
                w.str("scope", &o.scope);
                w.int("scope_id", o.scope_id);
                w.str("title", &o.title);
                w.int("total_area_e4", o.total_area_e4);
                w.int("total_heads", o.total_heads);
                w.str("type", self.kind());
                w.int("v", i64::from(o.v));
                w.int("vote", o.vote);
            }
            Entry::Vote(VoteRecord::Ballot(b)) => {
                w.str("channel", &b.channel);
                w.str("choice", &b.choice);
                w.int("community_id", b.community_id);
                w.str("event", "ballot");
                w.str("owner", &b.owner);
                w.int("recorded_ms", b.recorded_ms);
                w.str("type", self.kind());
                w.int("v", i64::from(b.v));
                w.int("vote", b.vote);
            }
            Entry::Vote(VoteRecord::Closed(c)) => {
                w.int("agree_area_e4", c.agree_area_e4);
                w.int("agree_heads", c.agree_heads);
                w.str("ballots_sha256", &c.ballots_sha256);
                w.str("class", &c.class);
                w.int("community_id", c.community_id);
                w.str("event", "closed");
                w.str("matter", &c.matter);
                w.int("participating_area_e4", c.participating_area_e4);
                w.int("participating_heads", c.participating_heads);
                w.bool("passed", c.passed);
                w.bool("quorum", c.quorum);
                w.int("recorded_ms", c.recorded_ms);
                w.int("total_area_e4", c.total_area_e4);
                w.int("total_heads", c.total_heads);
                w.str("type", self.kind());
                w.int("v", i64::from(c.v));
                w.int("vote", c.vote);
            }
        }
        w.0.push(b'}');
        w.0
    }

    /// Parses an entry and checks that its bytes are canonical and its version known.
    pub fn parse(bytes: &[u8]) -> Result<Entry, EntryError> {
        let e: Entry = serde_json::from_slice(bytes).map_err(|_| EntryError::Malformed)?;
        let v = match &e {
            Entry::Fund(f) => f.v,
            Entry::Document(d) => d.v,
            Entry::Agreement(a) => a.v,
            Entry::Vote(VoteRecord::Opened(o)) => o.v,
            Entry::Vote(VoteRecord::Ballot(b)) => b.v,
            Entry::Vote(VoteRecord::Closed(c)) => c.v,
        };
        if v != VERSION {
            return Err(EntryError::Version(v));
        }
        if e.canonical() != bytes {
            return Err(EntryError::NotCanonical);
        }
        Ok(e)
    }
}

/// Writes `"key":value` pairs, each preceded by `{` or `,`.
struct Canon(Vec<u8>, u8);

impl Canon {
    fn key(&mut self, k: &str) {
        self.0.push(self.1);
        self.1 = b',';
        self.0.push(b'"');
        self.0.extend_from_slice(k.as_bytes());
        self.0.extend_from_slice(b"\":");
    }
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        // serde_json's string escaping (the same as `write_canonical`'s); writing to a
        // Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.0, v);
    }
    fn int(&mut self, k: &str, v: i64) {
        self.key(k);
        self.0.extend_from_slice(v.to_string().as_bytes());
    }
    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.0.extend_from_slice(if v { b"true" } else { b"false" });
    }
    fn strs(&mut self, k: &str, v: &[String]) {
        self.key(k);
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.0, v);
    }
}

/// Canonical JSON of a value: object keys sorted by their UTF-16 code units (RFC 8785; for
/// the ASCII keys used here that is byte order), no whitespace.
pub fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("not a ledger entry")]
    Malformed,
    #[error("unknown entry version {0}")]
    Version(u32),
    #[error("entry bytes are not canonical")]
    NotCanonical,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movement() -> Entry {
        Entry::Fund(FundMovement {
            v: VERSION,
            record: "fund:7".into(),
            community_id: 3,
            community: "翠竹社区".into(),
            book: Book::Maintenance,
            direction: Direction::Out,
            category: Category::Repair,
            amount_fen: 1_234_500,
            purpose: "3号楼电梯更换曳引机".into(),
            counterparty: "某电梯工程有限公司".into(),
            approval: "业主大会表决通过（双三分之二）".into(),
            occurred_on: "2026-05-03".into(),
            receipt_sha256: Some("ab".repeat(32)),
            reverses: None,
            recorded_ms: 1_780_000_000_000,
        })
    }

    #[test]
    fn canonical_bytes_sort_keys_and_round_trip() {
        let e = movement();
        let b = e.canonical();
        let s = std::str::from_utf8(&b).expect("utf-8");
        assert!(s.starts_with(r#"{"amount_fen":1234500,"approval":"#), "{s}");
        assert!(s.contains(r#""type":"fund.movement""#));
        assert!(!s.contains("reverses"), "absent options are left out");
        assert!(
            !s.contains(' ') || s.contains("（"),
            "no whitespace between tokens"
        );
        assert_eq!(Entry::parse(&b).expect("parses"), e);
        // Same entry, same bytes: whitespace or reordered keys are refused.
        let pretty = serde_json::to_vec_pretty(&e).expect("json");
        assert_eq!(Entry::parse(&pretty), Err(EntryError::NotCanonical));
        let v2 = s.replace(r#""v":1"#, r#""v":2"#);
        assert_eq!(Entry::parse(v2.as_bytes()), Err(EntryError::Version(2)));
        assert_eq!(Entry::parse(b"{}"), Err(EntryError::Malformed));
        let extra = s.replacen('{', r#"{"name":"张三","#, 1);
        assert_eq!(Entry::parse(extra.as_bytes()), Err(EntryError::Malformed));
    }

    fn generic(e: &Entry) -> Vec<u8> {
        let mut out = String::new();
        write_canonical(&serde_json::to_value(e).expect("json"), &mut out);
        out.into_bytes()
    }

    proptest::proptest! {
        #[test]
        fn the_fast_canonical_form_is_the_sorted_json(
            text in "\\PC{0,12}|[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}]{0,6}",
            n in proptest::num::i64::ANY,
            opt in proptest::bool::ANY,
        ) {
            let Entry::Fund(mut f) = movement() else { unreachable!() };
            f.purpose = text.clone();
            f.amount_fen = n;
            f.receipt_sha256 = opt.then(|| text.clone());
            f.reverses = (!opt).then(|| text.clone());
            let e = Entry::Fund(f);
            proptest::prop_assert_eq!(e.canonical(), generic(&e));
            let d = Entry::Document(PublishedDocument {
                v: VERSION, record: text.clone(), community_id: n, community: text.clone(),
                kind: DocKind::Receipt, title: text.clone(), media_type: "application/pdf".into(),
                bytes: n, sha256: text.clone(), recorded_ms: n,
            });
            proptest::prop_assert_eq!(d.canonical(), generic(&d));
            let a = Entry::Agreement(AgreementRecord {
                v: VERSION, dispute: text.clone(), version: n, sha256: text.clone(),
                level: text.clone(), community_id: n, recorded_ms: n,
            });
            proptest::prop_assert_eq!(a.canonical(), generic(&a));
            let o = Entry::Vote(VoteRecord::Opened(VoteOpened {
                v: VERSION, vote: n, community_id: n, scope: text.clone(), scope_id: n,
                matter: text.clone(), class: text.clone(), title: text.clone(),
                options: vec![text.clone(), "agree".into()], online_voting: opt,
                non_voters_follow: !opt, register_sha256: text.clone(),
                total_area_e4: n, total_heads: n, opens_ms: n, closes_ms: n, recorded_ms: n,
            }));
            proptest::prop_assert_eq!(o.canonical(), generic(&o));
            let b = Entry::Vote(VoteRecord::Ballot(VoteBallot {
                v: VERSION, vote: n, community_id: n, owner: text.clone(),
                choice: text.clone(), channel: text.clone(), recorded_ms: n,
            }));
            proptest::prop_assert_eq!(b.canonical(), generic(&b));
            let c = Entry::Vote(VoteRecord::Closed(VoteClosed {
                v: VERSION, vote: n, community_id: n, matter: text.clone(), class: text.clone(),
                total_area_e4: n, total_heads: n, participating_area_e4: n,
                participating_heads: n, agree_area_e4: n, agree_heads: n, quorum: opt,
                passed: !opt, ballots_sha256: text, recorded_ms: n,
            }));
            proptest::prop_assert_eq!(c.canonical(), generic(&c));
            for e in [o, b, c] {
                proptest::prop_assert_eq!(Entry::parse(&e.canonical()), Ok(e));
            }
        }
    }

    #[test]
    fn a_ballot_entry_names_no_one() {
        let b = Entry::Vote(VoteRecord::Ballot(VoteBallot {
            v: VERSION,
            vote: 7,
            community_id: 3,
            owner: "k2f9".into(),
            choice: "agree".into(),
            channel: "paper".into(),
            recorded_ms: 1,
        }));
        assert_eq!(
            String::from_utf8(b.canonical()).expect("utf-8"),
            r#"{"channel":"paper","choice":"agree","community_id":3,"event":"ballot","owner":"k2f9","recorded_ms":1,"type":"vote","v":1,"vote":7}"#
        );
        let named = r#"{"channel":"paper","choice":"agree","community_id":3,"event":"ballot","name":"张三","owner":"k2f9","recorded_ms":1,"type":"vote","v":1,"vote":7}"#;
        assert_eq!(Entry::parse(named.as_bytes()), Err(EntryError::Malformed));
    }

    #[test]
    fn movements_are_checked() {
        use Category::*;
        let ok = |b, d, c, a, bal| check_movement(b, d, c, a, bal);
        assert_eq!(
            ok(Book::Renewal, Direction::In, Subsidy, 100, 0),
            Ok(()),
            "income needs no balance"
        );
        assert_eq!(
            ok(Book::Maintenance, Direction::Out, Repair, 101, 100),
            Err(FundError::Insufficient)
        );
        assert_eq!(
            ok(Book::Maintenance, Direction::Out, Repair, 100, 100),
            Ok(())
        );
        assert_eq!(
            ok(Book::Maintenance, Direction::In, Subsidy, 100, 0),
            Err(FundError::CategoryMismatch)
        );
        assert_eq!(
            ok(Book::Renewal, Direction::In, Repair, 100, 0),
            Err(FundError::CategoryMismatch)
        );
        assert_eq!(
            ok(Book::Renewal, Direction::In, Subsidy, 0, 0),
            Err(FundError::Amount)
        );
        assert_eq!(ok(Book::Renewal, Direction::Out, Reversal, 50, 50), Ok(()));
    }

    #[test]
    fn yuan_is_exact() {
        assert_eq!(parse_yuan("1,234.5"), Ok(123_450));
        assert_eq!(parse_yuan("0.01"), Ok(1));
        assert_eq!(parse_yuan("12"), Ok(1200));
        assert!(parse_yuan("1.234").is_err());
        assert!(parse_yuan("-5").is_err());
        assert!(parse_yuan("").is_err());
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(check_date("2026-02-30"), Err(FundError::Date));
        assert_eq!(check_date("2026-02-28"), Ok("2026-02-28".into()));
    }
}
