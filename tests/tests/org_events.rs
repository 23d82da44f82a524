//! Organisation mode through the central function's real handler, against moto's
//! multi-account world: events forwarded from member accounts (EventBridge, the real
//! shape, `account` = the member) are fixed in the right account through its member
//! role; an event claiming an account outside the organisation is refused; an account
//! set to `notify` is reported and not changed; the planner's sweep messages (SQS)
//! sweep one (account, region) each, and a member whose role can't be assumed is
//! recorded and posted once, without stopping the others.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapters::apps::function::HandlerError;
use adapters::dynamo::DynamoSettings;
use harness::*;
use policy::org::ModeScope;
use policy::{AccountRefusal, Mode, Outcome};
use serde_json::{Value, json};

/// A PutBucketAcl in `account`'s `region`, as the member's EventBridge rule forwards it
/// to the central bus (the envelope's `account` is the member's).
fn forwarded_put_acl(account: &str, region: &str, bucket: &str) -> Value {
    let mut v = fixture_for_bucket("cloudtrail-put-bucket-acl-foreign-account.json", bucket);
    v["account"] = json!(account);
    v["region"] = json!(region);
    v["id"] = json!(format!("fwd-{account}-{bucket}"));
    let d = &mut v["detail"];
    d["awsRegion"] = json!(region);
    d["recipientAccountId"] = json!(account);
    d["userIdentity"]["accountId"] = json!(account);
    d["userIdentity"]["arn"] = json!(format!("arn:aws:sts::{account}:assumed-role/DeveloperAccess/jane"));
    d["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] =
        json!(format!("arn:aws:iam::{account}:role/DeveloperAccess"));
    d["userIdentity"]["sessionContext"]["sessionIssuer"]["accountId"] = json!(account);
    v
}

/// A world whose central s3-public-access function runs in organisation mode over an
/// organisation of two members (the registry stored as the planner stores it).
async fn org_world() -> (World, Org) {
    let mut world = World::new().await;
    let org = create_org(&world.sdk, &["prod", "analytics"]).await;
    for (k, v) in [
        ("ORGANIZATION_MODE", "true"),
        ("ORGANIZATION_ID", org.id.as_str()),
        ("MEMBER_EXTERNAL_ID", EXTERNAL_ID),
    ] {
        world.env.insert(k.into(), v.into());
    }
    let registry = adapters::organizations::registry(&aws_sdk_organizations::Client::new(&world.sdk))
        .await
        .unwrap();
    settings(&world).put_registry(&registry).await.unwrap();
    (world, org)
}

fn settings(world: &World) -> DynamoSettings {
    DynamoSettings::new(world.dynamodb.clone(), SETTINGS_TABLE)
}

#[tokio::test]
async fn a_forwarded_member_event_is_fixed_in_that_account_through_its_role() {
    let (world, org) = org_world().await;
    let (prod, analytics) = (&org.members[0], &org.members[1]);
    let prod_s3 = MemberS3::new(&world, prod, "us-west-2").await;
    let analytics_s3 = MemberS3::new(&world, analytics, "us-west-2").await;
    prod_s3.public_read_bucket("org-prod-phi").await;
    analytics_s3.public_read_bucket("org-analytics-phi").await;
    let f = world.function().await;
    world.moto.reset_requests().await.unwrap();

    let out = f
        .handle(forwarded_put_acl(prod, "us-west-2", "org-prod-phi"))
        .await
        .unwrap();
    assert_eq!(out["decisions"][0]["outcome"], "fixed", "{out:#}");
    assert!(!prod_s3.is_public("org-prod-phi").await);
    assert!(prod_s3.blocked("org-prod-phi").await);
    // The other member's bucket was not touched.
    assert!(analytics_s3.is_public("org-analytics-phi").await);
    // The ledger (central) names the member account.
    let records = world.ledger_for(&bucket_arn("org-prod-phi")).await;
    assert!(!records.is_empty());
    assert!(records.iter().all(|r| r.account == *prod), "{records:?}");
    // Reached through the member role (one AssumeRole: the credentials are cached).
    let seen = world.moto.requests().await.unwrap();
    assert_eq!(
        seen.by_operation.get("sts:AssumeRole"),
        Some(&1),
        "{:?}",
        seen.by_operation
    );
}

#[tokio::test]
async fn an_event_claiming_an_account_outside_the_organisation_is_refused() {
    let (world, _org) = org_world().await;
    // The bucket exists (in the central account's world), public: it must stay so.
    world.public_read_bucket("org-outsider").await;
    let f = world.function().await;
    let e = f
        .handle(forwarded_put_acl("999988887777", "us-east-1", "org-outsider"))
        .await
        .unwrap_err();
    match &e {
        HandlerError::Refused {
            refusal: AccountRefusal::Foreign { account, .. },
            ..
        } => assert_eq!(account, "999988887777"),
        other => panic!("not refused as foreign: {other:?}"),
    }
    assert!(!e.is_retryable());
    assert!(world.has_public_grant("org-outsider").await);
    assert!(world.ledger().await.is_empty());
    assert!(world.slack.posts().await.is_empty());
}

#[tokio::test]
async fn an_account_set_to_notify_is_reported_and_not_changed() {
    let (world, org) = org_world().await;
    let analytics = &org.members[1];
    settings(&world)
        .set_scoped_mode(
            BUCKET_RULE,
            &ModeScope::Account(analytics.clone()),
            Mode::Notify,
            "test",
            "analytics reviews its own buckets",
        )
        .await
        .unwrap();
    let s3 = MemberS3::new(&world, analytics, "us-east-1").await;
    s3.public_read_bucket("org-analytics-notify").await;
    let f = world.function().await;
    let out = f
        .handle(forwarded_put_acl(analytics, "us-east-1", "org-analytics-notify"))
        .await
        .unwrap();
    assert_eq!(out["decisions"][0]["outcome"], "notified", "{out:#}");
    assert!(s3.is_public("org-analytics-notify").await);
    let records = world.ledger_for(&bucket_arn("org-analytics-notify")).await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].outcome, &records[0].account),
        (Outcome::Notified, analytics)
    );
    assert!(
        records[0]
            .notes
            .iter()
            .any(|n| n.contains(&format!("account {analytics}"))),
        "{:?}",
        records[0].notes
    );
}

fn sqs_batch(messages: &[(&str, Value)]) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|(id, body)| {
            json!({"messageId": id, "receiptHandle": "rh", "body": body.to_string(), "attributes": {},
                   "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                   "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:hipaa-autofix-s3-public-access-sweep",
                   "awsRegion": "us-east-1"})
        })
        .collect();
    json!({ "Records": records })
}

fn sweep_message(account: &str, region: &str) -> Value {
    json!({"account": account, "region": region, "family": FAMILY, "planned_at": "2026-01-01T00:00:00Z"})
}

#[tokio::test]
async fn sweep_messages_sweep_each_member_region_and_an_unreachable_member_is_posted_once() {
    let (world, org) = org_world().await;
    let (prod, analytics) = (&org.members[0], &org.members[1]);
    let prod_west = MemberS3::new(&world, prod, "us-west-2").await;
    let prod_east = MemberS3::new(&world, prod, "us-east-1").await;
    prod_west.public_read_bucket("org-sweep-west").await;
    prod_east.public_read_bucket("org-sweep-east").await;
    // The analytics account has no member role (moto hands out credentials for any
    // role: the launcher refuses this one, as AWS refuses a role that doesn't exist).
    world
        .moto
        .set_missing_roles(&[member_role(analytics, FAMILY)])
        .await
        .unwrap();
    let f = world.function().await;
    let batch = sqs_batch(&[
        ("m-1", sweep_message(prod, "us-west-2")),
        ("m-2", sweep_message(analytics, "us-west-2")),
        ("m-3", json!({"not": "a sweep"})),
    ]);
    let out = f.handle(batch.clone()).await.unwrap();
    assert_eq!(out["batchItemFailures"], json!([]), "{out:#}");
    // Only the message's region was swept.
    assert!(!prod_west.is_public("org-sweep-west").await);
    assert!(prod_east.is_public("org-sweep-east").await);
    // The unreachable member: one failure record naming it, one notice.
    let unreachable: Vec<_> = world
        .ledger()
        .await
        .into_iter()
        .filter(|r| r.account == *analytics)
        .collect();
    assert_eq!(unreachable.len(), 1, "{unreachable:?}");
    assert_eq!(unreachable[0].outcome, Outcome::Failed);
    assert!(
        unreachable[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("could not be reached"),
        "{unreachable:?}"
    );
    let posts = world.slack.posts().await.len();
    // The next sweep of that member posts nothing new.
    let again = sqs_batch(&[("m-4", sweep_message(analytics, "us-west-2"))]);
    f.handle(again).await.unwrap();
    assert_eq!(world.slack.posts().await.len(), posts);
    assert_eq!(
        world.ledger().await.iter().filter(|r| r.account == *analytics).count(),
        1
    );
    // A message about an account outside the organisation is refused, not retried.
    let out = f
        .handle(sqs_batch(&[("m-5", sweep_message("999988887777", "us-east-1"))]))
        .await
        .unwrap();
    assert_eq!(out["batchItemFailures"], json!([]));
}

#[tokio::test]
async fn the_per_account_hourly_limit_is_counted_in_the_ledger_table_and_named_in_the_notice() {
    let (mut world, org) = org_world().await;
    world.env.insert("MAX_CHANGES_PER_ACCOUNT_PER_HOUR".into(), "1".into());
    let (prod, analytics) = (&org.members[0], &org.members[1]);
    let prod_s3 = MemberS3::new(&world, prod, "us-east-1").await;
    let analytics_s3 = MemberS3::new(&world, analytics, "us-east-1").await;
    for b in ["org-limit-1", "org-limit-2"] {
        prod_s3.public_read_bucket(b).await;
    }
    analytics_s3.public_read_bucket("org-limit-other").await;
    let f = world.function().await;
    let first = f
        .handle(forwarded_put_acl(prod, "us-east-1", "org-limit-1"))
        .await
        .unwrap();
    assert_eq!(first["decisions"][0]["outcome"], "fixed", "{first:#}");
    // A second change in the same account and hour: over the limit, reported, not made.
    let second = f
        .handle(forwarded_put_acl(prod, "us-east-1", "org-limit-2"))
        .await
        .unwrap();
    assert_eq!(second["decisions"][0]["outcome"], "limited", "{second:#}");
    assert!(prod_s3.is_public("org-limit-2").await);
    let rec = &world.ledger_for(&bucket_arn("org-limit-2")).await[0];
    assert!(
        rec.notes
            .iter()
            .any(|n| n.contains("MaxChangesPerAccountPerHour") && n.contains(prod.as_str())),
        "{:?}",
        rec.notes
    );
    // Another account has its own count.
    let other = f
        .handle(forwarded_put_acl(analytics, "us-east-1", "org-limit-other"))
        .await
        .unwrap();
    assert_eq!(other["decisions"][0]["outcome"], "fixed", "{other:#}");
}

/// Our own change in a member account, made through the member role, comes back
/// through forwarding: the loop guard knows the member roles' sessions as ours.
#[tokio::test]
async fn a_forwarded_event_caused_by_our_member_role_is_our_own() {
    let (world, org) = org_world().await;
    let prod = &org.members[0];
    let prod_s3 = MemberS3::new(&world, prod, "us-west-2").await;
    prod_s3.public_read_bucket("org-prod-loop").await;
    let mut ev = forwarded_put_acl(prod, "us-west-2", "org-prod-loop");
    let role = "hipaa-autofix-member-s3-public-access";
    let d = &mut ev["detail"];
    d["userIdentity"]["arn"] = json!(format!("arn:aws:sts::{prod}:assumed-role/{role}/hipaa-autofix"));
    d["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] = json!(format!("arn:aws:iam::{prod}:role/{role}"));
    let out = world.function().await.handle(ev).await.unwrap();
    assert!(out["decisions"].as_array().unwrap().is_empty(), "{out:#}");
    assert!(
        out["ignored"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("own role arn:aws:sts::{prod}:assumed-role/{role}/")),
        "{out:#}"
    );
    assert!(
        prod_s3.is_public("org-prod-loop").await,
        "our own event changes nothing"
    );
}

/// A member's bucket is encrypted with a key every account has (`aws/s3`), never
/// with the central stack's key: S3 would take another account's key as the default
/// and every upload in the member would fail after (policy::org::member_params).
#[tokio::test]
async fn a_members_bucket_is_never_given_the_central_accounts_key() {
    let (mut world, org) = org_world().await;
    world.family = "s3-data-protection".into();
    let central_key = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/central-stack-key");
    world.env.insert("STACK_KEY_ARN".into(), central_key.clone());
    let prod = &org.members[0];
    let prod_s3 = MemberS3::new(&world, prod, "us-west-2").await;
    prod_s3.public_read_bucket("org-prod-plain").await;

    let mut ev = fixture_for_bucket("cloudtrail-put-bucket-encryption.json", "org-prod-plain");
    ev["account"] = json!(prod);
    ev["region"] = json!("us-west-2");
    ev["id"] = json!("fwd-encryption");
    let d = &mut ev["detail"];
    d["awsRegion"] = json!("us-west-2");
    d["recipientAccountId"] = json!(prod);
    d["userIdentity"]["accountId"] = json!(prod);
    d["userIdentity"]["arn"] = json!(format!("arn:aws:sts::{prod}:assumed-role/DeveloperAccess/jane"));
    d["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"] =
        json!(format!("arn:aws:iam::{prod}:role/DeveloperAccess"));
    d["userIdentity"]["sessionContext"]["sessionIssuer"]["accountId"] = json!(prod);
    let out = world.function().await.handle(ev).await.unwrap();
    let fixed: Vec<&Value> = out["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "s3-bucket-default-encryption")
        .collect();
    assert_eq!(fixed.len(), 1, "{out:#}");
    assert_eq!(fixed[0]["outcome"], "fixed", "{out:#}");
    let enc = prod_s3
        .s3
        .get_bucket_encryption()
        .bucket("org-prod-plain")
        .send()
        .await
        .unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    let default = rule.apply_server_side_encryption_by_default().unwrap();
    assert_eq!(default.sse_algorithm().as_str(), "aws:kms");
    assert_ne!(default.kms_master_key_id(), Some(central_key.as_str()), "{default:?}");
}

/// A Security Hub administrator in the central account imports the members'
/// findings: the event reaches the central default bus with the central account in
/// its envelope and the member's in the finding. The finding's account is the claim:
/// the member's bucket is fixed, in the member, through its role.
#[tokio::test]
async fn a_members_finding_aggregated_into_the_central_hub_fixes_the_members_bucket() {
    let (world, org) = org_world().await;
    let prod = &org.members[0];
    let prod_s3 = MemberS3::new(&world, prod, REGION).await;
    prod_s3.public_read_bucket("org-prod-finding").await;
    let mut ev = fixture("securityhub-finding-s3-2-public-read.json");
    assert_eq!(ev["account"], ACCOUNT, "the envelope names the central hub");
    let f = &mut ev["detail"]["findings"][0];
    f["AwsAccountId"] = json!(prod);
    f["Resources"][0]["Id"] = json!("arn:aws:s3:::org-prod-finding");
    let out = world.function().await.handle(ev).await.unwrap();
    assert_eq!(out["decisions"][0]["outcome"], "fixed", "{out:#}");
    assert!(!prod_s3.is_public("org-prod-finding").await);
    let records = world.ledger_for(&bucket_arn("org-prod-finding")).await;
    assert!(records.iter().all(|r| r.account == *prod), "{records:?}");
}
