//! `iam-user-console-mfa`: every IAM user with a console password has an MFA device.
//!
//! HIPAA Security Rule: person or entity authentication, 164.312(d). Mirrors the AWS
//! Config managed rules `MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS` and
//! `IAM_USER_MFA_ENABLED` (Security Hub IAM.5).
//!
//! In stages, counted from the login profile's creation:
//! * within `MfaGraceHours` (default 24): one warning notice, nothing changed;
//! * after it: **quarantine** — attach the stack's policy `MfaQuarantinePolicyName`,
//!   which denies everything except what the user needs to set up their own MFA
//!   device (AWS's self-managed-MFA pattern). Reversible: undo detaches it;
//! * after `MfaStage2Days` (default 7), only when `MfaStage2Enabled=true` (off by
//!   default): **remove the console password**. Irreversible: the notice says so.
//!
//! When the user enables an MFA device, the quarantine is lifted automatically
//! (CloudTrail `EnableMFADevice` or the sweep) and a notice says so.
use chrono::Duration;

use crate::family;
use crate::iam::{at_least_hours, older_than};
use crate::kinds::iam_user::{AttachUserPolicy, DeleteLoginProfile, DetachUserPolicy, Facet, IamUser, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{FlagParam, NumberParam, Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::samples::console_user;
use crate::settings::Mode;

pub const ID: &str = "iam-user-console-mfa";

pub const MFA_GRACE_HOURS: NumberParam = NumberParam {
    name: "MfaGraceHours",
    default: 24,
    min: 0,
    max: 8760,
    help: "Hours after a console password is created before a user without MFA is quarantined",
};

pub const MFA_STAGE2_DAYS: NumberParam = NumberParam {
    name: "MfaStage2Days",
    default: 7,
    min: 0,
    max: 3650,
    help: "Days after a console password is created before stage 2 removes it (when enabled)",
};

pub const MFA_STAGE2_ENABLED: FlagParam = FlagParam {
    name: "MfaStage2Enabled",
    default: false,
    help: "Stage 2: remove the console password of a user still without MFA (irreversible)",
};

pub const MFA_QUARANTINE_POLICY_NAME: TextParam = TextParam {
    name: "MfaQuarantinePolicyName",
    default: "hipaa-autofix-mfa-quarantine",
    help: "The customer-managed policy (created by the stack) that quarantines a user without MFA",
};

const FACETS: &[AnyFacet] = &[
    AnyFacet::IamUser(Facet::LoginProfile),
    AnyFacet::IamUser(Facet::MfaDevices),
    AnyFacet::IamUser(Facet::AttachedPolicies),
];

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "IAM users with console access have MFA",
    safeguard: "164.312(d) Person or entity authentication",
    kind: ResourceKind::IamUser,
    family: family::IAM_MFA,
    triggers: Triggers {
        config_rules: &["MFA_ENABLED_FOR_IAM_CONSOLE_ACCESS", "IAM_USER_MFA_ENABLED"],
        cloudtrail: &[
            "CreateLoginProfile",
            "UpdateLoginProfile",
            "CreateUser",
            "EnableMFADevice",
            "DeactivateMFADevice",
            "DeleteVirtualMFADevice",
        ],
        schedule: true,
        security_hub: &["IAM.5", "IAM.19"],
    },
    facets: FACETS,
    reads: FACETS,
    actions: &[AttachUserPolicy::INFO, DetachUserPolicy::INFO, DeleteLoginProfile::INFO],
    parameters: &[
        Param::Number(&MFA_GRACE_HOURS),
        Param::Number(&MFA_STAGE2_DAYS),
        Param::Flag(&MFA_STAGE2_ENABLED),
        Param::Text(&MFA_QUARANTINE_POLICY_NAME),
    ],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 3,
    fix: Fix::Reversible,
};

pub struct IamUserConsoleMfa {
    pub grace_hours: u32,
    pub stage2_days: u32,
    pub stage2_enabled: bool,
    pub quarantine_policy: String,
}

impl IamUserConsoleMfa {
    pub fn new(p: &Params) -> Self {
        Self {
            grace_hours: p.number(&MFA_GRACE_HOURS),
            stage2_days: p.number(&MFA_STAGE2_DAYS),
            stage2_enabled: p.flag(&MFA_STAGE2_ENABLED),
            quarantine_policy: p.text(&MFA_QUARANTINE_POLICY_NAME),
        }
    }

    /// The quarantine policy's ARN in the user's account.
    pub fn quarantine_arn(&self, account: &str) -> String {
        format!("arn:aws:iam::{account}:policy/{}", self.quarantine_policy)
    }

    fn quarantined(&self, attached: &[String]) -> bool {
        let suffix = format!(":policy/{}", self.quarantine_policy);
        attached
            .iter()
            .any(|a| a.ends_with(&suffix) || a.ends_with(&format!("/{}", self.quarantine_policy)))
    }
}

enum State {
    Compliant(String),
    Grace(String),
    Lift,
    Quarantine { stage2_withheld: bool },
    RemovePassword,
}

impl IamUserConsoleMfa {
    fn state(&self, u: &Snapshot) -> Option<State> {
        let lp = u.login_profile.get()?;
        let mfa = u.mfa_devices.get()?;
        let attached = u.attached_policies.get()?;
        let quarantined = self.quarantined(attached);
        if !mfa.is_empty() {
            return Some(if quarantined {
                State::Lift
            } else {
                State::Compliant("MFA is enabled".into())
            });
        }
        let Some(lp) = lp else {
            return Some(State::Compliant("no console password".into()));
        };
        if !at_least_hours(u.as_of, lp.created, self.grace_hours) {
            let at = lp.created + Duration::hours(i64::from(self.grace_hours));
            return Some(State::Grace(format!(
                "user {} has a console password and no MFA device: quarantined from {} unless MFA is enabled",
                u.name,
                at.format("%Y-%m-%d %H:%M UTC")
            )));
        }
        let stage2_due = older_than(u.as_of, lp.created, self.stage2_days);
        if stage2_due && self.stage2_enabled {
            return Some(State::RemovePassword);
        }
        if quarantined {
            return Some(State::Compliant("quarantined until an MFA device is enabled".into()));
        }
        Some(State::Quarantine {
            stage2_withheld: stage2_due,
        })
    }
}

impl KindRule for IamUserConsoleMfa {
    type Kind = IamUser;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, u: &Snapshot) -> Verdict {
        match self.state(u) {
            None => Verdict::NeedsFacets {
                facets: FACETS.to_vec(),
            },
            Some(State::Compliant(reason)) => Verdict::Compliant { reason },
            Some(State::Grace(w)) => Verdict::Warning {
                findings: vec![w],
                token: "grace".into(),
            },
            Some(State::Lift) => Verdict::NonCompliant {
                findings: vec![format!("user {} has enabled MFA: the quarantine can be lifted", u.name)],
            },
            Some(State::Quarantine { .. }) => Verdict::NonCompliant {
                findings: vec![format!(
                    "user {} has a console password and no MFA device, past the {}-hour grace period",
                    u.name, self.grace_hours
                )],
            },
            Some(State::RemovePassword) => Verdict::NonCompliant {
                findings: vec![format!(
                    "user {} still has no MFA device {} days after getting a console password",
                    u.name, self.stage2_days
                )],
            },
        }
    }

    fn plan(&self, u: &Snapshot) -> Plan {
        let arn = self.quarantine_arn(&u.account);
        match self.state(u) {
            Some(State::Lift) => Plan::of(vec![
                DetachUserPolicy {
                    user: u.name.clone(),
                    policy_arn: arn,
                }
                .into(),
            ]),
            Some(State::Quarantine { stage2_withheld }) => {
                let mut p = Plan::of(vec![
                    AttachUserPolicy {
                        user: u.name.clone(),
                        policy_arn: arn,
                    }
                    .into(),
                ]);
                if stage2_withheld {
                    p.withheld.push(format!(
                        "stage 2: remove the console password of user {} (irreversible; off until MfaStage2Enabled=true)",
                        u.name
                    ));
                }
                p
            }
            Some(State::RemovePassword) => Plan::of(vec![DeleteLoginProfile { user: u.name.clone() }.into()]),
            Some(State::Compliant(_) | State::Grace(_)) | None => Plan::default(),
        }
    }

    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: console_user(25, false, false),
            compliant: console_user(1000, true, false),
            // Inside the grace period: one warning, nothing changed.
            edge: console_user(23, false, false),
            edge_verdict: VerdictClass::Warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action;

    fn rule(stage2: bool) -> IamUserConsoleMfa {
        let mut p = Params::default();
        p.set(Param::Flag(&MFA_STAGE2_ENABLED), if stage2 { "true" } else { "false" })
            .unwrap_or_else(|e| panic!("{e}"));
        IamUserConsoleMfa::new(&p)
    }
    const Q: &str = "arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine";

    #[test]
    fn inside_the_grace_period_only_warns() {
        let s = console_user(23, false, false);
        assert!(matches!(rule(true).evaluate(&s), Verdict::Warning { .. }));
        assert!(rule(true).plan(&s).is_empty());
    }
    #[test]
    fn past_the_grace_period_the_user_is_quarantined_reversibly() {
        let s = console_user(25, false, false);
        assert!(matches!(rule(false).evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = rule(false).plan(&s);
        assert_eq!(
            plan.actions,
            vec![Action::from(AttachUserPolicy {
                user: "alice".into(),
                policy_arn: Q.into()
            })]
        );
        assert_eq!(plan.undo().map(|u| u.actions[0].name()), Some("DetachUserPolicy"));
    }
    #[test]
    fn quarantined_user_is_compliant_until_stage_two() {
        let s = console_user(48, false, true);
        assert!(matches!(rule(true).evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn past_stage_two_the_password_goes_only_when_enabled() {
        let s = console_user(8 * 24, false, true);
        assert!(matches!(rule(false).evaluate(&s), Verdict::Compliant { .. }));
        let plan = rule(true).plan(&s);
        assert_eq!(
            plan.actions,
            vec![Action::from(DeleteLoginProfile { user: "alice".into() })]
        );
        assert!(plan.undo().is_none());
    }
    #[test]
    fn stage_two_due_but_off_says_so() {
        let s = console_user(8 * 24, false, false);
        let plan = rule(false).plan(&s);
        assert_eq!(plan.actions.len(), 1);
        assert_eq!(plan.withheld.len(), 1);
    }
    #[test]
    fn mfa_enabled_lifts_the_quarantine() {
        let s = console_user(100, true, true);
        assert!(matches!(rule(false).evaluate(&s), Verdict::NonCompliant { .. }));
        assert_eq!(rule(false).plan(&s).actions[0].name(), "DetachUserPolicy");
    }
    #[test]
    fn user_with_mfa_is_compliant() {
        assert!(matches!(
            rule(true).evaluate(&console_user(1000, true, false)),
            Verdict::Compliant { .. }
        ));
    }
}
