//! The `audit-trail` function (CloudTrail and the AWS Config recorder) through its
//! real Lambda handler, against moto and a local Slack receiver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_cloudtrail::Client as CloudTrail;
use harness::{ACCOUNT, REGION, World, fixture, scheduled_event};
use policy::kinds::ResourceKind;
use policy::{LedgerRecord, Mode, Outcome, Plan, ResourceRef};
use serde_json::Value;

const FAMILY: &str = "audit-trail";
const ENABLED: &str = "cloudtrail-enabled";
const VALIDATION: &str = "cloudtrail-log-file-validation";
const ENCRYPTION: &str = "cloudtrail-encryption";
const RECORDER: &str = "config-recorder-on";
const CLOUDWATCH_LOGS: &str = "cloudtrail-cloudwatch-logs";
const TRAIL: &str = "org-audit";
const BUCKET: &str = "org-audit-trail-logs";
/// The function's own role, as the loop-guard fixture names it.
const OWN_ROLE: &str = "arn:aws:iam::123456789012:role/hipaa-autofix-audit-trail";

async fn world() -> World {
    let mut w = World::for_family(FAMILY).await;
    w.env.insert("OWN_ROLE_ARNS".into(), OWN_ROLE.into());
    w.create_bucket(BUCKET).await;
    w
}

/// The function, with stand-ins for the calls moto lacks (see [`harness::MotoGaps`]).
async fn function(w: &World) -> harness::Function {
    let mut f = w.function().await;
    harness::MotoGaps::install(&mut f, &w.sdk, Default::default());
    f
}

fn cloudtrail(w: &World) -> CloudTrail {
    CloudTrail::new(&w.sdk)
}

/// A multi-region trail of this account, not logging, without validation or a key.
async fn seed_trail(w: &World, multi_region: bool) {
    cloudtrail(w)
        .create_trail()
        .name(TRAIL)
        .s3_bucket_name(BUCKET)
        .is_multi_region_trail(multi_region)
        .include_global_service_events(true)
        .send()
        .await
        .expect("CreateTrail");
}

async fn logging(w: &World, name: &str) -> bool {
    cloudtrail(w)
        .get_trail_status()
        .name(name)
        .send()
        .await
        .expect("GetTrailStatus")
        .is_logging()
        .unwrap_or(false)
}

async fn trail(w: &World, name: &str) -> Option<aws_sdk_cloudtrail::types::Trail> {
    cloudtrail(w)
        .describe_trails()
        .send()
        .await
        .expect("DescribeTrails")
        .trail_list()
        .iter()
        .find(|t| t.name() == Some(name))
        .cloned()
}

fn event(name: &str, id: &str) -> Value {
    let mut v = fixture(name);
    v["id"] = Value::from(id);
    v
}

async fn records(w: &World, rule: &str) -> Vec<LedgerRecord> {
    w.ledger().await.into_iter().filter(|r| r.rule == rule).collect()
}

/// Apply the undo of the one fixed record of `rule` through the function's own remediator.
async fn undo(w: &World, f: &harness::Function, rule: &str, r: &ResourceRef) {
    let recs = records(w, rule).await;
    let rec = recs
        .iter()
        .find(|r| r.outcome == Outcome::Fixed)
        .unwrap_or_else(|| panic!("no fixed record: {recs:#?}"));
    let plan = Plan::of(rec.actions.clone()).undo().expect("reversible");
    for a in &plan.actions {
        f.app.ports.remediator.apply(r, a).await.expect("undo action");
    }
}

fn account_ref() -> ResourceRef {
    ResourceRef::of(ResourceKind::CloudTrailAccount, "", ACCOUNT, REGION)
}

fn trail_ref() -> ResourceRef {
    ResourceRef::of(ResourceKind::CloudTrailTrail, TRAIL, ACCOUNT, REGION)
}

#[tokio::test]
async fn a_stopped_trail_is_started_loudly_with_who_stopped_it_and_undo_stops_it() {
    let w = world().await;
    seed_trail(&w, true).await;
    assert!(!logging(&w, TRAIL).await);
    let f = function(&w).await;

    f.handle(event("cloudtrail-stop-logging.json", "ev-stop"))
        .await
        .expect("handler");

    assert!(logging(&w, TRAIL).await, "the trail logs again");
    let recs = records(&w, ENABLED).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);
    assert!(recs[0].verified);
    // Loud: @here, who turned it off, from where, with what.
    let posts = w.slack.posts().await;
    let text = posts.iter().map(Value::to_string).collect::<String>();
    assert!(text.contains("<!here>"), "{text}");
    assert!(text.contains("203.0.113.42"), "source IP missing: {text}");
    assert!(text.contains("aws-cli/2.17.20"), "user agent missing: {text}");
    assert!(text.contains("sam.admin@example.com"), "actor missing: {text}");

    undo(&w, &f, ENABLED, &account_ref()).await;
    assert!(!logging(&w, TRAIL).await, "undo stops it again");
}

#[tokio::test]
async fn replaying_the_stop_logging_event_three_times_fixes_once() {
    let w = world().await;
    seed_trail(&w, true).await;
    let f = function(&w).await;
    for _ in 0..3 {
        f.handle(event("cloudtrail-stop-logging.json", "ev-replayed"))
            .await
            .expect("handler");
    }
    assert!(logging(&w, TRAIL).await);
    let fixed = records(&w, ENABLED)
        .await
        .into_iter()
        .filter(|r| r.outcome == Outcome::Fixed)
        .count();
    assert_eq!(fixed, 1, "one fix for one event, however often it arrives");
}

#[tokio::test]
async fn in_notify_mode_the_trail_stays_stopped_but_the_notice_is_still_loud() {
    let w = world().await;
    seed_trail(&w, true).await;
    w.set_mode(ENABLED, Mode::Notify).await;
    let f = function(&w).await;

    f.handle(event("cloudtrail-stop-logging.json", "ev-notify"))
        .await
        .expect("handler");

    assert!(!logging(&w, TRAIL).await, "notify changes nothing");
    let text = w.slack.posts().await.iter().map(Value::to_string).collect::<String>();
    assert!(text.contains("<!here>") && text.contains("203.0.113.42"), "{text}");
}

/// The loop guard: the stack's own `StartLogging` and `UpdateTrail` (the calls its
/// fixes make) come back as CloudTrail events naming its role, and are ignored.
#[tokio::test]
async fn the_stacks_own_start_logging_and_update_trail_do_not_retrigger_the_function() {
    let w = world().await;
    seed_trail(&w, true).await;
    let f = function(&w).await;

    f.handle(event("cloudtrail-start-logging-by-autofix-role.json", "ev-own"))
        .await
        .expect("handler");
    // The same role's UpdateTrail (as its validation and encryption fixes make).
    let mut update = event("cloudtrail-start-logging-by-autofix-role.json", "ev-own-update");
    update["detail"]["eventName"] = Value::from("UpdateTrail");
    update["detail"]["requestParameters"] = serde_json::json!({"name": TRAIL, "enableLogFileValidation": true});
    f.handle(update).await.expect("handler");

    assert!(!logging(&w, TRAIL).await, "an event of our own role is ignored");
    let t = trail(&w, TRAIL).await.expect("the trail");
    assert_eq!(t.log_file_validation_enabled(), Some(false), "and changes nothing");
    let recs = w.ledger().await;
    assert!(recs.iter().all(|r| r.outcome != Outcome::Fixed), "{recs:#?}");
    assert!(w.slack.posts().await.is_empty());
}

#[tokio::test]
async fn with_no_trail_at_all_the_stacks_trail_is_created_logging_everywhere_and_undo_deletes_it() {
    let mut w = world().await;
    w.env.insert("TRAIL_BUCKET".into(), BUCKET.into());
    w.env.insert("TRAIL_NAME".into(), "hipaa-autofix-trail".into());
    let f = function(&w).await;

    f.handle(scheduled_event("sweep-no-trail")).await.expect("handler");

    let t = trail(&w, "hipaa-autofix-trail").await.expect("a trail was created");
    assert_eq!(t.is_multi_region_trail(), Some(true));
    assert_eq!(t.log_file_validation_enabled(), Some(true));
    assert_eq!(t.s3_bucket_name(), Some(BUCKET));
    assert!(logging(&w, "hipaa-autofix-trail").await);

    undo(&w, &f, ENABLED, &account_ref()).await;
    assert!(
        trail(&w, "hipaa-autofix-trail").await.is_none(),
        "undo deletes the created trail"
    );
}

#[tokio::test]
async fn a_one_region_trail_is_made_multi_region_rather_than_a_second_created() {
    let mut w = world().await;
    w.env.insert("TRAIL_BUCKET".into(), BUCKET.into());
    seed_trail(&w, false).await;
    let f = function(&w).await;

    f.handle(scheduled_event("sweep-one-region")).await.expect("handler");

    let t = trail(&w, TRAIL).await.expect("the trail");
    assert_eq!(t.is_multi_region_trail(), Some(true));
    assert!(logging(&w, TRAIL).await);
    let all = cloudtrail(&w).describe_trails().send().await.unwrap();
    assert_eq!(all.trail_list().len(), 1, "no second trail");
}

#[tokio::test]
async fn a_trail_without_validation_or_encryption_gets_both_and_undo_restores_it() {
    let mut w = world().await;
    seed_trail(&w, true).await;
    let key = trail_key(&w).await;
    w.env.insert("TRAIL_KMS_KEY_ARN".into(), key.clone());
    let f = function(&w).await;

    f.handle(event("cloudtrail-update-trail.json", "ev-update"))
        .await
        .expect("handler");

    let t = trail(&w, TRAIL).await.expect("the trail");
    assert_eq!(t.log_file_validation_enabled(), Some(true));
    assert_eq!(t.kms_key_id(), Some(key.as_str()));
    for rule in [VALIDATION, ENCRYPTION] {
        let recs = records(&w, rule).await;
        assert!(
            recs.iter().any(|r| r.outcome == Outcome::Fixed && r.verified),
            "{rule}: {recs:#?}"
        );
    }

    undo(&w, &f, VALIDATION, &trail_ref()).await;
    undo(&w, &f, ENCRYPTION, &trail_ref()).await;
    let t = trail(&w, TRAIL).await.expect("the trail");
    assert_eq!(t.log_file_validation_enabled(), Some(false));
    assert!(t.kms_key_id().is_none_or(str::is_empty), "{t:?}");
}

#[tokio::test]
async fn an_exempt_trail_keeps_its_settings() {
    let mut w = world().await;
    seed_trail(&w, true).await;
    let arn = trail(&w, TRAIL).await.unwrap().trail_arn().unwrap().to_string();
    cloudtrail(&w)
        .add_tags()
        .resource_id(&arn)
        .tags_list(
            aws_sdk_cloudtrail::types::Tag::builder()
                .key(harness::EXEMPT_TAG)
                .value("validated elsewhere")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("AddTags");
    w.env.insert("TRAIL_KMS_KEY_ARN".into(), trail_key(&w).await);
    let f = function(&w).await;

    f.handle(event("cloudtrail-update-trail.json", "ev-exempt"))
        .await
        .expect("handler");

    let t = trail(&w, TRAIL).await.unwrap();
    assert_eq!(
        t.log_file_validation_enabled(),
        Some(false),
        "an exempt trail is left alone"
    );
}

#[tokio::test]
async fn a_trail_deleted_meanwhile_is_a_quiet_no_op() {
    let w = world().await;
    let f = function(&w).await;
    f.handle(event("cloudtrail-update-trail.json", "ev-gone"))
        .await
        .expect("handler");
    for rule in [VALIDATION, ENCRYPTION] {
        assert!(records(&w, rule).await.iter().all(|r| r.outcome != Outcome::Fixed));
    }
}

/// `cloudtrail-cloudwatch-logs` through the real adapter on moto, which serves every
/// call it makes (`CreateLogGroup`, `PutRetentionPolicy`, `UpdateTrail` with the log
/// group and role, `DescribeTrails` reading them back): no stand-in. The log group is
/// created with `LogRetentionDays` rounded up to a retention CloudWatch Logs accepts;
/// undo puts back the trail's (absent) delivery and leaves the group.
#[tokio::test]
async fn a_trail_without_cloudwatch_logs_delivers_to_a_created_log_group_and_undo_restores_it() {
    const GROUP: &str = "aws-cloudtrail-logs-test";
    const ROLE: &str = "arn:aws:iam::123456789012:role/hipaa-autofix-trail-logs";
    let mut w = world().await;
    seed_trail(&w, true).await;
    w.env.insert("TRAIL_LOG_GROUP_NAME".into(), GROUP.into());
    w.env.insert("TRAIL_LOGS_ROLE_ARN".into(), ROLE.into());
    w.env.insert("LOG_RETENTION_DAYS".into(), "200".into());
    // Default mode notify (ingestion costs): this test wants the fix.
    w.set_mode(CLOUDWATCH_LOGS, Mode::Auto).await;
    let f = function(&w).await;

    f.handle(event("cloudtrail-update-trail.json", "ev-cwl"))
        .await
        .expect("handler");

    let t = trail(&w, TRAIL).await.expect("the trail");
    let group_arn = t.cloud_watch_logs_log_group_arn().unwrap_or_default().to_string();
    assert!(
        group_arn.starts_with(&format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}")),
        "{t:?}"
    );
    assert_eq!(t.cloud_watch_logs_role_arn(), Some(ROLE));
    let logs = aws_sdk_cloudwatchlogs::Client::new(&w.sdk);
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix(GROUP)
        .send()
        .await
        .expect("DescribeLogGroups");
    let g = groups.log_groups().first().expect("the log group was created");
    assert_eq!(g.retention_in_days(), Some(365), "200 days rounded up to 365");
    let recs = records(&w, CLOUDWATCH_LOGS).await;
    assert!(
        recs.iter().any(|r| r.outcome == Outcome::Fixed && r.verified),
        "{recs:#?}"
    );

    undo(&w, &f, CLOUDWATCH_LOGS, &trail_ref()).await;
    let t = trail(&w, TRAIL).await.expect("the trail");
    assert!(t.cloud_watch_logs_log_group_arn().is_none_or(str::is_empty), "{t:?}");
    assert!(t.cloud_watch_logs_role_arn().is_none_or(str::is_empty), "{t:?}");
    let left = logs
        .describe_log_groups()
        .log_group_name_prefix(GROUP)
        .send()
        .await
        .expect("DescribeLogGroups");
    assert_eq!(left.log_groups().len(), 1, "the group and its events stay");
}

/// A key whose policy lets CloudTrail encrypt this account's trails.
async fn trail_key(w: &World) -> String {
    w.trail_key().await
}

// -- the Config recorder -------------------------------------------------------

async fn seed_recorder(w: &World) -> aws_sdk_config::Client {
    let config = aws_sdk_config::Client::new(&w.sdk);
    config
        .put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/config-recorder"))
                .build(),
        )
        .send()
        .await
        .expect("PutConfigurationRecorder");
    config
        .put_delivery_channel()
        .delivery_channel(
            aws_sdk_config::types::DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name(BUCKET)
                .build(),
        )
        .send()
        .await
        .expect("PutDeliveryChannel");
    config
}

async fn recording(config: &aws_sdk_config::Client) -> bool {
    config
        .describe_configuration_recorder_status()
        .send()
        .await
        .expect("DescribeConfigurationRecorderStatus")
        .configuration_recorders_status()
        .iter()
        .any(|s| s.recording())
}

#[tokio::test]
async fn a_stopped_config_recorder_is_started_and_undo_stops_it() {
    let w = world().await;
    let config = seed_recorder(&w).await;
    assert!(!recording(&config).await);
    let f = function(&w).await;

    f.handle(event("cloudtrail-stop-configuration-recorder.json", "ev-recorder"))
        .await
        .expect("handler");

    assert!(recording(&config).await, "the recorder records again");
    undo(
        &w,
        &f,
        RECORDER,
        &ResourceRef::of(ResourceKind::ConfigRecorder, "", ACCOUNT, REGION),
    )
    .await;
    assert!(!recording(&config).await);
}

#[tokio::test]
async fn no_recorder_is_reported_and_none_is_created() {
    let w = world().await;
    let f = function(&w).await;
    f.handle(event("cloudtrail-stop-configuration-recorder.json", "ev-no-recorder"))
        .await
        .expect("handler");
    let config = aws_sdk_config::Client::new(&w.sdk);
    let out = config.describe_configuration_recorders().send().await.unwrap();
    assert!(out.configuration_recorders().is_empty(), "no recorder is created");
    assert!(records(&w, RECORDER).await.iter().all(|r| r.outcome != Outcome::Fixed));
}

// -- GuardDuty and Security Hub --------------------------------------------------

const GUARDDUTY: &str = "guardduty-enabled";
const SECURITYHUB: &str = "securityhub-enabled";

fn history(name: &str) -> policy::history::CallHistory {
    policy::history::CallHistory::of(vec![policy::history::RecordedCall {
        name: name.into(),
        time: chrono::Utc::now() - chrono::Duration::hours(1),
    }])
}

/// The function with CloudTrail's event history (which moto lacks) standing in as `h`.
async fn function_with_history(w: &World, h: policy::history::CallHistory) -> harness::Function {
    let mut f = w.function().await;
    harness::MotoGaps::install(&mut f, &w.sdk, h);
    f
}

async fn detectors(w: &World) -> Vec<(String, bool)> {
    let gd = aws_sdk_guardduty::Client::new(&w.sdk);
    let mut out = Vec::new();
    for id in gd.list_detectors().send().await.unwrap().detector_ids() {
        let d = gd.get_detector().detector_id(id).send().await.unwrap();
        out.push((
            id.clone(),
            d.status() == Some(&aws_sdk_guardduty::types::DetectorStatus::Enabled),
        ));
    }
    out
}

#[tokio::test]
async fn a_disabled_guardduty_detector_is_enabled_again_in_auto_mode() {
    let w = world().await;
    let gd = aws_sdk_guardduty::Client::new(&w.sdk);
    let id = gd
        .create_detector()
        .enable(false)
        .send()
        .await
        .unwrap()
        .detector_id()
        .unwrap()
        .to_string();
    w.set_mode(GUARDDUTY, Mode::Auto).await;
    let f = function(&w).await;

    f.handle(event("cloudtrail-delete-detector.json", "ev-gd"))
        .await
        .expect("handler");

    assert_eq!(detectors(&w).await, vec![(id, true)]);
}

#[tokio::test]
async fn a_deleted_guardduty_detector_is_created_again_and_undo_deletes_it() {
    let w = world().await;
    w.set_mode(GUARDDUTY, Mode::Auto).await;
    let f = function_with_history(&w, history("DeleteDetector")).await;

    f.handle(event("cloudtrail-delete-detector.json", "ev-gd-deleted"))
        .await
        .expect("handler");

    let d = detectors(&w).await;
    assert!(d.len() == 1 && d[0].1, "{d:?}");
    undo(
        &w,
        &f,
        GUARDDUTY,
        &ResourceRef::of(ResourceKind::GuardDuty, "", ACCOUNT, REGION),
    )
    .await;
    assert!(detectors(&w).await.is_empty());
}

#[tokio::test]
async fn guardduty_never_enabled_is_a_notice_and_no_detector_by_default() {
    let w = world().await;
    let f = function(&w).await;
    f.handle(scheduled_event("sweep-gd")).await.expect("handler");
    assert!(detectors(&w).await.is_empty(), "never created by hipaa-autofix");
    let text = w.slack.posts().await.iter().map(Value::to_string).collect::<String>();
    assert!(text.contains("GuardDuty"), "{text}");
}

#[tokio::test]
async fn a_disabled_security_hub_is_enabled_again_and_undo_disables_it() {
    let w = world().await;
    w.set_mode(SECURITYHUB, Mode::Auto).await;
    let f = function_with_history(&w, history("DisableSecurityHub")).await;
    let hub = aws_sdk_securityhub::Client::new(&w.sdk);

    f.handle(event("cloudtrail-disable-security-hub.json", "ev-sh"))
        .await
        .expect("handler");

    assert!(hub.describe_hub().send().await.is_ok(), "Security Hub is enabled again");
    undo(
        &w,
        &f,
        SECURITYHUB,
        &ResourceRef::of(ResourceKind::SecurityHub, "", ACCOUNT, REGION),
    )
    .await;
    assert!(hub.describe_hub().send().await.is_err(), "undo disables it");
}
