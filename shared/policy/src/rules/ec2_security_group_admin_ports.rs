//! `ec2-security-group-admin-ports`: no security group lets the whole internet
//! (`0.0.0.0/0` or `::/0`) reach an administration or database port.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1), and transmission
//! security, 164.312(e)(1). Mirrors the AWS Config managed rules
//! `INCOMING_SSH_DISABLED` and `RESTRICTED_INCOMING_TRAFFIC` (Security Hub EC2.13,
//! EC2.14, EC2.19).
//!
//! What is revoked: exactly the ingress rules that open a port of `RestrictedPorts`
//! to the internet: a rule for that port, a TCP or UDP range covering it, or all
//! traffic. They are revoked by security-group-rule id. Rules from prefix lists, from
//! other security groups and from narrower CIDRs stay. Undo authorizes the same rules
//! again, with their descriptions. A deliberate bastion is exempted with the tag
//! `hipaa-autofix:exempt` on its group.
use crate::family;
use crate::kinds::ec2_security_group::{Ec2SecurityGroup, Facet, RevokeSecurityGroupRules, SgRule, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "ec2-security-group-admin-ports";

/// The ports no security group may open to the internet.
pub static RESTRICTED_PORTS: TextParam = TextParam {
    name: "RestrictedPorts",
    default: "22,3389,3306,5432,1433,1521,27017,6379,9200,5601,11211",
    help: "Comma-separated TCP/UDP ports no security group may open to 0.0.0.0/0 or ::/0 (SSH, RDP, databases, caches, search); entries that are not port numbers are ignored",
};

const GROUP: AnyFacet = AnyFacet::Ec2SecurityGroup(Facet::Group);
const RULES: AnyFacet = AnyFacet::Ec2SecurityGroup(Facet::Rules);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "No security group opens an admin or database port to the internet",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::Ec2SecurityGroup,
    family: family::NETWORK_EXPOSURE,
    triggers: Triggers {
        config_rules: &["INCOMING_SSH_DISABLED", "RESTRICTED_INCOMING_TRAFFIC"],
        cloudtrail: &[
            "AuthorizeSecurityGroupIngress",
            "ModifySecurityGroupRules",
            "CreateSecurityGroup",
        ],
        schedule: true,
        security_hub: &["EC2.13", "EC2.14", "EC2.19", "EC2.53", "EC2.54"],
    },
    facets: &[RULES],
    reads: &[GROUP, RULES],
    actions: &[RevokeSecurityGroupRules::INFO],
    parameters: &[Param::Text(&RESTRICTED_PORTS)],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct Ec2SecurityGroupAdminPorts {
    ports: Vec<u16>,
}

impl Ec2SecurityGroupAdminPorts {
    pub fn new(p: &Params) -> Self {
        Self {
            ports: parse_ports(&p.text(&RESTRICTED_PORTS)),
        }
    }
    /// The ingress rules that open a restricted port to the internet.
    pub fn offending<'a>(&self, rules: &'a [SgRule]) -> Vec<&'a SgRule> {
        rules
            .iter()
            .filter(|r| !r.egress && r.peer.is_internet() && self.ports.iter().any(|p| r.opens_port(*p)))
            .collect()
    }
}

/// `22, 3389,x` → `[22, 3389]`.
pub fn parse_ports(s: &str) -> Vec<u16> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

impl Default for Ec2SecurityGroupAdminPorts {
    fn default() -> Self {
        Self::new(&Params::default())
    }
}

impl KindRule for Ec2SecurityGroupAdminPorts {
    type Kind = Ec2SecurityGroup;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, g: &Snapshot) -> Verdict {
        let Some(rules) = g.rules.get() else {
            return Verdict::NeedsFacets { facets: vec![RULES] };
        };
        let bad = self.offending(rules);
        if bad.is_empty() {
            return Verdict::Compliant {
                reason: "no ingress rule opens a restricted port to the internet".into(),
            };
        }
        Verdict::NonCompliant {
            findings: bad
                .iter()
                .map(|r| {
                    format!(
                        "security group {} opens a restricted port to the internet: {r}",
                        g.group_id
                    )
                })
                .collect(),
        }
    }
    fn plan(&self, g: &Snapshot) -> Plan {
        let Some(rules) = g.rules.get() else {
            return Plan::default();
        };
        let bad: Vec<SgRule> = self.offending(rules).into_iter().cloned().collect();
        if bad.is_empty() {
            return Plan::default();
        }
        Plan::of(vec![
            RevokeSecurityGroupRules {
                group_id: g.group_id.clone(),
                rules: bad,
            }
            .into(),
        ])
    }
    fn examples(&self) -> Examples<Snapshot> {
        use crate::rules::samples::{group, sg_rule};
        let narrow = sg_rule("sgr-narrow", "tcp", Some(22), Some(22), "10.0.0.0/8");
        let https = sg_rule("sgr-https", "tcp", Some(443), Some(443), "0.0.0.0/0");
        Examples {
            non_compliant: group(
                "sg-open",
                "web",
                vec![
                    narrow.clone(),
                    https.clone(),
                    sg_rule("sgr-ssh", "tcp", Some(22), Some(22), "0.0.0.0/0"),
                    sg_rule("sgr-all6", "-1", None, None, "::/0"),
                ],
            ),
            compliant: group("sg-ok", "web", vec![narrow.clone(), https]),
            // A range covering 3306 from the internet.
            edge: group(
                "sg-range",
                "web",
                vec![narrow, sg_rule("sgr-range", "tcp", Some(3000), Some(4000), "0.0.0.0/0")],
            ),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::kinds::ec2_security_group::Peer;
    use crate::rules::samples::{group, sg_rule};

    fn revoked(rules: Vec<SgRule>) -> Vec<String> {
        let rule = Ec2SecurityGroupAdminPorts::default();
        rule.offending(&rules).iter().map(|r| r.id.clone()).collect()
    }

    #[test]
    fn only_internet_rules_on_restricted_ports_are_revoked() {
        let mut from_group = sg_rule("sgr-group", "tcp", Some(22), Some(22), "0.0.0.0/0");
        from_group.peer = Peer::Group("sg-bastion".into());
        let mut from_list = sg_rule("sgr-list", "tcp", Some(22), Some(22), "0.0.0.0/0");
        from_list.peer = Peer::PrefixList("pl-123".into());
        let mut egress = sg_rule("sgr-egress", "-1", None, None, "0.0.0.0/0");
        egress.egress = true;
        let got = revoked(vec![
            sg_rule("sgr-ssh", "tcp", Some(22), Some(22), "0.0.0.0/0"),
            sg_rule("sgr-rdp6", "tcp", Some(3389), Some(3389), "::/0"),
            sg_rule("sgr-all", "-1", None, None, "0.0.0.0/0"),
            sg_rule("sgr-udp-range", "udp", Some(11000), Some(11300), "0.0.0.0/0"),
            sg_rule("sgr-narrow", "tcp", Some(22), Some(22), "203.0.113.0/24"),
            sg_rule("sgr-half", "tcp", Some(22), Some(22), "0.0.0.0/1"),
            sg_rule("sgr-https", "tcp", Some(443), Some(443), "0.0.0.0/0"),
            sg_rule("sgr-icmp", "icmp", Some(-1), Some(-1), "0.0.0.0/0"),
            from_group,
            from_list,
            egress,
        ]);
        assert_eq!(got, ["sgr-ssh", "sgr-rdp6", "sgr-all", "sgr-udp-range"]);
    }

    #[test]
    fn restricted_ports_come_from_the_parameter() {
        let mut p = Params::default();
        p.set(Param::Text(&RESTRICTED_PORTS), "443, x").unwrap();
        let rule = Ec2SecurityGroupAdminPorts::new(&p);
        let rules = vec![
            sg_rule("sgr-ssh", "tcp", Some(22), Some(22), "0.0.0.0/0"),
            sg_rule("sgr-https", "tcp", Some(443), Some(443), "0.0.0.0/0"),
        ];
        let ids: Vec<&str> = rule.offending(&rules).iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["sgr-https"]);
    }

    #[test]
    fn the_plan_revokes_by_rule_id_and_undo_authorizes_the_same_rules_with_descriptions() {
        let mut ssh = sg_rule("sgr-ssh", "tcp", Some(22), Some(22), "0.0.0.0/0");
        ssh.description = Some("temporary admin access".into());
        let g = group("sg-1", "web", vec![ssh.clone()]);
        let rule = Ec2SecurityGroupAdminPorts::default();
        let plan = rule.plan(&g);
        assert_eq!(plan.actions.len(), 1);
        assert!(plan.descriptions()[0].contains("sgr-ssh"), "{:?}", plan.descriptions());
        let undo = plan.undo().unwrap();
        assert_eq!(undo.actions[0].name(), "AuthorizeSecurityGroupRules");
        assert!(undo.descriptions()[0].contains("temporary admin access"));
    }
}
