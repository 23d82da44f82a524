//! A manual RDS DB snapshot or DB cluster snapshot: who may restore it (the
//! `restore` attribute: `all` makes it public, and named accounts), and its tags.
//!
//! The id is the resource part of the snapshot's ARN, which says which of the two
//! it is: `snapshot:<name>` (a DB snapshot) or `cluster-snapshot:<name>`.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct RdsSnapshot;

/// Which of the two kinds of RDS snapshot an id names, and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotId<'a> {
    Db(&'a str),
    Cluster(&'a str),
}

impl<'a> SnapshotId<'a> {
    /// Parse a resource id (`snapshot:<name>` or `cluster-snapshot:<name>`).
    pub fn parse(id: &'a str) -> Option<Self> {
        if let Some(n) = id.strip_prefix("cluster-snapshot:") {
            Some(SnapshotId::Cluster(n))
        } else {
            id.strip_prefix("snapshot:").map(SnapshotId::Db)
        }
    }
    /// The id of a DB snapshot.
    pub fn db(name: &str) -> String {
        format!("snapshot:{name}")
    }
    /// The id of a DB cluster snapshot.
    pub fn cluster(name: &str) -> String {
        format!("cluster-snapshot:{name}")
    }
}

/// The `restore` attribute, as `DescribeDB(Cluster)SnapshotAttributes` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RestoreAttribute {
    /// `all`: any AWS account may restore it.
    pub public: bool,
    /// The accounts it is shared with by id.
    pub accounts: Vec<String>,
}

/// Fresh state of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// `snapshot:<name>` or `cluster-snapshot:<name>`.
    pub id: String,
    pub restore: Read<RestoreAttribute>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// The parts of a snapshot's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Restore,
    Tags,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Restore, Facet::Tags];

    /// The IAM read actions behind the facet (one per kind of snapshot).
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Restore => &[
                "rds:DescribeDBSnapshotAttributes",
                "rds:DescribeDBClusterSnapshotAttributes",
            ],
            Facet::Tags => &["rds:ListTagsForResource"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            id: r.id.clone(),
            restore: Read::NotRead,
            tags: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Restore => self.restore.is_read(),
            Facet::Tags => self.tags.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Restore => self.restore = from.restore.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
        }
    }
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.tags.get()
    }
}

/// The CloudTrail events that share a snapshot (eventSource `rds.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &["ModifyDBSnapshotAttribute", "ModifyDBClusterSnapshotAttribute"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::RdsSnapshot,
    config_types: &["AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"],
    account_level: false,
    list_permissions: &["rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots"],
    services: &[Service::Rds],
    facets: &[
        super::Facet::RdsSnapshot(Facet::Restore),
        super::Facet::RdsSnapshot(Facet::Tags),
    ],
    tags: Some(super::Facet::RdsSnapshot(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:rds:{}:{}:{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "rds.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    let (key, id): (&'static str, fn(&str) -> String) = if call.event_name == "ModifyDBClusterSnapshotAttribute" {
        ("dBClusterSnapshotIdentifier", SnapshotId::cluster)
    } else {
        ("dBSnapshotIdentifier", SnapshotId::db)
    };
    match call.param(key) {
        // The identifier may be given as an ARN (shared snapshots): keep its name.
        Some(n) if !n.is_empty() => {
            let name = n.rsplit(':').next().unwrap_or(n);
            Ok(vec![ResourceRef::of(
                ResourceKind::RdsSnapshot,
                id(name),
                call.account,
                call.region,
            )])
        }
        _ if call.error_code.is_some() => Ok(vec![]),
        _ => Err(EventError::Missing {
            field: "requestParameters.dBSnapshotIdentifier",
            context: "RDS snapshot attribute CloudTrail event",
        }),
    }
}

kind_actions!(RdsSnapshot; RemoveRdsSnapshotPublicRestore, AddRdsSnapshotPublicRestore);

/// Remove `all` from a snapshot's `restore` attribute (named accounts stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveRdsSnapshotPublicRestore {
    pub id: String,
}

impl ActionSpec for RemoveRdsSnapshotPublicRestore {
    type Kind = RdsSnapshot;
    const NAME: &'static str = "RemoveRdsSnapshotPublicRestore";
    const PERMISSIONS: &'static [&'static str] =
        &["rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"];
    const WRITES: Facet = Facet::Restore;
    const UNDO: Undo = Undo::By(&[AddRdsSnapshotPublicRestore::INFO]);

    fn describe(&self) -> String {
        format!(
            "stop sharing RDS {} with everyone (the accounts it is shared with by id keep access)",
            self.id
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(AddRdsSnapshotPublicRestore { id: self.id.clone() }.into())
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.restore.get().map(|p| !p.public)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.restore.get_mut() {
            p.public = false;
        }
    }
}

/// Make a snapshot public again (only as an undo, and a dangerous one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddRdsSnapshotPublicRestore {
    pub id: String,
}

impl ActionSpec for AddRdsSnapshotPublicRestore {
    type Kind = RdsSnapshot;
    const NAME: &'static str = "AddRdsSnapshotPublicRestore";
    const PERMISSIONS: &'static [&'static str] =
        &["rds:ModifyDBSnapshotAttribute", "rds:ModifyDBClusterSnapshotAttribute"];
    const WRITES: Facet = Facet::Restore;
    const UNDO: Undo = Undo::By(&[RemoveRdsSnapshotPublicRestore::INFO]);

    fn describe(&self) -> String {
        format!(
            "DANGEROUS: make RDS {} public again: anyone in any AWS account can restore the database from it",
            self.id
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(RemoveRdsSnapshotPublicRestore { id: self.id.clone() }.into())
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.restore.get().map(|p| p.public)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.restore.get_mut() {
            p.public = true;
        }
    }
}

/// A Security Hub finding's `AwsRdsDbSnapshot` or `AwsRdsDbClusterSnapshot`
/// resource, by its ARN (the id keeps `snapshot:` / `cluster-snapshot:`).
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    super::finding_by_arn(r, "AwsRdsDbSnapshot", ResourceKind::RdsSnapshot, "snapshot:", true).or_else(|| {
        super::finding_by_arn(
            r,
            "AwsRdsDbClusterSnapshot",
            ResourceKind::RdsSnapshot,
            "cluster-snapshot:",
            true,
        )
    })
}
