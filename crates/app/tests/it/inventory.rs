//! The data inventory (security checklist 7): every personal field an API accepts is
//! declared in `docs/data-inventory.toml` for that operation, with its category, purpose
//! and retention. A field the inventory does not declare for an operation fails the test
//! (an ID number on a survey endpoint, say).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::support::{Auth, TestApp};

/// Field names that are personal information wherever they appear; the inventory must
/// list each of them, so none can be dropped to make the check pass.
const ALWAYS_PERSONAL: [&str; 8] = [
    "phone",
    "id_number",
    "email",
    "password",
    "display_name",
    "username",
    "parties",
    "needs",
];

fn inventory() -> toml::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/data-inventory.toml"
    );
    let text = std::fs::read_to_string(path).expect("docs/data-inventory.toml");
    toml::from_str(&text).expect("the inventory parses")
}

/// Resolves `$ref`s and collects every property name of a schema, nested ones included.
fn properties(doc: &Value, schema: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        if let Some(s) = doc["components"]["schemas"].get(name) {
            properties(doc, s, out, depth + 1);
        }
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            for s in list {
                properties(doc, s, out, depth + 1);
            }
        }
    }
    if let Some(items) = schema.get("items") {
        properties(doc, items, out, depth + 1);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, s) in props {
            out.insert(name.clone());
            properties(doc, s, out, depth + 1);
        }
    }
}

#[tokio::test]
async fn every_personal_field_an_api_accepts_is_in_the_inventory() {
    let app = TestApp::empty().await;
    let doc = app.get("/api/v1/openapi.json", &Auth::None).await.json();
    let inv = inventory();
    let fields = inv["fields"].as_table().expect("[fields]");
    for f in ALWAYS_PERSONAL {
        assert!(fields.contains_key(f), "the inventory must list `{f}`");
    }
    let policy: toml::Value = toml::from_str(gongzhi_app::consent::DEFAULT_POLICY).unwrap();
    let purposes: BTreeSet<String> = policy["purpose"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect();
    let mut declared: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, f) in fields {
        for key in ["category", "purposes", "retention", "operations"] {
            assert!(f.get(key).is_some(), "field {name} lacks `{key}`");
        }
        for p in f["purposes"].as_array().unwrap() {
            let p = p.as_str().unwrap();
            assert!(
                purposes.contains(p),
                "field {name}: purpose {p} is not in the policy"
            );
        }
        declared.insert(
            name.clone(),
            f["operations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_str().unwrap().to_string())
                .collect(),
        );
    }
    let mut missing = Vec::new();
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|m| &m["schema"])
            else {
                continue;
            };
            let mut names = BTreeSet::new();
            properties(&doc, schema, &mut names, 0);
            let op_name = format!("{} {path}", method.to_uppercase());
            for n in names.iter().filter(|n| declared.contains_key(*n)) {
                used.insert((n.clone(), op_name.clone()));
                if !declared[n].contains(&op_name) {
                    missing.push(format!("{n} in {op_name}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "personal fields the inventory does not declare for these operations:\n  {}",
        missing.join("\n  ")
    );
    // And nothing declared that no operation takes (a stale inventory).
    let stale: Vec<String> = declared
        .iter()
        .flat_map(|(n, ops)| ops.iter().map(move |o| (n.clone(), o.clone())))
        .filter(|p| !used.contains(p))
        .map(|(n, o)| format!("{n} in {o}"))
        .collect();
    assert!(
        stale.is_empty(),
        "declared but not taken:\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn the_retention_periods_agree_with_the_job() {
    let inv = inventory();
    let cats = inv["retention"].as_table().expect("[retention]");
    for (cat, days) in gongzhi_app::retention::PERIODS {
        assert_eq!(
            cats.get(cat).and_then(|c| c["days"].as_integer()),
            Some(days),
            "retention of {cat}"
        );
    }
}
