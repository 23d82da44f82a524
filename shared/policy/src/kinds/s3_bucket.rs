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
            "remove public ACL {} from bucket {}: {}",
            crate::wording::noun(g.len(), "grant", "grants"),
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
            "remove {} ({}) from the policy of bucket {}, keeping the rest",
            crate::wording::count(self.removed_statements.len(), "public statement", "public statements"),
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
        let n = self.removed_statements.len();
        format!(
            "delete the policy of bucket {}: {} ({}) {} public",
            self.bucket,
            if n == 1 {
                "its one statement".to_string()
            } else {
                format!("all {n} statements")
            },
            sids(&self.removed_statements),
            crate::wording::noun(n, "was", "were")
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

/// Set the bucket's default encryption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketEncryption {
    pub bucket: String,
    pub encryption: Encryption,
    pub previous: Option<Encryption>,
}

impl ActionSpec for PutBucketEncryption {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketEncryption";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutEncryptionConfiguration"];
    const WRITES: Facet = Facet::Encryption;
    const UNDO: Undo = Undo::By(&[PutBucketEncryption::INFO, DeleteBucketEncryption::INFO]);

    fn describe(&self) -> String {
        let was = self.previous.as_ref().map_or("none".to_string(), Encryption::describe);
        format!(
            "set the default encryption of bucket {} to {}{} (was {was})",
            self.bucket,
            self.encryption.describe(),
            if self.encryption.bucket_key {
                " with an S3 Bucket Key"
            } else {
                ""
            }
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(match &self.previous {
            Some(p) => PutBucketEncryption {
                bucket: self.bucket.clone(),
                encryption: p.clone(),
                previous: Some(self.encryption.clone()),
            }
            .into(),
            None => DeleteBucketEncryption {
                bucket: self.bucket.clone(),
                previous: self.encryption.clone(),
            }
            .into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.encryption.get()?.as_ref() == Some(&self.encryption))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.encryption = Read::Value(Some(self.encryption.clone()));
    }
}

/// Remove the bucket's default encryption configuration (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteBucketEncryption {
    pub bucket: String,
    pub previous: Encryption,
}

impl ActionSpec for DeleteBucketEncryption {
    type Kind = S3Bucket;
    const NAME: &'static str = "DeleteBucketEncryption";
    // DeleteBucketEncryption is authorised by s3:PutEncryptionConfiguration.
    const PERMISSIONS: &'static [&'static str] = &["s3:PutEncryptionConfiguration"];
    const WRITES: Facet = Facet::Encryption;
    const UNDO: Undo = Undo::By(&[PutBucketEncryption::INFO]);

    fn describe(&self) -> String {
        format!("remove the default encryption configuration of bucket {}", self.bucket)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketEncryption {
                bucket: self.bucket.clone(),
                encryption: self.previous.clone(),
                previous: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.encryption.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.encryption = Read::Value(None);
    }
}

/// Merge one statement, by its Sid, into the bucket policy as it is when applied
/// (creating the policy if there is none), every other statement kept byte for
/// byte. Two rules editing one policy in one event compose: each edit reads the
/// policy the previous one wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketPolicyStatement {
    pub bucket: String,
    pub sid: String,
    /// The statement, as JSON text.
    pub statement: String,
    /// The statement with the same Sid this one replaced, if any.
    pub replaced: Option<String>,
    /// The bucket had no policy: undo deletes it when this was its only statement.
    pub created_policy: bool,
}

impl ActionSpec for PutBucketPolicyStatement {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketPolicyStatement";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketPolicy"];
    const WRITES: Facet = Facet::Policy;
    const UNDO: Undo = Undo::By(&[PutBucketPolicyStatement::INFO, DeleteBucketPolicyStatement::INFO]);

    fn describe(&self) -> String {
        let how = if self.created_policy {
            "create the policy of bucket {b} with"
        } else if self.replaced.is_some() {
            "replace, in the policy of bucket {b},"
        } else {
            "add to the policy of bucket {b}"
        };
        format!(
            "{} statement Sid {}, keeping every other statement",
            how.replace("{b}", &self.bucket),
            self.sid
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(match &self.replaced {
            Some(old) => PutBucketPolicyStatement {
                bucket: self.bucket.clone(),
                sid: self.sid.clone(),
                statement: old.clone(),
                replaced: Some(self.statement.clone()),
                created_policy: false,
            }
            .into(),
            None => DeleteBucketPolicyStatement {
                bucket: self.bucket.clone(),
                sid: self.sid.clone(),
                statement: self.statement.clone(),
                delete_empty_policy: self.created_policy,
            }
            .into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let policy = s.policy.get()?.as_deref();
        Some(
            policy
                .and_then(|p| find_statement(p, &self.sid))
                .is_some_and(|t| same_json(&t, &self.statement)),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        let current = s.policy.get().cloned().flatten();
        if let Ok(m) = merge_statement(current.as_deref(), &self.sid, &self.statement) {
            s.policy = Read::Value(Some(m.text));
        }
    }
}

/// Remove one statement, by its Sid, from the bucket policy as it is when applied;
/// every other byte stays. Deletes the policy when that was its last statement
/// and the statement's merge created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteBucketPolicyStatement {
    pub bucket: String,
    pub sid: String,
    /// The statement removed, as JSON text (for the undo).
    pub statement: String,
    pub delete_empty_policy: bool,
}

impl ActionSpec for DeleteBucketPolicyStatement {
    type Kind = S3Bucket;
    const NAME: &'static str = "DeleteBucketPolicyStatement";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"];
    const WRITES: Facet = Facet::Policy;
    const UNDO: Undo = Undo::By(&[PutBucketPolicyStatement::INFO]);

    fn describe(&self) -> String {
        format!(
            "remove statement Sid {} from the policy of bucket {}, keeping every other statement",
            self.sid, self.bucket
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketPolicyStatement {
                bucket: self.bucket.clone(),
                sid: self.sid.clone(),
                statement: self.statement.clone(),
                replaced: None,
                created_policy: self.delete_empty_policy,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(match s.policy.get()? {
            None => true,
            Some(p) => find_statement(p, &self.sid).is_none(),
        })
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(Some(p)) = s.policy.get() {
            match remove_statement(p, &self.sid) {
                Ok(Some(rest)) => s.policy = Read::Value(Some(rest)),
                Ok(None) if self.delete_empty_policy => s.policy = Read::Value(None),
                // The policy's only statement, in a policy that existed before:
                // S3 refuses an empty policy, so it stays (the adapter does the same).
                Ok(None) | Err(_) => {}
            }
        }
    }
}

/// Set the bucket's versioning to `status` (`Enabled` or `Suspended`; S3 has no
/// way back to "never enabled": the undo of enabling suspends).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketVersioning {
    pub bucket: String,
    pub status: Versioning,
    pub previous: Versioning,
}

impl ActionSpec for PutBucketVersioning {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketVersioning";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketVersioning"];
    const WRITES: Facet = Facet::Versioning;
    const UNDO: Undo = Undo::By(&[PutBucketVersioning::INFO]);

    fn describe(&self) -> String {
        let what = match self.status {
            Versioning::Enabled => "enable versioning",
            Versioning::Suspended | Versioning::Never => "suspend versioning",
        };
        let note = match (self.status, self.previous) {
            (Versioning::Enabled, Versioning::Never) => {
                "; S3 cannot return a bucket to never-versioned, so an undo suspends versioning (new objects get no versions, existing versions stay)"
            }
            (Versioning::Suspended | Versioning::Never, Versioning::Enabled) => {
                "; new objects get no versions, existing versions stay"
            }
            _ => "",
        };
        format!("{what} on bucket {} (was {:?}){note}", self.bucket, self.previous)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketVersioning {
                bucket: self.bucket.clone(),
                status: match self.previous {
                    Versioning::Enabled => Versioning::Enabled,
                    Versioning::Suspended | Versioning::Never => Versioning::Suspended,
                },
                previous: self.status,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(*s.versioning.get()? == self.status)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.versioning = Read::Value(self.status);
    }
}

/// Set (or, with `None`, turn off) the bucket's server access logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketLogging {
    pub bucket: String,
    pub logging: Option<Logging>,
    pub previous: Option<Logging>,
}

impl ActionSpec for PutBucketLogging {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketLogging";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketLogging"];
    const WRITES: Facet = Facet::Logging;
    const UNDO: Undo = Undo::By(&[PutBucketLogging::INFO]);

    fn describe(&self) -> String {
        match &self.logging {
            Some(l) => format!(
                "send the server access logs of bucket {} to s3://{}/{}",
                self.bucket, l.target_bucket, l.target_prefix
            ),
            None => format!("turn off the server access logging of bucket {}", self.bucket),
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketLogging {
                bucket: self.bucket.clone(),
                logging: self.previous.clone(),
                previous: self.logging.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(*s.logging.get()? == self.logging)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.logging = Read::Value(self.logging.clone());
    }
}

/// Set the bucket's object ownership (`BucketOwnerEnforced` disables ACLs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketOwnershipControls {
    pub bucket: String,
    pub ownership: String,
    pub previous: Option<String>,
}

impl ActionSpec for PutBucketOwnershipControls {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketOwnershipControls";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketOwnershipControls"];
    const WRITES: Facet = Facet::Ownership;
    const UNDO: Undo = Undo::By(&[PutBucketOwnershipControls::INFO, DeleteBucketOwnershipControls::INFO]);

    fn describe(&self) -> String {
        format!(
            "set the object ownership of bucket {} to {} (was {})",
            self.bucket,
            self.ownership,
            self.previous.as_deref().unwrap_or("no ownership controls")
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(match &self.previous {
            Some(p) => PutBucketOwnershipControls {
                bucket: self.bucket.clone(),
                ownership: p.clone(),
                previous: Some(self.ownership.clone()),
            }
            .into(),
            None => DeleteBucketOwnershipControls {
                bucket: self.bucket.clone(),
                previous: self.ownership.clone(),
            }
            .into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.ownership.get()?.as_deref() == Some(self.ownership.as_str()))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.ownership = Read::Value(Some(self.ownership.clone()));
    }
}

/// Remove the bucket's ownership controls (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteBucketOwnershipControls {
    pub bucket: String,
    pub previous: String,
}

impl ActionSpec for DeleteBucketOwnershipControls {
    type Kind = S3Bucket;
    const NAME: &'static str = "DeleteBucketOwnershipControls";
    // DeleteBucketOwnershipControls is authorised by s3:PutBucketOwnershipControls.
    const PERMISSIONS: &'static [&'static str] = &["s3:PutBucketOwnershipControls"];
    const WRITES: Facet = Facet::Ownership;
    const UNDO: Undo = Undo::By(&[PutBucketOwnershipControls::INFO]);

    fn describe(&self) -> String {
        format!("remove the ownership controls of bucket {}", self.bucket)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketOwnershipControls {
                bucket: self.bucket.clone(),
                ownership: self.previous.clone(),
                previous: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.ownership.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.ownership = Read::Value(None);
    }
}

/// Add (or replace, by its ID) one lifecycle rule expiring noncurrent versions
/// after `noncurrent_days`, in the bucket's lifecycle configuration as it is when
/// applied: PutBucketLifecycleConfiguration replaces the whole configuration, so
/// the adapter reads it, swaps in only this rule and writes every other rule back
/// as S3 returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutBucketLifecycleRule {
    pub bucket: String,
    pub rule_id: String,
    pub noncurrent_days: u32,
    /// The days of the rule with this ID (in the same shape) it replaced, if any.
    pub previous_days: Option<u32>,
}

impl ActionSpec for PutBucketLifecycleRule {
    type Kind = S3Bucket;
    const NAME: &'static str = "PutBucketLifecycleRule";
    // The apply reads the configuration it merges into.
    const PERMISSIONS: &'static [&'static str] = &["s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"];
    const WRITES: Facet = Facet::Lifecycle;
    const UNDO: Undo = Undo::By(&[PutBucketLifecycleRule::INFO, DeleteBucketLifecycleRule::INFO]);

    fn describe(&self) -> String {
        let (b, id, days) = (&self.bucket, &self.rule_id, self.noncurrent_days);
        let what = match self.previous_days {
            Some(d) => {
                format!(
                    "make lifecycle rule {id} of bucket {b} expire noncurrent object versions after {days} days (was {d})"
                )
            }
            None => {
                format!("add to bucket {b} lifecycle rule {id}, expiring noncurrent object versions after {days} days")
            }
        };
        format!(
            "{what}, keeping every other lifecycle rule; expired versions are deleted for good \
             (an undo removes the rule, not the deletions)"
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(match self.previous_days {
            Some(d) => PutBucketLifecycleRule {
                bucket: self.bucket.clone(),
                rule_id: self.rule_id.clone(),
                noncurrent_days: d,
                previous_days: Some(self.noncurrent_days),
            }
            .into(),
            None => DeleteBucketLifecycleRule {
                bucket: self.bucket.clone(),
                rule_id: self.rule_id.clone(),
                noncurrent_days: self.noncurrent_days,
            }
            .into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let ours = LifecycleRule::noncurrent_expiry(&self.rule_id, self.noncurrent_days);
        Some(s.lifecycle.get()?.contains(&ours))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        let ours = LifecycleRule::noncurrent_expiry(&self.rule_id, self.noncurrent_days);
        let mut rules = s.lifecycle.get().cloned().unwrap_or_default();
        match rules.iter_mut().find(|r| r.id == self.rule_id) {
            Some(r) => *r = ours,
            None => rules.push(ours),
        }
        s.lifecycle = Read::Value(rules);
    }
}

/// Remove one lifecycle rule, by its ID, from the bucket's lifecycle configuration
/// as it is when applied, every other rule kept; deletes the configuration when
/// that was its only rule (S3 has no empty configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteBucketLifecycleRule {
    pub bucket: String,
    pub rule_id: String,
    /// The removed rule's days (for the undo).
    pub noncurrent_days: u32,
}

impl ActionSpec for DeleteBucketLifecycleRule {
    type Kind = S3Bucket;
    const NAME: &'static str = "DeleteBucketLifecycleRule";
    // DeleteBucketLifecycle is authorised by s3:PutLifecycleConfiguration.
    const PERMISSIONS: &'static [&'static str] = &["s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"];
    const WRITES: Facet = Facet::Lifecycle;
    const UNDO: Undo = Undo::By(&[PutBucketLifecycleRule::INFO]);

    fn describe(&self) -> String {
        format!(
            "remove lifecycle rule {} (noncurrent versions expire after {} days) from bucket {}, keeping every other lifecycle rule",
            self.rule_id, self.noncurrent_days, self.bucket
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutBucketLifecycleRule {
                bucket: self.bucket.clone(),
                rule_id: self.rule_id.clone(),
                noncurrent_days: self.noncurrent_days,
                previous_days: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(!s.lifecycle.get()?.iter().any(|r| r.id == self.rule_id))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(rules) = s.lifecycle.get() {
            let rest = rules.iter().filter(|r| r.id != self.rule_id).cloned().collect();
            s.lifecycle = Read::Value(rest);
        }
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
