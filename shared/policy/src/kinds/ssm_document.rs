//! An SSM document the account owns: who it is shared with (the `Share`
//! permission: `All` makes it public, or named accounts) and its tags.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct SsmDocument;

/// The document's `Share` permission, as `DescribeDocumentPermission` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SharePermission {
    /// `All`: any AWS account may run or copy the document.
    pub public: bool,
    /// The accounts it is shared with by id.
    pub accounts: Vec<String>,
}

/// Fresh state of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub name: String,
    pub share: Read<SharePermission>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// The parts of a document's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Share,
    Tags,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Share, Facet::Tags];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Share => &["ssm:DescribeDocumentPermission"],
            Facet::Tags => &["ssm:ListTagsForResource"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            name: r.id.clone(),
            share: Read::NotRead,
            tags: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Share => self.share.is_read(),
            Facet::Tags => self.tags.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Share => self.share = from.share.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
        }
    }
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.tags.get()
    }
}

/// The CloudTrail event that shares a document (eventSource `ssm.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &["ModifyDocumentPermission"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::SsmDocument,
    config_types: &["AWS::SSM::Document"],
    account_level: false,
    list_permissions: &["ssm:ListDocuments"],
    services: &[Service::Ssm],
    facets: &[
        super::Facet::SsmDocument(Facet::Share),
        super::Facet::SsmDocument(Facet::Tags),
    ],
    tags: Some(super::Facet::SsmDocument(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:ssm:{}:{}:document/{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "ssm.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    match call.param("name") {
        // A document shared from another account is named by its ARN: not ours to judge.
        Some(n) if !n.is_empty() && !n.starts_with("arn:") => Ok(vec![ResourceRef::of(
            ResourceKind::SsmDocument,
            n,
            call.account,
            call.region,
        )]),
        Some(_) => Ok(vec![]),
        None if call.error_code.is_some() => Ok(vec![]),
        None => Err(EventError::Missing {
            field: "requestParameters.name",
            context: "ModifyDocumentPermission CloudTrail event",
        }),
    }
}

kind_actions!(SsmDocument; RemoveDocumentPublicShare, AddDocumentPublicShare);

/// Remove `All` from a document's `Share` permission (named accounts stay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveDocumentPublicShare {
    pub name: String,
}

impl ActionSpec for RemoveDocumentPublicShare {
    type Kind = SsmDocument;
    const NAME: &'static str = "RemoveDocumentPublicShare";
    const PERMISSIONS: &'static [&'static str] = &["ssm:ModifyDocumentPermission"];
    const WRITES: Facet = Facet::Share;
    const UNDO: Undo = Undo::By(&[AddDocumentPublicShare::INFO]);

    fn describe(&self) -> String {
        format!(
            "stop sharing SSM document {} with every AWS account (the accounts it is shared with by id keep access)",
            self.name
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            AddDocumentPublicShare {
                name: self.name.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.share.get().map(|p| !p.public)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.share.get_mut() {
            p.public = false;
        }
    }
}

/// Share a document with every AWS account again (only as an undo, and a dangerous
/// one: anyone may then read and run it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddDocumentPublicShare {
    pub name: String,
}

impl ActionSpec for AddDocumentPublicShare {
    type Kind = SsmDocument;
    const NAME: &'static str = "AddDocumentPublicShare";
    const PERMISSIONS: &'static [&'static str] = &["ssm:ModifyDocumentPermission"];
    const WRITES: Facet = Facet::Share;
    const UNDO: Undo = Undo::By(&[RemoveDocumentPublicShare::INFO]);

    fn describe(&self) -> String {
        format!(
            "DANGEROUS: share SSM document {} with every AWS account again: anyone can read it and run it in their account",
            self.name
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            RemoveDocumentPublicShare {
                name: self.name.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.share.get().map(|p| p.public)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.share.get_mut() {
            p.public = true;
        }
    }
}
