//! Rules: pure decisions over snapshots, and the static description every rule
//! declares ([`RuleSpec`]) from which everything else about it is derived (its
//! family's permissions, parameters, triggers, the template meta-test).
use std::fmt;

use serde::Serialize;

use crate::event::{Event, EventSource};
use crate::kinds::{ActionInfo, Facet, Kind, ResourceKind, ResourceRef, Snapshot};
use crate::params::Param;
use crate::plan::Plan;
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

impl Verdict {
    /// The verdict's kind, without its details (what the conformance test compares).
    pub fn class(&self) -> VerdictClass {
        match self {
            Verdict::Compliant { .. } => VerdictClass::Compliant,
            Verdict::NonCompliant { .. } => VerdictClass::NonCompliant,
            Verdict::NeedsFacets { .. } => VerdictClass::NeedsFacets,
            Verdict::Warning { .. } => VerdictClass::Warning,
            Verdict::CannotJudge { .. } => VerdictClass::CannotJudge,
        }
    }
}

/// A [`Verdict`] without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictClass {
    Compliant,
    NonCompliant,
    NeedsFacets,
    Warning,
    CannotJudge,
}

/// A function family: one Lambda (`functions/<name>`), with its own role and
/// triggers, running the rules that name it. Declared as constants in
/// [`crate::family`]; the list of families is derived from the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Family(&'static str);

impl Family {
    pub const fn new(name: &'static str) -> Family {
        Family(name)
    }
    /// The function's name (its crate and binary, `s3-public-access`).
    pub fn name(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
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
    /// Security Hub control ids (`S3.2`, `IAM.3`: AWS Foundational Security Best
    /// Practices and CIS controls, consolidated as `Compliance.SecurityControlId`)
    /// whose failed findings route to the rule. A finding of a Config rule routes by
    /// the rule's name, as `config_rules` says.
    pub security_hub: &'static [&'static str],
}

/// What the rule's fix of its non-compliant example is, for the conformance test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Applied, it makes the resource compliant; undone, it restores the exact before-state.
    Reversible,
    /// Applied, it makes the resource compliant; AWS can't undo it (the notice says so).
    Irreversible,
    /// Nothing is changed automatically: the plan says what a person must do
    /// (a fix no API offers, or one the rule's parameters withhold by default).
    Withheld,
}

/// Everything static about a rule. Each rule file declares one.
#[derive(Debug)]
pub struct RuleSpec {
    /// Kebab-case id, e.g. `s3-bucket-public-access`.
    pub id: &'static str,
    /// One line for people.
    pub title: &'static str,
    /// The HIPAA Security Rule safeguard the rule serves.
    pub safeguard: &'static str,
    pub kind: ResourceKind,
    pub family: Family,
    pub triggers: Triggers,
    /// The facets read first; `evaluate` may ask for more.
    pub facets: &'static [Facet],
    /// Every facet the rule may ask for (the executor also reads the kind's tags).
    pub reads: &'static [Facet],
    /// Every action the rule's plans may hold.
    pub actions: &'static [ActionInfo],
    /// The parameters the rule reads.
    pub parameters: &'static [Param],
    pub default_mode: Mode,
    /// Whether the stack deploys a custom AWS Config rule (`hipaa-autofix-<rule id>`) that
    /// invokes the function and receives its evaluations (`config:PutEvaluations`).
    pub custom_config_rule: bool,
    /// The rules of one resource run in this order (unique among the rules of a kind).
    pub order: u16,
    /// What the fix of the rule's non-compliant example is.
    pub fix: Fix,
}

/// A rule's examples, checked by the conformance test (`shared/policy/tests/conformance.rs`):
/// a non-compliant snapshot (fixed by the plan, then undone, as `RuleSpec::fix`
/// says), a compliant one, and an edge case with the verdict it must get. The
/// first two have every facet the rule reads read.
#[derive(Debug, Clone)]
pub struct Examples<S> {
    pub non_compliant: S,
    pub compliant: S,
    pub edge: S,
    pub edge_verdict: VerdictClass,
}

impl<S: Into<Snapshot>> Examples<S> {
    fn erase(self) -> Examples<Snapshot> {
        Examples {
            non_compliant: self.non_compliant.into(),
            compliant: self.compliant.into(),
            edge: self.edge.into(),
            edge_verdict: self.edge_verdict,
        }
    }
}

/// A rule over one kind's snapshot: what rule files implement. Every `KindRule`
/// is a [`Rule`].
pub trait KindRule: Send + Sync {
    type Kind: Kind;
    fn spec(&self) -> &'static RuleSpec;
    fn evaluate(&self, s: &<Self::Kind as Kind>::Snapshot) -> Verdict;
    /// The fix for a non-compliant snapshot; empty when none is possible.
    fn plan(&self, s: &<Self::Kind as Kind>::Snapshot) -> Plan;
    fn examples(&self) -> Examples<<Self::Kind as Kind>::Snapshot>;
}

/// A rule: pure, no I/O. See `rules/` for the list.
pub trait Rule: Send + Sync {
    fn spec(&self) -> &'static RuleSpec;
    fn evaluate(&self, snapshot: &Snapshot) -> Verdict;
    /// The fix for a non-compliant snapshot; empty when none is possible.
    fn plan(&self, snapshot: &Snapshot) -> Plan;
    fn examples(&self) -> Examples<Snapshot>;

    fn id(&self) -> &'static str {
        self.spec().id
    }
    fn kind(&self) -> ResourceKind {
        self.spec().kind
    }

    /// Whether an event concerns this rule.
    fn applies_to(&self, event: &Event) -> bool {
        let t = self.spec().triggers;
        match &event.source {
            EventSource::Schedule { .. } | EventSource::Manual => t.schedule,
            EventSource::CloudTrail { event_name, .. } => t.cloudtrail.contains(&event_name.as_str()),
            EventSource::ConfigRule { rule_name, .. } | EventSource::ComplianceChange { rule_name, .. } => {
                config_rule_matches(rule_name, self.id(), t.config_rules)
            }
            EventSource::SecurityHub { controls, config_rules } => {
                controls.iter().any(|c| t.security_hub.contains(&c.as_str()))
                    || config_rules
                        .iter()
                        .any(|n| config_rule_matches(n, self.id(), t.config_rules))
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

impl<R: KindRule> Rule for R {
    fn spec(&self) -> &'static RuleSpec {
        KindRule::spec(self)
    }
    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        match R::Kind::project(snapshot) {
            Some(s) => KindRule::evaluate(self, s),
            None => Verdict::CannotJudge {
                reason: format!("not a {:?} snapshot", R::Kind::KIND),
            },
        }
    }
    fn plan(&self, snapshot: &Snapshot) -> Plan {
        R::Kind::project(snapshot).map_or_else(Plan::default, |s| KindRule::plan(self, s))
    }
    fn examples(&self) -> Examples<Snapshot> {
        KindRule::examples(self).erase()
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
