//! Bulk import of 12345 hotline work orders from CSV or XLSX exports. Each row becomes a
//! case through the same intake as every channel (classification, routing, duplicate
//! merge); the order number makes a re-import harmless. Rows without coordinates are
//! placed by their address when it names a compound and building of the district.

use std::io::Cursor;

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use serde::Serialize;

use super::service::{self, Filer, Report};
use crate::auth::service::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;

pub const MAX_ROWS: usize = 5000;

/// The columns we read, each with the header names 12345 exports use for it.
const COLUMNS: [(&str, &[&str]); 7] = [
    ("order_no", &["工单编号", "工单号", "order_no"]),
    ("received_at", &["受理时间", "来电时间", "received_at"]),
    ("phone", &["来电号码", "联系电话", "caller_phone"]),
    ("text", &["诉求内容", "反映内容", "text"]),
    ("address", &["诉求地址", "事发地址", "address"]),
    ("lng", &["经度", "lng"]),
    ("lat", &["纬度", "lat"]),
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// 1-based row number in the file (the header is row 1).
    pub row: usize,
    pub code: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub merged: usize,
    /// Rows whose order number was imported before (nothing new made).
    pub already: usize,
    pub errors: Vec<RowError>,
}

/// Reads a sheet: CSV (UTF-8, BOM allowed) or the first worksheet of an XLSX file.
pub fn read_table(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    let bad = || AppError::Invalid {
        code: "IMPORT_UNREADABLE",
        field: Some("file"),
    };
    if bytes.starts_with(b"PK") {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| bad())?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(bad)?
            .map_err(|_| bad())?;
        return Ok(range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect())
            .collect());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| bad())?;
    let text = text.trim_start_matches('\u{feff}');
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = vec![];
    for rec in rdr.records() {
        let rec = rec.map_err(|_| bad())?;
        out.push(rec.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(out)
}

/// Places an address at the building it names (the longest compound + building match).
fn place_address(st: &AppState, address: &str) -> Option<(f64, f64)> {
    let map = st.org_map();
    map.buildings
        .iter()
        .filter(|b| !b.compound.is_empty() && address.contains(&b.compound))
        .map(|b| {
            let score = b.compound.chars().count()
                + if address.contains(&b.name) {
                    b.name.chars().count()
                } else {
                    0
                };
            (score, b)
        })
        .max_by_key(|(s, b)| (*s, std::cmp::Reverse(b.id)))
        .map(|(_, b)| (b.lng, b.lat))
}

/// Imports a file as `user` (dispatchers and street/district staff).
/// Who imports hotline exports: dispatchers.
pub fn may_import(user: &CurrentUser) -> bool {
    service::is_dispatcher(user.role)
}

pub async fn import(st: &AppState, user: &CurrentUser, bytes: &[u8]) -> AppResult<ImportReport> {
    if !may_import(user) {
        return Err(AppError::Forbidden("ROLE_FORBIDDEN"));
    }
    let table = read_table(bytes)?;
    let Some((header, rows)) = table.split_first() else {
        return Err(AppError::Invalid {
            code: "IMPORT_EMPTY",
            field: Some("file"),
        });
    };
    if rows.len() > MAX_ROWS {
        return Err(AppError::Invalid {
            code: "IMPORT_TOO_LARGE",
            field: Some("file"),
        });
    }
    let col = |name: &str| -> Option<usize> {
        let names = COLUMNS.iter().find(|c| c.0 == name)?.1;
        header.iter().position(|h| names.contains(&h.as_str()))
    };
    let (Some(c_no), Some(c_text)) = (col("order_no"), col("text")) else {
        return Err(AppError::Invalid {
            code: "IMPORT_COLUMNS",
            field: Some("file"),
        });
    };
    let (c_phone, c_addr, c_lng, c_lat, c_at) = (
        col("phone"),
        col("address"),
        col("lng"),
        col("lat"),
        col("received_at"),
    );
    let mut report = ImportReport {
        rows: rows.len(),
        ..Default::default()
    };
    let cell = |r: &Vec<String>, c: Option<usize>| -> String {
        c.and_then(|i| r.get(i)).cloned().unwrap_or_default()
    };
    for (i, r) in rows.iter().enumerate() {
        let row_no = i + 2;
        if r.iter().all(|c| c.is_empty()) {
            report.rows -= 1;
            continue;
        }
        let mut err = |code: &str| {
            report.errors.push(RowError {
                row: row_no,
                code: code.to_string(),
                detail: Lang::Zh.t(&format!("error.{code}")).to_string(),
            })
        };
        if r.iter().any(|c| crate::web::input::has_control_char(c)) {
            err("TEXT_CONTROL_CHAR");
            continue;
        }
        let no = cell(r, Some(c_no));
        if no.is_empty() || no.chars().count() > 64 {
            err("IMPORT_ORDER_NO");
            continue;
        }
        let address = cell(r, c_addr);
        let point = match (cell(r, c_lng).parse::<f64>(), cell(r, c_lat).parse::<f64>()) {
            (Ok(a), Ok(b)) => Some((a, b)),
            _ => place_address(st, &address),
        };
        let Some((lng, lat)) = point else {
            err("LOCATION_MISSING");
            continue;
        };
        let phone = cell(r, c_phone);
        let received = cell(r, c_at);
        let mut text = cell(r, Some(c_text));
        if !received.is_empty() && text.chars().count() < 1900 {
            text = format!("{text}（12345工单 {no}，受理时间 {received}）");
        }
        let rep = Report {
            text,
            lng,
            lat,
            caller_phone: (!phone.is_empty()).then_some(phone),
            address: (!address.is_empty()).then_some(address),
            intake_key: Some(("12345".into(), no.clone())),
            ..Report::default()
        };
        let who = Filer::channel(user.actor(), "import");
        let before = {
            let mut tx = st.db.read().await?;
            super::store::find_intake_key(&mut tx, "12345", &no).await?
        };
        match service::file(st, &who, rep).await {
            Ok(_) if before.is_some() => report.already += 1,
            Ok(f) if f.merged => report.merged += 1,
            Ok(_) => report.created += 1,
            Err(AppError::Invalid { code, .. }) => err(code),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_and_quotes() {
        let t = read_table("\u{feff}工单编号,诉求内容\n\"A1\",\"有逗号, 的内容\"\n".as_bytes())
            .unwrap();
        assert_eq!(t[0], vec!["工单编号", "诉求内容"]);
        assert_eq!(t[1][1], "有逗号, 的内容");
        assert!(read_table(&[0xff, 0xfe, 0x00]).is_err());
    }
}
