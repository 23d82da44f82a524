//! The EC2 settings of an account in one region: EBS encryption by default. One per
//! account and region (`id` is the account, the region is the resource's).
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct Ec2Account;

/// Fresh state of an account's EC2 settings in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub account: String,
    pub region: String,
    /// `GetEbsEncryptionByDefault`: new EBS volumes (and snapshot copies) are encrypted.
    pub ebs_encryption_by_default: Read<bool>,
}

/// The parts of the settings read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    EbsEncryptionByDefault,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::EbsEncryptionByDefault];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::EbsEncryptionByDefault => &["ec2:GetEbsEncryptionByDefault"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            account: r.account.clone(),
            region: r.region.clone(),
            ebs_encryption_by_default: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::EbsEncryptionByDefault => self.ebs_encryption_by_default.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::EbsEncryptionByDefault => self.ebs_encryption_by_default = from.ebs_encryption_by_default.clone(),
        }
    }
    /// Account settings have no tags.
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        None
    }
}

/// The CloudTrail events that change the settings (eventSource `ec2.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &[
    "EnableEbsEncryptionByDefault",
    "DisableEbsEncryptionByDefault",
    "ModifyEbsDefaultKmsKeyId",
    "ResetEbsDefaultKmsKeyId",
];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::Ec2Account,
    // AWS Config evaluates EC2_EBS_ENCRYPTION_BY_DEFAULT on the account.
    config_types: &["AWS::::Account"],
    account_level: true,
    list_permissions: &[],
    services: &[Service::Ec2],
    facets: &[super::Facet::Ec2Account(Facet::EbsEncryptionByDefault)],
    tags: None,
    actions: Action::ALL,
    arn: |r| format!("arn:aws:ec2:{}:{}:ebs-encryption-by-default", r.region, r.account),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "ec2.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    Ok(vec![ResourceRef::of(
        ResourceKind::Ec2Account,
        "",
        call.account,
        call.region,
    )])
}

kind_actions!(Ec2Account; EnableEbsEncryptionByDefault, DisableEbsEncryptionByDefault);

/// Turn on EBS encryption by default in a region, optionally with a customer-managed
/// default KMS key (`ModifyEbsDefaultKmsKeyId` first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnableEbsEncryptionByDefault {
    pub region: String,
    /// The default KMS key to set (`EbsDefaultKmsKeyArn`); `None` keeps the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
}

impl ActionSpec for EnableEbsEncryptionByDefault {
    type Kind = Ec2Account;
    const NAME: &'static str = "EnableEbsEncryptionByDefault";
    const PERMISSIONS: &'static [&'static str] = &["ec2:EnableEbsEncryptionByDefault", "ec2:ModifyEbsDefaultKmsKeyId"];
    const WRITES: Facet = Facet::EbsEncryptionByDefault;
    const UNDO: Undo = Undo::By(&[DisableEbsEncryptionByDefault::INFO]);

    fn describe(&self) -> String {
        match &self.kms_key_id {
            Some(k) => format!(
                "turn on EBS encryption by default in {} with default KMS key {k}",
                self.region
            ),
            None => format!("turn on EBS encryption by default in {}", self.region),
        }
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DisableEbsEncryptionByDefault {
                region: self.region.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.ebs_encryption_by_default.get().copied()
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.ebs_encryption_by_default = Read::Value(true);
    }
}

/// Turn EBS encryption by default off again (only as an undo; the default KMS key
/// set by the fix, if any, stays: it only matters while encryption is on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisableEbsEncryptionByDefault {
    pub region: String,
}

impl ActionSpec for DisableEbsEncryptionByDefault {
    type Kind = Ec2Account;
    const NAME: &'static str = "DisableEbsEncryptionByDefault";
    const PERMISSIONS: &'static [&'static str] = &["ec2:DisableEbsEncryptionByDefault"];
    const WRITES: Facet = Facet::EbsEncryptionByDefault;
    const UNDO: Undo = Undo::By(&[EnableEbsEncryptionByDefault::INFO]);

    fn describe(&self) -> String {
        format!(
            "turn off EBS encryption by default in {}: new volumes there may be unencrypted",
            self.region
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            EnableEbsEncryptionByDefault {
                region: self.region.clone(),
                kms_key_id: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        s.ebs_encryption_by_default.get().map(|on| !on)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.ebs_encryption_by_default = Read::Value(false);
    }
}
