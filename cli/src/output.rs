//! Tables for people, JSON for machines, a progress bar on a terminal.
use std::io::IsTerminal;
use std::sync::Arc;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressBar, ProgressStyle};
use policy::{Decision, Outcome, Progress, RunReport};
use serde::Serialize;
use serde_json::json;

/// A progress bar on stderr when it is a terminal; nothing otherwise.
#[derive(Clone)]
pub struct Bar(Arc<ProgressBar>);

impl Bar {
    pub fn new(show: bool, verb: &str) -> Self {
        let pb = if show && std::io::stderr().is_terminal() {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {pos}/{len} [{bar:30}] {elapsed}") {
            pb.set_style(style.progress_chars("=> "));
        }
        pb.set_message(verb.to_string());
        Bar(Arc::new(pb))
    }
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.0.inc_length(total as u64);
    }
    fn advance(&self, _d: &Decision) {
        self.0.inc(1);
    }
}

fn decisions(reports: &[RunReport]) -> impl Iterator<Item = &Decision> {
    reports.iter().flat_map(|r| r.decisions.iter())
}

pub fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    // On a terminal the table fits its width; piped (a log, a CI job) it wraps at a readable 160.
    if !std::io::stdout().is_terminal() {
        t.set_width(160);
    }
    t
}

fn run_errors(reports: &[RunReport]) {
    for e in reports.iter().flat_map(|r| r.errors.iter()) {
        eprintln!("autofix: error: {e}");
    }
}

pub fn print_scan(reports: &[RunReport], as_json: bool) {
    let violations: Vec<&Decision> = decisions(reports).filter(|d| d.is_violation()).collect();
    let checked = decisions(reports).count();
    if as_json {
        let items: Vec<_> = violations
            .iter()
            .map(|d| {
                json!({"rule": d.rule, "resource": d.resource.arn(), "mode": d.mode, "findings": d.findings,
                       "planned": d.plan.descriptions(), "exempt": d.outcome == Outcome::Exempt, "notes": d.notes, "outcome": d.outcome})
            })
            .collect();
        let errors: Vec<&String> = reports.iter().flat_map(|r| r.errors.iter()).collect();
        println!("{}", json!({"checked": checked, "violations": items, "errors": errors}));
        return;
    }
    run_errors(reports);
    if violations.is_empty() {
        println!("No violations in {checked} checks.");
        return;
    }
    let mut t = table(vec!["RULE", "RESOURCE", "FOUND", "PLANNED FIX", "MODE"]);
    for d in &violations {
        let mode = match d.outcome {
            Outcome::Exempt => format!("{} (exempt)", d.mode),
            Outcome::CannotJudge => format!("{} (no automatic fix)", d.mode),
            Outcome::Compliant
            | Outcome::Gone
            | Outcome::Off
            | Outcome::LoopGuard
            | Outcome::FailedCall
            | Outcome::Duplicate
            | Outcome::Notified
            | Outcome::DryRun
            | Outcome::Fixed
            | Outcome::NotVerified
            | Outcome::Failed
            | Outcome::Limited
            | Outcome::Warned
            | Outcome::BreakGlass
            | Outcome::Undone
            | Outcome::ModeSet
            | Outcome::Exempted
            | Outcome::ExemptionRemoved => d.mode.to_string(),
        };
        let mut found = d.findings.join("\n");
        for n in &d.notes {
            found.push_str(&format!("\nnote: {n}"));
        }
        t.add_row(vec![
            d.rule.clone(),
            d.resource.arn(),
            found,
            d.plan.descriptions().join("\n"),
            mode,
        ]);
    }
    println!("{t}");
    println!(
        "{} violation(s) in {checked} checks. Nothing was changed; `autofix fix` applies the plans.",
        violations.len()
    );
}

pub fn print_fix(reports: &[RunReport], as_json: bool) {
    let acted: Vec<&Decision> = decisions(reports)
        .filter(|d| d.is_violation() || d.outcome == Outcome::Failed)
        .collect();
    let checked = decisions(reports).count();
    if as_json {
        let items: Vec<_> = acted
            .iter()
            .map(|d| {
                json!({"rule": d.rule, "resource": d.resource.arn(), "outcome": d.outcome, "mode": d.mode, "findings": d.findings,
                       "changes": d.plan.descriptions(), "ledger_id": d.ledger_id, "notes": d.notes, "error": d.error})
            })
            .collect();
        let errors: Vec<&String> = reports.iter().flat_map(|r| r.errors.iter()).collect();
        println!("{}", json!({"checked": checked, "results": items, "errors": errors}));
        return;
    }
    run_errors(reports);
    if acted.is_empty() {
        println!("No violations in {checked} checks; nothing to fix.");
        return;
    }
    let mut t = table(vec!["RULE", "RESOURCE", "OUTCOME", "CHANGES", "LEDGER"]);
    for d in &acted {
        let mut outcome = d.outcome.to_string();
        if let Some(e) = &d.error {
            outcome.push_str(&format!("\n{e}"));
        }
        for n in &d.notes {
            outcome.push_str(&format!("\nnote: {n}"));
        }
        t.add_row(vec![
            d.rule.clone(),
            d.resource.arn(),
            outcome,
            d.plan.descriptions().join("\n"),
            d.ledger_id.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    println!("{t}");
    let count = |o| reports.iter().map(|r| r.count(o)).sum::<usize>();
    println!(
        "{checked} checks: {} fixed and verified, {} exempt, {} not verified, {} failed, {} could not be judged, {} over the change limit.",
        count(Outcome::Fixed),
        count(Outcome::Exempt),
        count(Outcome::NotVerified),
        count(Outcome::Failed),
        count(Outcome::CannotJudge),
        count(Outcome::Limited)
    );
}

#[derive(Debug, Serialize)]
pub struct RuleRow {
    pub id: String,
    pub family: String,
    pub title: String,
    pub default_mode: String,
    pub mode: Option<String>,
    pub last_action: Option<String>,
}

pub fn print_rules(rows: &[RuleRow], as_json: bool) {
    if as_json {
        println!("{}", serde_json::to_string(rows).unwrap_or_default());
        return;
    }
    let mut t = table(vec![
        "RULE",
        "FUNCTION",
        "MODE",
        "DEFAULT",
        "LAST ACTION",
        "WHAT IT ENSURES",
    ]);
    for r in rows {
        t.add_row(vec![
            r.id.clone(),
            r.family.clone(),
            r.mode
                .clone()
                .unwrap_or_else(|| format!("{} (default)", r.default_mode)),
            r.default_mode.clone(),
            r.last_action.clone().unwrap_or_else(|| "-".into()),
            r.title.clone(),
        ]);
    }
    println!("{t}");
    println!(
        "MODE is what the settings table says; without an entry a deployed function uses its DefaultMode / Mode<Rule> parameters, else the rule's built-in default."
    );
}

pub fn print_params(params: &policy::params::Params, as_json: bool) {
    let known = policy::catalog::parameters();
    if as_json {
        let rows: Vec<_> = params
            .effective(&known)
            .into_iter()
            .map(|(p, value, _)| {
                json!({"name": p.name(), "value": value, "default": p.default_text(),
                       "env": p.env_name(), "rules": policy::catalog::rules_reading(p), "help": p.help()})
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return;
    }
    let mut t = table(vec!["PARAMETER", "DEFAULT", "RULES", "MEANING"]);
    for p in known {
        t.add_row(vec![
            p.name().to_string(),
            p.default_text(),
            policy::catalog::rules_reading(p).join("\n"),
            p.help().to_string(),
        ]);
    }
    println!("{t}");
    println!("Set one for a run with `--set NAME=VALUE`; deployed functions take them as template parameters.");
}
