//! Snapshot builders for the audit-trail and KMS rules' examples and unit tests.
use std::collections::BTreeMap;

use chrono::Duration;

use crate::cloudtrail::{BasicSelector, ReadWrite, Selectors, Trail, TrailKey};
use crate::history::{CallHistory, RecordedCall};
use crate::kinds::kms_key::{KeyManager, KeyMetadata, Rotation};
use crate::kinds::{Read, cloudtrail_account, cloudtrail_trail, config_recorder, guardduty, kms_key, security_hub};
use crate::rules::samples::now;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/0d5b9f1e-1111-2222-3333-444455556666";
pub const KEY_ID: &str = "0d5b9f1e-1111-2222-3333-444455556666";

/// A trail of this account homed in us-east-1: multi-region, logging, default
/// selectors, validation on, encrypted, delivering to CloudWatch Logs.
pub fn trail(name: &str) -> Trail {
    Trail {
        name: name.into(),
        arn: format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"),
        home_region: REGION.into(),
        multi_region: true,
        global_events: true,
        organization: false,
        validation: true,
        kms_key: Some(KEY_ARN.into()),
        bucket: "trail-bucket".into(),
        log_group_arn: Some(format!(
            "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws-cloudtrail-logs-hipaa-autofix:*"
        )),
        logs_role_arn: Some(format!("arn:aws:iam::{ACCOUNT}:role/hipaa-autofix-cloudtrail-logs")),
        logging: true,
        selectors: Some(Selectors::default()),
    }
}

/// Write-only management events: half of what the audit trail needs.
pub fn write_only() -> Selectors {
    Selectors {
        basic: vec![BasicSelector {
            read_write: ReadWrite::WriteOnly,
            management_events: true,
            data_resources: vec![],
            excluded_sources: vec![],
        }],
        advanced: vec![],
    }
}

/// The stack's trail key, whose policy lets CloudTrail encrypt this account's trails.
pub fn trail_key() -> TrailKey {
    TrailKey {
        arn: KEY_ARN.into(),
        enabled: true,
        policy: serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "CloudTrailEncrypt", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "kms:GenerateDataKey*", "Resource": "*",
             "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:aws:cloudtrail:*:{ACCOUNT}:trail/*")}}}
        ]})
        .to_string(),
    }
}

/// The account's trails, as a region shows them.
pub fn trails(ts: Vec<Trail>, key: Option<TrailKey>) -> cloudtrail_account::Snapshot {
    cloudtrail_account::Snapshot {
        account: ACCOUNT.into(),
        region: REGION.into(),
        trails: Read::Value(ts),
        trail_key: Read::Value(key),
    }
}

/// One trail, every facet read.
pub fn one_trail(t: Trail, key: Option<TrailKey>) -> cloudtrail_trail::Snapshot {
    cloudtrail_trail::Snapshot {
        name: t.name.clone(),
        account: ACCOUNT.into(),
        region: t.home_region.clone(),
        trail: Read::Value(t),
        tags: Read::Value(BTreeMap::new()),
        trail_key: Read::Value(key),
    }
}

/// A region's recorder (`None`: there is none) and whether a channel delivers.
pub fn recorder(recording: Option<bool>, channel: bool) -> config_recorder::Snapshot {
    config_recorder::Snapshot {
        account: ACCOUNT.into(),
        region: REGION.into(),
        recorders: Read::Value(
            recording
                .map(|on| config_recorder::Recorder {
                    name: "default".into(),
                    recording: on,
                    last_status: None,
                    last_error: None,
                })
                .into_iter()
                .collect(),
        ),
        channels: Read::Value(if channel {
            vec![config_recorder::DeliveryChannel {
                name: "default".into(),
                bucket: Some("config-bucket".into()),
                last_delivery: Some("SUCCESS".into()),
                last_error: None,
            }]
        } else {
            vec![]
        }),
    }
}

/// History holding these calls, `days_ago` each.
pub fn history(calls: &[(&str, i64)]) -> CallHistory {
    CallHistory::of(
        calls
            .iter()
            .map(|(name, days)| RecordedCall {
                name: (*name).into(),
                time: now() - Duration::days(*days),
            })
            .collect(),
    )
}

/// GuardDuty with one detector (`Some(enabled)`) or none, and its history.
pub fn guardduty(detector: Option<bool>, h: CallHistory) -> guardduty::Snapshot {
    guardduty::Snapshot {
        account: ACCOUNT.into(),
        region: REGION.into(),
        as_of: now(),
        detectors: Read::Value(
            detector
                .map(|enabled| guardduty::Detector {
                    id: "12abc34d567e8fa901bc2d34e56789f0".into(),
                    enabled,
                })
                .into_iter()
                .collect(),
        ),
        history: Read::Value(h),
    }
}

/// Security Hub subscribed or not, and its history.
pub fn security_hub(subscribed: bool, h: CallHistory) -> security_hub::Snapshot {
    security_hub::Snapshot {
        account: ACCOUNT.into(),
        region: REGION.into(),
        as_of: now(),
        hub: Read::Value(subscribed.then(|| security_hub::Hub {
            arn: format!("arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"),
            subscribed_at: None,
        })),
        history: Read::Value(h),
    }
}

/// A customer-managed symmetric key in `state`, with rotation on or off.
pub fn key(state: &str, rotation: bool, h: CallHistory) -> kms_key::Snapshot {
    kms_key::Snapshot {
        id: KEY_ID.into(),
        account: ACCOUNT.into(),
        region: REGION.into(),
        as_of: now(),
        metadata: Read::Value(KeyMetadata {
            arn: KEY_ARN.into(),
            spec: "SYMMETRIC_DEFAULT".into(),
            origin: "AWS_KMS".into(),
            manager: KeyManager::Customer,
            state: state.into(),
            deletion_date: (state == KeyMetadata::PENDING_DELETION).then(|| now() + Duration::days(30)),
        }),
        rotation: Read::Value(Rotation {
            enabled: rotation,
            period_days: Some(180),
        }),
        tags: Read::Value(BTreeMap::new()),
        history: Read::Value(h),
    }
}
