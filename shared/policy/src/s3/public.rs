//! What "public" means for an S3 bucket, as S3 Block Public Access defines it.
//!
//! The specification is the section *The meaning of "public"* of *Blocking public access
//! to your Amazon S3 storage*, Amazon S3 User Guide:
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status>.
//! Every example of that section is a unit test in `public/tests.rs`, and every verdict
//! names the rule of the section that decided it ([`StatementRule`], [`GrantRule`]).
//!
//! ## Bucket policies (section "Bucket policies")
//! Statements are judged by the analysis every resource policy shares,
//! [`crate::resource_policy`] (principals, the global condition keys, operators), in
//! S3's dialect, [`BucketPolicy`]: S3's own keys that pin the caller are
//! `s3:x-amz-server-side-encryption-aws-kms-key-id`, `s3:DataAccessPointAccount` and
//! `s3:DataAccessPointArn`. The section's note on the last: `s3:DataAccessPointArn` may
//! wildcard the access-point *name* as long as the account is fixed:
//! `arn:aws:s3:us-west-2:123456789012:accesspoint/*` pins the caller to that account's
//! access points. (An *access point* policy with the same condition is public; this
//! module judges bucket policies only.)
//!
//! ## ACLs (section "ACLs")
//! An ACL grant is public when its grantee is the `AllUsers` or `AuthenticatedUsers`
//! group, whatever the permission. Grants to other groups (`LogDelivery`), to canonical
//! users and to accounts by e-mail are not public.
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::resource_policy::{self, arn_parts, is_account_id, is_fixed, judge_fixed};
pub use crate::resource_policy::{
    ConditionKey, Decided, Dialect, DocumentedRule, PolicyError, ServiceKey, StatementRule, StatementVerdict,
    cidr_is_not_public, statements,
};

use super::{ALL_USERS_URI, AUTHENTICATED_USERS_URI, Acl, Grant, Grantee, LOG_DELIVERY_URI};

#[cfg(test)]
mod tests;

/// `s3:x-amz-server-side-encryption-aws-kms-key-id`.
pub const KMS_KEY_ID: ServiceKey = ServiceKey {
    name: "s3:x-amz-server-side-encryption-aws-kms-key-id",
};
/// `s3:DataAccessPointArn`.
pub const DATA_ACCESS_POINT_ARN: ServiceKey = ServiceKey {
    name: "s3:DataAccessPointArn",
};
/// `s3:DataAccessPointAccount`.
pub const DATA_ACCESS_POINT_ACCOUNT: ServiceKey = ServiceKey {
    name: "s3:DataAccessPointAccount",
};

/// S3's dialect of "the meaning of public": a bucket policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct BucketPolicy;

impl Dialect for BucketPolicy {
    fn what(&self) -> &'static str {
        "bucket policy"
    }
    fn service_keys(&self) -> &'static [ServiceKey] {
        &[KMS_KEY_ID, DATA_ACCESS_POINT_ARN, DATA_ACCESS_POINT_ACCOUNT]
    }
    fn judge_service_key(&self, key: ServiceKey, test: &str, values: &[String]) -> Result<Decided, Decided> {
        if key == DATA_ACCESS_POINT_ARN {
            judge_access_point_arn(test, values)
        } else {
            judge_fixed(ConditionKey::Service(key), test, values)
        }
    }
}

/// Every condition key a bucket policy can pin the caller with: the global ones and S3's.
pub fn bucket_policy_keys() -> Vec<ConditionKey> {
    ConditionKey::GLOBAL
        .into_iter()
        .chain(BucketPolicy.service_keys().iter().map(|k| ConditionKey::Service(*k)))
        .collect()
}

/// Judge every statement of a bucket policy.
pub fn analyze_policy(policy: &str) -> Result<Vec<StatementVerdict>, PolicyError> {
    resource_policy::analyze(policy, &BucketPolicy)
}

/// Whether a bucket policy has at least one public statement.
pub fn policy_is_public(policy: &str) -> Result<bool, PolicyError> {
    resource_policy::is_public(policy, &BucketPolicy)
}

/// Split a bucket policy into the policy without its public statements (`None` when
/// nothing is left) and the removed statements, in their original form.
pub fn remove_public_statements(policy: &str) -> Result<(Option<String>, Vec<Value>), PolicyError> {
    resource_policy::remove_public_statements(policy, &BucketPolicy)
}

/// The rule that decided an ACL grant's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "id", rename_all = "kebab-case")]
pub enum GrantRule {
    /// Public: the `AllUsers` group.
    AllUsersGroup,
    /// Public: the `AuthenticatedUsers` group.
    AuthenticatedUsersGroup,
    /// Not public: any other group, such as `LogDelivery`.
    OtherGroup,
    /// Not public: one canonical user or one account.
    SingleGrantee,
}

impl DocumentedRule for GrantRule {
    fn is_public(&self) -> bool {
        match self {
            GrantRule::AllUsersGroup | GrantRule::AuthenticatedUsersGroup => true,
            GrantRule::OtherGroup | GrantRule::SingleGrantee => false,
        }
    }

    fn summary(&self) -> String {
        match self {
            GrantRule::AllUsersGroup => "a grant to AllUsers is public, whatever the permission",
            GrantRule::AuthenticatedUsersGroup => "a grant to AuthenticatedUsers is public, whatever the permission",
            GrantRule::OtherGroup => "only the AllUsers and AuthenticatedUsers groups are public",
            GrantRule::SingleGrantee => "a grant to one canonical user or account is not public",
        }
        .into()
    }

    fn section(&self) -> &'static str {
        match self {
            GrantRule::AllUsersGroup
            | GrantRule::AuthenticatedUsersGroup
            | GrantRule::OtherGroup
            | GrantRule::SingleGrantee => "meaning of public: ACLs",
        }
    }
}

impl fmt::Display for GrantRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.summary(), self.section())
    }
}

/// The verdict on one ACL grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantVerdict {
    pub index: usize,
    pub grantee: String,
    pub permission: String,
    /// Always `rule.is_public()`.
    pub public: bool,
    pub rule: GrantRule,
    pub reason: String,
}

fn judge_access_point_arn(test: &str, values: &[String]) -> Result<Decided, Decided> {
    if values.iter().all(|v| is_fixed(v)) {
        return judge_fixed(ConditionKey::Service(DATA_ACCESS_POINT_ARN), test, values);
    }
    let mut accounts: Vec<&str> = Vec::new();
    for v in values {
        match access_point_account(v) {
            Some(a) => {
                if !accounts.contains(&a) {
                    accounts.push(a);
                }
            }
            None if is_fixed(v) => {}
            None => {
                return Err((
                    StatementRule::ConditionValueNotFixed {
                        key: ConditionKey::Service(DATA_ACCESS_POINT_ARN),
                    },
                    format!("{test}: \"{v}\" wildcards more than the access-point name of a fixed account"),
                ));
            }
        }
    }
    let whose = accounts
        .iter()
        .map(|a| format!("account {a}'s"))
        .collect::<Vec<_>>()
        .join(" or ");
    Ok((
        StatementRule::AccessPointsOfFixedAccounts,
        format!("{test} pins the caller to {whose} access points"),
    ))
}

/// The account of an access-point ARN whose only wildcards are in the access-point
/// name: `arn:aws:s3:us-west-2:123456789012:accesspoint/*`.
fn access_point_account(v: &str) -> Option<&str> {
    let [arn, partition, service, region, account, resource] = arn_parts(v)?;
    let name = resource.strip_prefix("accesspoint/")?;
    let fixed_prefix =
        arn == "arn" && service == "s3" && is_fixed(partition) && (region.is_empty() || is_fixed(region));
    (fixed_prefix && is_account_id(account) && !name.is_empty() && !name.contains("${")).then_some(account)
}

/// Judge every grant of an ACL.
pub fn analyze_acl(acl: &Acl) -> Vec<GrantVerdict> {
    acl.grants.iter().enumerate().map(|(i, g)| judge_grant(i, g)).collect()
}

pub fn grant_is_public(g: &Grant) -> bool {
    grant_rule(&g.grantee).is_public()
}

fn is_group(uri: &str, group: &str) -> bool {
    uri.trim().trim_end_matches('/').eq_ignore_ascii_case(group)
}

fn grant_rule(grantee: &Grantee) -> GrantRule {
    match grantee {
        Grantee::Group { uri } if is_group(uri, ALL_USERS_URI) => GrantRule::AllUsersGroup,
        Grantee::Group { uri } if is_group(uri, AUTHENTICATED_USERS_URI) => GrantRule::AuthenticatedUsersGroup,
        Grantee::Group { .. } => GrantRule::OtherGroup,
        Grantee::CanonicalUser { .. } | Grantee::AmazonCustomerByEmail { .. } => GrantRule::SingleGrantee,
    }
}

fn judge_grant(index: usize, g: &Grant) -> GrantVerdict {
    let rule = grant_rule(&g.grantee);
    let (grantee, reason) = match &g.grantee {
        Grantee::Group { uri } if is_group(uri, ALL_USERS_URI) => (
            "group AllUsers".to_string(),
            "AllUsers is anyone on the internet".to_string(),
        ),
        Grantee::Group { uri } if is_group(uri, AUTHENTICATED_USERS_URI) => (
            "group AuthenticatedUsers".to_string(),
            "AuthenticatedUsers is anyone with any AWS account".to_string(),
        ),
        Grantee::Group { uri } if is_group(uri, LOG_DELIVERY_URI) => (
            "group LogDelivery".to_string(),
            "the S3 log delivery group writes server access logs; not public".to_string(),
        ),
        Grantee::Group { uri } => (format!("group {uri}"), "not a public group".to_string()),
        Grantee::CanonicalUser { id, display_name } => (
            format!("canonical user {}", display_name.as_deref().unwrap_or(id)),
            "a grant to one canonical user is not public".to_string(),
        ),
        Grantee::AmazonCustomerByEmail { email } => (
            format!("account by e-mail {email}"),
            "a grant to one account is not public".to_string(),
        ),
    };
    GrantVerdict {
        index,
        grantee,
        permission: g.permission.clone(),
        public: rule.is_public(),
        rule,
        reason,
    }
}

/// The ACL without its public grants, and the grants removed.
pub fn remove_public_grants(acl: &Acl) -> (Acl, Vec<Grant>) {
    let (removed, kept): (Vec<Grant>, Vec<Grant>) = acl.grants.iter().cloned().partition(grant_is_public);
    (
        Acl {
            owner: acl.owner.clone(),
            grants: kept,
        },
        removed,
    )
}
