//! The `s3-data-protection` function, through its real Lambda handler, against moto
//! and a local Slack receiver: each of its five rules fixed and verified, in notify
//! mode, exempt by tag, undone to the exact before-state, the same event three
//! times (one change), and a bucket deleted meanwhile. Each test turns the
//! family's other rules off, so it sees one rule's work.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_s3::types::{
    BucketVersioningStatus, ObjectOwnership, OwnershipControls, OwnershipControlsRule, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use harness::{EXEMPT_TAG, World, bucket_arn, fixture_for_bucket};
use policy::{LedgerRecord, Outcome};
use serde_json::json;

const FAMILY: &str = "s3-data-protection";
const LOG_BUCKET: &str = "central-access-logs";

#[derive(Clone, Copy, Debug)]
enum Case {
    Encryption,
    Tls,
    Versioning,
    Logging,
    Acls,
}

const ALL: [Case; 5] = [Case::Encryption, Case::Tls, Case::Versioning, Case::Logging, Case::Acls];

/// A partner statement, pretty-printed: kept byte for byte by the TLS merge.
const PARTNER_POLICY: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"Partner\",\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"},\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"arn:aws:s3:::BUCKET/*\"\n    }\n  ]\n}";

impl Case {
    fn rule(self) -> &'static str {
        match self {
            Case::Encryption => "s3-bucket-default-encryption",
            Case::Tls => "s3-bucket-ssl-requests-only",
            Case::Versioning => "s3-bucket-versioning",
            Case::Logging => "s3-bucket-access-logging",
            Case::Acls => "s3-bucket-acls-disabled",
        }
    }
    fn fixture(self) -> &'static str {
        match self {
            Case::Encryption => "cloudtrail-put-bucket-encryption.json",
            Case::Tls => "cloudtrail-put-bucket-policy.json",
            Case::Versioning => "cloudtrail-put-bucket-versioning.json",
            Case::Logging => "cloudtrail-put-bucket-logging.json",
            Case::Acls => "cloudtrail-put-bucket-ownership-controls.json",
        }
    }

    /// A world whose function runs this rule only, in `mode`.
    async fn world(self, mode: &str) -> World {
        let mut w = World::for_family(FAMILY).await;
        for c in ALL {
            let var = adapters::config::mode_var(c.rule());
            w.env
                .insert(var, if c.rule() == self.rule() { mode } else { "off" }.into());
        }
        w.env.insert("ACCESS_LOG_BUCKET".into(), LOG_BUCKET.into());
        if let Case::Logging = self {
            w.create_bucket(LOG_BUCKET).await;
            w.put_policy(
                LOG_BUCKET,
                &json!({"Version": "2012-10-17", "Statement": [{"Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                    "Resource": format!("arn:aws:s3:::{LOG_BUCKET}/*"),
                    "Condition": {"StringEquals": {"aws:SourceAccount": harness::ACCOUNT}}}]}),
            )
            .await;
        }
        w
    }

    /// A bucket that violates the rule, in a state its undo restores exactly.
    async fn seed(self, w: &World, bucket: &str) {
        w.create_bucket(bucket).await;
        match self {
            Case::Encryption => {
                let rule = ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::Aes256)
                            .build()
                            .unwrap(),
                    )
                    .bucket_key_enabled(false)
                    .build();
                w.s3.put_bucket_encryption()
                    .bucket(bucket)
                    .server_side_encryption_configuration(
                        ServerSideEncryptionConfiguration::builder()
                            .rules(rule)
                            .build()
                            .unwrap(),
                    )
                    .send()
                    .await
                    .unwrap();
            }
            Case::Tls => {
                w.s3.put_bucket_policy()
                    .bucket(bucket)
                    .policy(PARTNER_POLICY.replace("BUCKET", bucket))
                    .send()
                    .await
                    .unwrap();
            }
            Case::Versioning => {
                w.s3.put_bucket_versioning()
                    .bucket(bucket)
                    .versioning_configuration(
                        VersioningConfiguration::builder()
                            .status(BucketVersioningStatus::Suspended)
                            .build(),
                    )
                    .send()
                    .await
                    .unwrap();
            }
            Case::Logging => {}
            Case::Acls => {
                w.s3.put_bucket_ownership_controls()
                    .bucket(bucket)
                    .ownership_controls(
                        OwnershipControls::builder()
                            .rules(
                                OwnershipControlsRule::builder()
                                    .object_ownership(ObjectOwnership::ObjectWriter)
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .send()
                    .await
                    .unwrap();
            }
        }
    }

    /// The facet the rule judges, as S3 returns it (text, for exact comparison).
    async fn state(self, w: &World, bucket: &str) -> String {
        match self {
            Case::Encryption => match w.s3.get_bucket_encryption().bucket(bucket).send().await {
                Ok(o) => format!("{:?}", o.server_side_encryption_configuration()),
                Err(e) => format!("none: {:?}", e.into_service_error().meta().code()),
            },
            Case::Tls => {
                w.s3.get_bucket_policy()
                    .bucket(bucket)
                    .send()
                    .await
                    .ok()
                    .and_then(|o| o.policy().map(str::to_owned))
                    .unwrap_or_default()
            }
            Case::Versioning => {
                let o = w.s3.get_bucket_versioning().bucket(bucket).send().await.unwrap();
                format!("{:?}", o.status())
            }
            Case::Logging => {
                let o = w.s3.get_bucket_logging().bucket(bucket).send().await.unwrap();
                format!("{:?}", o.logging_enabled())
            }
            Case::Acls => match w.s3.get_bucket_ownership_controls().bucket(bucket).send().await {
                Ok(o) => format!("{:?}", o.ownership_controls()),
                Err(e) => format!("none: {:?}", e.into_service_error().meta().code()),
            },
        }
    }

    /// Whether the rule is satisfied, read back from moto.
    async fn holds(self, w: &World, bucket: &str) -> bool {
        let s = self.state(w, bucket).await;
        match self {
            Case::Encryption => s.contains("AwsKms") && s.contains("bucket_key_enabled: Some(true)"),
            Case::Tls => s.contains("HipaaAutofixDenyInsecureTransport") && s.contains("aws:SecureTransport"),
            Case::Versioning => s == "Some(Enabled)",
            Case::Logging => s.contains(LOG_BUCKET) && s.contains(&format!("\"{bucket}/\"")),
            Case::Acls => s.contains("BucketOwnerEnforced"),
        }
    }
}

async fn records(w: &World, bucket: &str) -> Vec<LedgerRecord> {
    w.ledger_for(&bucket_arn(bucket)).await
}

async fn fixed_and_verified(case: Case) {
    let bucket = format!("phi-fix-{}", case.rule().trim_start_matches("s3-bucket-"));
    let w = case.world("auto").await;
    case.seed(&w, &bucket).await;
    assert!(!case.holds(&w, &bucket).await, "{case:?}: the seed already complies");
    let f = w.function().await;
    f.handle(fixture_for_bucket(case.fixture(), &bucket))
        .await
        .expect("handler");
    assert!(
        case.holds(&w, &bucket).await,
        "{case:?}: {}",
        case.state(&w, &bucket).await
    );
    let recs = records(&w, &bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(
        (recs[0].outcome, recs[0].verified),
        (Outcome::Fixed, true),
        "{:#?}",
        recs[0]
    );
    assert_eq!(recs[0].rule, case.rule());
    assert_eq!(w.slack.posts_mentioning(&bucket).await.len(), 1);
    if let Case::Tls = case {
        // Every other statement byte for byte: the partner statement's text is intact.
        let text = case.state(&w, &bucket).await;
        let partner = PARTNER_POLICY.replace("BUCKET", &bucket);
        let kept = &partner[..partner.rfind(']').unwrap()];
        assert!(text.starts_with(kept.trim_end()), "{text}");
    }
}

async fn notify_mode_changes_nothing(case: Case) {
    let bucket = format!("phi-notify-{}", case.rule().trim_start_matches("s3-bucket-"));
    let w = case.world("notify").await;
    case.seed(&w, &bucket).await;
    let before = case.state(&w, &bucket).await;
    w.function()
        .await
        .handle(fixture_for_bucket(case.fixture(), &bucket))
        .await
        .expect("handler");
    assert_eq!(case.state(&w, &bucket).await, before);
    let recs = records(&w, &bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Notified, "{:#?}", recs[0]);
    assert!(!recs[0].actions.is_empty(), "the notice shows the plan");
}

async fn exempt_by_tag(case: Case) {
    let bucket = format!("phi-exempt-{}", case.rule().trim_start_matches("s3-bucket-"));
    let w = case.world("auto").await;
    case.seed(&w, &bucket).await;
    w.tag(&bucket, EXEMPT_TAG, "legacy archive").await;
    let before = case.state(&w, &bucket).await;
    w.function()
        .await
        .handle(fixture_for_bucket(case.fixture(), &bucket))
        .await
        .expect("handler");
    assert_eq!(case.state(&w, &bucket).await, before);
    let recs = records(&w, &bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Exempt, "{:#?}", recs[0]);
}

async fn undo_restores_the_exact_before_state(case: Case) {
    let bucket = format!("phi-undo-{}", case.rule().trim_start_matches("s3-bucket-"));
    let w = case.world("auto").await;
    case.seed(&w, &bucket).await;
    let before = case.state(&w, &bucket).await;
    let mut f = w.function().await;
    f.handle(fixture_for_bucket(case.fixture(), &bucket))
        .await
        .expect("handler");
    assert!(case.holds(&w, &bucket).await);
    let rec = records(&w, &bucket).await.remove(0);
    // An admin's undo acts in the caller's account (the CLI and Slack set it so).
    f.app.opts.accounts = policy::AccountScope::own(harness::ACCOUNT).unwrap();
    let d = f.app.executor().undo(&rec, "test").await.expect("undo");
    assert_eq!(d.outcome, Outcome::Undone, "{d:#?}");
    assert_eq!(case.state(&w, &bucket).await, before, "{case:?}");
}

async fn the_same_event_three_times_is_one_change(case: Case) {
    let bucket = format!("phi-thrice-{}", case.rule().trim_start_matches("s3-bucket-"));
    let w = case.world("auto").await;
    case.seed(&w, &bucket).await;
    let f = w.function().await;
    let ev = fixture_for_bucket(case.fixture(), &bucket);
    for _ in 0..3 {
        f.handle(ev.clone()).await.expect("handler");
    }
    assert!(case.holds(&w, &bucket).await);
    let recs = records(&w, &bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);
    assert_eq!(w.slack.posts_mentioning(&bucket).await.len(), 1);
}

async fn a_bucket_deleted_meanwhile_is_a_quiet_no_op(case: Case) {
    let bucket = format!("phi-gone-{}", case.rule().trim_start_matches("s3-bucket-"));
    let w = case.world("auto").await;
    case.seed(&w, &bucket).await;
    w.delete_bucket(&bucket).await;
    w.function()
        .await
        .handle(fixture_for_bucket(case.fixture(), &bucket))
        .await
        .expect("handler");
    assert!(records(&w, &bucket).await.is_empty());
    assert!(w.slack.posts_mentioning(&bucket).await.is_empty());
}

macro_rules! each_rule {
    ($($case:ident => $name:ident;)+) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test]
                async fn fixed_and_verified() {
                    super::fixed_and_verified(Case::$case).await
                }
                #[tokio::test]
                async fn notify_mode_changes_nothing() {
                    super::notify_mode_changes_nothing(Case::$case).await
                }
                #[tokio::test]
                async fn exempt_by_tag() {
                    super::exempt_by_tag(Case::$case).await
                }
                #[tokio::test]
                async fn undo_restores_the_exact_before_state() {
                    super::undo_restores_the_exact_before_state(Case::$case).await
                }
                #[tokio::test]
                async fn the_same_event_three_times_is_one_change() {
                    super::the_same_event_three_times_is_one_change(Case::$case).await
                }
                #[tokio::test]
                async fn a_bucket_deleted_meanwhile_is_a_quiet_no_op() {
                    super::a_bucket_deleted_meanwhile_is_a_quiet_no_op(Case::$case).await
                }
            }
        )+
    };
}

each_rule! {
    Encryption => default_encryption;
    Tls => ssl_requests_only;
    Versioning => versioning;
    Logging => access_logging;
    Acls => acls_disabled;
}

#[tokio::test]
async fn a_bucket_receiving_cloudfront_logs_keeps_its_acls_and_the_notice_says_why() {
    use aws_sdk_s3::types::{AccessControlPolicy, Grant, Grantee, Permission, Type};
    let bucket = "phi-cloudfront-logs";
    let w = Case::Acls.world("auto").await;
    Case::Acls.seed(&w, bucket).await;
    let acl = w.s3.get_bucket_acl().bucket(bucket).send().await.unwrap();
    let mut grants = acl.grants().to_vec();
    grants.push(
        Grant::builder()
            .grantee(
                Grantee::builder()
                    .r#type(Type::CanonicalUser)
                    .id(policy::rules::s3_bucket_acls_disabled::CLOUDFRONT_LOGS_CANONICAL_ID)
                    .build()
                    .unwrap(),
            )
            .permission(Permission::FullControl)
            .build(),
    );
    w.s3.put_bucket_acl()
        .bucket(bucket)
        .access_control_policy(
            AccessControlPolicy::builder()
                .owner(acl.owner().cloned().unwrap())
                .set_grants(Some(grants))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let before = Case::Acls.state(&w, bucket).await;
    w.function()
        .await
        .handle(fixture_for_bucket(Case::Acls.fixture(), bucket))
        .await
        .expect("handler");
    assert_eq!(Case::Acls.state(&w, bucket).await, before, "ACLs were disabled");
    let recs = records(&w, bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Notified, "{:#?}", recs[0]);
    assert!(
        recs[0].notes.iter().any(|n| n.contains("CloudFront")),
        "{:#?}",
        recs[0].notes
    );
    let posts = w.slack.posts_mentioning(bucket).await;
    assert_eq!(posts.len(), 1);
    assert!(posts[0].to_string().contains("CloudFront"), "{:#}", posts[0]);
}

#[tokio::test]
async fn a_public_bucket_without_tls_gets_both_policy_edits_in_one_event() {
    let bucket = "phi-public-no-tls";
    let w = Case::Tls.world("auto").await;
    w.create_bucket(bucket).await;
    let partner = json!({"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")});
    w.put_policy(
        bucket,
        &json!({"Version": "2012-10-17", "Statement": [harness::public_read_statement(bucket), partner.clone()]}),
    )
    .await;
    let mut f = w.function().await;
    // Both families' bucket rules in one executor, as `autofix fix` runs them.
    f.app.rules = policy::rules::all()
        .into_iter()
        .filter(|r| ["s3-bucket-public-access", "s3-bucket-ssl-requests-only"].contains(&r.id()))
        .collect();
    f.handle(fixture_for_bucket("cloudtrail-put-bucket-policy.json", bucket))
        .await
        .expect("handler");
    let policy = w.policy(bucket).await.unwrap();
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .collect();
    assert_eq!(sids, ["Partner", "HipaaAutofixDenyInsecureTransport"], "{policy:#}");
    assert_eq!(policy["Statement"][0], partner);
    let mut rules: Vec<String> = records(&w, bucket).await.into_iter().map(|r| r.rule).collect();
    rules.sort();
    assert_eq!(rules, ["s3-bucket-public-access", "s3-bucket-ssl-requests-only"]);
}

#[tokio::test]
async fn a_log_bucket_that_is_not_ready_fails_the_fix_naming_the_statement_to_add() {
    let bucket = "phi-log-target-not-ready";
    let mut w = Case::Logging.world("auto").await;
    w.create_bucket("logs-without-policy").await;
    w.env.insert("ACCESS_LOG_BUCKET".into(), "logs-without-policy".into());
    Case::Logging.seed(&w, bucket).await;
    let _ = w
        .function()
        .await
        .handle(fixture_for_bucket(Case::Logging.fixture(), bucket))
        .await;
    let recs = records(&w, bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Failed, "{:#?}", recs[0]);
    let error = recs[0].error.clone().unwrap_or_default();
    assert!(
        error.contains("logging.s3.amazonaws.com") && error.contains("arn:aws:s3:::logs-without-policy/*"),
        "{error}"
    );
    assert_eq!(Case::Logging.state(&w, bucket).await, "None");
}

// --- s3-bucket-versioning with S3VersioningNoncurrentDays --------------------

/// The bucket's lifecycle rules as S3 returns them (their debug text, for exact
/// comparison), or `None` without a configuration.
async fn lifecycle_rules(w: &World, bucket: &str) -> Option<Vec<String>> {
    match w.s3.get_bucket_lifecycle_configuration().bucket(bucket).send().await {
        Ok(o) => Some(o.rules().iter().map(|r| format!("{r:?}")).collect()),
        Err(e) => {
            let code = e.into_service_error().meta().code().map(str::to_owned);
            assert_eq!(code.as_deref(), Some("NoSuchLifecycleConfiguration"));
            None
        }
    }
}

/// An owner's lifecycle rule the fix must keep exactly: a tag-and-prefix filter,
/// an expiration, a transition and aborting multipart uploads.
async fn put_unrelated_lifecycle_rule(w: &World, bucket: &str) {
    use aws_sdk_s3::types::{
        AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus, LifecycleExpiration,
        LifecycleRule, LifecycleRuleAndOperator, LifecycleRuleFilter, Tag, Transition, TransitionStorageClass,
    };
    let rule = LifecycleRule::builder()
        .id("archive-logs")
        .status(ExpirationStatus::Enabled)
        .filter(
            LifecycleRuleFilter::builder()
                .and(
                    LifecycleRuleAndOperator::builder()
                        .prefix("logs/")
                        .tags(Tag::builder().key("class").value("log").build().unwrap())
                        .build(),
                )
                .build(),
        )
        .expiration(LifecycleExpiration::builder().days(365).build())
        .transitions(
            Transition::builder()
                .days(30)
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        )
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(7)
                .build(),
        )
        .build()
        .unwrap();
    w.s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(rule).build().unwrap())
        .send()
        .await
        .unwrap();
}

/// The versioning rule alone, in auto mode, with `S3VersioningNoncurrentDays` = `days`.
async fn versioning_world(days: Option<&str>) -> World {
    let mut w = Case::Versioning.world("auto").await;
    if let Some(d) = days {
        w.env.insert("S3_VERSIONING_NONCURRENT_DAYS".into(), d.into());
    }
    w
}

fn lifecycle_calls(c: &harness::RequestCounts) -> Vec<String> {
    c.by_operation
        .keys()
        .filter(|op| op.starts_with("s3:") && op.contains("lifecycle"))
        .cloned()
        .collect()
}

#[tokio::test]
async fn noncurrent_days_adds_our_lifecycle_rule_beside_an_unrelated_one_and_undo_restores_the_exact_before_state() {
    let bucket = "phi-versions-expire";
    let w = versioning_world(Some("30")).await;
    Case::Versioning.seed(&w, bucket).await;
    put_unrelated_lifecycle_rule(&w, bucket).await;
    let before = (
        Case::Versioning.state(&w, bucket).await,
        lifecycle_rules(&w, bucket).await,
    );
    let mut f = w.function().await;
    f.handle(fixture_for_bucket(Case::Versioning.fixture(), bucket))
        .await
        .expect("handler");

    assert!(Case::Versioning.holds(&w, bucket).await);
    let rules = lifecycle_rules(&w, bucket).await.expect("a lifecycle configuration");
    let kept = before.1.clone().unwrap();
    assert_eq!(rules.len(), 2, "{rules:#?}");
    assert_eq!(rules[0], kept[0], "the owner's rule is kept exactly");
    assert!(
        rules[1].contains("hipaa-autofix-noncurrent-versions") && rules[1].contains("noncurrent_days: Some(30)"),
        "{}",
        rules[1]
    );
    let recs = records(&w, bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(
        (recs[0].outcome, recs[0].verified),
        (Outcome::Fixed, true),
        "{:#?}",
        recs[0]
    );
    let names: Vec<&str> = recs[0].actions.iter().map(|a| a.name()).collect();
    assert_eq!(names, ["PutBucketVersioning", "PutBucketLifecycleRule"]);

    f.app.opts.accounts = policy::AccountScope::own(harness::ACCOUNT).unwrap();
    let d = f.app.executor().undo(&recs[0], "test").await.expect("undo");
    assert_eq!(d.outcome, Outcome::Undone, "{d:#?}");
    let after = (
        Case::Versioning.state(&w, bucket).await,
        lifecycle_rules(&w, bucket).await,
    );
    assert_eq!(after, before);
}

#[tokio::test]
async fn noncurrent_days_on_a_bucket_without_lifecycle_creates_it_and_undo_deletes_it() {
    let bucket = "phi-versions-no-lifecycle";
    let w = versioning_world(Some("90")).await;
    Case::Versioning.seed(&w, bucket).await;
    let mut f = w.function().await;
    let ev = fixture_for_bucket(Case::Versioning.fixture(), bucket);
    // At least once: the same event again is no second change.
    for _ in 0..2 {
        f.handle(ev.clone()).await.expect("handler");
    }
    let rules = lifecycle_rules(&w, bucket).await.expect("a lifecycle configuration");
    assert_eq!(rules.len(), 1, "{rules:#?}");
    assert!(rules[0].contains("noncurrent_days: Some(90)"), "{}", rules[0]);
    let recs = records(&w, bucket).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    f.app.opts.accounts = policy::AccountScope::own(harness::ACCOUNT).unwrap();
    let d = f.app.executor().undo(&recs[0], "test").await.expect("undo");
    assert_eq!(d.outcome, Outcome::Undone, "{d:#?}");
    assert_eq!(lifecycle_rules(&w, bucket).await, None, "ours was the only rule");
}

#[tokio::test]
async fn an_owners_noncurrent_expiry_is_left_alone_whatever_its_days() {
    use aws_sdk_s3::types::{
        BucketLifecycleConfiguration, ExpirationStatus, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    };
    let bucket = "phi-versions-owner-expiry";
    let w = versioning_world(Some("30")).await;
    Case::Versioning.seed(&w, bucket).await;
    let rule = LifecycleRule::builder()
        .id("keep-a-year")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("records/").build())
        .noncurrent_version_expiration(NoncurrentVersionExpiration::builder().noncurrent_days(365).build())
        .build()
        .unwrap();
    w.s3.put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(BucketLifecycleConfiguration::builder().rules(rule).build().unwrap())
        .send()
        .await
        .unwrap();
    let before = lifecycle_rules(&w, bucket).await;
    w.function()
        .await
        .handle(fixture_for_bucket(Case::Versioning.fixture(), bucket))
        .await
        .expect("handler");
    assert!(Case::Versioning.holds(&w, bucket).await);
    assert_eq!(lifecycle_rules(&w, bucket).await, before);
    let names: Vec<String> = records(&w, bucket).await[0]
        .actions
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    assert_eq!(names, ["PutBucketVersioning"]);
}

#[tokio::test]
async fn with_noncurrent_days_off_no_lifecycle_call_is_made() {
    for (days, bucket) in [
        (None, "phi-versions-param-unset"),
        (Some("0"), "phi-versions-param-zero"),
    ] {
        let w = versioning_world(days).await;
        Case::Versioning.seed(&w, bucket).await;
        put_unrelated_lifecycle_rule(&w, bucket).await;
        w.moto.reset_requests().await.unwrap();
        w.function()
            .await
            .handle(fixture_for_bucket(Case::Versioning.fixture(), bucket))
            .await
            .expect("handler");
        assert!(Case::Versioning.holds(&w, bucket).await);
        let calls = w.moto.requests().await.unwrap();
        assert!(calls.service("s3") > 0, "{calls:#?}");
        assert_eq!(lifecycle_calls(&calls), Vec::<String>::new(), "{days:?}");
    }
    // The same with the parameter on does call it (so the count above can see a call).
    let w = versioning_world(Some("30")).await;
    Case::Versioning.seed(&w, "phi-versions-param-on").await;
    w.moto.reset_requests().await.unwrap();
    w.function()
        .await
        .handle(fixture_for_bucket(Case::Versioning.fixture(), "phi-versions-param-on"))
        .await
        .expect("handler");
    let calls = lifecycle_calls(&w.moto.requests().await.unwrap());
    assert!(calls.contains(&"s3:GET lifecycle".to_string()), "{calls:?}");
    assert!(calls.contains(&"s3:PUT lifecycle".to_string()), "{calls:?}");
}
