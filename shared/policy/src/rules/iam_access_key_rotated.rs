//! `iam-access-key-rotated`: no active access key is older than the limit
//! (`AccessKeyMaxAgeDays`, default 90).
//!
//! HIPAA Security Rule: person or entity authentication, 164.312(d), and password
//! management, 164.308(a)(5)(ii)(D). Mirrors the AWS Config managed rule
//! `ACCESS_KEYS_ROTATED` (Security Hub IAM.3).
//!
//! An over-age key is **deactivated** (`UpdateAccessKey` → `Inactive`), never
//! deleted: undo reactivates it. `AccessKeyWarnDays` before the limit, one warning
//! notice goes out per key. Re-activating an over-age key (CloudTrail
//! `UpdateAccessKey`) is fixed again at once.
use crate::action::{Action, Plan};
use crate::iam::{age_days, older_than};
use crate::params::Params;
use crate::resource::{Facet, ResourceKind, Snapshot};
use crate::rule::{Rule, Triggers, Verdict};

pub const ID: &str = "iam-access-key-rotated";

pub struct IamAccessKeyRotated {
    pub max_age_days: u32,
    pub warn_days: u32,
}

impl IamAccessKeyRotated {
    pub fn new(p: &Params) -> Self {
        Self {
            max_age_days: p.number("AccessKeyMaxAgeDays"),
            warn_days: p.number("AccessKeyWarnDays"),
        }
    }
}

impl Rule for IamAccessKeyRotated {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Active IAM access keys are rotated within the maximum age"
    }
    fn safeguard(&self) -> &'static str {
        "164.312(d) Person or entity authentication"
    }
    fn kind(&self) -> ResourceKind {
        ResourceKind::IamUser
    }
    fn triggers(&self) -> Triggers {
        Triggers {
            config_rules: &["ACCESS_KEYS_ROTATED"],
            cloudtrail: &["CreateAccessKey", "UpdateAccessKey"],
            schedule: true,
        }
    }
    fn facets(&self) -> &'static [Facet] {
        &[Facet::UserAccessKeys]
    }
    fn reads(&self) -> &'static [Facet] {
        &[Facet::UserAccessKeys]
    }
    fn actions(&self) -> &'static [&'static str] {
        &["DeactivateAccessKey"]
    }

    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        let Snapshot::IamUser(u) = snapshot else {
            return Verdict::CannotJudge {
                reason: "not a user snapshot".into(),
            };
        };
        let Some(keys) = u.access_keys.get() else {
            return Verdict::NeedsFacets {
                facets: vec![Facet::UserAccessKeys],
            };
        };
        let (mut findings, mut warnings, mut token) = (Vec::new(), Vec::new(), String::new());
        for k in keys.iter().filter(|k| k.active) {
            let age = age_days(u.as_of, k.created);
            if older_than(u.as_of, k.created, self.max_age_days) {
                findings.push(format!(
                    "access key {} is {age} days old (limit {} days)",
                    k.id, self.max_age_days
                ));
            } else if self.warn_days > 0 && age + i64::from(self.warn_days) >= i64::from(self.max_age_days) {
                let left = i64::from(self.max_age_days) - age;
                warnings.push(format!(
                    "access key {} is {age} days old: it will be deactivated in about {left} day(s) unless rotated",
                    k.id
                ));
                token.push_str(&k.id);
            }
        }
        if !findings.is_empty() {
            return Verdict::NonCompliant { findings };
        }
        if !warnings.is_empty() {
            return Verdict::Warning {
                findings: warnings,
                token: format!("rotate-{token}"),
            };
        }
        Verdict::Compliant {
            reason: format!("no active key is older than {} days", self.max_age_days),
        }
    }

    fn plan(&self, snapshot: &Snapshot) -> Plan {
        let Snapshot::IamUser(u) = snapshot else {
            return Plan::default();
        };
        let keys = u.access_keys.get().map(Vec::as_slice).unwrap_or_default();
        Plan::of(
            keys.iter()
                .filter(|k| k.active && older_than(u.as_of, k.created, self.max_age_days))
                .map(|k| Action::DeactivateAccessKey {
                    user: u.name.clone(),
                    key_id: k.id.clone(),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{key, user_with_keys};

    fn rule() -> IamAccessKeyRotated {
        IamAccessKeyRotated::new(&Params::default())
    }

    #[test]
    fn key_at_91_days_is_deactivated_and_undo_reactivates_it() {
        let s = user_with_keys(vec![key("AKIAOLD", true, 91, None)]);
        assert!(matches!(rule().evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = rule().plan(&s);
        assert_eq!(
            plan.actions,
            vec![Action::DeactivateAccessKey {
                user: "alice".into(),
                key_id: "AKIAOLD".into()
            }]
        );
        assert_eq!(plan.undo().map(|u| u.actions[0].name()), Some("ActivateAccessKey"));
    }
    #[test]
    fn key_at_89_days_is_compliant_with_a_warning() {
        let s = user_with_keys(vec![key("AKIANEAR", true, 89, None)]);
        assert!(matches!(rule().evaluate(&s), Verdict::Warning { .. }));
        assert!(rule().plan(&s).is_empty());
    }
    #[test]
    fn key_at_exactly_the_limit_is_not_over_age() {
        let s = user_with_keys(vec![key("AKIA90", true, 90, None)]);
        assert!(!matches!(rule().evaluate(&s), Verdict::NonCompliant { .. }));
    }
    #[test]
    fn fresh_key_is_compliant() {
        let s = user_with_keys(vec![key("AKIANEW", true, 1, None)]);
        assert!(matches!(rule().evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn inactive_old_key_is_left_alone() {
        let s = user_with_keys(vec![key("AKIAOFF", false, 400, None)]);
        assert!(matches!(rule().evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn no_warning_when_warnings_are_off() {
        let mut p = Params::default();
        p.set("AccessKeyWarnDays", "0").unwrap_or_else(|e| panic!("{e}"));
        let s = user_with_keys(vec![key("AKIANEAR", true, 89, None)]);
        assert!(matches!(
            IamAccessKeyRotated::new(&p).evaluate(&s),
            Verdict::Compliant { .. }
        ));
    }
}
