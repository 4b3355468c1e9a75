//! The event taxonomy (`data/taxonomy.toml`, embedded): categories, handling-unit kinds and
//! deadlines. Later domains route cases with it; the foundation seeds the handling units.

use std::sync::LazyLock;

use serde::Deserialize;

const SRC: &str = include_str!("../../../data/taxonomy.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    /// The name in English (the English pages).
    #[serde(default)]
    pub name_en: Option<String>,
    pub describes: String,
    pub compound: String,
    pub public: String,
    #[serde(default)]
    pub also: Vec<String>,
    pub sla_hours: i64,
    #[serde(default)]
    pub urgent: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct Raw {
    units: toml::Table,
    category: Vec<Category>,
}

pub struct Taxonomy {
    /// (kind key, Chinese name) in file order.
    pub units: Vec<(String, String)>,
    pub categories: Vec<Category>,
}

static TAXONOMY: LazyLock<Taxonomy> = LazyLock::new(|| {
    // Embedded at compile time and checked by a test; it cannot fail at run time.
    let raw: Raw = toml::from_str(SRC).unwrap_or(Raw {
        units: toml::Table::new(),
        category: vec![],
    });
    let units = raw
        .units
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    Taxonomy {
        units,
        categories: raw.category,
    }
});

pub fn get() -> &'static Taxonomy {
    &TAXONOMY
}

/// A category's name in `lang` (the English name where the taxonomy has one); `None` for
/// an unknown code.
pub fn name_in(code: &str, lang: crate::i18n::Lang) -> Option<String> {
    TAXONOMY
        .categories
        .iter()
        .find(|c| c.code == code)
        .map(|c| match (lang, &c.name_en) {
            (crate::i18n::Lang::En, Some(en)) => en.clone(),
            _ => c.name.clone(),
        })
}

pub fn unit_kinds() -> &'static [(String, String)] {
    &TAXONOMY.units
}
