//! RDS DB instances: the reader, lister and remediator of the `rds_db_instance` kind.
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::rds_db_instance::{Action, Facet, InstanceInfo, RdsDbInstance, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::port_error;

/// RDS over the SDK.
#[derive(Debug)]
pub struct RdsDbInstanceAdapter {
    rds: aws_sdk_rds::Client,
}

impl RdsDbInstanceAdapter {
    pub fn new(clients: &Clients) -> Self {
        RdsDbInstanceAdapter {
            rds: clients.rds.clone(),
        }
    }
}

#[async_trait]
impl KindAdapter<RdsDbInstance> for RdsDbInstanceAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Instance => {
                    let out = self
                        .rds
                        .describe_db_instances()
                        .db_instance_identifier(&r.id)
                        .send()
                        .await
                        .map_err(|e| port_error("DescribeDBInstances", &r.id, e))?;
                    let i = out
                        .db_instances()
                        .first()
                        .ok_or_else(|| PortError::NotFound { what: r.id.clone() })?;
                    s.instance = Read::Value(InstanceInfo {
                        publicly_accessible: i.publicly_accessible().unwrap_or(false),
                        engine: i.engine().unwrap_or_default().to_string(),
                        cluster: i.db_cluster_identifier().map(str::to_owned),
                        tags: i
                            .tag_list()
                            .iter()
                            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                            .collect(),
                    });
                }
            }
        }
        Ok(())
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut out = Vec::new();
        let mut pages = self.rds.describe_db_instances().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeDBInstances", "DB instances", e))?;
            out.extend(page.db_instances().iter().filter_map(|i| {
                Some(ResourceRef::of(
                    ResourceKind::RdsDbInstance,
                    i.db_instance_identifier()?,
                    account,
                    region,
                ))
            }));
        }
        Ok(out.into_iter().map(Listed::bare).collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::ModifyDbInstancePubliclyAccessible(a) => {
                self.rds
                    .modify_db_instance()
                    .db_instance_identifier(&r.id)
                    .publicly_accessible(a.publicly_accessible)
                    .apply_immediately(true)
                    .send()
                    .await
                    .map_err(|e| port_error("ModifyDBInstance", &r.id, e))?;
            }
        }
        Ok(())
    }
}
