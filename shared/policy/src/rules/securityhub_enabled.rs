//! `securityhub-enabled`: the account is subscribed to Security Hub in the region.
//!
//! HIPAA Security Rule: security incident procedures, 164.308(a)(6), and evaluation,
//! 164.308(a)(8). Mirrors the AWS Config managed rule `SECURITYHUB_ENABLED`.
//!
//! Security Hub disabled — no hub, and CloudTrail's event history (90 days) records
//! its `DisableSecurityHub` — is enabled again, with its default standards (the
//! standards enabled before can't be read back once it is disabled: the notice says
//! so); undo disables it. An account that never enabled it here gets one notice per
//! week, never a fix: Security Hub bills per check. Default mode `notify`.
use crate::family;
use crate::history::HISTORY_DAYS;
use crate::kinds::security_hub::{EnableSecurityHub, Facet, HISTORY_EVENTS, SecurityHub, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::{history, security_hub};
use crate::settings::Mode;

pub const ID: &str = "securityhub-enabled";

const HUB: AnyFacet = AnyFacet::SecurityHub(Facet::Hub);
const HISTORY: AnyFacet = AnyFacet::SecurityHub(Facet::History);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "Security Hub is enabled",
    safeguard: "164.308(a)(6) Security incident procedures; 164.308(a)(8) Evaluation",
    kind: ResourceKind::SecurityHub,
    family: family::AUDIT_TRAIL,
    triggers: Triggers {
        config_rules: &["SECURITYHUB_ENABLED"],
        cloudtrail: &["DisableSecurityHub"],
        schedule: true,
        security_hub: &[],
    },
    facets: &[HUB],
    reads: &[HUB, HISTORY],
    actions: &[EnableSecurityHub::INFO],
    parameters: &[],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct SecurityHubEnabled;

impl KindRule for SecurityHubEnabled {
    type Kind = SecurityHub;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(hub) = s.hub.get() else {
            return Verdict::NeedsFacets { facets: vec![HUB] };
        };
        if hub.is_some() {
            return Verdict::Compliant {
                reason: "Security Hub is enabled".into(),
            };
        }
        let Some(h) = s.history.get() else {
            return Verdict::NeedsFacets { facets: vec![HISTORY] };
        };
        match h.last_of(HISTORY_EVENTS) {
            Some(c) => Verdict::NonCompliant {
                findings: vec![format!(
                    "Security Hub in {} was disabled on {}",
                    s.region,
                    c.time.format("%Y-%m-%d %H:%M UTC")
                )],
            },
            None => Verdict::Warning {
                findings: vec![format!(
                    "Security Hub is not enabled in {} (and was not disabled in the last {HISTORY_DAYS} days): enabling it bills per check, so hipaa-autofix leaves the choice to you; reminded once a week",
                    s.region
                )],
                token: format!("never-enabled-{}", s.as_of.format("%G-W%V")),
            },
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        let disabled = s.hub.get().is_some_and(Option::is_none)
            && s.history.get().is_some_and(|h| h.last_of(HISTORY_EVENTS).is_some());
        if disabled {
            Plan::of(vec![
                EnableSecurityHub {
                    region: s.region.clone(),
                }
                .into(),
            ])
        } else {
            Plan::default()
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: security_hub(false, history(&[("DisableSecurityHub", 0)])),
            compliant: security_hub(true, history(&[])),
            // Never enabled: a weekly notice, no fix.
            edge: security_hub(false, history(&[])),
            edge_verdict: VerdictClass::Warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_security_hub_is_enabled_again_and_undo_disables_it() {
        let e = SecurityHubEnabled.examples();
        let plan = SecurityHubEnabled.plan(&e.non_compliant);
        assert_eq!(plan.actions[0].name(), "EnableSecurityHub");
        assert!(plan.actions[0].describe().contains("default standards"));
        assert_eq!(plan.undo().map(|u| u.actions[0].name()), Some("DisableSecurityHub"));
    }

    #[test]
    fn never_enabled_is_a_weekly_notice_not_a_fix() {
        let e = SecurityHubEnabled.examples();
        assert!(matches!(SecurityHubEnabled.evaluate(&e.edge), Verdict::Warning { .. }));
        assert!(SecurityHubEnabled.plan(&e.edge).is_empty());
    }
}
