//! The erasure journal: one JSON line per erased person, appended and flushed to disk
//! *before* the erasure commits, kept outside the database (next to the key file). A
//! restored backup predates later erasures; `gongzhi restore` replays this journal so that
//! nobody erased comes back (security checklist 11).

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tombstone {
    /// `user`.
    pub kind: String,
    pub user: i64,
    pub resident: Option<i64>,
    pub at_ms: i64,
}

/// Appends one line and syncs the file.
pub fn append(path: &Path, t: &Tombstone) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut line = serde_json::to_string(t).map_err(std::io::Error::other)?;
    line.push('\n');
    f.write_all(line.as_bytes())?;
    f.sync_all()
}

/// Every tombstone in the journal (a missing journal holds none). A torn last line (a
/// crash mid-write, before the erasure could commit) is skipped.
pub fn read(path: &Path) -> std::io::Result<Vec<Tombstone>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}
