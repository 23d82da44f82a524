//! What each function's role must be granted: derived from its rules' reads and
//! actions, so the template's roles can be checked against the code.
use std::collections::BTreeSet;

use crate::action::{action_permissions, facet_permissions};
use crate::resource::{Facet, ResourceKind};
use crate::rules;

/// The IAM actions listing a kind of resource needs (for sweeps).
pub fn list_permissions(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::S3Bucket => &["s3:ListAllMyBuckets"],
        // Users are listed, and summarised by the account's credential report.
        ResourceKind::IamUser => &[
            "iam:ListUsers",
            "iam:GenerateCredentialReport",
            "iam:GetCredentialReport",
        ],
        ResourceKind::S3Account | ResourceKind::IamAccount => &[],
    }
}

/// Every AWS-resource permission (reads, lists, fixes, Config reporting) the
/// function of `family` calls. Its own plumbing (settings and ledger tables, the
/// Slack secret, KMS, logs, queues) is not included.
pub fn family_permissions(family: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for rule in rules::family(family) {
        for f in rule.reads().iter().chain(rule.facets()).chain(&[Facet::Tags]) {
            out.extend(facet_permissions(rule.kind(), *f));
        }
        for a in rule.actions() {
            out.extend(action_permissions(a));
        }
        if rule.triggers().schedule {
            out.extend(list_permissions(rule.kind()));
        }
        if rule.custom_config_rule() {
            out.insert("config:PutEvaluations");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::ACTION_NAMES;

    #[test]
    fn every_action_name_has_permissions() {
        for name in ACTION_NAMES {
            assert!(!action_permissions(name).is_empty(), "{name} has no permissions");
        }
    }

    #[test]
    fn every_rule_action_is_a_known_action() {
        for r in rules::all() {
            for a in r.actions() {
                assert!(ACTION_NAMES.contains(a), "{} names unknown action {a}", r.id());
            }
        }
    }

    #[test]
    fn s3_family_never_reads_objects() {
        let p = family_permissions("s3-public-access");
        assert!(p.contains("s3:PutBucketPublicAccessBlock"));
        assert!(!p.iter().any(|a| a.starts_with("s3:GetObject")), "{p:?}");
        assert!(!p.iter().any(|a| a.contains('*')), "{p:?}");
    }
}
