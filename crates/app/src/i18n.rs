//! User-facing text in Simplified Chinese (default) and English. The catalogs are TOML
//! files embedded in the binary; a test keeps their keys identical.

use std::collections::HashMap;
use std::sync::LazyLock;

const ZH_SRC: &str = include_str!("../locales/zh.toml");
const EN_SRC: &str = include_str!("../locales/en.toml");

fn flatten(prefix: &str, v: &toml::Value, out: &mut HashMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

fn load(src: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    // The catalogs are compiled in and checked by tests; a parse error cannot ship.
    if let Ok(v) = src.parse::<toml::Value>() {
        flatten("", &v, &mut out);
    }
    out
}

static ZH: LazyLock<HashMap<String, String>> = LazyLock::new(|| load(ZH_SRC));
static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| load(EN_SRC));

tokio::task_local! {
    /// The language of the request being served (set by `web::context::resolve`).
    static CURRENT: Lang;
}

/// Runs `f` (a request's handling) with `lang` as the current language, so helpers that
/// format for people (dates) need not be handed it.
pub async fn scoped<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    CURRENT.scope(lang, f).await
}

/// The current request's language; Chinese outside a request (jobs, stored messages).
pub fn current() -> Lang {
    CURRENT.try_with(|l| *l).unwrap_or_default()
}

/// The UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    /// From an `Accept-Language` header: English only when it comes before any Chinese.
    pub fn from_accept(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// `zh-CN` / `en` for the html `lang` attribute.
    pub fn html(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The text for `key`, falling back to Chinese, then to the key itself.
    /// The string of `key` in this language (or Chinese), if there is one.
    pub fn try_t(self, key: &str) -> Option<&'static str> {
        let cat: &'static HashMap<String, String> = match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        };
        cat.get(key).or_else(|| ZH.get(key)).map(String::as_str)
    }

    /// The string of a code in a group (`tc("order_status", "done")` is 已反馈); an unknown
    /// code shows as itself.
    pub fn tc(self, group: &str, code: &str) -> String {
        self.try_t(&format!("{group}.{code}"))
            .map(str::to_string)
            .unwrap_or_else(|| code.to_string())
    }

    pub fn t(self, key: &str) -> &'static str {
        let cat: &'static HashMap<String, String> = match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        };
        if let Some(s) = cat.get(key) {
            return s.as_str();
        }
        if let Some(s) = ZH.get(key) {
            return s.as_str();
        }
        tracing::warn!(key, "missing translation");
        "?"
    }

    /// The message for an error code (`error.CODE`), or the generic one.
    pub fn error(self, code: &str) -> &'static str {
        let key = format!("error.{code}");
        let cat: &'static HashMap<String, String> = match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        };
        cat.get(&key)
            .map(String::as_str)
            .unwrap_or_else(|| self.t("error.GENERIC"))
    }
}

/// Keys present in one catalog and not the other (for the parity test).
pub fn catalog_mismatch() -> Vec<String> {
    let mut out: Vec<String> = ZH
        .keys()
        .filter(|k| !EN.contains_key(*k))
        .cloned()
        .collect();
    out.extend(
        EN.keys()
            .filter(|k| !ZH.contains_key(*k))
            .map(|k| format!("en-only:{k}")),
    );
    out.sort();
    out
}
