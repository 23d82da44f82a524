//! VPCs: the reader, lister and remediator of the `vpc` kind (flow logs).
use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types as ec2t;
use policy::PortError;
use policy::kinds::vpc::{Action, Facet, FlowLog, Snapshot, Vpc};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::port_error;

/// EC2 over the SDK.
#[derive(Debug)]
pub struct VpcAdapter {
    ec2: aws_sdk_ec2::Client,
}

impl VpcAdapter {
    pub fn new(clients: &Clients) -> Self {
        VpcAdapter {
            ec2: clients.ec2.clone(),
        }
    }

    /// The VPC's tags; `NotFound` when it is gone (`InvalidVpcID.NotFound`).
    async fn tags(&self, id: &str) -> Result<BTreeMap<String, String>, PortError> {
        let out = self
            .ec2
            .describe_vpcs()
            .vpc_ids(id)
            .send()
            .await
            .map_err(|e| port_error("DescribeVpcs", id, e))?;
        let v = out
            .vpcs()
            .first()
            .ok_or_else(|| PortError::NotFound { what: id.to_string() })?;
        Ok(v.tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect())
    }

    /// The VPC's flow logs. `DescribeFlowLogs` of a VPC that is gone is only empty:
    /// callers read the VPC first.
    async fn flow_logs(&self, id: &str) -> Result<Vec<FlowLog>, PortError> {
        let mut out = Vec::new();
        let mut pages = self
            .ec2
            .describe_flow_logs()
            .filter(ec2t::Filter::builder().name("resource-id").values(id).build())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeFlowLogs", id, e))?;
            out.extend(page.flow_logs().iter().map(|f| {
                FlowLog {
                    id: f.flow_log_id().unwrap_or_default().to_string(),
                    destination_type: f
                        .log_destination_type()
                        .map_or("cloud-watch-logs", ec2t::LogDestinationType::as_str)
                        .to_string(),
                    destination: f.log_destination().map(str::to_owned),
                    traffic_type: f.traffic_type().map_or("", ec2t::TrafficType::as_str).to_string(),
                }
            }));
        }
        Ok(out)
    }

    async fn create(&self, vpc: &str, destination: &str) -> Result<(), PortError> {
        // Idempotent: a flow log to that destination already there is the fix.
        self.tags(vpc).await?;
        if self
            .flow_logs(vpc)
            .await?
            .iter()
            .any(|f| f.destination.as_deref() == Some(destination))
        {
            return Ok(());
        }
        let out = self
            .ec2
            .create_flow_logs()
            .resource_type(ec2t::FlowLogsResourceType::Vpc)
            .resource_ids(vpc)
            .traffic_type(ec2t::TrafficType::All)
            .log_destination_type(ec2t::LogDestinationType::S3)
            .log_destination(destination)
            .send()
            .await
            .map_err(|e| port_error("CreateFlowLogs", vpc, e))?;
        // EC2 reports a per-resource failure in the body, not as an error.
        match out.unsuccessful().first() {
            None => Ok(()),
            Some(u) => {
                let (code, message) = u
                    .error()
                    .map(|e| (e.code().unwrap_or_default(), e.message().unwrap_or_default()))
                    .unwrap_or_default();
                if code.contains("NotFound") {
                    Err(PortError::NotFound { what: vpc.to_string() })
                } else {
                    Err(PortError::InvalidData {
                        operation: "CreateFlowLogs".into(),
                        reason: format!("{vpc}: {code}: {message}"),
                    })
                }
            }
        }
    }

    async fn delete(&self, vpc: &str, destination: &str) -> Result<(), PortError> {
        self.tags(vpc).await?;
        let ids: Vec<String> = self
            .flow_logs(vpc)
            .await?
            .into_iter()
            .filter(|f| f.destination.as_deref() == Some(destination))
            .map(|f| f.id)
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        self.ec2
            .delete_flow_logs()
            .set_flow_log_ids(Some(ids))
            .send()
            .await
            .map_err(|e| port_error("DeleteFlowLogs", vpc, e))?;
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<Vpc> for VpcAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        // Every read starts with the VPC itself: a VPC deleted meanwhile is NotFound.
        let tags = self.tags(&r.id).await?;
        for facet in wanted {
            match facet {
                Facet::FlowLogs => s.flow_logs = Read::Value(self.flow_logs(&r.id).await?),
                Facet::Tags => s.tags = Read::Value(tags.clone()),
            }
        }
        Ok(())
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut out = Vec::new();
        let mut pages = self.ec2.describe_vpcs().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeVpcs", "vpcs", e))?;
            out.extend(
                page.vpcs()
                    .iter()
                    .filter_map(|v| Some(ResourceRef::of(ResourceKind::Vpc, v.vpc_id()?, account, region))),
            );
        }
        Ok(out.into_iter().map(Listed::bare).collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::CreateVpcFlowLogs(a) => self.create(&r.id, &a.destination).await,
            Action::DeleteVpcFlowLogs(a) => self.delete(&r.id, &a.destination).await,
        }
    }
}
