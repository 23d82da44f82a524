//! An IAM user: its access keys, console password (login profile), MFA devices,
//! attached managed policies and tags, and the actions that change them.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::iam::{AccessKey, LoginProfile, MfaDevice};

/// The kind's marker type (see [`super::Kind`]).
pub struct IamUser;

/// Fresh state of an IAM user. `as_of` is when it was read: rules judge ages against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub name: String,
    pub account: String,
    pub as_of: DateTime<Utc>,
    pub access_keys: Read<Vec<AccessKey>>,
    /// When each access key (by id) was last used; `None`: never used. Holds exactly
    /// the keys of `access_keys` once both are read.
    #[serde(default)]
    pub key_last_used: Read<BTreeMap<String, Option<DateTime<Utc>>>>,
    /// `None` inside `Read::Value`: the user has no console password.
    pub login_profile: Read<Option<LoginProfile>>,
    pub mfa_devices: Read<Vec<MfaDevice>>,
    /// ARNs of the managed policies attached to the user.
    pub attached_policies: Read<Vec<String>>,
    pub tags: Read<BTreeMap<String, String>>,
}

/// The parts of a user's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    /// A user's access keys: id, status, creation (`ListAccessKeys`).
    AccessKeys,
    /// When each of the user's access keys was last used (`GetAccessKeyLastUsed`, one
    /// call per key). Separate from [`Facet::AccessKeys`] so that a rule judging
    /// only key ages (`iam-access-key-rotated`) does not pay a call per key.
    AccessKeyLastUsed,
    LoginProfile,
    MfaDevices,
    AttachedPolicies,
    Tags,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[
        Facet::AccessKeys,
        Facet::AccessKeyLastUsed,
        Facet::LoginProfile,
        Facet::MfaDevices,
        Facet::AttachedPolicies,
        Facet::Tags,
    ];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::AccessKeys => &["iam:ListAccessKeys"],
            // The keys are listed first to know which to ask about.
            Facet::AccessKeyLastUsed => &["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"],
            // GetUser gives PasswordLastUsed; GetLoginProfile whether a password exists and since when.
            Facet::LoginProfile => &["iam:GetLoginProfile", "iam:GetUser"],
            Facet::MfaDevices => &["iam:ListMFADevices"],
            Facet::AttachedPolicies => &["iam:ListAttachedUserPolicies"],
            Facet::Tags => &["iam:ListUserTags"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet, to be read at `as_of`.
    pub fn empty(r: &ResourceRef, as_of: DateTime<Utc>) -> Self {
        Snapshot {
            name: r.id.clone(),
            account: r.account.clone(),
            as_of,
            access_keys: Read::NotRead,
            key_last_used: Read::NotRead,
            login_profile: Read::NotRead,
            mfa_devices: Read::NotRead,
            attached_policies: Read::NotRead,
            tags: Read::NotRead,
        }
    }
    /// When key `id` was last used: `None` when that is not read (or the key is not
    /// in the snapshot); `Some(None)` when it was never used.
    pub fn last_use_of(&self, id: &str) -> Option<Option<DateTime<Utc>>> {
        self.key_last_used.get()?.get(id).copied()
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::AccessKeys => self.access_keys.is_read(),
            Facet::AccessKeyLastUsed => self.key_last_used.is_read(),
            Facet::LoginProfile => self.login_profile.is_read(),
            Facet::MfaDevices => self.mfa_devices.is_read(),
            Facet::AttachedPolicies => self.attached_policies.is_read(),
            Facet::Tags => self.tags.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::AccessKeys => self.access_keys = from.access_keys.clone(),
            Facet::AccessKeyLastUsed => self.key_last_used = from.key_last_used.clone(),
            Facet::LoginProfile => self.login_profile = from.login_profile.clone(),
            Facet::MfaDevices => self.mfa_devices = from.mfa_devices.clone(),
            Facet::AttachedPolicies => self.attached_policies = from.attached_policies.clone(),
            Facet::Tags => self.tags = from.tags.clone(),
        }
    }
}

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::IamUser,
    config_types: &["AWS::IAM::User"],
    account_level: false,
    // Users are listed, and summarised by the account's credential report.
    list_permissions: &[
        "iam:ListUsers",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
    ],
    services: &[Service::Iam],
    facets: &[
        super::Facet::IamUser(Facet::AccessKeys),
        super::Facet::IamUser(Facet::AccessKeyLastUsed),
        super::Facet::IamUser(Facet::LoginProfile),
        super::Facet::IamUser(Facet::MfaDevices),
        super::Facet::IamUser(Facet::AttachedPolicies),
        super::Facet::IamUser(Facet::Tags),
    ],
    tags: Some(super::Facet::IamUser(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:iam::{}:user/{}", r.account, r.id),
    from_cloudtrail,
};

/// IAM calls name the user they act on; for CreateUser and the like it is the
/// request's userName. Calls on one's own credentials may omit it: then the caller
/// is the user. (Account-wide IAM calls are the account's, see `iam_account`.)
fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "iam.amazonaws.com" || super::iam_account::CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    let user = call.param("userName").map(str::to_owned).or_else(|| {
        (call.caller_type == Some("IAMUser"))
            .then(|| call.caller_arn.rsplit('/').next().unwrap_or_default().to_string())
    });
    Ok(match user {
        Some(u) if !u.is_empty() => vec![ResourceRef::iam_user(u, call.account, call.region)],
        _ => vec![],
    })
}

kind_actions!(
    IamUser;
    DeactivateAccessKey,
    ActivateAccessKey,
    DeleteAccessKey,
    DeleteLoginProfile,
    AttachUserPolicy,
    DetachUserPolicy,
);

fn set_key_active(s: &mut Snapshot, key_id: &str, active: bool) {
    for k in s.access_keys.get_mut().into_iter().flatten() {
        if k.id == key_id {
            k.active = active;
        }
    }
}

/// Set an access key to Inactive (reversible: reactivate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivateAccessKey {
    pub user: String,
    pub key_id: String,
}

impl ActionSpec for DeactivateAccessKey {
    type Kind = IamUser;
    const NAME: &'static str = "DeactivateAccessKey";
    const PERMISSIONS: &'static [&'static str] = &["iam:UpdateAccessKey"];
    const WRITES: Facet = Facet::AccessKeys;
    const UNDO: Undo = Undo::By(&[ActivateAccessKey::INFO]);

    fn describe(&self) -> String {
        format!("deactivate access key {} of user {}", self.key_id, self.user)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            ActivateAccessKey {
                user: self.user.clone(),
                key_id: self.key_id.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.access_keys.get()?.iter().any(|k| k.id == self.key_id && !k.active))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        set_key_active(s, &self.key_id, false);
    }
}

/// Set an access key to Active (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateAccessKey {
    pub user: String,
    pub key_id: String,
}

impl ActionSpec for ActivateAccessKey {
    type Kind = IamUser;
    const NAME: &'static str = "ActivateAccessKey";
    const PERMISSIONS: &'static [&'static str] = &["iam:UpdateAccessKey"];
    const WRITES: Facet = Facet::AccessKeys;
    const UNDO: Undo = Undo::By(&[DeactivateAccessKey::INFO]);

    fn describe(&self) -> String {
        format!("reactivate access key {} of user {}", self.key_id, self.user)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DeactivateAccessKey {
                user: self.user.clone(),
                key_id: self.key_id.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.access_keys.get()?.iter().any(|k| k.id == self.key_id && k.active))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        set_key_active(s, &self.key_id, true);
    }
}

/// Delete an inactive access key. Irreversible: its secret can't be recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteAccessKey {
    pub user: String,
    pub key_id: String,
}

impl ActionSpec for DeleteAccessKey {
    type Kind = IamUser;
    const NAME: &'static str = "DeleteAccessKey";
    const PERMISSIONS: &'static [&'static str] = &["iam:DeleteAccessKey"];
    const WRITES: Facet = Facet::AccessKeys;
    const UNDO: Undo = Undo::Irreversible("a deleted access key's secret can't be recovered");

    fn describe(&self) -> String {
        format!(
            "delete inactive access key {} of user {} (irreversible)",
            self.key_id, self.user
        )
    }
    fn undo(&self) -> Option<Action> {
        None
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(!s.access_keys.get()?.iter().any(|k| k.id == self.key_id))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(keys) = s.access_keys.get_mut() {
            keys.retain(|k| k.id != self.key_id);
        }
        if let Some(used) = s.key_last_used.get_mut() {
            used.remove(&self.key_id);
        }
    }
}

/// Remove a user's console password. Irreversible: the password can't be restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteLoginProfile {
    pub user: String,
}

impl ActionSpec for DeleteLoginProfile {
    type Kind = IamUser;
    const NAME: &'static str = "DeleteLoginProfile";
    const PERMISSIONS: &'static [&'static str] = &["iam:DeleteLoginProfile"];
    const WRITES: Facet = Facet::LoginProfile;
    const UNDO: Undo = Undo::Irreversible("a removed console password can't be restored");

    fn describe(&self) -> String {
        format!(
            "remove the console password (login profile) of user {} (irreversible)",
            self.user
        )
    }
    fn undo(&self) -> Option<Action> {
        None
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.login_profile.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.login_profile = Read::Value(None);
    }
}

/// Attach a managed policy to a user (the MFA quarantine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachUserPolicy {
    pub user: String,
    pub policy_arn: String,
}

impl ActionSpec for AttachUserPolicy {
    type Kind = IamUser;
    const NAME: &'static str = "AttachUserPolicy";
    const PERMISSIONS: &'static [&'static str] = &["iam:AttachUserPolicy"];
    const WRITES: Facet = Facet::AttachedPolicies;
    const UNDO: Undo = Undo::By(&[DetachUserPolicy::INFO]);

    fn describe(&self) -> String {
        format!(
            "quarantine user {}: attach {}, which denies everything but setting up MFA",
            self.user, self.policy_arn
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            DetachUserPolicy {
                user: self.user.clone(),
                policy_arn: self.policy_arn.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.attached_policies.get()?.contains(&self.policy_arn))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.attached_policies.get_mut()
            && !p.contains(&self.policy_arn)
        {
            p.push(self.policy_arn.clone());
        }
    }
}

/// Detach a managed policy from a user (lifting the MFA quarantine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetachUserPolicy {
    pub user: String,
    pub policy_arn: String,
}

impl ActionSpec for DetachUserPolicy {
    type Kind = IamUser;
    const NAME: &'static str = "DetachUserPolicy";
    const PERMISSIONS: &'static [&'static str] = &["iam:DetachUserPolicy"];
    const WRITES: Facet = Facet::AttachedPolicies;
    const UNDO: Undo = Undo::By(&[AttachUserPolicy::INFO]);

    fn describe(&self) -> String {
        format!("lift the quarantine of user {}: detach {}", self.user, self.policy_arn)
    }
    fn undo(&self) -> Option<Action> {
        Some(
            AttachUserPolicy {
                user: self.user.clone(),
                policy_arn: self.policy_arn.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(!s.attached_policies.get()?.contains(&self.policy_arn))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(p) = s.attached_policies.get_mut() {
            p.retain(|a| *a != self.policy_arn);
        }
    }
}
