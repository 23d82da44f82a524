//! A VPC: its flow logs and its tags.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct Vpc;

/// One flow log of a VPC, as `DescribeFlowLogs` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowLog {
    pub id: String,
    /// `s3`, `cloud-watch-logs` or `kinesis-data-firehose`.
    pub destination_type: String,
    /// The destination's ARN (an S3 bucket, optionally with a folder), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// `ACCEPT`, `REJECT` or `ALL`.
    pub traffic_type: String,
}

/// Fresh state of a VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub vpc_id: String,
    pub flow_logs: Read<Vec<FlowLog>>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// The parts of a VPC's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    FlowLogs,
    Tags,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::FlowLogs, Facet::Tags];

    /// The IAM read actions behind the facet. Flow logs are read after
    /// `DescribeVpcs` (`DescribeFlowLogs` of a VPC that is gone is only empty).
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::FlowLogs => &["ec2:DescribeFlowLogs", "ec2:DescribeVpcs"],
            Facet::Tags => &["ec2:DescribeVpcs"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            vpc_id: r.id.clone(),
            flow_logs: Read::NotRead,
            tags: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::FlowLogs => self.flow_logs.is_read(),
            Facet::Tags => self.tags.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::FlowLogs => self.flow_logs = from.flow_logs.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
        }
    }
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.tags.get()
    }
}

/// The CloudTrail events about a VPC's flow logs (eventSource `ec2.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &["CreateVpc", "DeleteFlowLogs"];

/// Calls that change some VPC's flow logs without naming the VPC (`DeleteFlowLogs`
/// names only flow-log ids, gone once deleted): the event sweeps the region's VPCs.
pub const REGION_SWEEP_EVENTS: &[&str] = &["DeleteFlowLogs"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::Vpc,
    config_types: &["AWS::EC2::VPC"],
    account_level: false,
    list_permissions: &["ec2:DescribeVpcs"],
    services: &[Service::Ec2],
    facets: &[super::Facet::Vpc(Facet::FlowLogs), super::Facet::Vpc(Facet::Tags)],
    tags: Some(super::Facet::Vpc(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:ec2:{}:{}:vpc/{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding,
};

/// `CreateVpc` names its VPC in `responseElements.vpc.vpcId`; `DeleteFlowLogs` names
/// none (see [`REGION_SWEEP_EVENTS`]).
fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "ec2.amazonaws.com" || call.event_name != "CreateVpc" || call.error_code.is_some() {
        return Ok(vec![]);
    }
    match call
        .response
        .and_then(|r| r.pointer("/vpc/vpcId"))
        .and_then(serde_json::Value::as_str)
    {
        Some(id) if !id.is_empty() => Ok(vec![ResourceRef::of(ResourceKind::Vpc, id, call.account, call.region)]),
        _ => Err(EventError::Missing {
            field: "responseElements.vpc.vpcId",
            context: "CreateVpc CloudTrail event",
        }),
    }
}

kind_actions!(Vpc; CreateVpcFlowLogs, DeleteVpcFlowLogs);

/// Log every packet decision of a VPC (`TrafficType ALL`) to an S3 destination: no
/// IAM role is needed, the bucket's policy lets `delivery.logs.amazonaws.com` write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateVpcFlowLogs {
    pub vpc_id: String,
    /// `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/folder`.
    pub destination: String,
}

impl ActionSpec for CreateVpcFlowLogs {
    type Kind = Vpc;
    const NAME: &'static str = "CreateVpcFlowLogs";
    // S3 delivery is set up by CloudWatch Logs on the caller's behalf.
    const PERMISSIONS: &'static [&'static str] = &[
        "ec2:CreateFlowLogs",
        "ec2:DescribeFlowLogs",
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
    ];
    const WRITES: Facet = Facet::FlowLogs;
    const UNDO: Undo = Undo::By(&[DeleteVpcFlowLogs::INFO]);

    fn describe(&self) -> String {
        format!(
            "turn on flow logs (all traffic) of VPC {} to {}",
            self.vpc_id, self.destination
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DeleteVpcFlowLogs {
                vpc_id: self.vpc_id.clone(),
                destination: self.destination.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.flow_logs
            .get()
            .map(|l| l.iter().any(|f| f.destination.as_deref() == Some(&self.destination)))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(l) = s.flow_logs.get_mut()
            && !l.iter().any(|f| f.destination.as_deref() == Some(&self.destination))
        {
            l.push(FlowLog {
                id: "fl-new".into(),
                destination_type: "s3".into(),
                destination: Some(self.destination.clone()),
                traffic_type: "ALL".into(),
            });
        }
    }
}

/// Delete the VPC's flow logs to one destination (only as the undo of
/// [`CreateVpcFlowLogs`]: the flow logs it created, found by VPC and destination).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteVpcFlowLogs {
    pub vpc_id: String,
    pub destination: String,
}

impl ActionSpec for DeleteVpcFlowLogs {
    type Kind = Vpc;
    const NAME: &'static str = "DeleteVpcFlowLogs";
    const PERMISSIONS: &'static [&'static str] =
        &["ec2:DeleteFlowLogs", "ec2:DescribeFlowLogs", "logs:DeleteLogDelivery"];
    const WRITES: Facet = Facet::FlowLogs;
    const UNDO: Undo = Undo::By(&[CreateVpcFlowLogs::INFO]);

    fn describe(&self) -> String {
        format!(
            "delete the flow logs of VPC {} to {}: its traffic is no longer recorded there",
            self.vpc_id, self.destination
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            CreateVpcFlowLogs {
                vpc_id: self.vpc_id.clone(),
                destination: self.destination.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.flow_logs
            .get()
            .map(|l| !l.iter().any(|f| f.destination.as_deref() == Some(&self.destination)))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(l) = s.flow_logs.get_mut() {
            l.retain(|f| f.destination.as_deref() != Some(&self.destination));
        }
    }
}

/// A Security Hub finding's `AwsEc2Vpc` resource, by its ARN.
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    super::finding_by_arn(r, "AwsEc2Vpc", ResourceKind::Vpc, "vpc/", false)
}
