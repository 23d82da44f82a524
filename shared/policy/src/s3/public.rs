//! What "public" means for an S3 bucket, as S3 Block Public Access defines it
//! ("The meaning of public", Amazon S3 User Guide).
//!
//! A bucket **policy statement** is public when it is an `Allow` whose principal is
//! a wildcard (`"*"`, `{"AWS": "*"}`, an ARN containing `*`) or which uses
//! `NotPrincipal`, unless one of its conditions pins the caller to *fixed* values
//! (no `*`, no `?`, no policy variable) of a key S3 recognises:
//! `aws:SourceArn`, `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceAccount`,
//! `aws:SourceOwner`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`,
//! `aws:PrincipalArn`, `aws:userid` (not `AROLEID:*`),
//! `s3:x-amz-server-side-encryption-aws-kms-key-id`, `s3:DataAccessPointArn`,
//! `s3:DataAccessPointAccount`, or `aws:SourceIp` with a CIDR no broader than /8
//! (IPv4) or /32 (IPv6). Only positive operators pin (`StringEquals`, `StringLike`,
//! `ArnEquals`, `ArnLike`, `IpAddress`, their `ForAnyValue:` forms); `...IfExists`
//! and `ForAllValues:` forms do not, because they pass when the key is absent.
//! `Deny` statements never make a bucket public. A service principal
//! (`cloudfront.amazonaws.com`), a CloudFront origin access identity or a fixed
//! account principal is not public.
//!
//! An **ACL grant** is public when its grantee is the `AllUsers` or
//! `AuthenticatedUsers` group, whatever the permission. Grants to the
//! `LogDelivery` group and to canonical users are not public.
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{ALL_USERS_URI, AUTHENTICATED_USERS_URI, Acl, Grant, Grantee, LOG_DELIVERY_URI};

/// A bucket policy that could not be read as an IAM policy document.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("policy is not an IAM policy document: {0}")]
    Shape(String),
}

/// The verdict on one statement, with the reason a person can check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementVerdict {
    pub index: usize,
    pub sid: Option<String>,
    pub public: bool,
    pub reason: String,
}

/// The verdict on one ACL grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantVerdict {
    pub index: usize,
    pub grantee: String,
    pub permission: String,
    pub public: bool,
    pub reason: String,
}

/// Condition keys whose fixed values make a wildcard-principal statement non-public.
const PINNING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "aws:sourceip",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
];

/// Operators that restrict to the listed values when the key is present and absent alike.
const PINNING_OPERATORS: &[&str] = &[
    "stringequals",
    "stringequalsignorecase",
    "stringlike",
    "arnequals",
    "arnlike",
];

/// Parse a policy document and return its statements as JSON values.
pub fn statements(policy: &str) -> Result<(Map<String, Value>, Vec<Value>), PolicyError> {
    let doc: Value = serde_json::from_str(policy)?;
    let Value::Object(mut doc) = doc else {
        return Err(PolicyError::Shape("the document is not a JSON object".into()));
    };
    let stmts = match doc.remove("Statement") {
        Some(Value::Array(a)) => a,
        Some(obj @ Value::Object(_)) => vec![obj],
        Some(_) => {
            return Err(PolicyError::Shape(
                "`Statement` is neither an object nor an array".into(),
            ));
        }
        None => return Err(PolicyError::Shape("the document has no `Statement`".into())),
    };
    if let Some(bad) = stmts.iter().position(|s| !s.is_object()) {
        return Err(PolicyError::Shape(format!("statement {bad} is not an object")));
    }
    Ok((doc, stmts))
}

/// Judge every statement of a bucket policy.
pub fn analyze_policy(policy: &str) -> Result<Vec<StatementVerdict>, PolicyError> {
    let (_, stmts) = statements(policy)?;
    Ok(stmts.iter().enumerate().map(|(i, s)| judge_statement(i, s)).collect())
}

/// Whether a bucket policy has at least one public statement.
pub fn policy_is_public(policy: &str) -> Result<bool, PolicyError> {
    Ok(analyze_policy(policy)?.iter().any(|v| v.public))
}

/// Split a policy into the policy without its public statements (`None` when
/// nothing is left) and the removed statements, in their original form.
pub fn remove_public_statements(policy: &str) -> Result<(Option<String>, Vec<Value>), PolicyError> {
    let (mut doc, stmts) = statements(policy)?;
    let (mut kept, mut removed) = (Vec::new(), Vec::new());
    for (i, s) in stmts.into_iter().enumerate() {
        if judge_statement(i, &s).public {
            removed.push(s);
        } else {
            kept.push(s);
        }
    }
    if kept.is_empty() {
        return Ok((None, removed));
    }
    doc.insert("Statement".into(), Value::Array(kept));
    Ok((Some(Value::Object(doc).to_string()), removed))
}

fn judge_statement(index: usize, stmt: &Value) -> StatementVerdict {
    let sid = stmt.get("Sid").and_then(Value::as_str).map(str::to_owned);
    let verdict = |public: bool, reason: String| StatementVerdict {
        index,
        sid: sid.clone(),
        public,
        reason,
    };

    let effect = stmt.get("Effect").and_then(Value::as_str).unwrap_or("");
    if !effect.eq_ignore_ascii_case("Allow") {
        return verdict(
            false,
            format!("Effect is {effect:?}: a Deny statement never grants access"),
        );
    }
    let who = if let Some(np) = stmt.get("NotPrincipal") {
        format!("NotPrincipal {np} allows everyone not listed")
    } else {
        match stmt.get("Principal") {
            None => {
                return verdict(false, "no Principal: not a grant to anyone outside the account".into());
            }
            Some(p) => match wildcard_principal(p) {
                Some(w) => w,
                None => {
                    return verdict(
                        false,
                        format!("Principal {p} is fixed (an account, role, user or service), not public"),
                    );
                }
            },
        }
    };
    let conditions = stmt.get("Condition").and_then(Value::as_object);
    if let Some(pin) = conditions.and_then(pinning_condition) {
        return verdict(
            false,
            format!("{who}, but the condition {pin} pins the caller to fixed values"),
        );
    }
    let why = match conditions {
        Some(c) if !c.is_empty() => "and no condition pins the caller to fixed values",
        _ => "with no condition",
    };
    verdict(true, format!("{who} {why}"))
}

/// `Some(description)` when the principal includes everyone.
fn wildcard_principal(p: &Value) -> Option<String> {
    match p {
        Value::String(s) if s.contains('*') => Some(format!("Principal \"{s}\" is everyone")),
        Value::Object(m) => {
            for (kind, v) in m {
                let values: Vec<&str> = match v {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if let Some(w) = values.iter().find(|s| s.contains('*')) {
                    return Some(format!("Principal {{\"{kind}\": \"{w}\"}} is everyone"));
                }
            }
            None
        }
        _ => None,
    }
}

/// The first condition that pins the caller to fixed values, described.
fn pinning_condition(conditions: &Map<String, Value>) -> Option<String> {
    for (op, block) in conditions {
        let op_l = op.to_ascii_lowercase();
        if op_l.starts_with("forallvalues:") || op_l.ends_with("ifexists") {
            continue;
        }
        let base = op_l.strip_prefix("foranyvalue:").unwrap_or(&op_l);
        let Some(block) = block.as_object() else {
            continue;
        };
        for (key, vals) in block {
            let key_l = key.to_ascii_lowercase();
            if !PINNING_KEYS.contains(&key_l.as_str()) {
                continue;
            }
            let values: Vec<&str> = match vals {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) if a.iter().all(Value::is_string) => a.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            if values.is_empty() {
                continue;
            }
            let pins = if key_l == "aws:sourceip" {
                base == "ipaddress" && values.iter().all(|v| cidr_is_not_public(v))
            } else {
                PINNING_OPERATORS.contains(&base) && values.iter().all(|v| is_fixed(v))
            };
            if pins {
                return Some(format!("{op} {key} = {}", values.join(", ")));
            }
        }
    }
    None
}

/// A fixed value has no wildcard and no policy variable.
fn is_fixed(v: &str) -> bool {
    !v.is_empty() && !v.contains('*') && !v.contains('?') && !v.contains("${")
}

/// A CIDR (or a single address) no broader than /8 (IPv4) or /32 (IPv6).
pub fn cidr_is_not_public(v: &str) -> bool {
    let net = match v.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => match v.parse::<IpAddr>() {
            Ok(a) => IpNet::from(a),
            Err(_) => return false,
        },
    };
    match net {
        IpNet::V4(n) => n.prefix_len() >= 8,
        IpNet::V6(n) => n.prefix_len() >= 32,
    }
}

/// Judge every grant of an ACL.
pub fn analyze_acl(acl: &Acl) -> Vec<GrantVerdict> {
    acl.grants.iter().enumerate().map(|(i, g)| judge_grant(i, g)).collect()
}

pub fn grant_is_public(g: &Grant) -> bool {
    matches!(&g.grantee, Grantee::Group { uri } if is_group(uri, ALL_USERS_URI) || is_group(uri, AUTHENTICATED_USERS_URI))
}

fn is_group(uri: &str, group: &str) -> bool {
    uri.trim().trim_end_matches('/').eq_ignore_ascii_case(group)
}

fn judge_grant(index: usize, g: &Grant) -> GrantVerdict {
    let (grantee, public, reason) = match &g.grantee {
        Grantee::Group { uri } if is_group(uri, ALL_USERS_URI) => (
            "group AllUsers".to_string(),
            true,
            "AllUsers is anyone on the internet".to_string(),
        ),
        Grantee::Group { uri } if is_group(uri, AUTHENTICATED_USERS_URI) => (
            "group AuthenticatedUsers".to_string(),
            true,
            "AuthenticatedUsers is anyone with any AWS account".to_string(),
        ),
        Grantee::Group { uri } if is_group(uri, LOG_DELIVERY_URI) => (
            "group LogDelivery".to_string(),
            false,
            "the S3 log delivery group writes server access logs; not public".to_string(),
        ),
        Grantee::Group { uri } => (format!("group {uri}"), false, "not a public group".to_string()),
        Grantee::CanonicalUser { id, display_name } => (
            format!("canonical user {}", display_name.as_deref().unwrap_or(id)),
            false,
            "a grant to one canonical user is not public".to_string(),
        ),
        Grantee::AmazonCustomerByEmail { email } => (
            format!("account by e-mail {email}"),
            false,
            "a grant to one account is not public".to_string(),
        ),
    };
    GrantVerdict {
        index,
        grantee,
        permission: g.permission.clone(),
        public,
        reason,
    }
}

/// The ACL without its public grants, and the grants removed.
pub fn remove_public_grants(acl: &Acl) -> (Acl, Vec<Grant>) {
    let (removed, kept): (Vec<Grant>, Vec<Grant>) = acl.grants.iter().cloned().partition(grant_is_public);
    (
        Acl {
            owner: acl.owner.clone(),
            grants: kept,
        },
        removed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn public(stmt: Value) -> bool {
        let doc = json!({"Version": "2012-10-17", "Statement": [stmt]}).to_string();
        policy_is_public(&doc).unwrap_or_else(|e| panic!("{e}"))
    }
    fn allow_star(cond: Value) -> Value {
        json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": cond})
    }

    #[test]
    fn star_principal_without_condition_is_public() {
        assert!(public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})
        ));
    }
    #[test]
    fn reasons_quote_the_principal_as_written() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]});
        let v = analyze_policy(&doc.to_string()).unwrap_or_default();
        assert_eq!(v[0].reason, "Principal \"*\" is everyone with no condition");
    }
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
    fn wildcard_account_in_principal_arn_is_public() {
        assert!(public(
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, "Action": "s3:ListBucket", "Resource": "*"})
        ));
    }
    #[test]
    fn not_principal_allow_is_public() {
        assert!(public(
            json!({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*", "Resource": "*"})
        ));
    }
    #[test]
    fn deny_statement_is_never_public() {
        assert!(!public(
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
        ));
    }
    #[test]
    fn fixed_account_principal_is_not_public() {
        assert!(!public(
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:GetObject", "Resource": "*"})
        ));
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
    #[test]
    fn each_pinning_key_with_a_fixed_value_is_not_public() {
        for key in [
            "aws:SourceArn",
            "aws:SourceVpc",
            "aws:SourceVpce",
            "aws:SourceAccount",
            "aws:SourceOwner",
            "aws:PrincipalOrgID",
            "aws:PrincipalAccount",
            "aws:PrincipalArn",
            "aws:userid",
        ] {
            assert!(
                !public(allow_star(json!({"StringEquals": {key: "fixed-value-123"}}))),
                "{key} should pin"
            );
        }
    }
    #[test]
    fn source_vpce_condition_is_not_public() {
        assert!(!public(allow_star(
            json!({"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
        )));
    }
    #[test]
    fn condition_keys_are_case_insensitive() {
        assert!(!public(allow_star(
            json!({"StringEquals": {"AWS:SOURCEVPC": "vpc-111"}})
        )));
    }
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
        assert!(public(allow_star(
            json!({"StringEquals": {"aws:userid": "${aws:userid}"}})
        )));
    }
    #[test]
    fn userid_role_wildcard_pattern_is_public() {
        assert!(public(allow_star(
            json!({"StringLike": {"aws:userid": "AROAEXAMPLEID:*"}})
        )));
    }
    #[test]
    fn negated_operator_does_not_pin() {
        assert!(public(allow_star(
            json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
        )));
    }
    #[test]
    fn if_exists_operator_does_not_pin() {
        assert!(public(allow_star(
            json!({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d"}})
        )));
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
        assert!(public(allow_star(json!({"Bool": {"aws:SecureTransport": "true"}}))));
        assert!(public(allow_star(json!({"StringEquals": {"s3:prefix": "home/"}}))));
    }
    #[test]
    fn source_ip_with_narrow_cidr_is_not_public() {
        assert!(!public(allow_star(
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
        )));
        assert!(!public(allow_star(
            json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.7"]}})
        )));
        assert!(!public(allow_star(
            json!({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}})
        )));
    }
    #[test]
    fn source_ip_with_public_cidr_is_public() {
        assert!(public(allow_star(json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))));
        assert!(public(allow_star(json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}))));
        assert!(public(allow_star(
            json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "::/0"]}})
        )));
        assert!(public(allow_star(json!({"IpAddress": {"aws:SourceIp": "not-an-ip"}}))));
    }
    #[test]
    fn not_ip_address_does_not_pin() {
        assert!(public(allow_star(
            json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
        )));
    }
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

    fn grant(grantee: Grantee, perm: &str) -> Grant {
        Grant {
            grantee,
            permission: perm.into(),
        }
    }
    #[test]
    fn all_users_grant_is_public_for_any_permission() {
        for p in ["READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"] {
            assert!(grant_is_public(&grant(
                Grantee::Group {
                    uri: ALL_USERS_URI.into()
                },
                p
            )));
        }
    }
    #[test]
    fn authenticated_users_grant_is_public() {
        assert!(grant_is_public(&grant(
            Grantee::Group {
                uri: AUTHENTICATED_USERS_URI.into()
            },
            "READ"
        )));
    }
    #[test]
    fn log_delivery_grant_is_not_public() {
        assert!(!grant_is_public(&grant(
            Grantee::Group {
                uri: LOG_DELIVERY_URI.into()
            },
            "WRITE"
        )));
    }
    #[test]
    fn canonical_user_grant_is_not_public() {
        assert!(!grant_is_public(&grant(
            Grantee::CanonicalUser {
                id: "abc".into(),
                display_name: None
            },
            "FULL_CONTROL"
        )));
    }
    #[test]
    fn removing_public_grants_keeps_owner_and_others() {
        let acl = Acl {
            owner: Some(super::super::Owner {
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
                grant(
                    Grantee::Group {
                        uri: ALL_USERS_URI.into(),
                    },
                    "READ",
                ),
                grant(
                    Grantee::Group {
                        uri: LOG_DELIVERY_URI.into(),
                    },
                    "WRITE",
                ),
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
}
