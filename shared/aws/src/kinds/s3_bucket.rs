//! S3 buckets: the reader, lister and remediator of the `s3_bucket` kind.
//!
//! Reads only the facets asked for (a compliant bucket costs one
//! `GetPublicAccessBlock`), never reads object contents (no `GetObject`, no object
//! listing), and applies every bucket action through one exhaustive match.
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_s3::types as s3t;
use aws_types::region::Region;
use policy::PortError;
use policy::kinds::s3_bucket::{Action, Facet, S3Bucket, Snapshot};
use policy::kinds::{Read, ResourceRef};
use policy::ports::Listed;
use policy::s3::policy_text::{merge_statement, remove_statement};
use policy::s3::protection::{Encryption, LifecycleRule, Logging, Versioning};
use policy::s3::{Acl, Grant, Grantee, Owner, PublicAccessBlock};

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::{AdapterError, error_code, port_error};

/// "This bucket has no Block Public Access configuration".
const NO_PAB: &str = "NoSuchPublicAccessBlockConfiguration";
const NO_POLICY: &str = "NoSuchBucketPolicy";
const NO_TAGS: &[&str] = &["NoSuchTagSet", "NoSuchTagSetError"];
const NO_ENCRYPTION: &str = "ServerSideEncryptionConfigurationNotFoundError";
const NO_OWNERSHIP: &str = "OwnershipControlsNotFoundError";
const NO_LIFECYCLE: &str = "NoSuchLifecycleConfiguration";
/// S3 refuses a log target that does not exist or does not let log delivery write.
const NO_LOG_TARGET: &str = "InvalidTargetBucketForLogging";

/// Why a log bucket can't take server access logs, and the statement to add.
fn log_bucket_not_ready(target: &str) -> String {
    format!(
        "the access-log bucket {target} does not exist or does not let S3 write server access logs: \
         add to its bucket policy {{\"Sid\":\"S3ServerAccessLogsPolicy\",\"Effect\":\"Allow\",\
         \"Principal\":{{\"Service\":\"logging.s3.amazonaws.com\"}},\"Action\":\"s3:PutObject\",\
         \"Resource\":\"arn:aws:s3:::{target}/*\",\"Condition\":{{\"StringEquals\":{{\"aws:SourceAccount\":\"<this account>\"}}}}}}"
    )
}

/// Buckets listed per `ListBuckets` page.
const LIST_PAGE_SIZE: i32 = 1000;

/// S3 buckets over the SDK.
#[derive(Debug)]
pub struct S3BucketAdapter {
    s3: aws_sdk_s3::Client,
    /// One client per bucket region other than the base client's: S3 answers a
    /// request for a bucket in another region with a redirect, which the SDK does
    /// not follow.
    regional: Mutex<HashMap<String, aws_sdk_s3::Client>>,
}

impl S3BucketAdapter {
    pub fn new(clients: &Clients) -> Self {
        S3BucketAdapter {
            s3: clients.s3.clone(),
            regional: Mutex::new(HashMap::new()),
        }
    }

    /// The S3 client for a bucket in `region` (the base client when the region is
    /// unknown or the same).
    fn s3_in(&self, region: &str) -> aws_sdk_s3::Client {
        let base_region = self.s3.config().region().map(|r| r.as_ref().to_string());
        if region.is_empty() || base_region.as_deref() == Some(region) {
            return self.s3.clone();
        }
        let Ok(mut cache) = self.regional.lock() else {
            return self.s3.clone();
        };
        cache
            .entry(region.to_string())
            .or_insert_with(|| {
                let conf = self
                    .s3
                    .config()
                    .to_builder()
                    .region(Region::new(region.to_string()))
                    .build();
                aws_sdk_s3::Client::from_conf(conf)
            })
            .clone()
    }
}

#[async_trait]
impl KindAdapter<S3Bucket> for S3BucketAdapter {
    async fn fill(&self, r: &ResourceRef, b: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let s3 = self.s3_in(&r.region);
        let what = format!("bucket {}", r.id);
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !b.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::PublicAccessBlock => {
                    b.public_access_block = Read::Value(get_bucket_pab(&s3, &r.id, &what).await?);
                }
                Facet::Policy => b.policy = Read::Value(get_bucket_policy(&s3, &r.id, &what).await?),
                Facet::Acl => b.acl = Read::Value(get_bucket_acl(&s3, &r.id, &what).await?),
                Facet::Tags => b.tags = Read::Value(get_bucket_tags(&s3, &r.id, &what).await?),
                Facet::Encryption => b.encryption = Read::Value(get_bucket_encryption(&s3, &r.id, &what).await?),
                Facet::Versioning => b.versioning = Read::Value(get_bucket_versioning(&s3, &r.id, &what).await?),
                Facet::Logging => b.logging = Read::Value(get_bucket_logging(&s3, &r.id, &what).await?),
                Facet::Ownership => b.ownership = Read::Value(get_bucket_ownership(&s3, &r.id, &what).await?),
                Facet::Lifecycle => {
                    let rules = get_bucket_lifecycle(&s3, &r.id, &what).await?.map(|c| c.rules);
                    b.lifecycle = Read::Value(rules.unwrap_or_default().iter().map(lifecycle_rule_summary).collect());
                }
            }
        }
        Ok(())
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut pages = self
            .s3
            .list_buckets()
            .max_buckets(LIST_PAGE_SIZE)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListBuckets", "buckets", e))?;
            for b in page.buckets() {
                let Some(name) = b.name() else { continue };
                let bucket_region = b.bucket_region().filter(|r| !r.is_empty()).unwrap_or(region);
                out.push(Listed::bare(ResourceRef::bucket(name, account, bucket_region)));
            }
        }
        Ok(out)
    }

    async fn apply(&self, resource: &ResourceRef, action: &Action) -> Result<(), PortError> {
        let s3 = self.s3_in(&resource.region);
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::PutBucketPublicAccessBlock(a) => {
                let (bucket, settings) = (&a.bucket, &a.settings);
                let conf = s3t::PublicAccessBlockConfiguration::builder()
                    .block_public_acls(settings.block_public_acls)
                    .ignore_public_acls(settings.ignore_public_acls)
                    .block_public_policy(settings.block_public_policy)
                    .restrict_public_buckets(settings.restrict_public_buckets)
                    .build();
                s3.put_public_access_block()
                    .bucket(bucket)
                    .public_access_block_configuration(conf)
                    .send()
                    .await
                    .map_err(|e| port_error("PutPublicAccessBlock", &bucket_what(bucket), e))?;
            }
            Action::DeleteBucketPublicAccessBlock(a) => {
                let bucket = &a.bucket;
                match s3.delete_public_access_block().bucket(bucket).send().await {
                    Ok(_) => {}
                    Err(e) if error_code(&e) == Some(NO_PAB) => {}
                    Err(e) => return Err(port_error("DeletePublicAccessBlock", &bucket_what(bucket), e)),
                }
            }
            Action::PutBucketAcl(a) => {
                let (bucket, acl) = (&a.bucket, &a.acl);
                // S3 requires the owner in an AccessControlPolicy; an ACL recorded
                // without one (never the case for one read by GetBucketAcl) keeps the current owner.
                let owner = match &acl.owner {
                    Some(o) => o.clone(),
                    None => get_bucket_acl(&s3, bucket, &bucket_what(bucket))
                        .await?
                        .owner
                        .ok_or_else(|| PortError::InvalidData {
                            operation: "GetBucketAcl".into(),
                            reason: format!("bucket {bucket}'s ACL has no owner"),
                        })?,
                };
                let policy = access_control_policy(&owner, &acl.grants)?;
                s3.put_bucket_acl()
                    .bucket(bucket)
                    .access_control_policy(policy)
                    .send()
                    .await
                    .map_err(|e| port_error("PutBucketAcl", &bucket_what(bucket), e))?;
            }
            Action::PutBucketPolicy(a) => {
                s3.put_bucket_policy()
                    .bucket(&a.bucket)
                    .policy(&a.policy)
                    .send()
                    .await
                    .map_err(|e| port_error("PutBucketPolicy", &bucket_what(&a.bucket), e))?;
            }
            Action::DeleteBucketPolicy(a) => match s3.delete_bucket_policy().bucket(&a.bucket).send().await {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some(NO_POLICY) => {}
                Err(e) => return Err(port_error("DeleteBucketPolicy", &bucket_what(&a.bucket), e)),
            },
            Action::PutBucketEncryption(a) => {
                let conf = encryption_configuration(&a.encryption)?;
                s3.put_bucket_encryption()
                    .bucket(&a.bucket)
                    .server_side_encryption_configuration(conf)
                    .send()
                    .await
                    .map_err(|e| port_error("PutBucketEncryption", &bucket_what(&a.bucket), e))?;
            }
            Action::DeleteBucketEncryption(a) => {
                s3.delete_bucket_encryption()
                    .bucket(&a.bucket)
                    .send()
                    .await
                    .map_err(|e| port_error("DeleteBucketEncryption", &bucket_what(&a.bucket), e))?;
            }
            // The statement is merged into the policy as it is now, so a change
            // another rule made in the same event is kept.
            Action::PutBucketPolicyStatement(a) => {
                let what = bucket_what(&a.bucket);
                let current = get_bucket_policy(&s3, &a.bucket, &what).await?;
                let merged =
                    merge_statement(current.as_deref(), &a.sid, &a.statement).map_err(|e| PortError::InvalidData {
                        operation: "GetBucketPolicy".into(),
                        reason: format!("bucket {}: {e}", a.bucket),
                    })?;
                if current.as_deref() != Some(merged.text.as_str()) {
                    s3.put_bucket_policy()
                        .bucket(&a.bucket)
                        .policy(merged.text)
                        .send()
                        .await
                        .map_err(|e| port_error("PutBucketPolicy", &what, e))?;
                }
            }
            Action::DeleteBucketPolicyStatement(a) => {
                let what = bucket_what(&a.bucket);
                let Some(current) = get_bucket_policy(&s3, &a.bucket, &what).await? else {
                    return Ok(());
                };
                let rest = remove_statement(&current, &a.sid).map_err(|e| PortError::InvalidData {
                    operation: "GetBucketPolicy".into(),
                    reason: format!("bucket {}: {e}", a.bucket),
                })?;
                match rest {
                    Some(text) if text == current => {}
                    Some(text) => {
                        s3.put_bucket_policy()
                            .bucket(&a.bucket)
                            .policy(text)
                            .send()
                            .await
                            .map_err(|e| port_error("PutBucketPolicy", &what, e))?;
                    }
                    None if a.delete_empty_policy => match s3.delete_bucket_policy().bucket(&a.bucket).send().await {
                        Ok(_) => {}
                        Err(e) if error_code(&e) == Some(NO_POLICY) => {}
                        Err(e) => return Err(port_error("DeleteBucketPolicy", &what, e)),
                    },
                    // The statement is the last of a policy that existed before it:
                    // S3 refuses an empty policy, so it stays.
                    None => {}
                }
            }
            Action::PutBucketVersioning(a) => {
                let status = match a.status {
                    Versioning::Enabled => s3t::BucketVersioningStatus::Enabled,
                    Versioning::Suspended | Versioning::Never => s3t::BucketVersioningStatus::Suspended,
                };
                s3.put_bucket_versioning()
                    .bucket(&a.bucket)
                    .versioning_configuration(s3t::VersioningConfiguration::builder().status(status).build())
                    .send()
                    .await
                    .map_err(|e| port_error("PutBucketVersioning", &bucket_what(&a.bucket), e))?;
            }
            Action::PutBucketLogging(a) => {
                let enabled = match &a.logging {
                    Some(l) => Some(
                        s3t::LoggingEnabled::builder()
                            .target_bucket(&l.target_bucket)
                            .target_prefix(&l.target_prefix)
                            .build()
                            .map_err(|e| build_error("PutBucketLogging", e))?,
                    ),
                    None => None,
                };
                let sent = s3
                    .put_bucket_logging()
                    .bucket(&a.bucket)
                    .bucket_logging_status(s3t::BucketLoggingStatus::builder().set_logging_enabled(enabled).build())
                    .send()
                    .await;
                match sent {
                    Ok(_) => {}
                    // The log bucket is not ready: say what it needs, not just that S3 refused.
                    Err(e) if error_code(&e) == Some(NO_LOG_TARGET) => {
                        let target = a.logging.as_ref().map_or("", |l| l.target_bucket.as_str());
                        return Err(PortError::Other {
                            operation: "PutBucketLogging".into(),
                            source: log_bucket_not_ready(target).into(),
                        });
                    }
                    Err(e) => return Err(port_error("PutBucketLogging", &bucket_what(&a.bucket), e)),
                }
            }
            Action::PutBucketOwnershipControls(a) => {
                let rule = s3t::OwnershipControlsRule::builder()
                    .object_ownership(s3t::ObjectOwnership::from(a.ownership.as_str()))
                    .build()
                    .map_err(|e| build_error("PutBucketOwnershipControls", e))?;
                let controls = s3t::OwnershipControls::builder()
                    .rules(rule)
                    .build()
                    .map_err(|e| build_error("PutBucketOwnershipControls", e))?;
                s3.put_bucket_ownership_controls()
                    .bucket(&a.bucket)
                    .ownership_controls(controls)
                    .send()
                    .await
                    .map_err(|e| port_error("PutBucketOwnershipControls", &bucket_what(&a.bucket), e))?;
            }
            Action::DeleteBucketOwnershipControls(a) => {
                match s3.delete_bucket_ownership_controls().bucket(&a.bucket).send().await {
                    Ok(_) => {}
                    Err(e) if error_code(&e) == Some(NO_OWNERSHIP) => {}
                    Err(e) => return Err(port_error("DeleteBucketOwnershipControls", &bucket_what(&a.bucket), e)),
                }
            }
            // PutBucketLifecycleConfiguration replaces the whole configuration: the
            // rule is swapped into the configuration as it is now, and every other
            // rule goes back exactly as S3 returned it.
            Action::PutBucketLifecycleRule(a) => {
                let what = bucket_what(&a.bucket);
                let current = get_bucket_lifecycle(&s3, &a.bucket, &what).await?.unwrap_or_default();
                let ours = noncurrent_expiry_rule(&a.rule_id, a.noncurrent_days)?;
                let mut rules = current.rules;
                match rules.iter_mut().find(|r| r.id() == Some(a.rule_id.as_str())) {
                    Some(r) if *r == ours => return Ok(()),
                    Some(r) => *r = ours,
                    None => rules.push(ours),
                }
                put_bucket_lifecycle(&s3, &a.bucket, rules, current.minimum_object_size, &what).await?;
            }
            Action::DeleteBucketLifecycleRule(a) => {
                let what = bucket_what(&a.bucket);
                let Some(current) = get_bucket_lifecycle(&s3, &a.bucket, &what).await? else {
                    return Ok(());
                };
                let before = current.rules.len();
                let rest: Vec<s3t::LifecycleRule> = current
                    .rules
                    .into_iter()
                    .filter(|r| r.id() != Some(a.rule_id.as_str()))
                    .collect();
                if rest.len() == before {
                } else if rest.is_empty() {
                    match s3.delete_bucket_lifecycle().bucket(&a.bucket).send().await {
                        Ok(_) => {}
                        Err(e) if error_code(&e) == Some(NO_LIFECYCLE) => {}
                        Err(e) => return Err(port_error("DeleteBucketLifecycle", &what, e)),
                    }
                } else {
                    put_bucket_lifecycle(&s3, &a.bucket, rest, current.minimum_object_size, &what).await?;
                }
            }
        }
        Ok(())
    }
}

fn build_error(operation: &str, e: aws_smithy_types::error::operation::BuildError) -> PortError {
    PortError::Other {
        operation: operation.into(),
        source: Box::new(AdapterError::Build(e)),
    }
}

fn encryption_configuration(e: &Encryption) -> Result<s3t::ServerSideEncryptionConfiguration, PortError> {
    let default = s3t::ServerSideEncryptionByDefault::builder()
        .sse_algorithm(s3t::ServerSideEncryption::from(e.algorithm.as_str()))
        .set_kms_master_key_id(e.kms_key.clone())
        .build()
        .map_err(|e| build_error("PutBucketEncryption", e))?;
    let rule = s3t::ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default)
        .bucket_key_enabled(e.bucket_key)
        .build();
    s3t::ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(|e| build_error("PutBucketEncryption", e))
}

async fn get_bucket_encryption(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    what: &str,
) -> Result<Option<Encryption>, PortError> {
    match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| {
                r.apply_server_side_encryption_by_default().map(|d| Encryption {
                    algorithm: d.sse_algorithm().as_str().to_string(),
                    kms_key: d.kms_master_key_id().filter(|k| !k.is_empty()).map(str::to_owned),
                    bucket_key: r.bucket_key_enabled().unwrap_or(false),
                })
            })),
        Err(e) if error_code(&e) == Some(NO_ENCRYPTION) => Ok(None),
        Err(e) => Err(port_error("GetBucketEncryption", what, e)),
    }
}

async fn get_bucket_versioning(s3: &aws_sdk_s3::Client, bucket: &str, what: &str) -> Result<Versioning, PortError> {
    let out = s3
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| port_error("GetBucketVersioning", what, e))?;
    Ok(match out.status() {
        Some(s3t::BucketVersioningStatus::Enabled) => Versioning::Enabled,
        Some(s3t::BucketVersioningStatus::Suspended) => Versioning::Suspended,
        // Never enabled (or a status this SDK doesn't know: treated as not enabled).
        Some(_) | None => Versioning::Never,
    })
}

async fn get_bucket_logging(s3: &aws_sdk_s3::Client, bucket: &str, what: &str) -> Result<Option<Logging>, PortError> {
    let out = s3
        .get_bucket_logging()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| port_error("GetBucketLogging", what, e))?;
    Ok(out.logging_enabled().map(|l| Logging {
        target_bucket: l.target_bucket().to_string(),
        target_prefix: l.target_prefix().to_string(),
    }))
}

async fn get_bucket_ownership(s3: &aws_sdk_s3::Client, bucket: &str, what: &str) -> Result<Option<String>, PortError> {
    match s3.get_bucket_ownership_controls().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string())),
        Err(e) if error_code(&e) == Some(NO_OWNERSHIP) => Ok(None),
        Err(e) => Err(port_error("GetBucketOwnershipControls", what, e)),
    }
}

/// A bucket's lifecycle configuration as S3 returned it.
#[derive(Default)]
struct LifecycleConfiguration {
    rules: Vec<s3t::LifecycleRule>,
    minimum_object_size: Option<s3t::TransitionDefaultMinimumObjectSize>,
}

/// `None`: the bucket has no lifecycle configuration.
async fn get_bucket_lifecycle(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    what: &str,
) -> Result<Option<LifecycleConfiguration>, PortError> {
    match s3.get_bucket_lifecycle_configuration().bucket(bucket).send().await {
        Ok(out) => Ok(Some(LifecycleConfiguration {
            rules: out.rules().to_vec(),
            minimum_object_size: out.transition_default_minimum_object_size().cloned(),
        })),
        Err(e) if error_code(&e) == Some(NO_LIFECYCLE) => Ok(None),
        Err(e) => Err(port_error("GetBucketLifecycleConfiguration", what, e)),
    }
}

async fn put_bucket_lifecycle(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    rules: Vec<s3t::LifecycleRule>,
    minimum_object_size: Option<s3t::TransitionDefaultMinimumObjectSize>,
    what: &str,
) -> Result<(), PortError> {
    let conf = s3t::BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| build_error("PutBucketLifecycleConfiguration", e))?;
    s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(conf)
        // Kept as it was: it is part of the configuration this call replaces.
        .set_transition_default_minimum_object_size(minimum_object_size)
        .send()
        .await
        .map_err(|e| port_error("PutBucketLifecycleConfiguration", what, e))?;
    Ok(())
}

/// The rule `s3-bucket-versioning` writes (see `LifecycleRule::noncurrent_expiry`).
fn noncurrent_expiry_rule(id: &str, days: u32) -> Result<s3t::LifecycleRule, PortError> {
    let days = i32::try_from(days).map_err(|_| PortError::InvalidData {
        operation: "PutBucketLifecycleConfiguration".into(),
        reason: format!("{days} days is out of range"),
    })?;
    s3t::LifecycleRule::builder()
        .id(id)
        .status(s3t::ExpirationStatus::Enabled)
        .filter(s3t::LifecycleRuleFilter::builder().prefix("").build())
        .noncurrent_version_expiration(
            s3t::NoncurrentVersionExpiration::builder()
                .noncurrent_days(days)
                .build(),
        )
        .build()
        .map_err(|e| build_error("PutBucketLifecycleConfiguration", e))
}

/// What the rules judge of one lifecycle rule.
// The rule-level `Prefix` is deprecated in favour of `Filter`, but S3 still returns
// it for rules written that way, and a prefix there narrows the rule all the same.
#[allow(deprecated)]
fn lifecycle_rule_summary(r: &s3t::LifecycleRule) -> LifecycleRule {
    let whole_bucket = r.prefix().is_none_or(str::is_empty)
        && r.filter().is_none_or(|f| {
            f.prefix().is_none_or(str::is_empty)
                && f.tag().is_none()
                && f.object_size_greater_than().is_none()
                && f.object_size_less_than().is_none()
                && f.and().is_none()
        });
    let nve = r.noncurrent_version_expiration();
    LifecycleRule {
        id: r.id().unwrap_or_default().to_string(),
        enabled: *r.status() == s3t::ExpirationStatus::Enabled,
        whole_bucket,
        noncurrent_days: nve
            .and_then(|n| n.noncurrent_days())
            .and_then(|d| u32::try_from(d).ok()),
        other_actions: r.expiration().is_some()
            || !r.transitions().is_empty()
            || !r.noncurrent_version_transitions().is_empty()
            || r.abort_incomplete_multipart_upload().is_some()
            || nve.is_some_and(|n| n.newer_noncurrent_versions().is_some()),
    }
}

fn bucket_what(bucket: &str) -> String {
    format!("bucket {bucket}")
}

async fn get_bucket_pab(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    what: &str,
) -> Result<Option<PublicAccessBlock>, PortError> {
    match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => Ok(out.public_access_block_configuration().map(|c| PublicAccessBlock {
            block_public_acls: c.block_public_acls().unwrap_or(false),
            ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
            block_public_policy: c.block_public_policy().unwrap_or(false),
            restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
        })),
        // "No configuration", not "no bucket".
        Err(e) if error_code(&e) == Some(NO_PAB) => Ok(None),
        Err(e) => Err(port_error("GetPublicAccessBlock", what, e)),
    }
}

async fn get_bucket_policy(s3: &aws_sdk_s3::Client, bucket: &str, what: &str) -> Result<Option<String>, PortError> {
    match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => Ok(out.policy().map(str::to_owned)),
        Err(e) if error_code(&e) == Some(NO_POLICY) => Ok(None),
        Err(e) => Err(port_error("GetBucketPolicy", what, e)),
    }
}

async fn get_bucket_tags(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    what: &str,
) -> Result<BTreeMap<String, String>, PortError> {
    match s3.get_bucket_tagging().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()),
        Err(e) if error_code(&e).is_some_and(|c| NO_TAGS.contains(&c)) => Ok(BTreeMap::new()),
        Err(e) => Err(port_error("GetBucketTagging", what, e)),
    }
}

async fn get_bucket_acl(s3: &aws_sdk_s3::Client, bucket: &str, what: &str) -> Result<Acl, PortError> {
    let out = s3
        .get_bucket_acl()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| port_error("GetBucketAcl", what, e))?;
    let owner = out.owner().and_then(|o| {
        o.id().map(|id| Owner {
            id: id.to_string(),
            display_name: o.display_name().map(str::to_owned),
        })
    });
    let grants = out.grants().iter().map(grant_from_sdk).collect::<Result<Vec<_>, _>>()?;
    Ok(Acl { owner, grants })
}

fn invalid_acl(reason: impl Into<String>) -> PortError {
    PortError::InvalidData {
        operation: "GetBucketAcl".into(),
        reason: reason.into(),
    }
}

/// One SDK grant in the policy crate's terms.
pub fn grant_from_sdk(g: &s3t::Grant) -> Result<Grant, PortError> {
    let grantee = g.grantee().ok_or_else(|| invalid_acl("a grant has no grantee"))?;
    let permission = g
        .permission()
        .ok_or_else(|| invalid_acl("a grant has no permission"))?
        .as_str()
        .to_string();
    let grantee = match grantee.r#type() {
        s3t::Type::CanonicalUser => Grantee::CanonicalUser {
            id: grantee
                .id()
                .ok_or_else(|| invalid_acl("a CanonicalUser grantee has no ID"))?
                .to_string(),
            display_name: grantee.display_name().map(str::to_owned),
        },
        s3t::Type::Group => Grantee::Group {
            uri: grantee
                .uri()
                .ok_or_else(|| invalid_acl("a Group grantee has no URI"))?
                .to_string(),
        },
        s3t::Type::AmazonCustomerByEmail => Grantee::AmazonCustomerByEmail {
            email: grantee
                .email_address()
                .ok_or_else(|| invalid_acl("an AmazonCustomerByEmail grantee has no EmailAddress"))?
                .to_string(),
        },
        other => return Err(invalid_acl(format!("unknown grantee type {}", other.as_str()))),
    };
    Ok(Grant { grantee, permission })
}

/// The SDK's `AccessControlPolicy` for an owner and grants, exactly as given.
pub fn access_control_policy(owner: &Owner, grants: &[Grant]) -> Result<s3t::AccessControlPolicy, PortError> {
    let mut owner_b = s3t::Owner::builder().id(&owner.id);
    if let Some(n) = &owner.display_name {
        owner_b = owner_b.display_name(n);
    }
    let mut policy = s3t::AccessControlPolicy::builder().owner(owner_b.build());
    for g in grants {
        let grantee = match &g.grantee {
            Grantee::CanonicalUser { id, display_name } => {
                let mut b = s3t::Grantee::builder().r#type(s3t::Type::CanonicalUser).id(id);
                if let Some(n) = display_name {
                    b = b.display_name(n);
                }
                b
            }
            Grantee::Group { uri } => s3t::Grantee::builder().r#type(s3t::Type::Group).uri(uri),
            Grantee::AmazonCustomerByEmail { email } => s3t::Grantee::builder()
                .r#type(s3t::Type::AmazonCustomerByEmail)
                .email_address(email),
        }
        .build()
        .map_err(|e| PortError::Other {
            operation: "PutBucketAcl".into(),
            source: Box::new(AdapterError::Build(e)),
        })?;
        policy = policy.grants(
            s3t::Grant::builder()
                .grantee(grantee)
                .permission(s3t::Permission::from(g.permission.as_str()))
                .build(),
        );
    }
    Ok(policy.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::s3::ALL_USERS_URI;

    #[test]
    fn acl_round_trips_through_the_sdk_types() {
        let owner = Owner {
            id: "abc".into(),
            display_name: Some("me".into()),
        };
        let grants = vec![
            Grant {
                grantee: Grantee::CanonicalUser {
                    id: "abc".into(),
                    display_name: None,
                },
                permission: "FULL_CONTROL".into(),
            },
            Grant {
                grantee: Grantee::Group {
                    uri: ALL_USERS_URI.into(),
                },
                permission: "READ".into(),
            },
            Grant {
                grantee: Grantee::AmazonCustomerByEmail {
                    email: "a@example.com".into(),
                },
                permission: "WRITE_ACP".into(),
            },
        ];
        let p = access_control_policy(&owner, &grants).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.owner().and_then(|o| o.id()), Some("abc"));
        let back: Vec<Grant> = p
            .grants()
            .iter()
            .map(grant_from_sdk)
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, grants);
    }
}
