//! The bucket actions of the public-access rule: Block Public Access, the ACL, the policy.

use super::*;

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
