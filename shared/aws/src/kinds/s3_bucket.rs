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
use policy::s3::{Acl, Grant, Grantee, Owner, PublicAccessBlock};

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::{AdapterError, error_code, port_error};

/// "This bucket has no Block Public Access configuration".
const NO_PAB: &str = "NoSuchPublicAccessBlockConfiguration";
const NO_POLICY: &str = "NoSuchBucketPolicy";
const NO_TAGS: &[&str] = &["NoSuchTagSet", "NoSuchTagSetError"];

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
        }
        Ok(())
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
