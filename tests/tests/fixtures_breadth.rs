//! The fixtures of the families issues #11 to #13 added: the audit trail and the
//! keys, the network and the data stores (each call names its resource and triggers
//! its rules), and the Security Hub findings (`Security Hub Findings - Imported`,
//! ASFF) in `tests/fixtures/events/securityhub-finding-*.json` (each parses into the
//! control and the resource it names, and routes to the rules of that control only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use harness::{ACCOUNT, REGION, fixture, fixtures_dir};
use policy::ResourceKind::*;
use policy::event::{AccountClaim, AccountField, Event, EventSource};
use policy::{AccountScope, ResourceRef};

/// The other account of the `*-foreign-account` fixture.
const THEIRS: &str = "210987654321";

/// The KMS key of the KMS.3 and KMS.4 findings.
const KEY: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

fn parse(name: &str) -> Event {
    Event::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

fn bucket(name: &str) -> Vec<ResourceRef> {
    vec![ResourceRef::bucket(name, ACCOUNT, REGION)]
}

/// Every Security Hub fixture is one of the cases below (or one of the three
/// special ones checked at their end).
#[test]
fn every_security_hub_fixture_has_an_expectation_here() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("securityhub-finding-"))
        .collect();
    let source = include_str!("fixtures_breadth.rs");
    for name in &on_disk {
        assert!(
            source.contains(&format!("\"{name}\"")),
            "{name}: add it to a case in {} and check what it parses to",
            file!()
        );
    }
    assert!(on_disk.len() >= 31, "{on_disk:?}");
}

/// Security Hub findings (`Security Hub Findings - Imported`, ASFF): each failed,
/// active finding names its control and its resource, and routes to the rules of
/// that control only; the finding's account is an account statement the gate checks.
#[test]
fn security_hub_findings_name_their_control_and_resource_and_route_to_their_rules() {
    let rules: Vec<_> = policy::catalog::rule_ids()
        .into_iter()
        .filter_map(policy::catalog::by_id)
        .collect();
    let account = |kind: policy::ResourceKind| vec![ResourceRef::of(kind, ACCOUNT, ACCOUNT, REGION)];
    let one = |kind: policy::ResourceKind, id: &str| vec![ResourceRef::of(kind, id, ACCOUNT, REGION)];
    let trail = || one(CloudTrailTrail, "org-trail");
    let user = |name: &str| vec![ResourceRef::of(policy::ResourceKind::IamUser, name, ACCOUNT, REGION)];
    let cases: Vec<(&str, &str, Vec<ResourceRef>, &str)> = vec![
        (
            "securityhub-finding-s3-2-public-read.json",
            "S3.2",
            bucket("phi-public-read"),
            "s3-bucket-public-access",
        ),
        (
            "securityhub-finding-s3-1-account-bpa.json",
            "S3.1",
            account(S3Account),
            "s3-account-public-access-block",
        ),
        (
            "securityhub-finding-s3-4-encryption.json",
            "S3.4",
            bucket("phi-unencrypted"),
            "s3-bucket-default-encryption",
        ),
        (
            "securityhub-finding-s3-5-ssl.json",
            "S3.5",
            bucket("phi-no-tls"),
            "s3-bucket-ssl-requests-only",
        ),
        (
            "securityhub-finding-s3-9-logging.json",
            "S3.9",
            bucket("phi-no-logging"),
            "s3-bucket-access-logging",
        ),
        (
            "securityhub-finding-s3-12-acls.json",
            "S3.12",
            bucket("phi-acls"),
            "s3-bucket-acls-disabled",
        ),
        (
            "securityhub-finding-s3-14-versioning.json",
            "S3.14",
            bucket("phi-unversioned"),
            "s3-bucket-versioning",
        ),
        (
            "securityhub-finding-iam-3-key-rotation.json",
            "IAM.3",
            user("alice"),
            "iam-access-key-rotated",
        ),
        (
            "securityhub-finding-iam-8-unused-credentials.json",
            "IAM.8",
            user("bob"),
            "iam-credentials-unused",
        ),
        (
            "securityhub-finding-iam-5-console-mfa.json",
            "IAM.5",
            user("carol"),
            "iam-user-console-mfa",
        ),
        (
            "securityhub-finding-iam-9-root-mfa.json",
            "IAM.9",
            account(S3Account),
            "iam-root-account-mfa",
        ),
        (
            "securityhub-finding-iam-7-password-policy.json",
            "IAM.7",
            account(S3Account),
            "iam-password-policy",
        ),
        // issue #11/#12's rules
        (
            "securityhub-finding-cloudtrail-1-no-trail.json",
            "CloudTrail.1",
            account(S3Account),
            "cloudtrail-enabled",
        ),
        (
            "securityhub-finding-cloudtrail-2-encryption.json",
            "CloudTrail.2",
            trail(),
            "cloudtrail-encryption",
        ),
        (
            "securityhub-finding-cloudtrail-4-validation.json",
            "CloudTrail.4",
            trail(),
            "cloudtrail-log-file-validation",
        ),
        (
            "securityhub-finding-cloudtrail-5-cloudwatch-logs.json",
            "CloudTrail.5",
            trail(),
            "cloudtrail-cloudwatch-logs",
        ),
        (
            "securityhub-finding-config-1-recorder.json",
            "Config.1",
            account(S3Account),
            "config-recorder-on",
        ),
        (
            "securityhub-finding-guardduty-1.json",
            "GuardDuty.1",
            account(S3Account),
            "guardduty-enabled",
        ),
        (
            "securityhub-finding-kms-3-deletion.json",
            "KMS.3",
            one(KmsKey, KEY),
            "kms-key-deletion-cancelled",
        ),
        (
            "securityhub-finding-kms-4-rotation.json",
            "KMS.4",
            one(KmsKey, KEY),
            "kms-key-rotation",
        ),
        (
            "securityhub-finding-iam-2-direct-policies.json",
            "IAM.2",
            user("dave"),
            "iam-user-no-direct-policies",
        ),
        (
            "securityhub-finding-ec2-2-default-sg.json",
            "EC2.2",
            one(Ec2SecurityGroup, "sg-0d1e2f3a4b5c6d7e8"),
            "ec2-default-security-group-closed",
        ),
        (
            "securityhub-finding-ec2-13-ssh.json",
            "EC2.13",
            one(Ec2SecurityGroup, "sg-0a1b2c3d4e5f60718"),
            "ec2-security-group-admin-ports",
        ),
        (
            "securityhub-finding-ec2-6-flow-logs.json",
            "EC2.6",
            one(Vpc, "vpc-0a1b2c3d4e5f60718"),
            "vpc-flow-logs-enabled",
        ),
        (
            "securityhub-finding-ec2-7-ebs-encryption.json",
            "EC2.7",
            account(S3Account),
            "ebs-encryption-by-default",
        ),
        (
            "securityhub-finding-rds-2-public-instance.json",
            "RDS.2",
            one(RdsDbInstance, "phi-db"),
            "rds-instance-not-public",
        ),
        (
            "securityhub-finding-rds-1-public-snapshot.json",
            "RDS.1",
            one(RdsSnapshot, "snapshot:phi-db-snap"),
            "rds-snapshot-not-public",
        ),
        (
            "securityhub-finding-lambda-1-public.json",
            "Lambda.1",
            one(LambdaFunction, "phi-export"),
            "lambda-function-not-public",
        ),
    ];
    let ours = AccountScope::own(ACCOUNT).unwrap();
    for (name, control, resources, rule) in cases {
        let e = parse(name);
        assert_eq!(
            e.source,
            EventSource::SecurityHub {
                controls: vec![control.into()],
                config_rules: vec![]
            },
            "{name}"
        );
        assert_eq!(e.resources, resources, "{name}");
        assert_eq!((e.account.as_str(), e.region.as_str()), (ACCOUNT, REGION), "{name}");
        assert!(
            e.accounts.contains(&AccountClaim::new(AccountField::Finding, ACCOUNT)),
            "{name}"
        );
        assert!(ours.admit(&e).is_ok(), "{name}");
        assert!(!e.is_sweep(), "{name}");
        assert!(
            e.occurred_at().is_some(),
            "{name}: time to remediate counts from the import"
        );
        let routed: Vec<&str> = rules
            .iter()
            .filter(|r| r.applies_to(&e) && !r.targets(&e).is_empty())
            .map(|r| r.id())
            .collect();
        assert_eq!(routed, [rule], "{name}");
    }

    // A finding of an AWS Config rule (a conformance pack's) routes by the rule's name.
    let e = parse("securityhub-finding-config-rule-versioning.json");
    assert_eq!(
        e.source,
        EventSource::SecurityHub {
            controls: vec![],
            config_rules: vec!["s3-bucket-versioning-enabled-conformance-pack-x1y2z3".into()]
        }
    );
    let routed: Vec<&str> = rules.iter().filter(|r| r.applies_to(&e)).map(|r| r.id()).collect();
    assert_eq!(routed, ["s3-bucket-versioning"]);

    // A passed, resolved finding routes nothing.
    let e = parse("securityhub-finding-s3-2-resolved.json");
    assert!(e.resources.is_empty() && e.trigger_name().is_none(), "{e:?}");
    assert!(rules.iter().all(|r| !r.applies_to(&e)));

    // A finding aggregated into our hub from another account: the gate refuses it.
    let e = parse("securityhub-finding-s3-2-foreign-account.json");
    assert!(
        e.accounts.contains(&AccountClaim::new(AccountField::Finding, THEIRS)),
        "{e:?}"
    );
    assert_eq!(e.account, THEIRS);
    assert!(
        ours.admit(&e).is_err(),
        "a finding about another account's bucket is refused"
    );
}

// -- issue #11: the audit trail and the keys -------------------------------------

/// Each audit-trail and KMS fixture: its service's call, the resources it names, and
/// the actor with where the call came from (kept for the loud notice).
#[test]
fn audit_trail_and_kms_calls_name_their_resource_and_where_the_caller_was() {
    use policy::kinds::ResourceKind::*;
    let key = "0d5b9f1e-1111-2222-3333-444455556666";
    let cases: &[(&str, &str, Vec<ResourceRef>)] = &[
        (
            "cloudtrail-stop-logging.json",
            "cloudtrail.amazonaws.com",
            vec![ResourceRef::of(CloudTrailAccount, "", ACCOUNT, REGION)],
        ),
        (
            "cloudtrail-delete-trail.json",
            "cloudtrail.amazonaws.com",
            vec![ResourceRef::of(CloudTrailAccount, "", ACCOUNT, REGION)],
        ),
        (
            "cloudtrail-update-trail.json",
            "cloudtrail.amazonaws.com",
            vec![
                ResourceRef::of(CloudTrailAccount, "", ACCOUNT, REGION),
                ResourceRef::of(CloudTrailTrail, "org-audit", ACCOUNT, REGION),
            ],
        ),
        (
            "cloudtrail-stop-configuration-recorder.json",
            "config.amazonaws.com",
            vec![ResourceRef::of(ConfigRecorder, "", ACCOUNT, REGION)],
        ),
        (
            "cloudtrail-disable-key-rotation.json",
            "kms.amazonaws.com",
            vec![ResourceRef::of(KmsKey, key, ACCOUNT, REGION)],
        ),
        (
            "cloudtrail-schedule-key-deletion.json",
            "kms.amazonaws.com",
            vec![ResourceRef::of(KmsKey, key, ACCOUNT, REGION)],
        ),
        (
            "cloudtrail-delete-detector.json",
            "guardduty.amazonaws.com",
            vec![ResourceRef::of(GuardDuty, "", ACCOUNT, REGION)],
        ),
        (
            "cloudtrail-disable-security-hub.json",
            "securityhub.amazonaws.com",
            vec![ResourceRef::of(SecurityHub, "", ACCOUNT, REGION)],
        ),
    ];
    for (name, source, resources) in cases {
        let e = parse(name);
        match &e.source {
            EventSource::CloudTrail { event_source, .. } => assert_eq!(event_source, source, "{name}"),
            other => panic!("{name}: unexpected source {other:?}"),
        }
        let mut got = e.resources.clone();
        got.sort_by_key(|r| format!("{r}"));
        let mut want = resources.clone();
        want.sort_by_key(|r| format!("{r}"));
        assert_eq!(got, want, "{name}");
        let actor = e.actor.expect("an actor");
        assert_eq!(actor.source_ip.as_deref(), Some("203.0.113.42"), "{name}");
        assert!(
            actor.user_agent.as_deref().is_some_and(|u| u.starts_with("aws-cli/")),
            "{name}"
        );
    }
    // Config compliance changes name the rule and the resource as Config does.
    for (name, rule) in [
        (
            "config-compliance-change-cloudtrail-enabled.json",
            "multi-region-cloud-trail-enabled-hipaa-autofix",
        ),
        (
            "config-compliance-change-kms-deletion.json",
            "kms-cmk-not-scheduled-for-deletion-hipaa-autofix",
        ),
    ] {
        match parse(name).source {
            EventSource::ComplianceChange { rule_name, compliance } => {
                assert_eq!((rule_name.as_str(), compliance.as_str()), (rule, "NON_COMPLIANT"));
            }
            other => panic!("{name}: unexpected source {other:?}"),
        }
    }
    // The loop guard's fixture: the audit-trail function's own role.
    let e = parse("cloudtrail-start-logging-by-autofix-role.json");
    assert_eq!(
        e.actor.unwrap().role_arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/hipaa-autofix-audit-trail")
    );
}

/// `iam-user-no-direct-policies`' fixtures: a user's own policy attached or put names
/// the user, and only that rule takes them; Config's `IAM_USER_NO_POLICIES_CHECK`
/// names the user by its unique id.
#[test]
fn direct_user_policy_calls_name_the_user_and_trigger_the_least_privilege_rule_only() {
    let taken = |e: &Event| -> Vec<&'static str> {
        policy::rules::all()
            .iter()
            .filter(|r| r.applies_to(e) && !r.targets(e).is_empty())
            .map(|r| r.id())
            .collect()
    };
    for (name, call) in [
        ("cloudtrail-attach-user-policy.json", "AttachUserPolicy"),
        ("cloudtrail-put-user-policy.json", "PutUserPolicy"),
    ] {
        let e = parse(name);
        assert!(
            matches!(&e.source, EventSource::CloudTrail { event_name, event_source, .. }
                if event_name == call && event_source == "iam.amazonaws.com"),
            "{name}: {:?}",
            e.source
        );
        assert_eq!(
            e.resources,
            vec![ResourceRef::iam_user("dr-jones", ACCOUNT, REGION)],
            "{name}"
        );
        let actor = e.actor.clone().expect("an actor");
        assert_eq!(actor.source_ip.as_deref(), Some("203.0.113.42"), "{name}");
        assert_eq!(taken(&e), ["iam-user-no-direct-policies"], "{name}");
    }
    let name = "config-compliance-change-iam-user-no-policies.json";
    let e = parse(name);
    assert_eq!(
        e.source,
        EventSource::ComplianceChange {
            rule_name: "iam-user-no-policies-check-hipaa-autofix".into(),
            compliance: "NON_COMPLIANT".into()
        }
    );
    assert_eq!(
        e.resources,
        vec![ResourceRef::iam_user("AIDAEXAMPLEUSER000003", ACCOUNT, REGION)]
    );
    assert_eq!(taken(&e), ["iam-user-no-direct-policies"]);
}

/// Issue #12's fixtures: each names its resource (from the nesting CloudTrail gives
/// each call) and is taken by exactly the rules it triggers.
#[test]
fn network_and_data_store_fixtures_name_their_resource_and_trigger_their_rules() {
    use policy::ResourceKind as K;
    let r = |k: K, id: &str| vec![ResourceRef::of(k, id, ACCOUNT, REGION)];
    let sg = || r(K::Ec2SecurityGroup, "sg-0a1b2c3d4e5f60718");
    for (name, source, resources, rules) in [
        (
            "cloudtrail-authorize-security-group-ingress.json",
            "ec2.amazonaws.com",
            sg(),
            &["ec2-security-group-admin-ports", "ec2-default-security-group-closed"][..],
        ),
        (
            "cloudtrail-modify-security-group-rules.json",
            "ec2.amazonaws.com",
            sg(),
            &["ec2-security-group-admin-ports", "ec2-default-security-group-closed"][..],
        ),
        (
            "cloudtrail-modify-snapshot-attribute.json",
            "ec2.amazonaws.com",
            r(K::EbsSnapshot, "snap-0a1b2c3d4e5f60718"),
            &["ebs-snapshot-not-public"][..],
        ),
        (
            "cloudtrail-disable-ebs-encryption-by-default.json",
            "ec2.amazonaws.com",
            r(K::Ec2Account, ACCOUNT),
            &["ebs-encryption-by-default"][..],
        ),
        (
            "cloudtrail-create-db-instance.json",
            "rds.amazonaws.com",
            r(K::RdsDbInstance, "patients-db"),
            &["rds-instance-not-public"][..],
        ),
        (
            "cloudtrail-modify-db-instance.json",
            "rds.amazonaws.com",
            r(K::RdsDbInstance, "patients-db"),
            &["rds-instance-not-public"][..],
        ),
        (
            "cloudtrail-modify-db-snapshot-attribute.json",
            "rds.amazonaws.com",
            r(K::RdsSnapshot, "snapshot:patients-nightly"),
            &["rds-snapshot-not-public"][..],
        ),
        (
            "cloudtrail-add-permission.json",
            "lambda.amazonaws.com",
            r(K::LambdaFunction, "ingest"),
            &["lambda-function-not-public"][..],
        ),
        (
            "cloudtrail-modify-document-permission.json",
            "ssm.amazonaws.com",
            r(K::SsmDocument, "patch-phi-hosts"),
            &["ssm-document-not-public"][..],
        ),
        (
            "cloudtrail-create-vpc.json",
            "ec2.amazonaws.com",
            r(K::Vpc, "vpc-0a1b2c3d4e5f60718"),
            &["vpc-flow-logs-enabled"][..],
        ),
    ] {
        let e = parse(name);
        match &e.source {
            EventSource::CloudTrail {
                event_source,
                error_code,
                ..
            } => {
                assert_eq!(event_source, source, "{name}");
                assert_eq!(error_code, &None, "{name}");
            }
            other => panic!("{name}: unexpected source {other:?}"),
        }
        assert_eq!(e.resources, resources, "{name}");
        let taken: Vec<&str> = policy::rules::all()
            .iter()
            .filter(|r| r.applies_to(&e) && !r.targets(&e).is_empty())
            .map(|r| r.id())
            .collect();
        assert_eq!(taken, rules, "{name}");
    }
    for (name, resources, rule) in [
        (
            "config-compliance-change-restricted-incoming-traffic.json",
            sg(),
            "ec2-security-group-admin-ports",
        ),
        (
            "config-compliance-change-default-security-group.json",
            r(K::Ec2SecurityGroup, "sg-0f1e2d3c4b5a69788"),
            "ec2-default-security-group-closed",
        ),
        (
            "config-compliance-change-ebs-encryption-by-default.json",
            vec![ResourceRef::s3_account(ACCOUNT, REGION)],
            "ebs-encryption-by-default",
        ),
        (
            "config-compliance-change-lambda-function.json",
            r(K::LambdaFunction, "ingest"),
            "lambda-function-not-public",
        ),
        (
            "config-compliance-change-vpc-flow-logs.json",
            r(K::Vpc, "vpc-0a1b2c3d4e5f60718"),
            "vpc-flow-logs-enabled",
        ),
    ] {
        let e = parse(name);
        assert_eq!(e.resources, resources, "{name}");
        let taken: Vec<&str> = policy::rules::all()
            .iter()
            .filter(|r| r.applies_to(&e) && !r.targets(&e).is_empty())
            .map(|r| r.id())
            .collect();
        assert_eq!(taken, [rule], "{name}");
    }
}

/// `DeleteFlowLogs` names only flow-log ids (gone once deleted), never the VPC: the
/// event is a sweep of the region's VPCs, taken by `vpc-flow-logs-enabled` alone.
#[test]
fn a_delete_flow_logs_event_sweeps_the_regions_vpcs() {
    let e = parse("cloudtrail-delete-flow-logs.json");
    assert!(e.resources.is_empty());
    assert!(e.is_sweep());
    let taken: Vec<&str> = policy::rules::all()
        .iter()
        .filter(|r| r.applies_to(&e))
        .map(|r| r.id())
        .collect();
    assert_eq!(taken, ["vpc-flow-logs-enabled"]);
    // Any other CloudTrail call naming nothing is no sweep.
    let e = parse("cloudtrail-disable-ebs-encryption-by-default.json");
    assert!(!e.is_sweep());
}
