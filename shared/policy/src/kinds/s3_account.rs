//! The account-level S3 Block Public Access configuration (S3 Control): one per
//! account, overriding every bucket's.
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::s3::PublicAccessBlock;

/// The kind's marker type (see [`super::Kind`]).
pub struct S3Account;

/// Fresh state of the account-level S3 Block Public Access configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub account: String,
    /// `None` inside `Read::Value`: the account has no configuration.
    pub public_access_block: Read<Option<PublicAccessBlock>>,
}

/// The parts of the account's S3 settings read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    PublicAccessBlock,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::PublicAccessBlock];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::PublicAccessBlock => &["s3:GetAccountPublicAccessBlock"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            account: r.account.clone(),
            public_access_block: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::PublicAccessBlock => self.public_access_block.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::PublicAccessBlock => self.public_access_block = from.public_access_block.clone(),
        }
    }
}

/// The CloudTrail events of account-level Block Public Access: recorded with
/// eventSource `s3.amazonaws.com` (and, through S3 Control, `s3-control.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &["PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::S3Account,
    // Config names the account `AWS::::Account`; the S3 Control resource type too.
    config_types: &["AWS::::Account", "AWS::S3::AccountPublicAccessBlock"],
    account_level: true,
    list_permissions: &[],
    services: &[Service::S3Control],
    facets: &[super::Facet::S3Account(Facet::PublicAccessBlock)],
    tags: None,
    actions: Action::ALL,
    arn: |r| format!("arn:aws:s3:{}:{}:account-public-access-block", r.region, r.account),
    from_cloudtrail,
    from_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    let account = call.param("accountId").unwrap_or(call.account);
    Ok(vec![ResourceRef::s3_account(account, call.region)])
}

kind_actions!(S3Account; PutAccountPublicAccessBlock, DeleteAccountPublicAccessBlock);

/// Set the account-level Block Public Access configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutAccountPublicAccessBlock {
    pub account: String,
    pub settings: PublicAccessBlock,
    pub previous: Option<PublicAccessBlock>,
}

impl ActionSpec for PutAccountPublicAccessBlock {
    type Kind = S3Account;
    const NAME: &'static str = "PutAccountPublicAccessBlock";
    const PERMISSIONS: &'static [&'static str] = &["s3:PutAccountPublicAccessBlock"];
    const WRITES: Facet = Facet::PublicAccessBlock;
    const UNDO: Undo = Undo::By(&[PutAccountPublicAccessBlock::INFO, DeleteAccountPublicAccessBlock::INFO]);

    fn describe(&self) -> String {
        if self.settings.all_on() {
            format!(
                "turn on all four account-level Block Public Access settings in account {}",
                self.account
            )
        } else {
            format!(
                "restore the account-level Block Public Access settings of account {}",
                self.account
            )
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(match self.previous {
            Some(p) => PutAccountPublicAccessBlock {
                account: self.account.clone(),
                settings: p,
                previous: Some(self.settings),
            }
            .into(),
            None => DeleteAccountPublicAccessBlock {
                account: self.account.clone(),
                previous: self.settings,
            }
            .into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(*s.public_access_block.get()? == Some(self.settings))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.public_access_block = Read::Value(Some(self.settings));
    }
}

/// Remove the account-level configuration (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteAccountPublicAccessBlock {
    pub account: String,
    pub previous: PublicAccessBlock,
}

impl ActionSpec for DeleteAccountPublicAccessBlock {
    type Kind = S3Account;
    const NAME: &'static str = "DeleteAccountPublicAccessBlock";
    // The account-level delete is authorised by s3:PutAccountPublicAccessBlock.
    const PERMISSIONS: &'static [&'static str] = &["s3:PutAccountPublicAccessBlock"];
    const WRITES: Facet = Facet::PublicAccessBlock;
    const UNDO: Undo = Undo::By(&[PutAccountPublicAccessBlock::INFO]);

    fn describe(&self) -> String {
        format!(
            "remove the account-level Block Public Access configuration of account {}",
            self.account
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            PutAccountPublicAccessBlock {
                account: self.account.clone(),
                settings: self.previous,
                previous: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.public_access_block.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.public_access_block = Read::Value(None);
    }
}

/// `AwsAccount`: the account's settings (the IAM account-level rules take it as theirs).
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    (r.kind == "AwsAccount").then(|| ResourceRef::of(ResourceKind::S3Account, r.account, r.account, r.region))
}
