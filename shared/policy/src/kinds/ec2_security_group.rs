//! An EC2 security group: its rules (ingress and egress, each with its
//! security-group-rule id), the network interfaces that use it, its name, VPC and
//! tags, and the actions that revoke and re-authorize rules.
use std::collections::BTreeMap;
use std::fmt;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::{ActionSpec, CloudTrailCall, KindSpec, Read, ResourceKind, ResourceRef, Service, Undo, kind_actions};
use crate::error::EventError;

/// The kind's marker type (see [`super::Kind`]).
pub struct Ec2SecurityGroup;

/// What `DescribeSecurityGroups` says of the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub name: String,
    pub vpc_id: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl GroupInfo {
    /// Whether this is a VPC's default security group (every VPC has one, named `default`).
    pub fn is_default(&self) -> bool {
        self.name == "default"
    }
}

/// Where a rule lets traffic come from (ingress) or go to (egress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Peer {
    Ipv4(String),
    Ipv6(String),
    PrefixList(String),
    /// Another security group (possibly of another account).
    Group(String),
}

impl Peer {
    /// Whether the peer is the whole internet: `0.0.0.0/0` or `::/0`.
    pub fn is_internet(&self) -> bool {
        match self {
            Peer::Ipv4(c) | Peer::Ipv6(c) => c.trim().parse::<IpNet>().is_ok_and(|n| n.prefix_len() == 0),
            Peer::PrefixList(_) | Peer::Group(_) => false,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Ipv4(c) | Peer::Ipv6(c) => f.write_str(c),
            Peer::PrefixList(p) => write!(f, "prefix list {p}"),
            Peer::Group(g) => write!(f, "security group {g}"),
        }
    }
}

/// One security-group rule, as `DescribeSecurityGroupRules` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SgRule {
    /// `sgr-...`; a rule authorized again gets a new id.
    pub id: String,
    pub egress: bool,
    /// `-1` (all traffic), `tcp`, `udp`, `icmp`, `icmpv6` or an IP protocol number.
    pub protocol: String,
    /// The port range (for ICMP: type and code); `None` when the rule has none (`-1`).
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peer: Peer,
    pub description: Option<String>,
}

impl SgRule {
    /// The same rule (direction, protocol, ports, peer, description), whatever its id:
    /// a rule revoked and authorized again is the same rule with a new id.
    pub fn same_as(&self, other: &SgRule) -> bool {
        self.egress == other.egress
            && normal_protocol(&self.protocol) == normal_protocol(&other.protocol)
            && self.ports() == other.ports()
            && self.peer == other.peer
            && self.description == other.description
    }

    /// Whether the rule passes every protocol.
    pub fn is_all_traffic(&self) -> bool {
        normal_protocol(&self.protocol) == "-1"
    }

    /// The TCP/UDP port range the rule opens, when it is a TCP or UDP rule (an absent
    /// or `-1` bound means every port).
    pub fn tcp_udp_ports(&self) -> Option<(u16, u16)> {
        match normal_protocol(&self.protocol) {
            "tcp" | "udp" => {}
            _ => return None,
        }
        let bound = |p: Option<i32>, all: u16| match p {
            Some(n) if (0..=65535).contains(&n) => u16::try_from(n).unwrap_or(all),
            _ => all,
        };
        let (from, to) = (bound(self.from_port, 0), bound(self.to_port, 65535));
        Some((from.min(to), from.max(to)))
    }

    /// Whether the rule lets traffic to `port` through: all traffic, or a TCP/UDP range
    /// covering it.
    pub fn opens_port(&self, port: u16) -> bool {
        self.is_all_traffic() || self.tcp_udp_ports().is_some_and(|(a, b)| (a..=b).contains(&port))
    }

    fn ports(&self) -> (Option<i32>, Option<i32>) {
        if self.is_all_traffic() {
            return (None, None);
        }
        let norm = |p: Option<i32>| p.filter(|n| *n != -1);
        (norm(self.from_port), norm(self.to_port))
    }
}

impl fmt::Display for SgRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = if self.egress { "egress to" } else { "ingress from" };
        let what = if self.is_all_traffic() {
            "all traffic".to_string()
        } else {
            match self.ports() {
                (Some(a), Some(b)) if a == b => format!("{} port {a}", self.protocol),
                (Some(a), Some(b)) => format!("{} ports {a}-{b}", self.protocol),
                _ => format!("{} (all ports)", self.protocol),
            }
        };
        write!(f, "{} ({what} {dir} {})", self.id, self.peer)?;
        if let Some(d) = &self.description {
            write!(f, " \"{d}\"")?;
        }
        Ok(())
    }
}

/// Protocol names as EC2 writes them back (`6` → `tcp`, `17` → `udp`, `all` → `-1`).
fn normal_protocol(p: &str) -> &str {
    match p.to_ascii_lowercase().as_str() {
        "6" | "tcp" => "tcp",
        "17" | "udp" => "udp",
        "1" | "icmp" => "icmp",
        "58" | "icmpv6" => "icmpv6",
        "-1" | "all" => "-1",
        _ => p,
    }
}

/// A network interface that uses the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInterface {
    pub id: String,
    pub description: Option<String>,
    /// What it is attached to (an instance id), if anything.
    pub attached_to: Option<String>,
}

impl fmt::Display for NetworkInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)?;
        match (&self.attached_to, &self.description) {
            (Some(a), _) => write!(f, " (attached to {a})"),
            (None, Some(d)) if !d.is_empty() => write!(f, " ({d})"),
            (None, _) => Ok(()),
        }
    }
}

/// Fresh state of a security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub group_id: String,
    /// Name, VPC and tags.
    pub group: Read<GroupInfo>,
    /// Every rule, ingress and egress.
    pub rules: Read<Vec<SgRule>>,
    /// The network interfaces that use the group.
    pub interfaces: Read<Vec<NetworkInterface>>,
}

/// The parts of a group's state read separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Facet {
    Group,
    Rules,
    Interfaces,
}

impl Facet {
    pub const ALL: &'static [Facet] = &[Facet::Group, Facet::Rules, Facet::Interfaces];

    /// The IAM read actions behind the facet.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Facet::Group => &["ec2:DescribeSecurityGroups"],
            Facet::Rules => &["ec2:DescribeSecurityGroupRules"],
            Facet::Interfaces => &["ec2:DescribeNetworkInterfaces"],
        }
    }
}

impl Snapshot {
    /// Nothing read yet.
    pub fn empty(r: &ResourceRef) -> Self {
        Snapshot {
            group_id: r.id.clone(),
            group: Read::NotRead,
            rules: Read::NotRead,
            interfaces: Read::NotRead,
        }
    }
    pub fn has(&self, f: Facet) -> bool {
        match f {
            Facet::Group => self.group.is_read(),
            Facet::Rules => self.rules.is_read(),
            Facet::Interfaces => self.interfaces.is_read(),
        }
    }
    pub fn copy_facet(&mut self, from: &Snapshot, f: Facet) {
        match f {
            Facet::Group => self.group = from.group.clone(),
            Facet::Rules => self.rules = from.rules.clone(),
            Facet::Interfaces => self.interfaces = from.interfaces.clone(),
        }
    }
    pub fn tags(&self) -> Option<&BTreeMap<String, String>> {
        self.group.get().map(|g| &g.tags)
    }
}

/// The CloudTrail events that change a group's rules (eventSource `ec2.amazonaws.com`).
pub const CLOUDTRAIL_EVENTS: &[&str] = &[
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "ModifySecurityGroupRules",
    "CreateSecurityGroup",
];

pub const SPEC: KindSpec = KindSpec {
    kind: ResourceKind::Ec2SecurityGroup,
    config_types: &["AWS::EC2::SecurityGroup"],
    account_level: false,
    list_permissions: &["ec2:DescribeSecurityGroups"],
    services: &[Service::Ec2],
    facets: &[
        super::Facet::Ec2SecurityGroup(Facet::Group),
        super::Facet::Ec2SecurityGroup(Facet::Rules),
        super::Facet::Ec2SecurityGroup(Facet::Interfaces),
    ],
    tags: Some(super::Facet::Ec2SecurityGroup(Facet::Group)),
    actions: Action::ALL,
    arn: |r| format!("arn:aws:ec2:{}:{}:security-group/{}", r.region, r.account, r.id),
    from_cloudtrail,
    from_finding,
};

/// The group a call names: `requestParameters.groupId`, or
/// `ModifySecurityGroupRulesRequest.GroupId`, or (CreateSecurityGroup, or a call that
/// named the group by name) the id in `responseElements`.
fn from_cloudtrail(call: &CloudTrailCall<'_>) -> Result<Vec<ResourceRef>, EventError> {
    if call.event_source != "ec2.amazonaws.com" || !CLOUDTRAIL_EVENTS.contains(&call.event_name) {
        return Ok(vec![]);
    }
    let id = call
        .param("groupId")
        .map(str::to_owned)
        .or_else(|| {
            call.params
                .and_then(|p| p.pointer("/ModifySecurityGroupRulesRequest/GroupId"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            let resp = call.response?;
            resp.get("groupId")
                .or_else(|| resp.pointer("/securityGroupRuleSet/items/0/groupId"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        });
    match id {
        Some(id) if !id.is_empty() => Ok(vec![named(&id, call)]),
        // A failed call may not name its group; it changed nothing anyway.
        _ if call.error_code.is_some() => Ok(vec![]),
        _ => Err(EventError::Missing {
            field: "requestParameters.groupId",
            context: "EC2 security group CloudTrail event",
        }),
    }
}

kind_actions!(Ec2SecurityGroup; RevokeSecurityGroupRules, AuthorizeSecurityGroupRules);

fn rules_text(rules: &[SgRule]) -> String {
    rules.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Revoke rules of a group, by security-group-rule id (a rule authorized again since
/// with a new id is found by its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeSecurityGroupRules {
    pub group_id: String,
    pub rules: Vec<SgRule>,
}

impl ActionSpec for RevokeSecurityGroupRules {
    type Kind = Ec2SecurityGroup;
    const NAME: &'static str = "RevokeSecurityGroupRules";
    const PERMISSIONS: &'static [&'static str] = &["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"];
    const WRITES: Facet = Facet::Rules;
    const UNDO: Undo = Undo::By(&[AuthorizeSecurityGroupRules::INFO]);

    fn describe(&self) -> String {
        format!(
            "revoke {} of security group {}: {}",
            crate::wording::count(self.rules.len(), "rule", "rules"),
            self.group_id,
            rules_text(&self.rules)
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            AuthorizeSecurityGroupRules {
                group_id: self.group_id.clone(),
                rules: self.rules.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let now = s.rules.get()?;
        Some(!self.rules.iter().any(|r| now.iter().any(|n| n.same_as(r))))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(now) = s.rules.get_mut() {
            now.retain(|n| !self.rules.iter().any(|r| n.same_as(r)));
        }
    }
}

/// Authorize rules again, with their descriptions (the undo of a revoke).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeSecurityGroupRules {
    pub group_id: String,
    pub rules: Vec<SgRule>,
}

impl ActionSpec for AuthorizeSecurityGroupRules {
    type Kind = Ec2SecurityGroup;
    const NAME: &'static str = "AuthorizeSecurityGroupRules";
    const PERMISSIONS: &'static [&'static str] =
        &["ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress"];
    const WRITES: Facet = Facet::Rules;
    const UNDO: Undo = Undo::By(&[RevokeSecurityGroupRules::INFO]);

    fn describe(&self) -> String {
        format!(
            "authorize {} of security group {} again: {}",
            crate::wording::count(self.rules.len(), "rule", "rules"),
            self.group_id,
            rules_text(&self.rules)
        )
    }
    fn undo(&self) -> Option<Action> {
        Some(
            RevokeSecurityGroupRules {
                group_id: self.group_id.clone(),
                rules: self.rules.clone(),
            }
            .into(),
        )
    }
    fn holds_in(&self, s: &Snapshot) -> Option<bool> {
        let now = s.rules.get()?;
        Some(self.rules.iter().all(|r| now.iter().any(|n| n.same_as(r))))
    }
    fn apply_to(&self, s: &mut Snapshot) {
        if let Some(now) = s.rules.get_mut() {
            for r in &self.rules {
                if !now.iter().any(|n| n.same_as(r)) {
                    now.push(r.clone());
                }
            }
        }
    }
}

/// The resource of this kind named `id`, in the call's account and region.
fn named(id: &str, call: &CloudTrailCall<'_>) -> ResourceRef {
    ResourceRef::of(ResourceKind::Ec2SecurityGroup, id, call.account, call.region)
}

/// A Security Hub finding's `AwsEc2SecurityGroup` resource, by its ARN.
fn from_finding(r: &super::FindingResource<'_>) -> Option<ResourceRef> {
    super::finding_by_arn(
        r,
        "AwsEc2SecurityGroup",
        ResourceKind::Ec2SecurityGroup,
        "security-group/",
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: Option<i32>, to: Option<i32>, peer: Peer) -> SgRule {
        SgRule {
            id: "sgr-1".into(),
            egress: false,
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            peer,
            description: None,
        }
    }

    #[test]
    fn only_the_zero_prefix_is_the_internet() {
        assert!(Peer::Ipv4("0.0.0.0/0".into()).is_internet());
        assert!(Peer::Ipv6("::/0".into()).is_internet());
        assert!(!Peer::Ipv4("0.0.0.0/1".into()).is_internet());
        assert!(!Peer::Ipv4("10.0.0.0/8".into()).is_internet());
        assert!(!Peer::PrefixList("pl-1".into()).is_internet());
        assert!(!Peer::Group("sg-1".into()).is_internet());
        assert!(!Peer::Ipv4("not a cidr".into()).is_internet());
    }

    #[test]
    fn ranges_all_traffic_and_protocol_numbers_cover_ports() {
        let any = Peer::Ipv4("0.0.0.0/0".into());
        assert!(rule("tcp", Some(22), Some(22), any.clone()).opens_port(22));
        assert!(rule("6", Some(0), Some(1024), any.clone()).opens_port(22));
        assert!(rule("udp", Some(-1), Some(-1), any.clone()).opens_port(11211));
        assert!(rule("-1", None, None, any.clone()).opens_port(3389));
        assert!(!rule("tcp", Some(443), Some(443), any.clone()).opens_port(22));
        assert!(!rule("icmp", Some(22), Some(0), any).opens_port(22));
    }

    #[test]
    fn a_rule_authorized_again_is_the_same_rule_with_a_new_id() {
        let a = rule("tcp", Some(22), Some(22), Peer::Ipv4("0.0.0.0/0".into()));
        let mut b = a.clone();
        b.id = "sgr-2".into();
        b.protocol = "6".into();
        assert!(a.same_as(&b));
        b.description = Some("other".into());
        assert!(!a.same_as(&b));
    }
}
