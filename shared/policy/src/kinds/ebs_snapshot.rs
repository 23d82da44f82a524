//! An EBS snapshot the account owns: who may create volumes from it
//! (`createVolumePermission`: the `all` group makes it public, and named accounts),
//! and its tags.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct EbsSnapshot;

/// `createVolumePermission`, as `DescribeSnapshotAttribute` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VolumePermissions {
    /// The `all` group: anyone may create a volume from the snapshot.
    pub public: bool,
    /// The accounts it is shared with by id.
    pub accounts: Vec<String>,
}

/// Fresh state of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub snapshot_id: String,
    pub permissions: Read<VolumePermissions>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// The parts of a snapshot's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    VolumePermissions,
    Tags,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::VolumePermissions, Facet::Tags];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::VolumePermissions => &["ec2:DescribeSnapshotAttribute"],
            Facet::Tags => &["ec2:DescribeSnapshots"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            snapshot_id: r.id.clone(),
            permissions: Read::NotRead,
            tags: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::VolumePermissions => self.permissions.is_read(),
            Facet::Tags => self.tags.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::VolumePermissions => self.permissions = from.permissions.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
        }
    }
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.tags.get()
    }
}

/// The CloudTrail event that shares a snapshot (eventSource `ec2.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &["ModifySnapshotAttribute"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::EbsSnapshot,
    config_types: &["AWS::EC2::Snapshot"],
    account_level: false,
    list_permissions: &["ec2:DescribeSnapshots"],
    services: &[Service::Ec2],
    facets: &[
        super::Facet::EbsSnapshot(Facet::VolumePermissions),
        super::Facet::EbsSnapshot(Facet::Tags),
    ],
    tags: Some(super::Facet::EbsSnapshot(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:ec2:{}::snapshot/{}", r.region, r.id),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "ec2.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    match call.param("snapshotId") {
        Some(id) if !id.is_empty() => Ok(vec![named(id, call)]),
        _ if call.error_code.is_some() => Ok(vec![]),
        _ => Err(EventError::Missing {
            field: "requestParameters.snapshotId",
            context: "ModifySnapshotAttribute CloudTrail event",
        }),
    }
}

kind_actions!(EbsSnapshot; RemoveSnapshotPublicVolumePermission, AddSnapshotPublicVolumePermission);

/// Remove the `all` group from a snapshot's `createVolumePermission` (named accounts stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveSnapshotPublicVolumePermission {
    pub snapshot_id: String,
}

impl ActionSpec for RemoveSnapshotPublicVolumePermission {
    type Kind = EbsSnapshot;
    const NAME: &'static str = "RemoveSnapshotPublicVolumePermission";
    const PERMISSIONS: &'static [&'static str] = &["ec2:ModifySnapshotAttribute"];
    const WRITES: Facet = Facet::VolumePermissions;
    const UNDO: Undo = Undo::By(&[AddSnapshotPublicVolumePermission::INFO]);

    fn describe(&self) -> String {
        format!(
            "stop sharing EBS snapshot {} with everyone (the accounts it is shared with by id keep access)",
            self.snapshot_id
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            AddSnapshotPublicVolumePermission {
                snapshot_id: self.snapshot_id.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.permissions.get().map(|p| !p.public)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.permissions.get_mut() {
            p.public = false;
        }
    }
}

/// Make a snapshot public again (only as an undo, and a dangerous one: anyone, in any
/// account, may then copy the volume's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSnapshotPublicVolumePermission {
    pub snapshot_id: String,
}

impl ActionSpec for AddSnapshotPublicVolumePermission {
    type Kind = EbsSnapshot;
    const NAME: &'static str = "AddSnapshotPublicVolumePermission";
    const PERMISSIONS: &'static [&'static str] = &["ec2:ModifySnapshotAttribute"];
    const WRITES: Facet = Facet::VolumePermissions;
    const UNDO: Undo = Undo::By(&[RemoveSnapshotPublicVolumePermission::INFO]);

    fn describe(&self) -> String {
        format!(
            "DANGEROUS: make EBS snapshot {} public again: anyone in any AWS account can create a volume from it and read its data",
            self.snapshot_id
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            RemoveSnapshotPublicVolumePermission {
                snapshot_id: self.snapshot_id.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.permissions.get().map(|p| p.public)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.permissions.get_mut() {
            p.public = true;
        }
    }
}

/// The resource of this kind named `id`, in the call's account and region.
fn named(id: &str, call: &CloudTrailCall<'_>) -> ResourceRef {
    ResourceRef::of(ResourceKind::EbsSnapshot, id, call.account, call.region)
}
