//! `iam-user-no-direct-policies`: IAM users get their permissions through groups (or
//! roles), not through policies attached to or embedded in the user.
//!
//! HIPAA Security Rule: access control, 164.312(a)(1), and information access
//! management, 164.308(a)(4)(ii)(B)-(C) (access granted and reviewed by role, not per
//! person). Mirrors the AWS Config managed rule `IAM_USER_NO_POLICIES_CHECK`
//! (Security Hub IAM.2).
//!
//! The fix moves the user's own policies to a group of its own,
//! `<DirectPolicyGroupPrefix><user>`: the group is created (unless it exists), gets
//! the same managed policies attached and the inline policies copied, the user joins
//! it, and **only then** are the user's own policies detached and deleted. The user's
//! effective permissions never drop, not even for a moment: a failure on the way
//! leaves the user with both. Undo puts the policies back on the user first, then
//! takes them off the group and, when the fix created the group, takes the user out
//! and deletes it.
//!
//! The stack's MFA quarantine (`MfaQuarantinePolicyName`, attached by
//! `iam-user-console-mfa`) stays on the user: it is that rule's to lift, and in a
//! group it would outlive the user's MFA. Default mode `notify`: moving an
//! administrator's policies is worth a human's look first.
use crate::family;
use crate::kinds::iam_user::{Facet, IamUser, MoveDirectPoliciesToGroup, Snapshot, UserPermissions};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::iam_user_console_mfa::MFA_QUARANTINE_POLICY_NAME;
use crate::rules::samples::user_with;
use crate::settings::Mode;

pub const ID: &str = "iam-user-no-direct-policies";

pub const DIRECT_POLICY_GROUP_PREFIX: TextParam = TextParam {
    name: "DirectPolicyGroupPrefix",
    default: "hipaa-autofix-user-",
    help: "The prefix of the group a user's own policies are moved to (<prefix><user>)",
};

/// IAM's longest group name.
const MAX_GROUP_NAME: usize = 128;

const PERMISSIONS: AnyFacet = AnyFacet::IamUser(Facet::Permissions);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "IAM users get permissions through groups, not policies of their own",
    safeguard: "164.312(a)(1) Access control; 164.308(a)(4)(ii)(B)-(C) Access authorization, establishment and modification",
    kind: ResourceKind::IamUser,
    family: family::IAM_LEAST_PRIVILEGE,
    triggers: Triggers {
        config_rules: &["IAM_USER_NO_POLICIES_CHECK"],
        cloudtrail: &["AttachUserPolicy", "PutUserPolicy"],
        schedule: true,
        security_hub: &["IAM.2"],
    },
    facets: &[PERMISSIONS],
    reads: &[PERMISSIONS],
    actions: &[MoveDirectPoliciesToGroup::INFO],
    parameters: &[
        Param::Text(&DIRECT_POLICY_GROUP_PREFIX),
        Param::Text(&MFA_QUARANTINE_POLICY_NAME),
    ],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 4,
    fix: Fix::Reversible,
};

pub struct IamUserNoDirectPolicies {
    pub group_prefix: String,
    pub quarantine_policy: String,
}

impl IamUserNoDirectPolicies {
    pub fn new(p: &Params) -> Self {
        Self {
            group_prefix: p.text(&DIRECT_POLICY_GROUP_PREFIX),
            quarantine_policy: p.text(&MFA_QUARANTINE_POLICY_NAME),
        }
    }

    /// The group a user's policies move to.
    pub fn group_of(&self, user: &str) -> String {
        format!("{}{user}", self.group_prefix)
    }

    fn is_quarantine(&self, arn: &str) -> bool {
        arn.rsplit('/').next() == Some(self.quarantine_policy.as_str())
    }

    /// The user's own managed policies this rule moves (all but the quarantine).
    fn movable_managed(&self, p: &UserPermissions) -> Vec<String> {
        p.attached.iter().filter(|a| !self.is_quarantine(a)).cloned().collect()
    }

    fn findings(&self, s: &Snapshot, p: &UserPermissions) -> Vec<String> {
        let mut what: Vec<String> = self
            .movable_managed(p)
            .iter()
            .map(|a| format!("managed policy {a}"))
            .collect();
        what.extend(p.inline.keys().map(|n| format!("inline policy {n}")));
        if what.is_empty() {
            return vec![];
        }
        vec![format!(
            "IAM user {} has policies of its own ({}); least privilege grants them through a group",
            s.name,
            what.join(", ")
        )]
    }
}

impl KindRule for IamUserNoDirectPolicies {
    type Kind = IamUser;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(p) = s.permissions.get() else {
            return Verdict::NeedsFacets {
                facets: vec![PERMISSIONS],
            };
        };
        let findings = self.findings(s, p);
        if !findings.is_empty() {
            return Verdict::NonCompliant { findings };
        }
        let groups = p.groups.len();
        Verdict::Compliant {
            reason: match (p.attached.is_empty(), groups) {
                (false, _) => "only the MFA quarantine is on the user (iam-user-console-mfa's)".into(),
                (true, 0) => "no policies of its own and no group".into(),
                (true, 1) => "no policies of its own; permissions through one group".into(),
                (true, n) => format!("no policies of its own; permissions through {n} groups"),
            },
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        let Some(p) = s.permissions.get() else {
            return Plan::default();
        };
        let managed = self.movable_managed(p);
        if managed.is_empty() && p.inline.is_empty() {
            return Plan::default();
        }
        let group = self.group_of(&s.name);
        if group.len() > MAX_GROUP_NAME {
            return Plan {
                actions: vec![],
                withheld: vec![format!(
                    "move the policies of user {} to a group: {group} is longer than IAM's {MAX_GROUP_NAME} characters (shorten DirectPolicyGroupPrefix)",
                    s.name
                )],
            };
        }
        Plan::of(vec![
            MoveDirectPoliciesToGroup {
                user: s.name.clone(),
                // Already a member (a move cut short, or an admin's own group of that
                // name): the group stays on undo.
                create_group: p.group(&group).is_none(),
                group,
                managed,
                inline: p.inline.clone(),
            }
            .into(),
        ])
    }
    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: direct_user(
                &["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                &[("s3-phi-read", r#"{"Version":"2012-10-17","Statement":[]}"#)],
                &[],
            ),
            compliant: direct_user(&[], &[], &["developers"]),
            // Only the MFA quarantine on the user: iam-user-console-mfa's to lift.
            edge: direct_user(
                &["arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine"],
                &[],
                &[],
            ),
            edge_verdict: VerdictClass::Compliant,
        }
    }
}

/// User `alice` with these managed (ARNs) and inline (name, document) policies of its
/// own, in these groups (with no policies).
fn direct_user(managed: &[&str], inline: &[(&str, &str)], groups: &[&str]) -> Snapshot {
    let mut u = user_with(vec![], None, vec![], managed.to_vec());
    u.permissions = crate::kinds::Read::Value(UserPermissions {
        attached: managed.iter().map(|a| a.to_string()).collect(),
        inline: inline.iter().map(|(n, d)| (n.to_string(), d.to_string())).collect(),
        groups: groups
            .iter()
            .map(|g| crate::kinds::iam_user::GroupPolicies {
                name: g.to_string(),
                attached: vec![],
                inline: Default::default(),
            })
            .collect(),
    });
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action;
    use crate::kinds::iam_user;

    fn rule() -> IamUserNoDirectPolicies {
        IamUserNoDirectPolicies::new(&Params::default())
    }

    fn the_move(plan: &Plan) -> &MoveDirectPoliciesToGroup {
        let [Action::IamUser(iam_user::Action::MoveDirectPoliciesToGroup(m))] = plan.actions.as_slice() else {
            panic!("one move: {plan:?}");
        };
        m
    }

    #[test]
    fn managed_and_inline_policies_move_to_the_users_own_group_which_is_created() {
        let s = direct_user(
            &["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            &[("s3-phi-read", "{}")],
            &[],
        );
        match rule().evaluate(&s) {
            Verdict::NonCompliant { findings } => {
                assert!(findings[0].contains("managed policy arn:aws:iam::aws:policy/ReadOnlyAccess"));
                assert!(findings[0].contains("inline policy s3-phi-read"));
            }
            v => panic!("{v:?}"),
        }
        let plan = rule().plan(&s);
        let m = the_move(&plan);
        assert_eq!(m.group, "hipaa-autofix-user-alice");
        assert!(m.create_group);
        assert_eq!(m.managed, vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_string()]);
        assert_eq!(m.inline.get("s3-phi-read").map(String::as_str), Some("{}"));
        // Undo puts them back and deletes the group it created.
        let Some(undo) = plan.undo() else {
            panic!("reversible: {plan:?}")
        };
        let [Action::IamUser(iam_user::Action::MoveGroupPoliciesToUser(back))] = undo.actions.as_slice() else {
            panic!("{undo:?}");
        };
        assert!(back.delete_group);
    }

    #[test]
    fn the_group_prefix_is_a_parameter() {
        let mut p = Params::default();
        crate::catalog::set_param(&mut p, "DirectPolicyGroupPrefix=direct-").unwrap_or_else(|e| panic!("{e}"));
        let r = IamUserNoDirectPolicies::new(&p);
        let plan = r.plan(&direct_user(&["arn:aws:iam::aws:policy/ReadOnlyAccess"], &[], &[]));
        assert_eq!(the_move(&plan).group, "direct-alice");
    }

    #[test]
    fn a_user_already_in_its_group_keeps_the_group_on_undo() {
        let s = direct_user(
            &["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            &[],
            &["hipaa-autofix-user-alice"],
        );
        assert!(!the_move(&rule().plan(&s)).create_group);
    }

    #[test]
    fn the_mfa_quarantine_stays_on_the_user() {
        let q = "arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine";
        let only = direct_user(&[q], &[], &[]);
        assert!(matches!(rule().evaluate(&only), Verdict::Compliant { .. }));
        assert!(rule().plan(&only).is_empty());
        let both = direct_user(&[q, "arn:aws:iam::aws:policy/ReadOnlyAccess"], &[], &[]);
        assert_eq!(
            the_move(&rule().plan(&both)).managed,
            vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_string()]
        );
    }

    #[test]
    fn users_with_permissions_only_through_groups_are_compliant() {
        let s = direct_user(&[], &[], &["developers", "auditors"]);
        match rule().evaluate(&s) {
            Verdict::Compliant { reason } => assert!(reason.contains("2 groups"), "{reason}"),
            v => panic!("{v:?}"),
        }
        assert!(rule().plan(&s).is_empty());
    }

    #[test]
    fn a_group_name_too_long_for_iam_is_withheld_with_the_reason() {
        let mut p = Params::default();
        let long = format!("DirectPolicyGroupPrefix={}", "p".repeat(125));
        crate::catalog::set_param(&mut p, &long).unwrap_or_else(|e| panic!("{e}"));
        let plan = IamUserNoDirectPolicies::new(&p).plan(&direct_user(&[], &[("x", "{}")], &[]));
        assert!(plan.is_empty());
        assert!(plan.withheld[0].contains("shorten DirectPolicyGroupPrefix"), "{plan:?}");
    }

    #[test]
    fn unread_permissions_are_asked_for() {
        let s = user_with(vec![], None, vec![], vec![]);
        assert!(matches!(rule().evaluate(&s), Verdict::NeedsFacets { .. }));
        assert!(rule().plan(&s).is_empty());
    }
}
