//! Paging for every list: `?page=1&per_page=50`, at most 500 per page.

use serde::{Deserialize, Serialize};

pub const MAX_PER_PAGE: i64 = 500;
pub const DEFAULT_PER_PAGE: i64 = 50;

#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page (1–500, default 50). The common spellings `page_size`, `pageSize`,
    /// `limit` and `size` are accepted too.
    #[serde(
        alias = "page_size",
        alias = "pageSize",
        alias = "limit",
        alias = "size"
    )]
    pub per_page: Option<i64>,
}

impl PageParams {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }

    pub fn per_page(&self) -> i64 {
        self.per_page
            .unwrap_or(DEFAULT_PER_PAGE)
            .clamp(1, MAX_PER_PAGE)
    }

    pub fn offset(&self) -> i64 {
        (self.page() - 1).saturating_mul(self.per_page())
    }
}

/// One page of a list, as every list endpoint returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, p: &PageParams, total: i64) -> Self {
        Page {
            items,
            page: p.page(),
            per_page: p.per_page(),
            total,
        }
    }

    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}
