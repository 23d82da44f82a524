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
use crate::action::{Action, Plan};
use crate::iam::{AccessKey, LoginProfile, age_days, older_than};
use crate::params::Params;
use crate::resource::{Facet, ResourceKind, Snapshot, UserSnapshot};
use crate::rule::{Rule, Triggers, Verdict};

pub const ID: &str = "iam-credentials-unused";

pub struct IamCredentialsUnused {
    pub days: u32,
    pub remove_passwords: bool,
}

impl IamCredentialsUnused {
    pub fn new(p: &Params) -> Self {
        Self {
            days: p.number("UnusedCredentialsDays"),
            remove_passwords: p.flag("RemoveUnusedConsolePasswords"),
        }
    }

    /// Why key `k` counts as unused, if it does. A key whose last use was not read
    /// (it appeared between the two reads) is not judged: it is never acted on blindly.
    fn key_unused(&self, u: &UserSnapshot, k: &AccessKey) -> Option<String> {
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

    fn password_unused(&self, u: &UserSnapshot, lp: &LoginProfile) -> Option<String> {
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

impl Rule for IamCredentialsUnused {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "IAM credentials unused for too long are disabled"
    }
    fn safeguard(&self) -> &'static str {
        "164.312(a)(1) Access control; 164.308(a)(3)(ii)(C) Termination procedures"
    }
    fn kind(&self) -> ResourceKind {
        ResourceKind::IamUser
    }
    fn triggers(&self) -> Triggers {
        Triggers {
            config_rules: &["IAM_USER_UNUSED_CREDENTIALS_CHECK"],
            cloudtrail: &["CreateAccessKey", "UpdateAccessKey"],
            schedule: true,
        }
    }
    fn facets(&self) -> &'static [Facet] {
        &[
            Facet::UserAccessKeys,
            Facet::UserAccessKeyLastUsed,
            Facet::UserLoginProfile,
        ]
    }
    fn reads(&self) -> &'static [Facet] {
        &[
            Facet::UserAccessKeys,
            Facet::UserAccessKeyLastUsed,
            Facet::UserLoginProfile,
        ]
    }
    fn actions(&self) -> &'static [&'static str] {
        &["DeactivateAccessKey", "DeleteLoginProfile"]
    }

    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        let Snapshot::IamUser(u) = snapshot else {
            return Verdict::CannotJudge {
                reason: "not a user snapshot".into(),
            };
        };
        let (Some(keys), true, Some(lp)) = (u.access_keys.get(), u.key_last_used.is_read(), u.login_profile.get())
        else {
            return Verdict::NeedsFacets {
                facets: vec![
                    Facet::UserAccessKeys,
                    Facet::UserAccessKeyLastUsed,
                    Facet::UserLoginProfile,
                ],
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

    fn plan(&self, snapshot: &Snapshot) -> Plan {
        let Snapshot::IamUser(u) = snapshot else {
            return Plan::default();
        };
        let mut plan = Plan::default();
        for k in u.access_keys.get().map(Vec::as_slice).unwrap_or_default() {
            if self.key_unused(u, k).is_some() {
                plan.actions.push(Action::DeactivateAccessKey {
                    user: u.name.clone(),
                    key_id: k.id.clone(),
                });
            }
        }
        if let Some(Some(lp)) = u.login_profile.get()
            && self.password_unused(u, lp).is_some()
        {
            if self.remove_passwords {
                plan.actions.push(Action::DeleteLoginProfile { user: u.name.clone() });
            } else {
                plan.withheld.push(format!(
                    "remove the unused console password of user {} (irreversible; set RemoveUnusedConsolePasswords=true to do it automatically)",
                    u.name
                ));
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{key, user_with, user_with_keys};

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
        p.set("RemoveUnusedConsolePasswords", "true")
            .unwrap_or_else(|e| panic!("{e}"));
        let s = user_with(vec![], Some((200, Some(100))), vec![], vec![]);
        let plan = IamCredentialsUnused::new(&p).plan(&s);
        assert_eq!(plan.actions, vec![Action::DeleteLoginProfile { user: "alice".into() }]);
        assert!(plan.undo().is_none());
    }
}
