//! Resources, references to them, and snapshots of their state.
//!
//! A snapshot is read in *facets* so that a compliant resource costs only the
//! reads that prove it compliant (a bucket with all four Block Public Access
//! settings on costs one `GetPublicAccessBlock`; its policy and ACL are never read).
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::iam::{AccessKey, LoginProfile, MfaDevice, PasswordPolicy};
use crate::s3::{Acl, PublicAccessBlock};

/// The kinds of resource rules act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceKind {
    /// An S3 bucket; `id` is the bucket name.
    S3Bucket,
    /// The account-level S3 Block Public Access configuration; `id` is the account id.
    S3Account,
    /// An IAM user; `id` is the user name.
    IamUser,
    /// Account-wide IAM settings (password policy, root user); `id` is the account id.
    IamAccount,
}

impl ResourceKind {
    /// The AWS Config resource type this kind maps to.
    pub fn config_type(self) -> &'static str {
        match self {
            ResourceKind::S3Bucket => "AWS::S3::Bucket",
            ResourceKind::S3Account | ResourceKind::IamAccount => "AWS::::Account",
            ResourceKind::IamUser => "AWS::IAM::User",
        }
    }
    /// Whether the kind is account-wide (one per account), not a single resource.
    pub fn is_account_level(self) -> bool {
        matches!(self, ResourceKind::S3Account | ResourceKind::IamAccount)
    }
    pub fn from_config_type(t: &str) -> Option<Self> {
        match t {
            "AWS::S3::Bucket" => Some(ResourceKind::S3Bucket),
            "AWS::S3::AccountPublicAccessBlock" | "AWS::::Account" => Some(ResourceKind::S3Account),
            "AWS::IAM::User" => Some(ResourceKind::IamUser),
            _ => None,
        }
    }
}

/// Names one resource in one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub id: String,
    pub account: String,
    pub region: String,
}

impl ResourceRef {
    pub fn bucket(name: impl Into<String>, account: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            kind: ResourceKind::S3Bucket,
            id: name.into(),
            account: account.into(),
            region: region.into(),
        }
    }
    pub fn s3_account(account: impl Into<String>, region: impl Into<String>) -> Self {
        let account = account.into();
        Self {
            kind: ResourceKind::S3Account,
            id: account.clone(),
            account,
            region: region.into(),
        }
    }
    pub fn iam_user(name: impl Into<String>, account: impl Into<String>, region: impl Into<String>) -> Self {
        Self {
            kind: ResourceKind::IamUser,
            id: name.into(),
            account: account.into(),
            region: region.into(),
        }
    }
    pub fn iam_account(account: impl Into<String>, region: impl Into<String>) -> Self {
        let account = account.into();
        Self {
            kind: ResourceKind::IamAccount,
            id: account.clone(),
            account,
            region: region.into(),
        }
    }
    /// The same account, seen as another account-level kind.
    pub fn as_kind(&self, kind: ResourceKind) -> Self {
        Self {
            kind,
            id: self.account.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }
    /// The resource's ARN (or, for account-level S3 settings, a stable pseudo-ARN).
    pub fn arn(&self) -> String {
        match self.kind {
            ResourceKind::S3Bucket => format!("arn:aws:s3:::{}", self.id),
            ResourceKind::S3Account => format!(
                "arn:aws:s3:{}:{}:account-public-access-block",
                self.region, self.account
            ),
            ResourceKind::IamUser => format!("arn:aws:iam::{}:user/{}", self.account, self.id),
            ResourceKind::IamAccount => format!("arn:aws:iam::{}:root", self.account),
        }
    }
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn())
    }
}

/// A part of a resource's state that is read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    BucketPublicAccessBlock,
    BucketPolicy,
    BucketAcl,
    Tags,
    AccountPublicAccessBlock,
    /// A user's access keys: id, status, creation (`ListAccessKeys`).
    UserAccessKeys,
    /// When each of the user's access keys was last used (`GetAccessKeyLastUsed`, one
    /// call per key). Separate from [`Facet::UserAccessKeys`] so that a rule judging
    /// only key ages (`iam-access-key-rotated`) does not pay a call per key.
    UserAccessKeyLastUsed,
    UserLoginProfile,
    UserMfaDevices,
    UserAttachedPolicies,
    PasswordPolicy,
    RootMfa,
}

/// A facet that may not have been read yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "read", content = "value", rename_all = "snake_case")]
pub enum Read<T> {
    #[default]
    NotRead,
    Value(T),
}

impl<T> Read<T> {
    pub fn get(&self) -> Option<&T> {
        match self {
            Read::NotRead => None,
            Read::Value(v) => Some(v),
        }
    }
    pub fn is_read(&self) -> bool {
        matches!(self, Read::Value(_))
    }
}

/// Fresh state of an S3 bucket, as read by the `ResourceReader`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketSnapshot {
    pub name: String,
    /// `None` inside `Read::Value` means the bucket has no Block Public Access configuration.
    pub public_access_block: Read<Option<PublicAccessBlock>>,
    /// The bucket policy JSON text; `None` means the bucket has no policy.
    pub policy: Read<Option<String>>,
    pub acl: Read<Acl>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// Fresh state of the account-level S3 Block Public Access configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub account: String,
    pub public_access_block: Read<Option<PublicAccessBlock>>,
}

/// Fresh state of an IAM user. `as_of` is when it was read: rules judge ages against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSnapshot {
    pub name: String,
    pub account: String,
    pub as_of: DateTime<Utc>,
    pub access_keys: Read<Vec<AccessKey>>,
    /// When each access key (by id) was last used; `None`: never used. Holds exactly
    /// the keys of `access_keys` once both are read.
    #[serde(default)]
    pub key_last_used: Read<BTreeMap<String, Option<DateTime<Utc>>>>,
    /// `None` inside `Read::Value`: the user has no console password.
    pub login_profile: Read<Option<LoginProfile>>,
    pub mfa_devices: Read<Vec<MfaDevice>>,
    /// ARNs of the managed policies attached to the user.
    pub attached_policies: Read<Vec<String>>,
    pub tags: Read<BTreeMap<String, String>>,
}

impl UserSnapshot {
    /// When key `id` was last used: `None` when that is not read (or the key is not
    /// in the snapshot); `Some(None)` when it was never used.
    pub fn last_use_of(&self, id: &str) -> Option<Option<DateTime<Utc>>> {
        self.key_last_used.get()?.get(id).copied()
    }
}

/// Fresh state of account-wide IAM settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamAccountSnapshot {
    pub account: String,
    pub as_of: DateTime<Utc>,
    /// `None` inside `Read::Value`: the account has no password policy.
    pub password_policy: Read<Option<PasswordPolicy>>,
    /// Whether the root user has MFA (`GetAccountSummary`'s `AccountMFAEnabled`).
    pub root_mfa: Read<bool>,
}

/// What a rule evaluates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Snapshot {
    S3Bucket(BucketSnapshot),
    S3Account(AccountSnapshot),
    IamUser(UserSnapshot),
    IamAccount(IamAccountSnapshot),
}

impl Snapshot {
    /// An empty snapshot for a resource, to be read at `as_of` (the executor's clock).
    pub fn empty_at(r: &ResourceRef, as_of: DateTime<Utc>) -> Self {
        match r.kind {
            ResourceKind::S3Bucket => Snapshot::S3Bucket(BucketSnapshot {
                name: r.id.clone(),
                public_access_block: Read::NotRead,
                policy: Read::NotRead,
                acl: Read::NotRead,
                tags: Read::NotRead,
            }),
            ResourceKind::S3Account => Snapshot::S3Account(AccountSnapshot {
                account: r.account.clone(),
                public_access_block: Read::NotRead,
            }),
            ResourceKind::IamUser => Snapshot::IamUser(UserSnapshot {
                name: r.id.clone(),
                account: r.account.clone(),
                as_of,
                access_keys: Read::NotRead,
                key_last_used: Read::NotRead,
                login_profile: Read::NotRead,
                mfa_devices: Read::NotRead,
                attached_policies: Read::NotRead,
                tags: Read::NotRead,
            }),
            ResourceKind::IamAccount => Snapshot::IamAccount(IamAccountSnapshot {
                account: r.account.clone(),
                as_of,
                password_policy: Read::NotRead,
                root_mfa: Read::NotRead,
            }),
        }
    }

    /// Which of `wanted` are not read yet.
    pub fn missing(&self, wanted: &[Facet]) -> Vec<Facet> {
        wanted.iter().copied().filter(|f| !self.has(*f)).collect()
    }

    pub fn has(&self, f: Facet) -> bool {
        match (self, f) {
            (Snapshot::S3Bucket(b), Facet::BucketPublicAccessBlock) => b.public_access_block.is_read(),
            (Snapshot::S3Bucket(b), Facet::BucketPolicy) => b.policy.is_read(),
            (Snapshot::S3Bucket(b), Facet::BucketAcl) => b.acl.is_read(),
            (Snapshot::S3Bucket(b), Facet::Tags) => b.tags.is_read(),
            (Snapshot::S3Account(a), Facet::AccountPublicAccessBlock) => a.public_access_block.is_read(),
            (Snapshot::IamUser(u), Facet::UserAccessKeys) => u.access_keys.is_read(),
            (Snapshot::IamUser(u), Facet::UserAccessKeyLastUsed) => u.key_last_used.is_read(),
            (Snapshot::IamUser(u), Facet::UserLoginProfile) => u.login_profile.is_read(),
            (Snapshot::IamUser(u), Facet::UserMfaDevices) => u.mfa_devices.is_read(),
            (Snapshot::IamUser(u), Facet::UserAttachedPolicies) => u.attached_policies.is_read(),
            (Snapshot::IamUser(u), Facet::Tags) => u.tags.is_read(),
            (Snapshot::IamAccount(a), Facet::PasswordPolicy) => a.password_policy.is_read(),
            (Snapshot::IamAccount(a), Facet::RootMfa) => a.root_mfa.is_read(),
            // A facet a kind lacks (account-level settings carry no tags) counts as read.
            _ => true,
        }
    }

    /// Judge the snapshot as of `t` (the executor's clock): ages are measured from it.
    /// S3 snapshots hold no time.
    pub fn set_as_of(&mut self, t: DateTime<Utc>) {
        match self {
            Snapshot::IamUser(u) => u.as_of = t,
            Snapshot::IamAccount(a) => a.as_of = t,
            Snapshot::S3Bucket(_) | Snapshot::S3Account(_) => {}
        }
    }

    /// The resource's tags, when read (account-level settings have none).
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Snapshot::S3Bucket(b) => b.tags.get(),
            Snapshot::IamUser(u) => u.tags.get(),
            Snapshot::S3Account(_) | Snapshot::IamAccount(_) => None,
        }
    }
}
