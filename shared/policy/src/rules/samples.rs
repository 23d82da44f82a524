//! Snapshot builders for the rules' examples and unit tests.
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::iam::{AccessKey, LoginProfile, MfaDevice, PasswordPolicy};
use crate::kinds::{Read, iam_account, iam_user};
use crate::s3::{Acl, Grant, Grantee, Owner};

/// The instant every sample is read at.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A key and when it was last used (`None`: never).
pub struct TestKey {
    pub key: AccessKey,
    pub last_used: Option<DateTime<Utc>>,
}

pub fn key(id: &str, active: bool, age_days: i64, last_used_days_ago: Option<i64>) -> TestKey {
    TestKey {
        key: AccessKey {
            id: id.into(),
            active,
            created: now() - Duration::days(age_days),
        },
        last_used: last_used_days_ago.map(|d| now() - Duration::days(d)),
    }
}

/// User `alice` with these keys, console password (`(created days ago, last used
/// days ago)`), MFA devices and attached policies; every facet read.
pub fn user_with(
    keys: Vec<TestKey>,
    login: Option<(i64, Option<i64>)>,
    mfa: Vec<&str>,
    attached: Vec<&str>,
) -> iam_user::Snapshot {
    iam_user::Snapshot {
        name: "alice".into(),
        account: "123456789012".into(),
        as_of: now(),
        key_last_used: Read::Value(keys.iter().map(|k| (k.key.id.clone(), k.last_used)).collect()),
        access_keys: Read::Value(keys.into_iter().map(|k| k.key).collect()),
        login_profile: Read::Value(login.map(|(created, used)| LoginProfile {
            created: now() - Duration::days(created),
            password_last_used: used.map(|d| now() - Duration::days(d)),
        })),
        mfa_devices: Read::Value(
            mfa.into_iter()
                .map(|s| MfaDevice {
                    serial: s.into(),
                    enabled: now(),
                })
                .collect(),
        ),
        attached_policies: Read::Value(attached.into_iter().map(str::to_owned).collect()),
        tags: Read::Value(BTreeMap::new()),
        permissions: Read::NotRead,
    }
}

pub fn user_with_keys(keys: Vec<TestKey>) -> iam_user::Snapshot {
    user_with(keys, None, vec![], vec![])
}

/// A user whose console password is `hours` old, with or without MFA and quarantine.
pub fn console_user(hours: i64, mfa: bool, quarantined: bool) -> iam_user::Snapshot {
    let mut u = user_with(vec![], None, vec![], vec![]);
    u.login_profile = Read::Value(Some(LoginProfile {
        created: now() - Duration::hours(hours),
        password_last_used: None,
    }));
    if mfa {
        u.mfa_devices = Read::Value(vec![MfaDevice {
            serial: "arn:aws:iam::123456789012:mfa/alice".into(),
            enabled: now(),
        }]);
    }
    if quarantined {
        u.attached_policies = Read::Value(vec![
            "arn:aws:iam::123456789012:policy/hipaa-autofix-mfa-quarantine".into(),
        ]);
    }
    u
}

/// The account's IAM settings: `None` leaves a facet unread.
pub fn account(policy: Option<Option<PasswordPolicy>>, root_mfa: Option<bool>) -> iam_account::Snapshot {
    iam_account::Snapshot {
        account: "123456789012".into(),
        as_of: now(),
        password_policy: policy.map(Read::Value).unwrap_or(Read::NotRead),
        root_mfa: root_mfa.map(Read::Value).unwrap_or(Read::NotRead),
    }
}

/// A bucket ACL that grants only its owner (canonical id `o`) full control.
pub fn owner_acl() -> Acl {
    Acl {
        owner: Some(Owner {
            id: "o".into(),
            display_name: None,
        }),
        grants: vec![Grant {
            grantee: Grantee::CanonicalUser {
                id: "o".into(),
                display_name: None,
            },
            permission: "FULL_CONTROL".into(),
        }],
    }
}
/// A security group (`name` `default` makes it a VPC's default group) with these
/// rules and no network interfaces; every facet read.
pub fn group(
    id: &str,
    name: &str,
    rules: Vec<crate::kinds::ec2_security_group::SgRule>,
) -> crate::kinds::ec2_security_group::Snapshot {
    use crate::kinds::ec2_security_group::{GroupInfo, Snapshot};
    Snapshot {
        group_id: id.into(),
        group: Read::Value(GroupInfo {
            name: name.into(),
            vpc_id: Some("vpc-1".into()),
            tags: BTreeMap::new(),
        }),
        rules: Read::Value(rules),
        interfaces: Read::Value(vec![]),
    }
}

/// An ingress rule from `cidr` (IPv6 when it has a colon).
pub fn sg_rule(
    id: &str,
    protocol: &str,
    from: Option<i32>,
    to: Option<i32>,
    cidr: &str,
) -> crate::kinds::ec2_security_group::SgRule {
    use crate::kinds::ec2_security_group::{Peer, SgRule};
    SgRule {
        id: id.into(),
        egress: false,
        protocol: protocol.into(),
        from_port: from,
        to_port: to,
        peer: if cidr.contains(':') {
            Peer::Ipv6(cidr.into())
        } else {
            Peer::Ipv4(cidr.into())
        },
        description: None,
    }
}

/// The group, used by these network interfaces.
pub fn with_interfaces(
    mut g: crate::kinds::ec2_security_group::Snapshot,
    ids: &[&str],
) -> crate::kinds::ec2_security_group::Snapshot {
    use crate::kinds::ec2_security_group::NetworkInterface;
    g.interfaces = Read::Value(
        ids.iter()
            .map(|id| NetworkInterface {
                id: (*id).into(),
                description: None,
                attached_to: Some("i-0123".into()),
            })
            .collect(),
    );
    g
}
