//! The bucket actions of the data-protection rules: encryption, the TLS statement,
//! versioning, logging, object ownership, the noncurrent-versions lifecycle rule.

use super::*;

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
