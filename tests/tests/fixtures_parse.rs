//! Every event fixture parses into the event it names; every malformed one fails clearly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use aws_lambda_events::cloudwatch_events::CloudWatchEvent;
use aws_lambda_events::cloudwatch_events::cloudtrail::AWSAPICall;
use aws_lambda_events::config::ConfigEvent;
use harness::{ACCOUNT, OWN_ROLE_ARN, REGION, fixture, fixtures_dir};
use policy::event::{AccountClaim, AccountField, Event, EventSource};
use policy::{AccountScope, EventError, ResourceRef};

fn parse(name: &str) -> Event {
    Event::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

fn bucket(name: &str) -> Vec<ResourceRef> {
    vec![ResourceRef::bucket(name, ACCOUNT, REGION)]
}

fn json_files(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect()
}

/// Every fixture file but the Security Hub findings; what each parses to is checked
/// by the tests below, or (issues #11 and #12) in `fixtures_breadth.rs`.
const EXPECTED: &[&str] = &[
    "config-rule-invocation-bucket.json",
    "config-rule-invocation-scheduled.json",
    "config-compliance-change-bucket.json",
    "cloudtrail-put-bucket-policy.json",
    "cloudtrail-put-bucket-acl.json",
    "cloudtrail-create-bucket.json",
    "cloudtrail-delete-bucket-public-access-block.json",
    "cloudtrail-delete-account-public-access-block.json",
    "cloudtrail-by-autofix-role.json",
    "scheduled-event.json",
    "cloudtrail-update-access-key.json",
    "cloudtrail-create-login-profile.json",
    "cloudtrail-enable-mfa-device.json",
    "cloudtrail-delete-account-password-policy.json",
    "config-compliance-change-access-keys-rotated.json",
    "config-compliance-change-unused-credentials.json",
    "config-compliance-change-console-mfa.json",
    "config-compliance-change-root-mfa.json",
    "config-compliance-change-password-policy.json",
    "cloudtrail-put-bucket-acl-foreign-account.json",
    "cloudtrail-update-access-key-foreign-account.json",
    "config-rule-invocation-bucket-foreign-account.json",
    "config-compliance-change-bucket-foreign-account.json",
    "cloudtrail-put-bucket-acl-cross-account-caller.json",
    "cloudtrail-create-bucket-location-constraint.json",
    "cloudtrail-put-bucket-encryption.json",
    "cloudtrail-put-bucket-versioning.json",
    "cloudtrail-put-bucket-logging.json",
    "cloudtrail-put-bucket-ownership-controls.json",
    "config-compliance-change-bucket-server-side-encryption-enabled.json",
    "config-compliance-change-bucket-ssl-requests-only.json",
    "config-compliance-change-bucket-versioning-enabled.json",
    "config-compliance-change-bucket-logging-enabled.json",
    "config-compliance-change-bucket-acl-prohibited.json",
    // issue #11
    "cloudtrail-stop-logging.json",
    "cloudtrail-update-trail.json",
    "cloudtrail-delete-trail.json",
    "cloudtrail-start-logging-by-autofix-role.json",
    "cloudtrail-stop-configuration-recorder.json",
    "cloudtrail-disable-key-rotation.json",
    "cloudtrail-schedule-key-deletion.json",
    "cloudtrail-delete-detector.json",
    "cloudtrail-disable-security-hub.json",
    "config-compliance-change-cloudtrail-enabled.json",
    "config-compliance-change-cloudtrail-log-file-validation.json",
    "config-compliance-change-cloudtrail-encryption.json",
    "config-compliance-change-cloudtrail-cloudwatch-logs.json",
    "config-compliance-change-guardduty.json",
    "config-compliance-change-securityhub.json",
    "config-compliance-change-kms-rotation.json",
    "config-compliance-change-kms-deletion.json",
    "cloudtrail-attach-user-policy.json",
    "cloudtrail-put-user-policy.json",
    "config-compliance-change-iam-user-no-policies.json",
    "cloudtrail-authorize-security-group-ingress.json",
    "cloudtrail-modify-security-group-rules.json",
    "cloudtrail-modify-snapshot-attribute.json",
    "cloudtrail-disable-ebs-encryption-by-default.json",
    "cloudtrail-create-db-instance.json",
    "cloudtrail-modify-db-instance.json",
    "cloudtrail-modify-db-snapshot-attribute.json",
    "config-compliance-change-restricted-incoming-traffic.json",
    "config-compliance-change-default-security-group.json",
    "config-compliance-change-ebs-encryption-by-default.json",
    "cloudtrail-add-permission.json",
    "config-compliance-change-lambda-function.json",
    "cloudtrail-create-vpc.json",
    "cloudtrail-delete-flow-logs.json",
    "config-compliance-change-vpc-flow-logs.json",
    "cloudtrail-modify-document-permission.json",
];

/// The other account of the `*-foreign-account` and `*-cross-account-caller` fixtures.
const THEIRS: &str = "210987654321";

#[test]
fn every_fixture_has_an_expectation_here() {
    // Security Hub findings are checked in security_hub_findings.rs.
    let on_disk: BTreeSet<String> = json_files(&fixtures_dir())
        .into_iter()
        .filter(|n| !n.starts_with("securityhub-finding-"))
        .collect();
    let known: BTreeSet<String> = EXPECTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        on_disk, known,
        "add new fixtures to EXPECTED and check what they parse to"
    );
}

#[test]
fn config_invocation_for_a_bucket_names_the_bucket_and_result_token() {
    let name = "config-rule-invocation-bucket.json";
    let e = parse(name);
    let token = fixture(name)["resultToken"].as_str().unwrap().to_string();
    match &e.source {
        EventSource::ConfigRule {
            rule_name,
            result_token,
            event_left_scope,
            ..
        } => {
            assert_eq!(rule_name, "hipaa-autofix-s3-bucket-public-access");
            assert_eq!(result_token, &token);
            assert!(!event_left_scope);
        }
        other => panic!("{name}: unexpected source {other:?}"),
    }
    assert_eq!(e.resources, bucket("phi-public-read"));
    assert_eq!((e.account.as_str(), e.region.as_str()), (ACCOUNT, REGION));
    assert!(!e.is_sweep());
}

#[test]
fn scheduled_config_invocation_is_a_sweep() {
    let e = parse("config-rule-invocation-scheduled.json");
    assert!(
        matches!(&e.source, EventSource::ConfigRule { rule_name, .. } if rule_name == "hipaa-autofix-s3-account-public-access-block")
    );
    assert!(e.resources.is_empty());
    assert!(e.is_sweep());
    assert_eq!((e.account.as_str(), e.region.as_str()), (ACCOUNT, REGION));
}

#[test]
fn compliance_change_names_rule_resource_and_new_compliance() {
    let e = parse("config-compliance-change-bucket.json");
    assert_eq!(
        e.source,
        EventSource::ComplianceChange {
            rule_name: "s3-bucket-public-read-prohibited".into(),
            compliance: "NON_COMPLIANT".into()
        }
    );
    assert_eq!(e.resources, bucket("phi-public-read"));
    assert_eq!(e.id, "5f0a4a52-1c8e-2d6b-3b8f-0c7e1d2a9f31");
}

fn assert_cloudtrail(name: &str, event_name: &str, resources: Vec<ResourceRef>) -> Event {
    let e = parse(name);
    match &e.source {
        EventSource::CloudTrail {
            event_name: n,
            event_source,
            error_code,
        } => {
            assert_eq!(n, event_name, "{name}");
            assert_eq!(event_source, "s3.amazonaws.com", "{name}");
            assert_eq!(error_code, &None, "{name}");
        }
        other => panic!("{name}: unexpected source {other:?}"),
    }
    assert_eq!(e.resources, resources, "{name}");
    assert_eq!((e.account.as_str(), e.region.as_str()), (ACCOUNT, REGION), "{name}");
    assert!(e.actor.is_some(), "{name}: no actor");
    e
}

#[test]
fn cloudtrail_bucket_calls_name_their_bucket_and_caller() {
    let e = assert_cloudtrail(
        "cloudtrail-put-bucket-acl.json",
        "PutBucketAcl",
        bucket("phi-public-read"),
    );
    let actor = e.actor.unwrap();
    assert_eq!(
        actor.role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/DeveloperAccess")
    );
    assert_eq!(actor.kind.as_deref(), Some("AssumedRole"));
    assert_cloudtrail(
        "cloudtrail-put-bucket-policy.json",
        "PutBucketPolicy",
        bucket("phi-mixed-policy"),
    );
    assert_cloudtrail(
        "cloudtrail-create-bucket.json",
        "CreateBucket",
        bucket("phi-new-bucket"),
    );
    assert_cloudtrail(
        "cloudtrail-delete-bucket-public-access-block.json",
        "DeleteBucketPublicAccessBlock",
        bucket("phi-no-bpa"),
    );
}

#[test]
fn cloudtrail_account_bpa_call_names_the_account() {
    assert_cloudtrail(
        "cloudtrail-delete-account-public-access-block.json",
        "DeleteAccountPublicAccessBlock",
        vec![ResourceRef::s3_account(ACCOUNT, REGION)],
    );
}

#[test]
fn cloudtrail_by_the_autofix_role_carries_the_role_arn() {
    let e = assert_cloudtrail(
        "cloudtrail-by-autofix-role.json",
        "PutBucketAcl",
        bucket("phi-public-read"),
    );
    assert_eq!(e.actor.unwrap().role_arn.as_deref(), Some(OWN_ROLE_ARN));
}

#[test]
fn scheduled_event_is_a_sweep_with_its_rule_arn() {
    let e = parse("scheduled-event.json");
    assert!(
        matches!(&e.source, EventSource::Schedule { rule_arn: Some(a) } if a.contains(":rule/hipaa-autofix-")),
        "{:?}",
        e.source
    );
    assert!(e.resources.is_empty() && e.is_sweep());
    assert_eq!(e.id, "89d1a02d-5ec7-412e-82f5-13505f849b41");
}

/// The CloudTrail fixtures carry every field AWS sends: they deserialize into the
/// strict `aws_lambda_events` type, whose required fields match CloudTrail's.
#[test]
fn cloudtrail_fixtures_have_the_full_aws_shape() {
    for name in EXPECTED.iter().filter(|n| n.starts_with("cloudtrail-")) {
        let v = fixture(name);
        let typed: CloudWatchEvent<AWSAPICall> =
            serde_json::from_value(v).unwrap_or_else(|e| panic!("{name} is not a full CloudTrail event: {e}"));
        let detail = typed.detail.expect("detail");
        assert_eq!(detail.event_type, "AwsApiCall", "{name}");
        assert!(!detail.request_id.is_empty() && !detail.event_id.is_empty(), "{name}");
    }
}

#[test]
fn config_invocation_fixtures_have_the_aws_shape() {
    for name in EXPECTED.iter().filter(|n| n.starts_with("config-rule-invocation")) {
        let typed: ConfigEvent = serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let inv: serde_json::Value = serde_json::from_str(typed.invoking_event.as_deref().expect("invokingEvent"))
            .expect("invokingEvent is a JSON string");
        assert!(inv["messageType"].is_string(), "{name}");
        assert!(
            typed.result_token.is_some() && typed.config_rule_arn.is_some(),
            "{name}"
        );
    }
}

#[test]
fn every_malformed_fixture_fails_with_a_clear_error() {
    let dir = fixtures_dir().join("malformed");
    let files = json_files(&dir);
    assert!(files.len() >= 6, "expected malformed fixtures in {}", dir.display());
    for name in &files {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let err = match Event::parse_slice(&bytes) {
            Ok(e) => panic!("malformed/{name} parsed: {e:?}"),
            Err(err) => err,
        };
        let msg = err.to_string();
        assert!(msg.len() > 20, "malformed/{name}: unclear error {msg:?}");
        let ok = match name.as_str() {
            "not-json.json" => matches!(err, EventError::Json(_)),
            "array.json" | "empty-object.json" | "wrong-detail-type.json" => {
                matches!(err, EventError::UnknownShape(_))
            }
            "cloudtrail-missing-bucket-name.json" => {
                matches!(
                    err,
                    EventError::Missing {
                        field: "requestParameters.bucketName",
                        ..
                    }
                )
            }
            "cloudtrail-missing-user-identity.json" => matches!(
                err,
                EventError::Missing {
                    field: "userIdentity",
                    ..
                }
            ),
            "config-invoking-event-not-json.json" => matches!(
                err,
                EventError::Invalid {
                    field: "invokingEvent",
                    ..
                }
            ),
            "config-missing-rule-name.json" => matches!(
                err,
                EventError::Missing {
                    field: "configRuleName",
                    ..
                }
            ),
            other => panic!("malformed/{other}: add its expected error here"),
        };
        assert!(ok, "malformed/{name}: unexpected error {err:?}");
    }
}

#[test]
fn cloudtrail_iam_calls_name_their_user_or_the_account() {
    for (name, event_name, resource) in [
        (
            "cloudtrail-update-access-key.json",
            "UpdateAccessKey",
            ResourceRef::iam_user("svc-reporting", ACCOUNT, REGION),
        ),
        (
            "cloudtrail-create-login-profile.json",
            "CreateLoginProfile",
            ResourceRef::iam_user("dr-jones", ACCOUNT, REGION),
        ),
        (
            "cloudtrail-enable-mfa-device.json",
            "EnableMFADevice",
            ResourceRef::iam_user("dr-jones", ACCOUNT, REGION),
        ),
        (
            "cloudtrail-delete-account-password-policy.json",
            "DeleteAccountPasswordPolicy",
            ResourceRef::iam_account(ACCOUNT, REGION),
        ),
    ] {
        let e = parse(name);
        match &e.source {
            EventSource::CloudTrail {
                event_name: n,
                event_source,
                error_code,
            } => {
                assert_eq!(n, event_name, "{name}");
                assert_eq!(event_source, "iam.amazonaws.com", "{name}");
                assert_eq!(error_code, &None, "{name}");
            }
            other => panic!("{name}: unexpected source {other:?}"),
        }
        assert_eq!(e.resources, vec![resource], "{name}");
        assert_eq!((e.account.as_str(), e.region.as_str()), (ACCOUNT, REGION), "{name}");
        assert!(e.actor.is_some(), "{name}: no actor");
    }
}

#[test]
fn iam_compliance_changes_name_their_resource_and_trigger_their_rule_only() {
    let user = |id: &str| vec![ResourceRef::iam_user(id, ACCOUNT, REGION)];
    // `AWS::::Account` names the account; account-level rules take it as theirs.
    let account = vec![ResourceRef::s3_account(ACCOUNT, REGION)];
    for (name, rule_name, resources, rule) in [
        (
            "config-compliance-change-access-keys-rotated.json",
            "access-keys-rotated-hipaa-autofix",
            user("AIDAEXAMPLEUSER000001"),
            "iam-access-key-rotated",
        ),
        (
            "config-compliance-change-unused-credentials.json",
            "iam-user-unused-credentials-check-conformance-pack-x1y2z3w4",
            user("AIDAEXAMPLEUSER000001"),
            "iam-credentials-unused",
        ),
        (
            "config-compliance-change-console-mfa.json",
            "mfa-enabled-for-iam-console-access-hipaa-autofix",
            user("AIDAEXAMPLEUSER000002"),
            "iam-user-console-mfa",
        ),
        (
            "config-compliance-change-root-mfa.json",
            "root-account-mfa-enabled-hipaa-autofix",
            account.clone(),
            "iam-root-account-mfa",
        ),
        (
            "config-compliance-change-password-policy.json",
            "iam-password-policy-hipaa-autofix",
            account.clone(),
            "iam-password-policy",
        ),
    ] {
        let e = parse(name);
        match &e.source {
            EventSource::ComplianceChange {
                rule_name: r,
                compliance,
            } => {
                assert_eq!(r, rule_name, "{name}");
                assert_eq!(compliance, "NON_COMPLIANT", "{name}");
            }
            other => panic!("{name}: unexpected source {other:?}"),
        }
        assert_eq!(e.resources, resources, "{name}");
        let taken: Vec<&str> = policy::rules::all()
            .iter()
            .filter(|r| r.applies_to(&e) && !r.targets(&e).is_empty())
            .map(|r| r.id())
            .collect();
        assert_eq!(taken, [rule], "{name}");
    }
}

/// Every account statement of every fixture, by field: our own fixtures state only
/// our account and pass the account gate; the foreign ones state the other account
/// wherever AWS puts it, name the same bucket or user as ours, and are refused.
#[test]
fn fixtures_state_their_account_in_every_field_aws_puts_it() {
    use AccountField::*;
    let ours = AccountScope::own(ACCOUNT).unwrap();
    let claims = |pairs: &[(AccountField, &str)]| -> Vec<AccountClaim> {
        pairs.iter().map(|(f, a)| AccountClaim::new(*f, *a)).collect()
    };
    for (name, expected, resources) in [
        (
            "cloudtrail-put-bucket-acl-foreign-account.json",
            claims(&[(Envelope, THEIRS), (Recipient, THEIRS)]),
            vec![ResourceRef::bucket("phi-public-read", THEIRS, REGION)],
        ),
        (
            "cloudtrail-update-access-key-foreign-account.json",
            claims(&[(Envelope, THEIRS), (Recipient, THEIRS)]),
            vec![ResourceRef::iam_user("svc-reporting", THEIRS, REGION)],
        ),
        (
            "config-rule-invocation-bucket-foreign-account.json",
            claims(&[(Invocation, THEIRS), (ConfigurationItem, THEIRS)]),
            vec![ResourceRef::bucket("phi-public-read", THEIRS, REGION)],
        ),
        (
            "config-compliance-change-bucket-foreign-account.json",
            claims(&[(Envelope, THEIRS), (ComplianceDetail, THEIRS)]),
            vec![ResourceRef::bucket("phi-public-read", THEIRS, REGION)],
        ),
    ] {
        let e = parse(name);
        assert_eq!(e.accounts, expected, "{name}");
        assert_eq!(e.account, THEIRS, "{name}");
        assert_eq!(e.resources, resources, "{name}");
        assert!(ours.admit(&e).is_err(), "{name} passes the account gate");
    }

    // A caller from the other account, acting on our bucket: an event about ours.
    let e = assert_cloudtrail(
        "cloudtrail-put-bucket-acl-cross-account-caller.json",
        "PutBucketAcl",
        bucket("phi-public-read"),
    );
    assert_eq!(e.accounts, claims(&[(Envelope, ACCOUNT), (Recipient, ACCOUNT)]));
    let raw = fixture("cloudtrail-put-bucket-acl-cross-account-caller.json");
    assert_eq!(raw["detail"]["userIdentity"]["accountId"], THEIRS);
    assert_eq!(ours.admit(&e), Ok(()));

    // Every other fixture is about our account only.
    for name in EXPECTED.iter().filter(|n| !n.contains("foreign-account")) {
        let e = parse(name);
        assert!(!e.accounts.is_empty(), "{name}: no account statement kept");
        assert!(
            e.accounts.iter().all(|c| c.account == ACCOUNT),
            "{name}: {:?}",
            e.accounts
        );
        assert_eq!(ours.admit(&e), Ok(()), "{name}");
    }
}

#[test]
fn s3_data_protection_fixtures_name_their_bucket_and_region() {
    // A bucket created in another region is named in that region.
    let e = parse("cloudtrail-create-bucket-location-constraint.json");
    assert!(matches!(&e.source, EventSource::CloudTrail { event_name, .. } if event_name == "CreateBucket"));
    assert_eq!(
        e.resources,
        vec![ResourceRef::bucket("phi-eu-bucket", ACCOUNT, "eu-west-1")]
    );
    assert_eq!(e.region, "eu-west-1");
    for (file, call, b) in [
        (
            "cloudtrail-put-bucket-encryption.json",
            "PutBucketEncryption",
            "phi-unencrypted",
        ),
        (
            "cloudtrail-put-bucket-versioning.json",
            "PutBucketVersioning",
            "phi-unversioned",
        ),
        ("cloudtrail-put-bucket-logging.json", "PutBucketLogging", "phi-unlogged"),
        (
            "cloudtrail-put-bucket-ownership-controls.json",
            "PutBucketOwnershipControls",
            "phi-acls-enabled",
        ),
    ] {
        assert_cloudtrail(file, call, bucket(b));
    }
    for (rule, b) in [
        ("s3-bucket-server-side-encryption-enabled", "phi-unencrypted"),
        ("s3-bucket-ssl-requests-only", "phi-no-tls"),
        ("s3-bucket-versioning-enabled", "phi-unversioned"),
        ("s3-bucket-logging-enabled", "phi-unlogged"),
        ("s3-bucket-acl-prohibited", "phi-acls-enabled"),
    ] {
        let file = format!("config-compliance-change-{}.json", rule.trim_start_matches("s3-"));
        let e = parse(&file);
        assert_eq!(
            e.source,
            EventSource::ComplianceChange {
                rule_name: rule.into(),
                compliance: "NON_COMPLIANT".into()
            },
            "{file}"
        );
        assert_eq!(e.resources, bucket(b), "{file}");
    }
}
