//! `s3-bucket-access-logging`: every bucket writes server access logs to the
//! account's log bucket (per region), under the prefix `<bucket>/`.
//!
//! HIPAA Security Rule: audit controls, 164.312(b). Mirrors the AWS Config managed
//! rule `S3_BUCKET_LOGGING_ENABLED` (Security Hub S3.9).
//!
//! The log bucket is `AccessLogBucket`; empty, the stack's own
//! `<stack>-access-logs-<account>-<region>` (the template creates it, right: a
//! bucket policy for `logging.s3.amazonaws.com` with `aws:SourceAccount`, Block
//! Public Access, SSE-S3, a lifecycle of `AccessLogRetentionDays`; the function's
//! configuration resolves the name). With neither (the CLI on an account without
//! the stack) the fix is withheld, saying what to set. The log bucket itself is
//! compliant: it is never logged to itself, and its own events change nothing. A
//! bucket already logging anywhere is compliant. Undo turns logging off again.
use crate::family;
use crate::kinds::s3_bucket::{Facet, PutBucketLogging, S3Bucket, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::params::{NumberParam, Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::s3::protection::Logging;
use crate::settings::Mode;

pub const ID: &str = "s3-bucket-access-logging";

pub const ACCESS_LOG_BUCKET: TextParam = TextParam {
    name: "AccessLogBucket",
    default: "",
    help: "The bucket receiving S3 server access logs; empty: the stack's <stack>-access-logs-<account>-<region>",
};

pub const ACCESS_LOG_RETENTION_DAYS: NumberParam = NumberParam {
    name: "AccessLogRetentionDays",
    default: 2192,
    min: 1,
    max: 36500,
    help: "Days the stack's access-log bucket keeps server access logs (HIPAA documentation: six years)",
};

const LOGGING: AnyFacet = AnyFacet::S3Bucket(Facet::Logging);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "S3 buckets write server access logs to the account's log bucket",
    safeguard: "164.312(b) Audit controls",
    kind: ResourceKind::S3Bucket,
    family: family::S3_DATA_PROTECTION,
    triggers: Triggers {
        config_rules: &["S3_BUCKET_LOGGING_ENABLED"],
        cloudtrail: &["CreateBucket", "PutBucketLogging"],
        schedule: true,
    },
    facets: &[LOGGING],
    reads: &[LOGGING],
    actions: &[PutBucketLogging::INFO],
    parameters: &[
        Param::Text(&ACCESS_LOG_BUCKET),
        Param::Number(&ACCESS_LOG_RETENTION_DAYS),
    ],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 40,
    // Withheld by default: without a stack or AccessLogBucket there is no log bucket
    // to send logs to (the unit tests and the moto tests cover the fix and its undo).
    fix: Fix::Withheld,
};

pub struct S3BucketAccessLogging {
    pub log_bucket: Option<String>,
}

impl S3BucketAccessLogging {
    pub fn new(p: &Params) -> Self {
        let b = p.text(&ACCESS_LOG_BUCKET);
        Self {
            log_bucket: (!b.is_empty()).then_some(b),
        }
    }
}

impl KindRule for S3BucketAccessLogging {
    type Kind = S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, b: &Snapshot) -> Verdict {
        if self.log_bucket.as_deref() == Some(b.name.as_str()) {
            return Verdict::Compliant {
                reason: "this is the access-log bucket: it is never logged to itself".into(),
            };
        }
        match b.logging.get() {
            None => Verdict::NeedsFacets { facets: vec![LOGGING] },
            Some(Some(l)) => Verdict::Compliant {
                reason: format!("server access logs go to s3://{}/{}", l.target_bucket, l.target_prefix),
            },
            Some(None) => Verdict::NonCompliant {
                findings: vec!["server access logging is off".into()],
            },
        }
    }

    fn plan(&self, b: &Snapshot) -> Plan {
        if !matches!(self.evaluate(b), Verdict::NonCompliant { .. }) {
            return Plan::default();
        }
        let Some(previous) = b.logging.get() else {
            return Plan::default();
        };
        let Some(target) = &self.log_bucket else {
            return Plan {
                actions: vec![],
                withheld: vec![
                    "no access-log bucket is known: set the parameter AccessLogBucket (autofix --set AccessLogBucket=<bucket>), or deploy the stack, which creates one".into(),
                ],
            };
        };
        Plan::of(vec![
            PutBucketLogging {
                bucket: b.name.clone(),
                logging: Some(Logging {
                    target_bucket: target.clone(),
                    target_prefix: format!("{}/", b.name),
                }),
                previous: previous.clone(),
            }
            .into(),
        ])
    }

    fn examples(&self) -> Examples<Snapshot> {
        let bucket = |name: &str, l: Option<Logging>| Snapshot {
            name: name.into(),
            logging: Read::Value(l),
            tags: Read::Value(Default::default()),
            ..Default::default()
        };
        Examples {
            non_compliant: bucket("phi-records", None),
            compliant: bucket(
                "phi-records",
                Some(Logging {
                    target_bucket: "central-logs".into(),
                    target_prefix: "phi-records/".into(),
                }),
            ),
            edge: bucket(self.log_bucket.as_deref().unwrap_or("phi-records"), None),
            edge_verdict: if self.log_bucket.is_some() {
                VerdictClass::Compliant
            } else {
                VerdictClass::NonCompliant
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action as AnyAction;
    use crate::kinds::s3_bucket::Action;

    fn bucket(name: &str) -> Snapshot {
        Snapshot {
            name: name.into(),
            logging: Read::Value(None),
            ..Default::default()
        }
    }
    fn rule(log: Option<&str>) -> S3BucketAccessLogging {
        S3BucketAccessLogging {
            log_bucket: log.map(str::to_owned),
        }
    }

    #[test]
    fn logs_go_to_the_log_bucket_under_the_bucket_prefix() {
        let plan = rule(Some("logs")).plan(&bucket("phi"));
        let AnyAction::S3Bucket(Action::PutBucketLogging(a)) = &plan.actions[0] else {
            panic!("{plan:?}")
        };
        let l = a.logging.as_ref().unwrap_or_else(|| panic!());
        assert_eq!((l.target_bucket.as_str(), l.target_prefix.as_str()), ("logs", "phi/"));
        assert_eq!(a.previous, None);
    }

    #[test]
    fn the_log_bucket_is_never_logged_to_itself_and_needs_no_read() {
        let s = Snapshot {
            name: "logs".into(),
            ..Default::default()
        };
        assert!(matches!(rule(Some("logs")).evaluate(&s), Verdict::Compliant { .. }));
    }

    #[test]
    fn without_a_log_bucket_the_fix_is_withheld_saying_what_to_set() {
        let plan = rule(None).plan(&bucket("phi"));
        assert!(plan.actions.is_empty());
        assert!(plan.withheld[0].contains("AccessLogBucket"));
    }
}
