//! Security Hub in one region: whether the account is subscribed (its hub), and what
//! CloudTrail's event history says about it being disabled there (an account without
//! a hub either never enabled it or disabled it).
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::history::CallHistory;
use crate::notice::Severity;

/// The kind's marker type (see [`super::Kind`]).
pub struct SecurityHub;

/// The region's hub, as `DescribeHub` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hub {
    pub arn: String,
    pub subscribed_at: Option<String>,
}

/// Fresh state of Security Hub in a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub account: String,
    pub region: String,
    /// When it was read (a weekly notice is counted from it).
    pub as_of: chrono::DateTime<chrono::Utc>,
    /// `None` inside `Read::Value`: the account is not subscribed in this region.
    pub hub: Read<Option<Hub>>,
    /// `DisableSecurityHub` calls in CloudTrail's event history (the last 90 days).
    pub history: Read<CallHistory>,
}

/// The parts read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Hub,
    History,
}

/// The calls [`Facet::History`] looks for.
pub const HISTORY_EVENTS: &[&str] = &["DisableSecurityHub"];

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Hub, Facet::History];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Hub => &["securityhub:DescribeHub"],
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
            hub: Read::NotRead,
            history: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Hub => self.hub.is_read(),
            Facet::History => self.history.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Hub => self.hub = from.hub.clone(),
            Facet::History => self.history = from.history.clone(),
        }
    }
}

/// The Security Hub calls that turn it off.
pub const CLOUDTRAIL_EVENTS: &[&str] = &["DisableSecurityHub"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::SecurityHub,
    config_types: &["AWS::::Account"],
    account_level: true,
    list_permissions: &[],
    services: &[Service::SecurityHub, Service::CloudTrail],
    facets: &[
        super::Facet::SecurityHub(Facet::Hub),
        super::Facet::SecurityHub(Facet::History),
    ],
    tags: None,
    actions: Action::ALL,
    arn: |r| format!("arn:aws:securityhub:{}:{}:hub/default", r.region, r.account),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "securityhub.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    Ok(vec![ResourceRef::of(
        ResourceKind::SecurityHub,
        "",
        call.account,
        call.region,
    )])
}

kind_actions!(SecurityHub; EnableSecurityHub, DisableSecurityHub);

/// Subscribe the account to Security Hub again in a region (`EnableSecurityHub`,
/// with its default standards: the standards enabled before can't be read back once
/// it is disabled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnableSecurityHub {
    pub region: String,
}

/// The ARN a simulated hub gets.
fn hub_arn(s: &Snapshot) -> String {
    format!("arn:aws:securityhub:{}:{}:hub/default", s.region, s.account)
}

impl ActionSpec for EnableSecurityHub {
    type Kind = SecurityHub;
    const NAME: &'static str = "EnableSecurityHub";
    const PERMISSIONS: &'static [&'static str] = &["securityhub:EnableSecurityHub"];
    const WRITES: Facet = Facet::Hub;
    const UNDO: Undo = Undo::By(&[DisableSecurityHub::INFO]);
    const SEVERITY: Severity = Severity::High;

    fn describe(&self) -> String {
        format!(
            "enable Security Hub in {} again, with its default standards (others enabled before must be enabled again by hand)",
            self.region
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DisableSecurityHub {
                region: self.region.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.hub.get()?.is_some())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if s.hub.get().is_some_and(Option::is_none) {
            let arn = hub_arn(s);
            s.hub = Read::Value(Some(Hub {
                arn,
                subscribed_at: None,
            }));
        }
    }
}

/// Disable Security Hub in a region (only as the undo of [`EnableSecurityHub`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisableSecurityHub {
    pub region: String,
}

impl ActionSpec for DisableSecurityHub {
    type Kind = SecurityHub;
    const NAME: &'static str = "DisableSecurityHub";
    const PERMISSIONS: &'static [&'static str] = &["securityhub:DisableSecurityHub"];
    const WRITES: Facet = Facet::Hub;
    const UNDO: Undo = Undo::By(&[EnableSecurityHub::INFO]);

    fn describe(&self) -> String {
        format!("disable Security Hub in {}", self.region)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            EnableSecurityHub {
                region: self.region.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.hub.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if s.hub.is_read() {
            s.hub = Read::Value(None);
        }
    }
}
