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
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
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
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn action_names_are_unique_across_kinds() {
        let mut seen = HashSet::new();
        for a in Action::all() {
            assert!(seen.insert(a.name), "two actions are named {}", a.name);
        }
    }

    #[test]
    fn every_kind_declares_itself_and_only_its_own_facets_and_actions() {
        for k in ResourceKind::ALL {
            let s = k.spec();
            assert_eq!(s.kind, k);
            assert!(!s.config_types.is_empty(), "{k:?} has no Config resource type");
            assert!(!s.facets.is_empty(), "{k:?} has no facets");
            assert!(
                s.facets.iter().all(|f| f.kind() == k),
                "{k:?} lists another kind's facet"
            );
            assert!(
                s.actions.iter().all(|a| a.kind == k),
                "{k:?} lists another kind's action"
            );
            assert!(
                s.actions.iter().all(|a| a.writes.kind() == k),
                "{k:?}: an action writes another kind's facet"
            );
            assert!(s.tags.is_none_or(|t| s.facets.contains(&t)));
            assert!(!s.services.is_empty(), "{k:?} names no service");
        }
    }

    #[test]
    fn every_facet_and_action_has_permissions_and_no_wildcard() {
        for k in ResourceKind::ALL {
            for f in k.spec().facets {
                assert!(!f.permissions().is_empty(), "{f:?} has no read permission");
                assert!(f.permissions().iter().all(|p| !p.contains('*')), "{f:?}");
            }
        }
        for a in Action::all() {
            assert!(!a.permissions.is_empty(), "{} has no permissions", a.name);
            assert!(a.permissions.iter().all(|p| !p.contains('*')), "{}", a.name);
        }
    }

    #[test]
    fn an_undo_names_actions_of_the_same_kind() {
        for a in Action::all() {
            match a.undo() {
                Undo::By(by) => {
                    assert!(!by.is_empty(), "{} is undone by nothing", a.name);
                    assert!(by.iter().all(|u| u.kind == a.kind), "{}", a.name);
                }
                Undo::Irreversible(why) => assert!(!why.is_empty(), "{}", a.name),
            }
        }
    }

    #[test]
    fn config_types_name_their_kinds() {
        assert_eq!(
            ResourceKind::from_config_type("AWS::S3::Bucket"),
            Some(ResourceKind::S3Bucket)
        );
        assert_eq!(
            ResourceKind::from_config_type("AWS::::Account"),
            Some(ResourceKind::S3Account)
        );
        assert_eq!(
            ResourceKind::from_config_type("AWS::S3::AccountPublicAccessBlock"),
            Some(ResourceKind::S3Account)
        );
        assert_eq!(
            ResourceKind::from_config_type("AWS::IAM::User"),
            Some(ResourceKind::IamUser)
        );
        assert_eq!(ResourceKind::from_config_type("AWS::EC2::Instance"), None);
        assert_eq!(ResourceKind::IamAccount.config_type(), "AWS::::Account");
    }

    #[test]
    fn arns_are_as_aws_writes_them() {
        assert_eq!(ResourceRef::bucket("b", "1", "r").arn(), "arn:aws:s3:::b");
        assert_eq!(
            ResourceRef::s3_account("1", "r").arn(),
            "arn:aws:s3:r:1:account-public-access-block"
        );
        assert_eq!(ResourceRef::iam_user("u", "1", "r").arn(), "arn:aws:iam::1:user/u");
        assert_eq!(ResourceRef::iam_account("1", "r").arn(), "arn:aws:iam::1:root");
    }
}
