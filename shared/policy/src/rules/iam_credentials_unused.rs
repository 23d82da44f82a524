//! `iam-credentials-unused`: no active access key or console password has gone
//! unused for longer than `UnusedCredentialsDays` (default 90).
//!
//! HIPAA Security Rule: access control, 164.312(a)(1), and termination procedures,
//! 164.308(a)(3)(ii)(C). Mirrors the AWS Config managed rule
//! `IAM_USER_UNUSED_CREDENTIALS_CHECK` (Security Hub IAM.22).
//!
//! A key last used more than the limit ago, or never used and created more than
//! the limit ago, is **deactivated** (undo reactivates it). An unused console
//! password is only **reported** by default: removing a login profile can't be
//! undone exactly (the password is gone), so it happens only with
//! `RemoveUnusedConsolePasswords=true`, and the notice says it is irreversible.
use crate::family;
use crate::iam::{AccessKey, LoginProfile, age_days, older_than};
use crate::kinds::iam_user::{DeactivateAccessKey, DeleteLoginProfile, Facet, IamUser, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{FlagParam, NumberParam, Param, Params};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::samples::{key, user_with, user_with_keys};
use crate::settings::Mode;

pub const ID: &str = "iam-credentials-unused";

pub const UNUSED_CREDENTIALS_DAYS: NumberParam = NumberParam {
    name: "UnusedCredentialsDays",
    default: 90,
    min: 1,
    max: 3650,
    help: "An active key or console password unused (or never used and older) for more days is unused",
};

pub const REMOVE_UNUSED_CONSOLE_PASSWORDS: FlagParam = FlagParam {
    name: "RemoveUnusedConsolePasswords",
    default: false,
    help: "Remove unused console passwords (irreversible); when false they are only reported",
};

const KEYS: AnyFacet = AnyFacet::IamUser(Facet::AccessKeys);
const LAST_USED: AnyFacet = AnyFacet::IamUser(Facet::AccessKeyLastUsed);
const LOGIN: AnyFacet = AnyFacet::IamUser(Facet::LoginProfile);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "IAM credentials unused for too long are disabled",
    safeguard: "164.312(a)(1) Access control; 164.308(a)(3)(ii)(C) Termination procedures",
    kind: ResourceKind::IamUser,
    family: family::IAM_ACCESS_KEYS,
    triggers: Triggers {
        config_rules: &["IAM_USER_UNUSED_CREDENTIALS_CHECK"],
        cloudtrail: &["CreateAccessKey", "UpdateAccessKey"],
        schedule: true,
    },
    facets: &[KEYS, LAST_USED, LOGIN],
    reads: &[KEYS, LAST_USED, LOGIN],
    actions: &[DeactivateAccessKey::INFO, DeleteLoginProfile::INFO],
    parameters: &[
        Param::Number(&UNUSED_CREDENTIALS_DAYS),
        Param::Flag(&REMOVE_UNUSED_CONSOLE_PASSWORDS),
    ],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 1,
    fix: Fix::Reversible,
};

pub struct IamCredentialsUnused {
    pub days: u32,
    pub remove_passwords: bool,
}

impl IamCredentialsUnused {
    pub fn new(p: &Params) -> Self {
        Self {
            days: p.number(&UNUSED_CREDENTIALS_DAYS),
            remove_passwords: p.flag(&REMOVE_UNUSED_CONSOLE_PASSWORDS),
        }
    }

    /// Why key `k` counts as unused, if it does. A key whose last use was not read
    /// (it appeared between the two reads) is not judged: it is never acted on blindly.
    fn key_unused(&self, u: &Snapshot, k: &AccessKey) -> Option<String> {
        if !k.active {
            return None;
        }
        match u.last_use_of(&k.id)? {
            Some(t) if older_than(u.as_of, t, self.days) => Some(format!(
                "access key {} was last used {} days ago (limit {})",
                k.id,
                age_days(u.as_of, t),
                self.days
            )),
            None if older_than(u.as_of, k.created, self.days) => Some(format!(
                "access key {} was never used and is {} days old (limit {})",
                k.id,
                age_days(u.as_of, k.created),
                self.days
            )),
            _ => None,
        }
    }

    fn password_unused(&self, u: &Snapshot, lp: &LoginProfile) -> Option<String> {
        match lp.password_last_used {
            Some(t) if older_than(u.as_of, t, self.days) => Some(format!(
                "the console password was last used {} days ago (limit {})",
                age_days(u.as_of, t),
                self.days
            )),
            None if older_than(u.as_of, lp.created, self.days) => Some(format!(
                "the console password was never used and is {} days old (limit {})",
                age_days(u.as_of, lp.created),
                self.days
            )),
            _ => None,
        }
    }
}

impl KindRule for IamCredentialsUnused {
    type Kind = IamUser;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, u: &Snapshot) -> Verdict {
        let (Some(keys), true, Some(lp)) = (u.access_keys.get(), u.key_last_used.is_read(), u.login_profile.get())
        else {
            return Verdict::NeedsFacets {
                facets: vec![KEYS, LAST_USED, LOGIN],
            };
        };
        let mut findings: Vec<String> = keys.iter().filter_map(|k| self.key_unused(u, k)).collect();
        findings.extend(lp.as_ref().and_then(|lp| self.password_unused(u, lp)));
        if findings.is_empty() {
            Verdict::Compliant {
                reason: format!("every active credential was used within {} days", self.days),
            }
        } else {
            Verdict::NonCompliant { findings }
        }
    }

    fn plan(&self, u: &Snapshot) -> Plan {
        let mut plan = Plan::default();
        for k in u.access_keys.get().map(Vec::as_slice).unwrap_or_default() {
            if self.key_unused(u, k).is_some() {
                plan.actions.push(
                    DeactivateAccessKey {
                        user: u.name.clone(),
                        key_id: k.id.clone(),
                    }
                    .into(),
                );
            }
        }
        if let Some(Some(lp)) = u.login_profile.get()
            && self.password_unused(u, lp).is_some()
        {
            if self.remove_passwords {
                plan.actions.push(DeleteLoginProfile { user: u.name.clone() }.into());
            } else {
                plan.withheld.push(format!(
                    "remove the unused console password of user {} (irreversible; set RemoveUnusedConsolePasswords=true to do it automatically)",
                    u.name
                ));
            }
        }
        plan
    }

    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: user_with_keys(vec![
                key("AKIAIDLE", true, 120, None),
                key("AKIASTALE", true, 400, Some(91)),
            ]),
            compliant: user_with(
                vec![key("AKIABUSY", true, 400, Some(3))],
                Some((200, Some(1))),
                vec![],
                vec![],
            ),
            // An unused console password is only reported by default (removing it is irreversible).
            edge: user_with(vec![], Some((200, None)), vec![], vec![]),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action;

    fn rule() -> IamCredentialsUnused {
        IamCredentialsUnused::new(&Params::default())
    }

    #[test]
    fn key_never_used_and_old_is_deactivated() {
        let s = user_with_keys(vec![key("AKIAIDLE", true, 120, None)]);
        assert!(matches!(rule().evaluate(&s), Verdict::NonCompliant { .. }));
        assert_eq!(rule().plan(&s).actions.len(), 1);
    }
    #[test]
    fn key_last_used_long_ago_is_deactivated() {
        let s = user_with_keys(vec![key("AKIASTALE", true, 400, Some(91))]);
        assert!(matches!(rule().evaluate(&s), Verdict::NonCompliant { .. }));
    }
    #[test]
    fn old_key_used_recently_is_compliant() {
        let s = user_with_keys(vec![key("AKIABUSY", true, 400, Some(3))]);
        assert!(matches!(rule().evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn fresh_unused_key_is_compliant() {
        let s = user_with_keys(vec![key("AKIANEW", true, 5, None)]);
        assert!(matches!(rule().evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn unused_password_is_reported_not_removed_by_default() {
        let s = user_with(vec![], Some((200, None)), vec![], vec![]);
        assert!(matches!(rule().evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = rule().plan(&s);
        assert!(plan.actions.is_empty());
        assert_eq!(plan.withheld.len(), 1);
    }
    #[test]
    fn unused_password_is_removed_when_enabled_and_is_irreversible() {
        let mut p = Params::default();
        p.set(Param::Flag(&REMOVE_UNUSED_CONSOLE_PASSWORDS), "true")
            .unwrap_or_else(|e| panic!("{e}"));
        let s = user_with(vec![], Some((200, Some(100))), vec![], vec![]);
        let plan = IamCredentialsUnused::new(&p).plan(&s);
        assert_eq!(
            plan.actions,
            vec![Action::from(DeleteLoginProfile { user: "alice".into() })]
        );
        assert!(plan.undo().is_none());
    }
}
