//! `s3-bucket-public-access`: no S3 bucket is public, and every bucket has all four
//! bucket-level Block Public Access settings on.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1); transmission and
//! storage confidentiality of ePHI. Mirrors the AWS Config managed rules
//! `S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED`, `S3_BUCKET_PUBLIC_READ_PROHIBITED`
//! and `S3_BUCKET_PUBLIC_WRITE_PROHIBITED` (Security Hub S3.2, S3.3, S3.8).
//!
//! A bucket with all four settings on is compliant after one read: S3 then ignores
//! public ACLs and restricts public policies, so neither needs reading. Otherwise
//! the policy and ACL are read and judged by [`crate::s3::public`].
//!
//! The fix, in order: remove only the public ACL grants; remove only the public
//! policy statements (delete the policy if nothing is left); turn on all four
//! settings. Each step records what it replaced, so undo restores the exact
//! before-state. A bucket that must stay public (a website) is exempted with the
//! tag `hipaa-autofix:exempt`.
use super::samples::owner_acl;
use crate::family;
use crate::kinds::s3_bucket::{
    self, DeleteBucketPolicy, Facet, PutBucketAcl, PutBucketPolicy, PutBucketPublicAccessBlock, S3Bucket, Snapshot,
};
use crate::kinds::{Facet as AnyFacet, Read};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::s3::public::{analyze_acl, analyze_policy, remove_public_grants, remove_public_statements};
use crate::s3::{ALL_USERS_URI, Acl, Grant, Grantee, PublicAccessBlock};
use crate::settings::Mode;

pub struct S3BucketPublicAccess;

pub const ID: &str = "s3-bucket-public-access";

const BPA: AnyFacet = AnyFacet::S3Bucket(Facet::PublicAccessBlock);
const POLICY: AnyFacet = AnyFacet::S3Bucket(Facet::Policy);
const ACL: AnyFacet = AnyFacet::S3Bucket(Facet::Acl);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "S3 buckets are not public and have Block Public Access on",
    safeguard: "164.312(a)(1) Access control",
    kind: crate::kinds::ResourceKind::S3Bucket,
    family: family::S3_PUBLIC_ACCESS,
    triggers: Triggers {
        config_rules: &[
            "S3_BUCKET_PUBLIC_READ_PROHIBITED",
            "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
            "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED",
        ],
        cloudtrail: &[
            "CreateBucket",
            "PutBucketAcl",
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "PutBucketPublicAccessBlock",
            "DeleteBucketPublicAccessBlock",
        ],
        schedule: true,
    },
    facets: &[BPA],
    reads: &[BPA, POLICY, ACL],
    actions: &[
        PutBucketAcl::INFO,
        PutBucketPolicy::INFO,
        DeleteBucketPolicy::INFO,
        PutBucketPublicAccessBlock::INFO,
    ],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: true,
    order: 0,
    fix: Fix::Reversible,
};

impl KindRule for S3BucketPublicAccess {
    type Kind = S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, b: &Snapshot) -> Verdict {
        let Some(bpa) = b.public_access_block.get() else {
            return Verdict::NeedsFacets { facets: vec![BPA] };
        };
        if bpa.is_some_and(|p| p.all_on()) {
            return Verdict::Compliant {
                reason: "all four bucket-level Block Public Access settings are on".into(),
            };
        }
        let (Some(policy), Some(acl)) = (b.policy.get(), b.acl.get()) else {
            return Verdict::NeedsFacets {
                facets: vec![POLICY, ACL],
            };
        };
        let mut findings = Vec::new();
        match bpa {
            None => findings.push("bucket has no Block Public Access configuration".to_string()),
            Some(p) => findings.push(format!("Block Public Access settings off: {}", p.missing().join(", "))),
        }
        if let Some(text) = policy {
            match analyze_policy(text) {
                Ok(verdicts) => {
                    for v in verdicts.iter().filter(|v| v.public) {
                        let name = v
                            .sid
                            .as_ref()
                            .map(|s| format!("Sid {s}"))
                            .unwrap_or_else(|| format!("#{}", v.index + 1));
                        findings.push(format!("policy statement {name} is public: {}", v.reason));
                    }
                }
                Err(e) => {
                    return Verdict::CannotJudge {
                        reason: format!("bucket policy can't be judged: {e}"),
                    };
                }
            }
        }
        for v in analyze_acl(acl).iter().filter(|v| v.public) {
            findings.push(format!("ACL grants {} to {}: {}", v.permission, v.grantee, v.reason));
        }
        Verdict::NonCompliant { findings }
    }

    fn plan(&self, b: &Snapshot) -> Plan {
        let mut actions: Vec<crate::kinds::Action> = Vec::new();
        let Some(bpa) = b.public_access_block.get() else {
            return Plan::default();
        };
        if let Some(acl) = b.acl.get() {
            let (kept, removed) = remove_public_grants(acl);
            if !removed.is_empty() {
                actions.push(
                    PutBucketAcl {
                        bucket: b.name.clone(),
                        acl: kept,
                        removed_grants: removed,
                        previous: acl.clone(),
                    }
                    .into(),
                );
            }
        }
        if let Some(Some(policy)) = b.policy.get() {
            match remove_public_statements(policy) {
                Ok((_, removed)) if removed.is_empty() => {}
                Ok((Some(kept), removed)) => actions.push(
                    PutBucketPolicy {
                        bucket: b.name.clone(),
                        policy: kept,
                        removed_statements: removed,
                        previous: Some(policy.clone()),
                    }
                    .into(),
                ),
                Ok((None, removed)) => actions.push(
                    DeleteBucketPolicy {
                        bucket: b.name.clone(),
                        removed_statements: removed,
                        previous: policy.clone(),
                    }
                    .into(),
                ),
                // An unjudgeable policy is never rewritten.
                Err(_) => return Plan::default(),
            }
        }
        if !bpa.is_some_and(|p| p.all_on()) {
            actions.push(
                PutBucketPublicAccessBlock {
                    bucket: b.name.clone(),
                    settings: PublicAccessBlock::ALL_ON,
                    previous: *bpa,
                }
                .into(),
            );
        }
        Plan {
            actions,
            withheld: vec![],
        }
    }

    fn examples(&self) -> Examples<Snapshot> {
        let bucket = |bpa: Option<PublicAccessBlock>, policy: Option<&str>, acl: Acl| s3_bucket::Snapshot {
            name: "phi-records".into(),
            public_access_block: Read::Value(bpa),
            policy: Read::Value(policy.map(str::to_owned)),
            acl: Read::Value(acl),
            tags: Read::Value(Default::default()),
            ..Default::default()
        };
        let mut public_acl = owner_acl();
        public_acl.grants.push(Grant {
            grantee: Grantee::Group {
                uri: ALL_USERS_URI.into(),
            },
            permission: "READ".into(),
        });
        let mixed = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::phi-records/*"},
            {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::phi-records/*"}]}"#;
        Examples {
            // Public by ACL and policy, some settings off: all three fixes, in order.
            non_compliant: bucket(
                Some(PublicAccessBlock {
                    block_public_acls: true,
                    ..Default::default()
                }),
                Some(mixed),
                public_acl,
            ),
            compliant: bucket(Some(PublicAccessBlock::ALL_ON), Some(mixed), owner_acl()),
            // A policy that can't be read is never judged, so never rewritten.
            edge: bucket(None, Some("{not json"), owner_acl()),
            edge_verdict: VerdictClass::CannotJudge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action as AnyAction;
    use crate::kinds::s3_bucket::Action;
    use serde_json::json;

    /// The bucket action inside a plan's action.
    fn a(action: &AnyAction) -> &Action {
        match action {
            AnyAction::S3Bucket(a) => a,
            other => panic!("not a bucket action: {other:?}"),
        }
    }
    fn bucket(bpa: Option<PublicAccessBlock>, policy: Option<serde_json::Value>, acl: Option<Acl>) -> Snapshot {
        Snapshot {
            name: "b".into(),
            public_access_block: Read::Value(bpa),
            policy: Read::Value(policy.map(|p| p.to_string())),
            acl: acl.map(Read::Value).unwrap_or(Read::Value(owner_acl())),
            tags: Read::NotRead,
            ..Default::default()
        }
    }
    fn public_read_acl() -> Acl {
        let mut a = owner_acl();
        a.grants.push(Grant {
            grantee: Grantee::Group {
                uri: ALL_USERS_URI.into(),
            },
            permission: "READ".into(),
        });
        a
    }

    #[test]
    fn all_four_settings_on_is_compliant_without_reading_policy_or_acl() {
        let s = Snapshot {
            name: "b".into(),
            public_access_block: Read::Value(Some(PublicAccessBlock::ALL_ON)),
            policy: Read::NotRead,
            acl: Read::NotRead,
            tags: Read::NotRead,
            ..Default::default()
        };
        assert!(matches!(S3BucketPublicAccess.evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn missing_settings_ask_for_policy_and_acl() {
        let s = Snapshot {
            name: "b".into(),
            public_access_block: Read::Value(None),
            policy: Read::NotRead,
            acl: Read::NotRead,
            tags: Read::NotRead,
            ..Default::default()
        };
        assert!(matches!(S3BucketPublicAccess.evaluate(&s), Verdict::NeedsFacets { .. }));
    }
    #[test]
    fn private_bucket_without_bpa_is_non_compliant_and_gets_bpa_only() {
        let s = bucket(None, None, None);
        assert!(matches!(
            S3BucketPublicAccess.evaluate(&s),
            Verdict::NonCompliant { .. }
        ));
        let plan = S3BucketPublicAccess.plan(&s);
        assert_eq!(plan.actions.len(), 1);
        assert!(matches!(
            a(&plan.actions[0]),
            Action::PutBucketPublicAccessBlock(PutBucketPublicAccessBlock { previous: None, .. })
        ));
    }
    #[test]
    fn public_acl_is_removed_before_bpa_goes_on() {
        let s = bucket(None, None, Some(public_read_acl()));
        let plan = S3BucketPublicAccess.plan(&s);
        let names: Vec<&str> = plan.actions.iter().map(AnyAction::name).collect();
        assert_eq!(names, ["PutBucketAcl", "PutBucketPublicAccessBlock"]);
        let Action::PutBucketAcl(PutBucketAcl {
            acl, removed_grants, ..
        }) = a(&plan.actions[0])
        else {
            panic!()
        };
        assert_eq!(removed_grants.len(), 1);
        assert_eq!(acl, &owner_acl());
    }
    #[test]
    fn only_public_statements_are_removed_from_a_mixed_policy() {
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]});
        let s = bucket(Some(PublicAccessBlock::default()), Some(policy), None);
        let Verdict::NonCompliant { findings } = S3BucketPublicAccess.evaluate(&s) else {
            panic!()
        };
        assert!(findings.iter().any(|f| f.contains("Sid Public")));
        assert!(!findings.iter().any(|f| f.contains("Sid Partner")));
        let plan = S3BucketPublicAccess.plan(&s);
        let Action::PutBucketPolicy(PutBucketPolicy {
            policy,
            removed_statements,
            ..
        }) = a(&plan.actions[0])
        else {
            panic!("{plan:?}")
        };
        assert_eq!(removed_statements.len(), 1);
        assert!(policy.contains("Partner") && !policy.contains("\"Public\""));
    }
    #[test]
    fn cloudfront_only_policy_without_bpa_keeps_its_policy() {
        let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Cdn", "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}}}]});
        let plan = S3BucketPublicAccess.plan(&bucket(None, Some(policy), None));
        let names: Vec<&str> = plan.actions.iter().map(AnyAction::name).collect();
        assert_eq!(names, ["PutBucketPublicAccessBlock"]);
    }
    #[test]
    fn all_public_policy_is_deleted() {
        let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]});
        let plan = S3BucketPublicAccess.plan(&bucket(None, Some(policy), None));
        assert_eq!(plan.actions[0].name(), "DeleteBucketPolicy");
    }
    #[test]
    fn unparsable_policy_cannot_be_judged_and_is_not_touched() {
        let s = Snapshot {
            name: "b".into(),
            public_access_block: Read::Value(None),
            policy: Read::Value(Some("{not json".into())),
            acl: Read::Value(owner_acl()),
            tags: Read::NotRead,
            ..Default::default()
        };
        assert!(matches!(S3BucketPublicAccess.evaluate(&s), Verdict::CannotJudge { .. }));
        assert!(S3BucketPublicAccess.plan(&s).is_empty());
    }
    #[test]
    fn undo_plan_restores_every_replaced_value_in_reverse_order() {
        let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "P", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "K", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]});
        let partial = PublicAccessBlock {
            block_public_acls: true,
            ..Default::default()
        };
        let s = bucket(Some(partial), Some(policy.clone()), Some(public_read_acl()));
        let undo = S3BucketPublicAccess.plan(&s).undo().unwrap_or_default();
        let names: Vec<&str> = undo.actions.iter().map(AnyAction::name).collect();
        assert_eq!(names, ["PutBucketPublicAccessBlock", "PutBucketPolicy", "PutBucketAcl"]);
        assert!(
            matches!(a(&undo.actions[0]), Action::PutBucketPublicAccessBlock(PutBucketPublicAccessBlock { settings, .. }) if *settings == partial)
        );
        assert!(
            matches!(a(&undo.actions[1]), Action::PutBucketPolicy(PutBucketPolicy { policy: p, .. }) if p.as_str() == policy.to_string().as_str())
        );
        assert!(
            matches!(a(&undo.actions[2]), Action::PutBucketAcl(PutBucketAcl { acl, .. }) if *acl == public_read_acl())
        );
    }
}
