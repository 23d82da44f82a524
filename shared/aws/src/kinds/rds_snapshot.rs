//! Manual RDS DB snapshots and DB cluster snapshots: the reader, lister and
//! remediator of the `rds_snapshot` kind.
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::rds_snapshot::{Action, Facet, RdsSnapshot, RestoreAttribute, Snapshot, SnapshotId};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::port_error;

/// RDS over the SDK.
#[derive(Debug)]
pub struct RdsSnapshotAdapter {
    rds: aws_sdk_rds::Client,
}

fn parse(r: &ResourceRef) -> Result<SnapshotId<'_>, PortError> {
    SnapshotId::parse(&r.id).ok_or_else(|| PortError::InvalidData {
        operation: "RDS snapshot id".into(),
        reason: format!("{:?} is neither snapshot:<name> nor cluster-snapshot:<name>", r.id),
    })
}

/// The `restore` attribute among a snapshot's attributes.
fn restore_of<'a>(attrs: impl Iterator<Item = (Option<&'a str>, &'a [String])>) -> RestoreAttribute {
    let mut out = RestoreAttribute::default();
    for (name, values) in attrs {
        if name == Some("restore") {
            for v in values {
                if v.eq_ignore_ascii_case("all") {
                    out.public = true;
                } else {
                    out.accounts.push(v.clone());
                }
            }
        }
    }
    out
}

impl RdsSnapshotAdapter {
    pub fn new(clients: &Clients) -> Self {
        RdsSnapshotAdapter {
            rds: clients.rds.clone(),
        }
    }

    async fn restore(&self, r: &ResourceRef) -> Result<RestoreAttribute, PortError> {
        match parse(r)? {
            SnapshotId::Db(n) => {
                let out = self
                    .rds
                    .describe_db_snapshot_attributes()
                    .db_snapshot_identifier(n)
                    .send()
                    .await
                    .map_err(|e| port_error("DescribeDBSnapshotAttributes", &r.id, e))?;
                let attrs = out
                    .db_snapshot_attributes_result()
                    .map(|a| a.db_snapshot_attributes())
                    .unwrap_or_default();
                Ok(restore_of(
                    attrs.iter().map(|a| (a.attribute_name(), a.attribute_values())),
                ))
            }
            SnapshotId::Cluster(n) => {
                let out = self
                    .rds
                    .describe_db_cluster_snapshot_attributes()
                    .db_cluster_snapshot_identifier(n)
                    .send()
                    .await
                    .map_err(|e| port_error("DescribeDBClusterSnapshotAttributes", &r.id, e))?;
                let attrs = out
                    .db_cluster_snapshot_attributes_result()
                    .map(|a| a.db_cluster_snapshot_attributes())
                    .unwrap_or_default();
                Ok(restore_of(
                    attrs.iter().map(|a| (a.attribute_name(), a.attribute_values())),
                ))
            }
        }
    }

    async fn modify(&self, r: &ResourceRef, public: bool) -> Result<(), PortError> {
        match parse(r)? {
            SnapshotId::Db(n) => {
                let req = self
                    .rds
                    .modify_db_snapshot_attribute()
                    .db_snapshot_identifier(n)
                    .attribute_name("restore");
                let req = if public {
                    req.values_to_add("all")
                } else {
                    req.values_to_remove("all")
                };
                req.send()
                    .await
                    .map_err(|e| port_error("ModifyDBSnapshotAttribute", &r.id, e))?;
            }
            SnapshotId::Cluster(n) => {
                let req = self
                    .rds
                    .modify_db_cluster_snapshot_attribute()
                    .db_cluster_snapshot_identifier(n)
                    .attribute_name("restore");
                let req = if public {
                    req.values_to_add("all")
                } else {
                    req.values_to_remove("all")
                };
                req.send()
                    .await
                    .map_err(|e| port_error("ModifyDBClusterSnapshotAttribute", &r.id, e))?;
            }
        }
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<RdsSnapshot> for RdsSnapshotAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Restore => s.restore = Read::Value(self.restore(r).await?),
                Facet::Tags => {
                    let out = self
                        .rds
                        .list_tags_for_resource()
                        .resource_name(r.arn())
                        .send()
                        .await
                        .map_err(|e| port_error("ListTagsForResource", &r.id, e))?;
                    s.tags = Read::Value(
                        out.tag_list()
                            .iter()
                            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                            .collect(),
                    );
                }
            }
        }
        Ok(())
    }

    /// The manual snapshots of both kinds (automated ones can't be shared).
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut out = Vec::new();
        let mut pages = self
            .rds
            .describe_db_snapshots()
            .snapshot_type("manual")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeDBSnapshots", "DB snapshots", e))?;
            out.extend(page.db_snapshots().iter().filter_map(|s| {
                Some(ResourceRef::of(
                    ResourceKind::RdsSnapshot,
                    SnapshotId::db(s.db_snapshot_identifier()?),
                    account,
                    region,
                ))
            }));
        }
        let mut pages = self
            .rds
            .describe_db_cluster_snapshots()
            .snapshot_type("manual")
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeDBClusterSnapshots", "DB cluster snapshots", e))?;
            out.extend(page.db_cluster_snapshots().iter().filter_map(|s| {
                Some(ResourceRef::of(
                    ResourceKind::RdsSnapshot,
                    SnapshotId::cluster(s.db_cluster_snapshot_identifier()?),
                    account,
                    region,
                ))
            }));
        }
        Ok(out.into_iter().map(Listed::bare).collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::RemoveRdsSnapshotPublicRestore(_) => self.modify(r, false).await,
            Action::AddRdsSnapshotPublicRestore(_) => self.modify(r, true).await,
        }
    }
}
