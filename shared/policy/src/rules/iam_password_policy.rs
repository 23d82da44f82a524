//! `iam-password-policy`: the account password policy is at least as strong as the
//! HIPAA conformance pack asks: length ≥ `PasswordMinLength` (14), upper, lower,
//! number and symbol required, reuse prevention ≥ `PasswordReusePrevention` (24),
//! maximum age ≤ `PasswordMaxAgeDays` (90).
//!
//! HIPAA Security Rule: password management, 164.308(a)(5)(ii)(D). Mirrors the AWS
//! Config managed rule `IAM_PASSWORD_POLICY` (Security Hub IAM.7).
//!
//! The fix sets the policy when missing or weaker, **keeping every setting that is
//! already stronger** (a longer minimum, a shorter maximum age, more reuse
//! prevention, hard expiry). Undo restores the previous policy, or deletes the
//! policy if there was none.
use crate::family;
use crate::iam::PasswordPolicy;
use crate::kinds::iam_account::{Facet, IamAccount, Snapshot, UpdateAccountPasswordPolicy};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{NumberParam, Param, Params};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::samples::account;
use crate::settings::Mode;

pub const ID: &str = "iam-password-policy";

/// IAM accepts 6 to 128.
pub const PASSWORD_MIN_LENGTH: NumberParam = NumberParam {
    name: "PasswordMinLength",
    default: 14,
    min: 6,
    max: 128,
    help: "Minimum password length the account policy must require",
};

/// IAM accepts 1 to 24.
pub const PASSWORD_REUSE_PREVENTION: NumberParam = NumberParam {
    name: "PasswordReusePrevention",
    default: 24,
    min: 1,
    max: 24,
    help: "Previous passwords that may not be reused",
};

/// IAM accepts 1 to 1095.
pub const PASSWORD_MAX_AGE_DAYS: NumberParam = NumberParam {
    name: "PasswordMaxAgeDays",
    default: 90,
    min: 1,
    max: 1095,
    help: "Maximum password age in days",
};

const POLICY: AnyFacet = AnyFacet::IamAccount(Facet::PasswordPolicy);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "The account password policy meets the HIPAA conformance pack's strength",
    safeguard: "164.308(a)(5)(ii)(D) Password management",
    kind: ResourceKind::IamAccount,
    family: family::IAM_PASSWORD_POLICY,
    triggers: Triggers {
        config_rules: &["IAM_PASSWORD_POLICY"],
        cloudtrail: &["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"],
        schedule: true,
        security_hub: &[
            "IAM.7", "IAM.10", "IAM.11", "IAM.12", "IAM.13", "IAM.14", "IAM.15", "IAM.16", "IAM.17",
        ],
    },
    facets: &[POLICY],
    reads: &[POLICY],
    actions: &[UpdateAccountPasswordPolicy::INFO],
    parameters: &[
        Param::Number(&PASSWORD_MIN_LENGTH),
        Param::Number(&PASSWORD_REUSE_PREVENTION),
        Param::Number(&PASSWORD_MAX_AGE_DAYS),
    ],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 1,
    fix: Fix::Reversible,
};

pub struct IamPasswordPolicy {
    pub min_length: u32,
    pub reuse: u32,
    pub max_age: u32,
}

impl IamPasswordPolicy {
    pub fn new(p: &Params) -> Self {
        Self {
            min_length: p.number(&PASSWORD_MIN_LENGTH),
            reuse: p.number(&PASSWORD_REUSE_PREVENTION),
            max_age: p.number(&PASSWORD_MAX_AGE_DAYS),
        }
    }

    /// The existing policy strengthened to the requirements, stronger settings kept.
    pub fn required(&self, existing: Option<&PasswordPolicy>) -> PasswordPolicy {
        let e = existing.copied().unwrap_or_default();
        PasswordPolicy {
            minimum_password_length: Some(e.minimum_password_length.unwrap_or(0).max(self.min_length)),
            require_symbols: true,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            // Keep an admin's choice; a new policy lets users change their own password.
            allow_users_to_change_password: existing.is_none_or(|p| p.allow_users_to_change_password),
            max_password_age: Some(match e.max_password_age {
                Some(a) if a > 0 && a <= self.max_age => a,
                _ => self.max_age,
            }),
            password_reuse_prevention: Some(e.password_reuse_prevention.unwrap_or(0).max(self.reuse)),
            hard_expiry: e.hard_expiry,
        }
    }

    fn weaknesses(&self, p: &PasswordPolicy) -> Vec<String> {
        let mut w = Vec::new();
        let len = p.minimum_password_length.unwrap_or(6);
        if len < self.min_length {
            w.push(format!("minimum length is {len}, needs at least {}", self.min_length));
        }
        for (on, what) in [
            (p.require_uppercase_characters, "an uppercase letter"),
            (p.require_lowercase_characters, "a lowercase letter"),
            (p.require_numbers, "a number"),
            (p.require_symbols, "a symbol"),
        ] {
            if !on {
                w.push(format!("does not require {what}"));
            }
        }
        match p.password_reuse_prevention {
            Some(n) if n >= self.reuse => {}
            Some(n) => w.push(format!("prevents reuse of {n} passwords, needs {}", self.reuse)),
            None => w.push(format!("no password reuse prevention, needs {}", self.reuse)),
        }
        match p.max_password_age {
            Some(a) if a > 0 && a <= self.max_age => {}
            Some(a) => w.push(format!(
                "passwords expire after {a} days, needs at most {}",
                self.max_age
            )),
            None => w.push(format!("passwords never expire, needs at most {} days", self.max_age)),
        }
        w
    }
}

impl KindRule for IamPasswordPolicy {
    type Kind = IamAccount;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, a: &Snapshot) -> Verdict {
        match a.password_policy.get() {
            None => Verdict::NeedsFacets { facets: vec![POLICY] },
            Some(None) => Verdict::NonCompliant {
                findings: vec!["the account has no password policy".into()],
            },
            Some(Some(p)) => {
                let w = self.weaknesses(p);
                if w.is_empty() {
                    Verdict::Compliant {
                        reason: "the password policy is strong enough".into(),
                    }
                } else {
                    Verdict::NonCompliant {
                        findings: w.into_iter().map(|w| format!("password policy: {w}")).collect(),
                    }
                }
            }
        }
    }
    fn plan(&self, a: &Snapshot) -> Plan {
        match a.password_policy.get() {
            Some(existing) if !matches!(self.evaluate(a), Verdict::Compliant { .. }) => Plan::of(vec![
                UpdateAccountPasswordPolicy {
                    policy: self.required(existing.as_ref()),
                    previous: *existing,
                }
                .into(),
            ]),
            _ => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let strong = self.required(None);
        Examples {
            non_compliant: account(
                Some(Some(PasswordPolicy {
                    minimum_password_length: Some(8),
                    require_numbers: true,
                    max_password_age: Some(365),
                    ..Default::default()
                })),
                Some(true),
            ),
            compliant: account(Some(Some(strong)), Some(true)),
            // No policy at all: set, and undone by deleting it.
            edge: account(Some(None), Some(true)),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action as AnyAction;
    use crate::kinds::iam_account::Action;

    fn a(action: &AnyAction) -> &Action {
        match action {
            AnyAction::IamAccount(a) => a,
            other => panic!("not an account action: {other:?}"),
        }
    }

    fn rule() -> IamPasswordPolicy {
        IamPasswordPolicy::new(&Params::default())
    }
    fn strong() -> PasswordPolicy {
        PasswordPolicy {
            minimum_password_length: Some(14),
            require_symbols: true,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            allow_users_to_change_password: true,
            max_password_age: Some(90),
            password_reuse_prevention: Some(24),
            hard_expiry: None,
        }
    }

    #[test]
    fn missing_policy_is_set_and_undo_deletes_it() {
        let s = account(Some(None), None);
        let plan = rule().plan(&s);
        let Action::UpdateAccountPasswordPolicy(UpdateAccountPasswordPolicy { policy, previous: None }) =
            a(&plan.actions[0])
        else {
            panic!("{plan:?}")
        };
        assert_eq!(*policy, strong());
        assert_eq!(
            plan.undo().map(|u| u.actions[0].name()),
            Some("DeleteAccountPasswordPolicy")
        );
    }
    #[test]
    fn weaker_policy_is_strengthened_and_undo_restores_it() {
        let weak = PasswordPolicy {
            minimum_password_length: Some(8),
            require_numbers: true,
            ..Default::default()
        };
        let s = account(Some(Some(weak)), None);
        let Verdict::NonCompliant { findings } = rule().evaluate(&s) else {
            panic!()
        };
        assert!(findings.iter().any(|f| f.contains("minimum length is 8")));
        let plan = rule().plan(&s);
        let undo = plan.undo().unwrap_or_default();
        assert!(
            matches!(a(&undo.actions[0]), Action::UpdateAccountPasswordPolicy(UpdateAccountPasswordPolicy { policy, .. }) if *policy == weak)
        );
    }
    #[test]
    fn stronger_settings_are_kept() {
        let stronger = PasswordPolicy {
            minimum_password_length: Some(20),
            max_password_age: Some(30),
            password_reuse_prevention: Some(24),
            hard_expiry: Some(true),
            ..strong()
        };
        let s = account(
            Some(Some(PasswordPolicy {
                require_symbols: false,
                ..stronger
            })),
            None,
        );
        let plan = rule().plan(&s);
        let Action::UpdateAccountPasswordPolicy(UpdateAccountPasswordPolicy { policy, .. }) = a(&plan.actions[0])
        else {
            panic!()
        };
        assert_eq!(*policy, stronger);
    }
    #[test]
    fn strong_policy_is_compliant() {
        let s = account(Some(Some(strong())), None);
        assert!(matches!(rule().evaluate(&s), Verdict::Compliant { .. }));
        assert!(rule().plan(&s).is_empty());
    }
}
