//! An S3 bucket: its Block Public Access configuration, policy, ACL and tags, and
//! the actions that change them. What makes a bucket public is judged by
//! [`crate::s3::public`].
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::s3::{Acl, Grant, Grantee, PublicAccessBlock};

/// The kind's marker type (see [`super::Kind`]).
pub struct S3Bucket;

/// Fresh state of an S3 bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub name: String,
    /// `None` inside `Read::Value` means the bucket has no Block Public Access configuration.
    pub public_access_block: Read<Option<PublicAccessBlock>>,
    /// The bucket policy JSON text; `None` means the bucket has no policy.
    pub policy: Read<Option<String>>,
    pub acl: Read<Acl>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// The parts of a bucket's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    PublicAccessBlock,
    Policy,
    Acl,
    Tags,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::PublicAccessBlock, Facet::Policy, Facet::Acl, Facet::Tags];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::PublicAccessBlock => &["s3:GetBucketPublicAccessBlock"],
            Facet::Policy => &["s3:GetBucketPolicy"],
            Facet::Acl => &["s3:GetBucketAcl"],
            Facet::Tags => &["s3:GetBucketTagging"],
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
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::PublicAccessBlock => self.public_access_block.is_read(),
            Facet::Policy => self.policy.is_read(),
            Facet::Acl => self.acl.is_read(),
            Facet::Tags => self.tags.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::PublicAccessBlock => self.public_access_block = from.public_access_block.clone(),
            Facet::Policy => self.policy = from.policy.clone(),
            Facet::Acl => self.acl = from.acl.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
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
);

/// Set the bucket's Block Public Access configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketPublicAccessBlock {
    pub bucket: String,
    pub settings: PublicAccessBlock,
    pub previous: Option<PublicAccessBlock>,
}

impl ActionSpec for PutBucketPublicAccessBlock {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketPublicAccessBlock";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketPublicAccessBlock"];
    const WRITES: Facet = Facet::PublicAccessBlock;
    const UNDO: Undo = Undo::By(&[PutBucketPublicAccessBlock::INFO, DeleteBucketPublicAccessBlock::INFO]);

    fn describe(&self) -> String {
        let was = match &self.previous {
            None => "none".to_string(),
            Some(p) if p.missing().is_empty() => "all on".to_string(),
            Some(p) => format!("off: {}", p.missing().join(", ")),
        };
        if self.settings.all_on() {
            format!(
                "turn on all four Block Public Access settings on bucket {} (was {was})",
                self.bucket
            )
        } else {
            format!(
                "set Block Public Access on bucket {} to {:?} (was {was})",
                self.bucket, self.settings
            )
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(match self.previous {
            Some(p) => PutBucketPublicAccessBlock {
                bucket: self.bucket.clone(),
                settings: p,
                previous: Some(self.settings),
            }
            .into(),
            None => DeleteBucketPublicAccessBlock {
                bucket: self.bucket.clone(),
                previous: self.settings,
            }
            .into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(*s.public_access_block.get()? == Some(self.settings))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.public_access_block = Read::Value(Some(self.settings));
    }
}

/// Remove the bucket's Block Public Access configuration (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteBucketPublicAccessBlock {
    pub bucket: String,
    pub previous: PublicAccessBlock,
}

impl ActionSpec for DeleteBucketPublicAccessBlock {
    type Kind = S3Bucket;
    const NAME: &'static str = "DeleteBucketPublicAccessBlock";
    // DeletePublicAccessBlock is authorised by s3:PutBucketPublicAccessBlock.
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketPublicAccessBlock"];
    const WRITES: Facet = Facet::PublicAccessBlock;
    const UNDO: Undo = Undo::By(&[PutBucketPublicAccessBlock::INFO]);

    fn describe(&self) -> String {
        format!("remove the Block Public Access configuration of bucket {}", self.bucket)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketPublicAccessBlock {
                bucket: self.bucket.clone(),
                settings: self.previous,
                previous: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.public_access_block.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.public_access_block = Read::Value(None);
    }
}

/// Replace the bucket ACL with `acl` (the previous ACL without its public grants).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketAcl {
    pub bucket: String,
    pub acl: Acl,
    pub removed_grants: Vec<Grant>,
    pub previous: Acl,
}

impl ActionSpec for PutBucketAcl {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketAcl";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketAcl"];
    const WRITES: Facet = Facet::Acl;
    const UNDO: Undo = Undo::By(&[PutBucketAcl::INFO]);

    fn describe(&self) -> String {
        if self.removed_grants.is_empty() {
            return format!("restore the ACL of bucket {}", self.bucket);
        }
        let g: Vec<String> = self.removed_grants.iter().map(describe_grant).collect();
        format!(
            "remove public ACL grant(s) from bucket {}: {}",
            self.bucket,
            g.join("; ")
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketAcl {
                bucket: self.bucket.clone(),
                acl: self.previous.clone(),
                removed_grants: vec![],
                previous: self.acl.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(same_grants(s.acl.get()?, &self.acl))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        // S3 requires an owner; an ACL recorded without one keeps the current owner
        // (as the adapter does).
        let owner = self
            .acl
            .owner
            .clone()
            .or_else(|| s.acl.get().and_then(|a| a.owner.clone()));
        s.acl = Read::Value(Acl {
            owner,
            grants: self.acl.grants.clone(),
        });
    }
}

/// Replace the bucket policy with `policy` (the previous one without its public statements).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketPolicy {
    pub bucket: String,
    pub policy: String,
    pub removed_statements: Vec<Value>,
    pub previous: Option<String>,
}

impl ActionSpec for PutBucketPolicy {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketPolicy";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketPolicy"];
    const WRITES: Facet = Facet::Policy;
    const UNDO: Undo = Undo::By(&[PutBucketPolicy::INFO, DeleteBucketPolicy::INFO]);

    fn describe(&self) -> String {
        if self.removed_statements.is_empty() {
            return format!("restore the policy of bucket {}", self.bucket);
        }
        format!(
            "remove {} public statement(s) ({}) from the policy of bucket {}, keeping the rest",
            self.removed_statements.len(),
            sids(&self.removed_statements),
            self.bucket
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(match &self.previous {
            Some(p) => PutBucketPolicy {
                bucket: self.bucket.clone(),
                policy: p.clone(),
                removed_statements: vec![],
                previous: Some(self.policy.clone()),
            }
            .into(),
            None => DeleteBucketPolicy {
                bucket: self.bucket.clone(),
                removed_statements: vec![],
                previous: self.policy.clone(),
            }
            .into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.policy.get()?.as_deref().is_some_and(|p| same_json(p, &self.policy)))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.policy = Read::Value(Some(self.policy.clone()));
    }
}

/// Delete the bucket policy (every statement was public).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteBucketPolicy {
    pub bucket: String,
    pub removed_statements: Vec<Value>,
    pub previous: String,
}

impl ActionSpec for DeleteBucketPolicy {
    type Kind = S3Bucket;
    const NAME: &'static str = "DeleteBucketPolicy";
    const PERMISSIONS: &'static [&'static str] = &["s3:DeleteBucketPolicy"];
    const WRITES: Facet = Facet::Policy;
    const UNDO: Undo = Undo::By(&[PutBucketPolicy::INFO]);

    fn describe(&self) -> String {
        format!(
            "delete the policy of bucket {}: all {} statement(s) ({}) were public",
            self.bucket,
            self.removed_statements.len(),
            sids(&self.removed_statements)
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketPolicy {
                bucket: self.bucket.clone(),
                policy: self.previous.clone(),
                removed_statements: vec![],
                previous: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.policy.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.policy = Read::Value(None);
    }
}

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
