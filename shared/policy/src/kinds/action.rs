//! One remediation step of any kind.

use serde::{Deserialize, Serialize};

use super::*;

/// One remediation step: one kind's action.
///
/// Serialized as the kind's action alone (`{"action": "PutBucketPublicAccessBlock",
/// "bucket": ...}`), the form ledger records have always held: action names are
/// unique across kinds (a unit test checks it), so the name says the kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Action {
    S3Bucket(s3_bucket::Action),
    S3Account(s3_account::Action),
    IamUser(iam_user::Action),
    IamAccount(iam_account::Action),
    Ec2SecurityGroup(ec2_security_group::Action),
    Ec2Account(ec2_account::Action),
    EbsSnapshot(ebs_snapshot::Action),
    RdsDbInstance(rds_db_instance::Action),
    RdsSnapshot(rds_snapshot::Action),
    LambdaFunction(lambda_function::Action),
    Vpc(vpc::Action),
    SsmDocument(ssm_document::Action),
    CloudTrailAccount(cloudtrail_account::Action),
    CloudTrailTrail(cloudtrail_trail::Action),
    ConfigRecorder(config_recorder::Action),
    GuardDuty(guardduty::Action),
    SecurityHub(security_hub::Action),
    KmsKey(kms_key::Action),
}

impl Action {
    /// Every action of every kind.
    pub fn all() -> impl Iterator<Item = ActionInfo> {
        ResourceKind::ALL
            .into_iter()
            .flat_map(|k| k.spec().actions.iter().copied())
    }

    pub fn info(&self) -> ActionInfo {
        match self {
            Action::S3Bucket(a) => a.info(),
            Action::S3Account(a) => a.info(),
            Action::IamUser(a) => a.info(),
            Action::IamAccount(a) => a.info(),
            Action::Ec2SecurityGroup(a) => a.info(),
            Action::Ec2Account(a) => a.info(),
            Action::EbsSnapshot(a) => a.info(),
            Action::RdsDbInstance(a) => a.info(),
            Action::RdsSnapshot(a) => a.info(),
            Action::LambdaFunction(a) => a.info(),
            Action::Vpc(a) => a.info(),
            Action::SsmDocument(a) => a.info(),
            Action::CloudTrailAccount(a) => a.info(),
            Action::CloudTrailTrail(a) => a.info(),
            Action::ConfigRecorder(a) => a.info(),
            Action::GuardDuty(a) => a.info(),
            Action::SecurityHub(a) => a.info(),
            Action::KmsKey(a) => a.info(),
        }
    }
    pub fn kind(&self) -> ResourceKind {
        self.info().kind
    }
    pub fn name(&self) -> &'static str {
        self.info().name
    }
    /// The IAM actions the adapter calls to apply this action.
    pub fn iam_permissions(&self) -> &'static [&'static str] {
        self.info().permissions
    }
    /// The part of the resource's state the action writes.
    pub fn writes(&self) -> Facet {
        self.info().writes
    }
    /// One line for people: what the action changes.
    pub fn describe(&self) -> String {
        match self {
            Action::S3Bucket(a) => a.describe(),
            Action::S3Account(a) => a.describe(),
            Action::IamUser(a) => a.describe(),
            Action::IamAccount(a) => a.describe(),
            Action::Ec2SecurityGroup(a) => a.describe(),
            Action::Ec2Account(a) => a.describe(),
            Action::EbsSnapshot(a) => a.describe(),
            Action::RdsDbInstance(a) => a.describe(),
            Action::RdsSnapshot(a) => a.describe(),
            Action::LambdaFunction(a) => a.describe(),
            Action::Vpc(a) => a.describe(),
            Action::SsmDocument(a) => a.describe(),
            Action::CloudTrailAccount(a) => a.describe(),
            Action::CloudTrailTrail(a) => a.describe(),
            Action::ConfigRecorder(a) => a.describe(),
            Action::GuardDuty(a) => a.describe(),
            Action::SecurityHub(a) => a.describe(),
            Action::KmsKey(a) => a.describe(),
        }
    }
    /// The action that restores the state this action replaced, when AWS allows it.
    pub fn undo(&self) -> Option<Action> {
        match self {
            Action::S3Bucket(a) => a.undo().map(Action::S3Bucket),
            Action::S3Account(a) => a.undo().map(Action::S3Account),
            Action::IamUser(a) => a.undo().map(Action::IamUser),
            Action::IamAccount(a) => a.undo().map(Action::IamAccount),
            Action::Ec2SecurityGroup(a) => a.undo().map(Action::Ec2SecurityGroup),
            Action::Ec2Account(a) => a.undo().map(Action::Ec2Account),
            Action::EbsSnapshot(a) => a.undo().map(Action::EbsSnapshot),
            Action::RdsDbInstance(a) => a.undo().map(Action::RdsDbInstance),
            Action::RdsSnapshot(a) => a.undo().map(Action::RdsSnapshot),
            Action::LambdaFunction(a) => a.undo().map(Action::LambdaFunction),
            Action::Vpc(a) => a.undo().map(Action::Vpc),
            Action::SsmDocument(a) => a.undo().map(Action::SsmDocument),
            Action::CloudTrailAccount(a) => a.undo().map(Action::CloudTrailAccount),
            Action::CloudTrailTrail(a) => a.undo().map(Action::CloudTrailTrail),
            Action::ConfigRecorder(a) => a.undo().map(Action::ConfigRecorder),
            Action::GuardDuty(a) => a.undo().map(Action::GuardDuty),
            Action::SecurityHub(a) => a.undo().map(Action::SecurityHub),
            Action::KmsKey(a) => a.undo().map(Action::KmsKey),
        }
    }
    /// Whether the state this action establishes is what `snapshot` shows (`None`
    /// when the facet it writes was not read). An action on another kind of
    /// resource never holds.
    pub fn holds_in(&self, snapshot: &Snapshot) -> Option<bool> {
        match self {
            Action::S3Bucket(a) => snapshot.as_s3_bucket().map_or(Some(false), |s| a.holds_in(s)),
            Action::S3Account(a) => snapshot.as_s3_account().map_or(Some(false), |s| a.holds_in(s)),
            Action::IamUser(a) => snapshot.as_iam_user().map_or(Some(false), |s| a.holds_in(s)),
            Action::IamAccount(a) => snapshot.as_iam_account().map_or(Some(false), |s| a.holds_in(s)),
            Action::Ec2SecurityGroup(a) => snapshot.as_ec2_security_group().map_or(Some(false), |s| a.holds_in(s)),
            Action::Ec2Account(a) => snapshot.as_ec2_account().map_or(Some(false), |s| a.holds_in(s)),
            Action::EbsSnapshot(a) => snapshot.as_ebs_snapshot().map_or(Some(false), |s| a.holds_in(s)),
            Action::RdsDbInstance(a) => snapshot.as_rds_db_instance().map_or(Some(false), |s| a.holds_in(s)),
            Action::RdsSnapshot(a) => snapshot.as_rds_snapshot().map_or(Some(false), |s| a.holds_in(s)),
            Action::LambdaFunction(a) => snapshot.as_lambda_function().map_or(Some(false), |s| a.holds_in(s)),
            Action::Vpc(a) => snapshot.as_vpc().map_or(Some(false), |s| a.holds_in(s)),
            Action::SsmDocument(a) => snapshot.as_ssm_document().map_or(Some(false), |s| a.holds_in(s)),
            Action::CloudTrailAccount(a) => snapshot.as_cloudtrail_account().map_or(Some(false), |s| a.holds_in(s)),
            Action::CloudTrailTrail(a) => snapshot.as_cloudtrail_trail().map_or(Some(false), |s| a.holds_in(s)),
            Action::ConfigRecorder(a) => snapshot.as_config_recorder().map_or(Some(false), |s| a.holds_in(s)),
            Action::GuardDuty(a) => snapshot.as_guardduty().map_or(Some(false), |s| a.holds_in(s)),
            Action::SecurityHub(a) => snapshot.as_security_hub().map_or(Some(false), |s| a.holds_in(s)),
            Action::KmsKey(a) => snapshot.as_kms_key().map_or(Some(false), |s| a.holds_in(s)),
        }
    }
    /// The action's effect on a snapshot, simulated (nothing when it is of another kind).
    pub fn apply_to(&self, snapshot: &mut Snapshot) {
        match self {
            Action::S3Bucket(a) => {
                if let Some(s) = snapshot.as_s3_bucket_mut() {
                    a.apply_to(s);
                }
            }
            Action::S3Account(a) => {
                if let Some(s) = snapshot.as_s3_account_mut() {
                    a.apply_to(s);
                }
            }
            Action::IamUser(a) => {
                if let Some(s) = snapshot.as_iam_user_mut() {
                    a.apply_to(s);
                }
            }
            Action::IamAccount(a) => {
                if let Some(s) = snapshot.as_iam_account_mut() {
                    a.apply_to(s);
                }
            }
            Action::Ec2SecurityGroup(a) => {
                if let Some(s) = snapshot.as_ec2_security_group_mut() {
                    a.apply_to(s);
                }
            }
            Action::Ec2Account(a) => {
                if let Some(s) = snapshot.as_ec2_account_mut() {
                    a.apply_to(s);
                }
            }
            Action::EbsSnapshot(a) => {
                if let Some(s) = snapshot.as_ebs_snapshot_mut() {
                    a.apply_to(s);
                }
            }
            Action::RdsDbInstance(a) => {
                if let Some(s) = snapshot.as_rds_db_instance_mut() {
                    a.apply_to(s);
                }
            }
            Action::RdsSnapshot(a) => {
                if let Some(s) = snapshot.as_rds_snapshot_mut() {
                    a.apply_to(s);
                }
            }
            Action::LambdaFunction(a) => {
                if let Some(s) = snapshot.as_lambda_function_mut() {
                    a.apply_to(s);
                }
            }
            Action::Vpc(a) => {
                if let Some(s) = snapshot.as_vpc_mut() {
                    a.apply_to(s);
                }
            }
            Action::SsmDocument(a) => {
                if let Some(s) = snapshot.as_ssm_document_mut() {
                    a.apply_to(s);
                }
            }
            Action::CloudTrailAccount(a) => {
                if let Some(s) = snapshot.as_cloudtrail_account_mut() {
                    a.apply_to(s);
                }
            }
            Action::CloudTrailTrail(a) => {
                if let Some(s) = snapshot.as_cloudtrail_trail_mut() {
                    a.apply_to(s);
                }
            }
            Action::ConfigRecorder(a) => {
                if let Some(s) = snapshot.as_config_recorder_mut() {
                    a.apply_to(s);
                }
            }
            Action::GuardDuty(a) => {
                if let Some(s) = snapshot.as_guardduty_mut() {
                    a.apply_to(s);
                }
            }
            Action::SecurityHub(a) => {
                if let Some(s) = snapshot.as_security_hub_mut() {
                    a.apply_to(s);
                }
            }
            Action::KmsKey(a) => {
                if let Some(s) = snapshot.as_kms_key_mut() {
                    a.apply_to(s);
                }
            }
        }
    }
}
