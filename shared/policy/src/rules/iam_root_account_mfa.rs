//! `iam-root-account-mfa`: the root user has MFA. **Notify only**: no API can add
//! MFA to the root user; the notice tells the admin what to do.
//!
//! HIPAA Security Rule: person or entity authentication, 164.312(d). Mirrors the AWS
//! Config managed rule `ROOT_ACCOUNT_MFA_ENABLED` (Security Hub IAM.9).
use crate::action::Plan;
use crate::resource::{Facet, ResourceKind, Snapshot};
use crate::rule::{Rule, Triggers, Verdict};
use crate::settings::Mode;

pub const ID: &str = "iam-root-account-mfa";

pub struct IamRootAccountMfa;

impl Rule for IamRootAccountMfa {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "The root user has MFA"
    }
    fn safeguard(&self) -> &'static str {
        "164.312(d) Person or entity authentication"
    }
    fn kind(&self) -> ResourceKind {
        ResourceKind::IamAccount
    }
    fn triggers(&self) -> Triggers {
        Triggers {
            config_rules: &["ROOT_ACCOUNT_MFA_ENABLED"],
            cloudtrail: &[],
            schedule: true,
        }
    }
    fn facets(&self) -> &'static [Facet] {
        &[Facet::RootMfa]
    }
    fn reads(&self) -> &'static [Facet] {
        &[Facet::RootMfa]
    }
    fn actions(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_mode(&self) -> Mode {
        Mode::Notify
    }
    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        let Snapshot::IamAccount(a) = snapshot else {
            return Verdict::CannotJudge {
                reason: "not an account snapshot".into(),
            };
        };
        match a.root_mfa.get() {
            None => Verdict::NeedsFacets {
                facets: vec![Facet::RootMfa],
            },
            Some(true) => Verdict::Compliant {
                reason: "the root user has MFA".into(),
            },
            Some(false) => Verdict::NonCompliant {
                findings: vec![format!("the root user of account {} has no MFA device", a.account)],
            },
        }
    }
    fn plan(&self, snapshot: &Snapshot) -> Plan {
        let mut p = Plan::default();
        if matches!(self.evaluate(snapshot), Verdict::NonCompliant { .. }) {
            p.withheld.push(
                "only the root user can add its MFA: sign in as root, open Security credentials, choose Assign MFA device (a hardware key is best for root), then store the device securely".into(),
            );
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::account;

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
