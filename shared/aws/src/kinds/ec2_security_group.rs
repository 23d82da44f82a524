//! EC2 security groups: the reader, lister and remediator of the
//! `ec2_security_group` kind.
use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_ec2::types as ec2t;
use policy::PortError;
use policy::kinds::ec2_security_group::{
    Action, Ec2SecurityGroup, Facet, GroupInfo, NetworkInterface, Peer, SgRule, Snapshot,
};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// EC2 over the SDK.
#[derive(Debug)]
pub struct Ec2SecurityGroupAdapter {
    ec2: aws_sdk_ec2::Client,
}

fn group_filter(id: &str) -> ec2t::Filter {
    ec2t::Filter::builder().name("group-id").values(id).build()
}

fn tags_of(tags: &[ec2t::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
        .collect()
}

/// A rule as `DescribeSecurityGroupRules` returns it.
fn rule_of(r: &ec2t::SecurityGroupRule) -> Option<SgRule> {
    let peer = if let Some(c) = r.cidr_ipv4() {
        Peer::Ipv4(c.to_string())
    } else if let Some(c) = r.cidr_ipv6() {
        Peer::Ipv6(c.to_string())
    } else if let Some(p) = r.prefix_list_id() {
        Peer::PrefixList(p.to_string())
    } else {
        Peer::Group(r.referenced_group_info()?.group_id()?.to_string())
    };
    Some(SgRule {
        id: r.security_group_rule_id()?.to_string(),
        egress: r.is_egress().unwrap_or(false),
        protocol: r.ip_protocol().unwrap_or("-1").to_string(),
        from_port: r.from_port().filter(|p| *p != -1),
        to_port: r.to_port().filter(|p| *p != -1),
        peer,
        description: r.description().filter(|d| !d.is_empty()).map(str::to_owned),
    })
}

/// The permission that authorizes a rule again.
fn permission_of(r: &SgRule) -> ec2t::IpPermission {
    let mut p = ec2t::IpPermission::builder().ip_protocol(&r.protocol);
    if !r.is_all_traffic() {
        p = p
            .set_from_port(r.from_port.or(Some(-1)))
            .set_to_port(r.to_port.or(Some(-1)));
    }
    let d = r.description.clone();
    match &r.peer {
        Peer::Ipv4(c) => p.ip_ranges(ec2t::IpRange::builder().cidr_ip(c).set_description(d).build()),
        Peer::Ipv6(c) => p.ipv6_ranges(ec2t::Ipv6Range::builder().cidr_ipv6(c).set_description(d).build()),
        Peer::PrefixList(l) => p.prefix_list_ids(
            ec2t::PrefixListId::builder()
                .prefix_list_id(l)
                .set_description(d)
                .build(),
        ),
        Peer::Group(g) => {
            p.user_id_group_pairs(ec2t::UserIdGroupPair::builder().group_id(g).set_description(d).build())
        }
    }
    .build()
}

impl Ec2SecurityGroupAdapter {
    pub fn new(clients: &Clients) -> Self {
        Ec2SecurityGroupAdapter {
            ec2: clients.ec2.clone(),
        }
    }

    async fn group(&self, id: &str) -> Result<GroupInfo, PortError> {
        let out = self
            .ec2
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .map_err(|e| port_error("DescribeSecurityGroups", id, e))?;
        let g = out
            .security_groups()
            .first()
            .ok_or_else(|| PortError::NotFound { what: id.to_string() })?;
        Ok(GroupInfo {
            name: g.group_name().unwrap_or_default().to_string(),
            vpc_id: g.vpc_id().map(str::to_owned),
            tags: tags_of(g.tags()),
        })
    }

    async fn rules(&self, id: &str) -> Result<Vec<SgRule>, PortError> {
        let mut out = Vec::new();
        let mut pages = self
            .ec2
            .describe_security_group_rules()
            .filters(group_filter(id))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeSecurityGroupRules", id, e))?;
            out.extend(page.security_group_rules().iter().filter_map(rule_of));
        }
        Ok(out)
    }

    async fn interfaces(&self, id: &str) -> Result<Vec<NetworkInterface>, PortError> {
        let mut out = Vec::new();
        let mut pages = self
            .ec2
            .describe_network_interfaces()
            .filters(group_filter(id))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeNetworkInterfaces", id, e))?;
            out.extend(page.network_interfaces().iter().filter_map(|n| {
                Some(NetworkInterface {
                    id: n.network_interface_id()?.to_string(),
                    description: n.description().filter(|d| !d.is_empty()).map(str::to_owned),
                    attached_to: n.attachment().and_then(|a| a.instance_id()).map(str::to_owned),
                })
            }));
        }
        Ok(out)
    }

    /// Revoke the rules still there (found by content: a rule authorized again since
    /// has a new id), by security-group-rule id. Nothing left to revoke is done.
    async fn revoke(&self, id: &str, rules: &[SgRule]) -> Result<(), PortError> {
        let now = self.rules(id).await?;
        let ids = |egress: bool| -> Vec<String> {
            now.iter()
                .filter(|n| n.egress == egress && rules.iter().any(|r| n.same_as(r)))
                .map(|n| n.id.clone())
                .collect()
        };
        let (ingress, egress) = (ids(false), ids(true));
        if !ingress.is_empty() {
            self.ec2
                .revoke_security_group_ingress()
                .group_id(id)
                .set_security_group_rule_ids(Some(ingress))
                .send()
                .await
                .map_err(|e| port_error("RevokeSecurityGroupIngress", id, e))?;
        }
        if !egress.is_empty() {
            self.ec2
                .revoke_security_group_egress()
                .group_id(id)
                .set_security_group_rule_ids(Some(egress))
                .send()
                .await
                .map_err(|e| port_error("RevokeSecurityGroupEgress", id, e))?;
        }
        Ok(())
    }

    /// Authorize the rules not there yet, with their descriptions.
    async fn authorize(&self, id: &str, rules: &[SgRule]) -> Result<(), PortError> {
        let now = self.rules(id).await?;
        for r in rules.iter().filter(|r| !now.iter().any(|n| n.same_as(r))) {
            let res = if r.egress {
                self.ec2
                    .authorize_security_group_egress()
                    .group_id(id)
                    .ip_permissions(permission_of(r))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        (
                            error_code(&e) == Some("InvalidPermission.Duplicate"),
                            port_error("AuthorizeSecurityGroupEgress", id, e),
                        )
                    })
            } else {
                self.ec2
                    .authorize_security_group_ingress()
                    .group_id(id)
                    .ip_permissions(permission_of(r))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| {
                        (
                            error_code(&e) == Some("InvalidPermission.Duplicate"),
                            port_error("AuthorizeSecurityGroupIngress", id, e),
                        )
                    })
            };
            match res {
                Ok(()) | Err((true, _)) => {}
                Err((false, e)) => return Err(e),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<Ec2SecurityGroup> for Ec2SecurityGroupAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Group => s.group = Read::Value(self.group(&r.id).await?),
                Facet::Rules => {
                    // DescribeSecurityGroupRules of a gone group is an empty list: ask the group.
                    let rules = self.rules(&r.id).await?;
                    if rules.is_empty() && !s.group.is_read() {
                        s.group = Read::Value(self.group(&r.id).await?);
                    }
                    s.rules = Read::Value(rules);
                }
                Facet::Interfaces => s.interfaces = Read::Value(self.interfaces(&r.id).await?),
            }
        }
        Ok(())
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        let mut out = Vec::new();
        let mut pages = self.ec2.describe_security_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("DescribeSecurityGroups", "security groups", e))?;
            out.extend(page.security_groups().iter().filter_map(|g| {
                Some(ResourceRef::of(
                    ResourceKind::Ec2SecurityGroup,
                    g.group_id()?,
                    account,
                    region,
                ))
            }));
        }
        Ok(out.into_iter().map(Listed::bare).collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::RevokeSecurityGroupRules(a) => self.revoke(&r.id, &a.rules).await,
            Action::AuthorizeSecurityGroupRules(a) => self.authorize(&r.id, &a.rules).await,
        }
    }
}
