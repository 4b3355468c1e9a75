//! A role's to-do home (今日待办): each domain says what is waiting for the user — counts
//! with a link to the list that shows exactly those — and the home page lays them out. New
//! domains add their items with a `todo(st, user)` of their own.

/// One thing waiting: a catalog key for its label, how many, the list that shows them.
#[derive(Debug, Clone)]
pub struct Item {
    pub key: &'static str,
    pub count: i64,
    pub href: String,
    /// Shown in the warning colour when non-zero (overdue, due soon).
    pub warn: bool,
}

impl Item {
    pub fn new(key: &'static str, count: i64, href: impl Into<String>) -> Self {
        Item {
            key,
            count,
            href: href.into(),
            warn: false,
        }
    }

    pub fn warn(mut self) -> Self {
        self.warn = true;
        self
    }
}
