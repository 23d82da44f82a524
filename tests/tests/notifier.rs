//! The notice queue and the `notifier` function, against moto SQS (a FIFO queue
//! and its FIFO dead-letter queue, created here) and a local Slack receiver.
//! The real handler is driven the way Lambda's SQS poller drives it
//! ([`World::drain_notices`]): receive a batch, call the handler, delete what it
//! did not report failed, let the failed messages become visible again (a 1 s
//! visibility timeout keeps redeliveries quick).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use harness::{
    ACCOUNT, NOTICE_MAX_RECEIVES, SLACK_SECRET_ID, Slack, World, bucket_arn, finding_updates, fixture,
    fixture_for_bucket, sample_notice,
};
use policy::Outcome;
use policy::notice::Notice;

const VISIBILITY: u32 = 1;
const PATIENCE: Duration = Duration::from_secs(30);

/// Ledger ids in the order their notices reached Slack (from the `Ledger id` field).
async fn delivered_ids(world: &World) -> Vec<String> {
    world
        .slack
        .posts()
        .await
        .iter()
        .map(|p| {
            let s = p.to_string();
            let at = s.find("ledger-").expect("a ledger id in the post");
            s[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        })
        .collect()
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("ledger-{prefix}-{i}")).collect()
}

/// The sum of the `SlackDeliveryFailures` values in the EMF lines a sink kept.
fn slack_delivery_failures(lines: &std::sync::Mutex<Vec<String>>) -> usize {
    lines
        .lock()
        .unwrap()
        .iter()
        .map(|line| {
            let doc: serde_json::Value = serde_json::from_str(line).expect("an EMF line");
            assert_eq!(
                doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "SlackDeliveryFailures",
                "{doc}"
            );
            doc["SlackDeliveryFailures"].as_u64().expect("a count") as usize
        })
        .sum()
}

#[tokio::test]
async fn slack_answering_200_gets_each_notice_once_in_order() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    let (a, b) = (bucket_arn("phi-a"), bucket_arn("phi-b"));
    // Interleaved resources: two FIFO groups.
    let sent: Vec<Notice> = ids("ok", 6)
        .iter()
        .enumerate()
        .map(|(i, id)| sample_notice(if i % 2 == 0 { &a } else { &b }, Outcome::Fixed, id))
        .collect();
    for n in &sent {
        world.queue_notice(&q, n).await;
    }
    // A retried SendMessage (same deduplication id) is not delivered twice.
    world.queue_notice(&q, &sent[0]).await;

    let mut app = world.notifier().await;
    let (metrics, lines) = adapters::MetricsSink::recording("hipaa-autofix-test");
    app.metrics = Some(metrics);
    let d = world.drain_notices(&q, &app, PATIENCE).await;

    assert_eq!(d.failed, 0, "{d:?}");
    assert_eq!(slack_delivery_failures(&lines), 0, "no failure, no metric line");
    let want: Vec<String> = sent.iter().map(|n| n.ledger_id.clone()).collect();
    assert_eq!(delivered_ids(&world).await, want);
    assert_eq!(world.queue_depth(&q.url).await, 0);
    assert!(world.queue_bodies(&q.dlq_url).await.is_empty());
    // Block Kit, with the plain-text fallback.
    let post = &world.slack.posts().await[0];
    assert_eq!(post["blocks"][0]["type"], "header");
    assert!(post["text"].as_str().unwrap().contains("phi-a"), "{post:#}");
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_nothing_is_lost_or_reordered() {
    let mut world = World::with_slack(Slack::rate_limited_once(1).await).await;
    let q = world.notice_queues(VISIBILITY).await;
    let sent = ids("rl", 4);
    for (i, id) in sent.iter().enumerate() {
        let resource = bucket_arn(if i < 2 { "phi-a" } else { "phi-b" });
        world
            .queue_notice(&q, &sample_notice(&resource, Outcome::Fixed, id))
            .await;
    }
    let app = world.notifier().await;

    let started = Instant::now();
    let d = world.drain_notices(&q, &app, PATIENCE).await;

    // Retry-After was honoured within the invocation: one batch, no redelivery.
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!((d.invocations, d.failed), (1, 0), "{d:?}");
    let got = delivered_ids(&world).await;
    // The first post was the 429; it was posted again after the wait.
    assert_eq!(got[0], sent[0]);
    assert_eq!(got[1..], sent[..], "delivered once each, in order");
    assert!(world.queue_bodies(&q.dlq_url).await.is_empty());
}

#[tokio::test]
async fn slack_down_delivers_nothing_and_every_notice_ends_in_the_dead_letter_queue() {
    let mut world = World::with_slack_down().await;
    let q = world.notice_queues(VISIBILITY).await;
    let sent = ids("down", 3);
    for (i, id) in sent.iter().enumerate() {
        let resource = bucket_arn(&format!("phi-{i}"));
        world
            .queue_notice(&q, &sample_notice(&resource, Outcome::Fixed, id))
            .await;
    }
    let mut app = world.notifier().await;
    let (metrics, lines) = adapters::MetricsSink::recording("hipaa-autofix-test");
    app.metrics = Some(metrics);

    let d = world.drain_notices(&q, &app, PATIENCE).await;

    // Every post was answered 500: nothing was delivered.
    assert!(!world.slack.posts().await.is_empty());
    // Each failed delivery is counted in the SlackDeliveryFailures metric (EMF lines).
    assert_eq!(slack_delivery_failures(&lines), d.failed, "{d:?}");
    // Redelivered until the redrive policy moved them: maxReceiveCount receives each.
    assert_eq!(d.received, sent.len() * NOTICE_MAX_RECEIVES as usize, "{d:?}");
    assert_eq!(d.failed, d.received, "{d:?}");
    assert_eq!(world.queue_depth(&q.url).await, 0);
    // Nothing lost: each notice is in the DLQ, intact.
    let mut in_dlq: Vec<String> = world
        .queue_bodies(&q.dlq_url)
        .await
        .iter()
        .map(|b| serde_json::from_str::<Notice>(b).expect("a notice").ledger_id)
        .collect();
    in_dlq.sort();
    assert_eq!(in_dlq, sent);
}

#[tokio::test]
async fn a_message_that_is_not_a_notice_goes_to_the_dead_letter_queue_and_holds_nothing_up() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    let resource = bucket_arn("phi-a");
    world
        .queue_raw(&q, &resource, "bad-1", r#"{"patient": "Jane Doe"}"#)
        .await;
    world
        .queue_notice(&q, &sample_notice(&resource, Outcome::Fixed, "ledger-good-1"))
        .await;
    let app = world.notifier().await;

    world.drain_notices(&q, &app, PATIENCE).await;

    assert_eq!(delivered_ids(&world).await, vec!["ledger-good-1".to_string()]);
    assert_eq!(
        world.queue_bodies(&q.dlq_url).await,
        vec![r#"{"patient": "Jane Doe"}"#.to_string()]
    );
}

#[tokio::test]
async fn repeated_notify_mode_notices_are_posted_once_and_the_next_post_says_they_repeated() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    let resource = bucket_arn("phi-swept");
    let mut app = world.notifier().await;
    app.deliverer.window = Duration::from_secs(3);

    // Four sweeps find the same violation within the window.
    for id in ids("sweep", 4) {
        world
            .queue_notice(&q, &sample_notice(&resource, Outcome::Notified, &id))
            .await;
        world.drain_notices(&q, &app, PATIENCE).await;
    }
    assert_eq!(delivered_ids(&world).await, vec!["ledger-sweep-1".to_string()]);
    let counter = world
        .dynamodb
        .get_item()
        .table_name(harness::LEDGER_TABLE)
        .key(
            "id",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("notice#{}#{resource}", harness::BUCKET_RULE)),
        )
        .send()
        .await
        .unwrap()
        .item
        .expect("the counter item");
    assert_eq!(counter["count"].as_n().unwrap(), "3");
    assert!(counter.contains_key("expires_at"));
    // The counter is not a ledger record.
    assert!(world.ledger().await.is_empty());

    // After the window, the next sweep's notice is posted, saying it repeated.
    tokio::time::sleep(Duration::from_secs(3)).await;
    world
        .queue_notice(&q, &sample_notice(&resource, Outcome::Notified, "ledger-sweep-5"))
        .await;
    world.drain_notices(&q, &app, PATIENCE).await;

    let texts = world.slack.texts().await;
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(!texts[0].contains("repeated"), "{}", texts[0]);
    assert!(texts[1].contains("(repeated 3 times since "), "{}", texts[1]);
}

#[tokio::test]
async fn fixed_notices_are_never_grouped() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    let resource = bucket_arn("phi-flapping");
    for id in ids("fix", 3) {
        world
            .queue_notice(&q, &sample_notice(&resource, Outcome::Fixed, &id))
            .await;
    }
    let app = world.notifier().await;
    world.drain_notices(&q, &app, PATIENCE).await;
    assert_eq!(delivered_ids(&world).await, ids("fix", 3));
    assert!(world.slack.texts().await.iter().all(|t| !t.contains("repeated")));
}

#[tokio::test]
async fn a_placeholder_slack_secret_logs_notices_and_consumes_them() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    aws_sdk_secretsmanager::Client::new(&world.sdk)
        .put_secret_value()
        .secret_id(SLACK_SECRET_ID)
        .secret_string(r#"{"webhook_url": ""}"#)
        .send()
        .await
        .unwrap();
    world
        .queue_notice(&q, &sample_notice(&bucket_arn("phi-a"), Outcome::Fixed, "ledger-log-1"))
        .await;
    let app = world.notifier().await;
    let d = world.drain_notices(&q, &app, PATIENCE).await;
    assert_eq!(d.failed, 0);
    assert!(world.slack.posts().await.is_empty());
    assert_eq!(world.queue_depth(&q.url).await, 0);
}

#[tokio::test]
async fn end_to_end_a_fixed_public_bucket_reaches_slack_through_the_queue_and_the_notifier() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");

    assert!(!world.has_public_grant("phi-public-read").await);
    // The function queued the notice; it posted nothing itself.
    assert!(world.slack.posts().await.is_empty());
    assert_eq!(world.queue_depth(&q.url).await, 1);

    let app = world.notifier().await;
    world.drain_notices(&q, &app, PATIENCE).await;

    let posts = world.slack.posts_mentioning("phi-public-read").await;
    assert_eq!(posts.len(), 1, "{posts:#?}");
    let rec = world.ledger_for(&bucket_arn("phi-public-read")).await;
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0].outcome, Outcome::Fixed);
    assert!(posts[0].to_string().contains(&rec[0].id), "{:#}", posts[0]);
    assert!(posts[0]["text"].as_str().unwrap().contains("[fixed]"), "{:#}", posts[0]);
}

#[tokio::test]
async fn when_the_queue_refuses_a_notice_the_function_posts_to_slack_directly() {
    let mut world = World::new().await;
    // A queue that does not exist: SendMessage fails.
    world.env.insert(
        "NOTICE_QUEUE_URL".into(),
        format!("{}/123456789012/missing.fifo", world.moto.endpoint),
    );
    world.public_read_bucket("phi-public-read").await;
    let f = world.function().await;

    f.handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");

    assert!(!world.has_public_grant("phi-public-read").await);
    assert_eq!(world.slack.posts_mentioning("phi-public-read").await.len(), 1);
}

// -- Security Hub, out (SecurityHubIntegration=true) ---------------------------
// moto 5.2.5 holds findings (BatchImportFindings, GetFindings, whose filters it
// ignores) but does not route BatchUpdateFindings: the launcher's stand-in applies
// it to the findings moto holds and records each call as sent.

const PRODUCT_ARN: &str = "arn:aws:securityhub:us-east-1::product/aws/securityhub";

#[tokio::test]
async fn with_the_integration_on_a_fixed_buckets_finding_ends_resolved_and_an_exempt_ones_suppressed() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    world.enable_security_hub().await;
    world.public_read_bucket("phi-public-read").await;
    world.public_read_bucket("vendor-share").await;
    world
        .tag("vendor-share", "hipaa-autofix:exempt", "vendor review until=2027-01-31")
        .await;
    let fixed = world
        .import_bucket_finding("S3.2", "phi-public-read", ACCOUNT, "NEW", None)
        .await;
    let exempt = world
        .import_bucket_finding("S3.8", "vendor-share", ACCOUNT, "NOTIFIED", None)
        .await;
    // Findings that are about something else stay as they are: a longer bucket name
    // ("contains" matches it), another account's bucket of the same name, a control
    // of another rule.
    let longer = world
        .import_bucket_finding("S3.2", "phi-public-read-archive", ACCOUNT, "NEW", None)
        .await;
    let foreign = world
        .import_bucket_finding("S3.2", "phi-public-read", "210987654321", "NEW", None)
        .await;
    let other_rule = world
        .import_bucket_finding("S3.5", "phi-public-read", ACCOUNT, "NEW", None)
        .await;

    let f = world.function().await;
    f.handle(fixture_for_bucket("cloudtrail-put-bucket-acl.json", "phi-public-read"))
        .await
        .expect("handler");
    f.handle(fixture_for_bucket("cloudtrail-put-bucket-acl.json", "vendor-share"))
        .await
        .expect("handler");
    let app = world.notifier_with_security_hub().await;
    world.drain_notices(&q, &app, PATIENCE).await;

    let fix = world.ledger_for(&bucket_arn("phi-public-read")).await;
    assert_eq!(fix.len(), 1);
    assert_eq!(fix[0].outcome, Outcome::Fixed);
    let ex = world.ledger_for(&bucket_arn("vendor-share")).await;
    assert_eq!(ex[0].outcome, Outcome::Exempt);

    let now = world.finding(&fixed).await;
    assert_eq!(now.status, "RESOLVED");
    assert!(now.note.as_deref().unwrap_or_default().contains(&fix[0].id), "{now:?}");
    assert_eq!(now.note_by.as_deref(), Some("hipaa-autofix"));
    let now = world.finding(&exempt).await;
    assert_eq!(now.status, "SUPPRESSED");
    let note = now.note.unwrap_or_default();
    for part in ["vendor review", "2027-01-31", ex[0].id.as_str()] {
        assert!(note.contains(part), "{part:?} missing from the note {note:?}");
    }
    for id in [&longer, &foreign, &other_rule] {
        assert_eq!(world.finding(id).await.status, "NEW", "{id}");
    }

    // The exact calls: one per notice, naming only its own finding.
    let calls = finding_updates(&world).await;
    let expect = |id: &str, status: &str, ledger: &str| {
        serde_json::json!({
            "FindingIdentifiers": [{"Id": id, "ProductArn": PRODUCT_ARN}],
            "Workflow": {"Status": status},
            "Note": {"UpdatedBy": "hipaa-autofix", "Text": ledger},
        })
    };
    assert_eq!(calls.len(), 2, "{calls:#?}");
    for (call, want) in calls.iter().zip([
        expect(&fixed, "RESOLVED", &fix[0].id),
        expect(&exempt, "SUPPRESSED", &ex[0].id),
    ]) {
        assert_eq!(call["FindingIdentifiers"], want["FindingIdentifiers"], "{call:#}");
        assert_eq!(call["Workflow"], want["Workflow"], "{call:#}");
        assert_eq!(call["Note"]["UpdatedBy"], want["Note"]["UpdatedBy"], "{call:#}");
        let text = call["Note"]["Text"].as_str().unwrap_or_default();
        assert!(text.contains(want["Note"]["Text"].as_str().unwrap()), "{call:#}");
    }
}

#[tokio::test]
async fn when_the_exemption_ends_our_suppression_goes_back_to_new_and_a_persons_stays() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    world.enable_security_hub().await;
    world.public_read_bucket("vendor-share").await;
    world.set_mode("s3-bucket-public-access", policy::Mode::Notify).await;
    let ours = world
        .import_bucket_finding("S3.2", "vendor-share", ACCOUNT, "SUPPRESSED", Some("hipaa-autofix"))
        .await;
    let theirs = world
        .import_bucket_finding("S3.8", "vendor-share", ACCOUNT, "SUPPRESSED", Some("security-team"))
        .await;

    // No exemption holds any more (it was removed, or it expired): the violation is
    // reported again, in notify mode.
    world
        .function()
        .await
        .handle(fixture_for_bucket("cloudtrail-put-bucket-acl.json", "vendor-share"))
        .await
        .expect("handler");
    let app = world.notifier_with_security_hub().await;
    world.drain_notices(&q, &app, PATIENCE).await;

    let rec = world.ledger_for(&bucket_arn("vendor-share")).await;
    assert_eq!(rec[0].outcome, Outcome::Notified);
    let now = world.finding(&ours).await;
    assert_eq!(now.status, "NEW");
    assert!(now.note.unwrap_or_default().contains(&rec[0].id));
    let now = world.finding(&theirs).await;
    assert_eq!(now.status, "SUPPRESSED", "a person's suppression is theirs to lift");
    assert_eq!(now.note_by.as_deref(), Some("security-team"));
    assert_eq!(finding_updates(&world).await.len(), 1);
}

#[tokio::test]
async fn with_the_integration_off_no_finding_is_touched() {
    let mut world = World::new().await;
    let q = world.notice_queues(VISIBILITY).await;
    world.enable_security_hub().await;
    world.public_read_bucket("phi-public-read").await;
    let id = world
        .import_bucket_finding("S3.2", "phi-public-read", ACCOUNT, "NEW", None)
        .await;
    world
        .function()
        .await
        .handle(fixture("cloudtrail-put-bucket-acl.json"))
        .await
        .expect("handler");
    let app = world.notifier().await;
    assert!(app.findings.is_none());
    world.drain_notices(&q, &app, PATIENCE).await;
    assert!(!world.has_public_grant("phi-public-read").await);
    assert_eq!(world.finding(&id).await.status, "NEW");
    assert!(finding_updates(&world).await.is_empty());
}
