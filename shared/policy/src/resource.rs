//! Resources, references to them, and snapshots of their state.
//!
//! A snapshot is read in *facets* so that a compliant resource costs only the
//! reads that prove it compliant (a bucket with all four Block Public Access
//! settings on costs one `GetPublicAccessBlock`; its policy and ACL are never read).
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::s3::{Acl, PublicAccessBlock};

/// The kinds of resource rules act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceKind {
    /// An S3 bucket; `id` is the bucket name.
    S3Bucket,
    /// The account-level S3 Block Public Access configuration; `id` is the account id.
    S3Account,
}

impl ResourceKind {
    /// The AWS Config resource type this kind maps to.
    pub fn config_type(self) -> &'static str {
        match self {
            ResourceKind::S3Bucket => "AWS::S3::Bucket",
            ResourceKind::S3Account => "AWS::S3::AccountPublicAccessBlock",
        }
    }
    pub fn from_config_type(t: &str) -> Option<Self> {
        match t {
            "AWS::S3::Bucket" => Some(ResourceKind::S3Bucket),
            "AWS::S3::AccountPublicAccessBlock" | "AWS::::Account" => Some(ResourceKind::S3Account),
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
    /// The resource's ARN (or, for account-level settings, a stable pseudo-ARN).
    pub fn arn(&self) -> String {
        match self.kind {
            ResourceKind::S3Bucket => format!("arn:aws:s3:::{}", self.id),
            ResourceKind::S3Account => format!(
                "arn:aws:s3:{}:{}:account-public-access-block",
                self.region, self.account
            ),
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

/// What a rule evaluates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Snapshot {
    S3Bucket(BucketSnapshot),
    S3Account(AccountSnapshot),
}

impl Snapshot {
    /// An empty snapshot for a resource: nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
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
            // Account-level settings carry no tags; a facet a kind lacks counts as read.
            (Snapshot::S3Account(_), Facet::Tags) => true,
            _ => true,
        }
    }

    /// The resource's tags, when read (account-level settings have none).
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Snapshot::S3Bucket(b) => b.tags.get(),
            Snapshot::S3Account(_) => None,
        }
    }
}
