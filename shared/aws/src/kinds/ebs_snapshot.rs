//! EBS snapshots the account owns: the reader, lister and remediator of the
//! `ebs_snapshot` kind.
use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types as ec2t;
use policy::PortError;
use policy::kinds::ebs_snapshot::{Action, EbsSnapshot, Facet, Snapshot, VolumePermissions};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::port_error;

/// EC2 over the SDK.
#[derive(Debug)]
pub struct EbsSnapshotAdapter {
    ec2: aws_sdk_ec2::Client,
}

impl EbsSnapshotAdapter {
    pub fn new(clients: &Clients) -> Self {
        EbsSnapshotAdapter {
            ec2: clients.ec2.clone(),
        }
    }

    async fn permissions(&self, id: &str) -> Result<VolumePermissions, PortError> {
        let out = self
            .ec2
            .describe_snapshot_attribute()
            .snapshot_id(id)
            .attribute(ec2t::SnapshotAttributeName::CreateVolumePermission)
            .send()
            .await
            .map_err(|e| port_error("DescribeSnapshotAttribute", id, e))?;
        let mut p = VolumePermissions::default();
        for perm in out.create_volume_permissions() {
            if perm.group() == Some(&ec2t::PermissionGroup::All) {
                p.public = true;
            }
            if let Some(u) = perm.user_id() {
                p.accounts.push(u.to_string());
            }
        }
        Ok(p)
    }

    async fn tags(&self, id: &str) -> Result<BTreeMap<String, String>, PortError> {
        let out = self
            .ec2
            .describe_snapshots()
            .snapshot_ids(id)
            .send()
            .await
            .map_err(|e| port_error("DescribeSnapshots", id, e))?;
        let s = out
            .snapshots()
            .first()
            .ok_or_else(|| PortError::NotFound { what: id.to_string() })?;
        Ok(s.tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
            .collect())
    }

    async fn modify(&self, id: &str, op: ec2t::OperationType) -> Result<(), PortError> {
        self.ec2
            .modify_snapshot_attribute()
            .snapshot_id(id)
            .attribute(ec2t::SnapshotAttributeName::CreateVolumePermission)
            .operation_type(op)
            .group_names("all")
            .send()
            .await
            .map_err(|e| port_error("ModifySnapshotAttribute", id, e))?;
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<EbsSnapshot> for EbsSnapshotAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::VolumePermissions => s.permissions = Read::Value(self.permissions(&r.id).await?),
                Facet::Tags => s.tags = Read::Value(self.tags(&r.id).await?),
            }
        }
        Ok(())
    }

    /// The snapshots the account owns (`OwnerIds=self`: without it EC2 lists every
    /// public snapshot of every account).
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut out = Vec::new();
        let mut pages = self.ec2.describe_snapshots().owner_ids("self").into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeSnapshots", "snapshots", e))?;
            out.extend(page.snapshots().iter().filter_map(|s| {
                Some(ResourceRef::of(
                    ResourceKind::EbsSnapshot,
                    s.snapshot_id()?,
                    account,
                    region,
                ))
            }));
        }
        Ok(out.into_iter().map(Listed::bare).collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::RemoveSnapshotPublicVolumePermission(_) => self.modify(&r.id, ec2t::OperationType::Remove).await,
            Action::AddSnapshotPublicVolumePermission(_) => self.modify(&r.id, ec2t::OperationType::Add).await,
        }
    }
}
