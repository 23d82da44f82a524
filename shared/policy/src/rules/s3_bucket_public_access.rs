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
use crate::action::{Action, Plan};
use crate::resource::{BucketSnapshot, Facet, ResourceKind, Snapshot};
use crate::rule::{Rule, Triggers, Verdict};
use crate::s3::PublicAccessBlock;
use crate::s3::public::{analyze_acl, analyze_policy, remove_public_grants, remove_public_statements};

pub struct S3BucketPublicAccess;

pub const ID: &str = "s3-bucket-public-access";

impl Rule for S3BucketPublicAccess {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "S3 buckets are not public and have Block Public Access on"
    }
    fn safeguard(&self) -> &'static str {
        "164.312(a)(1) Access control"
    }
    fn kind(&self) -> ResourceKind {
        ResourceKind::S3Bucket
    }
    fn triggers(&self) -> Triggers {
        Triggers {
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
        }
    }
    fn custom_config_rule(&self) -> bool {
        true
    }
    fn facets(&self) -> &'static [Facet] {
        &[Facet::BucketPublicAccessBlock]
    }
    fn reads(&self) -> &'static [Facet] {
        &[Facet::BucketPublicAccessBlock, Facet::BucketPolicy, Facet::BucketAcl]
    }
    fn actions(&self) -> &'static [&'static str] {
        &[
            "PutBucketAcl",
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "PutBucketPublicAccessBlock",
        ]
    }

    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        let Snapshot::S3Bucket(b) = snapshot else {
            return Verdict::CannotJudge {
                reason: "not a bucket snapshot".into(),
            };
        };
        let Some(bpa) = b.public_access_block.get() else {
            return Verdict::NeedsFacets {
                facets: vec![Facet::BucketPublicAccessBlock],
            };
        };
        if bpa.is_some_and(|p| p.all_on()) {
            return Verdict::Compliant {
                reason: "all four bucket-level Block Public Access settings are on".into(),
            };
        }
        let (Some(policy), Some(acl)) = (b.policy.get(), b.acl.get()) else {
            return Verdict::NeedsFacets {
                facets: vec![Facet::BucketPolicy, Facet::BucketAcl],
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

    fn plan(&self, snapshot: &Snapshot) -> Plan {
        let Snapshot::S3Bucket(b) = snapshot else {
            return Plan::default();
        };
        plan_bucket(b)
    }
}

fn plan_bucket(b: &BucketSnapshot) -> Plan {
    let mut actions = Vec::new();
    let Some(bpa) = b.public_access_block.get() else {
        return Plan::default();
    };
    if let Some(acl) = b.acl.get() {
        let (kept, removed) = remove_public_grants(acl);
        if !removed.is_empty() {
            actions.push(Action::PutBucketAcl {
                bucket: b.name.clone(),
                acl: kept,
                removed_grants: removed,
                previous: acl.clone(),
            });
        }
    }
    if let Some(Some(policy)) = b.policy.get() {
        match remove_public_statements(policy) {
            Ok((_, removed)) if removed.is_empty() => {}
            Ok((Some(kept), removed)) => actions.push(Action::PutBucketPolicy {
                bucket: b.name.clone(),
                policy: kept,
                removed_statements: removed,
                previous: Some(policy.clone()),
            }),
            Ok((None, removed)) => actions.push(Action::DeleteBucketPolicy {
                bucket: b.name.clone(),
                removed_statements: removed,
                previous: policy.clone(),
            }),
            // An unjudgeable policy is never rewritten.
            Err(_) => return Plan::default(),
        }
    }
    if !bpa.is_some_and(|p| p.all_on()) {
        actions.push(Action::PutBucketPublicAccessBlock {
            bucket: b.name.clone(),
            settings: PublicAccessBlock::ALL_ON,
            previous: *bpa,
        });
    }
    Plan {
        actions,
        withheld: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Read;
    use crate::s3::{ALL_USERS_URI, Acl, Grant, Grantee, Owner};
    use serde_json::json;

    fn owner_acl() -> Acl {
        Acl {
            owner: Some(Owner {
                id: "o".into(),
                display_name: None,
            }),
            grants: vec![Grant {
                grantee: Grantee::CanonicalUser {
                    id: "o".into(),
                    display_name: None,
                },
                permission: "FULL_CONTROL".into(),
            }],
        }
    }
    fn bucket(bpa: Option<PublicAccessBlock>, policy: Option<serde_json::Value>, acl: Option<Acl>) -> Snapshot {
        Snapshot::S3Bucket(BucketSnapshot {
            name: "b".into(),
            public_access_block: Read::Value(bpa),
            policy: Read::Value(policy.map(|p| p.to_string())),
            acl: acl.map(Read::Value).unwrap_or(Read::Value(owner_acl())),
            tags: Read::NotRead,
        })
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
        let s = Snapshot::S3Bucket(BucketSnapshot {
            name: "b".into(),
            public_access_block: Read::Value(Some(PublicAccessBlock::ALL_ON)),
            policy: Read::NotRead,
            acl: Read::NotRead,
            tags: Read::NotRead,
        });
        assert!(matches!(S3BucketPublicAccess.evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn missing_settings_ask_for_policy_and_acl() {
        let s = Snapshot::S3Bucket(BucketSnapshot {
            name: "b".into(),
            public_access_block: Read::Value(None),
            policy: Read::NotRead,
            acl: Read::NotRead,
            tags: Read::NotRead,
        });
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
            &plan.actions[0],
            Action::PutBucketPublicAccessBlock { previous: None, .. }
        ));
    }
    #[test]
    fn public_acl_is_removed_before_bpa_goes_on() {
        let s = bucket(None, None, Some(public_read_acl()));
        let plan = S3BucketPublicAccess.plan(&s);
        let names: Vec<&str> = plan.actions.iter().map(Action::name).collect();
        assert_eq!(names, ["PutBucketAcl", "PutBucketPublicAccessBlock"]);
        let Action::PutBucketAcl {
            acl, removed_grants, ..
        } = &plan.actions[0]
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
        let Action::PutBucketPolicy {
            policy,
            removed_statements,
            ..
        } = &plan.actions[0]
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
        let names: Vec<&str> = plan.actions.iter().map(Action::name).collect();
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
        let s = Snapshot::S3Bucket(BucketSnapshot {
            name: "b".into(),
            public_access_block: Read::Value(None),
            policy: Read::Value(Some("{not json".into())),
            acl: Read::Value(owner_acl()),
            tags: Read::NotRead,
        });
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
        let names: Vec<&str> = undo.actions.iter().map(Action::name).collect();
        assert_eq!(names, ["PutBucketPublicAccessBlock", "PutBucketPolicy", "PutBucketAcl"]);
        assert!(
            matches!(&undo.actions[0], Action::PutBucketPublicAccessBlock { settings, .. } if *settings == partial)
        );
        assert!(
            matches!(&undo.actions[1], Action::PutBucketPolicy { policy: p, .. } if p.as_str() == policy.to_string().as_str())
        );
        assert!(matches!(&undo.actions[2], Action::PutBucketAcl { acl, .. } if *acl == public_read_acl()));
    }
}
