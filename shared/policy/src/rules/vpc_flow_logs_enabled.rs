//! `vpc-flow-logs-enabled`: every VPC records its traffic in flow logs, so access to
//! the systems holding ePHI can be reviewed.
//!
//! HIPAA Security Rule: audit controls, 45 CFR 164.312(b). Mirrors the AWS Config
//! managed rule `VPC_FLOW_LOGS_ENABLED` (Security Hub EC2.6).
//!
//! The fix is `CreateFlowLogs` (all traffic) to an S3 destination, so no IAM role is
//! needed: `FlowLogsDestinationArn`, or, when that is empty, the deployment's log
//! bucket (the stack's access-log bucket; the CLI's when it finds the stack). Without
//! either the fix is withheld, saying what to set. Undo deletes the flow logs to that
//! destination, which are the ones the fix created.
use crate::family;
use crate::kinds::vpc::{CreateVpcFlowLogs, Facet, FlowLog, Snapshot, Vpc};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::params::{Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "vpc-flow-logs-enabled";

/// Where the fix sends flow logs; empty: the deployment's log bucket.
pub static FLOW_LOGS_DESTINATION_ARN: TextParam = TextParam {
    name: "FlowLogsDestinationArn",
    default: "",
    help: "ARN of the S3 bucket (arn:aws:s3:::bucket, optionally /folder) receiving the flow logs vpc-flow-logs-enabled creates; empty: the stack's log bucket",
};

const FLOW_LOGS: AnyFacet = AnyFacet::Vpc(Facet::FlowLogs);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "Every VPC has flow logs",
    safeguard: "164.312(b) Audit controls",
    kind: ResourceKind::Vpc,
    family: family::NETWORK_EXPOSURE,
    triggers: Triggers {
        config_rules: &["VPC_FLOW_LOGS_ENABLED"],
        // DeleteFlowLogs names no VPC: it sweeps the region's VPCs.
        cloudtrail: &["CreateVpc", "DeleteFlowLogs"],
        schedule: true,
        security_hub: &["EC2.6"],
    },
    facets: &[FLOW_LOGS],
    reads: &[FLOW_LOGS],
    actions: &[CreateVpcFlowLogs::INFO],
    parameters: &[Param::Text(&FLOW_LOGS_DESTINATION_ARN)],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    // Withheld by default: without a stack or FlowLogsDestinationArn there is no
    // bucket to send the logs to (the unit and moto tests cover the fix and its undo).
    fix: Fix::Withheld,
};

pub struct VpcFlowLogsEnabled {
    pub destination: Option<String>,
}

impl VpcFlowLogsEnabled {
    pub fn new(p: &Params) -> Self {
        let d = p.text(&FLOW_LOGS_DESTINATION_ARN);
        let d = d.trim();
        Self {
            destination: (!d.is_empty()).then(|| d.to_string()),
        }
    }
}

/// An S3 bucket ARN, with or without a folder: the only destination that needs no role.
fn is_s3_arn(arn: &str) -> bool {
    arn.split_once(":s3:::")
        .is_some_and(|(head, bucket)| head.starts_with("arn:aws") && !bucket.is_empty() && !bucket.starts_with('/'))
}

impl KindRule for VpcFlowLogsEnabled {
    type Kind = Vpc;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, v: &Snapshot) -> Verdict {
        match v.flow_logs.get() {
            None => Verdict::NeedsFacets {
                facets: vec![FLOW_LOGS],
            },
            Some(logs) if logs.is_empty() => Verdict::NonCompliant {
                findings: vec![format!(
                    "VPC {} has no flow logs: nobody can tell which addresses reached its systems",
                    v.vpc_id
                )],
            },
            Some(logs) => Verdict::Compliant {
                reason: format!(
                    "flow logs to {}",
                    logs.iter()
                        .map(|l| l.destination.as_deref().unwrap_or(l.destination_type.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        }
    }
    fn plan(&self, v: &Snapshot) -> Plan {
        if !matches!(self.evaluate(v), Verdict::NonCompliant { .. }) {
            return Plan::default();
        }
        match &self.destination {
            Some(d) if is_s3_arn(d) => Plan::of(vec![
                CreateVpcFlowLogs {
                    vpc_id: v.vpc_id.clone(),
                    destination: d.clone(),
                }
                .into(),
            ]),
            Some(d) => Plan {
                actions: vec![],
                withheld: vec![format!(
                    "FlowLogsDestinationArn {d:?} is not an S3 bucket ARN (arn:aws:s3:::<bucket>): set it to one whose policy lets delivery.logs.amazonaws.com write"
                )],
            },
            None => Plan {
                actions: vec![],
                withheld: vec![
                    "no flow-log destination is known: set the parameter FlowLogsDestinationArn (autofix --set FlowLogsDestinationArn=arn:aws:s3:::<bucket>), or deploy the stack, whose log bucket receives them".into(),
                ],
            },
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let vpc = |logs: Vec<FlowLog>| Snapshot {
            vpc_id: "vpc-0123".into(),
            flow_logs: Read::Value(logs),
            tags: Read::Value(Default::default()),
        };
        Examples {
            non_compliant: vpc(vec![]),
            compliant: vpc(vec![FlowLog {
                id: "fl-0123".into(),
                destination_type: "cloud-watch-logs".into(),
                destination: Some("arn:aws:logs:us-east-1:123456789012:log-group:vpc".into()),
                traffic_type: "REJECT".into(),
            }]),
            edge: Snapshot {
                flow_logs: Read::NotRead,
                ..vpc(vec![])
            },
            edge_verdict: VerdictClass::NeedsFacets,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rule(d: Option<&str>) -> VpcFlowLogsEnabled {
        VpcFlowLogsEnabled {
            destination: d.map(str::to_owned),
        }
    }

    #[test]
    fn flow_logs_go_to_the_destination_and_undo_deletes_only_those() {
        let r = rule(Some("arn:aws:s3:::logs"));
        let plan = r.plan(&r.examples().non_compliant);
        assert_eq!(plan.actions.len(), 1);
        assert!(plan.descriptions()[0].contains("arn:aws:s3:::logs"));
        let undo = plan.undo().unwrap();
        assert_eq!(undo.actions[0].name(), "DeleteVpcFlowLogs");
        let mut after: crate::Snapshot = r.examples().non_compliant.into();
        plan.actions[0].apply_to(&mut after);
        assert!(matches!(r.evaluate(after.as_vpc().unwrap()), Verdict::Compliant { .. }));
        undo.actions[0].apply_to(&mut after);
        assert_eq!(after.as_vpc().unwrap().flow_logs.get().unwrap(), &vec![]);
    }

    #[test]
    fn any_existing_flow_log_is_compliant_and_nothing_is_planned() {
        let r = rule(Some("arn:aws:s3:::logs"));
        assert!(r.plan(&r.examples().compliant).actions.is_empty());
    }

    #[test]
    fn without_a_destination_the_fix_is_withheld_saying_what_to_set() {
        let r = rule(None);
        let plan = r.plan(&r.examples().non_compliant);
        assert!(plan.actions.is_empty());
        assert!(plan.withheld[0].contains("FlowLogsDestinationArn"));
    }

    #[test]
    fn a_destination_that_is_not_an_s3_arn_is_refused_not_used() {
        for bad in ["logs-bucket", "arn:aws:logs:us-east-1:1:log-group:x", "arn:aws:s3:::"] {
            let r = rule(Some(bad));
            let plan = r.plan(&r.examples().non_compliant);
            assert!(plan.actions.is_empty(), "{bad}");
            assert!(plan.withheld[0].contains("not an S3 bucket ARN"), "{bad}");
        }
        assert!(is_s3_arn("arn:aws:s3:::logs/vpc/"));
        assert!(is_s3_arn("arn:aws-us-gov:s3:::logs"));
    }

    #[test]
    fn the_parameter_sets_the_destination() {
        let mut p = Params::default();
        p.set(Param::Text(&FLOW_LOGS_DESTINATION_ARN), "arn:aws:s3:::bucket")
            .unwrap();
        assert_eq!(
            VpcFlowLogsEnabled::new(&p).destination.as_deref(),
            Some("arn:aws:s3:::bucket")
        );
        assert_eq!(VpcFlowLogsEnabled::new(&Params::default()).destination, None);
    }
}
