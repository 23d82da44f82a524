//! Resource kinds: one module per kind holds everything about it — its snapshot,
//! its facets (the parts of its state read separately) with their IAM read
//! permissions, its actions (one [`ActionSpec`] each), and its [`KindSpec`]: AWS
//! Config resource types, ARN format, list permissions, the AWS services its
//! adapter calls, and how a CloudTrail event names a resource of the kind.
//!
//! The crate-wide [`ResourceKind`], [`Snapshot`], [`Facet`] and [`Action`] only wrap
//! the per-kind ones, with exhaustive delegation: a new kind is one module, one
//! variant in each wrapper, and the compiler lists every match that needs its arm.
//!
//! A snapshot is read in facets so that a compliant resource costs only the reads
//! that prove it compliant (a bucket with all four Block Public Access settings on
//! costs one `GetPublicAccessBlock`; its policy and ACL are never read).
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::EventError;

mod spec;

pub mod ebs_snapshot;
pub mod ec2_account;
pub mod ec2_security_group;
pub mod iam_account;
pub mod iam_user;
pub mod lambda_function;
pub mod rds_db_instance;
pub mod rds_snapshot;
pub mod s3_account;
pub mod s3_bucket;
pub mod ssm_document;
pub mod vpc;
// The audit trail and the keys (issue #11).
pub mod cloudtrail_account;
pub mod cloudtrail_trail;
pub mod config_recorder;
pub mod guardduty;
pub mod kms_key;
pub mod security_hub;

pub(crate) use spec::kind_actions;
pub use spec::{ActionInfo, ActionSpec, Kind, Read, Undo, undo_of};

mod action;
mod snapshot;
pub use action::Action;
pub use snapshot::Snapshot;

/// The kinds of resource rules act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceKind {
    /// An S3 bucket; `id` is the bucket name.
    S3Bucket,
    /// The account-level S3 Block Public Access configuration; `id` is the account id.
    S3Account,
    /// An IAM user; `id` is the user name.
    IamUser,
    /// Account-wide IAM settings (password policy, root user); `id` is the account id.
    IamAccount,
    /// See [`ec2_security_group`].
    Ec2SecurityGroup,
    /// See [`ec2_account`].
    Ec2Account,
    /// See [`ebs_snapshot`].
    EbsSnapshot,
    /// See [`rds_db_instance`].
    RdsDbInstance,
    /// See [`rds_snapshot`].
    RdsSnapshot,
    /// See [`lambda_function`].
    LambdaFunction,
    /// See [`vpc`].
    Vpc,
    /// See [`ssm_document`].
    SsmDocument,
    /// The account's trails, seen from one region; `id` is the account id.
    CloudTrailAccount,
    /// One CloudTrail trail; `id` is its name, `region` its home region.
    CloudTrailTrail,
    /// A region's AWS Config configuration recorder and delivery channels; `id` is the account id.
    ConfigRecorder,
    /// GuardDuty in one region; `id` is the account id.
    GuardDuty,
    /// Security Hub in one region; `id` is the account id.
    SecurityHub,
    /// A KMS key; `id` is its key id.
    KmsKey,
}

/// An AWS service an adapter calls: a cargo feature of `hipaa-aws` of the same name.
/// The plumbing every function uses (DynamoDB, Secrets Manager, SQS, STS) is always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    S3,
    S3Control,
    Iam,
    /// AWS Config's `PutEvaluations`, for rules that deploy a custom Config rule, and
    /// the configuration recorder.
    Config,
    Ec2,
    Rds,
    Lambda,
    Ssm,
    /// CloudTrail: trails, and the event history (`LookupEvents`) of other kinds.
    CloudTrail,
    Kms,
    GuardDuty,
    SecurityHub,
    /// CloudWatch Logs (a trail's log group).
    Logs,
}

impl Service {
    pub const ALL: [Service; 13] = [
        Service::S3,
        Service::S3Control,
        Service::Iam,
        Service::Config,
        Service::Ec2,
        Service::Rds,
        Service::Lambda,
        Service::Ssm,
        Service::CloudTrail,
        Service::Kms,
        Service::GuardDuty,
        Service::SecurityHub,
        Service::Logs,
    ];

    /// The cargo feature of `hipaa-aws` that links the service's SDK.
    pub fn feature(self) -> &'static str {
        match self {
            Service::S3 => "s3",
            Service::S3Control => "s3control",
            Service::Iam => "iam",
            Service::Config => "config",
            Service::Ec2 => "ec2",
            Service::Rds => "rds",
            Service::Lambda => "lambda",
            Service::Ssm => "ssm",
            Service::CloudTrail => "cloudtrail",
            Service::Kms => "kms",
            Service::GuardDuty => "guardduty",
            Service::SecurityHub => "securityhub",
            Service::Logs => "logs",
        }
    }
    /// The SDK crate behind the feature.
    pub fn sdk_crate(self) -> &'static str {
        match self {
            Service::S3 => "aws-sdk-s3",
            Service::S3Control => "aws-sdk-s3control",
            Service::Iam => "aws-sdk-iam",
            Service::Config => "aws-sdk-config",
            Service::Ec2 => "aws-sdk-ec2",
            Service::Rds => "aws-sdk-rds",
            Service::Lambda => "aws-sdk-lambda",
            Service::Ssm => "aws-sdk-ssm",
            Service::CloudTrail => "aws-sdk-cloudtrail",
            Service::Kms => "aws-sdk-kms",
            Service::GuardDuty => "aws-sdk-guardduty",
            Service::SecurityHub => "aws-sdk-securityhub",
            Service::Logs => "aws-sdk-cloudwatchlogs",
        }
    }
}

/// What a CloudTrail event says, as a kind module needs it to name the resources
/// of its kind the call was about.
#[derive(Debug, Clone, Copy)]
pub struct CloudTrailCall<'a> {
    pub event_name: &'a str,
    pub event_source: &'a str,
    pub error_code: Option<&'a str>,
    /// `requestParameters`.
    pub params: Option<&'a Value>,
    /// The caller's ARN (`userIdentity.arn`) and identity type (`userIdentity.type`:
    /// IAMUser, AssumedRole, ...).
    pub caller_arn: &'a str,
    pub caller_type: Option<&'a str>,
    /// The account and region the call was made in (`recipientAccountId`, `awsRegion`).
    pub account: &'a str,
    pub region: &'a str,
    /// `responseElements` (what a create call made: a new group's id, ...).
    pub response: Option<&'a Value>,
}

impl CloudTrailCall<'_> {
    /// A string request parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.and_then(|p| p.get(key)).and_then(Value::as_str)
    }
}

/// The static facts of a kind, declared once in its module.
#[derive(Debug)]
pub struct KindSpec {
    pub kind: ResourceKind,
    /// AWS Config resource types naming this kind; the first is the one evaluations report.
    pub config_types: &'static [&'static str],
    /// Whether the kind is account-wide (one per account), not a single resource.
    pub account_level: bool,
    /// The IAM actions listing every resource of the kind needs (for sweeps).
    pub list_permissions: &'static [&'static str],
    /// The AWS services the kind's adapter calls (cargo features of `hipaa-aws`).
    pub services: &'static [Service],
    /// Every facet of the kind.
    pub facets: &'static [Facet],
    /// The facet holding the resource's tags (exemptions, break-glass), if it has tags.
    pub tags: Option<Facet>,
    /// Every action of the kind.
    pub actions: &'static [ActionInfo],
    /// The resource's ARN (or, for account-level settings, a stable pseudo-ARN).
    pub arn: fn(&ResourceRef) -> String,
    /// The resources of this kind a CloudTrail call was about: empty when the call
    /// is not about this kind; an error when it should name one and doesn't.
    pub from_cloudtrail: fn(&CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError>,
    /// The resource of this kind a Security Hub finding's resource (ASFF
    /// `Resources[]`) names, if it names one ([`no_finding`]: never).
    pub from_finding: fn(&FindingResource<'_>) -> Option<ResourceRef>,
}

/// One resource of a Security Hub finding (ASFF `Resources[]`), with the finding's
/// account and region.
#[derive(Debug, Clone, Copy)]
pub struct FindingResource<'a> {
    /// ASFF `Type`: `AwsS3Bucket`, `AwsIamUser`, `AwsAccount`, ...
    pub kind: &'a str,
    /// ASFF `Id`: an ARN for most types.
    pub id: &'a str,
    /// ASFF `Details`, if given.
    pub details: Option<&'a Value>,
    pub account: &'a str,
    pub region: &'a str,
}

impl FindingResource<'_> {
    /// A string in the resource's `Details` (`/AwsIamUser/UserName`).
    pub fn detail(&self, pointer: &str) -> Option<&str> {
        self.details.and_then(|d| d.pointer(pointer)).and_then(Value::as_str)
    }
}

/// For kinds no Security Hub finding names.
pub fn no_finding(_: &FindingResource<'_>) -> Option<ResourceRef> {
    None
}

/// The resource of `kind` a finding's resource of ASFF type `asff_type` names by its
/// ARN (`arn:aws:<service>:<region>:<account>:<resource part>`), whose resource part
/// starts with `prefix` (`trail/`, `key/`, `db:`): the rest of it is the id, with the
/// prefix kept when `keep_prefix` (an RDS snapshot's id is `snapshot:<name>`). The
/// region and account are the ARN's: a trail's home region, a key's own region.
pub fn finding_by_arn(
    r: &FindingResource<'_>,
    asff_type: &str,
    kind: ResourceKind,
    prefix: &str,
    keep_prefix: bool,
) -> Option<ResourceRef> {
    if r.kind != asff_type {
        return None;
    }
    let ["arn", _partition, _service, region, account, resource] = crate::resource_policy::arn_parts(r.id)? else {
        return None;
    };
    let name = resource.strip_prefix(prefix)?;
    if name.is_empty() || region.is_empty() || account != r.account {
        return None;
    }
    let id = if keep_prefix { resource } else { name };
    Some(ResourceRef::of(kind, id, account, region))
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 18] = [
        ResourceKind::S3Bucket,
        ResourceKind::S3Account,
        ResourceKind::IamUser,
        ResourceKind::IamAccount,
        ResourceKind::Ec2SecurityGroup,
        ResourceKind::Ec2Account,
        ResourceKind::EbsSnapshot,
        ResourceKind::RdsDbInstance,
        ResourceKind::RdsSnapshot,
        ResourceKind::LambdaFunction,
        ResourceKind::Vpc,
        ResourceKind::SsmDocument,
        ResourceKind::CloudTrailAccount,
        ResourceKind::CloudTrailTrail,
        ResourceKind::ConfigRecorder,
        ResourceKind::GuardDuty,
        ResourceKind::SecurityHub,
        ResourceKind::KmsKey,
    ];

    /// Everything the kind's module declares.
    pub fn spec(self) -> &'static KindSpec {
        match self {
            ResourceKind::S3Bucket => &s3_bucket::SPEC,
            ResourceKind::S3Account => &s3_account::SPEC,
            ResourceKind::IamUser => &iam_user::SPEC,
            ResourceKind::IamAccount => &iam_account::SPEC,
            ResourceKind::Ec2SecurityGroup => &ec2_security_group::SPEC,
            ResourceKind::Ec2Account => &ec2_account::SPEC,
            ResourceKind::EbsSnapshot => &ebs_snapshot::SPEC,
            ResourceKind::RdsDbInstance => &rds_db_instance::SPEC,
            ResourceKind::RdsSnapshot => &rds_snapshot::SPEC,
            ResourceKind::LambdaFunction => &lambda_function::SPEC,
            ResourceKind::Vpc => &vpc::SPEC,
            ResourceKind::SsmDocument => &ssm_document::SPEC,
            ResourceKind::CloudTrailAccount => &cloudtrail_account::SPEC,
            ResourceKind::CloudTrailTrail => &cloudtrail_trail::SPEC,
            ResourceKind::ConfigRecorder => &config_recorder::SPEC,
            ResourceKind::GuardDuty => &guardduty::SPEC,
            ResourceKind::SecurityHub => &security_hub::SPEC,
            ResourceKind::KmsKey => &kms_key::SPEC,
        }
    }
    /// The AWS Config resource type evaluations of this kind report.
    pub fn config_type(self) -> &'static str {
        self.spec().config_types.first().copied().unwrap_or_default()
    }
    /// Whether the kind is account-wide (one per account), not a single resource.
    pub fn is_account_level(self) -> bool {
        self.spec().account_level
    }
    /// The kind an AWS Config resource type names (the first kind that lists it:
    /// `AWS::::Account` is the S3 account settings, which account-level rules of
    /// other kinds take as their own, see `Rule::targets`).
    pub fn from_config_type(t: &str) -> Option<Self> {
        ResourceKind::ALL
            .into_iter()
            .find(|k| k.spec().config_types.contains(&t))
    }
    /// The resource a Security Hub finding's resource names (the first kind that
    /// takes it: `AwsAccount` is the S3 account settings, which account-level rules of
    /// other kinds take as their own, see `Rule::targets`).
    pub fn from_finding(r: &FindingResource<'_>) -> Option<ResourceRef> {
        ResourceKind::ALL.into_iter().find_map(|k| (k.spec().from_finding)(r))
    }
    /// The facet holding the kind's tags, if it has tags.
    pub fn tags_facet(self) -> Option<Facet> {
        self.spec().tags
    }
    pub fn list_permissions(self) -> &'static [&'static str] {
        self.spec().list_permissions
    }
}

/// Names one resource in one account and region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub id: String,
    pub account: String,
    pub region: String,
}

impl ResourceRef {
    /// A resource of `kind`; an account-level kind's id is the account.
    pub fn of(
        kind: ResourceKind,
        id: impl Into<String>,
        account: impl Into<String>,
        region: impl Into<String>,
    ) -> Self {
        let account = account.into();
        let id = if kind.is_account_level() {
            account.clone()
        } else {
            id.into()
        };
        Self {
            kind,
            id,
            account,
            region: region.into(),
        }
    }
    pub fn bucket(name: impl Into<String>, account: impl Into<String>, region: impl Into<String>) -> Self {
        Self::of(ResourceKind::S3Bucket, name, account, region)
    }
    pub fn s3_account(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self::of(ResourceKind::S3Account, "", account, region)
    }
    pub fn iam_user(name: impl Into<String>, account: impl Into<String>, region: impl Into<String>) -> Self {
        Self::of(ResourceKind::IamUser, name, account, region)
    }
    pub fn iam_account(account: impl Into<String>, region: impl Into<String>) -> Self {
        Self::of(ResourceKind::IamAccount, "", account, region)
    }
    /// The same account, seen as another account-level kind.
    pub fn as_kind(&self, kind: ResourceKind) -> Self {
        Self {
            kind,
            id: self.account.clone(),
            account: self.account.clone(),
            region: self.region.clone(),
        }
    }
    /// The resource's ARN (or, for account-level S3 settings, a stable pseudo-ARN).
    pub fn arn(&self) -> String {
        (self.kind.spec().arn)(self)
    }
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn())
    }
}

/// A part of a resource's state that is read separately: one kind's facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    S3Bucket(s3_bucket::Facet),
    S3Account(s3_account::Facet),
    IamUser(iam_user::Facet),
    IamAccount(iam_account::Facet),
    Ec2SecurityGroup(ec2_security_group::Facet),
    Ec2Account(ec2_account::Facet),
    EbsSnapshot(ebs_snapshot::Facet),
    RdsDbInstance(rds_db_instance::Facet),
    RdsSnapshot(rds_snapshot::Facet),
    LambdaFunction(lambda_function::Facet),
    Vpc(vpc::Facet),
    SsmDocument(ssm_document::Facet),
    CloudTrailAccount(cloudtrail_account::Facet),
    CloudTrailTrail(cloudtrail_trail::Facet),
    ConfigRecorder(config_recorder::Facet),
    GuardDuty(guardduty::Facet),
    SecurityHub(security_hub::Facet),
    KmsKey(kms_key::Facet),
}

impl Facet {
    pub fn kind(self) -> ResourceKind {
        match self {
            Facet::S3Bucket(_) => ResourceKind::S3Bucket,
            Facet::S3Account(_) => ResourceKind::S3Account,
            Facet::IamUser(_) => ResourceKind::IamUser,
            Facet::IamAccount(_) => ResourceKind::IamAccount,
            Facet::Ec2SecurityGroup(_) => ResourceKind::Ec2SecurityGroup,
            Facet::Ec2Account(_) => ResourceKind::Ec2Account,
            Facet::EbsSnapshot(_) => ResourceKind::EbsSnapshot,
            Facet::RdsDbInstance(_) => ResourceKind::RdsDbInstance,
            Facet::RdsSnapshot(_) => ResourceKind::RdsSnapshot,
            Facet::LambdaFunction(_) => ResourceKind::LambdaFunction,
            Facet::Vpc(_) => ResourceKind::Vpc,
            Facet::SsmDocument(_) => ResourceKind::SsmDocument,
            Facet::CloudTrailAccount(_) => ResourceKind::CloudTrailAccount,
            Facet::CloudTrailTrail(_) => ResourceKind::CloudTrailTrail,
            Facet::ConfigRecorder(_) => ResourceKind::ConfigRecorder,
            Facet::GuardDuty(_) => ResourceKind::GuardDuty,
            Facet::SecurityHub(_) => ResourceKind::SecurityHub,
            Facet::KmsKey(_) => ResourceKind::KmsKey,
        }
    }
    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::S3Bucket(f) => f.permissions(),
            Facet::S3Account(f) => f.permissions(),
            Facet::IamUser(f) => f.permissions(),
            Facet::IamAccount(f) => f.permissions(),
            Facet::Ec2SecurityGroup(f) => f.permissions(),
            Facet::Ec2Account(f) => f.permissions(),
            Facet::EbsSnapshot(f) => f.permissions(),
            Facet::RdsDbInstance(f) => f.permissions(),
            Facet::RdsSnapshot(f) => f.permissions(),
            Facet::LambdaFunction(f) => f.permissions(),
            Facet::Vpc(f) => f.permissions(),
            Facet::SsmDocument(f) => f.permissions(),
            Facet::CloudTrailAccount(f) => f.permissions(),
            Facet::CloudTrailTrail(f) => f.permissions(),
            Facet::ConfigRecorder(f) => f.permissions(),
            Facet::GuardDuty(f) => f.permissions(),
            Facet::SecurityHub(f) => f.permissions(),
            Facet::KmsKey(f) => f.permissions(),
        }
    }
}

/// The kinds' own types, reachable generically.
///
/// Also the projections of the crate-wide wrappers onto the kind's own types
/// (`Snapshot::as_s3_bucket`, `as_s3_bucket_mut`, `Facet::as_s3_bucket`): partial by
/// nature (every other kind is `None`), so they are generated here, one line per kind,
/// rather than written out as matches listing every other kind.
macro_rules! wrap_kind {
    ($kind:ident, $module:ident, $as_ref:ident, $as_mut:ident) => {
        impl Snapshot {
            pub fn $as_ref(&self) -> Option<&$module::Snapshot> {
                if let Snapshot::$kind(s) = self {
                    Some(s)
                } else {
                    None
                }
            }
            pub fn $as_mut(&mut self) -> Option<&mut $module::Snapshot> {
                if let Snapshot::$kind(s) = self {
                    Some(s)
                } else {
                    None
                }
            }
        }
        impl Facet {
            pub fn $as_ref(self) -> Option<$module::Facet> {
                if let Facet::$kind(f) = self { Some(f) } else { None }
            }
        }
        impl Kind for $module::$kind {
            const KIND: ResourceKind = ResourceKind::$kind;
            type Snapshot = $module::Snapshot;
            type Facet = $module::Facet;
            type Action = $module::Action;
            fn project(s: &Snapshot) -> Option<&$module::Snapshot> {
                s.$as_ref()
            }
            fn project_mut(s: &mut Snapshot) -> Option<&mut $module::Snapshot> {
                s.$as_mut()
            }
        }
        impl From<$module::Snapshot> for Snapshot {
            fn from(s: $module::Snapshot) -> Snapshot {
                Snapshot::$kind(s)
            }
        }
        impl From<$module::Facet> for Facet {
            fn from(f: $module::Facet) -> Facet {
                Facet::$kind(f)
            }
        }
    };
}

wrap_kind!(S3Bucket, s3_bucket, as_s3_bucket, as_s3_bucket_mut);
wrap_kind!(S3Account, s3_account, as_s3_account, as_s3_account_mut);
wrap_kind!(IamUser, iam_user, as_iam_user, as_iam_user_mut);
wrap_kind!(IamAccount, iam_account, as_iam_account, as_iam_account_mut);
wrap_kind!(
    Ec2SecurityGroup,
    ec2_security_group,
    as_ec2_security_group,
    as_ec2_security_group_mut
);
wrap_kind!(Ec2Account, ec2_account, as_ec2_account, as_ec2_account_mut);
wrap_kind!(EbsSnapshot, ebs_snapshot, as_ebs_snapshot, as_ebs_snapshot_mut);
wrap_kind!(
    RdsDbInstance,
    rds_db_instance,
    as_rds_db_instance,
    as_rds_db_instance_mut
);
wrap_kind!(RdsSnapshot, rds_snapshot, as_rds_snapshot, as_rds_snapshot_mut);
wrap_kind!(
    LambdaFunction,
    lambda_function,
    as_lambda_function,
    as_lambda_function_mut
);
wrap_kind!(Vpc, vpc, as_vpc, as_vpc_mut);
wrap_kind!(SsmDocument, ssm_document, as_ssm_document, as_ssm_document_mut);
wrap_kind!(
    CloudTrailAccount,
    cloudtrail_account,
    as_cloudtrail_account,
    as_cloudtrail_account_mut
);
wrap_kind!(
    CloudTrailTrail,
    cloudtrail_trail,
    as_cloudtrail_trail,
    as_cloudtrail_trail_mut
);
wrap_kind!(
    ConfigRecorder,
    config_recorder,
    as_config_recorder,
    as_config_recorder_mut
);
wrap_kind!(GuardDuty, guardduty, as_guardduty, as_guardduty_mut);
wrap_kind!(SecurityHub, security_hub, as_security_hub, as_security_hub_mut);
wrap_kind!(KmsKey, kms_key, as_kms_key, as_kms_key_mut);

#[cfg(test)]
mod tests;
