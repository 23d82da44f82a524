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
use crate::family;
use crate::iam::{age_days, older_than};
use crate::kinds::iam_user::{DeactivateAccessKey, Facet, IamUser, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{NumberParam, Param, Params};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::samples::{key, user_with_keys};
use crate::settings::Mode;

pub const ID: &str = "iam-access-key-rotated";

pub const ACCESS_KEY_MAX_AGE_DAYS: NumberParam = NumberParam {
    name: "AccessKeyMaxAgeDays",
    default: 90,
    min: 1,
    max: 3650,
    help: "An active access key older than this many days is deactivated",
};

pub const ACCESS_KEY_WARN_DAYS: NumberParam = NumberParam {
    name: "AccessKeyWarnDays",
    default: 7,
    min: 0,
    max: 3650,
    help: "A warning notice goes out this many days before a key reaches its maximum age (0: none)",
};

const KEYS: AnyFacet = AnyFacet::IamUser(Facet::AccessKeys);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "Active IAM access keys are rotated within the maximum age",
    safeguard: "164.312(d) Person or entity authentication",
    kind: ResourceKind::IamUser,
    family: family::IAM_ACCESS_KEYS,
    triggers: Triggers {
        config_rules: &["ACCESS_KEYS_ROTATED"],
        cloudtrail: &["CreateAccessKey", "UpdateAccessKey"],
        schedule: true,
    },
    facets: &[KEYS],
    reads: &[KEYS],
    actions: &[DeactivateAccessKey::INFO],
    parameters: &[
        Param::Number(&ACCESS_KEY_MAX_AGE_DAYS),
        Param::Number(&ACCESS_KEY_WARN_DAYS),
    ],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct IamAccessKeyRotated {
    pub max_age_days: u32,
    pub warn_days: u32,
}

impl IamAccessKeyRotated {
    pub fn new(p: &Params) -> Self {
        Self {
            max_age_days: p.number(&ACCESS_KEY_MAX_AGE_DAYS),
            warn_days: p.number(&ACCESS_KEY_WARN_DAYS),
        }
    }
}

impl KindRule for IamAccessKeyRotated {
    type Kind = IamUser;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, u: &Snapshot) -> Verdict {
        let Some(keys) = u.access_keys.get() else {
            return Verdict::NeedsFacets { facets: vec![KEYS] };
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
                    "access key {} is {age} days old: it will be deactivated in about {} unless rotated",
                    k.id,
                    crate::wording::count(usize::try_from(left).unwrap_or(0), "day", "days")
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

    fn plan(&self, u: &Snapshot) -> Plan {
        let keys = u.access_keys.get().map(Vec::as_slice).unwrap_or_default();
        Plan::of(
            keys.iter()
                .filter(|k| k.active && older_than(u.as_of, k.created, self.max_age_days))
                .map(|k| {
                    DeactivateAccessKey {
                        user: u.name.clone(),
                        key_id: k.id.clone(),
                    }
                    .into()
                })
                .collect(),
        )
    }

    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: user_with_keys(vec![key("AKIAOLD", true, 91, None), key("AKIANEW", true, 1, None)]),
            compliant: user_with_keys(vec![key("AKIANEW", true, 1, None), key("AKIAOFF", false, 400, None)]),
            // A key within AccessKeyWarnDays of the limit: a warning, nothing changed.
            edge: user_with_keys(vec![key("AKIANEAR", true, 89, None)]),
            edge_verdict: VerdictClass::Warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action;

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
            vec![Action::from(DeactivateAccessKey {
                user: "alice".into(),
                key_id: "AKIAOLD".into()
            })]
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
        p.set(Param::Number(&ACCESS_KEY_WARN_DAYS), "0")
            .unwrap_or_else(|e| panic!("{e}"));
        let s = user_with_keys(vec![key("AKIANEAR", true, 89, None)]);
        assert!(matches!(
            IamAccessKeyRotated::new(&p).evaluate(&s),
            Verdict::Compliant { .. }
        ));
    }
}
