//! Every example of *The meaning of "public"* (Amazon S3 User Guide), then this module's
//! readings where the section is silent, then ACLs. Statements marked "the section's
//! example" are copied from the section as written.
use serde_json::{Value, json};

use super::super::{ALL_USERS_URI, AUTHENTICATED_USERS_URI, Acl, Grant, Grantee, LOG_DELIVERY_URI, Owner};
use super::*;

fn verdict(stmt: Value) -> StatementVerdict {
    let doc = json!({"Version": "2012-10-17", "Statement": [stmt]}).to_string();
    let mut v = analyze_policy(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v.len(), 1);
    v.remove(0)
}
fn public(stmt: Value) -> bool {
    let v = verdict(stmt);
    assert_eq!(v.public, v.rule.is_public(), "{v:?}");
    v.public
}
fn rule(stmt: Value) -> StatementRule {
    verdict(stmt).rule
}
fn allow_star(cond: Value) -> Value {
    json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": cond})
}
fn allow(principal: Value) -> Value {
    json!({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
}

// ---- The section's examples: "Public bucket policies" ----

#[test]
fn federated_web_identity_principal_is_public() {
    // The section's first example.
    let stmt = json!({"Principal": {"Federated": "graph.facebook.com"}, "Resource": "*", "Action": "s3:PutObject", "Effect": "Allow"});
    let v = verdict(stmt);
    assert!(v.public);
    assert_eq!(v.rule, StatementRule::WebIdentityPrincipal);
    assert!(v.reason.contains("graph.facebook.com"), "{}", v.reason);
}

#[test]
fn every_web_identity_provider_is_public() {
    for provider in [
        "graph.facebook.com",
        "accounts.google.com",
        "www.amazon.com",
        "cognito-identity.amazonaws.com",
    ] {
        assert_eq!(
            rule(allow(json!({"Federated": provider}))),
            StatementRule::WebIdentityPrincipal,
            "{provider}"
        );
    }
    // One web-identity provider among fixed principals opens the statement.
    assert_eq!(
        rule(allow(
            json!({"AWS": "arn:aws:iam::111122223333:root", "Federated": ["accounts.google.com"]})
        )),
        StatementRule::WebIdentityPrincipal
    );
}

#[test]
fn star_principal_without_condition_is_public() {
    // The section's second example.
    let stmt = json!({"Principal": "*", "Resource": "*", "Action": "s3:PutObject", "Effect": "Allow"});
    assert!(public(stmt.clone()));
    assert_eq!(rule(stmt), StatementRule::WildcardPrincipal);
}

#[test]
fn wildcard_source_vpc_condition_is_public() {
    // The section's third example.
    let stmt = json!({"Principal": "*", "Resource": "*", "Action": "s3:PutObject", "Effect": "Allow",
        "Condition": {"StringLike": {"aws:SourceVpc": "vpc-*"}}});
    assert_eq!(
        rule(stmt),
        StatementRule::ConditionValueNotFixed {
            key: ConditionKey::SourceVpc
        }
    );
}

#[test]
fn fixed_source_vpc_condition_is_not_public() {
    // The section's example of the third policy made non-public.
    let stmt = json!({"Principal": "*", "Resource": "*", "Action": "s3:PutObject", "Effect": "Allow",
        "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-91237329"}}});
    let v = verdict(stmt);
    assert!(!v.public);
    assert_eq!(
        v.rule,
        StatementRule::FixedConditionValue {
            key: ConditionKey::SourceVpc
        }
    );
}

#[test]
fn web_identity_principal_with_a_fixed_listed_condition_is_not_public() {
    // "You can make these policies non-public by including any of the condition keys
    // listed previously, using a fixed value" – the first example included.
    let stmt = json!({"Principal": {"Federated": "graph.facebook.com"}, "Resource": "*", "Action": "s3:PutObject", "Effect": "Allow",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}});
    assert!(!public(stmt));
}

// ---- The section's list: what a statement may be limited to ----

#[test]
fn fixed_account_user_role_and_service_principals_are_not_public() {
    for p in [
        json!({"AWS": "111122223333"}),
        json!({"AWS": "arn:aws:iam::111122223333:root"}),
        json!({"AWS": "arn:aws:iam::111122223333:user/alice"}),
        json!({"AWS": ["arn:aws:iam::111122223333:role/reader", "arn:aws:iam::444455556666:root"]}),
        json!({"Service": "cloudtrail.amazonaws.com"}),
        json!({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}),
    ] {
        assert_eq!(rule(allow(p.clone())), StatementRule::FixedPrincipal, "{p}");
    }
}

#[test]
fn each_listed_condition_key_with_a_fixed_value_is_not_public() {
    for key in bucket_policy_keys() {
        let cond = match key {
            ConditionKey::SourceIp => json!({"IpAddress": {key.name(): "203.0.113.0/24"}}),
            _ => json!({"StringEquals": {key.name(): "fixed-value-123"}}),
        };
        let v = verdict(allow_star(cond));
        assert!(!v.public, "{key} should pin: {v:?}");
    }
}

#[test]
fn principal_org_id_condition_pins_the_caller() {
    // The section's own example of a principal key: aws:PrincipalOrgID.
    assert_eq!(
        rule(allow_star(
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
        )),
        StatementRule::FixedConditionValue {
            key: ConditionKey::PrincipalOrgId
        }
    );
}

#[test]
fn kms_key_condition_pins_the_caller() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    assert!(!public(allow_star(
        json!({"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key}})
    )));
}

// aws:SourceIp note: "very broad IP ranges (for example, 0.0.0.0/1) are evaluated as
// public ... values broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private ranges)".

#[test]
fn source_ip_broader_than_slash_8_or_slash_32_is_public() {
    for cidr in ["0.0.0.0/1", "0.0.0.0/0", "10.0.0.0/7", "::/0", "2001:db8::/31"] {
        assert_eq!(
            rule(allow_star(json!({"IpAddress": {"aws:SourceIp": cidr}}))),
            StatementRule::SourceIpTooBroad,
            "{cidr}"
        );
    }
    // One broad range in the list opens the statement.
    assert!(public(allow_star(
        json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::/0"]}})
    )));
}

#[test]
fn source_ip_at_slash_8_or_slash_32_or_narrower_is_not_public() {
    for cidr in [
        "11.0.0.0/8",
        "203.0.113.0/24",
        "192.0.2.7",
        "2001:db8::/32",
        "2001:db8::1",
    ] {
        assert_eq!(
            rule(allow_star(json!({"IpAddress": {"aws:SourceIp": cidr}}))),
            StatementRule::SourceIpWithinLimit,
            "{cidr}"
        );
    }
}

#[test]
fn rfc1918_private_ranges_are_not_public() {
    assert!(!public(allow_star(
        json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}})
    )));
}

#[test]
fn source_ip_that_is_not_an_address_is_public() {
    assert!(public(allow_star(json!({"IpAddress": {"aws:SourceIp": "not-an-ip"}}))));
}

#[test]
fn not_ip_address_does_not_pin() {
    assert_eq!(
        rule(allow_star(json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))),
        StatementRule::OperatorDoesNotPin {
            key: ConditionKey::SourceIp
        }
    );
}

// aws:userid, "outside the pattern AROLEID:*".

#[test]
fn userid_role_wildcard_pattern_is_public() {
    assert_eq!(
        rule(allow_star(json!({"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}))),
        StatementRule::UserIdRolePattern
    );
}

#[test]
fn fixed_userid_is_not_public() {
    assert_eq!(
        rule(allow_star(
            json!({"StringEquals": {"aws:userid": ["AIDAEXAMPLEUSERID", "AROAEXAMPLEID:alice"]}})
        )),
        StatementRule::FixedConditionValue {
            key: ConditionKey::UserId
        }
    );
}

// s3:DataAccessPointArn note: a wildcard in the access-point name, with a fixed account.

#[test]
fn access_point_arn_with_wildcard_name_and_fixed_account_is_not_public() {
    let v = verdict(allow_star(
        json!({"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}),
    ));
    assert!(!v.public);
    assert_eq!(v.rule, StatementRule::AccessPointsOfFixedAccounts);
    assert!(
        v.reason.contains("account 123456789012's access points"),
        "{}",
        v.reason
    );
    // A prefix of names is a wildcarded name too; the ArnLike operator pins as well.
    assert!(!public(allow_star(
        json!({"ArnLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/team-*"}})
    )));
}

#[test]
fn access_point_arn_wildcarding_account_region_or_type_is_public() {
    for arn in [
        "arn:aws:s3:us-west-2:*:accesspoint/*",
        "arn:aws:s3:us-west-2:1234567890??:accesspoint/ap",
        "arn:aws:s3:*:123456789012:accesspoint/*",
        "arn:aws:s3:us-west-2:123456789012:*",
        "arn:aws:s3:us-west-2:123456789012:accesspoint/${aws:username}",
        "*",
    ] {
        assert_eq!(
            rule(allow_star(json!({"StringLike": {"s3:DataAccessPointArn": arn}}))),
            StatementRule::ConditionValueNotFixed {
                key: ConditionKey::Service(DATA_ACCESS_POINT_ARN)
            },
            "{arn}"
        );
    }
}

#[test]
fn fixed_access_point_arn_and_account_are_not_public() {
    assert_eq!(
        rule(allow_star(
            json!({"StringEquals": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/reports"}})
        )),
        StatementRule::FixedConditionValue {
            key: ConditionKey::Service(DATA_ACCESS_POINT_ARN)
        }
    );
    assert!(!public(allow_star(
        json!({"StringEquals": {"s3:DataAccessPointAccount": "123456789012"}})
    )));
}

// "How Amazon S3 evaluates a bucket policy that contains both public and non-public access grants".

#[test]
fn one_public_statement_makes_the_policy_public_and_removing_it_makes_it_not_public() {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "CloudTrail", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/AWSLogs/*"},
        {"Sid": "Account2", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    .to_string();
    let verdicts = analyze_policy(&doc).unwrap_or_else(|e| panic!("{e}"));
    let public: Vec<bool> = verdicts.iter().map(|v| v.public).collect();
    assert_eq!(public, [false, false, true]);
    let (kept, removed) = remove_public_statements(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(removed.len(), 1);
    let kept = kept.unwrap_or_default();
    assert!(!policy_is_public(&kept).unwrap_or(true), "{kept}");
}

// ---- Fixed values: no wildcard, no policy variable ----

#[test]
fn wildcard_condition_value_is_public() {
    assert!(public(allow_star(
        json!({"StringLike": {"aws:SourceArn": "arn:aws:cloudfront::*"}})
    )));
    assert!(public(allow_star(
        json!({"StringEquals": {"aws:PrincipalOrgID": ["o-abc", "o-*"]}})
    )));
    assert!(public(allow_star(
        json!({"StringLike": {"aws:SourceVpce": "vpce-?bc"}})
    )));
}

#[test]
fn policy_variable_in_condition_is_public() {
    assert_eq!(
        rule(allow_star(json!({"StringEquals": {"aws:userid": "${aws:userid}"}}))),
        StatementRule::ConditionValueNotFixed {
            key: ConditionKey::UserId
        }
    );
}

#[test]
fn wildcard_source_arn_or_principal_arn_is_public_even_with_a_fixed_account() {
    // Only s3:DataAccessPointArn may wildcard part of an ARN (the section's note).
    assert!(public(allow_star(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/*"}})
    )));
    assert!(public(allow_star(
        json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}})
    )));
}

#[test]
fn condition_keys_are_case_insensitive() {
    assert!(!public(allow_star(
        json!({"StringEquals": {"AWS:SOURCEVPC": "vpc-111"}})
    )));
}

#[test]
fn numeric_condition_value_is_a_fixed_value() {
    assert!(!public(allow_star(
        json!({"StringEquals": {"aws:SourceAccount": 111122223333_u64}})
    )));
}

#[test]
fn empty_condition_value_list_does_not_pin() {
    assert!(public(allow_star(json!({"StringEquals": {"aws:SourceVpc": []}}))));
}

#[test]
fn one_pinning_condition_is_enough_among_others() {
    assert!(!public(allow_star(json!({
        "StringLike": {"aws:SourceVpc": "vpc-*"},
        "StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"},
        "Bool": {"aws:SecureTransport": "true"}}))));
}

// ---- Principals ----

#[test]
fn aws_star_principal_is_public() {
    assert!(public(
        json!({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"})
    ));
    assert!(public(
        json!({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "*"]}, "Action": "s3:*", "Resource": "*"})
    ));
}

#[test]
fn wildcard_or_variable_in_any_principal_type_is_public() {
    for p in [
        json!({"AWS": "arn:aws:iam::*:root"}),
        json!({"Service": "*"}),
        json!({"Federated": "*"}),
        json!({"AWS": "arn:aws:iam::111122223333:user/${aws:username}"}),
    ] {
        assert_eq!(rule(allow(p.clone())), StatementRule::WildcardPrincipal, "{p}");
    }
}

#[test]
fn not_principal_allow_is_public() {
    assert_eq!(
        rule(
            json!({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*", "Resource": "*"})
        ),
        StatementRule::NotPrincipal
    );
}

#[test]
fn federated_iam_identity_provider_of_a_fixed_account_is_not_public() {
    for arn in [
        "arn:aws:iam::111122223333:saml-provider/Okta",
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
    ] {
        assert_eq!(
            rule(allow(json!({"Federated": arn}))),
            StatementRule::FixedPrincipal,
            "{arn}"
        );
    }
}

#[test]
fn principal_that_cannot_be_read_as_fixed_values_is_public() {
    for p in [
        json!({"Someone": "x"}),
        json!({"AWS": 111122223333_u64}),
        json!(["*"]),
        json!(true),
    ] {
        assert_eq!(rule(allow(p.clone())), StatementRule::UnreadablePrincipal, "{p}");
    }
}

#[test]
fn deny_statement_is_never_public() {
    assert_eq!(
        rule(
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        ),
        StatementRule::NotAnAllow
    );
}

#[test]
fn statement_without_principal_is_not_public() {
    assert_eq!(
        rule(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})),
        StatementRule::NoPrincipal
    );
    assert_eq!(rule(allow(json!({"AWS": []}))), StatementRule::NoPrincipal);
}

#[test]
fn cloudfront_oac_service_principal_is_not_public() {
    assert!(!public(
        json!({"Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}})
    ));
}

#[test]
fn cloudfront_oai_principal_is_not_public() {
    assert!(!public(
        json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"}, "Action": "s3:GetObject", "Resource": "*"})
    ));
}

// ---- Operators (the section is silent; IAM semantics) ----

#[test]
fn negated_operator_does_not_pin() {
    assert_eq!(
        rule(allow_star(
            json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
        )),
        StatementRule::OperatorDoesNotPin {
            key: ConditionKey::SourceVpce
        }
    );
}

#[test]
fn if_exists_operator_does_not_pin() {
    assert!(public(allow_star(
        json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
    )));
}

#[test]
fn each_operator_that_does_not_pin_says_why() {
    let why = |cond: Value| verdict(allow_star(cond)).reason;
    let if_exists = why(json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}}));
    assert!(
        if_exists.contains("key may be absent") && if_exists.contains("passes for anyone"),
        "{if_exists}"
    );
    let negated = why(json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}));
    assert!(negated.contains("every other value"), "{negated}");
    let for_all = why(json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc"}}));
    assert!(
        for_all.contains("ForAllValues") && for_all.contains("empty set"),
        "{for_all}"
    );
}

#[test]
fn for_all_values_does_not_pin_but_for_any_value_does() {
    assert!(public(allow_star(
        json!({"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
    )));
    assert!(!public(allow_star(
        json!({"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
    )));
}

#[test]
fn unrelated_condition_key_does_not_pin() {
    assert_eq!(
        rule(allow_star(json!({"Bool": {"aws:SecureTransport": "true"}}))),
        StatementRule::WildcardPrincipal
    );
    assert!(public(allow_star(json!({"StringEquals": {"s3:prefix": "home/"}}))));
}

// ---- Actions (the section lists none; Block Public Access considers every action) ----

#[test]
fn verdict_does_not_depend_on_the_action() {
    for action in [
        json!({"Action": "s3:GetObject"}),
        json!({"Action": "s3:PutObject"}),
        json!({"Action": ["s3:ListBucket", "s3:GetBucketLocation"]}),
        json!({"Action": "s3:*"}),
        json!({"NotAction": "s3:DeleteObject"}),
    ] {
        let with = |cond: Option<Value>| {
            let mut stmt = json!({"Effect": "Allow", "Principal": "*", "Resource": "*"});
            if let (Some(s), Some(a)) = (stmt.as_object_mut(), action.as_object()) {
                s.extend(a.clone());
                if let Some(c) = cond {
                    s.insert("Condition".into(), c);
                }
            }
            stmt
        };
        assert!(public(with(None)), "{action}");
        assert!(
            public(with(Some(json!({"Bool": {"aws:SecureTransport": "true"}})))),
            "{action}"
        );
        assert!(
            !public(with(Some(json!({"StringEquals": {"aws:SourceVpce": "vpce-1"}})))),
            "{action}"
        );
    }
}

// ---- Reasons and rules as a person and a machine read them ----

#[test]
fn reasons_quote_the_principal_as_written() {
    let v = verdict(json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}));
    assert_eq!(v.reason, "Principal \"*\" is everyone with no condition");
}

#[test]
fn rules_cite_their_part_of_the_section() {
    assert_eq!(
        StatementRule::WebIdentityPrincipal.to_string(),
        "principal is a web-identity provider (meaning of public: principals)"
    );
    assert_eq!(
        StatementRule::AccessPointsOfFixedAccounts.section(),
        "meaning of public: s3:DataAccessPointArn note"
    );
    assert_eq!(GrantRule::AllUsersGroup.section(), "meaning of public: ACLs");
}

#[test]
fn rule_serialises_as_an_id_with_its_key() {
    let r = StatementRule::FixedConditionValue {
        key: ConditionKey::SourceVpc,
    };
    assert_eq!(
        serde_json::to_value(r).unwrap_or_default(),
        json!({"id": "fixed-condition-value", "key": "aws:SourceVpc"})
    );
    assert_eq!(
        serde_json::to_value(StatementRule::WebIdentityPrincipal).unwrap_or_default(),
        json!({"id": "web-identity-principal"})
    );
}

#[test]
fn condition_key_names_parse_back() {
    for key in bucket_policy_keys() {
        assert_eq!(
            ConditionKey::parse(&key.name().to_ascii_uppercase(), &BucketPolicy),
            Some(key)
        );
    }
    assert_eq!(bucket_policy_keys().len(), 13);
    assert_eq!(ConditionKey::parse("s3:prefix", &BucketPolicy), None);
}

// ---- Documents ----

#[test]
fn single_statement_object_is_accepted() {
    let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}}).to_string();
    assert!(policy_is_public(&doc).unwrap_or(false));
}

#[test]
fn malformed_policy_is_an_error() {
    assert!(policy_is_public("{").is_err());
    assert!(policy_is_public("[]").is_err());
    assert!(policy_is_public(r#"{"Version":"2012-10-17"}"#).is_err());
}

#[test]
fn removing_public_statements_keeps_the_rest() {
    let doc = json!({"Version": "2012-10-17", "Id": "p1", "Statement": [
        {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "Cdn", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}}}]}).to_string();
    let (kept, removed) = remove_public_statements(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["Sid"], "Public");
    let kept: Value = serde_json::from_str(&kept.unwrap_or_default()).unwrap_or_default();
    assert_eq!(kept["Id"], "p1");
    assert_eq!(kept["Statement"].as_array().map(Vec::len), Some(1));
    assert_eq!(kept["Statement"][0]["Sid"], "Cdn");
}

#[test]
fn removing_every_statement_means_no_policy() {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}).to_string();
    let (kept, removed) = remove_public_statements(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert!(kept.is_none());
    assert_eq!(removed.len(), 1);
}

#[test]
fn web_identity_statement_is_removed_by_the_fix() {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Facebook", "Effect": "Allow", "Principal": {"Federated": "graph.facebook.com"}, "Action": "s3:PutObject", "Resource": "*"},
        {"Sid": "AccessPoints", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringLike": {"s3:DataAccessPointArn": "arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}}]})
    .to_string();
    let (kept, removed) = remove_public_statements(&doc).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["Sid"], "Facebook");
    let kept: Value = serde_json::from_str(&kept.unwrap_or_default()).unwrap_or_default();
    assert_eq!(kept["Statement"][0]["Sid"], "AccessPoints");
}

// ACLs and the README's wording: in their own file.
mod acl;
