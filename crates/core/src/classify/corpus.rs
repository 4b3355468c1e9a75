//! Labelled examples from CSV (`label,text`), with errors that name the line.

use crate::Coded;

/// Texts longer than this are refused: a documented ceiling far above real reports and
/// 12345 call transcripts (the longest in a public 12345 set of 2,763 is under 6,000).
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The model reads this many characters from the start of a text (training, classifying
/// and learning alike); a longer text is accepted and its head classified.
pub const MODEL_READS_CHARS: usize = 3_000;

/// The part of a text the model reads.
pub fn head(text: &str) -> &str {
    match text.char_indices().nth(MODEL_READS_CHARS) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// One labelled example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub label: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorpusError {
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("the CSV header must be `label,text`, found `{found}`")]
    Header { found: String },
    #[error("line {line}: empty text")]
    EmptyText { line: u64 },
    #[error("line {line}: empty label")]
    EmptyLabel { line: u64 },
    #[error("line {line}: text longer than {MAX_TEXT_CHARS} characters")]
    TooLong { line: u64 },
    #[error("the file holds no examples")]
    NoExamples,
}

impl Coded for CorpusError {
    fn code(&self) -> &'static str {
        match self {
            Self::Csv { .. } => "CSV_INVALID",
            Self::Header { .. } => "CSV_HEADER",
            Self::EmptyText { .. } => "TEXT_EMPTY",
            Self::EmptyLabel { .. } => "LABEL_EMPTY",
            Self::TooLong { .. } => "TEXT_TOO_LONG",
            Self::NoExamples => "CSV_EMPTY",
        }
    }
}

/// Checks one text for classification; `line` is for the message.
pub fn check_text(text: &str, line: u64) -> Result<&str, CorpusError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(CorpusError::EmptyText { line });
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(CorpusError::TooLong { line });
    }
    Ok(t)
}

/// Reads `label,text` CSV (RFC 4180, UTF-8, header required).
pub fn read_csv<R: std::io::Read>(r: R) -> Result<Vec<Example>, CorpusError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(r);
    let header = rdr.headers().map_err(|e| csv_error(&e, 1))?.clone();
    let names: Vec<&str> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}'))
        .collect();
    if names != ["label", "text"] {
        return Err(CorpusError::Header {
            found: header.iter().collect::<Vec<_>>().join(","),
        });
    }
    let mut out = vec![];
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(&e, 0))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let label = rec.get(0).unwrap_or("").trim();
        if label.is_empty() {
            return Err(CorpusError::EmptyLabel { line });
        }
        let text = check_text(rec.get(1).unwrap_or(""), line)?;
        out.push(Example {
            label: label.to_string(),
            text: text.to_string(),
        });
    }
    if out.is_empty() {
        return Err(CorpusError::NoExamples);
    }
    Ok(out)
}

fn csv_error(e: &csv::Error, fallback_line: u64) -> CorpusError {
    let line = e.position().map(|p| p.line()).unwrap_or(fallback_line);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        _ => e.to_string(),
    };
    CorpusError::Csv { line, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_fields_and_names_bad_lines() {
        let ok = "label,text\nA,\"水管, 爆了\"\nB,停电了\n";
        let v = read_csv(ok.as_bytes()).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].text, "水管, 爆了");
        assert_eq!(
            read_csv("lab,text\nA,x\n".as_bytes()).unwrap_err().code(),
            "CSV_HEADER"
        );
        assert_eq!(
            read_csv("label,text\nA,x\nB,\n".as_bytes()).unwrap_err(),
            CorpusError::EmptyText { line: 3 }
        );
        assert!(matches!(
            read_csv("label,text\nA,x,y\n".as_bytes()).unwrap_err(),
            CorpusError::Csv { line: 2, .. }
        ));
        assert_eq!(
            read_csv("label,text\n".as_bytes()).unwrap_err(),
            CorpusError::NoExamples
        );
        let long = format!("label,text\nA,{}\n", "长".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(
            read_csv(long.as_bytes()).unwrap_err(),
            CorpusError::TooLong { line: 2 }
        );
    }
}

#[cfg(test)]
mod head_tests {
    use super::*;

    #[test]
    fn long_texts_are_accepted_and_read_from_the_start() {
        let long = format!("{}{}", "水管爆裂".repeat(1000), "垃圾".repeat(5000));
        assert!(
            check_text(&long, 1).is_ok(),
            "14,000 characters are accepted"
        );
        assert_eq!(head(&long).chars().count(), MODEL_READS_CHARS);
        assert!(head(&long).starts_with("水管爆裂"));
        assert_eq!(head("短文本"), "短文本");
        let too_long = "长".repeat(MAX_TEXT_CHARS + 1);
        assert!(matches!(
            check_text(&too_long, 3),
            Err(CorpusError::TooLong { line: 3 })
        ));
    }
}
