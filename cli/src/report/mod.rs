//! `autofix report`: the auditor's evidence report, from the ledger and a fresh scan.
//!
//! The scan is `autofix scan`'s sweep (the same executor path, `record = false`:
//! nothing changed, recorded or posted). The ledger is read through the public
//! `LedgerRecord`; rule ids, titles, safeguards and modes come from `policy::rules`.
//! [`model`] turns them into tables; [`html`], [`csv`] and [`json`] render the same
//! tables, so every format holds the same rows.
pub mod csv;
pub mod html;
pub mod json;
pub mod model;

use std::io::Write;
use std::path::{Path, PathBuf};

use adapters::clients::Clients;
use adapters::dynamo::{DynamoLedger, DynamoSettings};
use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use policy::ports::Ledger;

use crate::commands::sweep;
use crate::stack::discover;
use crate::{Global, RuleFilter};
use model::{Inputs, RuleInfo};

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One self-contained HTML file (inline CSS and SVG, no script), printable to PDF.
    Html,
    /// One CSV file per table, in the directory `--out` names.
    Csv,
    /// One JSON document: each table's columns and rows.
    Json,
}

/// Every rule as the report names it.
fn rule_infos() -> Vec<RuleInfo> {
    policy::rules::all()
        .iter()
        .map(|r| {
            let spec = r.spec();
            RuleInfo {
                id: spec.id.to_string(),
                title: spec.title.to_string(),
                safeguard: spec.safeguard.to_string(),
                function: spec.family.name().to_string(),
                default_mode: spec.default_mode,
            }
        })
        .collect()
}

pub async fn run(g: &Global, since: DateTime<Utc>, formats: &[Format], out: Option<&Path>) -> Result<u8> {
    let mut formats = formats.to_vec();
    formats.sort_by_key(|f| *f as u8);
    formats.dedup();
    let target = match (formats.as_slice(), out) {
        ([], _) => bail!("--format needs at least one of html, csv, json"),
        ([Format::Csv], None) => bail!("--format csv writes one file per table: name a directory with --out DIR"),
        ([_, _, ..], None) => bail!("several formats go to one directory: name it with --out DIR"),
        ([one], out) => Target::One(*one, out.map(Path::to_path_buf)),
        (_, Some(dir)) => Target::Dir(dir.to_path_buf()),
    };
    let stack = discover(g, false).await?;
    let Some(ledger_table) = stack.ledger_table.clone() else {
        bail!("the report needs the stack's ledger table: deploy the stack, or pass --stack-name / --ledger-table");
    };
    let clients = Clients::new(&stack.sdk);
    let ledger = DynamoLedger::new(clients.dynamodb.clone(), ledger_table.clone());
    let records = Ledger::list(&ledger).await.context("reading the ledger")?;
    let (modes, exemptions) = match &stack.settings_table {
        Some(t) => {
            let s = DynamoSettings::new(clients.dynamodb.clone(), t.clone());
            (
                s.list_modes().await.context("reading rule modes")?,
                s.list_exemptions().await.context("reading exemptions")?,
            )
        }
        None => (vec![], vec![]),
    };
    let reports = sweep(g, &RuleFilter::default(), &stack, false, true, None).await?;
    let scan: Vec<policy::Decision> = reports.iter().flat_map(|r| r.decisions.iter().cloned()).collect();
    // What the scan could not look at: a listing, a rule's mode or a resource it could not read.
    let mut scan_errors: Vec<String> = reports.iter().flat_map(|r| r.errors.iter().cloned()).collect();
    scan_errors.extend(scan.iter().filter(|d| d.not_examined).map(|d| {
        format!(
            "{} {}: {}",
            d.rule,
            d.resource.arn(),
            d.error.as_deref().unwrap_or("not read")
        )
    }));
    let now = Utc::now();
    let report = model::build(&Inputs {
        now,
        since: since.min(now),
        account: stack.account.clone(),
        region: stack.sdk.region().map(|r| r.to_string()).unwrap_or_default(),
        stack: g.stack_name.clone(),
        ledger_table,
        settings_table: stack.settings_table.clone(),
        rules: rule_infos(),
        records: &records,
        scan: &scan,
        scan_errors: &scan_errors,
        modes: &modes,
        exemptions: &exemptions,
    });
    let what = model::summary(&report);
    match target {
        Target::One(Format::Html, None) => print(&html::render(&report))?,
        Target::One(Format::Json, None) => print(&pretty(&report))?,
        Target::One(format, Some(path)) => write(&report, format, &path)?,
        Target::One(Format::Csv, None) => bail!("--format csv needs --out DIR"),
        Target::Dir(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            for f in formats {
                write(&report, f, &dir.join(f.file_name()))?;
            }
        }
    }
    eprintln!("autofix: {what}.");
    for e in &scan_errors {
        eprintln!("autofix: the scan failed in part: {e}");
    }
    // As `autofix scan`: 3 when the scan could not look at everything (the report says where).
    Ok(crate::commands::sweep_exit_code(&reports, false))
}

/// Where the report goes.
enum Target {
    /// One format, to a file (a directory for csv) or standard output.
    One(Format, Option<PathBuf>),
    /// Several formats, each to its own name in a directory.
    Dir(PathBuf),
}

impl Format {
    /// Its name in a directory of several formats.
    fn file_name(self) -> &'static str {
        match self {
            Format::Html => "report.html",
            Format::Csv => "report-csv",
            Format::Json => "report.json",
        }
    }
}

fn write(report: &model::Report, format: Format, path: &Path) -> Result<()> {
    match format {
        Format::Html => write_file(path, &html::render(report)),
        Format::Json => write_file(path, &pretty(report)),
        Format::Csv => {
            let files = csv::write(report, path)?;
            eprintln!("autofix: wrote {} CSV files to {}.", files.len(), path.display());
            Ok(())
        }
    }
}

fn pretty(r: &model::Report) -> String {
    serde_json::to_string_pretty(&json::render(r)).unwrap_or_default()
}

fn write_file(path: &Path, body: &str) -> Result<()> {
    std::fs::write(path, body).with_context(|| format!("writing {}", path.display()))?;
    eprintln!("autofix: wrote {}.", path.display());
    Ok(())
}

fn print(body: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(body.as_bytes())?;
    out.write_all(b"\n")?;
    Ok(())
}
