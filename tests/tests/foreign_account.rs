//! Events about another AWS account, through the real Lambda handler, against moto.
//!
//! Each event names a bucket or user that *also* exists, with the same name and in
//! violation, in the function's own (moto) account. S3 bucket names are global: in
//! real AWS such an event is about the other account's bucket, and acting on ours
//! would change the wrong bucket with our credentials. Every shape (S3 and IAM
//! CloudTrail, Config custom-rule invocation, compliance change) is refused: nothing
//! changed, no ledger claim or record, no Config evaluation, nothing posted to Slack,
//! and the handler's error says why. The same event about our own account is then
//! handled, which shows the world would have been changed. A caller from another
//! account acting on our own bucket is still handled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use adapters::apps::function::HandlerError;
use aws_sdk_dynamodb::types::Select;
use harness::*;
use policy::{AccountRefusal, Outcome, OwnAccountError};
use serde_json::Value;

/// The other account in the foreign fixtures.
const THEIRS: &str = "210987654321";

/// Every item in the ledger table: records *and* event claims.
async fn ledger_items(world: &World) -> i32 {
    world
        .dynamodb
        .scan()
        .table_name(LEDGER_TABLE)
        .select(Select::Count)
        .send()
        .await
        .unwrap()
        .count()
}

/// Nothing claimed or recorded in the ledger, nothing posted to Slack.
async fn assert_nothing_written(world: &World) {
    assert_eq!(ledger_items(world).await, 0, "the ledger got a claim or a record");
    assert_eq!(world.slack.posts().await, Vec::<Value>::new(), "Slack got posts");
}

/// The handler refused the event as being about another account, and says which.
fn assert_refused_as_foreign(result: Result<Value, HandlerError>, field: &str) -> String {
    let e = match result {
        Err(e) => e,
        Ok(v) => panic!("the event was handled: {v:#}"),
    };
    match &e {
        HandlerError::Refused {
            refusal: AccountRefusal::Foreign { what, account, ours },
            ..
        } => {
            assert_eq!(what, field);
            assert_eq!(account, THEIRS);
            assert_eq!(ours, ACCOUNT);
        }
        other => panic!("not a foreign-account refusal: {other:?}"),
    }
    assert_eq!(e.error_type(), "ForeignAccount");
    assert!(!e.is_retryable(), "a refused event must not be retried");
    let msg = e.to_string();
    assert!(
        msg.contains(THEIRS) && msg.contains(ACCOUNT) && msg.contains("nothing was read or changed"),
        "the error does not say why: {msg}"
    );
    msg
}

#[tokio::test]
async fn s3_cloudtrail_event_from_another_account_leaves_our_bucket_of_that_name_alone() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    let result = f
        .handle(fixture("cloudtrail-put-bucket-acl-foreign-account.json"))
        .await;
    assert_refused_as_foreign(result, "account");
    assert_eq!(
        world.bucket_state("phi-public-read").await,
        before,
        "our bucket was changed"
    );
    assert!(world.has_public_grant("phi-public-read").await);
    assert_nothing_written(&world).await;

    // The same call recorded in our own account is ours to fix.
    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");
    assert!(!world.has_public_grant("phi-public-read").await, "control: not fixed");
}

#[tokio::test]
async fn s3_event_whose_envelope_is_ours_but_recipient_is_not_is_refused() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    // Delivered on our bus, but the call acted on the other account's bucket.
    let mut v = fixture("cloudtrail-put-bucket-acl-foreign-account.json");
    v["account"] = Value::from(ACCOUNT);
    assert_refused_as_foreign(f.handle(v).await, "detail.recipientAccountId");
    assert_eq!(world.bucket_state("phi-public-read").await, before);
    assert_nothing_written(&world).await;
}

#[tokio::test]
async fn iam_cloudtrail_event_from_another_account_leaves_our_user_of_that_name_alone() {
    let world = World::for_family(IAM_ACCESS_KEYS).await;
    let key = world.user_with_key("svc-reporting", 120, Some(1)).await;
    let f = world.function().await;

    let foreign = fixture_for_user(
        "cloudtrail-update-access-key-foreign-account.json",
        "svc-reporting",
        Some(&key),
    );
    assert_refused_as_foreign(f.handle(foreign).await, "account");
    assert!(
        world.key_active("svc-reporting", &key).await,
        "our user's key was deactivated for another account's event"
    );
    assert_nothing_written(&world).await;

    // Control: the same event in our account deactivates the 120-day-old key.
    let ours = fixture_for_user("cloudtrail-update-access-key.json", "svc-reporting", Some(&key));
    f.handle(ours).await.expect("handler");
    assert!(!world.key_active("svc-reporting", &key).await, "control: not fixed");
}

#[tokio::test]
async fn config_invocation_from_another_account_changes_nothing_and_reports_nothing() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    let result = f
        .handle(fixture("config-rule-invocation-bucket-foreign-account.json"))
        .await;
    assert_refused_as_foreign(result, "accountId");
    assert_eq!(world.bucket_state("phi-public-read").await, before);
    assert!(f.reporter.calls().is_empty(), "evaluations were sent to AWS Config");
    assert_nothing_written(&world).await;

    // Our own account's configuration item, with another account at the top: refused too.
    let mut v = fixture("config-rule-invocation-bucket.json");
    v["accountId"] = Value::from(THEIRS);
    assert_refused_as_foreign(f.handle(v).await, "accountId");
    assert_nothing_written(&world).await;
}

#[tokio::test]
async fn compliance_change_from_another_account_changes_nothing() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    let result = f
        .handle(fixture("config-compliance-change-bucket-foreign-account.json"))
        .await;
    assert_refused_as_foreign(result, "account");
    // On our bus, but about the other account's resource.
    let mut v = fixture("config-compliance-change-bucket.json");
    v["detail"]["awsAccountId"] = Value::from(THEIRS);
    assert_refused_as_foreign(f.handle(v).await, "detail.awsAccountId");

    assert_eq!(world.bucket_state("phi-public-read").await, before);
    assert_nothing_written(&world).await;
}

#[tokio::test]
async fn a_caller_from_another_account_acting_on_our_bucket_is_still_fixed() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;

    let v = f
        .handle(fixture("cloudtrail-put-bucket-acl-cross-account-caller.json"))
        .await
        .expect("a cross-account caller's change to our bucket is ours to fix");
    assert_eq!(v["decisions"][0]["outcome"], "fixed", "{v:#}");
    assert!(!world.has_public_grant("phi-public-read").await);
    let recs = world.ledger_for(&bucket_arn("phi-public-read")).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);
    assert_eq!(recs[0].account, ACCOUNT);
    // The record names the caller from the other account.
    let actor = recs[0].actor.clone().expect("actor");
    assert!(actor.arn.contains(THEIRS), "{actor:?}");
    assert_eq!(world.slack.posts().await.len(), 1);
}

#[tokio::test]
async fn a_function_that_cannot_tell_its_account_refuses_every_event() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    for arn in ["", "hipaa-autofix-s3-public-access"] {
        let e = f
            .handle_in(fixture("cloudtrail-put-bucket-acl.json"), lambda_context(arn))
            .await
            .expect_err("handled without knowing the account");
        assert_eq!(e.error_type(), "OwnAccountUnknown", "{e}");
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("does not know which AWS account"), "{e}");
    }
    assert_eq!(world.bucket_state("phi-public-read").await, before);
    assert_nothing_written(&world).await;
}

#[tokio::test]
async fn a_container_that_learned_its_account_refuses_an_invocation_naming_another() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    world.public_read_bucket("phi-other").await;
    let f = world.function().await;

    // First invocation: the account is learned from the ARN, the bucket is fixed.
    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");
    assert!(!world.has_public_grant("phi-public-read").await);
    let items = ledger_items(&world).await;

    // A later invocation under another account's ARN, with an event about that account.
    let theirs = lambda_context(&function_arn(THEIRS, FAMILY));
    let e = f
        .handle_in(
            fixture_for_bucket("cloudtrail-put-bucket-acl-foreign-account.json", "phi-other"),
            theirs,
        )
        .await
        .expect_err("handled under another account's ARN");
    match &e {
        HandlerError::Refused {
            refusal: AccountRefusal::OwnAccountUnknown(OwnAccountError::Changed { learned, now }),
            ..
        } => assert_eq!((learned.as_str(), now.as_str()), (ACCOUNT, THEIRS)),
        other => panic!("{other:?}"),
    }
    assert!(world.has_public_grant("phi-other").await, "changed under a foreign ARN");
    assert_eq!(ledger_items(&world).await, items, "the ledger was written");
}
