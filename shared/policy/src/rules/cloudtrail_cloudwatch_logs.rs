//! `cloudtrail-cloudwatch-logs`: every multi-region trail of the account delivers its
//! events to CloudWatch Logs, so that the metric filters and alarms of the CIS
//! benchmark have something to read.
//!
//! HIPAA Security Rule: audit controls, 164.312(b), and information system activity
//! review, 164.308(a)(1)(ii)(D). Mirrors the AWS Config managed rule
//! `CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED` (Security Hub CloudTrail.5).
//!
//! The fix creates the log group `TrailLogGroupName` in the trail's home region when it
//! doesn't exist (with `LogRetentionDays`, rounded up to a retention CloudWatch Logs
//! accepts), then `UpdateTrail` with it and the delivery role `TrailLogsRoleArn`
//! (empty: the stack's). Default mode `notify`: it adds CloudWatch Logs ingestion
//! cost. Undo puts back the delivery the trail had; a log group it created stays, with
//! the events it received. A single-region trail is left alone: the multi-region
//! trails (see `cloudtrail-enabled`) are the ones the alarms need.
use crate::family;
use crate::kinds::cloudtrail_trail::{
    CloudTrailTrail, Facet, LogDelivery, NewLogGroup, SetTrailCloudWatchLogs, Snapshot,
};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{NumberParam, Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::{one_trail, trail};
use crate::rules::cloudtrail_log_file_validation::not_ours;
use crate::settings::Mode;

pub const ID: &str = "cloudtrail-cloudwatch-logs";

pub const TRAIL_LOG_GROUP_NAME: TextParam = TextParam {
    name: "TrailLogGroupName",
    default: "aws-cloudtrail-logs-hipaa-autofix",
    help: "The CloudWatch Logs group a trail delivers to (created if missing)",
};

pub const TRAIL_LOGS_ROLE_ARN: TextParam = TextParam {
    name: "TrailLogsRoleArn",
    default: "",
    help: "The role CloudTrail assumes to write to the log group (empty: the stack's)",
};

pub const LOG_RETENTION_DAYS: NumberParam = NumberParam {
    name: "LogRetentionDays",
    default: 2192,
    min: 1,
    max: 3653,
    help: "Days a created log group keeps events (rounded up to a value CloudWatch Logs accepts)",
};

/// The retentions CloudWatch Logs accepts, in days.
pub const RETENTIONS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/// The smallest retention CloudWatch Logs accepts that keeps events at least `days`.
pub fn retention(days: u32) -> u32 {
    RETENTIONS.iter().copied().find(|r| *r >= days).unwrap_or(3653)
}

const TRAIL: AnyFacet = AnyFacet::CloudTrailTrail(Facet::Trail);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "Multi-region CloudTrail trails deliver to CloudWatch Logs",
    safeguard: "164.312(b) Audit controls; 164.308(a)(1)(ii)(D) Information system activity review",
    kind: ResourceKind::CloudTrailTrail,
    family: family::AUDIT_TRAIL,
    triggers: Triggers {
        config_rules: &["CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED"],
        cloudtrail: &["CreateTrail", "UpdateTrail"],
        schedule: true,
        security_hub: &["CloudTrail.5"],
    },
    facets: &[TRAIL],
    reads: &[TRAIL],
    actions: &[SetTrailCloudWatchLogs::INFO],
    parameters: &[
        Param::Text(&TRAIL_LOG_GROUP_NAME),
        Param::Text(&TRAIL_LOGS_ROLE_ARN),
        Param::Number(&LOG_RETENTION_DAYS),
    ],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 2,
    // Withheld by the default parameters, which name no delivery role: a deployed
    // function always has one (the template passes the stack's), and the unit tests
    // and the moto test show the fix and its undo.
    fix: Fix::Withheld,
};

pub struct CloudTrailCloudWatchLogs {
    pub log_group: String,
    pub role_arn: String,
    pub retention_days: u32,
}

impl CloudTrailCloudWatchLogs {
    pub fn new(p: &Params) -> Self {
        Self {
            log_group: p.text(&TRAIL_LOG_GROUP_NAME),
            role_arn: p.text(&TRAIL_LOGS_ROLE_ARN),
            retention_days: retention(p.number(&LOG_RETENTION_DAYS)),
        }
    }
}

impl KindRule for CloudTrailCloudWatchLogs {
    type Kind = CloudTrailTrail;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(t) = s.trail.get() else {
            return Verdict::NeedsFacets { facets: vec![TRAIL] };
        };
        if let Some(v) = not_ours(s) {
            return v;
        }
        if !t.multi_region {
            return Verdict::Compliant {
                reason: "a single-region trail: the multi-region trails are the ones the alarms read".into(),
            };
        }
        match (&t.log_group_arn, &t.logs_role_arn) {
            (Some(g), Some(_)) => Verdict::Compliant {
                reason: format!("delivers to {}", g.trim_end_matches(":*")),
            },
            (Some(_), None) => Verdict::NonCompliant {
                findings: vec![format!(
                    "trail {} names a log group but no role to deliver with",
                    t.name
                )],
            },
            (None, _) => Verdict::NonCompliant {
                findings: vec![format!("trail {} does not deliver to CloudWatch Logs", t.name)],
            },
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        let Some(t) = s.trail.get() else {
            return Plan::default();
        };
        if !matches!(self.evaluate(s), Verdict::NonCompliant { .. }) {
            return Plan::default();
        }
        if self.role_arn.is_empty() {
            let mut p = Plan::default();
            p.withheld.push(format!(
                "deliver trail {} to CloudWatch Logs: TrailLogsRoleArn is empty and the stack has no delivery role",
                t.name
            ));
            return p;
        }
        let previous = t.log_group_arn.as_ref().map(|g| LogDelivery {
            log_group_arn: g.clone(),
            role_arn: t.logs_role_arn.clone().unwrap_or_default(),
        });
        Plan::of(vec![
            SetTrailCloudWatchLogs {
                trail: t.name.clone(),
                delivery: Some(LogDelivery {
                    log_group_arn: format!(
                        "arn:aws:logs:{}:{}:log-group:{}:*",
                        t.home_region, s.account, self.log_group
                    ),
                    role_arn: self.role_arn.clone(),
                }),
                create_group: Some(NewLogGroup {
                    name: self.log_group.clone(),
                    retention_days: self.retention_days,
                }),
                previous,
            }
            .into(),
        ])
    }
    fn examples(&self) -> Examples<Snapshot> {
        let mut none = trail("audit");
        none.log_group_arn = None;
        none.logs_role_arn = None;
        let mut single = none.clone();
        single.multi_region = false;
        single.global_events = false;
        Examples {
            non_compliant: one_trail(none, None),
            compliant: one_trail(trail("audit"), None),
            // A single-region trail is left alone.
            edge: one_trail(single, None),
            edge_verdict: VerdictClass::Compliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> CloudTrailCloudWatchLogs {
        let mut p = Params::default();
        p.set(
            Param::Text(&TRAIL_LOGS_ROLE_ARN),
            "arn:aws:iam::123456789012:role/hipaa-autofix-cloudtrail-logs",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        p.set(Param::Number(&LOG_RETENTION_DAYS), "100")
            .unwrap_or_else(|e| panic!("{e}"));
        CloudTrailCloudWatchLogs::new(&p)
    }

    #[test]
    fn a_trail_without_delivery_gets_the_log_group_created_with_a_retention_cloudwatch_accepts() {
        let e = rule().examples();
        let plan = rule().plan(&e.non_compliant);
        let d = plan.actions[0].describe();
        assert!(d.contains("log-group:aws-cloudtrail-logs-hipaa-autofix"), "{d}");
        assert!(d.contains("120 days' retention"), "{d}");
        assert!(
            plan.undo().is_some_and(|u| u.actions[0].describe().contains("stays")),
            "undo says the created group stays"
        );
    }

    #[test]
    fn retention_rounds_up_to_an_accepted_value() {
        assert_eq!(retention(1), 1);
        assert_eq!(retention(2), 3);
        assert_eq!(retention(2192), 2192);
        assert_eq!(retention(3000), 3288);
    }

    #[test]
    fn without_a_delivery_role_the_fix_is_withheld() {
        let e = rule().examples();
        let plan = CloudTrailCloudWatchLogs::new(&Params::default()).plan(&e.non_compliant);
        assert!(plan.is_empty());
        assert!(plan.withheld[0].contains("TrailLogsRoleArn is empty"));
    }
}
