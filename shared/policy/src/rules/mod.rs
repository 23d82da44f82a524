//! The rules, one file each. Adding a rule: write `rules/<id>.rs`, add one line to
//! [`all`], add fixtures and the rule's triggers to `template.yaml`.
use std::sync::Arc;

use crate::params::Params;
use crate::rule::Rule;

pub mod iam_access_key_rotated;
pub mod iam_credentials_unused;
pub mod iam_inactive_access_key_deleted;
pub mod iam_password_policy;
pub mod iam_root_account_mfa;
pub mod iam_user_console_mfa;
pub mod s3_account_public_access_block;
pub mod s3_bucket_public_access;
#[cfg(test)]
pub(crate) mod testing;

/// Every rule hipaa-autofix knows, with parameters. A plain list; no registration magic.
pub fn all_with(p: &Params) -> Vec<Arc<dyn Rule>> {
    vec![
        Arc::new(s3_bucket_public_access::S3BucketPublicAccess),
        Arc::new(s3_account_public_access_block::S3AccountPublicAccessBlock),
        Arc::new(iam_access_key_rotated::IamAccessKeyRotated::new(p)),
        Arc::new(iam_credentials_unused::IamCredentialsUnused::new(p)),
        Arc::new(iam_inactive_access_key_deleted::IamInactiveAccessKeyDeleted::new(p)),
        Arc::new(iam_user_console_mfa::IamUserConsoleMfa::new(p)),
        Arc::new(iam_root_account_mfa::IamRootAccountMfa),
        Arc::new(iam_password_policy::IamPasswordPolicy::new(p)),
    ]
}

/// Every rule with default parameters.
pub fn all() -> Vec<Arc<dyn Rule>> {
    all_with(&Params::default())
}

/// The function families (one Lambda each, `functions/<family>`) and their rule ids.
pub const FAMILIES: &[(&str, &[&str])] = &[
    (
        "s3-public-access",
        &["s3-bucket-public-access", "s3-account-public-access-block"],
    ),
    (
        "iam-access-keys",
        &[
            "iam-access-key-rotated",
            "iam-credentials-unused",
            "iam-inactive-access-key-deleted",
        ],
    ),
    ("iam-mfa", &["iam-user-console-mfa", "iam-root-account-mfa"]),
    ("iam-password-policy", &["iam-password-policy"]),
];

/// The rules of one function family, with parameters.
pub fn family_with(name: &str, p: &Params) -> Vec<Arc<dyn Rule>> {
    let ids: &[&str] = FAMILIES
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, ids)| *ids)
        .unwrap_or(&[]);
    all_with(p).into_iter().filter(|r| ids.contains(&r.id())).collect()
}

/// The rules of one function family, with default parameters.
pub fn family(name: &str) -> Vec<Arc<dyn Rule>> {
    family_with(name, &Params::default())
}

/// The family a rule belongs to.
pub fn family_of(rule: &str) -> Option<&'static str> {
    FAMILIES.iter().find(|(_, ids)| ids.contains(&rule)).map(|(f, _)| *f)
}

pub fn by_id(id: &str) -> Option<Arc<dyn Rule>> {
    all().into_iter().find(|r| r.id() == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for r in all() {
            let id = r.id();
            assert!(seen.insert(id), "duplicate rule id {id}");
            assert!(
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id} is not kebab-case"
            );
            assert!(
                !id.starts_with('-') && !id.ends_with('-') && !id.contains("--"),
                "{id} is not kebab-case"
            );
        }
    }

    #[test]
    fn every_rule_belongs_to_exactly_one_family() {
        for r in all() {
            let n = FAMILIES.iter().filter(|(_, ids)| ids.contains(&r.id())).count();
            assert_eq!(n, 1, "{} is in {n} families", r.id());
        }
        for (fam, ids) in FAMILIES {
            assert_eq!(family(fam).len(), ids.len(), "family {fam} lists an unknown rule");
        }
    }

    #[test]
    fn every_rule_has_a_trigger() {
        for r in all() {
            let t = r.triggers();
            assert!(
                t.schedule || !t.cloudtrail.is_empty() || !t.config_rules.is_empty(),
                "{} has no trigger",
                r.id()
            );
        }
    }
}
