//! SSM documents the account owns: the reader, lister and remediator of the
//! `ssm_document` kind.
use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ssm::types as ssmt;
use policy::PortError;
use policy::kinds::ssm_document::{Action, Facet, SharePermission, Snapshot, SsmDocument};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::port_error;

/// SSM over the SDK.
#[derive(Debug)]
pub struct SsmDocumentAdapter {
    ssm: aws_sdk_ssm::Client,
}

impl SsmDocumentAdapter {
    pub fn new(clients: &Clients) -> Self {
        SsmDocumentAdapter {
            ssm: clients.ssm.clone(),
        }
    }

    async fn share(&self, name: &str) -> Result<SharePermission, PortError> {
        let mut p = SharePermission::default();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .ssm
                .describe_document_permission()
                .name(name)
                .permission_type(ssmt::DocumentPermissionType::Share)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| port_error("DescribeDocumentPermission", name, e))?;
            for a in out.account_ids() {
                if a.eq_ignore_ascii_case("all") {
                    p.public = true;
                } else {
                    p.accounts.push(a.clone());
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(p),
            }
        }
    }

    async fn tags(&self, name: &str) -> Result<BTreeMap<String, String>, PortError> {
        let out = self
            .ssm
            .list_tags_for_resource()
            .resource_type(ssmt::ResourceTypeForTagging::Document)
            .resource_id(name)
            .send()
            .await
            .map_err(|e| port_error("ListTagsForResource", name, e))?;
        Ok(out
            .tag_list()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect())
    }

    async fn modify(&self, name: &str, add: bool) -> Result<(), PortError> {
        let req = self
            .ssm
            .modify_document_permission()
            .name(name)
            .permission_type(ssmt::DocumentPermissionType::Share);
        let req = if add {
            req.account_ids_to_add("All")
        } else {
            req.account_ids_to_remove("All")
        };
        req.send()
            .await
            .map_err(|e| port_error("ModifyDocumentPermission", name, e))?;
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<SsmDocument> for SsmDocumentAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Share => s.share = Read::Value(self.share(&r.id).await?),
                Facet::Tags => s.tags = Read::Value(self.tags(&r.id).await?),
            }
        }
        Ok(())
    }

    /// The documents the account owns (`Owner=Self`: the others are AWS's or
    /// shared with it, not its to change); the owner is checked again here.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut out = Vec::new();
        let mut pages = self
            .ssm
            .list_documents()
            .filters(
                ssmt::DocumentKeyValuesFilter::builder()
                    .key("Owner")
                    .values("Self")
                    .build(),
            )
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListDocuments", "documents", e))?;
            out.extend(page.document_identifiers().iter().filter_map(|d| {
                (d.owner() == Some(account))
                    .then(|| Some(ResourceRef::of(ResourceKind::SsmDocument, d.name()?, account, region)))
                    .flatten()
            }));
        }
        Ok(out.into_iter().map(Listed::bare).collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::RemoveDocumentPublicShare(_) => self.modify(&r.id, false).await,
            Action::AddDocumentPublicShare(_) => self.modify(&r.id, true).await,
        }
    }
}
