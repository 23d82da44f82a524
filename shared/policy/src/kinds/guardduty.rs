//! GuardDuty in one region: its detector (at most one per account and region), and
//! what CloudTrail's event history says about detectors deleted there (an account
//! without a detector either never had one or lost it).
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::history::CallHistory;
use crate::notice::Severity;

/// The kind's marker type (see [`super::Kind`]).
pub struct GuardDuty;

/// A GuardDuty detector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detector {
    pub id: String,
    pub enabled: bool,
}

/// Fresh state of GuardDuty in a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub account: String,
    pub region: String,
    /// When it was read (a weekly notice is counted from it).
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub detectors: Read<Vec<Detector>>,
    /// `DeleteDetector` calls in CloudTrail's event history (the last 90 days).
    pub history: Read<CallHistory>,
}

/// The parts read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Detectors,
    History,
}

/// The calls [`Facet::History`] looks for.
pub const HISTORY_EVENTS: &[&str] = &["DeleteDetector"];

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Detectors, Facet::History];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Detectors => &["guardduty:ListDetectors", "guardduty:GetDetector"],
            Facet::History => &["cloudtrail:LookupEvents"],
        }
    }
}

impl Snapshot {
    pub fn empty(r: &ResourceRef, as_of: chrono::DateTime<chrono::Utc>) -> Self {
        Snapshot {
            account: r.account.clone(),
            region: r.region.clone(),
            as_of,
            detectors: Read::NotRead,
            history: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Detectors => self.detectors.is_read(),
            Facet::History => self.history.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Detectors => self.detectors = from.detectors.clone(),
            Facet::History => self.history = from.history.clone(),
        }
    }
}

/// The GuardDuty calls that turn detection off.
pub const CLOUDTRAIL_EVENTS: &[&str] = &["DeleteDetector", "UpdateDetector"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::GuardDuty,
    config_types: &["AWS::::Account"],
    account_level: true,
    list_permissions: &[],
    services: &[Service::GuardDuty, Service::CloudTrail],
    facets: &[
        super::Facet::GuardDuty(Facet::Detectors),
        super::Facet::GuardDuty(Facet::History),
    ],
    tags: None,
    actions: Action::ALL,
    arn: |r| format!("arn:aws:guardduty:{}:{}:detector", r.region, r.account),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "guardduty.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    Ok(vec![ResourceRef::of(
        ResourceKind::GuardDuty,
        "",
        call.account,
        call.region,
    )])
}

kind_actions!(GuardDuty; EnableDetector, DisableDetector, CreateDetector, DeleteDetector);

fn set_enabled(s: &mut Snapshot, id: &str, on: bool) {
    for d in s.detectors.get_mut().into_iter().flatten() {
        if d.id == id {
            d.enabled = on;
        }
    }
}

/// Turn a disabled detector back on (`UpdateDetector Enable=true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnableDetector {
    pub detector_id: String,
}

impl ActionSpec for EnableDetector {
    type Kind = GuardDuty;
    const NAME: &'static str = "EnableDetector";
    const PERMISSIONS: &'static [&'static str] = &["guardduty:UpdateDetector"];
    const WRITES: Facet = Facet::Detectors;
    const UNDO: Undo = Undo::By(&[DisableDetector::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!("turn GuardDuty detector {} back on", self.detector_id)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DisableDetector {
                detector_id: self.detector_id.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.detectors.get()?.iter().any(|d| d.id == self.detector_id && d.enabled))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        set_enabled(s, &self.detector_id, true);
    }
}

/// Turn a detector off (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisableDetector {
    pub detector_id: String,
}

impl ActionSpec for DisableDetector {
    type Kind = GuardDuty;
    const NAME: &'static str = "DisableDetector";
    const PERMISSIONS: &'static [&'static str] = &["guardduty:UpdateDetector"];
    const WRITES: Facet = Facet::Detectors;
    const UNDO: Undo = Undo::By(&[EnableDetector::INFO]);

    fn describe(&self) -> String {
        format!("turn GuardDuty detector {} off", self.detector_id)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            EnableDetector {
                detector_id: self.detector_id.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(
            s.detectors
                .get()?
                .iter()
                .any(|d| d.id == self.detector_id && !d.enabled),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        set_enabled(s, &self.detector_id, false);
    }
}

/// Create (and so enable) the region's detector again after it was deleted. Its
/// findings and settings from before the deletion are gone for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateDetector {
    pub region: String,
}

/// The id a simulated new detector gets (the real one is GuardDuty's).
pub const SIMULATED_DETECTOR_ID: &str = "created-by-hipaa-autofix";

impl ActionSpec for CreateDetector {
    type Kind = GuardDuty;
    const NAME: &'static str = "CreateDetector";
    const PERMISSIONS: &'static [&'static str] = &["guardduty:CreateDetector"];
    const WRITES: Facet = Facet::Detectors;
    const UNDO: Undo = Undo::By(&[DeleteDetector::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!(
            "create a GuardDuty detector in {} again (the deleted one's findings can't be brought back)",
            self.region
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DeleteDetector {
                region: self.region.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.detectors.get()?.iter().any(|d| d.enabled))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(d) = s.detectors.get_mut()
            && d.is_empty()
        {
            d.push(Detector {
                id: SIMULATED_DETECTOR_ID.into(),
                enabled: true,
            });
        }
    }
}

/// Delete the region's detector (only as the undo of [`CreateDetector`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteDetector {
    pub region: String,
}

impl ActionSpec for DeleteDetector {
    type Kind = GuardDuty;
    const NAME: &'static str = "DeleteDetector";
    const PERMISSIONS: &'static [&'static str] = &["guardduty:DeleteDetector"];
    const WRITES: Facet = Facet::Detectors;
    const UNDO: Undo = Undo::By(&[CreateDetector::INFO]);

    fn describe(&self) -> String {
        format!("delete the GuardDuty detector hipaa-autofix created in {}", self.region)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            CreateDetector {
                region: self.region.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.detectors.get()?.is_empty())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(d) = s.detectors.get_mut() {
            d.clear();
        }
    }
}
