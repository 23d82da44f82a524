//! `s3-bucket-acls-disabled`: every bucket has ACLs disabled (object ownership
//! `BucketOwnerEnforced`), so access is decided by policies alone.
//!
//! HIPAA Security Rule: access control, 164.312(a)(1). Mirrors the AWS Config managed
//! rule `S3_BUCKET_ACL_PROHIBITED` (Security Hub S3.12).
//!
//! The fix is `PutBucketOwnershipControls BucketOwnerEnforced`, made only when it is
//! safe: when the bucket ACL grants anyone other than the owner (another account,
//! the log-delivery group, CloudFront's log account), disabling ACLs would break
//! that access, or S3 refuses it. The fix is then withheld, and the notice names
//! the grant in the way and what to move into the bucket policy first. It runs
//! after `s3-bucket-public-access` (a larger `order`), which removes public grants
//! first, so one sweep converges. Undo restores the previous ownership setting.
use super::samples::owner_acl;
use crate::family;
use crate::kinds::s3_bucket::{Facet, PutBucketOwnershipControls, S3Bucket, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::s3::protection::BUCKET_OWNER_ENFORCED;
use crate::s3::{Acl, Grant, Grantee, LOG_DELIVERY_URI, Owner};
use crate::settings::Mode;

pub const ID: &str = "s3-bucket-acls-disabled";

/// The canonical user id of the account CloudFront delivers standard logs from
/// (`awslogsdelivery`).
pub const CLOUDFRONT_LOGS_CANONICAL_ID: &str = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0";

const OWNERSHIP: AnyFacet = AnyFacet::S3Bucket(Facet::Ownership);
const ACL: AnyFacet = AnyFacet::S3Bucket(Facet::Acl);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "S3 buckets have ACLs disabled (BucketOwnerEnforced)",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::S3Bucket,
    family: family::S3_DATA_PROTECTION,
    triggers: Triggers {
        config_rules: &["S3_BUCKET_ACL_PROHIBITED"],
        cloudtrail: &[
            "CreateBucket",
            "PutBucketOwnershipControls",
            "DeleteBucketOwnershipControls",
            "PutBucketAcl",
        ],
        schedule: true,
    },
    facets: &[OWNERSHIP],
    reads: &[OWNERSHIP, ACL],
    actions: &[PutBucketOwnershipControls::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    // After s3-bucket-public-access (0): public grants are removed first.
    order: 50,
    fix: Fix::Reversible,
};

pub struct S3BucketAclsDisabled;

/// Why a grant stands in the way of disabling ACLs, and what to do first; `None`
/// for the owner's own grants.
fn in_the_way(g: &Grant, owner: Option<&Owner>) -> Option<String> {
    let what = format!("{} to", g.permission);
    match &g.grantee {
        Grantee::CanonicalUser { id, .. } if owner.is_some_and(|o| &o.id == id) => None,
        Grantee::CanonicalUser { id, .. } if id == CLOUDFRONT_LOGS_CANONICAL_ID => Some(format!(
            "the ACL grants {what} CloudFront's log-delivery account (awslogsdelivery): CloudFront standard logs need it. Move log delivery to a bucket that keeps ACLs, or switch the distribution to logging v2 (CloudWatch Logs delivery to S3 uses a bucket policy), then remove the grant"
        )),
        Grantee::CanonicalUser { id, display_name } => Some(format!(
            "the ACL grants {what} canonical user {}{}: give that account the access in the bucket policy (Principal {{\"CanonicalUser\": \"{id}\"}} or its account ARN), then remove the grant",
            id,
            display_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
        )),
        Grantee::Group { uri } if uri == LOG_DELIVERY_URI => Some(format!(
            "the ACL grants {what} the S3 log-delivery group: allow the service principal logging.s3.amazonaws.com s3:PutObject in the bucket policy (with aws:SourceAccount), then remove the grant"
        )),
        Grantee::Group { uri } => Some(format!(
            "the ACL grants {what} the group {uri}: move that access into the bucket policy (or drop it), then remove the grant"
        )),
        Grantee::AmazonCustomerByEmail { email } => Some(format!(
            "the ACL grants {what} the account of {email}: give that account the access in the bucket policy, then remove the grant"
        )),
    }
}

fn blockers(acl: &Acl) -> Vec<String> {
    acl.grants
        .iter()
        .filter_map(|g| in_the_way(g, acl.owner.as_ref()))
        .collect()
}

impl KindRule for S3BucketAclsDisabled {
    type Kind = S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, b: &Snapshot) -> Verdict {
        match b.ownership.get() {
            None => Verdict::NeedsFacets {
                facets: vec![OWNERSHIP],
            },
            Some(Some(o)) if o == BUCKET_OWNER_ENFORCED => Verdict::Compliant {
                reason: "ACLs are disabled (BucketOwnerEnforced)".into(),
            },
            Some(o) => {
                // The ACL decides whether the fix is safe: read it only now.
                let Some(acl) = b.acl.get() else {
                    return Verdict::NeedsFacets { facets: vec![ACL] };
                };
                let mut findings = vec![format!(
                    "ACLs are enabled (object ownership {})",
                    o.as_deref().unwrap_or("not set")
                )];
                findings.extend(blockers(acl));
                Verdict::NonCompliant { findings }
            }
        }
    }

    fn plan(&self, b: &Snapshot) -> Plan {
        if !matches!(self.evaluate(b), Verdict::NonCompliant { .. }) {
            return Plan::default();
        }
        let (Some(previous), Some(acl)) = (b.ownership.get(), b.acl.get()) else {
            return Plan::default();
        };
        let blocking = blockers(acl);
        if !blocking.is_empty() {
            return Plan {
                actions: vec![],
                withheld: blocking
                    .into_iter()
                    .map(|w| format!("ACLs stay enabled on bucket {}: {w}", b.name))
                    .collect(),
            };
        }
        Plan::of(vec![
            PutBucketOwnershipControls {
                bucket: b.name.clone(),
                ownership: BUCKET_OWNER_ENFORCED.into(),
                previous: previous.clone(),
            }
            .into(),
        ])
    }

    fn examples(&self) -> Examples<Snapshot> {
        let bucket = |o: Option<&str>, acl: Acl| Snapshot {
            name: "phi-records".into(),
            ownership: Read::Value(o.map(str::to_owned)),
            acl: Read::Value(acl),
            tags: Read::Value(Default::default()),
            ..Default::default()
        };
        let mut cloudfront = owner_acl();
        cloudfront.grants.push(Grant {
            grantee: Grantee::CanonicalUser {
                id: CLOUDFRONT_LOGS_CANONICAL_ID.into(),
                display_name: None,
            },
            permission: "FULL_CONTROL".into(),
        });
        Examples {
            non_compliant: bucket(Some("ObjectWriter"), owner_acl()),
            compliant: bucket(Some(BUCKET_OWNER_ENFORCED), owner_acl()),
            // CloudFront standard logs: non-compliant, but the fix is withheld.
            edge: bucket(Some("BucketOwnerPreferred"), cloudfront),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(acl: Acl) -> Snapshot {
        Snapshot {
            name: "b".into(),
            ownership: Read::Value(Some("ObjectWriter".into())),
            acl: Read::Value(acl),
            ..Default::default()
        }
    }
    fn with(g: Grantee) -> Acl {
        let mut a = owner_acl();
        a.grants.push(Grant {
            grantee: g,
            permission: "WRITE".into(),
        });
        a
    }

    #[test]
    fn an_owner_only_acl_gets_bucket_owner_enforced() {
        let plan = S3BucketAclsDisabled.plan(&bucket(owner_acl()));
        assert_eq!(plan.actions.len(), 1);
        assert_eq!(plan.actions[0].name(), "PutBucketOwnershipControls");
    }

    #[test]
    fn a_cloudfront_log_grant_keeps_acls_and_the_notice_says_why() {
        let plan = S3BucketAclsDisabled.plan(&bucket(with(Grantee::CanonicalUser {
            id: CLOUDFRONT_LOGS_CANONICAL_ID.into(),
            display_name: None,
        })));
        assert!(plan.actions.is_empty());
        assert!(plan.withheld[0].contains("CloudFront"), "{plan:?}");
    }

    #[test]
    fn log_delivery_and_other_accounts_block_the_fix_with_what_to_move() {
        for g in [
            Grantee::Group {
                uri: LOG_DELIVERY_URI.into(),
            },
            Grantee::CanonicalUser {
                id: "other".into(),
                display_name: None,
            },
        ] {
            let plan = S3BucketAclsDisabled.plan(&bucket(with(g)));
            assert!(plan.actions.is_empty());
            assert!(plan.withheld[0].contains("bucket policy"), "{plan:?}");
        }
    }

    #[test]
    fn it_runs_after_the_public_access_rule() {
        assert!(SPEC.order > crate::rules::s3_bucket_public_access::SPEC.order);
    }
}
