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
use crate::action::{Action, Plan};
use crate::iam::PasswordPolicy;
use crate::params::Params;
use crate::resource::{Facet, ResourceKind, Snapshot};
use crate::rule::{Rule, Triggers, Verdict};

pub const ID: &str = "iam-password-policy";

pub struct IamPasswordPolicy {
    pub min_length: u32,
    pub reuse: u32,
    pub max_age: u32,
}

impl IamPasswordPolicy {
    pub fn new(p: &Params) -> Self {
        Self {
            min_length: p.number("PasswordMinLength"),
            reuse: p.number("PasswordReusePrevention"),
            max_age: p.number("PasswordMaxAgeDays"),
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

impl Rule for IamPasswordPolicy {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "The account password policy meets the HIPAA conformance pack's strength"
    }
    fn safeguard(&self) -> &'static str {
        "164.308(a)(5)(ii)(D) Password management"
    }
    fn kind(&self) -> ResourceKind {
        ResourceKind::IamAccount
    }
    fn triggers(&self) -> Triggers {
        Triggers {
            config_rules: &["IAM_PASSWORD_POLICY"],
            cloudtrail: &["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"],
            schedule: true,
        }
    }
    fn facets(&self) -> &'static [Facet] {
        &[Facet::PasswordPolicy]
    }
    fn reads(&self) -> &'static [Facet] {
        &[Facet::PasswordPolicy]
    }
    fn actions(&self) -> &'static [&'static str] {
        &["UpdateAccountPasswordPolicy"]
    }
    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        let Snapshot::IamAccount(a) = snapshot else {
            return Verdict::CannotJudge {
                reason: "not an account snapshot".into(),
            };
        };
        match a.password_policy.get() {
            None => Verdict::NeedsFacets {
                facets: vec![Facet::PasswordPolicy],
            },
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
    fn plan(&self, snapshot: &Snapshot) -> Plan {
        let Snapshot::IamAccount(a) = snapshot else {
            return Plan::default();
        };
        match a.password_policy.get() {
            Some(existing) if !matches!(self.evaluate(snapshot), Verdict::Compliant { .. }) => {
                Plan::of(vec![Action::UpdateAccountPasswordPolicy {
                    policy: self.required(existing.as_ref()),
                    previous: *existing,
                }])
            }
            _ => Plan::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::account;

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
        let Action::UpdateAccountPasswordPolicy { policy, previous: None } = &plan.actions[0] else {
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
        assert!(matches!(&undo.actions[0], Action::UpdateAccountPasswordPolicy { policy, .. } if *policy == weak));
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
        let Action::UpdateAccountPasswordPolicy { policy, .. } = &plan.actions[0] else {
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
