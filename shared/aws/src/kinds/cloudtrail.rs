//! CloudTrail over the SDK, shared by the `cloudtrail_account` and `cloudtrail_trail`
//! adapters: reading trails (settings, status, selectors, tags), the configured trail
//! key (KMS), the calls that change a trail (always made in its home region), and
//! CloudTrail's event history for the kinds that need it (`LookupEvents`).
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use aws_sdk_cloudtrail::types as ct;
use aws_types::region::Region;
use chrono::{DateTime, Utc};
use policy::PortError;
#[cfg(feature = "kms")]
use policy::cloudtrail::TrailKey;
use policy::cloudtrail::{AdvancedSelector, BasicSelector, FieldSelector, ReadWrite, Selectors, Trail};
use policy::history::{CallHistory, RecordedCall};

use crate::error::{error_code, port_error};

/// CloudTrail's "no such trail".
const TRAIL_NOT_FOUND: &[&str] = &["TrailNotFoundException", "TrailNotFound"];
/// KMS's "no such key".
#[cfg(feature = "kms")]
const KMS_NOT_FOUND: &str = "NotFoundException";

/// CloudTrail clients, one per region a trail lives in.
#[derive(Debug)]
pub struct Trails {
    ct: aws_sdk_cloudtrail::Client,
    regional: Mutex<HashMap<String, aws_sdk_cloudtrail::Client>>,
}

impl Trails {
    pub fn new(ct: aws_sdk_cloudtrail::Client) -> Self {
        Trails {
            ct,
            regional: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `region` (a trail's home region: every change to it is made there).
    pub fn client_in(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let base = self.ct.config().region().map(|r| r.as_ref().to_string());
        if region.is_empty() || base.as_deref() == Some(region) {
            return self.ct.clone();
        }
        let Ok(mut cache) = self.regional.lock() else {
            return self.ct.clone();
        };
        cache
            .entry(region.to_string())
            .or_insert_with(|| {
                let conf = self
                    .ct
                    .config()
                    .to_builder()
                    .region(Region::new(region.to_string()))
                    .build();
                aws_sdk_cloudtrail::Client::from_conf(conf)
            })
            .clone()
    }

    /// Every trail `region` shows (its own, other regions' multi-region trails, an
    /// organization's), each with its status and selectors.
    pub async fn describe_all(&self, account: &str, region: &str) -> Result<Vec<Trail>, PortError> {
        let out = self
            .client_in(region)
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
            .map_err(|e| port_error("DescribeTrails", "trails", e))?;
        let mut trails = Vec::new();
        for t in out.trail_list() {
            match self.complete(t, account, region).await {
                Ok(trail) => trails.push(trail),
                // Deleted between the list and the status: not there.
                Err(PortError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(trails)
    }

    /// One trail, by name, in its home region. `Err(NotFound)` when it is gone.
    pub async fn describe_one(&self, name: &str, account: &str, region: &str) -> Result<Trail, PortError> {
        let what = format!("trail {name} ({region})");
        let out = self
            .client_in(region)
            .describe_trails()
            .trail_name_list(name)
            .include_shadow_trails(false)
            .send()
            .await
            .map_err(|e| not_found_or(e, "DescribeTrails", &what))?;
        let Some(t) = out
            .trail_list()
            .iter()
            .find(|t| t.name() == Some(name) || t.trail_arn() == Some(name))
        else {
            return Err(PortError::NotFound { what });
        };
        self.complete(t, account, region).await
    }

    /// A described trail with its status and selectors (read in its home region).
    async fn complete(&self, t: &ct::Trail, account: &str, region: &str) -> Result<Trail, PortError> {
        let name = t.name().unwrap_or_default().to_string();
        let arn = t.trail_arn().unwrap_or_default().to_string();
        let home = t.home_region().filter(|h| !h.is_empty()).unwrap_or(region).to_string();
        let what = format!("trail {name} ({home})");
        let organization = t.is_organization_trail().unwrap_or(false);
        let client = self.client_in(&home);
        let target = if arn.is_empty() { name.clone() } else { arn.clone() };
        let status = client
            .get_trail_status()
            .name(&target)
            .send()
            .await
            .map_err(|e| not_found_or(e, "GetTrailStatus", &what))?;
        let owner = arn.split(':').nth(4).unwrap_or_default();
        // Another account's organization trail: its selectors are not ours to read.
        let selectors = if organization && owner != account {
            None
        } else {
            let sel = client
                .get_event_selectors()
                .trail_name(&target)
                .send()
                .await
                .map_err(|e| not_found_or(e, "GetEventSelectors", &what))?;
            Some(Selectors {
                basic: sel.event_selectors().iter().map(basic_from_sdk).collect(),
                advanced: sel.advanced_event_selectors().iter().map(advanced_from_sdk).collect(),
            })
        };
        Ok(Trail {
            name,
            arn,
            home_region: home,
            multi_region: t.is_multi_region_trail().unwrap_or(false),
            global_events: t.include_global_service_events().unwrap_or(false),
            organization,
            validation: t.log_file_validation_enabled().unwrap_or(false),
            kms_key: t.kms_key_id().filter(|k| !k.is_empty()).map(str::to_owned),
            bucket: t.s3_bucket_name().unwrap_or_default().to_string(),
            log_group_arn: t
                .cloud_watch_logs_log_group_arn()
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
            logs_role_arn: t
                .cloud_watch_logs_role_arn()
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
            logging: status.is_logging().unwrap_or(false),
            selectors,
        })
    }

    /// A trail's tags (read in its home region).
    pub async fn tags(&self, arn: &str, region: &str) -> Result<BTreeMap<String, String>, PortError> {
        let out = self
            .client_in(region)
            .list_tags()
            .resource_id_list(arn)
            .send()
            .await
            .map_err(|e| not_found_or(e, "ListTags", arn))?;
        Ok(out
            .resource_tag_list()
            .iter()
            .flat_map(|r| r.tags_list())
            .map(|t| (t.key().to_string(), t.value().unwrap_or_default().to_string()))
            .collect())
    }

    pub async fn start_logging(&self, name: &str, region: &str) -> Result<(), PortError> {
        self.client_in(region)
            .start_logging()
            .name(name)
            .send()
            .await
            .map_err(|e| not_found_or(e, "StartLogging", name))?;
        Ok(())
    }

    pub async fn stop_logging(&self, name: &str, region: &str) -> Result<(), PortError> {
        self.client_in(region)
            .stop_logging()
            .name(name)
            .send()
            .await
            .map_err(|e| not_found_or(e, "StopLogging", name))?;
        Ok(())
    }

    /// `UpdateTrail` with the settings `set` puts on the request builder.
    pub async fn update(
        &self,
        name: &str,
        region: &str,
        set: impl FnOnce(
            aws_sdk_cloudtrail::operation::update_trail::builders::UpdateTrailFluentBuilder,
        ) -> aws_sdk_cloudtrail::operation::update_trail::builders::UpdateTrailFluentBuilder,
    ) -> Result<(), PortError> {
        set(self.client_in(region).update_trail().name(name))
            .send()
            .await
            .map_err(|e| not_found_or(e, "UpdateTrail", name))?;
        Ok(())
    }

    pub async fn put_selectors(&self, name: &str, region: &str, s: &Selectors) -> Result<(), PortError> {
        let mut req = self.client_in(region).put_event_selectors().trail_name(name);
        if !s.advanced.is_empty() {
            req = req.set_advanced_event_selectors(Some(
                s.advanced.iter().map(advanced_to_sdk).collect::<Result<Vec<_>, _>>()?,
            ));
        } else {
            // No selector at all is CloudTrail's default; AWS takes it as one selector
            // for every management event.
            let basic = if s.basic.is_empty() {
                Selectors::default().with_all_management_events().basic
            } else {
                s.basic.clone()
            };
            req = req.set_event_selectors(Some(basic.iter().map(basic_to_sdk).collect()));
        }
        req.send()
            .await
            .map_err(|e| not_found_or(e, "PutEventSelectors", name))?;
        Ok(())
    }

    /// Create a trail (idempotent: an existing trail of that name is left as it is).
    pub async fn create(&self, name: &str, region: &str, bucket: &str, kms_key: Option<&str>) -> Result<(), PortError> {
        let res = self
            .client_in(region)
            .create_trail()
            .name(name)
            .s3_bucket_name(bucket)
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .enable_log_file_validation(true)
            .set_kms_key_id(kms_key.map(str::to_owned))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e) == Some("TrailAlreadyExistsException") => Ok(()),
            Err(e) => Err(port_error("CreateTrail", name, e)),
        }
    }

    /// Delete a trail (idempotent: a trail already gone is fine).
    pub async fn delete(&self, name: &str, region: &str) -> Result<(), PortError> {
        match self.client_in(region).delete_trail().name(name).send().await {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e).is_some_and(|c| TRAIL_NOT_FOUND.contains(&c)) => Ok(()),
            Err(e) => Err(port_error("DeleteTrail", name, e)),
        }
    }

    /// The names and times of `names` calls CloudTrail's event history (the last 90
    /// days, this region) records about the resource `resource_name`. Only names and
    /// times are kept, never the events' contents.
    pub async fn history_of_resource(
        &self,
        region: &str,
        resource_name: &str,
        names: &[&str],
    ) -> Result<CallHistory, PortError> {
        let calls = self
            .lookup(region, ct::LookupAttributeKey::ResourceName, resource_name, names)
            .await?;
        Ok(CallHistory::of(calls))
    }

    /// The names and times of every `names` call in CloudTrail's event history (the
    /// last 90 days, this region): for a service whose resource is gone (a deleted
    /// GuardDuty detector) or has no name (Security Hub).
    pub async fn history_of_calls(&self, region: &str, names: &[&str]) -> Result<CallHistory, PortError> {
        let mut calls = Vec::new();
        for name in names {
            calls.extend(
                self.lookup(region, ct::LookupAttributeKey::EventName, name, names)
                    .await?,
            );
        }
        Ok(CallHistory::of(calls))
    }

    async fn lookup(
        &self,
        region: &str,
        key: ct::LookupAttributeKey,
        value: &str,
        names: &[&str],
    ) -> Result<Vec<RecordedCall>, PortError> {
        let attr = ct::LookupAttribute::builder()
            .attribute_key(key)
            .attribute_value(value)
            .build()
            .map_err(|e| PortError::InvalidData {
                operation: "LookupEvents".into(),
                reason: e.to_string(),
            })?;
        let mut pages = self
            .client_in(region)
            .lookup_events()
            .lookup_attributes(attr)
            .into_paginator()
            .send();
        let mut calls = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("LookupEvents", value, e))?;
            for e in page.events() {
                let (Some(name), Some(time)) = (e.event_name(), e.event_time()) else {
                    continue;
                };
                if !names.contains(&name) {
                    continue;
                }
                if let Some(time) = DateTime::<Utc>::from_timestamp(time.secs(), time.subsec_nanos()) {
                    calls.push(RecordedCall {
                        name: name.to_string(),
                        time,
                    });
                }
            }
        }
        Ok(calls)
    }
}

#[cfg(feature = "kms")]
/// The configured trail key (`TrailKmsKeyArn`, or the stack's): `None` when none is
/// configured; a key that doesn't exist reads as a disabled key with no policy, so
/// the rules withhold the fix and say why.
pub async fn trail_key(kms: &aws_sdk_kms::Client, arn: Option<&str>) -> Result<Option<TrailKey>, PortError> {
    let Some(arn) = arn.filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let described = match kms.describe_key().key_id(arn).send().await {
        Ok(out) => out,
        Err(e) if error_code(&e) == Some(KMS_NOT_FOUND) => {
            return Ok(Some(TrailKey {
                arn: arn.to_string(),
                enabled: false,
                policy: String::new(),
            }));
        }
        Err(e) => return Err(port_error("DescribeKey", arn, e)),
    };
    let meta = described.key_metadata();
    let key_arn = meta.and_then(|m| m.arn()).unwrap_or(arn).to_string();
    let enabled = meta.is_some_and(|m| m.enabled());
    let policy = kms
        .get_key_policy()
        .key_id(&key_arn)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| port_error("GetKeyPolicy", &key_arn, e))?
        .policy()
        .unwrap_or_default()
        .to_string();
    Ok(Some(TrailKey {
        arn: key_arn,
        enabled,
        policy,
    }))
}

/// A "no such trail" error is `NotFound`; anything else is classified as usual.
fn not_found_or<E>(
    e: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
    operation: &str,
    what: &str,
) -> PortError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if error_code(&e).is_some_and(|c| TRAIL_NOT_FOUND.contains(&c)) {
        PortError::NotFound { what: what.to_string() }
    } else {
        port_error(operation, what, e)
    }
}

fn basic_from_sdk(s: &ct::EventSelector) -> BasicSelector {
    BasicSelector {
        read_write: match s.read_write_type() {
            Some(ct::ReadWriteType::ReadOnly) => ReadWrite::ReadOnly,
            Some(ct::ReadWriteType::WriteOnly) => ReadWrite::WriteOnly,
            // `All`, absent (AWS's default) or a value this build doesn't know.
            Some(_) | None => ReadWrite::All,
        },
        management_events: s.include_management_events().unwrap_or(true),
        data_resources: s
            .data_resources()
            .iter()
            .map(|d| (d.r#type().unwrap_or_default().to_string(), d.values().to_vec()))
            .collect(),
        excluded_sources: s.exclude_management_event_sources().to_vec(),
    }
}

fn basic_to_sdk(s: &BasicSelector) -> ct::EventSelector {
    ct::EventSelector::builder()
        .read_write_type(match s.read_write {
            ReadWrite::ReadOnly => ct::ReadWriteType::ReadOnly,
            ReadWrite::WriteOnly => ct::ReadWriteType::WriteOnly,
            ReadWrite::All => ct::ReadWriteType::All,
        })
        .include_management_events(s.management_events)
        .set_data_resources(Some(
            s.data_resources
                .iter()
                .map(|(t, v)| {
                    ct::DataResource::builder()
                        .r#type(t)
                        .set_values(Some(v.clone()))
                        .build()
                })
                .collect(),
        ))
        .set_exclude_management_event_sources(Some(s.excluded_sources.clone()))
        .build()
}

fn advanced_from_sdk(s: &ct::AdvancedEventSelector) -> AdvancedSelector {
    AdvancedSelector {
        name: s.name().map(str::to_owned),
        fields: s
            .field_selectors()
            .iter()
            .map(|f| FieldSelector {
                field: f.field().to_string(),
                equals: f.equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_equals: f.not_equals().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}

fn advanced_to_sdk(s: &AdvancedSelector) -> Result<ct::AdvancedEventSelector, PortError> {
    let invalid = |e: aws_sdk_cloudtrail::error::BuildError| PortError::InvalidData {
        operation: "PutEventSelectors".into(),
        reason: e.to_string(),
    };
    let fields = s
        .fields
        .iter()
        .map(|f| {
            let nonempty = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
            ct::AdvancedFieldSelector::builder()
                .field(&f.field)
                .set_equals(nonempty(&f.equals))
                .set_starts_with(nonempty(&f.starts_with))
                .set_ends_with(nonempty(&f.ends_with))
                .set_not_equals(nonempty(&f.not_equals))
                .set_not_starts_with(nonempty(&f.not_starts_with))
                .set_not_ends_with(nonempty(&f.not_ends_with))
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>, _>>()?;
    ct::AdvancedEventSelector::builder()
        .set_name(s.name.clone())
        .set_field_selectors(Some(fields))
        .build()
        .map_err(invalid)
}
