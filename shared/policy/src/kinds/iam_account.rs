//! Account-wide IAM settings: the password policy and the root user's MFA.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;
use crate::iam::PasswordPolicy;

/// The kind's marker type (see [`super::Kind`]).
pub struct IamAccount;

/// Fresh state of account-wide IAM settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub account: String,
    pub as_of: DateTime<Utc>,
    /// `None` inside `Read::Value`: the account has no password policy.
    pub password_policy: Read<Option<PasswordPolicy>>,
    /// Whether the root user has MFA (`GetAccountSummary`'s `AccountMFAEnabled`).
    pub root_mfa: Read<bool>,
}

/// The parts of the account's IAM settings read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    PasswordPolicy,
    RootMfa,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::PasswordPolicy, Facet::RootMfa];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::PasswordPolicy => &["iam:GetAccountPasswordPolicy"],
            Facet::RootMfa => &["iam:GetAccountSummary"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet, to be read at `as_of`.
    pub fn empty(r: &ResourceRef, as_of: DateTime<Utc>) -> Self {
        Snapshot {
            account: r.account.clone(),
            as_of,
            password_policy: Read::NotRead,
            root_mfa: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::PasswordPolicy => self.password_policy.is_read(),
            Facet::RootMfa => self.root_mfa.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::PasswordPolicy => self.password_policy = from.password_policy.clone(),
            Facet::RootMfa => self.root_mfa = from.root_mfa.clone(),
        }
    }
}

/// The CloudTrail events of the account password policy (eventSource `iam.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::IamAccount,
    // Config names the account `AWS::::Account` (and takes it as the S3 account
    // settings first: account-level rules take any account-level resource as theirs).
    config_types: &["AWS::::Account"],
    account_level: true,
    list_permissions: &[],
    services: &[Service::Iam],
    facets: &[
        super::Facet::IamAccount(Facet::PasswordPolicy),
        super::Facet::IamAccount(Facet::RootMfa),
    ],
    tags: None,
    actions: Action::ALL,
    arn: |r| format!("arn:aws:iam::{}:root", r.account),
    from_cloudtrail,
    from_finding: super::no_finding,
};

fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "iam.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    Ok(vec![ResourceRef::iam_account(call.account, call.region)])
}

kind_actions!(IamAccount; UpdateAccountPasswordPolicy, DeleteAccountPasswordPolicy);

/// Set the account password policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateAccountPasswordPolicy {
    pub policy: PasswordPolicy,
    pub previous: Option<PasswordPolicy>,
}

impl ActionSpec for UpdateAccountPasswordPolicy {
    type Kind = IamAccount;
    const NAME: &'static str = "UpdateAccountPasswordPolicy";
    const PERMISSIONS: &'static [&'static str] = &["iam:UpdateAccountPasswordPolicy"];
    const WRITES: Facet = Facet::PasswordPolicy;
    const UNDO: Undo = Undo::By(&[UpdateAccountPasswordPolicy::INFO, DeleteAccountPasswordPolicy::INFO]);

    fn describe(&self) -> String {
        format!(
            "set the account password policy to {} (was {})",
            describe_password_policy(&self.policy),
            self.previous
                .as_ref()
                .map(describe_password_policy)
                .unwrap_or_else(|| "none".into())
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(match self.previous {
            Some(p) => UpdateAccountPasswordPolicy {
                policy: p,
                previous: Some(self.policy),
            }
            .into(),
            None => DeleteAccountPasswordPolicy { previous: self.policy }.into(),
        })
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(
            s.password_policy
                .get()?
                .as_ref()
                .is_some_and(|p| p.same_as(&self.policy)),
        )
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.password_policy = Read::Value(Some(self.policy));
    }
}

/// Delete the account password policy (only as an undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteAccountPasswordPolicy {
    pub previous: PasswordPolicy,
}

impl ActionSpec for DeleteAccountPasswordPolicy {
    type Kind = IamAccount;
    const NAME: &'static str = "DeleteAccountPasswordPolicy";
    const PERMISSIONS: &'static [&'static str] = &["iam:DeleteAccountPasswordPolicy"];
    const WRITES: Facet = Facet::PasswordPolicy;
    const UNDO: Undo = Undo::By(&[UpdateAccountPasswordPolicy::INFO]);

    fn describe(&self) -> String {
        "delete the account password policy".to_string()
    }
    fn undo(&self) -> Option<Action> {
        Some(
            UpdateAccountPasswordPolicy {
                policy: self.previous,
                previous: None,
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        Some(s.password_policy.get()?.is_none())
    }
    fn apply_to(&self, s: &mut Snapshot) {
        s.password_policy = Read::Value(None);
    }
}

fn describe_password_policy(p: &PasswordPolicy) -> String {
    let mut classes = Vec::new();
    for (on, name) in [
        (p.require_uppercase_characters, "upper"),
        (p.require_lowercase_characters, "lower"),
        (p.require_numbers, "number"),
        (p.require_symbols, "symbol"),
    ] {
        if on {
            classes.push(name);
        }
    }
    format!(
        "length >= {}, requires [{}], reuse prevention {}, max age {}",
        p.minimum_password_length.unwrap_or(6),
        classes.join(", "),
        p.password_reuse_prevention
            .map(|n| n.to_string())
            .unwrap_or_else(|| "off".into()),
        p.max_password_age
            .map(|n| format!("{n} days"))
            .unwrap_or_else(|| "none".into())
    )
}
