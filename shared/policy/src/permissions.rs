//! What each function's role must be granted: derived from its rules' specs (reads,
//! actions, sweeps, Config reports), so the template's roles can be checked against
//! the code.
use std::collections::BTreeSet;

use crate::catalog;
use crate::kinds::{Facet, Undo};
use crate::rule::{Family, RuleSpec};
use crate::rules;

/// Every facet a rule may read: what it reads, and its kind's tags (exemptions).
fn facets_read(spec: &RuleSpec) -> impl Iterator<Item = Facet> {
    spec.reads
        .iter()
        .chain(spec.facets)
        .copied()
        .chain(spec.kind.tags_facet())
}

/// Every AWS-resource permission (reads, lists, fixes, Config reporting) the
/// function of `family` calls. Its own plumbing (settings and ledger tables, the
/// Slack secret, KMS, logs, queues) is not included.
pub fn family_permissions(family: Family) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for rule in catalog::family(family) {
        let spec = rule.spec();
        for f in facets_read(spec) {
            out.extend(f.permissions());
        }
        for a in spec.actions {
            out.extend(a.permissions);
        }
        if spec.triggers.schedule {
            out.extend(spec.kind.list_permissions());
        }
        if spec.custom_config_rule {
            out.insert("config:PutEvaluations");
        }
    }
    out
}

/// Every AWS-resource permission an admin's act on any rule's notice may call (the
/// Slack buttons): for every rule, the reads (facets and tags), the fixes (its
/// actions), and the undos (each action's inverses, and the re-read of what it
/// writes). No lists (it never sweeps) and no `config:PutEvaluations` (it never
/// answers a Config invocation).
pub fn admin_permissions() -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for rule in rules::all() {
        let spec = rule.spec();
        for f in facets_read(spec) {
            out.extend(f.permissions());
        }
        for a in spec.actions {
            out.extend(a.permissions);
            out.extend(a.writes.permissions());
            match a.undo() {
                Undo::By(undos) => {
                    for u in undos {
                        out.extend(u.permissions);
                        out.extend(u.writes.permissions());
                    }
                }
                Undo::Irreversible(_) => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_family_never_reads_objects() {
        let p = family_permissions(crate::family::S3_PUBLIC_ACCESS);
        assert!(p.contains("s3:PutBucketPublicAccessBlock"));
        assert!(!p.iter().any(|a| a.starts_with("s3:GetObject")), "{p:?}");
        assert!(!p.iter().any(|a| a.contains('*')), "{p:?}");
    }

    #[test]
    fn admins_may_undo_what_rules_do() {
        let p = admin_permissions();
        // Undoing a password policy set where there was none deletes it.
        assert!(p.contains("iam:DeleteAccountPasswordPolicy"));
        assert!(p.contains("iam:DetachUserPolicy"));
        assert!(!p.contains("s3:ListAllMyBuckets"));
        assert!(!p.contains("config:PutEvaluations"));
    }
}
