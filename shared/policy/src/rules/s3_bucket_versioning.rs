//! `s3-bucket-versioning`: every bucket keeps object versions, so an overwritten or
//! deleted object can be recovered.
//!
//! HIPAA Security Rule: integrity, 164.312(c)(1). Mirrors the AWS Config managed rule
//! `S3_BUCKET_VERSIONING_ENABLED` (Security Hub S3.14).
//!
//! The fix is `PutBucketVersioning Enabled`. Default mode `notify`: versioning keeps
//! every old version, which costs storage. Undo suspends versioning: S3 can't take
//! a bucket back to "never versioned", which the action's description (in the
//! ledger and the notice) says.
//!
//! `S3VersioningNoncurrentDays` (0, the default: off) bounds that cost: when set,
//! the rule also reads the bucket's lifecycle configuration (only then) and
//! ensures a lifecycle rule with the fixed ID `hipaa-autofix-noncurrent-versions`
//! expiring noncurrent versions after that many days, merged by its ID into the
//! configuration (every other lifecycle rule kept exactly); its undo removes only
//! that rule (and the configuration, when it was the only rule). A bucket whose
//! owner already expires noncurrent versions is compliant for this part: any
//! enabled rule with a `NoncurrentVersionExpiration`, whatever its ID, filter or
//! days. Ours is never added beside it, even with fewer days: expiring versions
//! deletes them for good, and the owner chose how long they live. Our own rule
//! (its ID, in the shape we write) follows the parameter: changed days are
//! changed back, and the undo restores the old days. A rule with our ID in
//! another shape (edited by hand) is not ours to change: the notice says so.
use crate::family;
use crate::kinds::s3_bucket::{Facet, PutBucketLifecycleRule, PutBucketVersioning, S3Bucket, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::params::{NumberParam, Param, Params};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::s3::protection::{LifecycleRule, MAX_LIFECYCLE_RULES, NONCURRENT_RULE_ID, Versioning};
use crate::settings::Mode;

pub const ID: &str = "s3-bucket-versioning";

pub const S3_VERSIONING_NONCURRENT_DAYS: NumberParam = NumberParam {
    name: "S3VersioningNoncurrentDays",
    default: 0,
    min: 0,
    max: 3650,
    help: "Also ensure a lifecycle rule expiring noncurrent object versions after this many days (0: off)",
};

const VERSIONING: AnyFacet = AnyFacet::S3Bucket(Facet::Versioning);
const LIFECYCLE: AnyFacet = AnyFacet::S3Bucket(Facet::Lifecycle);

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
    // The lifecycle only with `S3VersioningNoncurrentDays` set.
    reads: &[VERSIONING, LIFECYCLE],
    actions: &[PutBucketVersioning::INFO, PutBucketLifecycleRule::INFO],
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

/// Where the bucket stands on expiring noncurrent versions (with the parameter set).
#[derive(Debug, PartialEq, Eq)]
enum Expiry {
    /// Our rule, with the parameter's days.
    Ours,
    /// An enabled rule of the owner's expires noncurrent versions.
    Owners { id: String, days: u32 },
    /// Our rule, in our shape, with other days.
    OursWithOtherDays(u32),
    /// No rule expires noncurrent versions, and none has our ID.
    Missing,
    /// No rule expires noncurrent versions, and one in another shape has our ID.
    OurIdTaken,
    /// No rule expires noncurrent versions, and the configuration is full.
    Full,
}

impl Expiry {
    fn of(rules: &[LifecycleRule], days: u32) -> Expiry {
        if let Some(r) = rules.iter().find(|r| r.id == NONCURRENT_RULE_ID)
            && let Some(d) = r.days_if_ours_in_shape(NONCURRENT_RULE_ID)
        {
            return if d == days {
                Expiry::Ours
            } else {
                Expiry::OursWithOtherDays(d)
            };
        }
        let owners = rules.iter().find_map(|r| match (r.enabled, r.noncurrent_days) {
            (true, Some(d)) => Some((r.id.clone(), d)),
            _ => None,
        });
        match owners {
            Some((id, days)) => Expiry::Owners { id, days },
            None if rules.iter().any(|r| r.id == NONCURRENT_RULE_ID) => Expiry::OurIdTaken,
            None if rules.len() >= MAX_LIFECYCLE_RULES => Expiry::Full,
            None => Expiry::Missing,
        }
    }
}

impl S3BucketVersioning {
    /// The lifecycle part's standing; `None`: off, or the facet not read yet.
    fn expiry(&self, b: &Snapshot) -> Option<Expiry> {
        if self.noncurrent_days == 0 {
            return None;
        }
        b.lifecycle.get().map(|rules| Expiry::of(rules, self.noncurrent_days))
    }

    fn expiry_finding(&self, e: &Expiry) -> Option<String> {
        let days = self.noncurrent_days;
        match e {
            Expiry::Ours | Expiry::Owners { .. } => None,
            Expiry::OursWithOtherDays(d) => Some(format!(
                "lifecycle rule {NONCURRENT_RULE_ID} expires noncurrent versions after {d} days, not {days} (S3VersioningNoncurrentDays)"
            )),
            Expiry::Missing | Expiry::OurIdTaken | Expiry::Full => Some(format!(
                "no lifecycle rule expires noncurrent versions (S3VersioningNoncurrentDays is {days})"
            )),
        }
    }
}

impl KindRule for S3BucketVersioning {
    type Kind = S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, b: &Snapshot) -> Verdict {
        let Some(versioning) = b.versioning.get() else {
            return Verdict::NeedsFacets {
                facets: vec![VERSIONING],
            };
        };
        if self.noncurrent_days > 0 && !b.lifecycle.is_read() {
            return Verdict::NeedsFacets {
                facets: vec![LIFECYCLE],
            };
        }
        let mut findings = Vec::new();
        match versioning {
            Versioning::Enabled => {}
            Versioning::Suspended => findings.push("versioning is suspended".into()),
            Versioning::Never => findings.push("versioning was never enabled".into()),
        }
        let expiry = self.expiry(b);
        findings.extend(expiry.as_ref().and_then(|e| self.expiry_finding(e)));
        if !findings.is_empty() {
            return Verdict::NonCompliant { findings };
        }
        Verdict::Compliant {
            reason: match expiry {
                Some(Expiry::Ours) => format!(
                    "versioning is enabled; lifecycle rule {NONCURRENT_RULE_ID} expires noncurrent versions after {} days",
                    self.noncurrent_days
                ),
                Some(Expiry::Owners { id, days }) => format!(
                    "versioning is enabled; the bucket's lifecycle rule {id} already expires noncurrent versions after {days} days"
                ),
                _ => "versioning is enabled".into(),
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
        let mut plan = Plan::default();
        if *previous != Versioning::Enabled {
            plan.actions.push(
                PutBucketVersioning {
                    bucket: b.name.clone(),
                    status: Versioning::Enabled,
                    previous: *previous,
                }
                .into(),
            );
        }
        if *previous == Versioning::Never {
            plan.withheld.push(
                "once enabled, versioning can only be suspended, never returned to \"never enabled\" (an undo suspends it)"
                    .into(),
            );
        }
        let lifecycle = |previous_days| {
            PutBucketLifecycleRule {
                bucket: b.name.clone(),
                rule_id: NONCURRENT_RULE_ID.into(),
                noncurrent_days: self.noncurrent_days,
                previous_days,
            }
            .into()
        };
        match self.expiry(b) {
            None | Some(Expiry::Ours | Expiry::Owners { .. }) => {}
            Some(Expiry::Missing) => plan.actions.push(lifecycle(None)),
            Some(Expiry::OursWithOtherDays(d)) => plan.actions.push(lifecycle(Some(d))),
            Some(Expiry::OurIdTaken) => plan.withheld.push(format!(
                "bucket {}'s lifecycle rule {NONCURRENT_RULE_ID} was changed by hand and is left alone: make it expire noncurrent versions after {} days, or remove it so the rule can add its own",
                b.name, self.noncurrent_days
            )),
            Some(Expiry::Full) => plan.withheld.push(format!(
                "bucket {}'s lifecycle configuration already holds {MAX_LIFECYCLE_RULES} rules, S3's limit: add a noncurrent-version expiration to one of them",
                b.name
            )),
        }
        plan
    }

    fn examples(&self) -> Examples<Snapshot> {
        // With the parameter set, the bucket's lifecycle holds an unrelated rule
        // (which the fix and its undo keep), and the compliant bucket has ours.
        let days = self.noncurrent_days;
        let archive = LifecycleRule {
            id: "archive-logs".into(),
            enabled: true,
            whole_bucket: false,
            noncurrent_days: None,
            other_actions: true,
        };
        let bucket = |v: Versioning, ours: bool| Snapshot {
            name: "phi-records".into(),
            versioning: Read::Value(v),
            tags: Read::Value(Default::default()),
            lifecycle: match (days, ours) {
                (0, _) => Read::NotRead,
                (_, false) => Read::Value(vec![archive.clone()]),
                (d, true) => Read::Value(vec![
                    archive.clone(),
                    LifecycleRule::noncurrent_expiry(NONCURRENT_RULE_ID, d),
                ]),
            },
            ..Default::default()
        };
        Examples {
            // From suspended, which an undo restores exactly (see the module doc).
            non_compliant: bucket(Versioning::Suspended, false),
            compliant: bucket(Versioning::Enabled, true),
            edge: bucket(Versioning::Never, false),
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

    fn rules(bucket: &mut Snapshot, rules: Vec<LifecycleRule>) -> Snapshot {
        bucket.lifecycle = Read::Value(rules);
        bucket.clone()
    }

    fn owners(id: &str, enabled: bool, noncurrent_days: Option<u32>) -> LifecycleRule {
        LifecycleRule {
            id: id.into(),
            enabled,
            whole_bucket: false,
            noncurrent_days,
            other_actions: true,
        }
    }

    fn applied(b: &Snapshot, actions: &[AnyAction]) -> Snapshot {
        let mut any = crate::kinds::Snapshot::S3Bucket(b.clone());
        for a in actions {
            a.apply_to(&mut any);
        }
        let crate::kinds::Snapshot::S3Bucket(s) = any else {
            panic!()
        };
        s
    }

    fn lifecycle_actions(plan: &Plan) -> Vec<PutBucketLifecycleRule> {
        plan.actions
            .iter()
            .filter_map(|a| {
                let AnyAction::S3Bucket(Action::PutBucketLifecycleRule(p)) = a else {
                    return None;
                };
                Some(p.clone())
            })
            .collect()
    }

    #[test]
    fn with_the_parameter_off_the_lifecycle_is_never_asked_for() {
        let r = S3BucketVersioning { noncurrent_days: 0 };
        let b = bucket(Versioning::Suspended);
        assert!(matches!(r.evaluate(&b), Verdict::NonCompliant { .. }));
        let plan = r.plan(&b);
        assert_eq!(plan.actions.len(), 1);
        assert!(lifecycle_actions(&plan).is_empty());
        assert!(!plan.withheld.iter().any(|w| w.contains("lifecycle")), "{plan:?}");
    }

    #[test]
    fn with_the_parameter_on_the_lifecycle_is_read_once_versioning_is_known() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let v = r.evaluate(&bucket(Versioning::Enabled));
        assert_eq!(
            v,
            Verdict::NeedsFacets {
                facets: vec![LIFECYCLE]
            }
        );
        let v = r.evaluate(&Snapshot::default());
        assert_eq!(
            v,
            Verdict::NeedsFacets {
                facets: vec![VERSIONING]
            }
        );
    }

    #[test]
    fn suspended_without_expiry_gets_versioning_and_our_rule_beside_the_others() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let b = rules(&mut bucket(Versioning::Suspended), vec![owners("archive", true, None)]);
        let plan = r.plan(&b);
        assert_eq!(plan.actions.len(), 2, "{plan:?}");
        let l = lifecycle_actions(&plan);
        assert_eq!(
            (l[0].rule_id.as_str(), l[0].noncurrent_days, l[0].previous_days),
            (NONCURRENT_RULE_ID, 30, None)
        );
        let fixed = applied(&b, &plan.actions);
        assert!(matches!(r.evaluate(&fixed), Verdict::Compliant { .. }));
        let kept = fixed.lifecycle.get().unwrap_or_else(|| panic!());
        assert_eq!(kept[0], owners("archive", true, None));
        let undo = plan.undo().unwrap_or_else(|| panic!());
        assert_eq!(applied(&fixed, &undo.actions), b);
    }

    #[test]
    fn versioned_bucket_without_expiry_gets_only_our_rule() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let b = rules(&mut bucket(Versioning::Enabled), vec![]);
        let plan = r.plan(&b);
        assert_eq!(plan.actions.len(), 1, "{plan:?}");
        assert_eq!(lifecycle_actions(&plan).len(), 1);
    }

    #[test]
    fn an_owners_rule_expiring_noncurrent_versions_is_compliant_whatever_its_days_or_filter() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        for days in [7, 30, 365] {
            let b = rules(
                &mut bucket(Versioning::Enabled),
                vec![owners("keep-a-year", true, Some(days))],
            );
            let v = r.evaluate(&b);
            assert!(
                matches!(&v, Verdict::Compliant { reason } if reason.contains("keep-a-year")),
                "{days}: {v:?}"
            );
        }
    }

    #[test]
    fn a_disabled_owners_rule_does_not_count() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let b = rules(&mut bucket(Versioning::Enabled), vec![owners("off", false, Some(7))]);
        assert_eq!(lifecycle_actions(&r.plan(&b)).len(), 1);
    }

    #[test]
    fn our_rule_with_other_days_follows_the_parameter_and_the_undo_restores_them() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let b = rules(
            &mut bucket(Versioning::Enabled),
            vec![LifecycleRule::noncurrent_expiry(NONCURRENT_RULE_ID, 90)],
        );
        let plan = r.plan(&b);
        let l = lifecycle_actions(&plan);
        assert_eq!((l[0].noncurrent_days, l[0].previous_days), (30, Some(90)));
        let undo = plan.undo().unwrap_or_else(|| panic!());
        assert_eq!(applied(&applied(&b, &plan.actions), &undo.actions), b);
    }

    #[test]
    fn our_id_edited_by_hand_is_left_alone_and_the_notice_says_so() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let mut edited = LifecycleRule::noncurrent_expiry(NONCURRENT_RULE_ID, 30);
        edited.enabled = false;
        let b = rules(&mut bucket(Versioning::Enabled), vec![edited]);
        let plan = r.plan(&b);
        assert!(plan.actions.is_empty(), "{plan:?}");
        assert!(plan.withheld[0].contains("changed by hand"), "{plan:?}");
    }

    #[test]
    fn a_full_lifecycle_configuration_is_withheld_never_overflowed() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let full = (0..MAX_LIFECYCLE_RULES)
            .map(|i| owners(&format!("r{i}"), true, None))
            .collect();
        let b = rules(&mut bucket(Versioning::Enabled), full);
        let plan = r.plan(&b);
        assert!(plan.actions.is_empty(), "{plan:?}");
        assert!(plan.withheld[0].contains("S3's limit"), "{plan:?}");
    }

    #[test]
    fn the_lifecycle_description_warns_that_expired_versions_are_gone() {
        let r = S3BucketVersioning { noncurrent_days: 30 };
        let plan = r.plan(&rules(&mut bucket(Versioning::Enabled), vec![]));
        let said = plan.actions[0].describe();
        assert!(
            said.contains("after 30 days") && said.contains("deleted for good"),
            "{said}"
        );
    }

    #[test]
    fn default_mode_is_notify_because_versions_cost_storage() {
        assert_eq!(SPEC.default_mode, Mode::Notify);
    }
}
