//! The report's content, as tables: pure functions of the ledger's records, the
//! settings table and a fresh scan. HTML, CSV and JSON render these same tables, so
//! the three formats hold the same rows by construction.
//!
//! Only configuration facts go in: rule ids, resource ARNs, outcomes, findings
//! (which describe configuration, as the notices do), admins' reasons, times. Never a
//! snapshot's content, an object, a request body.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use policy::settings::{Exemption, ExemptionEntry, ExemptionSource, ModeSetting};
use policy::{Decision, LedgerRecord, Mode, Outcome};
use serde_json::{Value, json};

/// One cell. Text renders the same in HTML and CSV; JSON keeps numbers as numbers and
/// an absent value as `null`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A duration, held in milliseconds, shown in seconds to a tenth.
    Millis(i64),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    /// No value; the text says why ("n/a", "no expiry").
    Absent(&'static str),
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Millis(ms) => format!("{:.1}", *ms as f64 / 1000.0),
            Cell::Time(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Absent(why) => (*why).to_string(),
        }
    }

    pub fn json(&self) -> Value {
        match self {
            Cell::Count(n) => json!(n),
            Cell::Millis(ms) => json!((*ms as f64 / 100.0).round() / 10.0),
            Cell::Absent(_) => Value::Null,
            Cell::Text(_) | Cell::Time(_) | Cell::Date(_) => Value::String(self.text()),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// One of the report's tables.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table's id: its CSV file name, its JSON key, its HTML element id.
    pub id: &'static str,
    pub title: &'static str,
    /// What the table shows and how to read it (one short paragraph).
    pub intro: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// What to say when there are no rows.
    pub empty: &'static str,
}

/// A rule as the report names it (from `policy::rules::all()`).
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub safeguard: String,
    pub function: String,
    pub default_mode: Mode,
}

/// Everything the report is built from.
pub struct Inputs<'a> {
    pub now: DateTime<Utc>,
    pub since: DateTime<Utc>,
    pub account: String,
    pub region: String,
    pub stack: String,
    pub ledger_table: String,
    pub settings_table: Option<String>,
    pub rules: Vec<RuleInfo>,
    /// Every ledger record (the report picks the period's).
    pub records: &'a [LedgerRecord],
    /// The fresh scan's decisions (record = false: nothing changed, nothing written).
    pub scan: &'a [Decision],
    /// Run-level failures of the scan (a listing that failed).
    pub scan_errors: &'a [String],
    pub modes: &'a [ModeSetting],
    pub exemptions: &'a [ExemptionEntry],
}

/// The report: its tables in order, and the series its charts draw.
#[derive(Debug, Clone)]
pub struct Report {
    pub account: String,
    pub region: String,
    pub since: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub tables: Vec<Table>,
    /// Fixes per day over every day of the period, zeros included (the chart's series).
    pub fixes_per_day: Vec<(NaiveDate, u64)>,
    /// Fixes per rule in the period, every rule (the second chart's series).
    pub fixes_per_rule: Vec<(String, u64)>,
    /// The headline figures (label, value), each derived from a table.
    pub glance: Vec<(&'static str, String)>,
    pub scan_errors: Vec<String>,
}

impl Report {
    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
}

/// The `q`-th percentile (0 < q <= 1) by the nearest-rank method: the smallest value
/// at or above which lies at least `q` of the values. `None` for no values.
pub fn percentile(sorted: &[i64], q: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    // rank = ceil(q * n), 1-based; q * n is small, so the cast is exact.
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// Milliseconds from the triggering change to the verified fix; `None` when the
/// record does not know when the change happened (a sweep found it, or an older record).
pub fn millis_to_remediate(r: &LedgerRecord) -> Option<i64> {
    r.event_time.map(|t| (r.time - t).num_milliseconds().max(0))
}

fn is_fix(r: &LedgerRecord) -> bool {
    r.outcome == Outcome::Fixed && !r.dry_run
}

/// Records that held a violation back (withheld) or failed to fix it.
fn withheld_or_failed(o: Outcome) -> Option<&'static str> {
    match o {
        Outcome::Failed => Some("fix failed"),
        Outcome::NotVerified => Some("changed, not verified"),
        Outcome::Limited => Some("withheld: change limit"),
        Outcome::Notified => Some("withheld: notify mode"),
        Outcome::DryRun => Some("withheld: dry run"),
        Outcome::Exempt => Some("withheld: exempt"),
        Outcome::BreakGlass => Some("withheld: break-glass"),
        Outcome::CannotJudge => Some("withheld: no automatic fix"),
        Outcome::Compliant
        | Outcome::Gone
        | Outcome::Off
        | Outcome::LoopGuard
        | Outcome::FailedCall
        | Outcome::Duplicate
        | Outcome::Fixed
        | Outcome::Warned
        | Outcome::Undone
        | Outcome::ModeSet
        | Outcome::Exempted
        | Outcome::ExemptionRemoved => None,
    }
}

/// Why a problem happened, for a record that says nothing itself: what its outcome
/// alone tells.
fn unrecorded_reason(o: Outcome) -> &'static str {
    match o {
        Outcome::Notified => "the rule is in notify mode",
        Outcome::DryRun => "the function runs in dry-run mode",
        Outcome::Failed
        | Outcome::NotVerified
        | Outcome::Limited
        | Outcome::Exempt
        | Outcome::BreakGlass
        | Outcome::CannotJudge
        | Outcome::Compliant
        | Outcome::Gone
        | Outcome::Off
        | Outcome::LoopGuard
        | Outcome::FailedCall
        | Outcome::Duplicate
        | Outcome::Fixed
        | Outcome::Warned
        | Outcome::Undone
        | Outcome::ModeSet
        | Outcome::Exempted
        | Outcome::ExemptionRemoved => "no reason recorded",
    }
}

fn admin_act(o: Outcome) -> Option<&'static str> {
    match o {
        Outcome::ModeSet => Some("rule mode set"),
        Outcome::Exempted => Some("resource exempted"),
        Outcome::ExemptionRemoved => Some("exemption removed"),
        Outcome::Undone => Some("fix undone"),
        Outcome::Compliant
        | Outcome::Gone
        | Outcome::Off
        | Outcome::LoopGuard
        | Outcome::FailedCall
        | Outcome::Duplicate
        | Outcome::Exempt
        | Outcome::Notified
        | Outcome::DryRun
        | Outcome::Fixed
        | Outcome::NotVerified
        | Outcome::Failed
        | Outcome::CannotJudge
        | Outcome::Limited
        | Outcome::Warned
        | Outcome::BreakGlass => None,
    }
}

/// What a scan decision says about the resource now; `None` when it is no violation.
fn current_state(d: &Decision) -> Option<&'static str> {
    match d.outcome {
        Outcome::DryRun => Some("violation: the rule would fix it"),
        Outcome::Notified => Some("violation: reported only (notify mode)"),
        Outcome::Exempt => Some("violation: exempt"),
        Outcome::BreakGlass => Some("violation: break-glass, an admin must act"),
        Outcome::CannotJudge => Some("violation: no automatic fix, an admin must act"),
        Outcome::Limited => Some("violation: over the change limit"),
        Outcome::Failed => Some("not judged: reading it failed"),
        Outcome::Compliant
        | Outcome::Gone
        | Outcome::Off
        | Outcome::LoopGuard
        | Outcome::FailedCall
        | Outcome::Duplicate
        | Outcome::Fixed
        | Outcome::NotVerified
        | Outcome::Warned
        | Outcome::Undone
        | Outcome::ModeSet
        | Outcome::Exempted
        | Outcome::ExemptionRemoved => None,
    }
}

fn who(r: &LedgerRecord) -> String {
    r.actor
        .as_ref()
        .map(|a| a.arn.clone())
        .unwrap_or_else(|| format!("{} (no caller)", r.trigger))
}

fn joined(parts: &[String]) -> String {
    parts.join("; ")
}

fn until_cell(until: Option<NaiveDate>) -> Cell {
    until.map(Cell::Date).unwrap_or(Cell::Absent("no expiry"))
}

/// Build every table.
pub fn build(i: &Inputs<'_>) -> Report {
    let in_period: Vec<&LedgerRecord> = i
        .records
        .iter()
        .filter(|r| r.time >= i.since && r.time <= i.now)
        .collect();
    let fixes: Vec<&LedgerRecord> = in_period.iter().copied().filter(|r| is_fix(r)).collect();
    let exempted = exempted(i);
    let ttr = time_to_remediate(i, &fixes);
    let (per_day_table, per_day) = fixes_per_day(i, &fixes);
    let fixes_per_rule: Vec<(String, u64)> = i
        .rules
        .iter()
        .map(|r| (r.id.clone(), fixes.iter().filter(|f| f.rule == r.id).count() as u64))
        .collect();
    let glance = glance(i, &fixes, &in_period);
    let tables = vec![
        about(i, in_period.len()),
        rules(i, &fixes, &exempted),
        violations(i),
        exemptions(i, &exempted),
        per_day_table,
        ttr,
        fixes_table(&fixes),
        admin_acts(&in_period),
        problems(&in_period),
    ];
    Report {
        account: i.account.clone(),
        region: i.region.clone(),
        since: i.since,
        now: i.now,
        tables,
        fixes_per_day: per_day,
        fixes_per_rule,
        glance,
        scan_errors: i.scan_errors.to_vec(),
    }
}

fn glance(i: &Inputs<'_>, fixes: &[&LedgerRecord], in_period: &[&LedgerRecord]) -> Vec<(&'static str, String)> {
    let now = |exempt: bool| {
        i.scan
            .iter()
            .filter(|d| current_state(d).is_some() && (d.outcome == Outcome::Exempt) == exempt)
            .count()
    };
    let mut ms: Vec<i64> = fixes.iter().filter_map(|r| millis_to_remediate(r)).collect();
    ms.sort_unstable();
    let p = |q| {
        percentile(&ms, q)
            .map(Cell::Millis)
            .unwrap_or(Cell::Absent("n/a"))
            .text()
    };
    let count = |f: fn(Outcome) -> Option<&'static str>| in_period.iter().filter(|r| f(r.outcome).is_some()).count();
    vec![
        ("violations now", now(false).to_string()),
        ("exempt violations now", now(true).to_string()),
        ("verified fixes in the period", fixes.len().to_string()),
        ("time to remediate p50 / p95 (s)", format!("{} / {}", p(0.5), p(0.95))),
        ("admin acts", count(admin_act).to_string()),
        ("withheld or failed", count(withheld_or_failed).to_string()),
    ]
}

fn about(i: &Inputs<'_>, records_in_period: usize) -> Table {
    let earliest = i.records.iter().map(|r| r.time).min();
    let rows: Vec<Vec<Cell>> = vec![
        vec!["report generated".into(), Cell::Time(i.now)],
        vec!["period from".into(), Cell::Time(i.since)],
        vec!["period to".into(), Cell::Time(i.now)],
        vec!["AWS account".into(), i.account.clone().into()],
        vec!["region".into(), i.region.clone().into()],
        vec!["stack".into(), i.stack.clone().into()],
        vec![
            "ledger".into(),
            format!(
                "DynamoDB table {} in account {}, region {}",
                i.ledger_table, i.account, i.region
            )
            .into(),
        ],
        vec![
            "settings".into(),
            match &i.settings_table {
                Some(t) => format!("DynamoDB table {t}").into(),
                None => Cell::Absent("none found: each rule's default mode applies"),
            },
        ],
        vec![
            "ledger records in the period".into(),
            Cell::Count(records_in_period as u64),
        ],
        vec!["ledger records in all".into(), Cell::Count(i.records.len() as u64)],
        vec![
            "earliest ledger record".into(),
            earliest.map(Cell::Time).unwrap_or(Cell::Absent("none")),
        ],
        vec![
            "retention".into(),
            "HIPAA 164.316(b)(2)(i) asks that this documentation be kept six years. The ledger table, \
             its key and the functions' log groups (2192 days) are retained when the stack is deleted."
                .into(),
        ],
    ];
    Table {
        id: "about",
        title: "About this report",
        intro: "What the report covers and where its evidence is kept.".into(),
        columns: vec!["item", "value"],
        rows,
        empty: "",
    }
}

/// Each rule's mode as resolved now: the settings table's, else the rule's built-in default.
fn mode_now(i: &Inputs<'_>, rule: &RuleInfo) -> (Mode, String) {
    match i.modes.iter().find(|m| m.rule == rule.id) {
        Some(m) => {
            let by = m.updated_by.as_deref().unwrap_or("an admin");
            let at = m
                .updated_at
                .map(|t| format!(" at {}", Cell::Time(t).text()))
                .unwrap_or_default();
            (m.mode, format!("settings table (set by {by}{at})"))
        }
        None => (rule.default_mode, "built-in default".to_string()),
    }
}

fn rules(i: &Inputs<'_>, fixes: &[&LedgerRecord], exempted: &[Exempted]) -> Table {
    let today = i.now.date_naive();
    let rows = i
        .rules
        .iter()
        .map(|r| {
            let (mode, source) = mode_now(i, r);
            let violations = i
                .scan
                .iter()
                .filter(|d| d.rule == r.id && d.outcome != Outcome::Exempt && current_state(d).is_some())
                .count();
            let exempt = exempted.iter().filter(|x| x.rule == r.id && x.active(today)).count();
            vec![
                r.id.clone().into(),
                r.title.clone().into(),
                r.safeguard.clone().into(),
                r.function.clone().into(),
                mode.to_string().into(),
                source.into(),
                Cell::Count(violations as u64),
                Cell::Count(exempt as u64),
                Cell::Count(fixes.iter().filter(|f| f.rule == r.id).count() as u64),
            ]
        })
        .collect();
    Table {
        id: "rules",
        title: "Rules and the safeguards they enforce",
        intro: "Every rule, the HIPAA Security Rule safeguard it serves, its mode now (auto fixes, \
                notify reports only, off does nothing), the violations a fresh scan found (exempt ones \
                not counted) and the active exemptions, and its verified fixes in the period."
            .into(),
        columns: vec![
            "rule",
            "ensures",
            "HIPAA safeguard",
            "function",
            "mode",
            "mode set by",
            "violations now",
            "active exemptions",
            "fixes in period",
        ],
        rows,
        empty: "No rules.",
    }
}

fn violations(i: &Inputs<'_>) -> Table {
    let mut rows: Vec<Vec<Cell>> = i
        .scan
        .iter()
        .filter_map(|d| current_state(d).map(|s| (d, s)))
        .map(|(d, state)| {
            let mut why = d.findings.clone();
            why.extend(d.error.iter().cloned());
            vec![
                d.rule.clone().into(),
                d.resource.arn().into(),
                state.into(),
                d.mode.to_string().into(),
                joined(&why).into(),
            ]
        })
        .collect();
    rows.sort_by_key(|r| (r[0].text(), r[1].text()));
    let mut intro = "What a fresh scan (the same sweep as `autofix scan`, which changes and records \
                     nothing) found in violation now, and what the rule does about it."
        .to_string();
    if !i.scan_errors.is_empty() {
        intro.push_str(&format!(
            " The scan failed in part ({}), so this list may be incomplete.",
            joined(i.scan_errors)
        ));
    }
    Table {
        id: "violations",
        title: "Violations now",
        intro,
        columns: vec!["rule", "resource", "state", "mode", "found"],
        rows,
        empty: "No violations: every resource the scan read complies.",
    }
}

fn exemption_source(e: &Exemption) -> (String, String) {
    match &e.source {
        ExemptionSource::Tag { key } => (format!("tag {key}"), "-".to_string()),
        ExemptionSource::Settings { by } => (
            "settings table".to_string(),
            by.clone().unwrap_or_else(|| "-".to_string()),
        ),
    }
}

/// One exemption the report lists: from the settings table, or a tag the scan saw.
struct Exempted {
    rule: String,
    arn: String,
    exemption: Exemption,
    /// Whether it held back a violation in the fresh scan.
    seen_now: bool,
}

impl Exempted {
    fn active(&self, today: NaiveDate) -> bool {
        self.exemption.until.is_none_or(|d| d >= today)
    }
}

/// The settings table's exemptions and the tags the scan saw, one per (rule,
/// resource, source): a resource may be exempt by a tag and by the table.
fn exempted(i: &Inputs<'_>) -> Vec<Exempted> {
    let seen: BTreeSet<(String, String)> = i
        .scan
        .iter()
        .filter(|d| d.exemption.is_some())
        .map(|d| (d.rule.clone(), d.resource.arn()))
        .collect();
    let mut out: BTreeMap<(String, String, String), Exempted> = BTreeMap::new();
    let listed = i
        .exemptions
        .iter()
        .map(|x| (x.rule.clone(), x.resource_arn.clone(), x.exemption.clone()));
    let scanned = i
        .scan
        .iter()
        .filter_map(|d| d.exemption.clone().map(|e| (d.rule.clone(), d.resource.arn(), e)));
    for (rule, arn, exemption) in listed.chain(scanned) {
        let seen_now = seen.contains(&(rule.clone(), arn.clone()));
        let source = exemption_source(&exemption).0;
        out.insert(
            (rule.clone(), arn.clone(), source),
            Exempted {
                rule,
                arn,
                exemption,
                seen_now,
            },
        );
    }
    out.into_values().collect()
}

fn exemptions(i: &Inputs<'_>, list: &[Exempted]) -> Table {
    let today = i.now.date_naive();
    let rows = list
        .iter()
        .map(|x| {
            let (source, by) = exemption_source(&x.exemption);
            vec![
                x.rule.clone().into(),
                x.arn.clone().into(),
                x.exemption.reason.clone().into(),
                until_cell(x.exemption.until),
                if x.active(today) { "active" } else { "expired" }.into(),
                source.into(),
                by.into(),
                if x.seen_now { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    Table {
        id: "exemptions",
        title: "Exemptions",
        intro: "Every exemption the settings table holds, and every exemption tag the scan saw on a \
                resource in violation (a tag on a compliant resource is not read). `until` is the \
                last day it holds."
            .into(),
        columns: vec![
            "rule",
            "resource",
            "reason",
            "until",
            "status",
            "source",
            "exempted by",
            "held back a violation now",
        ],
        rows,
        empty: "No exemptions.",
    }
}

fn fixes_per_day(i: &Inputs<'_>, fixes: &[&LedgerRecord]) -> (Table, Vec<(NaiveDate, u64)>) {
    let mut counts: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for f in fixes {
        *counts.entry(f.time.date_naive()).or_default() += 1;
    }
    let mut series = Vec::new();
    let mut day = i.since.date_naive();
    let last = i.now.date_naive();
    while day <= last {
        series.push((day, counts.get(&day).copied().unwrap_or(0)));
        day += Duration::days(1);
    }
    let rows = counts
        .iter()
        .map(|(d, n)| vec![Cell::Date(*d), Cell::Count(*n)])
        .collect();
    (
        Table {
            id: "fixes_per_day",
            title: "Fixes per day",
            intro: "Verified fixes per day (UTC); days without a fix are left out of the table and \
                    drawn as zero in the chart."
                .into(),
            columns: vec!["day", "fixes"],
            rows,
            empty: "No fixes in the period.",
        },
        series,
    )
}

fn time_to_remediate(i: &Inputs<'_>, fixes: &[&LedgerRecord]) -> Table {
    let row = |scope: String, of: Vec<&&LedgerRecord>| {
        let mut ms: Vec<i64> = of.iter().filter_map(|r| millis_to_remediate(r)).collect();
        ms.sort_unstable();
        let p = |q| percentile(&ms, q).map(Cell::Millis).unwrap_or(Cell::Absent("n/a"));
        vec![
            scope.into(),
            Cell::Count(of.len() as u64),
            Cell::Count(ms.len() as u64),
            p(0.5),
            p(0.95),
        ]
    };
    let mut rows = vec![row("all rules".into(), fixes.iter().collect())];
    for r in &i.rules {
        rows.push(row(r.id.clone(), fixes.iter().filter(|f| f.rule == r.id).collect()));
    }
    Table {
        id: "time_to_remediate",
        title: "Time to remediate",
        intro: "From the triggering change (CloudTrail's eventTime, AWS Config's capture time) to \
                the verified fix, in seconds, by the nearest-rank percentile. A fix found by a sweep \
                has no triggering change, and older records don't carry its time: those count as \
                fixes but not as measured, and a rule without a measured fix shows n/a."
            .into(),
        columns: vec!["rule", "fixes", "measured", "p50 seconds", "p95 seconds"],
        rows,
        empty: "",
    }
}

fn fixes_table(fixes: &[&LedgerRecord]) -> Table {
    let rows = fixes
        .iter()
        .map(|r| {
            vec![
                Cell::Time(r.time),
                r.rule.clone().into(),
                r.resource.clone().into(),
                r.trigger.clone().into(),
                who(r).into(),
                r.event_time.map(Cell::Time).unwrap_or(Cell::Absent("n/a")),
                millis_to_remediate(r).map(Cell::Millis).unwrap_or(Cell::Absent("n/a")),
                r.id.clone().into(),
            ]
        })
        .collect();
    Table {
        id: "fixes",
        title: "Every fix in the period",
        intro: "Each change that was verified compliant on a fresh read, oldest first. The ledger \
                record (`autofix history --json`) holds the state before and after."
            .into(),
        columns: vec![
            "time",
            "rule",
            "resource",
            "trigger",
            "caused by",
            "change at",
            "seconds to fix",
            "ledger id",
        ],
        rows,
        empty: "No fixes in the period.",
    }
}

fn admin_acts(records: &[&LedgerRecord]) -> Table {
    let rows = records
        .iter()
        .filter_map(|r| admin_act(r.outcome).map(|act| (r, act)))
        .map(|(r, act)| {
            vec![
                Cell::Time(r.time),
                act.into(),
                r.rule.clone().into(),
                r.resource.clone().into(),
                who(r).into(),
                joined(&r.findings).into(),
                r.id.clone().into(),
            ]
        })
        .collect();
    Table {
        id: "admin_acts",
        title: "Admin acts",
        intro: "Every rule mode change, exemption, exemption removal and undo in the period, with \
                who did it (an AWS identity, or a Slack user) and when."
            .into(),
        columns: vec!["time", "act", "rule", "resource", "by", "what", "ledger id"],
        rows,
        empty: "No admin acts in the period.",
    }
}

fn problems(records: &[&LedgerRecord]) -> Table {
    let rows = records
        .iter()
        .filter_map(|r| withheld_or_failed(r.outcome).map(|o| (r, o)))
        .map(|(r, outcome)| {
            let mut why: Vec<String> = r.error.iter().cloned().collect();
            why.extend(r.notes.iter().cloned());
            if why.is_empty() {
                why.push(unrecorded_reason(r.outcome).to_string());
            }
            vec![
                Cell::Time(r.time),
                r.rule.clone().into(),
                r.resource.clone().into(),
                outcome.into(),
                joined(&why).into(),
                joined(&r.findings).into(),
                r.id.clone().into(),
            ]
        })
        .collect();
    Table {
        id: "withheld_and_failed",
        title: "Withheld and failed fixes",
        intro: "Violations in the period that were not fixed, and why: held back (notify mode, an \
                exemption, break-glass, the change limit, no automatic fix) or failed."
            .into(),
        columns: vec!["time", "rule", "resource", "outcome", "reason", "found", "ledger id"],
        rows,
        empty: "None: every violation in the period was fixed.",
    }
}

/// The headline figures on one line, for the CLI's closing message.
pub fn summary(r: &Report) -> String {
    r.glance
        .iter()
        .map(|(what, value)| format!("{what}: {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod tests;
