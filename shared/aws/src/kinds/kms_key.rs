//! KMS keys: the reader, lister and remediator of the `kms_key` kind (metadata,
//! rotation, tags, and CloudTrail's event history of a key).
use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_kms::types as kt;
use chrono::{DateTime, Utc};
use policy::PortError;
use policy::kinds::kms_key::{Action, Facet, HISTORY_EVENTS, KeyManager, KeyMetadata, KmsKey, Rotation, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use super::cloudtrail::Trails;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// KMS's "no such key".
const NOT_FOUND: &str = "NotFoundException";
/// KMS's "the key's state doesn't allow this" (cancelling a deletion not scheduled).
const INVALID_STATE: &str = "KMSInvalidStateException";

/// KMS (and CloudTrail's event history) over the SDK.
#[derive(Debug)]
pub struct KmsKeyAdapter {
    kms: aws_sdk_kms::Client,
    trails: Trails,
}

/// A KMS error: a key that is gone is `NotFound`, anything else as usual.
fn kms_error<E>(
    op: &str,
    key: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> PortError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if error_code(&e) == Some(NOT_FOUND) {
        PortError::NotFound {
            what: format!("KMS key {key}"),
        }
    } else {
        port_error(op, key, e)
    }
}

impl KmsKeyAdapter {
    pub fn new(clients: &Clients) -> Self {
        KmsKeyAdapter {
            kms: clients.kms.clone(),
            trails: Trails::new(clients.cloudtrail.clone()),
        }
    }

    async fn metadata(&self, key: &str) -> Result<KeyMetadata, PortError> {
        let out = self
            .kms
            .describe_key()
            .key_id(key)
            .send()
            .await
            .map_err(|e| kms_error("DescribeKey", key, e))?;
        let m = out.key_metadata().ok_or_else(|| PortError::InvalidData {
            operation: "DescribeKey".into(),
            reason: format!("no KeyMetadata for key {key}"),
        })?;
        Ok(KeyMetadata {
            arn: m.arn().unwrap_or_default().to_string(),
            spec: m.key_spec().map(|s| s.as_str().to_string()).unwrap_or_default(),
            origin: m.origin().map(|s| s.as_str().to_string()).unwrap_or_default(),
            manager: match m.key_manager() {
                Some(kt::KeyManagerType::Aws) => KeyManager::Aws,
                // Customer, absent, or a value this build doesn't know.
                Some(_) | None => KeyManager::Customer,
            },
            state: m.key_state().map(|s| s.as_str().to_string()).unwrap_or_default(),
            deletion_date: m
                .deletion_date()
                .and_then(|d| DateTime::<Utc>::from_timestamp(d.secs(), d.subsec_nanos())),
        })
    }

    async fn rotation(&self, key: &str) -> Result<Rotation, PortError> {
        let out = self
            .kms
            .get_key_rotation_status()
            .key_id(key)
            .send()
            .await
            .map_err(|e| kms_error("GetKeyRotationStatus", key, e))?;
        Ok(Rotation {
            enabled: out.key_rotation_enabled(),
            period_days: out.rotation_period_in_days().and_then(|d| u32::try_from(d).ok()),
        })
    }

    async fn tags(&self, key: &str) -> Result<BTreeMap<String, String>, PortError> {
        let mut pages = self.kms.list_resource_tags().key_id(key).into_paginator().send();
        let mut out = BTreeMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| kms_error("ListResourceTags", key, e))?;
            for t in page.tags() {
                out.insert(t.tag_key().to_string(), t.tag_value().to_string());
            }
        }
        Ok(out)
    }

    /// The key's state now (for idempotent cancel and schedule).
    async fn state(&self, key: &str) -> Result<String, PortError> {
        Ok(self.metadata(key).await?.state)
    }
}

#[async_trait]
impl KindAdapter<KmsKey> for KmsKeyAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Metadata => s.metadata = Read::Value(self.metadata(&r.id).await?),
                Facet::Rotation => s.rotation = Read::Value(self.rotation(&r.id).await?),
                Facet::Tags => s.tags = Read::Value(self.tags(&r.id).await?),
                Facet::History => {
                    let arn = (policy::kinds::kms_key::SPEC.arn)(r);
                    s.history = Read::Value(self.trails.history_of_resource(&r.region, &arn, HISTORY_EVENTS).await?);
                }
            }
        }
        Ok(())
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut pages = self.kms.list_keys().limit(1000).into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListKeys", "KMS keys", e))?;
            for k in page.keys() {
                if let Some(id) = k.key_id() {
                    out.push(Listed::bare(ResourceRef::of(ResourceKind::KmsKey, id, account, region)));
                }
            }
        }
        Ok(out)
    }

    async fn apply(&self, _r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::EnableKeyRotation(a) => {
                self.kms
                    .enable_key_rotation()
                    .key_id(&a.key_id)
                    .set_rotation_period_in_days(a.period_days.and_then(|d| i32::try_from(d).ok()))
                    .send()
                    .await
                    .map_err(|e| kms_error("EnableKeyRotation", &a.key_id, e))?;
                Ok(())
            }
            Action::DisableKeyRotation(a) => {
                self.kms
                    .disable_key_rotation()
                    .key_id(&a.key_id)
                    .send()
                    .await
                    .map_err(|e| kms_error("DisableKeyRotation", &a.key_id, e))?;
                Ok(())
            }
            Action::CancelKeyDeletion(a) => {
                match self.kms.cancel_key_deletion().key_id(&a.key_id).send().await {
                    Ok(_) => {}
                    // Not pending deletion (any more): already cancelled.
                    Err(e) if error_code(&e) == Some(INVALID_STATE) => {
                        if self.state(&a.key_id).await? == KeyMetadata::PENDING_DELETION {
                            return Err(port_error("CancelKeyDeletion", &a.key_id, e));
                        }
                    }
                    Err(e) => return Err(kms_error("CancelKeyDeletion", &a.key_id, e)),
                }
                // CancelKeyDeletion leaves the key disabled.
                if a.reenable {
                    self.kms
                        .enable_key()
                        .key_id(&a.key_id)
                        .send()
                        .await
                        .map_err(|e| kms_error("EnableKey", &a.key_id, e))?;
                }
                Ok(())
            }
            Action::ScheduleKeyDeletion(a) => {
                if self.state(&a.key_id).await? == KeyMetadata::PENDING_DELETION {
                    return Ok(());
                }
                self.kms
                    .schedule_key_deletion()
                    .key_id(&a.key_id)
                    .pending_window_in_days(i32::try_from(a.window_days).unwrap_or(30))
                    .send()
                    .await
                    .map_err(|e| kms_error("ScheduleKeyDeletion", &a.key_id, e))?;
                Ok(())
            }
        }
    }
}
