//! A tiny XML writer for GeoReport v2 documents: fixed element names, escaped text, empty
//! elements for nulls, no namespace (as the spec asks).

use serde_json::Value;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// How a JSON array nested in an object is wrapped: `attributes` → `attribute` …
fn item_name(list: &str) -> &str {
    match list {
        "attributes" => "attribute",
        "values" => "value",
        "formats" => "format",
        "endpoints" => "endpoint",
        "service_requests" => "request",
        "services" => "service",
        "errors" => "error",
        "service_request_updates" => "request_update",
        _ => "item",
    }
}

fn write_value(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Object(m) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            for (k, v) in m {
                write_value(out, k, v);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::Array(a) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            let item = item_name(name);
            for v in a {
                write_value(out, item, v);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::String(s) => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            out.push_str(&escape(s));
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        Value::Bool(b) => {
            out.push_str(&format!("<{name}>{b}</{name}>"));
        }
        Value::Number(n) => {
            out.push_str(&format!("<{name}>{n}</{name}>"));
        }
    }
}

/// The document: `root` wraps `v` (an array becomes repeated items, an object its fields).
pub fn document(root: &str, v: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    write_value(&mut out, root, v);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wrappers_and_escaping() {
        let x = document(
            "service_requests",
            &json!([{"service_request_id": "1", "description": "a<b & \"c\"", "media_url": null}]),
        );
        assert!(
            x.contains("<service_requests><request><service_request_id>1</service_request_id>")
        );
        assert!(x.contains("a&lt;b &amp; &quot;c&quot;"));
        assert!(x.contains("<media_url/>"));
        let d = document(
            "discovery",
            &json!({"endpoints": [{"formats": ["text/xml", "application/json"]}]}),
        );
        assert!(d.contains("<endpoints><endpoint><formats><format>text/xml</format><format>application/json</format></formats></endpoint></endpoints>"));
        assert_eq!(escape("ok\u{1}"), "ok");
    }
}
