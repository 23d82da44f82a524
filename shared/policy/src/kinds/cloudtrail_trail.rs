//! One CloudTrail trail, named by its name in its home region (where every change
//! to it is made): its settings (log file validation, encryption, CloudWatch Logs
//! delivery), its tags, and the key it is to be encrypted with.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::cloudtrail::{Trail, TrailKey, trail_name};
use crate::error::EventError;
use crate::notice::Severity;

/// The kind's marker type (see [`super::Kind`]).
pub struct CloudTrailTrail;

/// Fresh state of one trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub name: String,
    pub account: String,
    /// The trail's home region.
    pub region: String,
    pub trail: Read<Trail>,
    pub tags: Read<BTreeMap<String, String>>,
    /// The key trails are to be encrypted with (`TrailKmsKeyArn`, or the stack's);
    /// `None` inside `Read::Value`: no key is configured.
    pub trail_key: Read<Option<TrailKey>>,
}

/// The parts read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Trail,
    Tags,
    TrailKey,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Trail, Facet::Tags, Facet::TrailKey];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Trail => &[
                "cloudtrail:DescribeTrails",
                "cloudtrail:GetTrailStatus",
                "cloudtrail:GetEventSelectors",
            ],
            Facet::Tags => &["cloudtrail:ListTags"],
            Facet::TrailKey => &["kms:DescribeKey", "kms:GetKeyPolicy"],
        }
    }
}

impl Snapshot {
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            name: r.id.clone(),
            account: r.account.clone(),
            region: r.region.clone(),
            trail: Read::NotRead,
            tags: Read::NotRead,
            trail_key: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Trail => self.trail.is_read(),
            Facet::Tags => self.tags.is_read(),
            Facet::TrailKey => self.trail_key.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Trail => self.trail = from.trail.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
            Facet::TrailKey => self.trail_key = from.trail_key.clone(),
        }
    }
}

/// The CloudTrail calls that change a trail's settings.
pub const CLOUDTRAIL_EVENTS: &[&str] = &["CreateTrail", "UpdateTrail"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::CloudTrailTrail,
    config_types: &["AWS::CloudTrail::Trail"],
    account_level: false,
    list_permissions: &["cloudtrail:DescribeTrails"],
    services: &[Service::CloudTrail, Service::Kms, Service::Logs],
    facets: &[
        super::Facet::CloudTrailTrail(Facet::Trail),
        super::Facet::CloudTrailTrail(Facet::Tags),
        super::Facet::CloudTrailTrail(Facet::TrailKey),
    ],
    tags: Some(super::Facet::CloudTrailTrail(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:cloudtrail:{}:{}:trail/{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding,
};

/// `CreateTrail` and `UpdateTrail` name the trail in `name` (a name or an ARN), and
/// are made in its home region.
fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "cloudtrail.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    match call.param("name") {
        Some(n) => {
            let (name, account) = trail_name(n);
            Ok(vec![ResourceRef::of(
                ResourceKind::CloudTrailTrail,
                name,
                account.unwrap_or(call.account),
                call.region,
            )])
        }
        None if call.error_code.is_some() => Ok(vec![]),
        None => Err(EventError::Missing {
            field: "requestParameters.name",
            context: "CloudTrail trail event",
        }),
    }
}

kind_actions!(CloudTrailTrail; SetLogFileValidation, SetTrailKmsKey, SetTrailCloudWatchLogs);

/// Turn a trail's log file validation on (or, as an undo, off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetLogFileValidation {
    pub trail: String,
    pub on: bool,
}

impl ActionSpec for SetLogFileValidation {
    type Kind = CloudTrailTrail;
    const NAME: &'static str = "SetLogFileValidation";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:UpdateTrail"];
    const WRITES: Facet = Facet::Trail;
    const UNDO: Undo = Undo::By(&[SetLogFileValidation::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!(
            "turn log file validation {} on trail {}",
            if self.on { "on" } else { "off" },
            self.trail
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            SetLogFileValidation {
                trail: self.trail.clone(),
                on: !self.on,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.trail.get()?.validation == self.on)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(t) = s.trail.get_mut() {
            t.validation = self.on;
        }
    }
}

/// Encrypt a trail's logs with a KMS key (`UpdateTrail KmsKeyId`), or, as an undo,
/// put back the key (or the S3-managed encryption) it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetTrailKmsKey {
    pub trail: String,
    pub key: Option<String>,
    pub previous: Option<String>,
}

impl ActionSpec for SetTrailKmsKey {
    type Kind = CloudTrailTrail;
    const NAME: &'static str = "SetTrailKmsKey";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:UpdateTrail"];
    const WRITES: Facet = Facet::Trail;
    const UNDO: Undo = Undo::By(&[SetTrailKmsKey::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        match &self.key {
            Some(k) => format!("encrypt the logs of trail {} with KMS key {k}", self.trail),
            None => format!("put trail {} back on S3-managed encryption (no KMS key)", self.trail),
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(
            SetTrailKmsKey {
                trail: self.trail.clone(),
                key: self.previous.clone(),
                previous: self.key.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.trail.get()?.kms_key == self.key)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(t) = s.trail.get_mut() {
            t.kms_key = self.key.clone();
        }
    }
}

/// Where a trail delivers to CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogDelivery {
    /// The log group's ARN as CloudTrail takes it (`arn:aws:logs:...:log-group:NAME:*`).
    pub log_group_arn: String,
    /// The role CloudTrail assumes to write to it.
    pub role_arn: String,
}

/// A log group to create (when missing) before the trail delivers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLogGroup {
    pub name: String,
    pub retention_days: u32,
}

/// Deliver a trail's events to CloudWatch Logs (`UpdateTrail
/// CloudWatchLogsLogGroupArn` and `CloudWatchLogsRoleArn`), creating the log group
/// first when it is missing; or, as an undo, put back the delivery it had. A log
/// group it created stays (with the events it received) when undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetTrailCloudWatchLogs {
    pub trail: String,
    pub delivery: Option<LogDelivery>,
    /// Created with this retention if it doesn't exist (never on an undo).
    pub create_group: Option<NewLogGroup>,
    pub previous: Option<LogDelivery>,
}

impl ActionSpec for SetTrailCloudWatchLogs {
    type Kind = CloudTrailTrail;
    const NAME: &'static str = "SetTrailCloudWatchLogs";
    const PERMISSIONS: &'static [&'static str] = &[
        "cloudtrail:UpdateTrail",
        "iam:PassRole",
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
    ];
    const WRITES: Facet = Facet::Trail;
    const UNDO: Undo = Undo::By(&[SetTrailCloudWatchLogs::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        match &self.delivery {
            Some(d) => format!(
                "deliver the events of trail {} to CloudWatch Logs group {}{} (role {})",
                self.trail,
                d.log_group_arn.trim_end_matches(":*"),
                self.create_group
                    .as_ref()
                    .map(|g| format!(", created if missing with {} days' retention", g.retention_days))
                    .unwrap_or_default(),
                d.role_arn
            ),
            None => format!(
                "stop delivering the events of trail {} to CloudWatch Logs (a log group created for it stays, with what it received)",
                self.trail
            ),
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(
            SetTrailCloudWatchLogs {
                trail: self.trail.clone(),
                delivery: self.previous.clone(),
                create_group: None,
                previous: self.delivery.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let t = s.trail.get()?;
        Some(match &self.delivery {
            Some(d) => {
                t.log_group_arn.as_deref() == Some(d.log_group_arn.as_str())
                    && t.logs_role_arn.as_deref() == Some(d.role_arn.as_str())
            }
            None => t.log_group_arn.is_none(),
        })
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(t) = s.trail.get_mut() {
            t.log_group_arn = self.delivery.as_ref().map(|d| d.log_group_arn.clone());
            t.logs_role_arn = self.delivery.as_ref().map(|d| d.role_arn.clone());
        }
    }
}

/// A Security Hub finding's `AwsCloudTrailTrail` resource, by its ARN.
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    super::finding_by_arn(r, "AwsCloudTrailTrail", ResourceKind::CloudTrailTrail, "trail/", false)
}
