//! The report as one JSON document for GRC tools: the period, the account, and each
//! table with its columns (in order) and its rows as objects keyed by column. Counts
//! and seconds are numbers; an absent value ("n/a", "no expiry") is `null`.
use serde_json::{Map, Value, json};

use super::model::{Cell, Report};

pub fn render(r: &Report) -> Value {
    let tables: Vec<Value> = r
        .tables
        .iter()
        .map(|t| {
            let rows: Vec<Value> = t
                .rows
                .iter()
                .map(|row| {
                    let obj: Map<String, Value> = t
                        .columns
                        .iter()
                        .zip(row)
                        .map(|(c, cell)| ((*c).to_string(), cell.json()))
                        .collect();
                    Value::Object(obj)
                })
                .collect();
            json!({"id": t.id, "title": t.title, "description": t.intro, "columns": t.columns, "rows": rows})
        })
        .collect();
    json!({
        "report": "hipaa-autofix evidence report",
        "format_version": 1,
        "generated": Cell::Time(r.now).text(),
        "account": r.account,
        "region": r.region,
        "period": {"from": Cell::Time(r.since).text(), "to": Cell::Time(r.now).text()},
        "scan_errors": r.scan_errors,
        "tables": tables,
    })
}
