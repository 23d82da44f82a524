//! The `s3-public-access` function, through its real Lambda handler, against moto
//! and a local Slack receiver. Each test starts its own moto server (nextest runs
//! one process per test), seeds state with the SDK, sends one event shape AWS
//! sends, and asserts on the account afterwards, on what Slack received and on
//! the ledger table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_s3::types::Permission;
use harness::{
    ACCOUNT_RULE, ALL_USERS, BUCKET_RULE, EXEMPT_TAG, OWN_ROLE_ARN, World, bucket_arn, cloudfront_oac_statement,
    date_in_days, fixture, fixture_for_bucket, public_read_statement,
};
use policy::{LedgerRecord, Mode, Outcome};
use serde_json::json;

const ALL_ON: Option<[bool; 4]> = Some([true; 4]);

/// The one ledger record about `bucket`; fails unless there is exactly one.
async fn only_record(world: &World, bucket: &str) -> LedgerRecord {
    let mut recs = world.ledger_for(&bucket_arn(bucket)).await;
    assert_eq!(recs.len(), 1, "expected one ledger record for {bucket}, got {recs:#?}");
    recs.remove(0)
}

fn assert_fixed(rec: &LedgerRecord) {
    assert_eq!(rec.outcome, Outcome::Fixed, "{rec:#?}");
    assert!(rec.verified, "fixed but not verified: {rec:#?}");
    assert!(rec.before.is_some() && rec.after.is_some(), "no before/after: {rec:#?}");
    assert!(!rec.actions.is_empty(), "fixed without actions: {rec:#?}");
}

/// Nothing posted, nothing recorded.
async fn assert_silent(world: &World) {
    assert_eq!(
        world.slack.posts().await,
        Vec::<serde_json::Value>::new(),
        "Slack got posts"
    );
    assert_eq!(world.ledger().await, vec![], "the ledger got records");
}

#[tokio::test]
async fn public_read_acl_bucket_loses_the_public_grant_keeps_the_owner_and_gets_bpa() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let owner = world.owner_id("phi-public-read").await;
    assert!(world.has_public_grant("phi-public-read").await);
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");

    let grants = world.grants("phi-public-read").await;
    assert!(!world.has_public_grant("phi-public-read").await, "{grants:?}");
    assert!(
        grants.contains(&(owner.clone(), "FULL_CONTROL".to_string())),
        "owner grant lost: {grants:?}"
    );
    assert_eq!(world.bpa("phi-public-read").await, ALL_ON);

    let posts = world.slack.posts().await;
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert!(posts[0].to_string().contains("phi-public-read"), "{:#}", posts[0]);

    let rec = only_record(&world, "phi-public-read").await;
    assert_fixed(&rec);
    assert_eq!(rec.rule, BUCKET_RULE);
    assert!(
        rec.actor.as_ref().is_some_and(|a| a.arn.contains("DeveloperAccess")),
        "{:?}",
        rec.actor
    );
    // The ledger holds what undo needs: the removed grant.
    let actions = serde_json::to_string(&rec.actions).unwrap();
    assert!(actions.contains(ALL_USERS), "{actions}");
}

#[tokio::test]
async fn all_users_write_grant_is_removed() {
    let world = World::new().await;
    world.create_bucket("phi-public-write").await;
    world
        .grant_group("phi-public-write", ALL_USERS, Permission::Write)
        .await;
    let f = world.function().await;

    f.handle(fixture_for_bucket("cloudtrail-put-bucket-acl.json", "phi-public-write"))
        .await
        .expect("handler");

    assert!(
        !world.has_public_grant("phi-public-write").await,
        "{:?}",
        world.grants("phi-public-write").await
    );
    assert_eq!(world.bpa("phi-public-write").await, ALL_ON);
    assert_fixed(&only_record(&world, "phi-public-write").await);
    assert_eq!(world.slack.posts_mentioning("phi-public-write").await.len(), 1);
}

#[tokio::test]
async fn public_policy_statement_goes_and_the_cloudfront_oac_statement_stays() {
    let world = World::new().await;
    world.create_bucket("phi-mixed-policy").await;
    world
        .put_policy(
            "phi-mixed-policy",
            &json!({"Version": "2012-10-17", "Statement": [
                cloudfront_oac_statement("phi-mixed-policy"),
                public_read_statement("phi-mixed-policy"),
            ]}),
        )
        .await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-policy.json"))
        .await
        .expect("handler");

    assert_eq!(
        world.policy_sids("phi-mixed-policy").await,
        vec!["AllowCloudFrontServicePrincipalReadOnly".to_string()]
    );
    let policy = world.policy("phi-mixed-policy").await.unwrap();
    assert_eq!(
        policy["Statement"][0],
        cloudfront_oac_statement("phi-mixed-policy"),
        "kept statement altered"
    );
    assert_eq!(world.bpa("phi-mixed-policy").await, ALL_ON);
    let rec = only_record(&world, "phi-mixed-policy").await;
    assert_fixed(&rec);
    assert!(
        serde_json::to_string(&rec.actions).unwrap().contains("PublicRead"),
        "removed statement not recorded"
    );
    assert_eq!(world.slack.posts_mentioning("phi-mixed-policy").await.len(), 1);
}

#[tokio::test]
async fn bucket_without_bucket_level_bpa_gets_all_four_settings() {
    let world = World::new().await;
    world.create_bucket("phi-no-bpa").await;
    let (grants, policy, bpa) = world.bucket_state("phi-no-bpa").await;
    assert_eq!(bpa, None);
    let f = world.function().await;

    f.handle(fixture("cloudtrail-delete-bucket-public-access-block.json"))
        .await
        .expect("handler");

    assert_eq!(world.bpa("phi-no-bpa").await, ALL_ON);
    assert_eq!(world.grants("phi-no-bpa").await, grants, "a private ACL was changed");
    assert_eq!(world.policy("phi-no-bpa").await, policy);
    assert_fixed(&only_record(&world, "phi-no-bpa").await);
    assert_eq!(world.slack.posts_mentioning("phi-no-bpa").await.len(), 1);
}

#[tokio::test]
async fn new_bucket_from_create_bucket_event_gets_bpa() {
    let world = World::new().await;
    world.create_bucket("phi-new-bucket").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-create-bucket.json"))
        .await
        .expect("handler");

    assert_eq!(world.bpa("phi-new-bucket").await, ALL_ON);
    assert_fixed(&only_record(&world, "phi-new-bucket").await);
}

#[tokio::test]
async fn account_without_account_level_bpa_gets_all_four_settings() {
    let world = World::new().await;
    assert_eq!(world.account_bpa().await, None);
    let f = world.function().await;

    f.handle(fixture("cloudtrail-delete-account-public-access-block.json"))
        .await
        .expect("handler");

    assert_eq!(world.account_bpa().await, ALL_ON);
    let recs = world.ledger().await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].rule, ACCOUNT_RULE);
    assert_fixed(&recs[0]);
    assert_eq!(world.slack.posts().await.len(), 1);
}

#[tokio::test]
async fn notify_mode_changes_nothing_and_posts_a_notice() {
    let world = World::new().await;
    world.set_mode(BUCKET_RULE, Mode::Notify).await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");

    assert_eq!(
        world.bucket_state("phi-public-read").await,
        before,
        "notify mode changed the bucket"
    );
    assert_eq!(world.slack.posts_mentioning("phi-public-read").await.len(), 1);
    let rec = only_record(&world, "phi-public-read").await;
    assert_eq!(rec.outcome, Outcome::Notified, "{rec:#?}");
    assert!(!rec.verified);
    assert!(!rec.actions.is_empty(), "the notice should carry the planned fix");
}

#[tokio::test]
async fn off_mode_changes_nothing_posts_nothing_records_nothing() {
    let world = World::new().await;
    world.set_mode(BUCKET_RULE, Mode::Off).await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");

    assert_eq!(world.bucket_state("phi-public-read").await, before);
    assert_silent(&world).await;
}

#[tokio::test]
async fn exempt_tagged_bucket_is_untouched_and_the_exemption_is_noted() {
    let world = World::new().await;
    world.public_read_bucket("phi-website").await;
    let until = date_in_days(30);
    world
        .tag("phi-website", EXEMPT_TAG, &format!("public website until={until}"))
        .await;
    let before = world.bucket_state("phi-website").await;
    let f = world.function().await;

    f.handle(fixture_for_bucket("cloudtrail-put-bucket-acl.json", "phi-website"))
        .await
        .expect("handler");

    assert_eq!(
        world.bucket_state("phi-website").await,
        before,
        "an exempt bucket was changed"
    );
    let rec = only_record(&world, "phi-website").await;
    assert_eq!(rec.outcome, Outcome::Exempt, "{rec:#?}");
    let notes = rec.notes.join(" ");
    assert!(notes.contains("exempt") && notes.contains("public website"), "{notes}");
    assert!(notes.contains(&until), "{notes}");
    let posts = world.slack.posts_mentioning("phi-website").await;
    assert_eq!(posts.len(), 1, "an exempt violation is noted once");
    assert!(posts[0].to_string().to_lowercase().contains("exempt"), "{:#}", posts[0]);
}

#[tokio::test]
async fn expired_exemption_no_longer_protects_the_bucket() {
    let world = World::new().await;
    world.public_read_bucket("phi-old-website").await;
    world
        .tag(
            "phi-old-website",
            EXEMPT_TAG,
            &format!("public website until={}", date_in_days(-1)),
        )
        .await;
    let f = world.function().await;

    f.handle(fixture_for_bucket("cloudtrail-put-bucket-acl.json", "phi-old-website"))
        .await
        .expect("handler");

    assert!(!world.has_public_grant("phi-old-website").await);
    assert_eq!(world.bpa("phi-old-website").await, ALL_ON);
    let rec = only_record(&world, "phi-old-website").await;
    assert_fixed(&rec);
    assert!(rec.notes.join(" ").contains("expired"), "{:?}", rec.notes);
}

#[tokio::test]
async fn event_for_a_bucket_deleted_meanwhile_is_a_quiet_no_op() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    world.delete_bucket("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("a deleted bucket is not an error");

    assert_silent(&world).await;
}

#[tokio::test]
async fn malformed_event_is_a_clear_error_and_changes_nothing() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;
    let dir = harness::fixtures_dir().join("malformed");

    let mut tried = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // The runtime can only hand the handler JSON; a body that isn't JSON never reaches it.
        let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap()) else {
            continue;
        };
        tried += 1;
        match f.handle(payload).await {
            Err(e @ adapters::apps::function::HandlerError::BadEvent(..)) => {
                assert!(!e.is_retryable(), "{}: a bad event must not be retried", path.display());
                assert!(e.to_string().len() > 20, "{}: unclear error {e}", path.display());
            }
            other => panic!("{}: expected BadEvent, got {other:?}", path.display()),
        }
    }
    assert!(tried >= 5, "only {tried} malformed fixtures tried");
    assert_eq!(world.bucket_state("phi-public-read").await, before);
    assert_silent(&world).await;
}

#[tokio::test]
async fn the_same_event_three_times_makes_one_change_one_post_one_record() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;
    let event = fixture("cloudtrail-put-bucket-acl.json");

    for _ in 0..3 {
        f.handle(event.clone()).await.expect("handler");
    }

    assert!(!world.has_public_grant("phi-public-read").await);
    assert_eq!(world.slack.posts().await.len(), 1, "{:#?}", world.slack.posts().await);
    let rec = only_record(&world, "phi-public-read").await;
    assert_fixed(&rec);
}

#[tokio::test]
async fn cloudtrail_event_caused_by_the_remediators_own_role_is_ignored() {
    let world = World::new().await;
    assert_eq!(world.config().own_roles, vec![OWN_ROLE_ARN.to_string()]);
    world.public_read_bucket("phi-public-read").await;
    let before = world.bucket_state("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-by-autofix-role.json"))
        .await
        .expect("handler");

    assert_eq!(
        world.bucket_state("phi-public-read").await,
        before,
        "the loop guard let an event of our own role through"
    );
    assert_silent(&world).await;
}

#[tokio::test]
async fn config_rule_invocation_remediates_and_reports_the_evaluation() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;
    let event = fixture("config-rule-invocation-bucket.json");
    let token = event["resultToken"].as_str().unwrap().to_string();

    f.handle(event).await.expect("handler");

    assert!(!world.has_public_grant("phi-public-read").await);
    assert_eq!(world.bpa("phi-public-read").await, ALL_ON);
    let rec = only_record(&world, "phi-public-read").await;
    assert_fixed(&rec);

    // moto answers PutEvaluations only with TestMode=true (a real call gets HTTP 500
    // "not yet implemented"), so the reporter port is a recorder in these tests; what
    // it received is exactly what the adapter would send to AWS Config.
    let calls = f.reporter.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let (sent_token, evals) = &calls[0];
    assert_eq!(sent_token, &token);
    assert_eq!(evals.len(), 1, "{evals:#?}");
    let e = &evals[0];
    assert_eq!(
        (e.resource_type.as_str(), e.resource_id.as_str(), e.compliance.as_str()),
        ("AWS::S3::Bucket", "phi-public-read", "COMPLIANT")
    );
    assert!(
        e.annotation.contains("fixed") && e.annotation.contains(&rec.id),
        "{}",
        e.annotation
    );
    assert!(e.annotation.len() <= 256);
}

#[tokio::test]
async fn compliance_change_event_remediates_the_bucket() {
    let world = World::new().await;
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("config-compliance-change-bucket.json"))
        .await
        .expect("handler");

    assert!(!world.has_public_grant("phi-public-read").await);
    assert_fixed(&only_record(&world, "phi-public-read").await);
    // Not a custom-rule invocation: nothing to report back to Config.
    assert!(f.reporter.calls().is_empty());
}

#[tokio::test]
async fn slack_down_the_fix_still_stands_and_the_handler_succeeds() {
    let world = World::with_slack_down().await;
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("a Slack outage must not fail the handler");

    assert!(!world.has_public_grant("phi-public-read").await);
    assert_eq!(world.bpa("phi-public-read").await, ALL_ON);
    assert_fixed(&only_record(&world, "phi-public-read").await);
    assert!(!world.slack.posts().await.is_empty(), "the notice was never attempted");
}

#[tokio::test]
async fn scheduled_sweep_fixes_only_the_violators() {
    let world = World::new().await;
    let compliant = ["sweep-compliant-alpha", "sweep-compliant-beta", "sweep-compliant-gamma"];
    for b in compliant {
        world.compliant_bucket(b).await;
    }
    // A compliant bucket may still carry a (harmless) policy and tags.
    world
        .put_policy(
            "sweep-compliant-beta",
            &json!({"Version": "2012-10-17", "Statement": [cloudfront_oac_statement("sweep-compliant-beta")]}),
        )
        .await;
    world.tag("sweep-compliant-gamma", "team", "records").await;
    world.public_read_bucket("sweep-public-read").await;
    world.create_bucket("sweep-mixed-policy").await;
    world
        .put_policy(
            "sweep-mixed-policy",
            &json!({"Version": "2012-10-17", "Statement": [
                cloudfront_oac_statement("sweep-mixed-policy"),
                public_read_statement("sweep-mixed-policy"),
            ]}),
        )
        .await;
    world.create_bucket("sweep-no-bpa").await;
    let mut before = Vec::new();
    for b in compliant {
        before.push(world.bucket_state(b).await);
    }
    let f = world.function().await;

    f.handle(fixture("scheduled-event.json")).await.expect("handler");

    for (b, state) in compliant.iter().zip(before) {
        assert_eq!(world.bucket_state(b).await, state, "{b} was compliant and got changed");
        assert!(
            world.ledger_for(&bucket_arn(b)).await.is_empty(),
            "{b} got a ledger record"
        );
        assert!(world.slack.posts_mentioning(b).await.is_empty(), "{b} got a Slack post");
    }
    for b in ["sweep-public-read", "sweep-mixed-policy", "sweep-no-bpa"] {
        assert_eq!(world.bpa(b).await, ALL_ON, "{b}");
        assert!(!world.has_public_grant(b).await, "{b}");
        assert_fixed(&only_record(&world, b).await);
        assert_eq!(world.slack.posts_mentioning(b).await.len(), 1, "{b}");
    }
    assert_eq!(
        world.policy_sids("sweep-mixed-policy").await,
        vec!["AllowCloudFrontServicePrincipalReadOnly".to_string()]
    );
    // The sweep covers the account-level rule too.
    assert_eq!(world.account_bpa().await, ALL_ON);
    assert_eq!(world.ledger().await.len(), 4, "three buckets and the account");
}

#[tokio::test]
async fn periodic_config_invocation_fixes_the_account_and_reports_it() {
    let world = World::new().await;
    assert_eq!(world.account_bpa().await, None);
    let f = world.function().await;
    let event = fixture("config-rule-invocation-scheduled.json");
    let token = event["resultToken"].as_str().unwrap().to_string();

    f.handle(event).await.expect("handler");

    assert_eq!(world.account_bpa().await, ALL_ON);
    let recs = world.ledger().await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].rule, ACCOUNT_RULE);
    assert_fixed(&recs[0]);
    // Recorded instead of sent: moto's PutEvaluations works only in TestMode.
    let calls = f.reporter.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].0, token);
    let e = &calls[0].1[0];
    assert_eq!(
        (e.resource_type.as_str(), e.resource_id.as_str(), e.compliance.as_str()),
        ("AWS::::Account", harness::ACCOUNT, "COMPLIANT")
    );
}

/// In notify mode the bucket stays public, so only the ledger's idempotency claim
/// stops a redelivered event from notifying again.
#[tokio::test]
async fn the_same_event_three_times_in_notify_mode_notifies_once() {
    let world = World::new().await;
    world.set_mode(BUCKET_RULE, Mode::Notify).await;
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;
    let event = fixture("cloudtrail-put-bucket-acl.json");

    for _ in 0..3 {
        f.handle(event.clone()).await.expect("handler");
    }

    assert!(
        world.has_public_grant("phi-public-read").await,
        "notify mode changed the bucket"
    );
    assert_eq!(world.slack.posts().await.len(), 1, "{:#?}", world.slack.posts().await);
    assert_eq!(only_record(&world, "phi-public-read").await.outcome, Outcome::Notified);
}
