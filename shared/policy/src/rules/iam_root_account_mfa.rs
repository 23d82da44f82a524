//! `iam-root-account-mfa`: the root user has MFA. **Notify only**: no API can add
//! MFA to the root user; the notice tells the admin what to do.
//!
//! HIPAA Security Rule: person or entity authentication, 164.312(d). Mirrors the AWS
//! Config managed rule `ROOT_ACCOUNT_MFA_ENABLED` (Security Hub IAM.9).
use crate::family;
use crate::kinds::iam_account::{Facet, IamAccount, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::samples::account;
use crate::settings::Mode;

pub const ID: &str = "iam-root-account-mfa";

const ROOT_MFA: AnyFacet = AnyFacet::IamAccount(Facet::RootMfa);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "The root user has MFA",
    safeguard: "164.312(d) Person or entity authentication",
    kind: ResourceKind::IamAccount,
    family: family::IAM_MFA,
    triggers: Triggers {
        config_rules: &["ROOT_ACCOUNT_MFA_ENABLED"],
        cloudtrail: &[],
        schedule: true,
        security_hub: &["IAM.9"],
    },
    facets: &[ROOT_MFA],
    reads: &[ROOT_MFA],
    actions: &[],
    parameters: &[],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Withheld,
};

pub struct IamRootAccountMfa;

impl KindRule for IamRootAccountMfa {
    type Kind = IamAccount;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, a: &Snapshot) -> Verdict {
        match a.root_mfa.get() {
            None => Verdict::NeedsFacets { facets: vec![ROOT_MFA] },
            Some(true) => Verdict::Compliant {
                reason: "the root user has MFA".into(),
            },
            Some(false) => Verdict::NonCompliant {
                findings: vec![format!("the root user of account {} has no MFA device", a.account)],
            },
        }
    }
    fn plan(&self, a: &Snapshot) -> Plan {
        let mut p = Plan::default();
        if matches!(self.evaluate(a), Verdict::NonCompliant { .. }) {
            p.withheld.push(
                "only the root user can add its MFA: sign in as root, open Security credentials, choose Assign MFA device (a hardware key is best for root), then store the device securely".into(),
            );
        }
        p
    }
    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: account(Some(None), Some(false)),
            compliant: account(Some(None), Some(true)),
            // The facet unread: the rule asks for it rather than guessing.
            edge: account(Some(None), None),
            edge_verdict: VerdictClass::NeedsFacets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_without_mfa_is_reported_with_what_to_do() {
        let s = account(None, Some(false));
        assert!(matches!(IamRootAccountMfa.evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = IamRootAccountMfa.plan(&s);
        assert!(plan.actions.is_empty());
        assert!(plan.withheld[0].contains("Assign MFA"));
    }
    #[test]
    fn root_with_mfa_is_compliant() {
        assert!(matches!(
            IamRootAccountMfa.evaluate(&account(None, Some(true))),
            Verdict::Compliant { .. }
        ));
    }
}
