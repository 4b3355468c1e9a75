//! 公开存证: the public ledger and the public account books — entries appended with the
//! change they record, the C2SP endpoints, proofs that verify with the core verifier, the
//! verifier over real HTTP, tampering found and named, concurrent appenders on one log,
//! and a restart between append and checkpoint.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gongzhi_app::ledger::service as ledger;
use gongzhi_app::ledger::verify::{self, Broken, Database, Http};
use gongzhi_core::ledger::Entry;
use gongzhi_core::tlog::{Checkpoint, Hash, leaf_hash, verify_consistency, verify_inclusion};
use serde_json::{Value, json};

use crate::support::{Auth, TestApp};

fn hash(v: &Value) -> Hash {
    STANDARD
        .decode(v.as_str().expect("base64 string"))
        .expect("base64")
        .try_into()
        .expect("32 bytes")
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().expect("array").iter().map(hash).collect()
}

async fn signed(app: &TestApp) -> (Checkpoint, String) {
    let signer = app.st.ledger_signer().expect("signer");
    let (_, note) = ledger::sign(&app.st.db, &signer, app.st.now_ms())
        .await
        .expect("sign");
    (
        Checkpoint::open(&note, &signer.vkey).expect("checkpoint verifies"),
        signer.vkey,
    )
}

async fn community_of(app: &TestApp, username: &str) -> i64 {
    // Community staff act in their community: the scope is its id.
    app.scalar_i64(&format!(
        "select scope_id from users where username = '{username}' and scope_kind = 'community'"
    ))
    .await
}

#[tokio::test]
async fn demo_books_are_on_the_ledger_and_every_proof_verifies() {
    let app = TestApp::demo().await;
    let (cp, vkey) = signed(&app).await;
    assert!(
        cp.size > 50,
        "the demo's year of books is on the log: {}",
        cp.size
    );

    // The C2SP endpoints, public.
    let r = app.get("/ledger/key", &Auth::None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, vkey);
    let r = app.get("/ledger/checkpoint", &Auth::None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/plain")
    );
    assert_eq!(Checkpoint::open(&r.body, &vkey).expect("verifies"), cp);

    // Every movement of a community's book points at its entry, which says the same.
    let c = community_of(&app, "staff1").await;
    let books = app
        .get(&format!("/api/v1/funds/communities/{c}"), &Auth::None)
        .await;
    assert_eq!(books.status, StatusCode::OK, "{}", books.body);
    let books = books.json();
    let movements = books["movements"].as_array().expect("movements");
    assert!(movements.len() >= 10);
    for b in books["books"].as_array().expect("books") {
        assert!(b["balance_fen"].as_i64().expect("balance") >= 0, "{b}");
    }
    for m in movements.iter().take(5) {
        let i = m["ledger_index"].as_u64().expect("index");
        let e = app
            .get(&format!("/api/v1/ledger/entries/{i}"), &Auth::None)
            .await
            .json();
        assert_eq!(e["type"], "fund.movement");
        assert_eq!(e["entry"]["amount_fen"], m["amount_fen"]);
        assert_eq!(e["entry"]["record"], format!("fund:{}", m["id"]));
        let bytes = e["canonical"].as_str().expect("canonical").as_bytes();
        assert!(Entry::parse(bytes).is_ok(), "canonical and typed");
        assert_eq!(hash(&e["leaf_hash"]), leaf_hash(bytes));
        // Its inclusion proof in the signed tree verifies with the core verifier.
        let p = app
            .get(
                &format!("/api/v1/ledger/proof/inclusion?index={i}&size={}", cp.size),
                &Auth::None,
            )
            .await
            .json();
        assert_eq!(hash(&p["root"]), cp.root);
        verify_inclusion(
            i,
            cp.size,
            &leaf_hash(bytes),
            &hashes(&p["hashes"]),
            &cp.root,
        )
        .expect("inclusion verifies");
        // Not with another leaf.
        assert!(
            verify_inclusion(
                i,
                cp.size,
                &leaf_hash(b"x"),
                &hashes(&p["hashes"]),
                &cp.root
            )
            .is_err()
        );
    }
    // Consistency between an early tree and the signed one.
    let p = app
        .get(
            &format!("/api/v1/ledger/proof/consistency?from=7&to={}", cp.size),
            &Auth::None,
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let p = p.json();
    assert_eq!(hash(&p["to_root"]), cp.root);
    verify_consistency(
        7,
        cp.size,
        &hash(&p["from_root"]),
        &cp.root,
        &hashes(&p["hashes"]),
    )
    .expect("consistency verifies");
    // Out of range: a clear refusal.
    let r = app
        .get(
            &format!(
                "/api/v1/ledger/proof/inclusion?index={}&size={}",
                cp.size, cp.size
            ),
            &Auth::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .get(
            &format!(
                "/api/v1/ledger/proof/consistency?from=9&to={}",
                cp.size + 100
            ),
            &Auth::None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "LEDGER_RANGE_INVALID");

    // Tiles in the C2SP form: the partial level-0 tile and its bundle agree.
    let w = cp.size % 256;
    let t = cp.size / 256;
    let tile_path = gongzhi_core::tlog::tile_path(0, t, w);
    let tile = app.get(&format!("/ledger/{tile_path}"), &Auth::None).await;
    assert_eq!(tile.status, StatusCode::OK, "{tile_path}");
    assert_eq!(tile.bytes.len() as u64, w * 32);
    assert!(
        tile.headers["cache-control"]
            .to_str()
            .unwrap_or("")
            .contains("immutable")
    );
    let bundle = app
        .get(
            &format!("/ledger/{}", gongzhi_core::tlog::entries_path(t, w)),
            &Auth::None,
        )
        .await;
    assert_eq!(bundle.status, StatusCode::OK);
    let first_len = u16::from_be_bytes([bundle.bytes[0], bundle.bytes[1]]) as usize;
    assert_eq!(
        leaf_hash(&bundle.bytes[2..2 + first_len]).as_slice(),
        &tile.bytes[..32]
    );
    // A wider tile than exists, a non-canonical path, a level out of range: 404.
    assert!(w > 0 && w < 255, "the demo log ends in a partial tile: {w}");
    for bad in [
        gongzhi_core::tlog::tile_path(0, t, w + 1),
        format!("tile/0/x000/{:03}", t),
        "tile/64/000".into(),
        "tile/0/1".into(),
    ] {
        let r = app.get(&format!("/ledger/{bad}"), &Auth::None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
    }

    // The whole log verifies from the database, and over real HTTP.
    let v = verify::verify(&Database(app.st.db.clone()), &vkey, None)
        .await
        .expect("verify")
        .expect("intact");
    assert_eq!(v.checkpoint, cp);
    let addr = app.serve().await;
    let http = Http::new(&format!("http://{addr}")).expect("client");
    let v = verify::verify(&http, &vkey, Some(&v.note))
        .await
        .expect("verify")
        .expect("intact over HTTP");
    assert_eq!(v.grew_from, Some(cp.size));
    // A different key: refused.
    let (_, other) =
        gongzhi_core::tlog::key_from_seed("gongzhi.local/ledger", &[5; 32]).expect("key");
    assert!(matches!(
        verify::verify(&http, &other, None).await.expect("verify"),
        Err(Broken::Signature(_))
    ));

    // The 公示 pages, public and in Chinese.
    let page = app.get("/gongshi", &Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in [
        "公示",
        "专项维修资金",
        "微更新基金",
        "怎样自己核对",
        &vkey,
        "gongzhi ledger verify",
    ] {
        assert!(page.body.contains(want), "/gongshi lacks {want}");
    }
    let page = app
        .get(&format!("/gongshi/communities/{c}"), &Auth::None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("收支明细") && page.body.contains("/gongshi/entries/"));
    assert!(
        !page.body.contains("记一笔"),
        "anonymous visitors get no forms"
    );
    let i = movements[0]["ledger_index"].as_u64().expect("index");
    let page = app.get(&format!("/gongshi/entries/{i}"), &Auth::None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("包含证明") && page.body.contains("在浏览器中核对"));
    // Every published file is served as it was hashed: the receipts (PDF) and the
    // council's minutes (text).
    let docs = books["documents"].as_array().expect("documents");
    assert!(docs.iter().any(|d| d["media_type"] == "application/pdf"));
    for d in docs {
        let file = app
            .get(d["href"].as_str().expect("href"), &Auth::None)
            .await;
        assert_eq!(file.status, StatusCode::OK);
        if d["media_type"] == "application/pdf" {
            assert!(file.bytes.starts_with(b"%PDF-"));
        }
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&file.bytes));
        assert_eq!(d["sha256"], sha.as_str());
    }
}

#[tokio::test]
async fn keeping_the_books_refuses_bad_input_and_outsiders_and_loses_nothing() {
    let app = TestApp::demo().await;
    let c = community_of(&app, "staff1").await;
    let staff = app.bearer("staff1").await;
    let path = format!("/api/v1/funds/communities/{c}/movements");
    let size = || async { ledger::head(&app.st.db).await.expect("head").0 };
    let before = size().await;
    let balance = app
        .get(&format!("/api/v1/funds/communities/{c}"), &Auth::None)
        .await
        .json()["books"][1]["balance_fen"]
        .as_i64()
        .expect("renewal balance");
    let spend = |fen: i64| {
        json!({"book": "renewal", "direction": "out", "category": "renewal", "amount_fen": fen,
               "purpose": "楼道照明更换", "counterparty": "某照明工程有限公司",
               "approval": "居民议事会表决通过", "occurred_on": "2026-11-01"})
    };
    // More than the balance: refused, nothing written, the log unchanged.
    let r = app.post_json(&path, &staff, spend(balance + 1)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.error_code(), "FUND_INSUFFICIENT");
    assert!(r.body.contains("余额"), "said why, in Chinese: {}", r.body);
    assert_eq!(size().await, before);
    for (patch, code) in [
        (json!({"category": "subsidy"}), "FUND_CATEGORY_MISMATCH"),
        (json!({"amount_fen": 0}), "FUND_AMOUNT_INVALID"),
        (json!({"occurred_on": "2026-02-30"}), "FUND_DATE_INVALID"),
        (json!({"purpose": " "}), "FUND_TEXT_INVALID"),
        (json!({"book": "cash"}), "FUND_BOOK_INVALID"),
        (json!({"receipt_id": 999_999}), "FUND_RECEIPT_INVALID"),
        (json!({"category": "reversal"}), "FUND_REVERSAL_INVALID"),
    ] {
        let mut body = spend(100);
        for (k, v) in patch.as_object().expect("object") {
            body[k] = v.clone();
        }
        let r = app.post_json(&path, &staff, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{patch}: {}",
            r.body
        );
        assert_eq!(r.error_code(), code, "{patch}");
    }
    assert_eq!(size().await, before);
    // Residents, other communities' staff, grid workers: not theirs to keep.
    for who in ["resident1", "grid1", "auditor1"] {
        let a = app.bearer(who).await;
        let r = app.post_json(&path, &a, spend(100)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let code = if who == "auditor1" {
            "READ_ONLY_ROLE"
        } else {
            "FUND_FORBIDDEN"
        };
        assert_eq!(r.error_code(), code, "{who}");
    }
    let other = app
        .scalar_i64(&format!(
            "select min(id) from org_units where level = 'community' and id <> {c}"
        ))
        .await;
    let r = app
        .post_json(
            &format!("/api/v1/funds/communities/{other}/movements"),
            &staff,
            spend(100),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(size().await, before);

    // A receipt published, then the spending that cites it; a private payee is masked.
    let pdf = b"%PDF-1.4\n% receipt\n";
    let r = app
        .post_json(
            &format!("/api/v1/funds/communities/{c}/documents"),
            &staff,
            json!({"kind": "receipt", "title": "楼道照明发票", "data": format!("data:application/pdf;base64,{}", STANDARD.encode(pdf))}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let doc = r.json();
    let r = app
        .post_json(
            &format!("/api/v1/funds/communities/{c}/documents"),
            &staff,
            json!({"kind": "receipt", "title": "不是文件", "data": "data:text/plain;base64,aGVsbG8="}),
        )
        .await;
    assert_eq!(r.error_code(), "DOC_FILE_INVALID");
    let mut body = spend(12_345);
    body["receipt_id"] = doc["id"].clone();
    body["counterparty"] = json!("王小明");
    body["counterparty_is_person"] = json!(true);
    let r = app.post_json(&path, &staff, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let m = r.json();
    assert_eq!(m["counterparty"], "王**");
    assert_eq!(m["amount_yuan"], "123.45");
    assert_eq!(m["ledger_index"].as_u64(), Some(before + 1));
    let e = app
        .get(
            &format!("/api/v1/ledger/entries/{}", m["ledger_index"]),
            &Auth::None,
        )
        .await
        .json();
    assert_eq!(e["entry"]["counterparty"], "王**");
    assert_eq!(e["entry"]["receipt_sha256"], doc["sha256"]);
    assert!(!e["canonical"].as_str().unwrap_or("").contains("王小明"));
    // A mistake is reversed by a new entry, once; the book is never edited.
    let rev = json!({"book": "renewal", "direction": "in", "category": "reversal", "amount_fen": 12_345,
        "purpose": "冲正：重复记账", "counterparty": "王*", "approval": "居委会核对", "occurred_on": "2026-11-02",
        "reverses": m["id"]});
    let r = app.post_json(&path, &staff, rev.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.post_json(&path, &staff, rev).await;
    assert_eq!(r.error_code(), "FUND_REVERSAL_INVALID");
    assert_eq!(app.audit_count("fund.record", "ok").await, 2);
    assert_eq!(app.audit_count("document.publish", "ok").await, 1);
    // The books cannot be edited behind the ledger's back: the entries table refuses.
    let edit = app
        .exec("update ledger_entries set kind = 'x' where idx = 0")
        .await;
    assert!(edit.is_err(), "ledger_entries is append-only");

    // The staff page form records a movement in yuan.
    let web = app.browser("staff1").await;
    let r = app
        .post_form(
            &format!("/gongshi/communities/{c}/movements"),
            &web,
            &[
                ("_csrf", &web.csrf()),
                ("book", "maintenance"),
                ("category", "interest"),
                ("amount", "1,234.50"),
                ("purpose", "专户利息"),
                ("counterparty", "某商业银行"),
                ("approval", "银行结息"),
                ("occurred_on", "2026-11-03"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let back = r.location();
    let page = app
        .get(back.split('#').next().unwrap_or_default(), &web)
        .await;
    assert!(page.body.contains("+1,234.50") && page.body.contains("记一笔"));
}

/// Drops the append-only trigger, as someone editing the database by hand would.
async fn drop_guard(app: &TestApp) {
    let sql = if app.is_pg() {
        "drop trigger ledger_entries_no_update on ledger_entries"
    } else {
        "drop trigger ledger_entries_no_update"
    };
    app.exec(sql).await.expect("drop trigger");
    if !app.is_pg() {
        app.exec("drop trigger ledger_entries_no_delete")
            .await
            .expect("drop trigger");
    }
}

#[tokio::test]
async fn an_edited_or_deleted_entry_or_tile_is_found_and_named() {
    let app = TestApp::demo().await;
    let (cp, vkey) = signed(&app).await;
    let db = Database(app.st.db.clone());
    let ok = verify::verify(&db, &vkey, None).await.expect("verify");
    assert!(ok.is_ok(), "{ok:?}");
    drop_guard(&app).await;

    // An amount changed by hand in entry 40.
    let body = app
        .scalar_text(if app.is_pg() {
            "select convert_from(body, 'UTF8') from ledger_entries where idx = 40"
        } else {
            "select cast(body as text) from ledger_entries where idx = 40"
        })
        .await
        .expect("entry 40");
    let edited = body.replacen("\"amount_fen\":", "\"amount_fen\":1", 1);
    assert_ne!(body, edited);
    let set = |b: &str| {
        let hexed = hex::encode(b.as_bytes());
        if app.is_pg() {
            format!("update ledger_entries set body = '\\x{hexed}' where idx = 40")
        } else {
            format!("update ledger_entries set body = x'{hexed}' where idx = 40")
        }
    };
    app.exec(&set(&edited)).await.expect("edit");
    let r = verify::verify(&db, &vkey, None).await.expect("verify");
    assert_eq!(r.as_ref().err().and_then(Broken::index), Some(40), "{r:?}");
    // Restored: intact again.
    app.exec(&set(&body)).await.expect("restore");
    assert!(
        verify::verify(&db, &vkey, None)
            .await
            .expect("verify")
            .is_ok()
    );

    // A leaf hash in a tile changed: leaf 3 overwritten with leaf 4's.
    let flip = if app.is_pg() {
        "update ledger_tiles set hashes = overlay(hashes placing substring(hashes from 129 for 32) from 97 for 32) where level = 0 and idx = 0"
    } else {
        "update ledger_tiles set hashes = cast(substr(hashes, 1, 96) || substr(hashes, 129, 32) || substr(hashes, 129) as blob) where level = 0 and idx = 0"
    };
    app.exec(flip).await.expect("tile edit");
    let r = verify::verify(&db, &vkey, None).await.expect("verify");
    assert_eq!(r.as_ref().err().and_then(Broken::index), Some(3), "{r:?}");
    // The same through the CLI's HTTP path: the served tile is the edited one.
    let addr = app.serve().await;
    let http = Http::new(&format!("http://{addr}")).expect("client");
    let r = verify::verify(&http, &vkey, None).await.expect("verify");
    assert_eq!(r.as_ref().err().and_then(Broken::index), Some(3), "{r:?}");

    // An entry deleted.
    app.exec("delete from ledger_entries where idx = 17")
        .await
        .expect("delete");
    let r = verify::verify(&http, &vkey, None).await.expect("verify");
    assert!(
        matches!(&r, Err(Broken::Entry { index: 17, why }) if why.contains("deleted")),
        "{r:?}"
    );
    assert!(cp.size > 40);
}

#[tokio::test]
async fn a_log_that_shrank_or_was_rewritten_fails_against_the_saved_checkpoint() {
    let app = TestApp::demo().await;
    let (cp, vkey) = signed(&app).await;
    let signer = app.st.ledger_signer().expect("signer");
    let db = Database(app.st.db.clone());
    // A (forged, with the key) checkpoint of a bigger tree seen earlier: the log shrank.
    let bigger = signer.sign(cp.size + 5, cp.root).expect("sign");
    let r = verify::verify(&db, &vkey, Some(&bigger))
        .await
        .expect("verify");
    assert_eq!(
        r.err(),
        Some(Broken::Shrank {
            old: cp.size + 5,
            new: cp.size
        })
    );
    // An earlier checkpoint whose root the entries no longer give: history rewritten.
    let earlier = signer.sign(10, [7; 32]).expect("sign");
    let r = verify::verify(&db, &vkey, Some(&earlier))
        .await
        .expect("verify");
    assert_eq!(r.err(), Some(Broken::Rewritten { size: 10 }));
    // A saved checkpoint signed by someone else is an error, not a pass.
    let (other, _) =
        gongzhi_core::tlog::key_from_seed("gongzhi.local/ledger", &[5; 32]).expect("key");
    let forged = Checkpoint {
        origin: "gongzhi.local/ledger".into(),
        size: 3,
        root: [1; 32],
    }
    .sign(&other)
    .expect("sign");
    assert!(verify::verify(&db, &vkey, Some(&forged)).await.is_err());
}

fn synthetic(n: u64) -> Vec<Entry> {
    (0..n).map(gongzhi_app::ledger::bench::synthetic).collect()
}

#[tokio::test]
async fn concurrent_appends_from_tasks_and_two_nodes_make_one_consistent_log() {
    let app = TestApp::empty().await;
    let node_b = app.other_node().await;
    let mut set = tokio::task::JoinSet::new();
    for task in 0..8u64 {
        let st = if task % 2 == 0 {
            app.st.clone()
        } else {
            node_b.clone()
        };
        set.spawn(async move {
            let mut got = vec![];
            for k in 0..10u64 {
                let batch = synthetic(1 + (task + k) % 7);
                let mut tx = st.db.begin().await.expect("begin");
                let first = ledger::append(&mut tx, &batch, st.now_ms())
                    .await
                    .expect("append");
                tx.commit().await.expect("commit");
                got.push((first, batch.len() as u64));
            }
            got
        });
    }
    let mut ranges: Vec<(u64, u64)> = set.join_all().await.into_iter().flatten().collect();
    ranges.sort();
    // The batches tile the log exactly: no index given twice, none skipped.
    let mut next = 0;
    for (first, n) in &ranges {
        assert_eq!(*first, next, "{ranges:?}");
        next += n;
    }
    assert_eq!(ledger::head(&app.st.db).await.expect("head").0, next);
    // Both nodes sign the same checkpoint for the same tree, and it verifies.
    let (size_a, note_a) = ledger::sign(&app.st.db, &app.st.ledger_signer().expect("a"), 1)
        .await
        .expect("sign a");
    let (size_b, note_b) = ledger::sign(&node_b.db, &node_b.ledger_signer().expect("b"), 2)
        .await
        .expect("sign b");
    assert_eq!((size_a, &note_a), (size_b, &note_b));
    let vkey = app.st.ledger_signer().expect("signer").vkey;
    let v = verify::verify(&Database(app.st.db.clone()), &vkey, None)
        .await
        .expect("verify")
        .expect("one consistent log");
    assert_eq!(v.checkpoint.size, next);
}

#[tokio::test]
async fn a_restart_between_append_and_checkpoint_loses_nothing() {
    let app = TestApp::empty().await;
    let signer = app.st.ledger_signer().expect("signer");
    let (size0, _) = ledger::sign(&app.st.db, &signer, 1).await.expect("sign");
    assert_eq!(size0, 0);
    // Appended and committed (acknowledged), then the node stops before any checkpoint.
    let mut tx = app.st.db.begin().await.expect("begin");
    ledger::append(&mut tx, &synthetic(300), 5)
        .await
        .expect("append");
    tx.commit().await.expect("commit");
    // An append that never committed leaves no trace.
    let mut tx = app.st.db.begin().await.expect("begin");
    ledger::append(&mut tx, &synthetic(9), 6)
        .await
        .expect("append");
    drop(tx);
    // A new node: its first checkpoint covers every acknowledged entry.
    let node = app.other_node().await;
    let (size, note) = ledger::latest(&node.db, &node.ledger_signer().expect("signer"), 7)
        .await
        .expect("latest");
    assert_eq!(size, 0, "nothing signed yet");
    let (size, _) = ledger::sign(&node.db, &node.ledger_signer().expect("signer"), 8)
        .await
        .expect("sign");
    assert_eq!(size, 300);
    let v = verify::verify(&Database(node.db.clone()), &signer.vkey, Some(&note))
        .await
        .expect("verify")
        .expect("intact");
    assert_eq!((v.checkpoint.size, v.grew_from), (300, Some(0)));
}
