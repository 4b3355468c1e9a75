//! Every vector of `data/tlog/tlog-vectors.json` (see its SOURCE.md).

use serde_json::Value;

use super::*;

const VECTORS: &str = include_str!("../../../../data/tlog/tlog-vectors.json");

fn v() -> Value {
    serde_json::from_str(VECTORS).expect("vectors parse")
}

fn h(s: &Value) -> Hash {
    let b = hex(s.as_str().expect("hex"));
    b.try_into().expect("32 bytes")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hashes(a: &Value) -> Vec<Hash> {
    a.as_array().expect("array").iter().map(h).collect()
}

fn u(x: &Value) -> u64 {
    x.as_u64().expect("u64")
}

#[test]
fn hasher_and_example_tree() {
    let v = v();
    for t in v["hasher"]["vectors"].as_array().expect("hasher") {
        let want = h(&t["want"]);
        match t["kind"].as_str() {
            Some("empty_root") => assert_eq!(EMPTY_ROOT, want),
            Some("leaf") => {
                assert_eq!(leaf_hash(&hex(t["input_hex"].as_str().unwrap_or(""))), want)
            }
            Some("node") => assert_eq!(
                merkle::node_hash_bytes(
                    &hex(t["left_hex"].as_str().expect("left")),
                    &hex(t["right_hex"].as_str().expect("right"))
                ),
                want,
                "{t}"
            ),
            other => panic!("unknown hasher vector {other:?}: {t}"),
        }
    }
    let tree = &v["rfc6962_example_tree"];
    let leaves: Vec<Hash> = tree["leaf_inputs"]
        .as_array()
        .expect("leaves")
        .iter()
        .map(|x| leaf_hash(&hex(x.as_str().expect("hex"))))
        .collect();
    for (size, root) in tree["root_hashes_by_size"].as_object().expect("roots") {
        let n: usize = size.parse().expect("size");
        assert_eq!(root_of(&leaves[..n]), h(root), "size {n}");
    }
}

#[test]
fn inclusion_and_consistency_proofs_are_produced_and_verified() {
    let v = v();
    let tree = &v["rfc6962_example_tree"];
    let leaves: Vec<Hash> = tree["leaf_inputs"]
        .as_array()
        .expect("leaves")
        .iter()
        .map(|x| leaf_hash(&hex(x.as_str().expect("hex"))))
        .collect();
    for p in v["inclusion_proofs"].as_array().expect("inclusion") {
        let (i, n) = (u(&p["leaf_index"]), u(&p["tree_size"]));
        let proof = hashes(&p["proof"]);
        assert_eq!(
            verify_inclusion(i, n, &h(&p["leaf_hash"]), &proof, &h(&p["root"])),
            Ok(()),
            "{p}"
        );
        if n <= leaves.len() as u64 {
            assert_eq!(
                inclusion_proof(i, n, &leaves[..n as usize])
                    .unwrap()
                    .unwrap(),
                proof
            );
        }
    }
    for p in v["consistency_proofs"].as_array().expect("consistency") {
        let (m, n) = (u(&p["size1"]), u(&p["size2"]));
        let proof = hashes(&p["proof"]);
        assert_eq!(
            verify_consistency(m, n, &h(&p["root1"]), &h(&p["root2"]), &proof),
            Ok(()),
            "{p}"
        );
        if n <= leaves.len() as u64 {
            assert_eq!(
                consistency_proof(m, n, &leaves[..n as usize])
                    .unwrap()
                    .unwrap(),
                proof
            );
        }
    }
}

fn maybe_hash(x: &Value) -> Option<Hash> {
    let s = x.as_str()?;
    let b = hex(s);
    b.try_into().ok()
}

/// A probe's root: 32 bytes as given; other byte strings (the probes use ASCII "don't
/// care" roots where only equality matters) mapped one-to-one into 32 bytes.
fn probe_root(x: &Value) -> Option<Hash> {
    maybe_hash(x).or_else(|| x.as_str().map(|s| leaf_hash(&hex(s))))
}

/// A probe's proof, unless one of its hashes is malformed (the probe must then fail).
fn probe_proof(p: &Value) -> Option<Vec<Hash>> {
    p["proof"]
        .as_array()
        .expect("proof")
        .iter()
        .map(maybe_hash)
        .collect()
}

fn assert_probe(p: &Value, accepted: bool) {
    assert_eq!(
        accepted,
        !p["want_err"].as_bool().expect("want_err"),
        "{}",
        p["desc"]
    );
}

#[test]
fn probes_accept_exactly_the_good_proofs() {
    let v = v();
    let mut checked = 0;
    for p in v["proof_probes"]["inclusion"]
        .as_array()
        .expect("inclusion probes")
    {
        let got = match (
            maybe_hash(&p["leaf_hash"]),
            probe_root(&p["root"]),
            probe_proof(p),
        ) {
            (Some(l), Some(r), Some(proof)) => {
                verify_inclusion(u(&p["leaf_index"]), u(&p["tree_size"]), &l, &proof, &r).is_ok()
            }
            _ => false,
        };
        assert_probe(p, got);
        checked += 1;
    }
    for p in v["proof_probes"]["consistency"]
        .as_array()
        .expect("consistency probes")
    {
        let got = match (
            probe_root(&p["root1"]),
            probe_root(&p["root2"]),
            probe_proof(p),
        ) {
            (Some(a), Some(b), Some(proof)) => {
                verify_consistency(u(&p["size1"]), u(&p["size2"]), &a, &b, &proof).is_ok()
            }
            _ => false,
        };
        assert_probe(p, got);
        checked += 1;
    }
    assert_eq!(checked, 196);
}

#[test]
fn a_real_ct_log_proves_inclusion_and_consistency() {
    let v = v();
    let ct = &v["real_ct_log_argon2020"];
    let root = h(&ct["root_hash"]);
    let size = u(&ct["tree_size"]);
    let inc = &ct["inclusion"];
    let leaf = leaf_hash(&hex(inc["leaf_input"].as_str().expect("leaf")));
    assert_eq!(
        verify_inclusion(
            u(&inc["leaf_index"]),
            size,
            &leaf,
            &hashes(&inc["proof"]),
            &root
        ),
        Ok(())
    );
    let c = &ct["consistency"];
    assert_eq!(
        verify_consistency(
            u(&c["size1"]),
            u(&c["size2"]),
            &h(&c["root1"]),
            &root,
            &hashes(&c["proof"])
        ),
        Ok(())
    );
}

#[test]
fn tile_paths_and_partial_widths() {
    let v = v();
    let t = &v["tlog_tiles_paths"];
    for c in t["tile_paths"].as_array().expect("tile paths") {
        let level = u8::try_from(u(&c["level"])).expect("level");
        assert_eq!(
            tiles::tile_path(level, u(&c["index"]), u(&c["partial_width"])),
            c["path"].as_str().expect("path")
        );
    }
    for c in t["entry_bundle_paths"].as_array().expect("entry paths") {
        let (i, size) = (u(&c["entry_index"]), u(&c["tree_size"]));
        let tile = i / TILE_WIDTH;
        let width = if tile < tiles::full_tiles(0, size) {
            0
        } else {
            tiles::partial_width(0, size)
        };
        assert_eq!(
            entries_path(tile, width),
            c["path"].as_str().expect("path"),
            "{c}"
        );
    }
    for c in t["parse_cases"].as_array().expect("parse cases") {
        let got = tiles::parse_level(c["level_str"].as_str().expect("level")).and_then(|l| {
            parse_tile_index(c["index_str"].as_str().expect("index")).map(|x| (l, x))
        });
        if c["want_err"].as_bool().expect("want_err") {
            assert!(got.is_err(), "{c}");
        } else {
            let (l, (i, w)) = got.unwrap_or_else(|e| panic!("{c}: {e}"));
            assert_eq!(
                (u64::from(l), i, w),
                (u(&c["level"]), u(&c["index"]), u(&c["partial_width"])),
                "{c}"
            );
        }
    }
    let s = &t["spec_examples"]["tree_size_70000"];
    assert_eq!(tiles::full_tiles(0, 70000), u(&s["full_level0_tiles"]));
    assert_eq!(
        tiles::partial_width(0, 70000),
        u(&s["partial_level0_width"])
    );
    assert_eq!(tiles::full_tiles(1, 70000), u(&s["full_level1_tiles"]));
    assert_eq!(
        tiles::partial_width(1, 70000),
        u(&s["partial_level1_width"])
    );
    assert_eq!(
        tiles::partial_width(2, 70000),
        u(&s["partial_level2_width"])
    );
    assert_eq!(tile_path(0, 1234067, 0), "tile/0/x001/x234/067");
}

#[test]
fn signed_notes_and_a_tessera_log() {
    let v = v();
    for n in v["signed_notes"].as_array().expect("notes") {
        let keys: Vec<&str> = match n["vkey"].as_str() {
            Some(k) => vec![k],
            None => n["vkeys"]
                .as_array()
                .expect("vkeys")
                .iter()
                .filter_map(Value::as_str)
                .collect(),
        };
        let note = n["signed_note"].as_str().expect("note");
        for k in keys {
            let got = checkpoint::open_note(note, k);
            if n["expect_valid"].as_bool().unwrap_or(false) {
                let text = got.unwrap_or_else(|e| panic!("{}: {e}", n["name"]));
                if let Some(want) = n["text"].as_str() {
                    assert_eq!(text, want, "{}", n["name"]);
                }
                if let Some(c) = n.get("checkpoint") {
                    let cp = Checkpoint::parse(&text).expect("checkpoint");
                    assert_eq!(cp.size, u(&c["tree_size"]));
                    assert_eq!(cp.root, h(&c["root_hash"]));
                    assert_eq!(cp.origin, c["origin"].as_str().expect("origin"));
                }
            } else {
                assert!(got.is_err(), "{}", n["name"]);
            }
        }
        if let (Some(skey), Some(text)) = (n["skey_TEST_ONLY"].as_str(), n["text"].as_str()) {
            assert_eq!(
                checkpoint::sign_note(text, skey).expect("sign"),
                note,
                "{}",
                n["name"]
            );
        }
    }
    let log = &v["tessera_testdata_log"];
    let vkey = log["vkey"].as_str().expect("vkey");
    let skey = log["skey_TEST_ONLY"].as_str().expect("skey");
    let entries: Vec<Vec<u8>> = log["entries_hex"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| hex(e.as_str().expect("hex")))
        .collect();
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    for c in log["checkpoints"].as_array().expect("checkpoints") {
        let size = u(&c["tree_size"]);
        let cp = Checkpoint::open(c["signed_note"].as_str().expect("note"), vkey).expect("opens");
        assert_eq!(cp.size, size);
        assert_eq!(cp.root, h(&c["root_hash"]));
        assert_eq!(cp.root, root_of(&leaves[..size as usize]));
        assert_eq!(cp.origin, log["origin"].as_str().expect("origin"));
        // Ed25519 is deterministic: signing the same text with the same key gives the note.
        assert_eq!(
            cp.sign(skey).expect("sign"),
            c["signed_note"].as_str().expect("note")
        );
    }
    for t in log["level0_tiles"].as_array().expect("tiles") {
        let w = u(&t["width"]);
        let bytes: Vec<u8> = leaves[..w as usize].iter().flatten().copied().collect();
        assert_eq!(bytes, hex(t["hex"].as_str().expect("hex")));
        assert_eq!(
            tile_path(0, u(&t["index"]), w),
            t["path"].as_str().expect("path")
        );
    }
    for b in log["entry_bundles"].as_array().expect("bundles") {
        let w = u(&b["width"]) as usize;
        let mut bytes = vec![];
        for e in &entries[..w] {
            bytes.extend_from_slice(&(e.len() as u16).to_be_bytes());
            bytes.extend_from_slice(e);
        }
        assert_eq!(bytes, hex(b["hex"].as_str().expect("hex")));
    }
}

#[test]
fn a_tampered_checkpoint_is_refused() {
    let (skey, vkey) = checkpoint::generate_key("gongzhi.example/ledger").expect("key");
    let cp = Checkpoint {
        origin: "gongzhi.example/ledger".into(),
        size: 3,
        root: leaf_hash(b"x"),
    };
    let note = cp.sign(&skey).expect("sign");
    assert_eq!(Checkpoint::open(&note, &vkey).expect("open"), cp);
    let forged = note.replacen("\n3\n", "\n4\n", 1);
    assert!(Checkpoint::open(&forged, &vkey).is_err());
}

/// The Merkle Tree Certificates draft's subtree vectors: every valid subtree [start, end)
/// with end ≤ 130 over leaves d[i] = the byte i, its hash and every inclusion path in it,
/// folded into two rolling SHA-256 digests.
#[test]
fn accumulated_subtree_hashes_and_paths() {
    use sha2::{Digest, Sha256};
    let v = v();
    let mtc = &v["accumulated_subtree_vectors_mtc"];
    let max = u(&mtc["max_end"]);
    let leaves: Vec<Hash> = (0..max).map(|i| leaf_hash(&[i as u8])).collect();
    let valid = |s: u64, e: u64| s == 0 || s == e || s.is_multiple_of((e - s).next_power_of_two());
    let hexs = |h: &Hash| h.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let (mut hashes_d, mut paths_d) = (Sha256::new(), Sha256::new());
    for e in 0..=max {
        for s in 0..=e {
            if !valid(s, e) {
                continue;
            }
            let sub = &leaves[s as usize..e as usize];
            hashes_d.update(format!("[{s}, {e}) {}\n", hexs(&root_of(sub))));
            for i in s..e {
                let p = inclusion_proof(i - s, e - s, sub).unwrap().unwrap();
                let mut line = format!("{i} [{s}, {e})");
                for x in &p {
                    line.push(' ');
                    line.push_str(&hexs(x));
                }
                line.push('\n');
                paths_d.update(line);
            }
        }
    }
    assert_eq!(
        hexs(&hashes_d.finalize().into()),
        mtc["subtree_hash"].as_str().expect("digest")
    );
    assert_eq!(
        hexs(&paths_d.finalize().into()),
        mtc["subtree_inclusion"].as_str().expect("digest")
    );
}

/// RFC 6962 §2.1.3's worked example: the audit paths and consistency proofs of a 7-leaf
/// tree, named by its nodes.
#[test]
fn the_rfc_worked_example() {
    let v = v();
    let ex = &v["rfc6962_section_2_1_3_structure"];
    let leaves: Vec<Hash> = (0..7u8).map(|i| leaf_hash(&[i])).collect();
    // Nodes named as in the RFC: each node's leaf range.
    let nodes = ex["nodes"].as_object().expect("nodes");
    let range_of = |name: &str| -> (u64, u64) {
        let n = &nodes[name];
        (u(&n[0]), u(&n[1]))
    };
    for (index, names) in ex["audit_paths_size7"].as_object().expect("paths") {
        let i: u64 = index.parse().expect("index");
        let want: Vec<Hash> = names
            .as_array()
            .expect("names")
            .iter()
            .map(|n| {
                let (a, b) = range_of(n.as_str().expect("name"));
                root_of(&leaves[a as usize..b as usize])
            })
            .collect();
        assert_eq!(
            inclusion_proof(i, 7, leaves.as_slice()).unwrap().unwrap(),
            want,
            "path of {i}"
        );
    }
    for (size, names) in ex["consistency_to_size7"].as_object().expect("consistency") {
        let m: u64 = size.parse().expect("size");
        let want: Vec<Hash> = names
            .as_array()
            .expect("names")
            .iter()
            .map(|n| {
                let (a, b) = range_of(n.as_str().expect("name"));
                root_of(&leaves[a as usize..b as usize])
            })
            .collect();
        assert_eq!(
            consistency_proof(m, 7, leaves.as_slice()).unwrap().unwrap(),
            want,
            "{m} → 7"
        );
    }
}

/// Tessera's log appended one entry at a time through the tile store: the level-0 tile
/// after each append is the one tessera wrote.
#[test]
fn the_tile_store_writes_tesseras_tiles() {
    use std::collections::BTreeMap;
    struct Mem(BTreeMap<(u8, u64), Vec<Hash>>);
    impl store::TileReader for Mem {
        type Error = std::convert::Infallible;
        fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<Hash>>, Self::Error> {
            Ok(self.0.get(&(level, index)).cloned())
        }
    }
    let v = v();
    let log = &v["tessera_testdata_log"];
    let mut mem = Mem(BTreeMap::new());
    let entries: Vec<Vec<u8>> = log["entries_hex"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| hex(e.as_str().expect("hex")))
        .collect();
    for (i, e) in entries.iter().enumerate() {
        let writes = store::append(&mem, i as u64, &[leaf_hash(e)]).expect("append");
        mem.0.extend(writes);
        let t = log["level0_tiles"]
            .as_array()
            .expect("tiles")
            .iter()
            .find(|t| u(&t["width"]) == i as u64 + 1)
            .expect("tile of this size");
        let bytes: Vec<u8> = mem.0[&(0, 0)].iter().flatten().copied().collect();
        assert_eq!(
            bytes,
            hex(t["hex"].as_str().expect("hex")),
            "size {}",
            i + 1
        );
        let root = store::TileSubtrees {
            reader: &mem,
            size: i as u64 + 1,
        }
        .root()
        .expect("root");
        let cp = log["checkpoints"]
            .as_array()
            .expect("checkpoints")
            .iter()
            .find(|c| u(&c["tree_size"]) == i as u64 + 1)
            .expect("checkpoint");
        assert_eq!(root, h(&cp["root_hash"]));
    }
}

#[test]
fn checkpoint_text_examples_and_the_go_sumdb_forms() {
    let v = v();
    // transparency-dev's marshal cases: roots that are not 32 bytes format alike, and our
    // parser, for a SHA-256 log, refuses them.
    for m in v["checkpoint_text_examples"]["marshal"]
        .as_array()
        .expect("marshal")
    {
        let root = hex(m["root_hash_hex"].as_str().expect("root"));
        let text = checkpoint::checkpoint_text(
            m["origin"].as_str().expect("origin"),
            u(&m["tree_size"]),
            &root,
        );
        assert_eq!(text, m["text"].as_str().expect("text"));
        assert_eq!(Checkpoint::parse(&text), Err(CheckpointError::Malformed));
    }
    // The spec's illustration: its text parses (no key is published to check it with).
    let note = v["checkpoint_text_examples"]["c2sp_spec_example"]["signed_note"]
        .as_str()
        .expect("note");
    let n = signed_note::Note::from_bytes(note.as_bytes()).expect("a signed note");
    let cp = Checkpoint::parse(std::str::from_utf8(n.text()).expect("utf-8")).expect("parses");
    assert_eq!(
        (cp.origin.as_str(), cp.size),
        ("example.com/behind-the-sofa", 20_852_163)
    );
    // Go's tlog.FormatTree: the same three lines.
    let f = &v["sumdb_tlog"]["format_tree"];
    let root = leaf_hash(&hex(f["record_data_hex"].as_str().expect("data")));
    assert_eq!(root, h(&f["root_hash"]));
    let cp = Checkpoint {
        origin: "go.sum database tree".into(),
        size: u(&f["tree_size"]),
        root,
    };
    assert_eq!(cp.text(), f["text"].as_str().expect("text"));
    assert_eq!(Checkpoint::parse(&cp.text()), Ok(cp));
    // Go's older tile paths `tile/H/L/N[.p/W]` share the N[.p/W] encoding with C2SP; we
    // serve only C2SP's form but parse the shared part the same way.
    let g = &v["sumdb_tlog"]["go_sumdb_tile_paths"];
    let go_parse = |p: &str| -> Option<(u32, i64, u64, u64)> {
        let rest = p.strip_prefix("tile/")?;
        let (hh, rest) = rest.split_once('/')?;
        let (l, rest) = rest.split_once('/')?;
        let hh: u32 = hh.parse().ok()?;
        let l: i64 = if l == "data" {
            -1
        } else {
            i64::from(tiles::parse_level(l).ok()?)
        };
        let (n, w) = parse_tile_index(rest).ok()?;
        Some((hh, l, n, if w == 0 { 1 << hh } else { w }))
    };
    for c in g["cases"].as_array().expect("cases") {
        let got = go_parse(c["path"].as_str().expect("path")).expect("valid path");
        assert_eq!(
            got,
            (
                c["H"].as_u64().expect("H") as u32,
                c["L"].as_i64().expect("L"),
                u(&c["N"]),
                u(&c["W"])
            ),
            "{c}"
        );
    }
    for bad in g["invalid_paths"].as_array().expect("invalid") {
        assert_eq!(go_parse(bad.as_str().expect("path")), None, "{bad}");
    }
}
