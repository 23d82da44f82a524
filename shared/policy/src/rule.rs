//! The `Rule` trait: pure decisions over snapshots.
use serde::Serialize;

use crate::action::Plan;
use crate::event::{Event, EventSource};
use crate::resource::{Facet, ResourceKind, ResourceRef, Snapshot};
use crate::settings::Mode;

/// What a rule concludes about a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Compliant {
        reason: String,
    },
    NonCompliant {
        findings: Vec<String>,
    },
    /// The rule needs these facets read before it can judge.
    NeedsFacets {
        facets: Vec<Facet>,
    },
    /// Compliant for now, but worth a notice once (e.g. a key nearing its age limit).
    /// `token` identifies the warning: one notice per (rule, resource, token).
    Warning {
        findings: Vec<String>,
        token: String,
    },
    /// The state can't be judged (e.g. an unparsable policy); never fixed blindly.
    CannotJudge {
        reason: String,
    },
}

/// What makes a rule run.
#[derive(Debug, Clone, Copy)]
pub struct Triggers {
    /// AWS Config managed rule identifiers (`S3_BUCKET_PUBLIC_READ_PROHIBITED`). A
    /// Config rule *name* matches when it is the identifier in kebab or snake case,
    /// optionally followed by a suffix (conformance packs add one).
    pub config_rules: &'static [&'static str],
    /// CloudTrail `eventName`s.
    pub cloudtrail: &'static [&'static str],
    /// Whether the scheduled sweep runs the rule.
    pub schedule: bool,
}

/// A rule: pure, no I/O. See `rules/` for the list.
pub trait Rule: Send + Sync {
    /// Kebab-case id, e.g. `s3-bucket-public-access`.
    fn id(&self) -> &'static str;
    /// One line for people.
    fn title(&self) -> &'static str;
    /// The HIPAA Security Rule safeguard the rule serves.
    fn safeguard(&self) -> &'static str;
    fn kind(&self) -> ResourceKind;
    fn triggers(&self) -> Triggers;
    /// The facets read first; `evaluate` may ask for more.
    fn facets(&self) -> &'static [Facet];
    /// Every facet the rule may ask for (the executor also reads `Tags` for exemptions).
    fn reads(&self) -> &'static [Facet];
    /// The names of every `Action` the rule's plans may hold (see `action::ACTION_NAMES`).
    fn actions(&self) -> &'static [&'static str];
    fn evaluate(&self, snapshot: &Snapshot) -> Verdict;
    /// The fix for a non-compliant snapshot; empty when none is possible.
    fn plan(&self, snapshot: &Snapshot) -> Plan;
    fn default_mode(&self) -> Mode {
        Mode::Auto
    }
    /// Whether the stack deploys a custom AWS Config rule (`hipaa-autofix-<rule id>`) that
    /// invokes the function and receives its evaluations (`config:PutEvaluations`).
    fn custom_config_rule(&self) -> bool {
        false
    }

    /// Whether an event concerns this rule.
    fn applies_to(&self, event: &Event) -> bool {
        let t = self.triggers();
        match &event.source {
            EventSource::Schedule { .. } | EventSource::Manual => t.schedule,
            EventSource::CloudTrail { event_name, .. } => t.cloudtrail.contains(&event_name.as_str()),
            EventSource::ConfigRule { rule_name, .. } | EventSource::ComplianceChange { rule_name, .. } => {
                config_rule_matches(rule_name, self.id(), t.config_rules)
            }
        }
    }

    /// The resources of an event this rule judges. An account-level rule takes any
    /// account-level resource of the event as its own (Config names both the S3 and the
    /// IAM account settings `AWS::::Account`).
    fn targets(&self, event: &Event) -> Vec<ResourceRef> {
        let kind = self.kind();
        let mut out: Vec<ResourceRef> = Vec::new();
        for r in &event.resources {
            let t = if r.kind == kind {
                r.clone()
            } else if kind.is_account_level() && r.kind.is_account_level() {
                r.as_kind(kind)
            } else {
                continue;
            };
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }
}

/// Whether a Config rule name (as deployed) refers to one of `identifiers` or to our own custom rule.
pub fn config_rule_matches(name: &str, rule_id: &str, identifiers: &[&str]) -> bool {
    let n = name.to_ascii_lowercase().replace('_', "-");
    if n.contains(rule_id) {
        return true;
    }
    identifiers.iter().any(|id| {
        let id = id.to_ascii_lowercase().replace('_', "-");
        n == id || n.starts_with(&format!("{id}-")) || n.ends_with(&format!("-{id}")) || n.contains(&format!("-{id}-"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn conformance_pack_names_match_their_identifier() {
        let ids = &["S3_BUCKET_PUBLIC_READ_PROHIBITED"];
        assert!(config_rule_matches("s3-bucket-public-read-prohibited", "x", ids));
        assert!(config_rule_matches(
            "s3-bucket-public-read-prohibited-conformance-pack-abcd1234",
            "x",
            ids
        ));
        assert!(config_rule_matches("S3_BUCKET_PUBLIC_READ_PROHIBITED", "x", ids));
        assert!(config_rule_matches("hipaa-autofix-x", "x", ids));
        assert!(!config_rule_matches("s3-bucket-public-write-prohibited", "x", ids));
    }
}
