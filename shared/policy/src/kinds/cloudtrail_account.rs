//! The account's trails, seen from one region: one account-level resource, because
//! "at least one multi-region trail logs every management event" is a judgement on
//! all of them together. Each action names the trail it changes and that trail's
//! home region (where every change to a trail is made).
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::cloudtrail::{Selectors, Trail, TrailKey};
use crate::error::EventError;
use crate::notice::Severity;

/// The kind's marker type (see [`super::Kind`]).
pub struct CloudTrailAccount;

/// Every trail the region shows (its own, other regions' multi-region trails, an
/// organization's trail), with its status and selectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub account: String,
    pub region: String,
    pub trails: Read<Vec<Trail>>,
    /// The key a created trail is encrypted with (`TrailKmsKeyArn`, or the stack's);
    /// `None` inside `Read::Value`: no key is configured.
    pub trail_key: Read<Option<TrailKey>>,
}

/// The parts read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Trails,
    TrailKey,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Trails, Facet::TrailKey];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Trails => &[
                "cloudtrail:DescribeTrails",
                "cloudtrail:GetTrailStatus",
                "cloudtrail:GetEventSelectors",
            ],
            Facet::TrailKey => &["kms:DescribeKey", "kms:GetKeyPolicy"],
        }
    }
}

impl Snapshot {
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            account: r.account.clone(),
            region: r.region.clone(),
            trails: Read::NotRead,
            trail_key: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Trails => self.trails.is_read(),
            Facet::TrailKey => self.trail_key.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Trails => self.trails = from.trails.clone(),
            Facet::TrailKey => self.trail_key = from.trail_key.clone(),
        }
    }
    /// The trail of that name homed in that region, if the snapshot shows it.
    pub fn trail(&self, name: &str, home_region: &str) -> Option<&Trail> {
        self.trails
            .get()?
            .iter()
            .find(|t| t.name == name && t.home_region == home_region)
    }
    fn trail_mut(&mut self, name: &str, home_region: &str) -> Option<&mut Trail> {
        self.trails
            .get_mut()?
            .iter_mut()
            .find(|t| t.name == name && t.home_region == home_region)
    }
}

/// The CloudTrail calls that can leave the account without a qualifying trail.
pub const CLOUDTRAIL_EVENTS: &[&str] = &[
    "CreateTrail",
    "StopLogging",
    "StartLogging",
    "DeleteTrail",
    "UpdateTrail",
    "PutEventSelectors",
];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::CloudTrailAccount,
    config_types: &["AWS::::Account"],
    account_level: true,
    list_permissions: &[],
    services: &[Service::CloudTrail, Service::Kms],
    facets: &[
        super::Facet::CloudTrailAccount(Facet::Trails),
        super::Facet::CloudTrailAccount(Facet::TrailKey),
    ],
    tags: None,
    actions: Action::ALL,
    arn: |r| format!("arn:aws:cloudtrail:{}:{}:trails", r.region, r.account),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "cloudtrail.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    Ok(vec![ResourceRef::of(
        ResourceKind::CloudTrailAccount,
        "",
        call.account,
        call.region,
    )])
}

kind_actions!(
    CloudTrailAccount;
    StartLogging,
    StopLogging,
    SetTrailMultiRegion,
    PutEventSelectors,
    CreateTrail,
    DeleteTrail,
);

/// Start a trail's logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartLogging {
    pub trail: String,
    pub home_region: String,
}

impl ActionSpec for StartLogging {
    type Kind = CloudTrailAccount;
    const NAME: &'static str = "StartLogging";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:StartLogging"];
    const WRITES: Facet = Facet::Trails;
    const UNDO: Undo = Undo::By(&[StopLogging::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!("start logging on trail {} ({})", self.trail, self.home_region)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            StopLogging {
                trail: self.trail.clone(),
                home_region: self.home_region.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.trails.get()?;
        Some(s.trail(&self.trail, &self.home_region).is_some_and(|t| t.logging))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(t) = s.trail_mut(&self.trail, &self.home_region) {
            t.logging = true;
        }
    }
}

/// Stop a trail's logging (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopLogging {
    pub trail: String,
    pub home_region: String,
}

impl ActionSpec for StopLogging {
    type Kind = CloudTrailAccount;
    const NAME: &'static str = "StopLogging";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:StopLogging"];
    const WRITES: Facet = Facet::Trails;
    const UNDO: Undo = Undo::By(&[StartLogging::INFO]);

    fn describe(&self) -> String {
        format!("stop logging on trail {} ({})", self.trail, self.home_region)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            StartLogging {
                trail: self.trail.clone(),
                home_region: self.home_region.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.trails.get()?;
        // A trail that is gone logs nothing either (the undo of a created trail stops
        // and then deletes it).
        Some(!s.trail(&self.trail, &self.home_region).is_some_and(|t| t.logging))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(t) = s.trail_mut(&self.trail, &self.home_region) {
            t.logging = false;
        }
    }
}

/// Make a trail log in every region (`UpdateTrail IsMultiRegionTrail`, with the
/// global service events a multi-region trail must include), or set both back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetTrailMultiRegion {
    pub trail: String,
    pub home_region: String,
    pub multi_region: bool,
    pub global_events: bool,
    /// (multi-region, global events) before.
    pub previous: (bool, bool),
}

impl ActionSpec for SetTrailMultiRegion {
    type Kind = CloudTrailAccount;
    const NAME: &'static str = "SetTrailMultiRegion";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:UpdateTrail"];
    const WRITES: Facet = Facet::Trails;
    const UNDO: Undo = Undo::By(&[SetTrailMultiRegion::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        if self.multi_region {
            format!(
                "make trail {} ({}) log in every region, with global service events",
                self.trail, self.home_region
            )
        } else {
            format!(
                "set trail {} ({}) back to one region (global service events {})",
                self.trail,
                self.home_region,
                if self.global_events { "on" } else { "off" }
            )
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(
            SetTrailMultiRegion {
                trail: self.trail.clone(),
                home_region: self.home_region.clone(),
                multi_region: self.previous.0,
                global_events: self.previous.1,
                previous: (self.multi_region, self.global_events),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.trails.get()?;
        Some(
            s.trail(&self.trail, &self.home_region)
                .is_some_and(|t| t.multi_region == self.multi_region && t.global_events == self.global_events),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(t) = s.trail_mut(&self.trail, &self.home_region) {
            t.multi_region = self.multi_region;
            t.global_events = self.global_events;
        }
    }
}

/// Replace a trail's event selectors (basic or advanced), keeping what they replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutEventSelectors {
    pub trail: String,
    pub home_region: String,
    pub selectors: Selectors,
    pub previous: Selectors,
}

impl ActionSpec for PutEventSelectors {
    type Kind = CloudTrailAccount;
    const NAME: &'static str = "PutEventSelectors";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:PutEventSelectors"];
    const WRITES: Facet = Facet::Trails;
    const UNDO: Undo = Undo::By(&[PutEventSelectors::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        if self.selectors.all_management_events() && !self.previous.all_management_events() {
            format!(
                "log every management event (read and write) on trail {} ({}), keeping its other selectors",
                self.trail, self.home_region
            )
        } else {
            format!(
                "restore the event selectors of trail {} ({})",
                self.trail, self.home_region
            )
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutEventSelectors {
                trail: self.trail.clone(),
                home_region: self.home_region.clone(),
                selectors: self.previous.clone(),
                previous: self.selectors.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.trails.get()?;
        Some(
            s.trail(&self.trail, &self.home_region)
                .is_some_and(|t| t.selectors.as_ref() == Some(&self.selectors)),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(t) = s.trail_mut(&self.trail, &self.home_region) {
            t.selectors = Some(self.selectors.clone());
        }
    }
}

/// Create the stack's trail: multi-region, global service events, log file
/// validation, encrypted with the trail key when there is one. (Logging is started
/// by a [`StartLogging`] after it.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateTrail {
    pub trail: String,
    pub home_region: String,
    pub bucket: String,
    pub kms_key: Option<String>,
}

impl CreateTrail {
    fn as_trail(&self, account: &str) -> Trail {
        Trail {
            name: self.trail.clone(),
            arn: format!("arn:aws:cloudtrail:{}:{account}:trail/{}", self.home_region, self.trail),
            home_region: self.home_region.clone(),
            multi_region: true,
            global_events: true,
            organization: false,
            validation: true,
            kms_key: self.kms_key.clone(),
            bucket: self.bucket.clone(),
            log_group_arn: None,
            logs_role_arn: None,
            logging: false,
            selectors: Some(Selectors::default()),
        }
    }
}

impl ActionSpec for CreateTrail {
    type Kind = CloudTrailAccount;
    const NAME: &'static str = "CreateTrail";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:CreateTrail"];
    const WRITES: Facet = Facet::Trails;
    const UNDO: Undo = Undo::By(&[DeleteTrail::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!(
            "create trail {} in {}: every region, every management event, log file validation, logs to bucket {}{}",
            self.trail,
            self.home_region,
            self.bucket,
            self.kms_key
                .as_ref()
                .map(|k| format!(", encrypted with {k}"))
                .unwrap_or_default()
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DeleteTrail {
                trail: self.trail.clone(),
                home_region: self.home_region.clone(),
                bucket: self.bucket.clone(),
                kms_key: self.kms_key.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.trails.get()?;
        Some(
            s.trail(&self.trail, &self.home_region)
                .is_some_and(|t| t.owner() == s.account),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        let t = self.as_trail(&s.account);
        if let Some(trails) = s.trails.get_mut()
            && !trails
                .iter()
                .any(|x| x.name == self.trail && x.home_region == self.home_region)
        {
            trails.push(t);
        }
    }
}

/// Delete a trail hipaa-autofix created (only as the undo of [`CreateTrail`]). The
/// logs it delivered stay in their bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteTrail {
    pub trail: String,
    pub home_region: String,
    pub bucket: String,
    pub kms_key: Option<String>,
}

impl ActionSpec for DeleteTrail {
    type Kind = CloudTrailAccount;
    const NAME: &'static str = "DeleteTrail";
    const PERMISSIONS: &'static [&'static str] = &["cloudtrail:DeleteTrail"];
    const WRITES: Facet = Facet::Trails;
    const UNDO: Undo = Undo::By(&[CreateTrail::INFO]);

    fn describe(&self) -> String {
        format!(
            "delete trail {} ({}), which hipaa-autofix created; the logs it delivered stay in bucket {}",
            self.trail, self.home_region, self.bucket
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            CreateTrail {
                trail: self.trail.clone(),
                home_region: self.home_region.clone(),
                bucket: self.bucket.clone(),
                kms_key: self.kms_key.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.trails.get()?;
        Some(s.trail(&self.trail, &self.home_region).is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(trails) = s.trails.get_mut() {
            trails.retain(|t| !(t.name == self.trail && t.home_region == self.home_region));
        }
    }
}
