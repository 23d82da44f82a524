//! Remediation plans as data.
//!
//! `Action` is a closed enum matched exhaustively by the adapter, so a new action
//! can't be half-wired. Every action is idempotent (events arrive at least once)
//! and carries what is needed to undo it.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::resource::Facet;
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
        }
    }

    /// The IAM actions the adapter calls to apply this action.
    pub fn iam_permissions(&self) -> &'static [&'static str] {
        action_permissions(self.name())
    }

    /// The action that restores the state this action replaced, when AWS allows it.
    pub fn undo(&self) -> Option<Action> {
        // Every S3 action is reversible; IAM actions such as deleting a login profile are not.
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
        }
    }
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
        _ => &[],
    }
}

/// The IAM read actions behind each facet.
pub fn facet_permissions(f: Facet) -> &'static [&'static str] {
    match f {
        Facet::BucketPublicAccessBlock => &["s3:GetBucketPublicAccessBlock"],
        Facet::BucketPolicy => &["s3:GetBucketPolicy"],
        Facet::BucketAcl => &["s3:GetBucketAcl"],
        Facet::Tags => &["s3:GetBucketTagging"],
        Facet::AccountPublicAccessBlock => &["s3:GetAccountPublicAccessBlock"],
    }
}

/// A rule's fix: actions in the order they run, and what they are for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Plan {
    pub actions: Vec<Action>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
    pub fn descriptions(&self) -> Vec<String> {
        self.actions.iter().map(Action::describe).collect()
    }
    /// The undo plan: inverse actions in reverse order; `None` when any action is irreversible.
    pub fn undo(&self) -> Option<Plan> {
        let actions: Option<Vec<Action>> = self.actions.iter().rev().map(Action::undo).collect();
        actions.map(|actions| Plan { actions })
    }
}
