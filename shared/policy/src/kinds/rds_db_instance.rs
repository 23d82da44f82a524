//! An RDS DB instance (an Aurora cluster's members are instances too, each handled
//! on its own): whether it is publicly accessible, its cluster, and its tags.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct RdsDbInstance;

/// What `DescribeDBInstances` says of the instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInfo {
    pub publicly_accessible: bool,
    pub engine: String,
    /// The Aurora (or Multi-AZ) cluster it belongs to.
    pub cluster: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// Fresh state of a DB instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub instance_id: String,
    pub instance: Read<InstanceInfo>,
}

/// The parts of an instance's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Instance,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Instance];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Instance => &["rds:DescribeDBInstances"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            instance_id: r.id.clone(),
            instance: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Instance => self.instance.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Instance => self.instance = from.instance.clone(),
        }
    }
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.instance.get().map(|i| &i.tags)
    }
}

/// The CloudTrail events that can make an instance public (eventSource `rds.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &[
    "CreateDBInstance",
    "ModifyDBInstance",
    "CreateDBInstanceReadReplica",
    "RestoreDBInstanceFromDBSnapshot",
    "RestoreDBInstanceToPointInTime",
];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::RdsDbInstance,
    config_types: &["AWS::RDS::DBInstance"],
    account_level: false,
    list_permissions: &["rds:DescribeDBInstances"],
    services: &[Service::Rds],
    facets: &[super::Facet::RdsDbInstance(Facet::Instance)],
    tags: Some(super::Facet::RdsDbInstance(Facet::Instance)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:rds:{}:{}:db:{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "rds.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    // A rename (`newDBInstanceIdentifier`) leaves the instance under its new name.
    let id = call
        .param("newDBInstanceIdentifier")
        .filter(|n| !n.is_empty())
        .or_else(|| call.param("dBInstanceIdentifier"))
        .or_else(|| call.param("targetDBInstanceIdentifier"));
    match id {
        Some(id) if !id.is_empty() => Ok(vec![named(id, call)]),
        _ if call.error_code.is_some() => Ok(vec![]),
        _ => Err(EventError::Missing {
            field: "requestParameters.dBInstanceIdentifier",
            context: "RDS DB instance CloudTrail event",
        }),
    }
}

kind_actions!(RdsDbInstance; ModifyDbInstancePubliclyAccessible);

/// `ModifyDBInstance PubliclyAccessible=<value>, ApplyImmediately=true`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifyDbInstancePubliclyAccessible {
    pub instance_id: String,
    pub publicly_accessible: bool,
}

impl ActionSpec for ModifyDbInstancePubliclyAccessible {
    type Kind = RdsDbInstance;
    const NAME: &'static str = "ModifyDbInstancePubliclyAccessible";
    const PERMISSIONS: &'static [&'static str] = &["rds:ModifyDBInstance"];
    const WRITES: Facet = Facet::Instance;
    const UNDO: Undo = Undo::By(&[ModifyDbInstancePubliclyAccessible::INFO]);

    fn describe(&self) -> String {
        if self.publicly_accessible {
            format!(
                "make RDS DB instance {} publicly accessible again (reachable from the internet wherever its security groups allow)",
                self.instance_id
            )
        } else {
            format!(
                "make RDS DB instance {} not publicly accessible, immediately: clients outside its VPC lose access",
                self.instance_id
            )
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(
            ModifyDbInstancePubliclyAccessible {
                instance_id: self.instance_id.clone(),
                publicly_accessible: !self.publicly_accessible,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.instance
            .get()
            .map(|i| i.publicly_accessible == self.publicly_accessible)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(i) = s.instance.get_mut() {
            i.publicly_accessible = self.publicly_accessible;
        }
    }
}

/// The resource of this kind named `id`, in the call's account and region.
fn named(id: &str, call: &CloudTrailCall<'_>) -> ResourceRef {
    ResourceRef::of(ResourceKind::RdsDbInstance, id, call.account, call.region)
}

/// A Security Hub finding's `AwsRdsDbInstance` resource, by its ARN.
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    super::finding_by_arn(r, "AwsRdsDbInstance", ResourceKind::RdsDbInstance, "db:", false)
}
