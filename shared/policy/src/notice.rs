//! What goes to Slack: built from a ledger record, never from request bodies.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ledger::{LedgerRecord, Outcome};
use crate::settings::{Exemption, Mode};

/// How loudly a notice is posted. Data on every action ([`crate::kinds::ActionSpec::SEVERITY`]):
/// a plan that turns an audit or detection control back on (a trail's logging, the
/// Config recorder, GuardDuty, a key's rotation or its cancelled deletion) is `High`,
/// whatever the mode, so Slack shows it loudly with who turned the control off, from
/// where and when.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Normal,
    /// Someone turned an audit or detection control off: an incident responder's matter.
    High,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub rule: String,
    pub rule_title: String,
    pub resource: String,
    pub account: String,
    pub region: String,
    pub outcome: Outcome,
    pub mode: Mode,
    pub dry_run: bool,
    pub headline: String,
    pub findings: Vec<String>,
    /// What changed (or would change).
    pub changes: Vec<String>,
    pub caused_by: String,
    pub trigger: String,
    pub ledger_id: String,
    /// How to undo, or why it can't be undone.
    pub undo: Option<String>,
    pub notes: Vec<String>,
    /// `High` when the plan turns an audit or detection control back on.
    #[serde(default)]
    pub severity: Severity,
    /// Where the causing call came from (CloudTrail `sourceIPAddress`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// The causing call's client (CloudTrail `userAgent`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// When the causing call was made (CloudTrail `eventTime`); `None` for a sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_at: Option<DateTime<Utc>>,
    /// The exemption that held (an `exempt` outcome): its reason and expiry go to
    /// Security Hub's note when the integration suppresses the finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exemption: Option<Exemption>,
}

impl Notice {
    pub fn from_record(rec: &LedgerRecord, rule_title: &str, changes: Vec<String>, undo: Option<String>) -> Notice {
        let headline = rec.outcome.class().headline;
        Notice {
            rule: rec.rule.clone(),
            rule_title: rule_title.to_string(),
            resource: rec.resource.clone(),
            account: rec.account.clone(),
            region: rec.region.clone(),
            outcome: rec.outcome,
            mode: rec.mode,
            dry_run: rec.dry_run,
            headline: headline.to_string(),
            findings: rec.findings.clone(),
            changes,
            caused_by: rec
                .actor
                .as_ref()
                .map(|a| a.arn.clone())
                .unwrap_or_else(|| "unknown (found by a sweep)".to_string()),
            trigger: rec.trigger.clone(),
            ledger_id: rec.id.clone(),
            undo,
            notes: rec.notes.clone(),
            severity: Severity::Normal,
            source_ip: rec.actor.as_ref().and_then(|a| a.source_ip.clone()),
            user_agent: rec.actor.as_ref().and_then(|a| a.user_agent.clone()),
            caused_at: None,
            exemption: None,
        }
    }

    /// Whether a repeat of this notice may be grouped with the last one posted: it
    /// changed nothing, and it is not someone's act against an audit or detection
    /// control (those are posted every time, in every mode).
    pub fn groupable(&self) -> bool {
        self.outcome.class().groupable && !(self.severity == Severity::High && self.caused_at.is_some())
    }

    /// "who, from where (client), when", for the loud line of a high-severity notice.
    pub fn who_where_when(&self) -> String {
        let mut s = self.caused_by.clone();
        if let Some(ip) = &self.source_ip {
            s.push_str(&format!(" from {ip}"));
        }
        if let Some(ua) = &self.user_agent {
            s.push_str(&format!(" ({ua})"));
        }
        if let Some(t) = self.caused_at {
            s.push_str(&format!(" at {}", t.format("%Y-%m-%d %H:%M:%S UTC")));
        }
        s
    }

    /// Plain text, for logs and terminals.
    pub fn text(&self) -> String {
        let loud = if self.severity == Severity::High {
            "HIGH SEVERITY "
        } else {
            ""
        };
        let mut s = format!(
            "{loud}[{}] {}: {} — {}\n",
            self.rule, self.headline, self.resource, self.rule_title
        );
        if self.severity == Severity::High {
            s.push_str(&format!("  turned off by: {}\n", self.who_where_when()));
        }
        for f in &self.findings {
            s.push_str(&format!("  found: {f}\n"));
        }
        for c in &self.changes {
            s.push_str(&format!("  change: {c}\n"));
        }
        s.push_str(&format!(
            "  caused by: {} via {}\n  mode: {}{}  ledger: {}\n",
            self.caused_by,
            self.trigger,
            self.mode,
            if self.dry_run { " (dry run)" } else { "" },
            self.ledger_id
        ));
        if let Some(u) = &self.undo {
            s.push_str(&format!("  undo: {u}\n"));
        }
        for n in &self.notes {
            s.push_str(&format!("  note: {n}\n"));
        }
        s
    }
}
