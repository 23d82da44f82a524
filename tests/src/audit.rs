//! The audit trail and the keys (issue #11): stand-ins for what moto lacks, and seeding helpers.
use super::*;

/// Stand-ins for the two calls of the audit-trail and KMS adapters moto 5.2.5 lacks,
/// and only those (README, testing notes): CloudTrail's `LookupEvents` (the event
/// history the GuardDuty, Security Hub and key-deletion rules read) answers with the
/// calls a test records; AWS Config's `DescribeDeliveryChannelStatus` is left out of
/// the channels facet (the channels themselves are read from moto, with no delivery
/// status). Every other facet is read from moto by the real adapter.
pub struct MotoGaps {
    pub inner: Arc<dyn policy::ports::ResourceReader>,
    pub config: aws_sdk_config::Client,
    /// The event history every history facet reads.
    pub history: policy::history::CallHistory,
}

impl MotoGaps {
    /// Wrap a function's readers (for events and for sweeps) with `history` as the
    /// event history.
    pub fn install(f: &mut Function, sdk: &SdkConfig, history: policy::history::CallHistory) {
        for ports in [&mut f.app.ports, &mut f.app.sweep_ports] {
            let inner = ports.reader.clone();
            ports.reader = Arc::new(MotoGaps {
                inner,
                config: aws_sdk_config::Client::new(sdk),
                history: history.clone(),
            });
        }
    }

    async fn channels(&self) -> Result<Vec<policy::kinds::config_recorder::DeliveryChannel>, policy::PortError> {
        let out =
            self.config
                .describe_delivery_channels()
                .send()
                .await
                .map_err(|e| policy::PortError::InvalidData {
                    operation: "DescribeDeliveryChannels".into(),
                    reason: e.to_string(),
                })?;
        Ok(out
            .delivery_channels()
            .iter()
            .map(|c| policy::kinds::config_recorder::DeliveryChannel {
                name: c.name().unwrap_or_default().to_string(),
                bucket: c.s3_bucket_name().map(str::to_owned),
                last_delivery: None,
                last_error: None,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl policy::ports::ResourceReader for MotoGaps {
    async fn fill(
        &self,
        resource: &policy::ResourceRef,
        snapshot: &mut policy::Snapshot,
        facets: &[policy::Facet],
    ) -> Result<(), policy::PortError> {
        use policy::Facet as F;
        use policy::kinds::{Read, config_recorder, guardduty, kms_key, security_hub};
        let mut rest = Vec::new();
        for f in facets {
            match (f, &mut *snapshot) {
                (F::KmsKey(kms_key::Facet::History), policy::Snapshot::KmsKey(s)) => {
                    s.history = Read::Value(self.history.clone());
                }
                (F::GuardDuty(guardduty::Facet::History), policy::Snapshot::GuardDuty(s)) => {
                    s.history = Read::Value(self.history.clone());
                }
                (F::SecurityHub(security_hub::Facet::History), policy::Snapshot::SecurityHub(s)) => {
                    s.history = Read::Value(self.history.clone());
                }
                (F::ConfigRecorder(config_recorder::Facet::Channels), policy::Snapshot::ConfigRecorder(s)) => {
                    s.channels = Read::Value(self.channels().await?);
                }
                (other, _) => rest.push(*other),
            }
        }
        self.inner.fill(resource, snapshot, &rest).await
    }
}

impl World {
    /// A KMS key whose policy lets CloudTrail encrypt this account's trails (as the
    /// stack's trail key does); its ARN.
    pub async fn trail_key(&self) -> String {
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Admin", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                 "Action": "kms:*", "Resource": "*"},
                {"Sid": "CloudTrailEncrypt", "Effect": "Allow",
                 "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "kms:GenerateDataKey*", "Resource": "*",
                 "Condition": {"StringLike": {
                     "kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:aws:cloudtrail:*:{ACCOUNT}:trail/*")}}}
            ]
        });
        aws_sdk_kms::Client::new(&self.sdk)
            .create_key()
            .policy(policy.to_string())
            .send()
            .await
            .expect("CreateKey")
            .key_metadata()
            .and_then(|m| m.arn())
            .expect("a key ARN")
            .to_string()
    }
}

impl Moto {
    /// What CloudTrail's `LookupEvents` answers from now on (the launcher's stand-in
    /// for the call moto lacks): `(event name, seconds ago, resource name)` each.
    pub async fn set_cloudtrail_history(&self, events: &[(&str, i64, &str)]) -> anyhow::Result<()> {
        let now = chrono::Utc::now().timestamp();
        let events: Vec<Value> = events
            .iter()
            .map(|(name, ago, resource)| {
                serde_json::json!({"EventName": name, "EventTime": now - ago,
                                   "Resources": [{"ResourceName": resource}]})
            })
            .collect();
        self.post_api("cloudtrail/events", &serde_json::json!({ "events": events }))
            .await
            .map(drop)
    }
}
