//! An IAM user: its access keys, console password (login profile), MFA devices,
//! attached managed policies, where its permissions come from (its own policies and
//! its groups'), and tags, and the actions that change them.
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
    /// Where the user's permissions come from: its own policies and its groups'.
    #[serde(default, skip_serializing_if = "Read::is_not_read")]
    pub permissions: Read<UserPermissions>,
}

/// A group's policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPolicies {
    pub name: String,
    /// ARNs of the managed policies attached to the group.
    pub attached: Vec<String>,
    /// Inline policies: name → document (JSON text).
    pub inline: BTreeMap<String, String>,
}

/// A user's own policies (attached and inline) and its groups' policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct UserPermissions {
    pub attached: Vec<String>,
    /// Inline policies: name → document (JSON text; configuration, not data).
    pub inline: BTreeMap<String, String>,
    pub groups: Vec<GroupPolicies>,
}

impl UserPermissions {
    pub fn group(&self, name: &str) -> Option<&GroupPolicies> {
        self.groups.iter().find(|g| g.name == name)
    }
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
    Permissions,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[
        Facet::AccessKeys,
        Facet::AccessKeyLastUsed,
        Facet::LoginProfile,
        Facet::MfaDevices,
        Facet::AttachedPolicies,
        Facet::Tags,
        Facet::Permissions,
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
            Facet::Permissions => &[
                "iam:ListAttachedUserPolicies",
                "iam:ListUserPolicies",
                "iam:GetUserPolicy",
                "iam:ListGroupsForUser",
                "iam:ListAttachedGroupPolicies",
                "iam:ListGroupPolicies",
                "iam:GetGroupPolicy",
            ],
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
            permissions: Read::NotRead,
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
            Facet::Permissions => self.permissions.is_read(),
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
            Facet::Permissions => self.permissions = from.permissions.clone(),
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
        super::Facet::IamUser(Facet::Permissions),
    ],
    tags: Some(super::Facet::IamUser(Facet::Tags)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:iam::{}:user/{}", r.account, r.id),
    from_cloudtrail,
    from_finding,
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
    MoveDirectPoliciesToGroup,
    MoveGroupPoliciesToUser,
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
        if let Some(p) = s.permissions.get_mut()
            && !p.attached.contains(&self.policy_arn)
        {
            p.attached.push(self.policy_arn.clone());
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
        if let Some(p) = s.permissions.get_mut() {
            p.attached.retain(|a| *a != self.policy_arn);
        }
    }
}

/// Move a user's own policies to a group of its own: create the group (unless it
/// exists with no other member), give it the same managed and inline policies, add
/// the user, and only then detach and delete the user's own. The user's permissions
/// never drop, not even for a moment: a failure on the way leaves it with both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveDirectPoliciesToGroup {
    pub user: String,
    pub group: String,
    pub managed: Vec<String>,
    /// Inline policies: name → document.
    pub inline: BTreeMap<String, String>,
    /// Whether the group is created by this move (its undo deletes it again).
    pub create_group: bool,
}

impl ActionSpec for MoveDirectPoliciesToGroup {
    type Kind = IamUser;
    const NAME: &'static str = "MoveDirectPoliciesToGroup";
    // GetUser: a user gone since it was read is a quiet no-op, told apart before
    // anything is created.
    const PERMISSIONS: &'static [&'static str] = &[
        "iam:GetUser",
        "iam:GetGroup",
        "iam:CreateGroup",
        "iam:AttachGroupPolicy",
        "iam:PutGroupPolicy",
        "iam:AddUserToGroup",
        "iam:DetachUserPolicy",
        "iam:DeleteUserPolicy",
    ];
    const WRITES: Facet = Facet::Permissions;
    const UNDO: Undo = Undo::By(&[MoveGroupPoliciesToUser::INFO]);

    fn describe(&self) -> String {
        let mut what: Vec<String> = self.managed.iter().map(|a| format!("managed {a}")).collect();
        what.extend(self.inline.keys().map(|n| format!("inline {n}")));
        format!(
            "move the policies of user {} ({}) to {} group {} and add the user to it, then remove them from the user",
            self.user,
            what.join(", "),
            if self.create_group { "its new" } else { "its" },
            self.group
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            MoveGroupPoliciesToUser {
                user: self.user.clone(),
                group: self.group.clone(),
                managed: self.managed.clone(),
                inline: self.inline.clone(),
                delete_group: self.create_group,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let p = s.permissions.get()?;
        let direct_gone = !self.managed.iter().any(|a| p.attached.contains(a))
            && !self.inline.keys().any(|n| p.inline.contains_key(n));
        let in_group = p.group(&self.group).is_some_and(|g| {
            self.managed.iter().all(|a| g.attached.contains(a))
                && self.inline.iter().all(|(n, d)| g.inline.get(n) == Some(d))
        });
        Some(direct_gone && in_group)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(a) = s.attached_policies.get_mut() {
            a.retain(|x| !self.managed.contains(x));
        }
        let Some(p) = s.permissions.get_mut() else { return };
        p.attached.retain(|x| !self.managed.contains(x));
        p.inline.retain(|n, _| !self.inline.contains_key(n));
        if p.group(&self.group).is_none() {
            p.groups.push(GroupPolicies {
                name: self.group.clone(),
                attached: vec![],
                inline: BTreeMap::new(),
            });
        }
        for g in p.groups.iter_mut().filter(|g| g.name == self.group) {
            for a in &self.managed {
                if !g.attached.contains(a) {
                    g.attached.push(a.clone());
                }
            }
            g.inline.extend(self.inline.clone());
        }
    }
}

/// Put a user's policies back on the user (attach, put inline), then remove them from
/// the group and, when the move created the group, take the user out and delete it
/// (only as the undo of [`MoveDirectPoliciesToGroup`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveGroupPoliciesToUser {
    pub user: String,
    pub group: String,
    pub managed: Vec<String>,
    pub inline: BTreeMap<String, String>,
    pub delete_group: bool,
}

impl ActionSpec for MoveGroupPoliciesToUser {
    type Kind = IamUser;
    const NAME: &'static str = "MoveGroupPoliciesToUser";
    const PERMISSIONS: &'static [&'static str] = &[
        "iam:GetUser",
        "iam:AttachUserPolicy",
        "iam:PutUserPolicy",
        "iam:RemoveUserFromGroup",
        "iam:DetachGroupPolicy",
        "iam:DeleteGroupPolicy",
        "iam:DeleteGroup",
    ];
    const WRITES: Facet = Facet::Permissions;
    const UNDO: Undo = Undo::By(&[MoveDirectPoliciesToGroup::INFO]);

    fn describe(&self) -> String {
        format!(
            "put the policies of user {} back on the user, then take it out of group {}{}",
            self.user,
            self.group,
            if self.delete_group { " and delete the group" } else { "" }
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            MoveDirectPoliciesToGroup {
                user: self.user.clone(),
                group: self.group.clone(),
                managed: self.managed.clone(),
                inline: self.inline.clone(),
                create_group: self.delete_group,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let p = s.permissions.get()?;
        let back = self.managed.iter().all(|a| p.attached.contains(a))
            && self.inline.iter().all(|(n, d)| p.inline.get(n) == Some(d));
        let group_as_before = match p.group(&self.group) {
            None => self.delete_group,
            Some(g) => {
                !self.delete_group
                    && !self.managed.iter().any(|a| g.attached.contains(a))
                    && !self.inline.keys().any(|n| g.inline.contains_key(n))
            }
        };
        Some(back && group_as_before)
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(a) = s.attached_policies.get_mut() {
            for m in &self.managed {
                if !a.contains(m) {
                    a.push(m.clone());
                }
            }
        }
        let Some(p) = s.permissions.get_mut() else { return };
        for m in &self.managed {
            if !p.attached.contains(m) {
                p.attached.push(m.clone());
            }
        }
        p.inline.extend(self.inline.clone());
        if self.delete_group {
            p.groups.retain(|g| g.name != self.group);
        }
        for g in p.groups.iter_mut().filter(|g| g.name == self.group) {
            g.attached.retain(|a| !self.managed.contains(a));
            g.inline.retain(|n, _| !self.inline.contains_key(n));
        }
    }
}

/// `AwsIamUser` (its `Id` the user's ARN, `Details.AwsIamUser.UserName`) and
/// `AwsIamAccessKey` (`Details.AwsIamAccessKey.PrincipalName` or `UserName`).
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    let name = match r.kind {
        "AwsIamUser" => r
            .detail("/AwsIamUser/UserName")
            .or_else(|| r.id.split(":user/").nth(1).and_then(|path| path.rsplit('/').next())),
        "AwsIamAccessKey" => r
            .detail("/AwsIamAccessKey/PrincipalName")
            .or_else(|| r.detail("/AwsIamAccessKey/UserName")),
        _ => None,
    }?;
    (!name.is_empty()).then(|| ResourceRef::of(ResourceKind::IamUser, name, r.account, r.region))
}
