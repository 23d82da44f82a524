//! What goes to Slack: built from a ledger record, never from request bodies.
use serde::{Deserialize, Serialize};

use crate::ledger::{LedgerRecord, Outcome};
use crate::settings::Mode;

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
        }
    }

    /// Plain text, for logs and terminals.
    pub fn text(&self) -> String {
        let mut s = format!(
            "[{}] {}: {} — {}\n",
            self.rule, self.headline, self.resource, self.rule_title
        );
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
