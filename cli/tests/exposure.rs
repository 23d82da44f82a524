//! Issue #12's world, fixed by `autofix fix` for its rules: every violation fixed,
//! every legitimate rule, grant and statement left in place; a default security
//! group in use withheld with its interfaces named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, SnapshotAttributeName};
use harness::*;
use serde_json::Value;

fn autofix(world: &World) -> assert_cmd::Command {
    harness::autofix_cmd(env!("CARGO_BIN_EXE_autofix"), world)
}

const RULES: &[&str] = &[
    "ec2-security-group-admin-ports",
    "ec2-default-security-group-closed",
    "ebs-encryption-by-default",
    "ebs-snapshot-not-public",
    "rds-instance-not-public",
    "rds-snapshot-not-public",
    "lambda-function-not-public",
    "vpc-flow-logs-enabled",
    "ssm-document-not-public",
];

fn tcp(port: i32, cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        .build()
}

async fn group(ec2: &aws_sdk_ec2::Client, vpc: &str, name: &str, perms: Vec<IpPermission>) -> String {
    let id = ec2
        .create_security_group()
        .group_name(name)
        .description(name)
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&id)
        .set_ip_permissions(Some(perms))
        .send()
        .await
        .unwrap();
    id
}

async fn ingress(ec2: &aws_sdk_ec2::Client, g: &str) -> Vec<(String, i32, String)> {
    rules(ec2, g, false).await
}

async fn rules(ec2: &aws_sdk_ec2::Client, g: &str, egress: bool) -> Vec<(String, i32, String)> {
    let out = ec2
        .describe_security_group_rules()
        .filters(Filter::builder().name("group-id").values(g).build())
        .send()
        .await
        .unwrap();
    let mut v: Vec<_> = out
        .security_group_rules()
        .iter()
        .filter(|r| r.is_egress() == Some(egress))
        .map(|r| {
            (
                r.ip_protocol().unwrap_or_default().to_string(),
                r.from_port().unwrap_or(-1),
                r.cidr_ipv4().or(r.cidr_ipv6()).unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn autofix_fix_closes_every_exposure_and_keeps_every_legitimate_grant() {
    let world = World::new().await;
    let ec2 = aws_sdk_ec2::Client::new(&world.sdk);
    let rds = aws_sdk_rds::Client::new(&world.sdk);
    let lambda = aws_sdk_lambda::Client::new(&world.sdk);
    let iam = &world.iam;

    // Security groups: SSH open, all traffic open, a narrow CIDR (legitimate).
    let vpc = ec2
        .describe_vpcs()
        .filters(Filter::builder().name("is-default").values("true").build())
        .send()
        .await
        .unwrap()
        .vpcs()[0]
        .vpc_id()
        .unwrap()
        .to_string();
    let ssh = group(
        &ec2,
        &vpc,
        "ssh-open",
        vec![tcp(22, "0.0.0.0/0"), tcp(443, "0.0.0.0/0")],
    )
    .await;
    let all = group(
        &ec2,
        &vpc,
        "all-open",
        vec![
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        ],
    )
    .await;
    let narrow = group(&ec2, &vpc, "narrow", vec![tcp(5432, "10.0.0.0/8")]).await;
    // A new VPC: its default group has rules, no interface uses it. The default VPC's
    // default group, used by an interface, is withheld.
    let new_vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .unwrap()
        .vpc_id()
        .unwrap()
        .to_string();
    let default_of = |v: String| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_security_groups()
                .filters(Filter::builder().name("vpc-id").values(v).build())
                .filters(Filter::builder().name("group-name").values("default").build())
                .send()
                .await
                .unwrap()
                .security_groups()[0]
                .group_id()
                .unwrap()
                .to_string()
        }
    };
    let unused_default = default_of(new_vpc.clone()).await;
    ec2.authorize_security_group_ingress()
        .group_id(&unused_default)
        .ip_permissions(tcp(8080, "10.9.0.0/16"))
        .send()
        .await
        .unwrap();
    let used_default = default_of(vpc.clone()).await;
    let subnet = ec2
        .describe_subnets()
        .filters(Filter::builder().name("vpc-id").values(&vpc).build())
        .send()
        .await
        .unwrap()
        .subnets()[0]
        .subnet_id()
        .unwrap()
        .to_string();
    let eni = ec2
        .create_network_interface()
        .subnet_id(subnet)
        .groups(&used_default)
        .send()
        .await
        .unwrap()
        .network_interface()
        .unwrap()
        .network_interface_id()
        .unwrap()
        .to_string();

    // EBS: encryption by default off (moto's default); a snapshot public and shared with one account.
    let vol = ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .size(1)
        .send()
        .await
        .unwrap()
        .volume_id()
        .unwrap()
        .to_string();
    let snap = ec2
        .create_snapshot()
        .volume_id(vol)
        .send()
        .await
        .unwrap()
        .snapshot_id()
        .unwrap()
        .to_string();
    ec2.modify_snapshot_attribute()
        .snapshot_id(&snap)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(aws_sdk_ec2::types::OperationType::Add)
        .group_names("all")
        .user_ids("111122223333")
        .send()
        .await
        .unwrap();

    // RDS: a public instance and a public snapshot of it.
    rds.create_db_instance()
        .db_instance_identifier("patients-db")
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("phiadmin")
        .master_user_password("not-a-real-password-1")
        .allocated_storage(20)
        .publicly_accessible(true)
        .send()
        .await
        .unwrap();
    rds.create_db_snapshot()
        .db_instance_identifier("patients-db")
        .db_snapshot_identifier("patients-nightly")
        .send()
        .await
        .unwrap();
    rds.modify_db_snapshot_attribute()
        .db_snapshot_identifier("patients-nightly")
        .attribute_name("restore")
        .values_to_add("all")
        .values_to_add("111122223333")
        .send()
        .await
        .unwrap();

    // Lambda: one public statement, one S3-trigger statement.
    let role = iam
        .create_role()
        .role_name("ingest-role")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string();
    lambda
        .create_function()
        .function_name("ingest")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(role)
        .handler("index.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(lambda_zip()))
                .build(),
        )
        .send()
        .await
        .unwrap();
    lambda
        .add_permission()
        .function_name("ingest")
        .statement_id("s3-invoke")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::phi-intake")
        .source_account(ACCOUNT)
        .send()
        .await
        .unwrap();
    lambda
        .add_permission()
        .function_name("ingest")
        .statement_id("anyone")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .unwrap();

    let used_before = (
        rules(&ec2, &used_default, false).await,
        rules(&ec2, &used_default, true).await,
    );
    assert_ne!(used_before, (vec![], vec![]), "the default group has rules");
    // SSM: one document shared with everyone, one with a partner account only (AWS
    // refuses `All` beside named accounts, so one document cannot hold both).
    let ssm = aws_sdk_ssm::Client::new(&world.sdk);
    for (name, share) in [("patch-phi-hosts", "All"), ("partner-runbook", "111122223333")] {
        ssm.create_document()
            .name(name)
            .document_type(aws_sdk_ssm::types::DocumentType::Command)
            .content(r#"{"schemaVersion":"2.2","description":"patch","mainSteps":[{"action":"aws:runShellScript","name":"patch","inputs":{"runCommand":["yum -y update"]}}]}"#)
            .send()
            .await
            .unwrap();
        ssm.modify_document_permission()
            .name(name)
            .permission_type(aws_sdk_ssm::types::DocumentPermissionType::Share)
            .account_ids_to_add(share)
            .send()
            .await
            .unwrap();
    }

    // VPC flow logs: no stack here, so the destination is set by hand.
    world.s3.create_bucket().bucket("flow-logs").send().await.unwrap();
    let mut args = vec![
        "fix",
        "--json",
        "--set",
        "FlowLogsDestinationArn=arn:aws:s3:::flow-logs",
    ];
    for r in RULES {
        args.extend(["--rule", r]);
    }
    let out = autofix(&world).args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let fix: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Security groups: only the world-open admin rules went.
    assert_eq!(
        ingress(&ec2, &ssh).await,
        [("tcp".to_string(), 443, "0.0.0.0/0".to_string())]
    );
    assert_eq!(ingress(&ec2, &all).await, vec![]);
    assert_eq!(
        ingress(&ec2, &narrow).await,
        [("tcp".to_string(), 5432, "10.0.0.0/8".to_string())]
    );
    assert_eq!(ingress(&ec2, &unused_default).await, vec![], "{fix:#}");
    assert_eq!(
        (
            rules(&ec2, &used_default, false).await,
            rules(&ec2, &used_default, true).await
        ),
        used_before,
        "a default group in use was changed"
    );
    let withheld = fix["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"].as_str().is_some_and(|a| a.ends_with(&used_default)))
        .unwrap_or_else(|| panic!("no result for the default group in use: {fix:#}"));
    assert!(
        withheld.to_string().contains(&eni),
        "the interface is named: {withheld:#}"
    );

    // EBS.
    assert_eq!(
        ec2.get_ebs_encryption_by_default()
            .send()
            .await
            .unwrap()
            .ebs_encryption_by_default(),
        Some(true)
    );
    let perms = ec2
        .describe_snapshot_attribute()
        .snapshot_id(&snap)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .unwrap();
    let perms: Vec<String> = perms
        .create_volume_permissions()
        .iter()
        .map(|p| {
            p.user_id()
                .map(str::to_owned)
                .or(p.group().map(|g| g.as_str().to_owned()))
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(perms, ["111122223333"]);

    // RDS.
    let db = rds
        .describe_db_instances()
        .db_instance_identifier("patients-db")
        .send()
        .await
        .unwrap();
    assert_eq!(db.db_instances()[0].publicly_accessible(), Some(false));
    let attrs = rds
        .describe_db_snapshot_attributes()
        .db_snapshot_identifier("patients-nightly")
        .send()
        .await
        .unwrap();
    let restore: Vec<String> = attrs
        .db_snapshot_attributes_result()
        .unwrap()
        .db_snapshot_attributes()
        .iter()
        .filter(|a| a.attribute_name() == Some("restore"))
        .flat_map(|a| a.attribute_values().iter().cloned())
        .collect();
    assert_eq!(restore, ["111122223333"]);

    // Lambda: the S3 trigger's statement stays, the public one went.
    let policy: Value = serde_json::from_str(
        lambda
            .get_policy()
            .function_name("ingest")
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap(),
    )
    .unwrap();
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(sids, ["s3-invoke"]);

    // SSM: the public document is private now, the partner's share stays.
    for (name, want) in [
        ("patch-phi-hosts", vec![]),
        ("partner-runbook", vec!["111122223333".to_string()]),
    ] {
        let got = ssm
            .describe_document_permission()
            .name(name)
            .permission_type(aws_sdk_ssm::types::DocumentPermissionType::Share)
            .send()
            .await
            .unwrap()
            .account_ids()
            .to_vec();
        assert_eq!(got, want, "{name}: {fix:#}");
    }

    // VPC flow logs: the new VPC and the default one log to the bucket set.
    for v in [&new_vpc, &vpc] {
        let logs = ec2
            .describe_flow_logs()
            .filter(Filter::builder().name("resource-id").values(v.as_str()).build())
            .send()
            .await
            .unwrap();
        let dest: Vec<&str> = logs.flow_logs().iter().filter_map(|f| f.log_destination()).collect();
        assert_eq!(dest, ["arn:aws:s3:::flow-logs"], "{v}: {fix:#}");
    }
}
