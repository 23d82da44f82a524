//! `ec2-default-security-group-closed`: a VPC's default security group has no rules,
//! so nothing placed in it by accident is reachable or can reach out.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1). Mirrors the AWS Config
//! managed rule `VPC_DEFAULT_SECURITY_GROUP_CLOSED` (Security Hub EC2.2).
//!
//! The fix revokes every rule of the default group, but only when no network
//! interface uses the group: otherwise it is withheld and the notice names the
//! interfaces (revoking would cut off whatever runs there). Default mode `notify`:
//! closing a group can break a running workload. Undo authorizes the rules again.
use crate::family;
use crate::kinds::ec2_security_group::{Ec2SecurityGroup, Facet, RevokeSecurityGroupRules, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "ec2-default-security-group-closed";

const GROUP: AnyFacet = AnyFacet::Ec2SecurityGroup(Facet::Group);
const RULES: AnyFacet = AnyFacet::Ec2SecurityGroup(Facet::Rules);
const INTERFACES: AnyFacet = AnyFacet::Ec2SecurityGroup(Facet::Interfaces);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "Every VPC's default security group has no rules",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::Ec2SecurityGroup,
    family: family::NETWORK_EXPOSURE,
    triggers: Triggers {
        config_rules: &["VPC_DEFAULT_SECURITY_GROUP_CLOSED"],
        cloudtrail: &[
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "ModifySecurityGroupRules",
        ],
        schedule: true,
        security_hub: &["EC2.2"],
    },
    facets: &[GROUP],
    reads: &[GROUP, RULES, INTERFACES],
    actions: &[RevokeSecurityGroupRules::INFO],
    parameters: &[],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 1,
    fix: Fix::Reversible,
};

pub struct Ec2DefaultSecurityGroupClosed;

impl KindRule for Ec2DefaultSecurityGroupClosed {
    type Kind = Ec2SecurityGroup;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, g: &Snapshot) -> Verdict {
        let Some(info) = g.group.get() else {
            return Verdict::NeedsFacets { facets: vec![GROUP] };
        };
        if !info.is_default() {
            return Verdict::Compliant {
                reason: "not a VPC's default security group".into(),
            };
        }
        let (Some(rules), Some(interfaces)) = (g.rules.get(), g.interfaces.get()) else {
            return Verdict::NeedsFacets {
                facets: vec![RULES, INTERFACES],
            };
        };
        if rules.is_empty() {
            return Verdict::Compliant {
                reason: "the default security group has no rules".into(),
            };
        }
        let mut findings = vec![format!(
            "the default security group {} of {} has {}",
            g.group_id,
            info.vpc_id.as_deref().unwrap_or("its VPC"),
            crate::wording::count(rules.len(), "rule", "rules")
        )];
        if !interfaces.is_empty() {
            findings.push(format!(
                "in use by {}",
                interfaces
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Verdict::NonCompliant { findings }
    }
    fn plan(&self, g: &Snapshot) -> Plan {
        let (Some(info), Some(rules), Some(interfaces)) = (g.group.get(), g.rules.get(), g.interfaces.get()) else {
            return Plan::default();
        };
        if !info.is_default() || rules.is_empty() {
            return Plan::default();
        }
        if !interfaces.is_empty() {
            let mut p = Plan::default();
            p.withheld.push(format!(
                "revoking the rules of default security group {} would cut off the network interfaces that use it: {}. Move them to dedicated security groups, then remove the default group's rules",
                g.group_id,
                interfaces.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ));
            return p;
        }
        Plan::of(vec![
            RevokeSecurityGroupRules {
                group_id: g.group_id.clone(),
                rules: rules.clone(),
            }
            .into(),
        ])
    }
    fn examples(&self) -> Examples<Snapshot> {
        use crate::rules::samples::{group, sg_rule, with_interfaces};
        let mut egress = sg_rule("sgr-egress", "-1", None, None, "0.0.0.0/0");
        egress.egress = true;
        let from_self = sg_rule("sgr-self", "-1", None, None, "10.0.0.0/16");
        Examples {
            non_compliant: group("sg-default", "default", vec![from_self.clone(), egress.clone()]),
            compliant: group("sg-default", "default", vec![]),
            // In use: withheld, the interfaces named.
            edge: with_interfaces(group("sg-default", "default", vec![from_self, egress]), &["eni-1"]),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::samples::{group, sg_rule, with_interfaces};

    #[test]
    fn an_unused_default_group_loses_every_rule() {
        let g = group("sg-d", "default", vec![sg_rule("sgr-1", "-1", None, None, "0.0.0.0/0")]);
        let plan = Ec2DefaultSecurityGroupClosed.plan(&g);
        assert_eq!(plan.actions.len(), 1);
        assert!(plan.withheld.is_empty());
    }

    #[test]
    fn a_default_group_in_use_is_withheld_with_its_interfaces_named() {
        let g = with_interfaces(
            group("sg-d", "default", vec![sg_rule("sgr-1", "-1", None, None, "0.0.0.0/0")]),
            &["eni-0abc", "eni-0def"],
        );
        let Verdict::NonCompliant { findings } = Ec2DefaultSecurityGroupClosed.evaluate(&g) else {
            panic!("not non-compliant");
        };
        assert!(findings.iter().any(|f| f.contains("eni-0abc")), "{findings:?}");
        let plan = Ec2DefaultSecurityGroupClosed.plan(&g);
        assert!(plan.actions.is_empty());
        assert!(plan.withheld[0].contains("eni-0abc") && plan.withheld[0].contains("eni-0def"));
    }

    #[test]
    fn other_groups_are_not_judged_by_their_rules() {
        let g = group("sg-web", "web", vec![sg_rule("sgr-1", "-1", None, None, "0.0.0.0/0")]);
        assert!(matches!(
            Ec2DefaultSecurityGroupClosed.evaluate(&g),
            Verdict::Compliant { .. }
        ));
    }
}
