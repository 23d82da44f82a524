//! `s3-bucket-versioning`: every bucket keeps object versions, so an overwritten or
//! deleted object can be recovered.
//!
//! HIPAA Security Rule: integrity, 164.312(c)(1). Mirrors the AWS Config managed rule
//! `S3_BUCKET_VERSIONING_ENABLED` (Security Hub S3.14).
//!
//! The fix is `PutBucketVersioning Enabled`. Default mode `notify`: versioning keeps
//! every old version, which costs storage. `S3VersioningNoncurrentDays` (0: off)
//! offers, in the notice, a lifecycle rule expiring old versions after that many
//! days. Undo suspends versioning: S3 can't take a bucket back to "never
//! versioned", which the action's description (in the ledger and the notice) says.
use crate::family;
use crate::kinds::s3_bucket::{Facet, PutBucketVersioning, S3Bucket, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::params::{NumberParam, Param, Params};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::s3::protection::Versioning;
use crate::settings::Mode;

pub const ID: &str = "s3-bucket-versioning";

pub const S3_VERSIONING_NONCURRENT_DAYS: NumberParam = NumberParam {
    name: "S3VersioningNoncurrentDays",
    default: 0,
    min: 0,
    max: 3650,
    help: "Offer a lifecycle rule expiring noncurrent object versions after this many days (0: none)",
};

const VERSIONING: AnyFacet = AnyFacet::S3Bucket(Facet::Versioning);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "S3 buckets have versioning enabled",
    safeguard: "164.312(c)(1) Integrity",
    kind: ResourceKind::S3Bucket,
    family: family::S3_DATA_PROTECTION,
    triggers: Triggers {
        config_rules: &["S3_BUCKET_VERSIONING_ENABLED"],
        cloudtrail: &["CreateBucket", "PutBucketVersioning"],
        schedule: true,
    },
    facets: &[VERSIONING],
    reads: &[VERSIONING],
    actions: &[PutBucketVersioning::INFO],
    parameters: &[Param::Number(&S3_VERSIONING_NONCURRENT_DAYS)],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 30,
    fix: Fix::Reversible,
};

pub struct S3BucketVersioning {
    pub noncurrent_days: u32,
}

impl S3BucketVersioning {
    pub fn new(p: &Params) -> Self {
        Self {
            noncurrent_days: p.number(&S3_VERSIONING_NONCURRENT_DAYS),
        }
    }
}

impl KindRule for S3BucketVersioning {
    type Kind = S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, b: &Snapshot) -> Verdict {
        match b.versioning.get() {
            None => Verdict::NeedsFacets {
                facets: vec![VERSIONING],
            },
            Some(Versioning::Enabled) => Verdict::Compliant {
                reason: "versioning is enabled".into(),
            },
            Some(Versioning::Suspended) => Verdict::NonCompliant {
                findings: vec!["versioning is suspended".into()],
            },
            Some(Versioning::Never) => Verdict::NonCompliant {
                findings: vec!["versioning was never enabled".into()],
            },
        }
    }

    fn plan(&self, b: &Snapshot) -> Plan {
        if !matches!(self.evaluate(b), Verdict::NonCompliant { .. }) {
            return Plan::default();
        }
        let Some(previous) = b.versioning.get() else {
            return Plan::default();
        };
        let mut withheld = Vec::new();
        if self.noncurrent_days > 0 {
            withheld.push(format!(
                "a lifecycle rule expiring noncurrent versions after {} days (S3VersioningNoncurrentDays) keeps storage costs down: add it to bucket {}'s lifecycle configuration",
                self.noncurrent_days, b.name
            ));
        }
        if *previous == Versioning::Never {
            withheld.push(
                "once enabled, versioning can only be suspended, never returned to \"never enabled\" (an undo suspends it)"
                    .into(),
            );
        }
        Plan {
            actions: vec![
                PutBucketVersioning {
                    bucket: b.name.clone(),
                    status: Versioning::Enabled,
                    previous: *previous,
                }
                .into(),
            ],
            withheld,
        }
    }

    fn examples(&self) -> Examples<Snapshot> {
        let bucket = |v: Versioning| Snapshot {
            name: "phi-records".into(),
            versioning: Read::Value(v),
            tags: Read::Value(Default::default()),
            ..Default::default()
        };
        Examples {
            // From suspended, which an undo restores exactly (see the module doc).
            non_compliant: bucket(Versioning::Suspended),
            compliant: bucket(Versioning::Enabled),
            edge: bucket(Versioning::Never),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action as AnyAction;
    use crate::kinds::s3_bucket::Action;

    fn bucket(v: Versioning) -> Snapshot {
        Snapshot {
            name: "b".into(),
            versioning: Read::Value(v),
            ..Default::default()
        }
    }

    #[test]
    fn never_versioned_is_enabled_and_undo_suspends_saying_why() {
        let plan = S3BucketVersioning { noncurrent_days: 0 }.plan(&bucket(Versioning::Never));
        let undo = plan.undo().unwrap_or_else(|| panic!());
        let AnyAction::S3Bucket(Action::PutBucketVersioning(u)) = &undo.actions[0] else {
            panic!("{undo:?}")
        };
        assert_eq!(u.status, Versioning::Suspended);
        let said = plan.actions[0].describe();
        assert!(said.contains("cannot return a bucket to never-versioned"), "{said}");
        assert!(plan.withheld.iter().any(|w| w.contains("never returned")));
    }

    #[test]
    fn noncurrent_days_offers_a_lifecycle_rule_without_making_it() {
        let plan = S3BucketVersioning { noncurrent_days: 30 }.plan(&bucket(Versioning::Suspended));
        assert_eq!(plan.actions.len(), 1);
        assert!(plan.withheld[0].contains("after 30 days"));
    }

    #[test]
    fn default_mode_is_notify_because_versions_cost_storage() {
        assert_eq!(SPEC.default_mode, Mode::Notify);
    }
}
