//! A KMS key: what kind of key it is and its state (`DescribeKey`), its rotation,
//! its tags, and what CloudTrail's event history says about it being enabled or
//! disabled (a key pending deletion no longer says whether it was enabled before).
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::history::CallHistory;
use crate::notice::Severity;

/// The kind's marker type (see [`super::Kind`]).
pub struct KmsKey;

/// Who manages a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyManager {
    Customer,
    Aws,
}

/// A key as `DescribeKey` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMetadata {
    pub arn: String,
    /// `KeySpec`: `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, ...
    pub spec: String,
    /// `Origin`: `AWS_KMS`, `EXTERNAL` (imported material), `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: String,
    pub manager: KeyManager,
    /// `KeyState`: `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, ...
    pub state: String,
    /// When a key pending deletion will be deleted.
    pub deletion_date: Option<DateTime<Utc>>,
}

impl KeyMetadata {
    pub const ENABLED: &'static str = "Enabled";
    pub const DISABLED: &'static str = "Disabled";
    pub const PENDING_DELETION: &'static str = "PendingDeletion";

    /// Why KMS can't rotate this key automatically, or `None` when it can.
    pub fn cannot_rotate(&self) -> Option<&'static str> {
        if self.manager == KeyManager::Aws {
            Some("an AWS-managed key (AWS rotates it every year)")
        } else if self.spec.starts_with("HMAC") {
            Some("an HMAC key")
        } else if self.spec != "SYMMETRIC_DEFAULT" {
            Some("an asymmetric key")
        } else if self.origin == "EXTERNAL" {
            Some("a key with imported key material")
        } else if self.origin != "AWS_KMS" {
            Some("a key in a custom key store")
        } else {
            None
        }
    }
}

/// A key's automatic rotation (`GetKeyRotationStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    pub enabled: bool,
    /// `RotationPeriodInDays`, when KMS reports one.
    pub period_days: Option<u32>,
}

/// Fresh state of a KMS key. `as_of` is when it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The key id (a UUID, or `mrk-...`).
    pub id: String,
    pub account: String,
    pub region: String,
    pub as_of: DateTime<Utc>,
    pub metadata: Read<KeyMetadata>,
    pub rotation: Read<Rotation>,
    pub tags: Read<BTreeMap<String, String>>,
    /// `EnableKey`, `DisableKey`, `CreateKey` and `CancelKeyDeletion` calls in
    /// CloudTrail's event history (the last 90 days).
    pub history: Read<CallHistory>,
}

/// The parts read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Metadata,
    Rotation,
    Tags,
    History,
}

/// The calls [`Facet::History`] looks for.
pub const HISTORY_EVENTS: &[&str] = &["EnableKey", "DisableKey", "CreateKey", "CancelKeyDeletion"];

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Metadata, Facet::Rotation, Facet::Tags, Facet::History];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Metadata => &["kms:DescribeKey"],
            Facet::Rotation => &["kms:GetKeyRotationStatus"],
            Facet::Tags => &["kms:ListResourceTags"],
            Facet::History => &["cloudtrail:LookupEvents"],
        }
    }
}

impl Snapshot {
    pub fn empty(r: &ResourceRef, as_of: DateTime<Utc>) -> Self {
        Snapshot {
            id: r.id.clone(),
            account: r.account.clone(),
            region: r.region.clone(),
            as_of,
            metadata: Read::NotRead,
            rotation: Read::NotRead,
            tags: Read::NotRead,
            history: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Metadata => self.metadata.is_read(),
            Facet::Rotation => self.rotation.is_read(),
            Facet::Tags => self.tags.is_read(),
            Facet::History => self.history.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Metadata => self.metadata = from.metadata.clone(),
            Facet::Rotation => self.rotation = from.rotation.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
            Facet::History => self.history = from.history.clone(),
        }
    }
}

/// The KMS calls that name a key the rules judge.
pub const CLOUDTRAIL_EVENTS: &[&str] = &[
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "DisableKeyRotation",
    "EnableKeyRotation",
    "DisableKey",
    "EnableKey",
];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::KmsKey,
    config_types: &["AWS::KMS::Key"],
    account_level: false,
    list_permissions: &["kms:ListKeys"],
    services: &[Service::Kms, Service::CloudTrail],
    facets: &[
        super::Facet::KmsKey(Facet::Metadata),
        super::Facet::KmsKey(Facet::Rotation),
        super::Facet::KmsKey(Facet::Tags),
        super::Facet::KmsKey(Facet::History),
    ],
    tags: Some(super::Facet::KmsKey(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:kms:{}:{}:key/{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding,
};

/// The key a KMS call names: `keyId` is a key id or a key ARN (these calls take no alias).
pub fn key_id(key: &str) -> (&str, Option<&str>) {
    match key.strip_prefix("arn:") {
        Some(_) => (
            key.rsplit_once(":key/").map_or(key, |(_, id)| id),
            key.split(':').nth(4).filter(|a| !a.is_empty()),
        ),
        None => (key, None),
    }
}

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "kms.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    match call.param("keyId") {
        Some(k) => {
            let (id, account) = key_id(k);
            Ok(vec![ResourceRef::of(
                ResourceKind::KmsKey,
                id,
                account.unwrap_or(call.account),
                call.region,
            )])
        }
        None if call.error_code.is_some() => Ok(vec![]),
        None => Err(EventError::Missing {
            field: "requestParameters.keyId",
            context: "KMS CloudTrail event",
        }),
    }
}

kind_actions!(
    KmsKey;
    EnableKeyRotation,
    DisableKeyRotation,
    CancelKeyDeletion,
    ScheduleKeyDeletion,
);

/// Turn a key's automatic rotation on, with the period the key reports (KMS's
/// default, 365 days, when it reports none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnableKeyRotation {
    pub key_id: String,
    pub period_days: Option<u32>,
}

impl ActionSpec for EnableKeyRotation {
    type Kind = KmsKey;
    const NAME: &'static str = "EnableKeyRotation";
    const PERMISSIONS: &'static [&'static str] = &["kms:EnableKeyRotation"];
    const WRITES: Facet = Facet::Rotation;
    const UNDO: Undo = Undo::By(&[DisableKeyRotation::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!(
            "turn automatic rotation on for KMS key {}{}",
            self.key_id,
            self.period_days
                .map(|d| format!(", every {d} days as its owner set"))
                .unwrap_or_default()
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DisableKeyRotation {
                key_id: self.key_id.clone(),
                period_days: self.period_days,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.rotation.get()?.enabled)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(r) = s.rotation.get_mut() {
            r.enabled = true;
        }
    }
}

/// Turn a key's automatic rotation off (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisableKeyRotation {
    pub key_id: String,
    pub period_days: Option<u32>,
}

impl ActionSpec for DisableKeyRotation {
    type Kind = KmsKey;
    const NAME: &'static str = "DisableKeyRotation";
    const PERMISSIONS: &'static [&'static str] = &["kms:DisableKeyRotation"];
    const WRITES: Facet = Facet::Rotation;
    const UNDO: Undo = Undo::By(&[EnableKeyRotation::INFO]);

    fn describe(&self) -> String {
        format!("turn automatic rotation off for KMS key {}", self.key_id)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            EnableKeyRotation {
                key_id: self.key_id.clone(),
                period_days: self.period_days,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(!s.rotation.get()?.enabled)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(r) = s.rotation.get_mut() {
            r.enabled = false;
        }
    }
}

/// Cancel a key's scheduled deletion, and put it back to the state it had before:
/// `CancelKeyDeletion` leaves a key disabled, so it is enabled again when it was
/// enabled before the deletion was scheduled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelKeyDeletion {
    pub key_id: String,
    /// The waiting period the deletion had, kept for the undo (7 to 30 days).
    pub window_days: u32,
    /// Enable the key after cancelling (it was enabled before).
    pub reenable: bool,
}

impl CancelKeyDeletion {
    fn state(&self) -> &'static str {
        if self.reenable {
            KeyMetadata::ENABLED
        } else {
            KeyMetadata::DISABLED
        }
    }
}

impl ActionSpec for CancelKeyDeletion {
    type Kind = KmsKey;
    const NAME: &'static str = "CancelKeyDeletion";
    const PERMISSIONS: &'static [&'static str] = &["kms:CancelKeyDeletion", "kms:EnableKey"];
    const WRITES: Facet = Facet::Metadata;
    const UNDO: Undo = Undo::By(&[ScheduleKeyDeletion::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!(
            "cancel the scheduled deletion of KMS key {} and leave it {}",
            self.key_id,
            if self.reenable {
                "enabled, as it was"
            } else {
                "disabled, as it was"
            }
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            ScheduleKeyDeletion {
                key_id: self.key_id.clone(),
                window_days: self.window_days,
                reenable: self.reenable,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.metadata.get()?.state == self.state())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        let state = self.state();
        if let Some(m) = s.metadata.get_mut() {
            m.state = state.into();
            m.deletion_date = None;
        }
    }
}

/// Schedule a key's deletion again, with the waiting period it had (only as the undo
/// of [`CancelKeyDeletion`]). The new deletion date is counted from the undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleKeyDeletion {
    pub key_id: String,
    pub window_days: u32,
    /// Whether the cancel it undoes re-enabled the key (its own undo does again).
    pub reenable: bool,
}

impl ActionSpec for ScheduleKeyDeletion {
    type Kind = KmsKey;
    const NAME: &'static str = "ScheduleKeyDeletion";
    const PERMISSIONS: &'static [&'static str] = &["kms:ScheduleKeyDeletion"];
    const WRITES: Facet = Facet::Metadata;
    const UNDO: Undo = Undo::By(&[CancelKeyDeletion::INFO]);

    fn describe(&self) -> String {
        format!(
            "schedule the deletion of KMS key {} again, with its {}-day waiting period counted from now",
            self.key_id, self.window_days
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            CancelKeyDeletion {
                key_id: self.key_id.clone(),
                window_days: self.window_days,
                reenable: self.reenable,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.metadata.get()?.state == KeyMetadata::PENDING_DELETION)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        let date = s.as_of + chrono::Duration::days(i64::from(self.window_days));
        if let Some(m) = s.metadata.get_mut() {
            m.state = KeyMetadata::PENDING_DELETION.into();
            m.deletion_date = Some(date);
        }
    }
}

/// A Security Hub finding's `AwsKmsKey` resource, by its ARN.
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    super::finding_by_arn(r, "AwsKmsKey", ResourceKind::KmsKey, "key/", false)
}
