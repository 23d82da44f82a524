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
use crate::family;
use crate::kinds::s3_account::{Facet, PutAccountPublicAccessBlock, S3Account, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::s3::PublicAccessBlock;
use crate::settings::Mode;

pub struct S3AccountPublicAccessBlock;

pub const ID: &str = "s3-account-public-access-block";

const BPA: AnyFacet = AnyFacet::S3Account(Facet::PublicAccessBlock);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "The account has all four S3 Block Public Access settings on",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::S3Account,
    family: family::S3_PUBLIC_ACCESS,
    triggers: Triggers {
        config_rules: &[
            "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
            "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS",
        ],
        cloudtrail: &["PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock"],
        schedule: true,
        security_hub: &["S3.1"],
    },
    facets: &[BPA],
    reads: &[BPA],
    actions: &[PutAccountPublicAccessBlock::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: true,
    order: 0,
    fix: Fix::Reversible,
};

impl KindRule for S3AccountPublicAccessBlock {
    type Kind = S3Account;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, a: &Snapshot) -> Verdict {
        match a.public_access_block.get() {
            None => Verdict::NeedsFacets { facets: vec![BPA] },
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
    fn plan(&self, a: &Snapshot) -> Plan {
        match a.public_access_block.get() {
            Some(prev) if !prev.is_some_and(|p| p.all_on()) => Plan::of(vec![
                PutAccountPublicAccessBlock {
                    account: a.account.clone(),
                    settings: PublicAccessBlock::ALL_ON,
                    previous: *prev,
                }
                .into(),
            ]),
            _ => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let acct = |p: Option<PublicAccessBlock>| Snapshot {
            account: "123456789012".into(),
            public_access_block: Read::Value(p),
        };
        Examples {
            non_compliant: acct(Some(PublicAccessBlock {
                block_public_policy: true,
                ..Default::default()
            })),
            compliant: acct(Some(PublicAccessBlock::ALL_ON)),
            // No configuration at all: undo must delete it again.
            edge: acct(None),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action as AnyAction;
    use crate::kinds::s3_account::Action;

    fn acct(p: Option<PublicAccessBlock>) -> Snapshot {
        Snapshot {
            account: "123456789012".into(),
            public_access_block: Read::Value(p),
        }
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
            matches!(&undo.actions[0], AnyAction::S3Account(Action::PutAccountPublicAccessBlock(PutAccountPublicAccessBlock { settings, .. })) if *settings == partial)
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
