//! The `data-store-exposure` function, through its real Lambda handler, against moto
//! (EBS encryption by default, EBS snapshots, RDS instances and snapshots) and a
//! local Slack receiver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_ec2::types::{OperationType, SnapshotAttributeName, Tag};
use harness::{ACCOUNT, EXEMPT_TAG, REGION, World, date_in_days, fixture};
use policy::{LedgerRecord, Mode, Outcome, Plan, ResourceKind, ResourceRef};
use serde_json::Value;

const FAMILY: &str = "data-store-exposure";
const EBS_DEFAULT: &str = "ebs-encryption-by-default";
const EBS_SNAPSHOT: &str = "ebs-snapshot-not-public";
const RDS_INSTANCE: &str = "rds-instance-not-public";
const RDS_SNAPSHOT: &str = "rds-snapshot-not-public";
/// The one account the seeded snapshots are also shared with, by id.
const PARTNER: &str = "111122223333";

fn ec2(world: &World) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&world.sdk)
}

fn rds(world: &World) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::new(&world.sdk)
}

fn with_id(mut v: Value, id: &str) -> Value {
    v["id"] = Value::from(id);
    v
}

async fn records(world: &World, rule: &str, r: &ResourceRef) -> Vec<LedgerRecord> {
    world
        .ledger_for(&r.arn())
        .await
        .into_iter()
        .filter(|x| x.rule == rule)
        .collect()
}

async fn only_record(world: &World, rule: &str, r: &ResourceRef) -> LedgerRecord {
    let mut recs = records(world, rule, r).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    recs.remove(0)
}

async fn undo(world: &World, f: &harness::Function, rule: &str, r: &ResourceRef) {
    let rec = only_record(world, rule, r).await;
    assert_eq!(rec.outcome, Outcome::Fixed, "{rec:#?}");
    let plan = Plan::of(rec.actions.clone()).undo().expect("reversible");
    for a in &plan.actions {
        f.app.ports.remediator.apply(r, a).await.expect("undo action");
    }
}

// ---------------------------------------------------------------- EBS by default

async fn ebs_default(world: &World) -> bool {
    ec2(world)
        .get_ebs_encryption_by_default()
        .send()
        .await
        .expect("GetEbsEncryptionByDefault")
        .ebs_encryption_by_default()
        .unwrap_or(false)
}

fn ebs_account() -> ResourceRef {
    ResourceRef::of(ResourceKind::Ec2Account, "", ACCOUNT, REGION)
}

#[tokio::test]
async fn ebs_encryption_by_default_is_turned_on_and_undo_turns_it_off() {
    let world = World::for_family(FAMILY).await;
    assert!(!ebs_default(&world).await, "moto starts with it off");
    let f = world.function().await;

    f.handle(fixture("cloudtrail-disable-ebs-encryption-by-default.json"))
        .await
        .expect("handler");

    assert!(ebs_default(&world).await);
    let rec = only_record(&world, EBS_DEFAULT, &ebs_account()).await;
    assert!(rec.verified, "{rec:#?}");
    undo(&world, &f, EBS_DEFAULT, &ebs_account()).await;
    assert!(!ebs_default(&world).await);
}

#[tokio::test]
async fn ebs_encryption_by_default_in_notify_mode_is_only_reported() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(EBS_DEFAULT, Mode::Notify).await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-disable-ebs-encryption-by-default.json"))
        .await
        .expect("handler");

    assert!(!ebs_default(&world).await);
    assert_eq!(
        only_record(&world, EBS_DEFAULT, &ebs_account()).await.outcome,
        Outcome::Notified
    );
}

#[tokio::test]
async fn ebs_encryption_by_default_replayed_three_times_is_one_change() {
    let world = World::for_family(FAMILY).await;
    let f = world.function().await;
    let e = fixture("cloudtrail-disable-ebs-encryption-by-default.json");
    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }
    assert!(ebs_default(&world).await);
    only_record(&world, EBS_DEFAULT, &ebs_account()).await;
    assert_eq!(world.slack.posts().await.len(), 1);
}

// ---------------------------------------------------------------- EBS snapshots

/// A snapshot of a new volume, public and shared with [`PARTNER`].
async fn public_snapshot(world: &World) -> String {
    let c = ec2(world);
    let vol = c
        .create_volume()
        .availability_zone("us-east-1a")
        .size(1)
        .send()
        .await
        .expect("CreateVolume")
        .volume_id()
        .unwrap()
        .to_string();
    let snap = c
        .create_snapshot()
        .volume_id(vol)
        .description("patients db nightly")
        .send()
        .await
        .expect("CreateSnapshot")
        .snapshot_id()
        .unwrap()
        .to_string();
    c.modify_snapshot_attribute()
        .snapshot_id(&snap)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Add)
        .group_names("all")
        .user_ids(PARTNER)
        .send()
        .await
        .expect("ModifySnapshotAttribute");
    snap
}

/// (public, accounts) of a snapshot's createVolumePermission.
async fn volume_permissions(world: &World, snap: &str) -> (bool, Vec<String>) {
    let out = ec2(world)
        .describe_snapshot_attribute()
        .snapshot_id(snap)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
        .expect("DescribeSnapshotAttribute");
    let p = out.create_volume_permissions();
    (
        p.iter().any(|x| x.group().is_some_and(|g| g.as_str() == "all")),
        p.iter().filter_map(|x| x.user_id().map(str::to_owned)).collect(),
    )
}

fn snapshot_event(snap: &str, id: &str) -> Value {
    let mut v = with_id(fixture("cloudtrail-modify-snapshot-attribute.json"), id);
    v["detail"]["requestParameters"]["snapshotId"] = Value::from(snap);
    v
}

fn snapshot_ref(snap: &str) -> ResourceRef {
    ResourceRef::of(ResourceKind::EbsSnapshot, snap, ACCOUNT, REGION)
}

#[tokio::test]
async fn a_public_ebs_snapshot_loses_all_keeps_the_named_account_and_undo_is_dangerous() {
    let world = World::for_family(FAMILY).await;
    let snap = public_snapshot(&world).await;
    let f = world.function().await;

    f.handle(snapshot_event(&snap, "ev-snap")).await.expect("handler");

    assert_eq!(
        volume_permissions(&world, &snap).await,
        (false, vec![PARTNER.to_string()])
    );
    let posts = world.slack.posts_mentioning(&snap).await;
    assert_eq!(posts.len(), 1);
    undo(&world, &f, EBS_SNAPSHOT, &snapshot_ref(&snap)).await;
    assert_eq!(
        volume_permissions(&world, &snap).await,
        (true, vec![PARTNER.to_string()])
    );
    let rec = only_record(&world, EBS_SNAPSHOT, &snapshot_ref(&snap)).await;
    let undo_text = Plan::of(rec.actions).undo().unwrap().descriptions().join(" ");
    assert!(undo_text.contains("DANGEROUS"), "{undo_text}");
}

#[tokio::test]
async fn an_exempt_tagged_ebs_snapshot_stays_public() {
    let world = World::for_family(FAMILY).await;
    let snap = public_snapshot(&world).await;
    ec2(&world)
        .create_tags()
        .resources(&snap)
        .tags(
            Tag::builder()
                .key(EXEMPT_TAG)
                .value(format!("public dataset until={}", date_in_days(30)))
                .build(),
        )
        .send()
        .await
        .expect("CreateTags");
    let f = world.function().await;

    f.handle(snapshot_event(&snap, "ev-snap-exempt"))
        .await
        .expect("handler");

    assert!(volume_permissions(&world, &snap).await.0);
    assert_eq!(
        only_record(&world, EBS_SNAPSHOT, &snapshot_ref(&snap)).await.outcome,
        Outcome::Exempt
    );
}

#[tokio::test]
async fn an_ebs_snapshot_event_replayed_three_times_is_one_change_one_post() {
    let world = World::for_family(FAMILY).await;
    let snap = public_snapshot(&world).await;
    let f = world.function().await;
    let e = snapshot_event(&snap, "ev-snap-replay");
    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }
    assert!(!volume_permissions(&world, &snap).await.0);
    only_record(&world, EBS_SNAPSHOT, &snapshot_ref(&snap)).await;
    assert_eq!(world.slack.posts_mentioning(&snap).await.len(), 1);
}

#[tokio::test]
async fn an_ebs_snapshot_deleted_meanwhile_is_a_quiet_no_op() {
    let world = World::for_family(FAMILY).await;
    let snap = public_snapshot(&world).await;
    ec2(&world)
        .delete_snapshot()
        .snapshot_id(&snap)
        .send()
        .await
        .expect("DeleteSnapshot");
    let f = world.function().await;

    f.handle(snapshot_event(&snap, "ev-snap-gone"))
        .await
        .expect("not an error");

    assert_eq!(world.slack.posts().await, Vec::<Value>::new());
    assert_eq!(world.ledger().await, vec![]);
}

// ---------------------------------------------------------------- RDS

async fn public_db(world: &World, id: &str) {
    rds(world)
        .create_db_instance()
        .db_instance_identifier(id)
        .db_instance_class("db.t3.micro")
        .engine("postgres")
        .master_username("phiadmin")
        .master_user_password("not-a-real-password-1")
        .allocated_storage(20)
        .publicly_accessible(true)
        .send()
        .await
        .expect("CreateDBInstance");
}

async fn db_public(world: &World, id: &str) -> bool {
    rds(world)
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .expect("DescribeDBInstances")
        .db_instances()[0]
        .publicly_accessible()
        .unwrap_or(false)
}

fn db_event(id: &str, ev: &str) -> Value {
    let mut v = with_id(fixture("cloudtrail-modify-db-instance.json"), ev);
    v["detail"]["requestParameters"]["dBInstanceIdentifier"] = Value::from(id);
    v
}

fn db_ref(id: &str) -> ResourceRef {
    ResourceRef::of(ResourceKind::RdsDbInstance, id, ACCOUNT, REGION)
}

#[tokio::test]
async fn a_public_rds_instance_is_notify_by_default() {
    let world = World::for_family(FAMILY).await;
    public_db(&world, "patients-db").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-create-db-instance.json"))
        .await
        .expect("handler");

    assert!(
        db_public(&world, "patients-db").await,
        "notify mode changed the instance"
    );
    let rec = only_record(&world, RDS_INSTANCE, &db_ref("patients-db")).await;
    assert_eq!(rec.outcome, Outcome::Notified);
    assert_eq!(world.slack.posts_mentioning("patients-db").await.len(), 1);
}

#[tokio::test]
async fn a_public_rds_instance_in_auto_is_made_private_and_undo_reopens_it() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(RDS_INSTANCE, Mode::Auto).await;
    public_db(&world, "patients-db").await;
    let f = world.function().await;

    f.handle(db_event("patients-db", "ev-db")).await.expect("handler");

    assert!(!db_public(&world, "patients-db").await);
    undo(&world, &f, RDS_INSTANCE, &db_ref("patients-db")).await;
    assert!(db_public(&world, "patients-db").await);
}

#[tokio::test]
async fn a_rds_instance_event_replayed_three_times_is_one_change_and_a_gone_one_is_quiet() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(RDS_INSTANCE, Mode::Auto).await;
    public_db(&world, "patients-db").await;
    let f = world.function().await;
    let e = db_event("patients-db", "ev-db-replay");
    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }
    assert!(!db_public(&world, "patients-db").await);
    only_record(&world, RDS_INSTANCE, &db_ref("patients-db")).await;

    f.handle(db_event("never-existed", "ev-db-gone"))
        .await
        .expect("not an error");
    assert!(records(&world, RDS_INSTANCE, &db_ref("never-existed")).await.is_empty());
}

async fn public_db_snapshot(world: &World, db: &str, snap: &str) {
    public_db(world, db).await;
    rds(world)
        .create_db_snapshot()
        .db_instance_identifier(db)
        .db_snapshot_identifier(snap)
        .send()
        .await
        .expect("CreateDBSnapshot");
    rds(world)
        .modify_db_snapshot_attribute()
        .db_snapshot_identifier(snap)
        .attribute_name("restore")
        .values_to_add("all")
        .values_to_add(PARTNER)
        .send()
        .await
        .expect("ModifyDBSnapshotAttribute");
}

async fn restore_values(world: &World, snap: &str) -> Vec<String> {
    let out = rds(world)
        .describe_db_snapshot_attributes()
        .db_snapshot_identifier(snap)
        .send()
        .await
        .expect("DescribeDBSnapshotAttributes");
    let mut v: Vec<String> = out
        .db_snapshot_attributes_result()
        .map(|r| r.db_snapshot_attributes())
        .unwrap_or_default()
        .iter()
        .filter(|a| a.attribute_name() == Some("restore"))
        .flat_map(|a| a.attribute_values().iter().cloned())
        .collect();
    v.sort();
    v
}

fn rds_snapshot_ref(snap: &str) -> ResourceRef {
    ResourceRef::of(ResourceKind::RdsSnapshot, format!("snapshot:{snap}"), ACCOUNT, REGION)
}

#[tokio::test]
async fn a_public_rds_snapshot_loses_all_keeps_the_named_account_and_undo_restores_it() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(RDS_INSTANCE, Mode::Off).await;
    public_db_snapshot(&world, "patients-db", "patients-nightly").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-modify-db-snapshot-attribute.json"))
        .await
        .expect("handler");

    assert_eq!(restore_values(&world, "patients-nightly").await, [PARTNER]);
    undo(&world, &f, RDS_SNAPSHOT, &rds_snapshot_ref("patients-nightly")).await;
    assert_eq!(restore_values(&world, "patients-nightly").await, [PARTNER, "all"]);
}

#[tokio::test]
async fn a_rds_snapshot_event_replayed_three_times_is_one_change_and_notify_changes_nothing() {
    let world = World::for_family(FAMILY).await;
    public_db_snapshot(&world, "patients-db", "patients-nightly").await;
    let f = world.function().await;
    let e = fixture("cloudtrail-modify-db-snapshot-attribute.json");
    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }
    assert_eq!(restore_values(&world, "patients-nightly").await, [PARTNER]);
    only_record(&world, RDS_SNAPSHOT, &rds_snapshot_ref("patients-nightly")).await;

    let world = World::for_family(FAMILY).await;
    world.set_mode(RDS_SNAPSHOT, Mode::Notify).await;
    public_db_snapshot(&world, "patients-db", "patients-nightly").await;
    let f = world.function().await;
    f.handle(e).await.expect("handler");
    assert_eq!(restore_values(&world, "patients-nightly").await, [PARTNER, "all"]);
    assert_eq!(
        only_record(&world, RDS_SNAPSHOT, &rds_snapshot_ref("patients-nightly"))
            .await
            .outcome,
        Outcome::Notified
    );
}

// ---------------------------------------------------------------- Lambda

const LAMBDA: &str = "lambda-function-not-public";

fn lambda(world: &World) -> aws_sdk_lambda::Client {
    aws_sdk_lambda::Client::new(&world.sdk)
}

/// Function `name` with an S3-trigger statement (`s3-invoke`, pinned by source ARN and
/// account) and a public one (`anyone`).
async fn public_function(world: &World, name: &str) {
    let role = world
        .iam
        .create_role()
        .role_name(format!("{name}-role"))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("CreateRole")
        .role()
        .unwrap()
        .arn()
        .to_string();
    let l = lambda(world);
    l.create_function()
        .function_name(name)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .role(role)
        .handler("index.handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(harness::lambda_zip()))
                .build(),
        )
        .send()
        .await
        .expect("CreateFunction");
    l.add_permission()
        .function_name(name)
        .statement_id("s3-invoke")
        .action("lambda:InvokeFunction")
        .principal("s3.amazonaws.com")
        .source_arn("arn:aws:s3:::phi-intake")
        .source_account(ACCOUNT)
        .send()
        .await
        .expect("AddPermission s3");
    l.add_permission()
        .function_name(name)
        .statement_id("anyone")
        .action("lambda:InvokeFunction")
        .principal("*")
        .send()
        .await
        .expect("AddPermission anyone");
}

async fn sids(world: &World, name: &str) -> Vec<String> {
    let out = lambda(world).get_policy().function_name(name).send().await;
    let Ok(out) = out else { return vec![] };
    let p: Value = serde_json::from_str(out.policy().unwrap()).unwrap();
    let mut v: Vec<String> = p["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str().map(str::to_owned))
        .collect();
    v.sort();
    v
}

fn lambda_event(name: &str, id: &str) -> Value {
    let mut v = with_id(fixture("cloudtrail-add-permission.json"), id);
    v["detail"]["requestParameters"]["functionName"] = Value::from(name);
    v
}

fn function_ref(name: &str) -> ResourceRef {
    ResourceRef::of(ResourceKind::LambdaFunction, name, ACCOUNT, REGION)
}

#[tokio::test]
async fn only_the_public_statement_of_a_function_goes_and_undo_adds_it_back() {
    let world = World::for_family(FAMILY).await;
    public_function(&world, "ingest").await;
    let f = world.function().await;

    f.handle(lambda_event("ingest", "ev-fn")).await.expect("handler");

    assert_eq!(sids(&world, "ingest").await, ["s3-invoke"]);
    assert_eq!(world.slack.posts_mentioning("ingest").await.len(), 1);
    undo(&world, &f, LAMBDA, &function_ref("ingest")).await;
    assert_eq!(sids(&world, "ingest").await, ["anyone", "s3-invoke"]);
}

#[tokio::test]
async fn a_public_function_in_notify_mode_or_exempt_keeps_its_statement() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(LAMBDA, Mode::Notify).await;
    public_function(&world, "ingest").await;
    let f = world.function().await;
    f.handle(lambda_event("ingest", "ev-fn-notify")).await.expect("handler");
    assert_eq!(sids(&world, "ingest").await, ["anyone", "s3-invoke"]);
    assert_eq!(
        only_record(&world, LAMBDA, &function_ref("ingest")).await.outcome,
        Outcome::Notified
    );

    let world = World::for_family(FAMILY).await;
    public_function(&world, "webhook").await;
    let arn = function_ref("webhook").arn();
    lambda(&world)
        .tag_resource()
        .resource(&arn)
        .tags(EXEMPT_TAG, format!("partner webhook until={}", date_in_days(30)))
        .send()
        .await
        .expect("TagResource");
    let f = world.function().await;
    f.handle(lambda_event("webhook", "ev-fn-exempt"))
        .await
        .expect("handler");
    assert_eq!(sids(&world, "webhook").await, ["anyone", "s3-invoke"]);
    assert_eq!(
        only_record(&world, LAMBDA, &function_ref("webhook")).await.outcome,
        Outcome::Exempt
    );
}

#[tokio::test]
async fn a_function_event_replayed_three_times_is_one_change_and_a_deleted_one_is_quiet() {
    let world = World::for_family(FAMILY).await;
    public_function(&world, "ingest").await;
    let f = world.function().await;
    let e = lambda_event("ingest", "ev-fn-replay");
    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }
    assert_eq!(sids(&world, "ingest").await, ["s3-invoke"]);
    only_record(&world, LAMBDA, &function_ref("ingest")).await;
    assert_eq!(world.slack.posts_mentioning("ingest").await.len(), 1);

    public_function(&world, "gone").await;
    lambda(&world)
        .delete_function()
        .function_name("gone")
        .send()
        .await
        .expect("DeleteFunction");
    f.handle(lambda_event("gone", "ev-fn-gone"))
        .await
        .expect("not an error");
    assert!(records(&world, LAMBDA, &function_ref("gone")).await.is_empty());
}

#[tokio::test]
async fn the_stacks_own_slack_interactions_function_is_never_touched() {
    let mut world = World::for_family(FAMILY).await;
    public_function(&world, "hipaa-autofix-slack-interactions").await;
    let own = function_ref("hipaa-autofix-slack-interactions").arn();
    world.env.insert("OWN_RESOURCE_ARNS".into(), own.clone());
    let f = world.function().await;

    f.handle(lambda_event("hipaa-autofix-slack-interactions", "ev-own"))
        .await
        .expect("handler");

    assert_eq!(
        sids(&world, "hipaa-autofix-slack-interactions").await,
        ["anyone", "s3-invoke"]
    );
    assert!(world.ledger_for(&own).await.is_empty());
    assert_eq!(world.slack.posts().await, Vec::<Value>::new());
}

// ---------------------------------------------------------------- SSM documents

const SSM_DOC: &str = "ssm-document-not-public";

fn ssm(world: &World) -> aws_sdk_ssm::Client {
    aws_sdk_ssm::Client::new(&world.sdk)
}

fn doc_ref(name: &str) -> ResourceRef {
    ResourceRef::of(ResourceKind::SsmDocument, name, ACCOUNT, REGION)
}

/// A command document shared with `accounts` (`All` for everyone).
async fn shared_doc(world: &World, name: &str, accounts: &[&str]) {
    let c = ssm(world);
    c.create_document()
        .name(name)
        .document_type(aws_sdk_ssm::types::DocumentType::Command)
        .content(
            r#"{"schemaVersion":"2.2","description":"patch","mainSteps":[{"action":"aws:runShellScript","name":"patch","inputs":{"runCommand":["yum -y update"]}}]}"#,
        )
        .send()
        .await
        .expect("CreateDocument");
    if !accounts.is_empty() {
        c.modify_document_permission()
            .name(name)
            .permission_type(aws_sdk_ssm::types::DocumentPermissionType::Share)
            .set_account_ids_to_add(Some(accounts.iter().map(|a| (*a).to_string()).collect()))
            .send()
            .await
            .expect("ModifyDocumentPermission");
    }
}

async fn shared_with(world: &World, name: &str) -> Vec<String> {
    let mut v = ssm(world)
        .describe_document_permission()
        .name(name)
        .permission_type(aws_sdk_ssm::types::DocumentPermissionType::Share)
        .send()
        .await
        .expect("DescribeDocumentPermission")
        .account_ids()
        .to_vec();
    v.sort();
    v
}

fn doc_event(name: &str, id: &str) -> Value {
    let mut v = with_id(fixture("cloudtrail-modify-document-permission.json"), id);
    v["detail"]["requestParameters"]["name"] = Value::from(name);
    v
}

#[tokio::test]
async fn a_public_ssm_document_is_unshared_and_the_undo_is_declared_dangerous() {
    let world = World::for_family(FAMILY).await;
    shared_doc(&world, "patch-phi-hosts", &["All"]).await;
    let f = world.function().await;

    f.handle(doc_event("patch-phi-hosts", "ev-doc-fix"))
        .await
        .expect("handler");

    assert_eq!(shared_with(&world, "patch-phi-hosts").await, Vec::<String>::new());
    let rec = only_record(&world, SSM_DOC, &doc_ref("patch-phi-hosts")).await;
    assert!(rec.verified, "{rec:#?}");
    assert_eq!(world.slack.posts_mentioning("patch-phi-hosts").await.len(), 1);
    let undo_text = Plan::of(rec.actions.clone()).undo().unwrap().descriptions().join(" ");
    assert!(undo_text.contains("DANGEROUS"), "{undo_text}");
    undo(&world, &f, SSM_DOC, &doc_ref("patch-phi-hosts")).await;
    assert!(
        shared_with(&world, "patch-phi-hosts")
            .await
            .iter()
            .any(|a| a.eq_ignore_ascii_case("all")),
        "undo shares it with everyone again"
    );
}

#[tokio::test]
async fn an_ssm_document_shared_by_account_id_only_is_left_alone() {
    let world = World::for_family(FAMILY).await;
    shared_doc(&world, "partner-runbook", &[PARTNER]).await;
    let f = world.function().await;

    f.handle(doc_event("partner-runbook", "ev-doc-ok"))
        .await
        .expect("handler");

    assert_eq!(shared_with(&world, "partner-runbook").await, [PARTNER]);
    assert_eq!(world.slack.posts_mentioning("partner-runbook").await.len(), 0);
}

#[tokio::test]
async fn a_public_ssm_document_in_notify_mode_or_exempt_stays_shared() {
    let world = World::for_family(FAMILY).await;
    world.set_mode(SSM_DOC, Mode::Notify).await;
    shared_doc(&world, "notify-doc", &["All"]).await;
    let f = world.function().await;
    f.handle(doc_event("notify-doc", "ev-doc-notify"))
        .await
        .expect("handler");
    assert_eq!(shared_with(&world, "notify-doc").await.len(), 1);
    assert_eq!(
        only_record(&world, SSM_DOC, &doc_ref("notify-doc")).await.outcome,
        Outcome::Notified
    );

    world.set_mode(SSM_DOC, Mode::Auto).await;
    shared_doc(&world, "exempt-doc", &["All"]).await;
    ssm(&world)
        .add_tags_to_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Document)
        .resource_id("exempt-doc")
        .tags(
            aws_sdk_ssm::types::Tag::builder()
                .key(EXEMPT_TAG)
                .value(format!("public runbook until={}", date_in_days(30)))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("AddTagsToResource");
    let f = world.function().await;
    f.handle(doc_event("exempt-doc", "ev-doc-exempt"))
        .await
        .expect("handler");
    assert_eq!(shared_with(&world, "exempt-doc").await.len(), 1);
    assert_eq!(
        only_record(&world, SSM_DOC, &doc_ref("exempt-doc")).await.outcome,
        Outcome::Exempt
    );
}

#[tokio::test]
async fn an_ssm_document_event_replayed_three_times_is_one_change_and_a_deleted_one_is_quiet() {
    let world = World::for_family(FAMILY).await;
    shared_doc(&world, "replayed-doc", &["All"]).await;
    let f = world.function().await;
    let e = doc_event("replayed-doc", "ev-doc-replay");
    for _ in 0..3 {
        f.handle(e.clone()).await.expect("handler");
    }
    assert_eq!(shared_with(&world, "replayed-doc").await, Vec::<String>::new());
    only_record(&world, SSM_DOC, &doc_ref("replayed-doc")).await;
    assert_eq!(world.slack.posts_mentioning("replayed-doc").await.len(), 1);

    // Deleted before the event is handled (SSM, like AWS, deletes only an unshared document).
    shared_doc(&world, "gone-doc", &[]).await;
    ssm(&world)
        .delete_document()
        .name("gone-doc")
        .send()
        .await
        .expect("DeleteDocument");
    f.handle(doc_event("gone-doc", "ev-doc-gone"))
        .await
        .expect("not an error");
    assert_eq!(records(&world, SSM_DOC, &doc_ref("gone-doc")).await, vec![]);
    assert_eq!(world.slack.posts_mentioning("gone-doc").await.len(), 0);
}

#[tokio::test]
async fn a_sweep_unshares_only_the_accounts_own_public_documents() {
    let world = World::for_family(FAMILY).await;
    shared_doc(&world, "swept-doc", &["All"]).await;
    shared_doc(&world, "private-doc", &[]).await;
    let f = world.function().await;

    f.handle(fixture("scheduled-event.json")).await.expect("handler");

    assert_eq!(shared_with(&world, "swept-doc").await, Vec::<String>::new());
    assert_eq!(
        only_record(&world, SSM_DOC, &doc_ref("swept-doc")).await.outcome,
        Outcome::Fixed
    );
    // AWS's own documents (AWS-*) are never listed: no record names one.
    assert!(
        world
            .ledger()
            .await
            .iter()
            .all(|r| !r.resource.contains("document/AWS-")),
        "an AWS-owned document was judged"
    );
}
