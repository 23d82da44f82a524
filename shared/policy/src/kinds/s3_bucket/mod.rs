//! An S3 bucket: its Block Public Access configuration, policy, ACL and tags, and
//! the actions that change them. What makes a bucket public is judged by
//! [`crate::s3::public`].
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::s3::policy_text::{find_statement, merge_statement, remove_statement};
use crate::s3::protection::{Encryption, LifecycleRule, Logging, Versioning};
use crate::s3::{Acl, Grant, Grantee, PublicAccessBlock};

/// The kind's marker type (see [`super::Kind`]).
pub struct S3Bucket;

/// Fresh state of an S3 bucket. (`Default`: nameless, nothing read.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Snapshot {
    pub name: String,
    /// `None` inside `Read::Value` means the bucket has no Block Public Access configuration.
    pub public_access_block: Read<Option<PublicAccessBlock>>,
    /// The bucket policy JSON text; `None` means the bucket has no policy.
    pub policy: Read<Option<String>>,
    pub acl: Read<Acl>,
    pub tags: Read<BTreeMap<String, String>>,
    // The data-protection facets (issue #10). Absent from records written before
    // them, and left out of the JSON while not read, so older records read and
    // write back unchanged.
    /// Default encryption; `None` inside `Read::Value`: no configuration.
    #[serde(default, skip_serializing_if = "Read::is_not_read")]
    pub encryption: Read<Option<Encryption>>,
    #[serde(default, skip_serializing_if = "Read::is_not_read")]
    pub versioning: Read<Versioning>,
    /// Server access logging; `None` inside `Read::Value`: off.
    #[serde(default, skip_serializing_if = "Read::is_not_read")]
    pub logging: Read<Option<Logging>>,
    /// `ObjectOwnership` of the ownership controls; `None`: no controls.
    #[serde(default, skip_serializing_if = "Read::is_not_read")]
    pub ownership: Read<Option<String>>,
    /// The lifecycle configuration's rules; empty: no configuration. Read only by
    /// `s3-bucket-versioning` with `S3VersioningNoncurrentDays` set; absent from
    /// records written before it, like the facets above.
    #[serde(default, skip_serializing_if = "Read::is_not_read")]
    pub lifecycle: Read<Vec<LifecycleRule>>,
}

/// The parts of a bucket's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    PublicAccessBlock,
    Policy,
    Acl,
    Tags,
    Encryption,
    Versioning,
    Logging,
    Ownership,
    Lifecycle,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[
        Facet::PublicAccessBlock,
        Facet::Policy,
        Facet::Acl,
        Facet::Tags,
        Facet::Encryption,
        Facet::Versioning,
        Facet::Logging,
        Facet::Ownership,
        Facet::Lifecycle,
    ];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::PublicAccessBlock => &["s3:GetBucketPublicAccessBlock"],
            Facet::Policy => &["s3:GetBucketPolicy"],
            Facet::Acl => &["s3:GetBucketAcl"],
            Facet::Tags => &["s3:GetBucketTagging"],
            Facet::Encryption => &["s3:GetEncryptionConfiguration"],
            Facet::Versioning => &["s3:GetBucketVersioning"],
            Facet::Logging => &["s3:GetBucketLogging"],
            Facet::Ownership => &["s3:GetBucketOwnershipControls"],
            // GetBucketLifecycleConfiguration's IAM name.
            Facet::Lifecycle => &["s3:GetLifecycleConfiguration"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            name: r.id.clone(),
            public_access_block: Read::NotRead,
            policy: Read::NotRead,
            acl: Read::NotRead,
            tags: Read::NotRead,
            encryption: Read::NotRead,
            versioning: Read::NotRead,
            logging: Read::NotRead,
            ownership: Read::NotRead,
            lifecycle: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::PublicAccessBlock => self.public_access_block.is_read(),
            Facet::Policy => self.policy.is_read(),
            Facet::Acl => self.acl.is_read(),
            Facet::Tags => self.tags.is_read(),
            Facet::Encryption => self.encryption.is_read(),
            Facet::Versioning => self.versioning.is_read(),
            Facet::Logging => self.logging.is_read(),
            Facet::Ownership => self.ownership.is_read(),
            Facet::Lifecycle => self.lifecycle.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::PublicAccessBlock => self.public_access_block = from.public_access_block.clone(),
            Facet::Policy => self.policy = from.policy.clone(),
            Facet::Acl => self.acl = from.acl.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
            Facet::Encryption => self.encryption = from.encryption.clone(),
            Facet::Versioning => self.versioning = from.versioning.clone(),
            Facet::Logging => self.logging = from.logging.clone(),
            Facet::Ownership => self.ownership = from.ownership.clone(),
            Facet::Lifecycle => self.lifecycle = from.lifecycle.clone(),
        }
    }
}

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::S3Bucket,
    config_types: &["AWS::S3::Bucket"],
    account_level: false,
    list_permissions: &["s3:ListAllMyBuckets"],
    services: &[Service::S3],
    facets: &[
        super::Facet::S3Bucket(Facet::PublicAccessBlock),
        super::Facet::S3Bucket(Facet::Policy),
        super::Facet::S3Bucket(Facet::Acl),
        super::Facet::S3Bucket(Facet::Tags),
        super::Facet::S3Bucket(Facet::Encryption),
        super::Facet::S3Bucket(Facet::Versioning),
        super::Facet::S3Bucket(Facet::Logging),
        super::Facet::S3Bucket(Facet::Ownership),
        super::Facet::S3Bucket(Facet::Lifecycle),
    ],
    tags: Some(super::Facet::S3Bucket(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:s3:::{}", r.id),
    from_cloudtrail,
};

/// S3 calls name their bucket in `bucketName` (account-level Block Public Access
/// calls, also recorded with eventSource `s3.amazonaws.com`, are the account's).
fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "s3.amazonaws.com" || super::s3_account::CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    match call.param("bucketName") {
        Some(bucket) => Ok(vec![ResourceRef::bucket(bucket, call.account, call.region)]),
        // A failed call may not name its bucket; it changed nothing anyway.
        None if call.error_code.is_some() => Ok(vec![]),
        None => Err(EventError::Missing {
            field: "requestParameters.bucketName",
            context: "S3 CloudTrail event",
        }),
    }
}

kind_actions!(
    S3Bucket;
    PutBucketPublicAccessBlock,
    DeleteBucketPublicAccessBlock,
    PutBucketAcl,
    PutBucketPolicy,
    DeleteBucketPolicy,
    PutBucketEncryption,
    DeleteBucketEncryption,
    PutBucketPolicyStatement,
    DeleteBucketPolicyStatement,
    PutBucketVersioning,
    PutBucketLogging,
    PutBucketOwnershipControls,
    DeleteBucketOwnershipControls,
    PutBucketLifecycleRule,
    DeleteBucketLifecycleRule,
);

mod protection;
mod public;
pub use protection::*;
pub use public::*;

/// Two policy texts are the same document (whitespace and key order aside).
fn same_json(a: &str, b: &str) -> bool {
    match (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Two ACLs grant the same, in any order (the owner aside).
fn same_grants(a: &Acl, b: &Acl) -> bool {
    let mut x: Vec<String> = a.grants.iter().map(|g| format!("{g:?}")).collect();
    let mut y: Vec<String> = b.grants.iter().map(|g| format!("{g:?}")).collect();
    x.sort();
    y.sort();
    x == y
}

fn describe_grant(g: &Grant) -> String {
    let who = match &g.grantee {
        Grantee::Group { uri } => uri.rsplit('/').next().unwrap_or(uri).to_string(),
        Grantee::CanonicalUser { id, .. } => id.clone(),
        Grantee::AmazonCustomerByEmail { email } => email.clone(),
    };
    format!("{} to {who}", g.permission)
}

fn sids(stmts: &[Value]) -> String {
    let names: Vec<String> = stmts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.get("Sid")
                .and_then(Value::as_str)
                .map(|s| format!("Sid {s}"))
                .unwrap_or_else(|| format!("#{}", i + 1))
        })
        .collect();
    names.join(", ")
}
