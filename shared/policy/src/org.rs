//! Organisation mode: one deployment in a central (security) account protects every
//! active member account of an AWS Organization.
//!
//! * [`Registry`]: the organisation's accounts (id, status, OU path), kept in the
//!   settings table by the sweep planner and by the CLI (Organizations
//!   `ListAccounts`), read by the functions. Its active accounts are the functions'
//!   [`AccountScope`](crate::AccountScope): an event about any other account is refused.
//! * [`member_role_arn`]: the role a family assumes in a member account,
//!   `arn:<partition>:iam::<account>:role/<prefix><family>` (the member stack's).
//! * [`ModeScope`]: where an admin set a rule's mode. A rule's mode resolves account,
//!   then OU (deepest first), then the organisation default (the plain rule mode),
//!   then the deployment's parameter, then the rule's own default.
//! * [`SweepMessage`]: one (account, region, family) of a fanned-out sweep, as the
//!   planner puts it on the family's queue.
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::{AccountScope, OwnAccountError, is_account_id};

/// The contract's default `MemberRolePrefix`.
pub const DEFAULT_MEMBER_ROLE_PREFIX: &str = "hipaa-autofix-member-";

/// The role a family's function assumes in `account`.
pub fn member_role_arn(partition: &str, account: &str, prefix: &str, family: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{prefix}{family}")
}

/// An account's status in the organisation (Organizations' `Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountStatus {
    Active,
    Suspended,
    PendingClosure,
}

impl AccountStatus {
    /// Organizations' spelling; anything unknown is not active.
    pub fn parse(s: &str) -> AccountStatus {
        match s {
            "ACTIVE" => AccountStatus::Active,
            "PENDING_CLOSURE" => AccountStatus::PendingClosure,
            _ => AccountStatus::Suspended,
        }
    }
}

/// One account of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAccount {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: AccountStatus,
    /// The organisational units above the account, root first (`ou-ab12-...`); empty
    /// for an account directly under the root.
    #[serde(default)]
    pub ou_path: Vec<String>,
}

/// The organisation's accounts, as last refreshed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    pub accounts: BTreeMap<String, MemberAccount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refreshed_at: Option<DateTime<Utc>>,
}

impl Registry {
    pub fn new(accounts: impl IntoIterator<Item = MemberAccount>, refreshed_at: Option<DateTime<Utc>>) -> Self {
        Registry {
            accounts: accounts.into_iter().map(|a| (a.id.clone(), a)).collect(),
            refreshed_at,
        }
    }

    /// The active accounts, in id order.
    pub fn active(&self) -> impl Iterator<Item = &MemberAccount> {
        self.accounts.values().filter(|a| a.status == AccountStatus::Active)
    }

    /// The accounts the functions may act in: the active ones, and `own` (the central
    /// account, whose resources it reaches with its own role).
    pub fn scope(&self, own: Option<&str>) -> Result<AccountScope, OwnAccountError> {
        let mut scope = AccountScope::default();
        for a in self.active() {
            if is_account_id(&a.id) {
                scope = scope.with(&a.id)?;
            }
        }
        match own {
            Some(own) => scope.with(own),
            None => Ok(scope),
        }
    }

    /// Where a mode set for `account` may come from, most specific first: the account,
    /// then its OUs deepest first. (The organisation default comes after these.)
    pub fn mode_scopes(&self, account: &str) -> Vec<ModeScope> {
        let mut out = vec![ModeScope::Account(account.to_string())];
        if let Some(a) = self.accounts.get(account) {
            out.extend(a.ou_path.iter().rev().map(|ou| ModeScope::Ou(ou.clone())));
        }
        out
    }
}

/// Whether `s` is an organisational unit id (`ou-` then the root's and the unit's
/// lower-case alphanumeric parts) or a root id (`r-...`).
pub fn is_ou_id(s: &str) -> bool {
    let ok_part = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    match s.strip_prefix("ou-") {
        Some(rest) => rest.split_once('-').is_some_and(|(a, b)| ok_part(a) && ok_part(b)),
        None => s.strip_prefix("r-").is_some_and(ok_part),
    }
}

/// Where a rule's mode was set, narrower than the organisation-wide setting.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", content = "id", rename_all = "snake_case")]
pub enum ModeScope {
    /// One account.
    Account(String),
    /// Every account under an organisational unit (or the root).
    Ou(String),
}

impl fmt::Display for ModeScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModeScope::Account(a) => write!(f, "account {a}"),
            ModeScope::Ou(ou) => write!(f, "OU {ou}"),
        }
    }
}

/// Where a decision's mode came from (the order in which a mode resolves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModeSource {
    /// Set for the account or one of its OUs (`autofix rules set --account/--ou`).
    Scoped(ModeScope),
    /// The settings table's organisation-wide mode (`autofix rules set`).
    Organisation,
    /// The deployment's `Mode<Rule>` / `DefaultMode` parameter.
    Deployment,
    /// The rule's own default.
    Rule,
}

/// One (account, region, family) of a fanned-out sweep: the body of a message on a
/// family's sweep queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepMessage {
    pub account: String,
    pub region: String,
    pub family: String,
    pub planned_at: DateTime<Utc>,
}

impl SweepMessage {
    /// Parse and check a message body: a 12-digit account, a region, the family.
    pub fn parse(body: &str) -> Result<SweepMessage, String> {
        let m: SweepMessage =
            serde_json::from_str(body).map_err(|e| format!("not a sweep message ({})", e.classify_name()))?;
        if !is_account_id(&m.account) {
            return Err(format!("account {:?} is not a 12-digit account id", m.account));
        }
        if m.region.is_empty()
            || !m
                .region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!("region {:?} is not a region name", m.region));
        }
        Ok(m)
    }
}

/// serde_json's error category, without its message (which may quote the input).
trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "missing or mistyped fields",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// Whether a family reaches only IAM, which is global: one region's sweep covers the
/// whole account (AWS Config only takes evaluations; it is not swept).
pub fn family_is_global(family: crate::Family) -> bool {
    crate::catalog::services(family)
        .iter()
        .all(|s| matches!(s, crate::kinds::Service::Iam | crate::kinds::Service::Config))
}

/// The parameters a member account's rules run with: the deployment's, without the
/// KMS keys that would become a member's *default* key (`S3EncryptionKeyArn`,
/// `EbsDefaultKmsKeyArn`). Those name keys of the central account (the stack's key, or
/// one an admin named): S3 and EC2 accept another account's key as a default without
/// checking its policy, and every upload or new volume in the member fails after.
/// Without them a member's buckets get `aws/s3` and its volumes `aws/ebs`, keys every
/// account has. (A trail key, a log bucket or a logs role of the central account is
/// checked by CloudTrail or S3 when the fix is made: at worst the fix fails, and says so.)
pub fn member_params(p: &crate::params::Params) -> crate::params::Params {
    use crate::params::Param;
    let mut m = p.clone();
    m.unset(Param::Text(
        &crate::rules::s3_bucket_default_encryption::S3_ENCRYPTION_KEY_ARN,
    ));
    m.unset(Param::Text(
        &crate::rules::ebs_encryption_by_default::EBS_DEFAULT_KMS_KEY_ARN,
    ));
    m
}

/// The hour a change counts against in the per-account limit, `YYYYMMDDHH` (UTC).
pub fn change_hour(now: DateTime<Utc>) -> String {
    now.format("%Y%m%d%H").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_never_gets_the_central_accounts_keys_as_its_defaults() {
        use crate::params::{Param, Params};
        use crate::rules::{ebs_encryption_by_default as ebs, s3_bucket_default_encryption as s3enc};
        let key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd";
        let mut p = Params::default();
        for param in [
            Param::Text(&s3enc::S3_ENCRYPTION_KEY_ARN),
            Param::Text(&ebs::EBS_DEFAULT_KMS_KEY_ARN),
        ] {
            assert!(p.set(param, key).is_ok());
        }
        assert!(p.set(Param::Text(&s3enc::S3_ENCRYPTION_MODE), "SSE-S3").is_ok());
        let m = member_params(&p);
        assert_eq!(m.text(&s3enc::S3_ENCRYPTION_KEY_ARN), "");
        assert_eq!(m.text(&ebs::EBS_DEFAULT_KMS_KEY_ARN), "");
        // Everything else is the deployment's.
        assert_eq!(m.text(&s3enc::S3_ENCRYPTION_MODE), "SSE-S3");
        assert_eq!(p.text(&s3enc::S3_ENCRYPTION_KEY_ARN), key);
    }

    fn acct(id: &str, status: AccountStatus, ous: &[&str]) -> MemberAccount {
        MemberAccount {
            id: id.into(),
            name: None,
            status,
            ou_path: ous.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_scope_is_the_active_accounts_and_the_own_one() {
        let r = Registry::new(
            [
                acct("111111111111", AccountStatus::Active, &[]),
                acct("222222222222", AccountStatus::Suspended, &[]),
                acct("333333333333", AccountStatus::Active, &["ou-ab12-xyz"]),
            ],
            None,
        );
        let s = r.scope(Some("999999999999")).unwrap_or_default();
        assert!(s.contains("111111111111") && s.contains("333333333333") && s.contains("999999999999"));
        assert!(!s.contains("222222222222"));
    }

    #[test]
    fn mode_scopes_go_from_the_account_to_its_deepest_ou_up() {
        let r = Registry::new(
            [acct(
                "333333333333",
                AccountStatus::Active,
                &["ou-ab12-top", "ou-ab12-leaf"],
            )],
            None,
        );
        assert_eq!(
            r.mode_scopes("333333333333"),
            vec![
                ModeScope::Account("333333333333".into()),
                ModeScope::Ou("ou-ab12-leaf".into()),
                ModeScope::Ou("ou-ab12-top".into())
            ]
        );
        assert_eq!(r.mode_scopes("444444444444").len(), 1);
    }

    #[test]
    fn member_roles_are_named_by_prefix_and_family() {
        assert_eq!(
            member_role_arn("aws", "111111111111", DEFAULT_MEMBER_ROLE_PREFIX, "s3-public-access"),
            "arn:aws:iam::111111111111:role/hipaa-autofix-member-s3-public-access"
        );
    }

    #[test]
    fn sweep_messages_parse_and_bad_ones_are_refused_without_quoting() {
        let m = SweepMessage::parse(
            r#"{"account":"111111111111","region":"eu-west-1","family":"iam-mfa","planned_at":"2026-01-01T00:00:00Z"}"#,
        );
        assert_eq!(m.map(|m| m.region), Ok("eu-west-1".to_string()));
        for bad in [
            r#"{"account":"1111","region":"eu-west-1","family":"x","planned_at":"2026-01-01T00:00:00Z"}"#,
            r#"{"account":"111111111111","region":"EU WEST","family":"x","planned_at":"2026-01-01T00:00:00Z"}"#,
            r#"{"secret-ish":"PHI"}"#,
            "not json",
        ] {
            let e = SweepMessage::parse(bad).err().unwrap_or_default();
            assert!(!e.is_empty() && !e.contains("PHI"), "{bad}: {e}");
        }
    }

    #[test]
    fn only_the_iam_families_are_global() {
        assert!(family_is_global(crate::family::IAM_MFA));
        assert!(!family_is_global(crate::family::S3_PUBLIC_ACCESS));
    }

    #[test]
    fn ou_ids_are_recognised() {
        assert!(is_ou_id("ou-ab12-cd34ef56"));
        assert!(is_ou_id("r-ab12"));
        assert!(!is_ou_id("ou-AB12-x"));
        assert!(!is_ou_id("111111111111"));
    }
}
