//! `s3-account-public-access-block`: the account has all four account-level S3
//! Block Public Access settings on.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1). Mirrors the AWS
//! Config managed rule `S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC`
//! (Security Hub S3.1).
//!
//! Account-level settings override every bucket, including buckets exempted from
//! `s3-bucket-public-access`: an account that hosts a deliberately public bucket
//! should set this rule to `notify` or exempt the account. Undo restores the
//! previous settings, or removes the configuration if there was none.
use crate::action::{Action, Plan};
use crate::resource::{Facet, ResourceKind, Snapshot};
use crate::rule::{Rule, Triggers, Verdict};
use crate::s3::PublicAccessBlock;

pub struct S3AccountPublicAccessBlock;

pub const ID: &str = "s3-account-public-access-block";

impl Rule for S3AccountPublicAccessBlock {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "The account has all four S3 Block Public Access settings on"
    }
    fn safeguard(&self) -> &'static str {
        "164.312(a)(1) Access control"
    }
    fn kind(&self) -> ResourceKind {
        ResourceKind::S3Account
    }
    fn triggers(&self) -> Triggers {
        Triggers {
            config_rules: &[
                "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
                "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS",
            ],
            cloudtrail: &["PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock"],
            schedule: true,
        }
    }
    fn custom_config_rule(&self) -> bool {
        true
    }
    fn facets(&self) -> &'static [Facet] {
        &[Facet::AccountPublicAccessBlock]
    }
    fn reads(&self) -> &'static [Facet] {
        &[Facet::AccountPublicAccessBlock]
    }
    fn actions(&self) -> &'static [&'static str] {
        &["PutAccountPublicAccessBlock"]
    }
    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        let Snapshot::S3Account(a) = snapshot else {
            return Verdict::CannotJudge {
                reason: "not an account snapshot".into(),
            };
        };
        match a.public_access_block.get() {
            None => Verdict::NeedsFacets {
                facets: vec![Facet::AccountPublicAccessBlock],
            },
            Some(Some(p)) if p.all_on() => Verdict::Compliant {
                reason: "all four account-level settings are on".into(),
            },
            Some(None) => Verdict::NonCompliant {
                findings: vec!["the account has no S3 Block Public Access configuration".into()],
            },
            Some(Some(p)) => Verdict::NonCompliant {
                findings: vec![format!(
                    "account-level Block Public Access settings off: {}",
                    p.missing().join(", ")
                )],
            },
        }
    }
    fn plan(&self, snapshot: &Snapshot) -> Plan {
        let Snapshot::S3Account(a) = snapshot else {
            return Plan::default();
        };
        match a.public_access_block.get() {
            Some(prev) if !prev.is_some_and(|p| p.all_on()) => Plan {
                actions: vec![Action::PutAccountPublicAccessBlock {
                    account: a.account.clone(),
                    settings: PublicAccessBlock::ALL_ON,
                    previous: *prev,
                }],
                withheld: vec![],
            },
            _ => Plan::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{AccountSnapshot, Read};

    fn acct(p: Option<PublicAccessBlock>) -> Snapshot {
        Snapshot::S3Account(AccountSnapshot {
            account: "123456789012".into(),
            public_access_block: Read::Value(p),
        })
    }
    #[test]
    fn missing_account_configuration_is_non_compliant_and_undo_deletes_it() {
        let s = acct(None);
        assert!(matches!(
            S3AccountPublicAccessBlock.evaluate(&s),
            Verdict::NonCompliant { .. }
        ));
        let plan = S3AccountPublicAccessBlock.plan(&s);
        assert_eq!(plan.actions.len(), 1);
        let undo = plan.undo().unwrap_or_default();
        assert_eq!(undo.actions[0].name(), "DeleteAccountPublicAccessBlock");
    }
    #[test]
    fn partial_settings_are_non_compliant_and_undo_restores_them() {
        let partial = PublicAccessBlock {
            block_public_policy: true,
            ..Default::default()
        };
        let plan = S3AccountPublicAccessBlock.plan(&acct(Some(partial)));
        let undo = plan.undo().unwrap_or_default();
        assert!(
            matches!(&undo.actions[0], Action::PutAccountPublicAccessBlock { settings, .. } if *settings == partial)
        );
    }
    #[test]
    fn all_on_is_compliant_with_empty_plan() {
        let s = acct(Some(PublicAccessBlock::ALL_ON));
        assert!(matches!(
            S3AccountPublicAccessBlock.evaluate(&s),
            Verdict::Compliant { .. }
        ));
        assert!(S3AccountPublicAccessBlock.plan(&s).is_empty());
    }
}
