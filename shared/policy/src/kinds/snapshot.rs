//! The fresh state of any resource: one kind's snapshot.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// Fresh state of a resource, as read by the `ResourceReader`: what a rule evaluates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Snapshot {
    S3Bucket(s3_bucket::Snapshot),
    S3Account(s3_account::Snapshot),
    IamUser(iam_user::Snapshot),
    IamAccount(iam_account::Snapshot),
    Ec2SecurityGroup(ec2_security_group::Snapshot),
    Ec2Account(ec2_account::Snapshot),
    EbsSnapshot(ebs_snapshot::Snapshot),
    RdsDbInstance(rds_db_instance::Snapshot),
    RdsSnapshot(rds_snapshot::Snapshot),
    LambdaFunction(lambda_function::Snapshot),
    Vpc(vpc::Snapshot),
    SsmDocument(ssm_document::Snapshot),
    CloudTrailAccount(cloudtrail_account::Snapshot),
    CloudTrailTrail(cloudtrail_trail::Snapshot),
    ConfigRecorder(config_recorder::Snapshot),
    GuardDuty(guardduty::Snapshot),
    SecurityHub(security_hub::Snapshot),
    KmsKey(kms_key::Snapshot),
}

impl Snapshot {
    /// An empty snapshot for a resource, to be read at `as_of` (the executor's clock).
    pub fn empty_at(r: &ResourceRef, as_of: DateTime<Utc>) -> Self {
        match r.kind {
            ResourceKind::S3Bucket => Snapshot::S3Bucket(s3_bucket::Snapshot::empty(r)),
            ResourceKind::S3Account => Snapshot::S3Account(s3_account::Snapshot::empty(r)),
            ResourceKind::IamUser => Snapshot::IamUser(iam_user::Snapshot::empty(r, as_of)),
            ResourceKind::IamAccount => Snapshot::IamAccount(iam_account::Snapshot::empty(r, as_of)),
            ResourceKind::Ec2SecurityGroup => Snapshot::Ec2SecurityGroup(ec2_security_group::Snapshot::empty(r)),
            ResourceKind::Ec2Account => Snapshot::Ec2Account(ec2_account::Snapshot::empty(r)),
            ResourceKind::EbsSnapshot => Snapshot::EbsSnapshot(ebs_snapshot::Snapshot::empty(r)),
            ResourceKind::RdsDbInstance => Snapshot::RdsDbInstance(rds_db_instance::Snapshot::empty(r)),
            ResourceKind::RdsSnapshot => Snapshot::RdsSnapshot(rds_snapshot::Snapshot::empty(r)),
            ResourceKind::LambdaFunction => Snapshot::LambdaFunction(lambda_function::Snapshot::empty(r)),
            ResourceKind::Vpc => Snapshot::Vpc(vpc::Snapshot::empty(r)),
            ResourceKind::SsmDocument => Snapshot::SsmDocument(ssm_document::Snapshot::empty(r)),
            ResourceKind::CloudTrailAccount => Snapshot::CloudTrailAccount(cloudtrail_account::Snapshot::empty(r)),
            ResourceKind::CloudTrailTrail => Snapshot::CloudTrailTrail(cloudtrail_trail::Snapshot::empty(r)),
            ResourceKind::ConfigRecorder => Snapshot::ConfigRecorder(config_recorder::Snapshot::empty(r)),
            ResourceKind::GuardDuty => Snapshot::GuardDuty(guardduty::Snapshot::empty(r, as_of)),
            ResourceKind::SecurityHub => Snapshot::SecurityHub(security_hub::Snapshot::empty(r, as_of)),
            ResourceKind::KmsKey => Snapshot::KmsKey(kms_key::Snapshot::empty(r, as_of)),
        }
    }

    /// Judge the snapshot as of `t` (the executor's clock): ages are measured from it.
    /// S3 snapshots, and issue #12's, hold no time.
    pub fn set_as_of(&mut self, t: DateTime<Utc>) {
        match self {
            Snapshot::IamUser(u) => u.as_of = t,
            Snapshot::IamAccount(a) => a.as_of = t,
            Snapshot::GuardDuty(g) => g.as_of = t,
            Snapshot::SecurityHub(h) => h.as_of = t,
            Snapshot::KmsKey(k) => k.as_of = t,
            Snapshot::S3Bucket(_)
            | Snapshot::S3Account(_)
            | Snapshot::CloudTrailAccount(_)
            | Snapshot::CloudTrailTrail(_)
            | Snapshot::ConfigRecorder(_) => {}
            Snapshot::Ec2SecurityGroup(_)
            | Snapshot::Ec2Account(_)
            | Snapshot::EbsSnapshot(_)
            | Snapshot::RdsDbInstance(_)
            | Snapshot::RdsSnapshot(_)
            | Snapshot::LambdaFunction(_)
            | Snapshot::Vpc(_)
            | Snapshot::SsmDocument(_) => {}
        }
    }

    pub fn kind(&self) -> ResourceKind {
        match self {
            Snapshot::S3Bucket(_) => ResourceKind::S3Bucket,
            Snapshot::S3Account(_) => ResourceKind::S3Account,
            Snapshot::IamUser(_) => ResourceKind::IamUser,
            Snapshot::IamAccount(_) => ResourceKind::IamAccount,
            Snapshot::Ec2SecurityGroup(_) => ResourceKind::Ec2SecurityGroup,
            Snapshot::Ec2Account(_) => ResourceKind::Ec2Account,
            Snapshot::EbsSnapshot(_) => ResourceKind::EbsSnapshot,
            Snapshot::RdsDbInstance(_) => ResourceKind::RdsDbInstance,
            Snapshot::RdsSnapshot(_) => ResourceKind::RdsSnapshot,
            Snapshot::LambdaFunction(_) => ResourceKind::LambdaFunction,
            Snapshot::Vpc(_) => ResourceKind::Vpc,
            Snapshot::SsmDocument(_) => ResourceKind::SsmDocument,
            Snapshot::CloudTrailAccount(_) => ResourceKind::CloudTrailAccount,
            Snapshot::CloudTrailTrail(_) => ResourceKind::CloudTrailTrail,
            Snapshot::ConfigRecorder(_) => ResourceKind::ConfigRecorder,
            Snapshot::GuardDuty(_) => ResourceKind::GuardDuty,
            Snapshot::SecurityHub(_) => ResourceKind::SecurityHub,
            Snapshot::KmsKey(_) => ResourceKind::KmsKey,
        }
    }

    /// Which of `wanted` are not read yet.
    pub fn missing(&self, wanted: &[Facet]) -> Vec<Facet> {
        wanted.iter().copied().filter(|f| !self.has(*f)).collect()
    }

    /// Whether a facet is read. A facet of another kind counts as read: this
    /// resource doesn't have it, so there is nothing to read.
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::S3Bucket(f) => self.as_s3_bucket().is_none_or(|s| s.has(f)),
            Facet::S3Account(f) => self.as_s3_account().is_none_or(|s| s.has(f)),
            Facet::IamUser(f) => self.as_iam_user().is_none_or(|s| s.has(f)),
            Facet::IamAccount(f) => self.as_iam_account().is_none_or(|s| s.has(f)),
            Facet::Ec2SecurityGroup(f) => self.as_ec2_security_group().is_none_or(|s| s.has(f)),
            Facet::Ec2Account(f) => self.as_ec2_account().is_none_or(|s| s.has(f)),
            Facet::EbsSnapshot(f) => self.as_ebs_snapshot().is_none_or(|s| s.has(f)),
            Facet::RdsDbInstance(f) => self.as_rds_db_instance().is_none_or(|s| s.has(f)),
            Facet::RdsSnapshot(f) => self.as_rds_snapshot().is_none_or(|s| s.has(f)),
            Facet::LambdaFunction(f) => self.as_lambda_function().is_none_or(|s| s.has(f)),
            Facet::Vpc(f) => self.as_vpc().is_none_or(|s| s.has(f)),
            Facet::SsmDocument(f) => self.as_ssm_document().is_none_or(|s| s.has(f)),
            Facet::CloudTrailAccount(f) => self.as_cloudtrail_account().is_none_or(|s| s.has(f)),
            Facet::CloudTrailTrail(f) => self.as_cloudtrail_trail().is_none_or(|s| s.has(f)),
            Facet::ConfigRecorder(f) => self.as_config_recorder().is_none_or(|s| s.has(f)),
            Facet::GuardDuty(f) => self.as_guardduty().is_none_or(|s| s.has(f)),
            Facet::SecurityHub(f) => self.as_security_hub().is_none_or(|s| s.has(f)),
            Facet::KmsKey(f) => self.as_kms_key().is_none_or(|s| s.has(f)),
        }
    }

    /// Copy one facet's value (read or not) from `from`, a snapshot of the same
    /// resource. Facets of another kind, or a snapshot of another kind, copy nothing.
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::S3Bucket(f) => {
                if let (Some(to), Some(from)) = (self.as_s3_bucket_mut(), from.as_s3_bucket()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::S3Account(f) => {
                if let (Some(to), Some(from)) = (self.as_s3_account_mut(), from.as_s3_account()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::IamUser(f) => {
                if let (Some(to), Some(from)) = (self.as_iam_user_mut(), from.as_iam_user()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::IamAccount(f) => {
                if let (Some(to), Some(from)) = (self.as_iam_account_mut(), from.as_iam_account()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::Ec2SecurityGroup(f) => {
                if let (Some(to), Some(from)) = (self.as_ec2_security_group_mut(), from.as_ec2_security_group()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::Ec2Account(f) => {
                if let (Some(to), Some(from)) = (self.as_ec2_account_mut(), from.as_ec2_account()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::EbsSnapshot(f) => {
                if let (Some(to), Some(from)) = (self.as_ebs_snapshot_mut(), from.as_ebs_snapshot()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::RdsDbInstance(f) => {
                if let (Some(to), Some(from)) = (self.as_rds_db_instance_mut(), from.as_rds_db_instance()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::RdsSnapshot(f) => {
                if let (Some(to), Some(from)) = (self.as_rds_snapshot_mut(), from.as_rds_snapshot()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::LambdaFunction(f) => {
                if let (Some(to), Some(from)) = (self.as_lambda_function_mut(), from.as_lambda_function()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::Vpc(f) => {
                if let (Some(to), Some(from)) = (self.as_vpc_mut(), from.as_vpc()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::SsmDocument(f) => {
                if let (Some(to), Some(from)) = (self.as_ssm_document_mut(), from.as_ssm_document()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::CloudTrailAccount(f) => {
                if let (Some(to), Some(from)) = (self.as_cloudtrail_account_mut(), from.as_cloudtrail_account()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::CloudTrailTrail(f) => {
                if let (Some(to), Some(from)) = (self.as_cloudtrail_trail_mut(), from.as_cloudtrail_trail()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::ConfigRecorder(f) => {
                if let (Some(to), Some(from)) = (self.as_config_recorder_mut(), from.as_config_recorder()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::GuardDuty(f) => {
                if let (Some(to), Some(from)) = (self.as_guardduty_mut(), from.as_guardduty()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::SecurityHub(f) => {
                if let (Some(to), Some(from)) = (self.as_security_hub_mut(), from.as_security_hub()) {
                    to.copy_facet(from, f);
                }
            }
            Facet::KmsKey(f) => {
                if let (Some(to), Some(from)) = (self.as_kms_key_mut(), from.as_kms_key()) {
                    to.copy_facet(from, f);
                }
            }
        }
    }

    /// The resource's tags, when read (account-level settings have none).
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Snapshot::S3Bucket(s) => s.tags.get(),
            Snapshot::IamUser(s) => s.tags.get(),
            Snapshot::S3Account(_) | Snapshot::IamAccount(_) => None,
            Snapshot::Ec2SecurityGroup(s) => s.tags(),
            Snapshot::Ec2Account(s) => s.tags(),
            Snapshot::EbsSnapshot(s) => s.tags(),
            Snapshot::RdsDbInstance(s) => s.tags(),
            Snapshot::RdsSnapshot(s) => s.tags(),
            Snapshot::LambdaFunction(s) => s.tags(),
            Snapshot::Vpc(s) => s.tags(),
            Snapshot::SsmDocument(s) => s.tags(),
            Snapshot::CloudTrailTrail(s) => s.tags.get(),
            Snapshot::KmsKey(s) => s.tags.get(),
            Snapshot::CloudTrailAccount(_)
            | Snapshot::ConfigRecorder(_)
            | Snapshot::GuardDuty(_)
            | Snapshot::SecurityHub(_) => None,
        }
    }
}
