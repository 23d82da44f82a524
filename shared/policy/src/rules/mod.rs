//! The rules, one file each. Adding a rule: write `rules/<id>.rs`, add one line to
//! [`all`], add fixtures and the rule's triggers to `template.yaml`.
use std::sync::Arc;

use crate::rule::Rule;

pub mod s3_account_public_access_block;
pub mod s3_bucket_public_access;

/// Every rule hipaa-autofix knows. A plain list; no registration magic.
pub fn all() -> Vec<Arc<dyn Rule>> {
    vec![
        Arc::new(s3_bucket_public_access::S3BucketPublicAccess),
        Arc::new(s3_account_public_access_block::S3AccountPublicAccessBlock),
    ]
}

/// The rules of one function family (the Lambda `functions/<family>`).
pub fn family(name: &str) -> Vec<Arc<dyn Rule>> {
    let ids: &[&str] = match name {
        "s3-public-access" => &["s3-bucket-public-access", "s3-account-public-access-block"],
        _ => &[],
    };
    all().into_iter().filter(|r| ids.contains(&r.id())).collect()
}

/// The function families and their rule ids.
pub const FAMILIES: &[(&str, &[&str])] = &[(
    "s3-public-access",
    &["s3-bucket-public-access", "s3-account-public-access-block"],
)];

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
