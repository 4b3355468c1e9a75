//! The public account books' rules: books, directions, categories, document kinds, and
//! the checks a movement passes (amounts, dates, the balance a spending may not exceed).

use serde::{Deserialize, Serialize};

use super::MAX_AMOUNT_FEN;
use crate::Coded;

/// A public account book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Book {
    /// 专项维修资金: owners' money for repairs of common parts (Civil Code art. 281).
    Maintenance,
    /// 微更新基金: subsidy + crowdfunding + residents' share for micro-renewal projects.
    Renewal,
    /// 社区慈善基金: 五社联动 charity campaigns — donations in, help to beneficiaries out.
    Charity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

/// Where income comes from, or what spending is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    // income
    Subsidy,
    Crowdfunding,
    ResidentShare,
    OwnerDeposit,
    Interest,
    Donation,
    // spending
    Repair,
    Renewal,
    Service,
    Refund,
    // either (a reversal)
    Reversal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Minutes,
    Contract,
    Receipt,
    Notice,
    Report,
}

impl Book {
    pub const ALL: [Book; 3] = [Book::Maintenance, Book::Renewal, Book::Charity];
    pub fn code(self) -> &'static str {
        match self {
            Book::Maintenance => "maintenance",
            Book::Renewal => "renewal",
            Book::Charity => "charity",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Book::Maintenance => "专项维修资金",
            Book::Renewal => "微更新基金",
            Book::Charity => "社区慈善基金",
        }
    }
    pub fn parse(s: &str) -> Result<Book, FundError> {
        Book::ALL
            .into_iter()
            .find(|b| b.code() == s)
            .ok_or(FundError::Book)
    }
}

impl Direction {
    pub fn code(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
    pub fn parse(s: &str) -> Result<Direction, FundError> {
        match s {
            "in" => Ok(Direction::In),
            "out" => Ok(Direction::Out),
            _ => Err(FundError::Direction),
        }
    }
}

impl Category {
    pub const ALL: [Category; 11] = [
        Category::Subsidy,
        Category::Crowdfunding,
        Category::ResidentShare,
        Category::OwnerDeposit,
        Category::Interest,
        Category::Donation,
        Category::Repair,
        Category::Renewal,
        Category::Service,
        Category::Refund,
        Category::Reversal,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Category::Subsidy => "subsidy",
            Category::Crowdfunding => "crowdfunding",
            Category::ResidentShare => "resident_share",
            Category::OwnerDeposit => "owner_deposit",
            Category::Interest => "interest",
            Category::Donation => "donation",
            Category::Repair => "repair",
            Category::Renewal => "renewal",
            Category::Service => "service",
            Category::Refund => "refund",
            Category::Reversal => "reversal",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            Category::Subsidy => "政府补贴",
            Category::Crowdfunding => "社会众筹",
            Category::ResidentShare => "居民自筹",
            Category::OwnerDeposit => "业主缴存",
            Category::Interest => "利息收入",
            Category::Donation => "捐赠",
            Category::Repair => "维修支出",
            Category::Renewal => "更新改造",
            Category::Service => "服务采购",
            Category::Refund => "退还",
            Category::Reversal => "冲正",
        }
    }
    pub fn parse(s: &str) -> Result<Category, FundError> {
        Category::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or(FundError::Category)
    }
    /// Which direction the category belongs to (`None`: either — a reversal).
    pub fn direction(self) -> Option<Direction> {
        match self {
            Category::Subsidy
            | Category::Crowdfunding
            | Category::ResidentShare
            | Category::OwnerDeposit
            | Category::Interest
            | Category::Donation => Some(Direction::In),
            Category::Repair | Category::Renewal | Category::Service | Category::Refund => {
                Some(Direction::Out)
            }
            Category::Reversal => None,
        }
    }
    /// Whether the category may be used in the book (the maintenance fund takes no
    /// crowdfunding or subsidy; the renewal fund takes no owners' deposits).
    pub fn fits(self, book: Book) -> bool {
        !matches!(
            (book, self),
            (
                Book::Maintenance,
                Category::Subsidy | Category::Crowdfunding | Category::Renewal
            ) | (Book::Renewal, Category::OwnerDeposit)
                | (
                    Book::Charity,
                    Category::OwnerDeposit
                        | Category::ResidentShare
                        | Category::Repair
                        | Category::Renewal
                )
        )
    }
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::Minutes,
        DocKind::Contract,
        DocKind::Receipt,
        DocKind::Notice,
        DocKind::Report,
    ];
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Minutes => "minutes",
            DocKind::Contract => "contract",
            DocKind::Receipt => "receipt",
            DocKind::Notice => "notice",
            DocKind::Report => "report",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            DocKind::Minutes => "会议纪要",
            DocKind::Contract => "合同",
            DocKind::Receipt => "票据",
            DocKind::Notice => "公告",
            DocKind::Report => "报告",
        }
    }
    pub fn parse(s: &str) -> Result<DocKind, FundError> {
        DocKind::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or(FundError::DocKind)
    }
}

/// Why a movement or document is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FundError {
    #[error("unknown book")]
    Book,
    #[error("unknown direction")]
    Direction,
    #[error("unknown category")]
    Category,
    #[error("the category does not fit the book or direction")]
    CategoryMismatch,
    #[error("the amount must be a positive number of fen, at most 10 亿元")]
    Amount,
    #[error("spending exceeds the book's balance")]
    Insufficient,
    #[error("a required text is empty or too long")]
    Text,
    #[error("the date must be YYYY-MM-DD")]
    Date,
    #[error("unknown document kind")]
    DocKind,
}

impl Coded for FundError {
    fn code(&self) -> &'static str {
        match self {
            FundError::Book => "FUND_BOOK_INVALID",
            FundError::Direction => "FUND_DIRECTION_INVALID",
            FundError::Category => "FUND_CATEGORY_INVALID",
            FundError::CategoryMismatch => "FUND_CATEGORY_MISMATCH",
            FundError::Amount => "FUND_AMOUNT_INVALID",
            FundError::Insufficient => "FUND_INSUFFICIENT",
            FundError::Text => "FUND_TEXT_INVALID",
            FundError::Date => "FUND_DATE_INVALID",
            FundError::DocKind => "DOC_KIND_INVALID",
        }
    }
}

/// Checks a movement before it is recorded: the category fits the book and direction, the
/// amount is sane, and a spending does not take the book below zero (`balance_fen` is the
/// book's balance before it).
pub fn check_movement(
    book: Book,
    direction: Direction,
    category: Category,
    amount_fen: i64,
    balance_fen: i64,
) -> Result<(), FundError> {
    if category.direction().is_some_and(|d| d != direction) || !category.fits(book) {
        return Err(FundError::CategoryMismatch);
    }
    if amount_fen <= 0 || amount_fen > MAX_AMOUNT_FEN {
        return Err(FundError::Amount);
    }
    if direction == Direction::Out && amount_fen > balance_fen {
        return Err(FundError::Insufficient);
    }
    Ok(())
}

/// A required one-line text of at most `max` characters, trimmed.
pub fn check_text(s: &str, max: usize) -> Result<String, FundError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(FundError::Text);
    }
    Ok(t.to_string())
}

/// A calendar date `YYYY-MM-DD`.
pub fn check_date(s: &str) -> Result<String, FundError> {
    let t = s.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let ok = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) {
                (Ok(y), Ok(m), Ok(d)) => time::Month::try_from(m)
                    .ok()
                    .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
                    .is_some(),
                _ => false,
            }
        }
        _ => false,
    };
    if ok {
        Ok(t.to_string())
    } else {
        Err(FundError::Date)
    }
}

/// Yuan with two decimals from fen: `1234567` → `12,345.67`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    let whole = (f / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", f % 100)
}

/// Parses an amount in yuan (`1234.5`, `1,234.50`) into fen, exactly (no floating point).
pub fn parse_yuan(s: &str) -> Result<i64, FundError> {
    let t: String = s.trim().chars().filter(|c| *c != ',').collect();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(FundError::Amount);
    }
    let w: i64 = whole.parse().map_err(|_| FundError::Amount)?;
    let f: i64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| FundError::Amount)?;
    Ok(w * 100 + f)
}
