//! Remediation plans as data.
//!
//! `Action` is a closed enum matched exhaustively by the adapter, so a new action
//! can't be half-wired. Every action is idempotent (events arrive at least once)
//! and carries what is needed to undo it.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::iam::PasswordPolicy;
use crate::resource::{Facet, ResourceKind, Snapshot};
use crate::s3::{Acl, Grant, PublicAccessBlock};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action")]
pub enum Action {
    /// Set the bucket's Block Public Access configuration.
    PutBucketPublicAccessBlock {
        bucket: String,
        settings: PublicAccessBlock,
        previous: Option<PublicAccessBlock>,
    },
    /// Remove the bucket's Block Public Access configuration (only as an undo).
    DeleteBucketPublicAccessBlock {
        bucket: String,
        previous: PublicAccessBlock,
    },
    /// Replace the bucket ACL with `acl` (the previous ACL without its public grants).
    PutBucketAcl {
        bucket: String,
        acl: Acl,
        removed_grants: Vec<Grant>,
        previous: Acl,
    },
    /// Replace the bucket policy with `policy` (the previous one without its public statements).
    PutBucketPolicy {
        bucket: String,
        policy: String,
        removed_statements: Vec<Value>,
        previous: Option<String>,
    },
    /// Delete the bucket policy (every statement was public).
    DeleteBucketPolicy {
        bucket: String,
        removed_statements: Vec<Value>,
        previous: String,
    },
    /// Set the account-level Block Public Access configuration.
    PutAccountPublicAccessBlock {
        account: String,
        settings: PublicAccessBlock,
        previous: Option<PublicAccessBlock>,
    },
    /// Remove the account-level configuration (only as an undo).
    DeleteAccountPublicAccessBlock {
        account: String,
        previous: PublicAccessBlock,
    },
    /// Set an access key to Inactive (reversible: reactivate).
    DeactivateAccessKey { user: String, key_id: String },
    /// Set an access key to Active (only as an undo).
    ActivateAccessKey { user: String, key_id: String },
    /// Delete an inactive access key. Irreversible: its secret can't be recovered.
    DeleteAccessKey { user: String, key_id: String },
    /// Remove a user's console password. Irreversible: the password can't be restored.
    DeleteLoginProfile { user: String },
    /// Attach a managed policy to a user (the MFA quarantine).
    AttachUserPolicy { user: String, policy_arn: String },
    /// Detach a managed policy from a user (lifting the MFA quarantine).
    DetachUserPolicy { user: String, policy_arn: String },
    /// Set the account password policy.
    UpdateAccountPasswordPolicy {
        policy: PasswordPolicy,
        previous: Option<PasswordPolicy>,
    },
    /// Delete the account password policy (only as an undo).
    DeleteAccountPasswordPolicy { previous: PasswordPolicy },
}

/// Every action variant's name, for meta-tests that walk all of them.
pub const ACTION_NAMES: &[&str] = &[
    "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock",
    "PutBucketAcl",
    "PutBucketPolicy",
    "DeleteBucketPolicy",
    "PutAccountPublicAccessBlock",
    "DeleteAccountPublicAccessBlock",
    "DeactivateAccessKey",
    "ActivateAccessKey",
    "DeleteAccessKey",
    "DeleteLoginProfile",
    "AttachUserPolicy",
    "DetachUserPolicy",
    "UpdateAccountPasswordPolicy",
    "DeleteAccountPasswordPolicy",
];

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::PutBucketPublicAccessBlock { .. } => "PutBucketPublicAccessBlock",
            Action::DeleteBucketPublicAccessBlock { .. } => "DeleteBucketPublicAccessBlock",
            Action::PutBucketAcl { .. } => "PutBucketAcl",
            Action::PutBucketPolicy { .. } => "PutBucketPolicy",
            Action::DeleteBucketPolicy { .. } => "DeleteBucketPolicy",
            Action::PutAccountPublicAccessBlock { .. } => "PutAccountPublicAccessBlock",
            Action::DeleteAccountPublicAccessBlock { .. } => "DeleteAccountPublicAccessBlock",
            Action::DeactivateAccessKey { .. } => "DeactivateAccessKey",
            Action::ActivateAccessKey { .. } => "ActivateAccessKey",
            Action::DeleteAccessKey { .. } => "DeleteAccessKey",
            Action::DeleteLoginProfile { .. } => "DeleteLoginProfile",
            Action::AttachUserPolicy { .. } => "AttachUserPolicy",
            Action::DetachUserPolicy { .. } => "DetachUserPolicy",
            Action::UpdateAccountPasswordPolicy { .. } => "UpdateAccountPasswordPolicy",
            Action::DeleteAccountPasswordPolicy { .. } => "DeleteAccountPasswordPolicy",
        }
    }

    /// The IAM actions the adapter calls to apply this action.
    pub fn iam_permissions(&self) -> &'static [&'static str] {
        action_permissions(self.name())
    }

    /// The action that restores the state this action replaced, when AWS allows it.
    pub fn undo(&self) -> Option<Action> {
        // Every S3 action is reversible; deleting an access key or a login profile is not.
        Some(match self {
            Action::PutBucketPublicAccessBlock {
                bucket,
                settings,
                previous,
            } => match previous {
                Some(p) => Action::PutBucketPublicAccessBlock {
                    bucket: bucket.clone(),
                    settings: *p,
                    previous: Some(*settings),
                },
                None => Action::DeleteBucketPublicAccessBlock {
                    bucket: bucket.clone(),
                    previous: *settings,
                },
            },
            Action::DeleteBucketPublicAccessBlock { bucket, previous } => Action::PutBucketPublicAccessBlock {
                bucket: bucket.clone(),
                settings: *previous,
                previous: None,
            },
            Action::PutBucketAcl {
                bucket, acl, previous, ..
            } => Action::PutBucketAcl {
                bucket: bucket.clone(),
                acl: previous.clone(),
                removed_grants: vec![],
                previous: acl.clone(),
            },
            Action::PutBucketPolicy {
                bucket,
                policy,
                previous,
                ..
            } => match previous {
                Some(p) => Action::PutBucketPolicy {
                    bucket: bucket.clone(),
                    policy: p.clone(),
                    removed_statements: vec![],
                    previous: Some(policy.clone()),
                },
                None => Action::DeleteBucketPolicy {
                    bucket: bucket.clone(),
                    removed_statements: vec![],
                    previous: policy.clone(),
                },
            },
            Action::DeleteBucketPolicy { bucket, previous, .. } => Action::PutBucketPolicy {
                bucket: bucket.clone(),
                policy: previous.clone(),
                removed_statements: vec![],
                previous: None,
            },
            Action::PutAccountPublicAccessBlock {
                account,
                settings,
                previous,
            } => match previous {
                Some(p) => Action::PutAccountPublicAccessBlock {
                    account: account.clone(),
                    settings: *p,
                    previous: Some(*settings),
                },
                None => Action::DeleteAccountPublicAccessBlock {
                    account: account.clone(),
                    previous: *settings,
                },
            },
            Action::DeleteAccountPublicAccessBlock { account, previous } => Action::PutAccountPublicAccessBlock {
                account: account.clone(),
                settings: *previous,
                previous: None,
            },
            Action::DeactivateAccessKey { user, key_id } => Action::ActivateAccessKey {
                user: user.clone(),
                key_id: key_id.clone(),
            },
            Action::ActivateAccessKey { user, key_id } => Action::DeactivateAccessKey {
                user: user.clone(),
                key_id: key_id.clone(),
            },
            Action::DeleteAccessKey { .. } | Action::DeleteLoginProfile { .. } => return None,
            Action::AttachUserPolicy { user, policy_arn } => Action::DetachUserPolicy {
                user: user.clone(),
                policy_arn: policy_arn.clone(),
            },
            Action::DetachUserPolicy { user, policy_arn } => Action::AttachUserPolicy {
                user: user.clone(),
                policy_arn: policy_arn.clone(),
            },
            Action::UpdateAccountPasswordPolicy { policy, previous } => match previous {
                Some(p) => Action::UpdateAccountPasswordPolicy {
                    policy: *p,
                    previous: Some(*policy),
                },
                None => Action::DeleteAccountPasswordPolicy { previous: *policy },
            },
            Action::DeleteAccountPasswordPolicy { previous } => Action::UpdateAccountPasswordPolicy {
                policy: *previous,
                previous: None,
            },
        })
    }

    /// One line for people: what the action changes.
    pub fn describe(&self) -> String {
        match self {
            Action::PutBucketPublicAccessBlock {
                bucket,
                settings,
                previous,
            } => {
                let was = match previous {
                    None => "none".to_string(),
                    Some(p) if p.missing().is_empty() => "all on".to_string(),
                    Some(p) => format!("off: {}", p.missing().join(", ")),
                };
                if settings.all_on() {
                    format!("turn on all four Block Public Access settings on bucket {bucket} (was {was})")
                } else {
                    format!("set Block Public Access on bucket {bucket} to {settings:?} (was {was})")
                }
            }
            Action::DeleteBucketPublicAccessBlock { bucket, .. } => {
                format!("remove the Block Public Access configuration of bucket {bucket}")
            }
            Action::PutBucketAcl {
                bucket, removed_grants, ..
            } if !removed_grants.is_empty() => {
                let g: Vec<String> = removed_grants.iter().map(describe_grant).collect();
                format!("remove public ACL grant(s) from bucket {bucket}: {}", g.join("; "))
            }
            Action::PutBucketAcl { bucket, .. } => format!("restore the ACL of bucket {bucket}"),
            Action::PutBucketPolicy {
                bucket,
                removed_statements,
                ..
            } if !removed_statements.is_empty() => format!(
                "remove {} public statement(s) ({}) from the policy of bucket {bucket}, keeping the rest",
                removed_statements.len(),
                sids(removed_statements)
            ),
            Action::PutBucketPolicy { bucket, .. } => {
                format!("restore the policy of bucket {bucket}")
            }
            Action::DeleteBucketPolicy {
                bucket,
                removed_statements,
                ..
            } => format!(
                "delete the policy of bucket {bucket}: all {} statement(s) ({}) were public",
                removed_statements.len(),
                sids(removed_statements)
            ),
            Action::PutAccountPublicAccessBlock { account, settings, .. } if settings.all_on() => {
                format!("turn on all four account-level Block Public Access settings in account {account}")
            }
            Action::PutAccountPublicAccessBlock { account, .. } => {
                format!("restore the account-level Block Public Access settings of account {account}")
            }
            Action::DeleteAccountPublicAccessBlock { account, .. } => {
                format!("remove the account-level Block Public Access configuration of account {account}")
            }
            Action::DeactivateAccessKey { user, key_id } => format!("deactivate access key {key_id} of user {user}"),
            Action::ActivateAccessKey { user, key_id } => format!("reactivate access key {key_id} of user {user}"),
            Action::DeleteAccessKey { user, key_id } => {
                format!("delete inactive access key {key_id} of user {user} (irreversible)")
            }
            Action::DeleteLoginProfile { user } => {
                format!("remove the console password (login profile) of user {user} (irreversible)")
            }
            Action::AttachUserPolicy { user, policy_arn } => {
                format!("quarantine user {user}: attach {policy_arn}, which denies everything but setting up MFA")
            }
            Action::DetachUserPolicy { user, policy_arn } => {
                format!("lift the quarantine of user {user}: detach {policy_arn}")
            }
            Action::UpdateAccountPasswordPolicy { policy, previous } => format!(
                "set the account password policy to {} (was {})",
                describe_password_policy(policy),
                previous
                    .as_ref()
                    .map(describe_password_policy)
                    .unwrap_or_else(|| "none".into())
            ),
            Action::DeleteAccountPasswordPolicy { .. } => "delete the account password policy".to_string(),
        }
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

fn describe_grant(g: &Grant) -> String {
    let who = match &g.grantee {
        crate::s3::Grantee::Group { uri } => uri.rsplit('/').next().unwrap_or(uri).to_string(),
        crate::s3::Grantee::CanonicalUser { id, .. } => id.clone(),
        crate::s3::Grantee::AmazonCustomerByEmail { email } => email.clone(),
    };
    format!("{} to {who}", g.permission)
}

fn sids(stmts: &[Value]) -> String {
    let names: Vec<String> = stmts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.get("Sid")
                .and_then(Value::as_str)
                .map(|s| format!("Sid {s}"))
                .unwrap_or_else(|| format!("#{}", i + 1))
        })
        .collect();
    names.join(", ")
}

impl Action {
    /// The part of the resource's state the action writes.
    pub fn writes(&self) -> Facet {
        match self {
            Action::PutBucketPublicAccessBlock { .. } | Action::DeleteBucketPublicAccessBlock { .. } => {
                Facet::BucketPublicAccessBlock
            }
            Action::PutBucketAcl { .. } => Facet::BucketAcl,
            Action::PutBucketPolicy { .. } | Action::DeleteBucketPolicy { .. } => Facet::BucketPolicy,
            Action::PutAccountPublicAccessBlock { .. } | Action::DeleteAccountPublicAccessBlock { .. } => {
                Facet::AccountPublicAccessBlock
            }
            Action::DeactivateAccessKey { .. } | Action::ActivateAccessKey { .. } | Action::DeleteAccessKey { .. } => {
                Facet::UserAccessKeys
            }
            Action::DeleteLoginProfile { .. } => Facet::UserLoginProfile,
            Action::AttachUserPolicy { .. } | Action::DetachUserPolicy { .. } => Facet::UserAttachedPolicies,
            Action::UpdateAccountPasswordPolicy { .. } | Action::DeleteAccountPasswordPolicy { .. } => {
                Facet::PasswordPolicy
            }
        }
    }

    /// Whether the state this action establishes is what `snapshot` shows (`None`
    /// when the facet it writes was not read). Undo uses it twice: to refuse when the
    /// resource changed since the fix, and to verify the undo.
    pub fn holds_in(&self, snapshot: &Snapshot) -> Option<bool> {
        use crate::resource::Snapshot as S;
        let same_json = |a: &str, b: &str| match (serde_json::from_str::<Value>(a), serde_json::from_str::<Value>(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        };
        let same_grants = |a: &Acl, b: &Acl| {
            let mut x: Vec<String> = a.grants.iter().map(|g| format!("{:?}", g)).collect();
            let mut y: Vec<String> = b.grants.iter().map(|g| format!("{:?}", g)).collect();
            x.sort();
            y.sort();
            x == y
        };
        Some(match (self, snapshot) {
            (Action::PutBucketPublicAccessBlock { settings, .. }, S::S3Bucket(b)) => {
                *b.public_access_block.get()? == Some(*settings)
            }
            (Action::DeleteBucketPublicAccessBlock { .. }, S::S3Bucket(b)) => b.public_access_block.get()?.is_none(),
            (Action::PutBucketAcl { acl, .. }, S::S3Bucket(b)) => same_grants(b.acl.get()?, acl),
            (Action::PutBucketPolicy { policy, .. }, S::S3Bucket(b)) => {
                b.policy.get()?.as_deref().is_some_and(|p| same_json(p, policy))
            }
            (Action::DeleteBucketPolicy { .. }, S::S3Bucket(b)) => b.policy.get()?.is_none(),
            (Action::PutAccountPublicAccessBlock { settings, .. }, S::S3Account(a)) => {
                *a.public_access_block.get()? == Some(*settings)
            }
            (Action::DeleteAccountPublicAccessBlock { .. }, S::S3Account(a)) => a.public_access_block.get()?.is_none(),
            (Action::DeactivateAccessKey { key_id, .. }, S::IamUser(u)) => {
                u.access_keys.get()?.iter().any(|k| k.id == *key_id && !k.active)
            }
            (Action::ActivateAccessKey { key_id, .. }, S::IamUser(u)) => {
                u.access_keys.get()?.iter().any(|k| k.id == *key_id && k.active)
            }
            (Action::DeleteAccessKey { key_id, .. }, S::IamUser(u)) => {
                !u.access_keys.get()?.iter().any(|k| k.id == *key_id)
            }
            (Action::DeleteLoginProfile { .. }, S::IamUser(u)) => u.login_profile.get()?.is_none(),
            (Action::AttachUserPolicy { policy_arn, .. }, S::IamUser(u)) => {
                u.attached_policies.get()?.contains(policy_arn)
            }
            (Action::DetachUserPolicy { policy_arn, .. }, S::IamUser(u)) => {
                !u.attached_policies.get()?.contains(policy_arn)
            }
            (Action::UpdateAccountPasswordPolicy { policy, .. }, S::IamAccount(a)) => {
                a.password_policy.get()?.as_ref().is_some_and(|p| p.same_as(policy))
            }
            (Action::DeleteAccountPasswordPolicy { .. }, S::IamAccount(a)) => a.password_policy.get()?.is_none(),
            // An action on another kind of resource never holds here.
            _ => false,
        })
    }
}

/// The IAM actions behind each action, by name. One table for the adapter's
/// role, the template meta-test and the docs.
pub fn action_permissions(name: &str) -> &'static [&'static str] {
    match name {
        // DeletePublicAccessBlock is authorised by s3:PutBucketPublicAccessBlock.
        "PutBucketPublicAccessBlock" | "DeleteBucketPublicAccessBlock" => &["s3:PutBucketPublicAccessBlock"],
        "PutBucketAcl" => &["s3:PutBucketAcl"],
        "PutBucketPolicy" => &["s3:PutBucketPolicy"],
        "DeleteBucketPolicy" => &["s3:DeleteBucketPolicy"],
        // The account-level delete is authorised by s3:PutAccountPublicAccessBlock.
        "PutAccountPublicAccessBlock" | "DeleteAccountPublicAccessBlock" => &["s3:PutAccountPublicAccessBlock"],
        "DeactivateAccessKey" | "ActivateAccessKey" => &["iam:UpdateAccessKey"],
        "DeleteAccessKey" => &["iam:DeleteAccessKey"],
        "DeleteLoginProfile" => &["iam:DeleteLoginProfile"],
        "AttachUserPolicy" => &["iam:AttachUserPolicy"],
        "DetachUserPolicy" => &["iam:DetachUserPolicy"],
        "UpdateAccountPasswordPolicy" => &["iam:UpdateAccountPasswordPolicy"],
        "DeleteAccountPasswordPolicy" => &["iam:DeleteAccountPasswordPolicy"],
        _ => &[],
    }
}

/// The IAM read actions behind each facet.
pub fn facet_permissions(kind: ResourceKind, f: Facet) -> &'static [&'static str] {
    match (kind, f) {
        (_, Facet::BucketPublicAccessBlock) => &["s3:GetBucketPublicAccessBlock"],
        (_, Facet::BucketPolicy) => &["s3:GetBucketPolicy"],
        (_, Facet::BucketAcl) => &["s3:GetBucketAcl"],
        (ResourceKind::S3Bucket, Facet::Tags) => &["s3:GetBucketTagging"],
        (ResourceKind::IamUser, Facet::Tags) => &["iam:ListUserTags"],
        // Account-level settings carry no tags.
        (ResourceKind::S3Account | ResourceKind::IamAccount, Facet::Tags) => &[],
        (_, Facet::AccountPublicAccessBlock) => &["s3:GetAccountPublicAccessBlock"],
        (_, Facet::UserAccessKeys) => &["iam:ListAccessKeys"],
        // The keys are listed first to know which to ask about.
        (_, Facet::UserAccessKeyLastUsed) => &["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"],
        // GetUser gives PasswordLastUsed; GetLoginProfile whether a password exists and since when.
        (_, Facet::UserLoginProfile) => &["iam:GetLoginProfile", "iam:GetUser"],
        (_, Facet::UserMfaDevices) => &["iam:ListMFADevices"],
        (_, Facet::UserAttachedPolicies) => &["iam:ListAttachedUserPolicies"],
        (_, Facet::PasswordPolicy) => &["iam:GetAccountPasswordPolicy"],
        (_, Facet::RootMfa) => &["iam:GetAccountSummary"],
    }
}

/// A rule's fix: actions in the order they run, and what they are for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Plan {
    pub actions: Vec<Action>,
    /// Fixes the rule would make but its parameters withhold (said in the notice).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<String>,
}

impl Plan {
    pub fn of(actions: Vec<Action>) -> Plan {
        Plan {
            actions,
            withheld: vec![],
        }
    }
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
    pub fn descriptions(&self) -> Vec<String> {
        self.actions.iter().map(Action::describe).collect()
    }
    /// The undo plan: inverse actions in reverse order; `None` when any action is irreversible.
    pub fn undo(&self) -> Option<Plan> {
        let actions: Option<Vec<Action>> = self.actions.iter().rev().map(Action::undo).collect();
        actions.map(|actions| Plan {
            actions,
            withheld: vec![],
        })
    }
}
