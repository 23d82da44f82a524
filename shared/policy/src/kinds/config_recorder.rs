//! The AWS Config configuration recorder of one region, and its delivery channels:
//! one account-level resource per region. What keeps every Config-triggered rule
//! (and Config's own history) alive.
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::notice::Severity;

/// The kind's marker type (see [`super::Kind`]).
pub struct ConfigRecorder;

/// A configuration recorder and its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorder {
    pub name: String,
    pub recording: bool,
    /// The last recording attempt's status (`SUCCESS`, `FAILURE`, `PENDING`), if any.
    pub last_status: Option<String>,
    pub last_error: Option<String>,
}

/// A delivery channel and the status of its last configuration-history delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryChannel {
    pub name: String,
    pub bucket: Option<String>,
    /// `SUCCESS`, `FAILURE` or `NOT_APPLICABLE`, when known.
    pub last_delivery: Option<String>,
    pub last_error: Option<String>,
}

/// Fresh state of the region's recorder and channels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub account: String,
    pub region: String,
    pub recorders: Read<Vec<Recorder>>,
    pub channels: Read<Vec<DeliveryChannel>>,
}

/// The parts read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Recorders,
    Channels,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Recorders, Facet::Channels];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Recorders => &[
                "config:DescribeConfigurationRecorders",
                "config:DescribeConfigurationRecorderStatus",
            ],
            Facet::Channels => &[
                "config:DescribeDeliveryChannels",
                "config:DescribeDeliveryChannelStatus",
            ],
        }
    }
}

impl Snapshot {
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            account: r.account.clone(),
            region: r.region.clone(),
            recorders: Read::NotRead,
            channels: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Recorders => self.recorders.is_read(),
            Facet::Channels => self.channels.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Recorders => self.recorders = from.recorders.clone(),
            Facet::Channels => self.channels = from.channels.clone(),
        }
    }
    fn set_recording(&mut self, name: &str, on: bool) {
        for r in self.recorders.get_mut().into_iter().flatten() {
            if r.name == name {
                r.recording = on;
            }
        }
    }
}

/// The Config calls that can stop the recording.
pub const CLOUDTRAIL_EVENTS: &[&str] = &[
    "StopConfigurationRecorder",
    "DeleteConfigurationRecorder",
    "DeleteDeliveryChannel",
    "PutConfigurationRecorder",
];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::ConfigRecorder,
    config_types: &["AWS::::Account"],
    account_level: true,
    list_permissions: &[],
    services: &[Service::Config],
    facets: &[
        super::Facet::ConfigRecorder(Facet::Recorders),
        super::Facet::ConfigRecorder(Facet::Channels),
    ],
    tags: None,
    actions: Action::ALL,
    arn: |r| format!("arn:aws:config:{}:{}:configuration-recorder", r.region, r.account),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "config.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    Ok(vec![ResourceRef::of(
        ResourceKind::ConfigRecorder,
        "",
        call.account,
        call.region,
    )])
}

kind_actions!(ConfigRecorder; StartConfigurationRecorder, StopConfigurationRecorder);

/// Start a configuration recorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartConfigurationRecorder {
    pub recorder: String,
}

impl ActionSpec for StartConfigurationRecorder {
    type Kind = ConfigRecorder;
    const NAME: &'static str = "StartConfigurationRecorder";
    const PERMISSIONS: &'static [&'static str] = &["config:StartConfigurationRecorder"];
    const WRITES: Facet = Facet::Recorders;
    const UNDO: Undo = Undo::By(&[StopConfigurationRecorder::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!("start the AWS Config configuration recorder {}", self.recorder)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            StopConfigurationRecorder {
                recorder: self.recorder.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(
            s.recorders
                .get()?
                .iter()
                .any(|r| r.name == self.recorder && r.recording),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.set_recording(&self.recorder, true);
    }
}

/// Stop a configuration recorder (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopConfigurationRecorder {
    pub recorder: String,
}

impl ActionSpec for StopConfigurationRecorder {
    type Kind = ConfigRecorder;
    const NAME: &'static str = "StopConfigurationRecorder";
    const PERMISSIONS: &'static [&'static str] = &["config:StopConfigurationRecorder"];
    const WRITES: Facet = Facet::Recorders;
    const UNDO: Undo = Undo::By(&[StartConfigurationRecorder::INFO]);

    fn describe(&self) -> String {
        format!("stop the AWS Config configuration recorder {}", self.recorder)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            StartConfigurationRecorder {
                recorder: self.recorder.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(
            s.recorders
                .get()?
                .iter()
                .any(|r| r.name == self.recorder && !r.recording),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.set_recording(&self.recorder, false);
    }
}
