//! Tables for people, JSON for machines, a progress bar on a terminal.
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets::UTF8_FULL_CONDENSED};
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

/// `--wide`: identifiers in full and tables as wide as their content.
static WIDE: AtomicBool = AtomicBool::new(false);

pub fn set_wide(wide: bool) {
    WIDE.store(wide, Ordering::Relaxed);
}

/// "1 check", "2 checks".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A column of a table, by what it holds.
#[derive(Debug, Clone, Copy)]
pub enum Col {
    /// An identifier short enough to stay whole (a rule id, a mode, a ledger id, a time):
    /// never wrapped, never shortened.
    Id(&'static str),
    /// An identifier a narrow terminal may not hold (an ARN): never wrapped; its lines
    /// that are ARNs are shortened in the middle (`arn:aws:iam::1234…user/alice`) when
    /// the table would not fit, whole with `--wide`.
    Arn(&'static str),
    /// Prose: wrapped to fit.
    Text(&'static str),
}

impl Col {
    fn header(self) -> &'static str {
        match self {
            Col::Id(h) | Col::Arn(h) | Col::Text(h) => h,
        }
    }
}

/// A table for people: built row by row, laid out for the terminal when printed.
pub struct Grid {
    cols: Vec<Col>,
    rows: Vec<Vec<String>>,
}

pub fn table(cols: Vec<Col>) -> Grid {
    Grid { cols, rows: vec![] }
}

/// How tables are laid out: for a width (prose wraps to it), and whether ARNs may be
/// shortened to fit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// `None`: as wide as the content (`--wide`).
    pub width: Option<u16>,
    pub shorten: bool,
}

impl Layout {
    /// `--wide`: everything in full. A terminal (or `COLUMNS`): its width, ARNs shortened
    /// to fit. Piped (a log, a CI job): 160 columns of wrapped prose, ARNs in full, so
    /// they can be searched.
    fn current() -> Layout {
        if WIDE.load(Ordering::Relaxed) {
            return Layout {
                width: None,
                shorten: false,
            };
        }
        if let Some(n) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<u16>().ok())
            && n > 0
        {
            return Layout {
                width: Some(n),
                shorten: true,
            };
        }
        if std::io::stdout().is_terminal() {
            return Layout {
                width: Table::new().width().or(Some(160)),
                shorten: true,
            };
        }
        Layout {
            width: Some(160),
            shorten: false,
        }
    }

    /// A terminal of `width` columns.
    #[cfg(test)]
    pub fn terminal(width: u16) -> Layout {
        Layout {
            width: Some(width),
            shorten: true,
        }
    }

    /// `--wide`.
    #[cfg(test)]
    pub fn wide() -> Layout {
        Layout {
            width: None,
            shorten: false,
        }
    }
}

fn width_of(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// `text` in at most `max` characters, the middle replaced by `…` (the end of an ARN,
/// the resource's name, is kept longer than its start).
pub fn shorten_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max || max < 5 {
        return text.to_string();
    }
    let keep = max - 1;
    let head = keep * 2 / 5;
    let tail = keep - head;
    let chars: Vec<char> = text.chars().collect();
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[n - tail..]);
    out
}

/// The narrowest an ARN column is cut to; the room prose is given before ARNs are cut;
/// the least room prose keeps on a terminal too narrow for all of it.
const MIN_ARN: usize = 12;
const COMFORT_TEXT: usize = 12;
const FLOOR_TEXT: usize = 6;

impl Grid {
    pub fn add_row(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The widest line of column `i`, its header included.
    fn natural(&self, i: usize) -> usize {
        self.rows
            .iter()
            .filter_map(|r| r.get(i))
            .map(|c| width_of(c))
            .chain([self.cols[i].header().chars().count()])
            .max()
            .unwrap_or(0)
    }

    /// The widest line of column `i` that is not an ARN (a time, an outcome): kept whole.
    fn non_arn(&self, i: usize) -> usize {
        self.rows
            .iter()
            .filter_map(|r| r.get(i))
            .flat_map(|c| c.lines())
            .filter(|l| !l.starts_with("arn:"))
            .map(|l| l.chars().count())
            .chain([self.cols[i].header().chars().count()])
            .max()
            .unwrap_or(0)
    }

    /// The room prose column `i` is given before ARNs are shortened, and the least it keeps.
    fn text_room(&self, i: usize, want: usize) -> usize {
        self.natural(i).min(want)
    }

    /// Each ARN column's cap, when the table would not fit in `width`: identifiers
    /// whole, prose a comfortable minimum, the rest shared among the ARN columns in
    /// proportion to their width, none below [`MIN_ARN`]. (UTF8_FULL_CONDENSED spends
    /// three characters a column, and one more, on borders and padding.)
    fn arn_caps(&self, width: usize) -> Vec<Option<usize>> {
        let mut caps = vec![None; self.cols.len()];
        let overhead = 3 * self.cols.len() + 1;
        let (mut fixed, mut arns) = (0usize, Vec::new());
        for (i, c) in self.cols.iter().enumerate() {
            match c {
                Col::Id(_) => fixed += self.natural(i),
                Col::Text(_) => fixed += self.text_room(i, COMFORT_TEXT),
                Col::Arn(_) => arns.push(i),
            }
        }
        let room = width.saturating_sub(overhead + fixed);
        let wanted: usize = arns.iter().map(|&i| self.natural(i)).sum();
        if wanted > room {
            for &i in &arns {
                let share = room * self.natural(i) / wanted.max(1);
                caps[i] = Some(share.max(MIN_ARN).max(self.non_arn(i)));
            }
        }
        caps
    }

    /// Lay the table out.
    pub fn render(&self, layout: Layout) -> String {
        let width = layout.width;
        let caps = match width {
            Some(w) if layout.shorten => self.arn_caps(usize::from(w)),
            _ => vec![],
        };
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_header(self.cols.iter().map(|c| c.header()).collect::<Vec<_>>());
        for row in &self.rows {
            t.add_row(
                row.iter()
                    .enumerate()
                    .map(|(i, cell)| match caps.get(i).copied().flatten() {
                        Some(cap) => cell
                            .lines()
                            .map(|l| {
                                if l.starts_with("arn:") {
                                    shorten_middle(l, cap)
                                } else {
                                    l.to_string()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join("\n"),
                        None => cell.clone(),
                    })
                    .collect::<Vec<_>>(),
            );
        }
        match width {
            Some(w) => {
                t.set_content_arrangement(ContentArrangement::Dynamic).set_width(w);
                for i in 0..self.cols.len() {
                    let constraint = match self.cols[i] {
                        Col::Id(_) | Col::Arn(_) => ColumnConstraint::ContentWidth,
                        Col::Text(_) => ColumnConstraint::LowerBoundary(Width::Fixed(
                            u16::try_from(self.text_room(i, FLOOR_TEXT)).unwrap_or(u16::MAX),
                        )),
                    };
                    if let Some(col) = t.column_mut(i) {
                        col.set_constraint(constraint);
                    }
                }
            }
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        t.to_string()
    }
}

impl std::fmt::Display for Grid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Layout::current()))
    }
}

fn run_errors(reports: &[RunReport]) {
    for e in reports.iter().flat_map(|r| r.errors.iter()) {
        eprintln!("autofix: error: {e}");
    }
}

/// `scan` across accounts: the scan, with each result's account, and the skipped members.
pub fn print_scan_org(reports: &[RunReport], skipped: &[crate::org::Skipped], as_json: bool) {
    print_scan_in(reports, skipped, as_json, true);
}

/// `fix` across accounts: the fix, with each result's account, and the skipped members.
pub fn print_fix_org(reports: &[RunReport], skipped: &[crate::org::Skipped], as_json: bool) {
    print_fix_in(reports, skipped, as_json, true);
}

fn print_skipped(skipped: &[crate::org::Skipped]) {
    for s in skipped {
        eprintln!(
            "autofix: account {} skipped for {}: {} could not be assumed: {}",
            s.account, s.family, s.role, s.reason
        );
    }
}

pub fn print_scan(reports: &[RunReport], as_json: bool) {
    print_scan_in(reports, &[], as_json, false);
}

fn print_scan_in(reports: &[RunReport], skipped: &[crate::org::Skipped], as_json: bool, org: bool) {
    let violations: Vec<&Decision> = decisions(reports).filter(|d| d.is_violation()).collect();
    let checked = decisions(reports).count();
    if as_json {
        let items: Vec<_> = violations
            .iter()
            .map(|d| {
                json!({"rule": d.rule, "resource": d.resource.arn(), "account": d.resource.account, "region": d.resource.region,
                       "mode": d.mode, "findings": d.findings,
                       "planned": d.plan.descriptions(), "exempt": d.outcome == Outcome::Exempt, "notes": d.notes, "outcome": d.outcome})
            })
            .collect();
        let errors: Vec<&String> = reports.iter().flat_map(|r| r.errors.iter()).collect();
        let mut out = json!({"checked": checked, "violations": items, "errors": errors});
        if org {
            out["skipped"] = json!(skipped);
        }
        println!("{out}");
        return;
    }
    run_errors(reports);
    print_skipped(skipped);
    if violations.is_empty() {
        println!("No violations in {}.", count(checked, "check", "checks"));
        return;
    }
    let mut cols = vec![
        Col::Id("RULE"),
        Col::Arn("RESOURCE"),
        Col::Text("FOUND"),
        Col::Text("PLANNED FIX"),
        Col::Text("MODE"),
    ];
    if org {
        cols.insert(1, Col::Id("ACCOUNT"));
    }
    let mut t = table(cols);
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
        let mut row = vec![
            d.rule.clone(),
            d.resource.arn(),
            found,
            d.plan.descriptions().join("\n"),
            mode,
        ];
        if org {
            row.insert(1, d.resource.account.clone());
        }
        t.add_row(row);
    }
    println!("{t}");
    println!(
        "{} in {}. Nothing was changed; `autofix fix` applies the plans.",
        count(violations.len(), "violation", "violations"),
        count(checked, "check", "checks")
    );
}

pub fn print_fix(reports: &[RunReport], as_json: bool) {
    print_fix_in(reports, &[], as_json, false);
}

fn print_fix_in(reports: &[RunReport], skipped: &[crate::org::Skipped], as_json: bool, org: bool) {
    let acted: Vec<&Decision> = decisions(reports)
        .filter(|d| d.is_violation() || d.outcome == Outcome::Failed)
        .collect();
    let checked = decisions(reports).count();
    if as_json {
        let items: Vec<_> = acted
            .iter()
            .map(|d| {
                json!({"rule": d.rule, "resource": d.resource.arn(), "account": d.resource.account, "region": d.resource.region,
                       "outcome": d.outcome, "mode": d.mode, "findings": d.findings,
                       "changes": d.plan.descriptions(), "ledger_id": d.ledger_id, "notes": d.notes, "error": d.error})
            })
            .collect();
        let errors: Vec<&String> = reports.iter().flat_map(|r| r.errors.iter()).collect();
        let mut out = json!({"checked": checked, "results": items, "errors": errors});
        if org {
            out["skipped"] = json!(skipped);
        }
        println!("{out}");
        return;
    }
    run_errors(reports);
    print_skipped(skipped);
    if acted.is_empty() {
        println!(
            "No violations in {}; nothing to fix.",
            count(checked, "check", "checks")
        );
        return;
    }
    let mut cols = vec![
        Col::Id("RULE"),
        Col::Arn("RESOURCE"),
        Col::Text("OUTCOME"),
        Col::Text("CHANGES"),
        Col::Id("LEDGER"),
    ];
    if org {
        cols.insert(1, Col::Id("ACCOUNT"));
    }
    let mut t = table(cols);
    for d in &acted {
        let mut outcome = d.outcome.to_string();
        if let Some(e) = &d.error {
            outcome.push_str(&format!("\n{e}"));
        }
        for n in &d.notes {
            outcome.push_str(&format!("\nnote: {n}"));
        }
        let mut row = vec![
            d.rule.clone(),
            d.resource.arn(),
            outcome,
            d.plan.descriptions().join("\n"),
            d.ledger_id.clone().unwrap_or_else(|| "-".into()),
        ];
        if org {
            row.insert(1, d.resource.account.clone());
        }
        t.add_row(row);
    }
    println!("{t}");
    let of = |o| reports.iter().map(|r| r.count(o)).sum::<usize>();
    println!(
        "{}: {} fixed and verified, {} exempt, {} not verified, {} failed, {} could not be judged, {} over the change limit.",
        count(checked, "check", "checks"),
        of(Outcome::Fixed),
        of(Outcome::Exempt),
        of(Outcome::NotVerified),
        of(Outcome::Failed),
        of(Outcome::CannotJudge),
        of(Outcome::Limited)
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
        Col::Id("RULE"),
        Col::Id("FUNCTION"),
        Col::Id("MODE"),
        Col::Id("DEFAULT"),
        Col::Arn("LAST ACTION"),
        Col::Text("WHAT IT ENSURES"),
    ]);
    for r in rows {
        t.add_row(vec![
            r.id.clone(),
            r.family.clone(),
            r.mode
                .clone()
                .unwrap_or_else(|| format!("{} (default)", r.default_mode)),
            r.default_mode.clone(),
            // "2026-11-30 12:35 fixed arn:..." as the time and outcome over the ARN.
            r.last_action
                .as_deref()
                .map(|a| match a.splitn(4, ' ').collect::<Vec<_>>().as_slice() {
                    [day, time, outcome, arn] => format!("{day} {time} {outcome}\n{arn}"),
                    _ => a.to_string(),
                })
                .unwrap_or_else(|| "-".into()),
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
    let mut t = table(vec![
        Col::Id("PARAMETER"),
        Col::Id("DEFAULT"),
        Col::Id("RULES"),
        Col::Text("MEANING"),
    ]);
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

#[cfg(test)]
mod tests {
    use super::*;

    const LONG_ARN: &str = "arn:aws:iam::123456789012:user/a-rather-long-user-name-for-a-service-account";

    fn grid() -> Grid {
        let mut t = table(vec![
            Col::Id("RULE"),
            Col::Arn("RESOURCE"),
            Col::Text("FOUND"),
            Col::Id("MODE"),
        ]);
        t.add_row(vec![
            "s3-account-public-access-block".into(),
            "arn:aws:s3:us-east-1:123456789012:account-public-access-block".into(),
            "the account has no Block Public Access configuration at all, so every bucket depends on its own".into(),
            "auto".into(),
        ]);
        t.add_row(vec![
            "iam-credentials-unused".into(),
            LONG_ARN.into(),
            "console password unused for 120 days".into(),
            "notify".into(),
        ]);
        t
    }

    fn lines(s: &str) -> Vec<&str> {
        s.lines().collect()
    }

    #[test]
    fn a_narrow_table_keeps_rule_ids_whole_shortens_arns_and_wraps_only_prose() {
        let out = grid().render(Layout::terminal(80));
        for l in lines(&out) {
            assert!(l.chars().count() <= 80, "{} wide: {l}", l.chars().count());
        }
        // Every rule id on one line, whole.
        assert!(out.contains("s3-account-public-access-block"), "{out}");
        assert!(out.contains("iam-credentials-unused"), "{out}");
        // ARNs are never broken over lines: each row's ARN cell is one line, shortened
        // in the middle, its start and its end kept.
        let arn_lines: Vec<&str> = lines(&out).into_iter().filter(|l| l.contains("arn:aws")).collect();
        assert_eq!(arn_lines.len(), 2, "{out}");
        assert!(out.contains('…'), "{out}");
        assert!(arn_lines[0].contains("access-block ┆"), "{out}");
        assert!(arn_lines[1].contains("-account ┆"), "{out}");
        // The prose wrapped instead: its rows take several lines each.
        assert!(lines(&out).len() > 2 + 1 + 2 + 1 + 4, "{out}");
    }

    #[test]
    fn wide_shows_every_identifier_in_full() {
        let out = grid().render(Layout::wide());
        assert!(out.contains(LONG_ARN), "{out}");
        assert!(out.contains("arn:aws:s3:us-east-1:123456789012:account-public-access-block"));
        assert!(!out.contains('…'));
        // Nothing wrapped: one line per row.
        assert_eq!(lines(&out).len(), 2 + 1 + 2 + 1, "{out}");
    }

    #[test]
    fn piped_output_keeps_arns_whole_and_wraps_prose() {
        let out = grid().render(Layout {
            width: Some(80),
            shorten: false,
        });
        assert!(out.contains(LONG_ARN) && !out.contains('…'), "{out}");
    }

    #[test]
    fn a_table_that_fits_is_left_alone() {
        let out = grid().render(Layout::terminal(400));
        assert!(out.contains(LONG_ARN) && !out.contains('…'), "{out}");
    }

    #[test]
    fn shorten_middle_keeps_both_ends() {
        let s = shorten_middle(LONG_ARN, 30);
        assert_eq!(s.chars().count(), 30);
        assert!(s.starts_with("arn:aws:iam") && s.ends_with("-service-account"), "{s}");
        assert_eq!(shorten_middle("short", 30), "short");
    }

    #[test]
    fn counts_are_plural_only_when_they_should_be() {
        assert_eq!(count(1, "check", "checks"), "1 check");
        assert_eq!(count(0, "check", "checks"), "0 checks");
        assert_eq!(count(2, "record", "records"), "2 records");
    }
}
