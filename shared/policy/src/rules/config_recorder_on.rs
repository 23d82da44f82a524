//! `config-recorder-on`: the region's AWS Config configuration recorder exists,
//! records, and delivers.
//!
//! HIPAA Security Rule: audit controls, 164.312(b), and evaluation, 164.308(a)(8).
//! Mirrors Security Hub's control Config.1. This rule is what keeps the other rules'
//! Config triggers alive: with the recorder stopped, no compliance change is ever sent.
//!
//! `StopConfigurationRecorder` is answered by `StartConfigurationRecorder`; undo stops
//! it again. With no recorder (or no delivery channel) the rule says so and creates
//! nothing: recording bills per configuration item, a choice for the account's owner.
use crate::family;
use crate::kinds::config_recorder::{ConfigRecorder, Facet, Snapshot, StartConfigurationRecorder};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::recorder;
use crate::settings::Mode;

pub const ID: &str = "config-recorder-on";

const RECORDERS: AnyFacet = AnyFacet::ConfigRecorder(Facet::Recorders);
const CHANNELS: AnyFacet = AnyFacet::ConfigRecorder(Facet::Channels);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "The AWS Config recorder exists, records and delivers",
    safeguard: "164.312(b) Audit controls; 164.308(a)(8) Evaluation",
    kind: ResourceKind::ConfigRecorder,
    family: family::AUDIT_TRAIL,
    triggers: Triggers {
        config_rules: &[],
        cloudtrail: &[
            "StopConfigurationRecorder",
            "DeleteConfigurationRecorder",
            "DeleteDeliveryChannel",
        ],
        schedule: true,
        security_hub: &["Config.1"],
    },
    facets: &[RECORDERS, CHANNELS],
    reads: &[RECORDERS, CHANNELS],
    actions: &[StartConfigurationRecorder::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct ConfigRecorderOn;

impl KindRule for ConfigRecorderOn {
    type Kind = ConfigRecorder;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let (Some(recorders), Some(channels)) = (s.recorders.get(), s.channels.get()) else {
            return Verdict::NeedsFacets {
                facets: vec![RECORDERS, CHANNELS],
            };
        };
        let mut findings = Vec::new();
        if recorders.is_empty() {
            findings.push(format!("no AWS Config configuration recorder in {}", s.region));
        }
        for r in recorders.iter().filter(|r| !r.recording) {
            findings.push(format!("the configuration recorder {} is not recording", r.name));
        }
        if channels.is_empty() {
            findings.push(format!(
                "no delivery channel in {}: the recorder has nowhere to deliver",
                s.region
            ));
        }
        for c in channels
            .iter()
            .filter(|c| c.last_delivery.as_deref() == Some("FAILURE"))
        {
            findings.push(format!(
                "the delivery channel {} fails to deliver{}",
                c.name,
                c.last_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
            ));
        }
        if findings.is_empty() {
            Verdict::Compliant {
                reason: "the recorder records and delivers".into(),
            }
        } else {
            Verdict::NonCompliant { findings }
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        let (Some(recorders), Some(channels)) = (s.recorders.get(), s.channels.get()) else {
            return Plan::default();
        };
        let mut p = Plan::default();
        if recorders.is_empty() {
            p.withheld.push(format!(
                "create a configuration recorder and a delivery channel in {} (AWS Config bills per configuration item recorded: the account's owner decides)",
                s.region
            ));
            return p;
        }
        if channels.is_empty() {
            p.withheld.push(format!(
                "create a delivery channel in {} (an S3 bucket for the configuration history), then start the recorder",
                s.region
            ));
            return p;
        }
        for c in channels
            .iter()
            .filter(|c| c.last_delivery.as_deref() == Some("FAILURE"))
        {
            p.withheld.push(format!(
                "make the delivery channel {} deliver again (its bucket, its policy, its key)",
                c.name
            ));
        }
        for r in recorders.iter().filter(|r| !r.recording) {
            p.actions.push(
                StartConfigurationRecorder {
                    recorder: r.name.clone(),
                }
                .into(),
            );
        }
        p
    }
    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: recorder(Some(false), true),
            compliant: recorder(Some(true), true),
            // No recorder: said, never created.
            edge: recorder(None, false),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_recorder_is_started_and_undo_stops_it() {
        let plan = ConfigRecorderOn.plan(&recorder(Some(false), true));
        assert_eq!(plan.actions[0].name(), "StartConfigurationRecorder");
        assert_eq!(
            plan.undo().map(|u| u.actions[0].name()),
            Some("StopConfigurationRecorder")
        );
    }

    #[test]
    fn no_recorder_is_said_and_never_created() {
        let s = recorder(None, false);
        assert!(matches!(ConfigRecorderOn.evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = ConfigRecorderOn.plan(&s);
        assert!(plan.is_empty());
        assert!(plan.withheld[0].contains("bills per configuration item"));
    }

    #[test]
    fn a_recorder_without_a_delivery_channel_is_not_started_blindly() {
        let plan = ConfigRecorderOn.plan(&recorder(Some(false), false));
        assert!(plan.is_empty());
        assert!(plan.withheld[0].contains("create a delivery channel"));
    }
}
