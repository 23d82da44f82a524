//! The meaning of public for ACLs, and the README's account of it.
use super::*;

// ---- ACLs: "public if it grants any permissions to members of the predefined AllUsers or
// AuthenticatedUsers groups" ----

fn grant(grantee: Grantee, perm: &str) -> Grant {
    Grant {
        grantee,
        permission: perm.into(),
    }
}
fn group(uri: &str) -> Grantee {
    Grantee::Group { uri: uri.into() }
}

#[test]
fn all_users_grant_is_public_for_any_permission() {
    for p in ["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"] {
        assert!(grant_is_public(&grant(group(ALL_USERS_URI), p)));
    }
}

#[test]
fn authenticated_users_grant_is_public_for_any_permission() {
    for p in ["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"] {
        assert!(grant_is_public(&grant(group(AUTHENTICATED_USERS_URI), p)));
    }
}

#[test]
fn log_delivery_grant_is_not_public() {
    assert!(!grant_is_public(&grant(group(LOG_DELIVERY_URI), "WRITE")));
}

#[test]
fn canonical_user_and_email_grants_are_not_public() {
    assert!(!grant_is_public(&grant(
        Grantee::CanonicalUser {
            id: "abc".into(),
            display_name: None
        },
        "FULL_CONTROL"
    )));
    assert!(!grant_is_public(&grant(
        Grantee::AmazonCustomerByEmail {
            email: "a@example.com".into()
        },
        "READ"
    )));
}

#[test]
fn grant_verdicts_name_their_rule() {
    let acl = Acl {
        owner: None,
        grants: vec![
            grant(group(ALL_USERS_URI), "READ"),
            grant(group(&format!("{AUTHENTICATED_USERS_URI}/")), "READ"),
            grant(group(LOG_DELIVERY_URI), "WRITE"),
            grant(
                Grantee::CanonicalUser {
                    id: "o".into(),
                    display_name: None,
                },
                "FULL_CONTROL",
            ),
        ],
    };
    let rules: Vec<GrantRule> = analyze_acl(&acl).iter().map(|v| v.rule).collect();
    assert_eq!(
        rules,
        [
            GrantRule::AllUsersGroup,
            GrantRule::AuthenticatedUsersGroup,
            GrantRule::OtherGroup,
            GrantRule::SingleGrantee
        ]
    );
    assert!(analyze_acl(&acl).iter().all(|v| v.public == v.rule.is_public()));
}

#[test]
fn removing_public_grants_keeps_owner_and_others() {
    let acl = Acl {
        owner: Some(Owner {
            id: "owner".into(),
            display_name: None,
        }),
        grants: vec![
            grant(
                Grantee::CanonicalUser {
                    id: "owner".into(),
                    display_name: None,
                },
                "FULL_CONTROL",
            ),
            grant(group(ALL_USERS_URI), "READ"),
            grant(group(LOG_DELIVERY_URI), "WRITE"),
        ],
    };
    let (kept, removed) = remove_public_grants(&acl);
    assert_eq!(removed.len(), 1);
    assert_eq!(kept.grants.len(), 2);
    assert_eq!(kept.owner, acl.owner);
}

#[test]
fn acl_parses_from_get_bucket_acl_shape() {
    let acl: Acl = serde_json::from_value(json!({"Owner": {"ID": "o"}, "Grants": [
        {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(analyze_acl(&acl)[0].public);
}

// ---- README ----

/// Every rule, one of each variant. The match makes a new variant fail to compile here
/// until it is listed (and so checked against the README below).
fn every_rule() -> (Vec<StatementRule>, Vec<GrantRule>) {
    let key = ConditionKey::SourceVpc;
    let statements = vec![
        StatementRule::NotAnAllow,
        StatementRule::NoPrincipal,
        StatementRule::FixedPrincipal,
        StatementRule::FixedConditionValue { key },
        StatementRule::SourceIpWithinLimit,
        StatementRule::AccessPointsOfFixedAccounts,
        StatementRule::WildcardPrincipal,
        StatementRule::NotPrincipal,
        StatementRule::WebIdentityPrincipal,
        StatementRule::UnreadablePrincipal,
        StatementRule::ConditionValueNotFixed { key },
        StatementRule::UserIdRolePattern,
        StatementRule::SourceIpTooBroad,
        StatementRule::OperatorDoesNotPin { key },
    ];
    for r in &statements {
        match r {
            StatementRule::NotAnAllow
            | StatementRule::NoPrincipal
            | StatementRule::FixedPrincipal
            | StatementRule::FixedConditionValue { .. }
            | StatementRule::SourceIpWithinLimit
            | StatementRule::AccessPointsOfFixedAccounts
            | StatementRule::WildcardPrincipal
            | StatementRule::NotPrincipal
            | StatementRule::WebIdentityPrincipal
            | StatementRule::UnreadablePrincipal
            | StatementRule::ConditionValueNotFixed { .. }
            | StatementRule::UserIdRolePattern
            | StatementRule::SourceIpTooBroad
            | StatementRule::OperatorDoesNotPin { .. } => {}
        }
    }
    let grants = vec![
        GrantRule::AllUsersGroup,
        GrantRule::AuthenticatedUsersGroup,
        GrantRule::OtherGroup,
        GrantRule::SingleGrantee,
    ];
    for g in &grants {
        match g {
            GrantRule::AllUsersGroup
            | GrantRule::AuthenticatedUsersGroup
            | GrantRule::OtherGroup
            | GrantRule::SingleGrantee => {}
        }
    }
    (statements, grants)
}

#[test]
fn readme_names_every_rule_id_under_its_verdict() {
    let readme = include_str!("../../../../../../README.md");
    let (statements, grants) = every_rule();
    let ids = statements
        .iter()
        .map(|r| (serde_json::to_value(r).unwrap_or_default(), r.is_public()))
        .chain(
            grants
                .iter()
                .map(|g| (serde_json::to_value(g).unwrap_or_default(), g.is_public())),
        );
    let public_at = readme.find("Public: `").unwrap_or(usize::MAX);
    let acl_at = readme.find("ACL grants: `").unwrap_or(usize::MAX);
    for (id, is_public) in ids {
        let id = id["id"].as_str().unwrap_or_default().to_string();
        let at = readme
            .find(&format!("`{id}`"))
            .unwrap_or_else(|| panic!("README does not name rule `{id}`"));
        if at < acl_at {
            assert_eq!(at > public_at, is_public, "README lists `{id}` under the wrong verdict");
        }
    }
}
