//! The report as CSV for GRC tools: one file per table (`<table id>.csv`, its columns
//! as the header row), in one directory. A table per file keeps every file a plain
//! rectangle that any tool imports; the file names are the tables' ids, the same
//! keys the JSON uses.
//!
//! A cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
//! `@`, a tab or a carriage return: an admin's free-text reason could) is prefixed
//! with `'`, as OWASP's CSV-injection advice says; quoting is the csv crate's (RFC 4180).
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::model::Report;

/// The text of a cell as written to CSV.
pub fn guarded(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Write every table to `dir/<id>.csv`; the files written, in the report's order.
pub fn write(r: &Report, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    for t in &r.tables {
        let path = dir.join(format!("{}.csv", t.id));
        let mut w = ::csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
        w.write_record(&t.columns)?;
        for row in &t.rows {
            w.write_record(row.iter().map(|c| guarded(&c.text())))?;
        }
        w.flush().with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::tests::{record, sample, t};
    use policy::Outcome;

    #[test]
    fn a_formula_is_not_a_formula_and_quotes_survive() {
        assert_eq!(guarded("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guarded("-1"), "'-1");
        assert_eq!(guarded("arn:aws:s3:::b"), "arn:aws:s3:::b");
        let mut r = record("a", t(28, 10, 0, 0), Outcome::ModeSet, None);
        r.findings = vec!["=cmd|' /C calc'!A0, \"quoted\"\nnext line".into()];
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        write(&sample(&[r], &[], &[]), dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let mut rd = ::csv::Reader::from_path(dir.path().join("admin_acts.csv")).unwrap_or_else(|e| panic!("{e}"));
        let rows: Vec<::csv::StringRecord> = rd.records().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][5], "'=cmd|' /C calc'!A0, \"quoted\"\nnext line");
    }
}
