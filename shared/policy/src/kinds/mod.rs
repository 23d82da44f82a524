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

pub mod iam_account;
pub mod iam_user;
pub mod s3_account;
pub mod s3_bucket;

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
}

/// An AWS service an adapter calls: a cargo feature of `hipaa-aws` of the same name.
/// The plumbing every function uses (DynamoDB, Secrets Manager, SQS, STS) is always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    S3,
    S3Control,
    Iam,
    /// AWS Config's `PutEvaluations`, for rules that deploy a custom Config rule.
    Config,
}

impl Service {
    pub const ALL: [Service; 4] = [Service::S3, Service::S3Control, Service::Iam, Service::Config];

    /// The cargo feature of `hipaa-aws` that links the service's SDK.
    pub fn feature(self) -> &'static str {
        match self {
            Service::S3 => "s3",
            Service::S3Control => "s3control",
            Service::Iam => "iam",
            Service::Config => "config",
        }
    }
    /// The SDK crate behind the feature.
    pub fn sdk_crate(self) -> &'static str {
        match self {
            Service::S3 => "aws-sdk-s3",
            Service::S3Control => "aws-sdk-s3control",
            Service::Iam => "aws-sdk-iam",
            Service::Config => "aws-sdk-config",
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
    pub const ALL: [ResourceKind; 4] = [
        ResourceKind::S3Bucket,
        ResourceKind::S3Account,
        ResourceKind::IamUser,
        ResourceKind::IamAccount,
    ];

    /// Everything the kind's module declares.
    pub fn spec(self) -> &'static KindSpec {
        match self {
            ResourceKind::S3Bucket => &s3_bucket::SPEC,
            ResourceKind::S3Account => &s3_account::SPEC,
            ResourceKind::IamUser => &iam_user::SPEC,
            ResourceKind::IamAccount => &iam_account::SPEC,
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
}

impl Facet {
    pub fn kind(self) -> ResourceKind {
        match self {
            Facet::S3Bucket(_) => ResourceKind::S3Bucket,
            Facet::S3Account(_) => ResourceKind::S3Account,
            Facet::IamUser(_) => ResourceKind::IamUser,
            Facet::IamAccount(_) => ResourceKind::IamAccount,
        }
    }
    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::S3Bucket(f) => f.permissions(),
            Facet::S3Account(f) => f.permissions(),
            Facet::IamUser(f) => f.permissions(),
            Facet::IamAccount(f) => f.permissions(),
        }
    }
    pub fn as_s3_bucket(self) -> Option<s3_bucket::Facet> {
        match self {
            Facet::S3Bucket(f) => Some(f),
            Facet::S3Account(_) | Facet::IamUser(_) | Facet::IamAccount(_) => None,
        }
    }
    pub fn as_s3_account(self) -> Option<s3_account::Facet> {
        match self {
            Facet::S3Account(f) => Some(f),
            Facet::S3Bucket(_) | Facet::IamUser(_) | Facet::IamAccount(_) => None,
        }
    }
    pub fn as_iam_user(self) -> Option<iam_user::Facet> {
        match self {
            Facet::IamUser(f) => Some(f),
            Facet::S3Bucket(_) | Facet::S3Account(_) | Facet::IamAccount(_) => None,
        }
    }
    pub fn as_iam_account(self) -> Option<iam_account::Facet> {
        match self {
            Facet::IamAccount(f) => Some(f),
            Facet::S3Bucket(_) | Facet::S3Account(_) | Facet::IamUser(_) => None,
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
}

impl Snapshot {
    /// An empty snapshot for a resource, to be read at `as_of` (the executor's clock).
    pub fn empty_at(r: &ResourceRef, as_of: DateTime<Utc>) -> Self {
        match r.kind {
            ResourceKind::S3Bucket => Snapshot::S3Bucket(s3_bucket::Snapshot::empty(r)),
            ResourceKind::S3Account => Snapshot::S3Account(s3_account::Snapshot::empty(r)),
            ResourceKind::IamUser => Snapshot::IamUser(iam_user::Snapshot::empty(r, as_of)),
            ResourceKind::IamAccount => Snapshot::IamAccount(iam_account::Snapshot::empty(r, as_of)),
        }
    }

    /// Judge the snapshot as of `t` (the executor's clock): ages are measured from it.
    /// S3 snapshots hold no time.
    pub fn set_as_of(&mut self, t: DateTime<Utc>) {
        match self {
            Snapshot::IamUser(u) => u.as_of = t,
            Snapshot::IamAccount(a) => a.as_of = t,
            Snapshot::S3Bucket(_) | Snapshot::S3Account(_) => {}
        }
    }

    pub fn kind(&self) -> ResourceKind {
        match self {
            Snapshot::S3Bucket(_) => ResourceKind::S3Bucket,
            Snapshot::S3Account(_) => ResourceKind::S3Account,
            Snapshot::IamUser(_) => ResourceKind::IamUser,
            Snapshot::IamAccount(_) => ResourceKind::IamAccount,
        }
    }

    pub fn as_s3_bucket(&self) -> Option<&s3_bucket::Snapshot> {
        match self {
            Snapshot::S3Bucket(s) => Some(s),
            Snapshot::S3Account(_) | Snapshot::IamUser(_) | Snapshot::IamAccount(_) => None,
        }
    }
    pub fn as_s3_account(&self) -> Option<&s3_account::Snapshot> {
        match self {
            Snapshot::S3Account(s) => Some(s),
            Snapshot::S3Bucket(_) | Snapshot::IamUser(_) | Snapshot::IamAccount(_) => None,
        }
    }
    pub fn as_iam_user(&self) -> Option<&iam_user::Snapshot> {
        match self {
            Snapshot::IamUser(s) => Some(s),
            Snapshot::S3Bucket(_) | Snapshot::S3Account(_) | Snapshot::IamAccount(_) => None,
        }
    }
    pub fn as_iam_account(&self) -> Option<&iam_account::Snapshot> {
        match self {
            Snapshot::IamAccount(s) => Some(s),
            Snapshot::S3Bucket(_) | Snapshot::S3Account(_) | Snapshot::IamUser(_) => None,
        }
    }
    pub fn as_s3_bucket_mut(&mut self) -> Option<&mut s3_bucket::Snapshot> {
        match self {
            Snapshot::S3Bucket(s) => Some(s),
            Snapshot::S3Account(_) | Snapshot::IamUser(_) | Snapshot::IamAccount(_) => None,
        }
    }
    pub fn as_s3_account_mut(&mut self) -> Option<&mut s3_account::Snapshot> {
        match self {
            Snapshot::S3Account(s) => Some(s),
            Snapshot::S3Bucket(_) | Snapshot::IamUser(_) | Snapshot::IamAccount(_) => None,
        }
    }
    pub fn as_iam_user_mut(&mut self) -> Option<&mut iam_user::Snapshot> {
        match self {
            Snapshot::IamUser(s) => Some(s),
            Snapshot::S3Bucket(_) | Snapshot::S3Account(_) | Snapshot::IamAccount(_) => None,
        }
    }
    pub fn as_iam_account_mut(&mut self) -> Option<&mut iam_account::Snapshot> {
        match self {
            Snapshot::IamAccount(s) => Some(s),
            Snapshot::S3Bucket(_) | Snapshot::S3Account(_) | Snapshot::IamUser(_) => None,
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
        }
    }

    /// The resource's tags, when read (account-level settings have none).
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        match self {
            Snapshot::S3Bucket(s) => s.tags.get(),
            Snapshot::IamUser(s) => s.tags.get(),
            Snapshot::S3Account(_) | Snapshot::IamAccount(_) => None,
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
        }
    }
    /// The action that restores the state this action replaced, when AWS allows it.
    pub fn undo(&self) -> Option<Action> {
        match self {
            Action::S3Bucket(a) => a.undo().map(Action::S3Bucket),
            Action::S3Account(a) => a.undo().map(Action::S3Account),
            Action::IamUser(a) => a.undo().map(Action::IamUser),
            Action::IamAccount(a) => a.undo().map(Action::IamAccount),
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
        }
    }
}

/// The kinds' own types, reachable generically.
macro_rules! wrap_kind {
    ($kind:ident, $module:ident, $as_ref:ident, $as_mut:ident) => {
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
