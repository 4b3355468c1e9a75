//! Every list as a file (issue 18): the same URL with `format=xlsx` or `format=csv` gives
//! the page's rows — all of them, not one page — under the page's filters. XLSX has the
//! title, the filters and the time of export above Chinese headers, numbers as numbers and
//! times as Excel date-times; CSV starts with a BOM so that Excel reads it as UTF-8.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::error::{AppError, AppResult};

/// At most this many rows in one export (a district's year of cases fits).
pub const MAX_ROWS: usize = 100_000;

/// Every item of a paged list (pages of the largest size until a short one), at most
/// [`MAX_ROWS`]: what an export of a list reads.
pub async fn all_pages<T, F, Fut>(mut page: F) -> AppResult<Vec<T>>
where
    F: FnMut(crate::web::PageParams) -> Fut,
    Fut: std::future::Future<Output = AppResult<crate::web::Page<T>>>,
{
    let size = crate::web::paging::MAX_PER_PAGE;
    let mut all = Vec::new();
    for n in 1.. {
        let got = page(crate::web::PageParams {
            page: Some(n),
            per_page: Some(size),
        })
        .await?;
        let short = got.items.len() < size as usize;
        all.extend(got.items);
        if short || all.len() >= MAX_ROWS {
            break;
        }
    }
    all.truncate(MAX_ROWS);
    Ok(all)
}

/// One cell of an exported row.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    Num(f64),
    /// A moment, in ms since the epoch (shown in China time).
    Time(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

/// A table to export.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The file's name and the sheet's title, e.g. 诉求列表.
    pub title: String,
    /// The filters in words, e.g. 状态：未办结；社区：翠竹社区.
    pub filters: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The formats a list can be exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format2 {
    Xlsx,
    Csv,
}

/// `format=xlsx|csv` of a list URL: `None` for the page itself; anything else is refused.
pub fn wanted(format: Option<&str>) -> AppResult<Option<Format2>> {
    match format.map(str::trim) {
        None | Some("") | Some("html") => Ok(None),
        Some("xlsx") => Ok(Some(Format2::Xlsx)),
        Some("csv") => Ok(Some(Format2::Csv)),
        Some(_) => Err(AppError::Invalid {
            code: "FORMAT_UNKNOWN",
            field: Some("format"),
        }),
    }
}

/// The export as a download.
pub fn respond(sheet: &Sheet, format: Format2, now_ms: i64) -> AppResult<Response> {
    let stamp = crate::clock::format_cn(now_ms);
    let (body, mime, ext) = match format {
        Format2::Csv => (csv(sheet)?, "text/csv; charset=utf-8", "csv"),
        Format2::Xlsx => (
            xlsx(sheet, &stamp)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let day = crate::clock::date_cn(now_ms);
    let name = format!("{}-{day}.{ext}", sheet.title);
    let disposition = format!(
        "attachment; filename=\"export-{day}.{ext}\"; filename*=UTF-8''{}",
        url::form_urlencoded::byte_serialize(name.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

fn text_of(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Num(n) => format!("{n}"),
        Cell::Time(ms) => crate::clock::format_iso_local(*ms),
        Cell::Empty => String::new(),
    }
}

/// CSV (RFC 4180) with a UTF-8 BOM. A cell that a spreadsheet would read as a formula
/// (`=`, `+`, `-`, `@` first) gets a leading apostrophe (CSV injection).
pub fn csv(sheet: &Sheet) -> AppResult<Vec<u8>> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&sheet.headers)
            .map_err(|e| AppError::Internal(e.into()))?;
        for row in &sheet.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| {
                    let t = text_of(c);
                    match (c, t.chars().next()) {
                        (Cell::Text(_), Some('=' | '+' | '-' | '@')) => format!("'{t}"),
                        _ => t,
                    }
                })
                .collect();
            w.write_record(&cells)
                .map_err(|e| AppError::Internal(e.into()))?;
        }
        w.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok(out)
}

/// XLSX: title, filters and time of export, then the table with a header row, filters on
/// the columns and the header frozen.
pub fn xlsx(sheet: &Sheet, stamp: &str) -> AppResult<Vec<u8>> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    ws.write_string_with_format(0, 0, &sheet.title, &bold)
        .map_err(err)?;
    let filters = if sheet.filters.is_empty() {
        "全部".to_string()
    } else {
        sheet.filters.clone()
    };
    ws.write_string(1, 0, format!("筛选：{filters}"))
        .map_err(err)?;
    ws.write_string(
        2,
        0,
        format!("导出时间：{stamp}（北京时间），共 {} 行", sheet.rows.len()),
    )
    .map_err(err)?;
    let head = 4u32;
    for (i, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(head, i as u16, h, &bold)
            .map_err(err)?;
        ws.set_column_width(i as u16, 14).map_err(err)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = head + 1 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, s).map_err(err)?;
                }
                Cell::Int(i) => {
                    ws.write_number(r, c, *i as f64).map_err(err)?;
                }
                Cell::Num(n) => {
                    ws.write_number(r, c, *n).map_err(err)?;
                }
                Cell::Time(ms) => {
                    // Excel has no time zones: the China wall-clock time is written.
                    let local = ms / 1000 + 8 * 3600;
                    let dt = ExcelDateTime::from_timestamp(local).map_err(err)?;
                    ws.write_datetime_with_format(r, c, &dt, &when)
                        .map_err(err)?;
                }
                Cell::Empty => {}
            }
        }
    }
    if !sheet.headers.is_empty() {
        let last_row = head + sheet.rows.len() as u32;
        ws.autofilter(head, 0, last_row, (sheet.headers.len() - 1) as u16)
            .map_err(err)?;
        ws.set_freeze_panes(head + 1, 0).map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_quotes_and_defuses_formulas() {
        let s = Sheet {
            title: "测试".into(),
            headers: vec!["编号".into(), "内容".into()],
            rows: vec![
                vec![Cell::Int(1), "=HYPERLINK(\"x\")".into()],
                vec![Cell::Int(2), "a,b".into()],
            ],
            ..Sheet::default()
        };
        let out = String::from_utf8(csv(&s).unwrap()).unwrap();
        assert!(out.starts_with('\u{feff}'));
        assert!(out.contains("'=HYPERLINK"));
        assert!(out.contains("\"a,b\""));
    }

    #[test]
    fn formats_are_named() {
        assert_eq!(wanted(Some("xlsx")).unwrap(), Some(Format2::Xlsx));
        assert_eq!(wanted(None).unwrap(), None);
        assert!(wanted(Some("pdf")).is_err());
    }
}
