//! `guardduty-enabled`: GuardDuty has an enabled detector in the region.
//!
//! HIPAA Security Rule: security incident procedures, 164.308(a)(6), and information
//! system activity review, 164.308(a)(1)(ii)(D). Mirrors the AWS Config managed rule
//! `GUARDDUTY_ENABLED_CENTRALIZED` (Security Hub GuardDuty.1).
//!
//! A disabled detector is turned back on (`UpdateDetector`; undo turns it off). A
//! deleted one — the region has none, and CloudTrail's event history (90 days) records
//! its `DeleteDetector` — is created again (undo deletes it; the old detector's
//! findings are gone for good). An account that never enabled GuardDuty here (no
//! detector, no deletion on record) gets one notice per week, never a fix: GuardDuty
//! bills per use, and turning it on is the owner's choice. Default mode `notify`.
use crate::family;
use crate::history::HISTORY_DAYS;
use crate::kinds::guardduty::{CreateDetector, EnableDetector, Facet, GuardDuty, HISTORY_EVENTS, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::{guardduty, history};
use crate::settings::Mode;

pub const ID: &str = "guardduty-enabled";

const DETECTORS: AnyFacet = AnyFacet::GuardDuty(Facet::Detectors);
const HISTORY: AnyFacet = AnyFacet::GuardDuty(Facet::History);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "GuardDuty is enabled",
    safeguard: "164.308(a)(6) Security incident procedures; 164.308(a)(1)(ii)(D) Information system activity review",
    kind: ResourceKind::GuardDuty,
    family: family::AUDIT_TRAIL,
    triggers: Triggers {
        config_rules: &["GUARDDUTY_ENABLED_CENTRALIZED"],
        cloudtrail: &["DeleteDetector", "UpdateDetector"],
        schedule: true,
        security_hub: &["GuardDuty.1"],
    },
    facets: &[DETECTORS],
    reads: &[DETECTORS, HISTORY],
    actions: &[EnableDetector::INFO, CreateDetector::INFO],
    parameters: &[],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct GuardDutyEnabled;

impl KindRule for GuardDutyEnabled {
    type Kind = GuardDuty;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(detectors) = s.detectors.get() else {
            return Verdict::NeedsFacets {
                facets: vec![DETECTORS],
            };
        };
        if let Some(d) = detectors.iter().find(|d| d.enabled) {
            return Verdict::Compliant {
                reason: format!("detector {} is enabled", d.id),
            };
        }
        if let Some(d) = detectors.first() {
            return Verdict::NonCompliant {
                findings: vec![format!("GuardDuty detector {} in {} is disabled", d.id, s.region)],
            };
        }
        let Some(h) = s.history.get() else {
            return Verdict::NeedsFacets { facets: vec![HISTORY] };
        };
        match h.last_of(HISTORY_EVENTS) {
            Some(c) => Verdict::NonCompliant {
                findings: vec![format!(
                    "the GuardDuty detector in {} was deleted on {}",
                    s.region,
                    c.time.format("%Y-%m-%d %H:%M UTC")
                )],
            },
            None => Verdict::Warning {
                findings: vec![format!(
                    "GuardDuty is not enabled in {} (no detector, and none deleted in the last {HISTORY_DAYS} days): enabling it bills per use, so hipaa-autofix leaves the choice to you; reminded once a week",
                    s.region
                )],
                token: format!("never-enabled-{}", s.as_of.format("%G-W%V")),
            },
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        let Some(detectors) = s.detectors.get() else {
            return Plan::default();
        };
        if detectors.iter().any(|d| d.enabled) {
            return Plan::default();
        }
        if let Some(d) = detectors.first() {
            return Plan::of(vec![
                EnableDetector {
                    detector_id: d.id.clone(),
                }
                .into(),
            ]);
        }
        match s.history.get().and_then(|h| h.last_of(HISTORY_EVENTS)) {
            Some(_) => Plan::of(vec![
                CreateDetector {
                    region: s.region.clone(),
                }
                .into(),
            ]),
            None => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: guardduty(Some(false), history(&[])),
            compliant: guardduty(Some(true), history(&[])),
            // Never enabled: a weekly notice, no fix.
            edge: guardduty(None, history(&[])),
            edge_verdict: VerdictClass::Warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_detector_is_created_again_and_undo_deletes_it() {
        let s = guardduty(None, history(&[("DeleteDetector", 0)]));
        assert!(matches!(GuardDutyEnabled.evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = GuardDutyEnabled.plan(&s);
        assert_eq!(plan.actions[0].name(), "CreateDetector");
        assert_eq!(plan.undo().map(|u| u.actions[0].name()), Some("DeleteDetector"));
    }

    #[test]
    fn a_disabled_detector_is_enabled() {
        let plan = GuardDutyEnabled.plan(&guardduty(Some(false), history(&[])));
        assert_eq!(plan.actions[0].name(), "EnableDetector");
    }

    #[test]
    fn never_enabled_is_one_notice_per_week_and_no_fix() {
        let s = guardduty(None, history(&[]));
        match GuardDutyEnabled.evaluate(&s) {
            Verdict::Warning { token, .. } => assert_eq!(token, "never-enabled-2026-W48"),
            v => panic!("{v:?}"),
        }
        assert!(GuardDutyEnabled.plan(&s).is_empty());
    }
}
