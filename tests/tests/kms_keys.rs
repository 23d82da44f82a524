//! The `kms-keys` function through its real Lambda handler, against moto and a local
//! Slack receiver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_kms::Client as Kms;
use aws_sdk_kms::types::KeyState;
use harness::{ACCOUNT, MotoGaps, REGION, World, fixture};
use policy::history::{CallHistory, RecordedCall};
use policy::kinds::ResourceKind;
use policy::{LedgerRecord, Mode, Outcome, Plan, ResourceRef};
use serde_json::Value;

const FAMILY: &str = "kms-keys";
const ROTATION: &str = "kms-key-rotation";
const DELETION: &str = "kms-key-deletion-cancelled";

async fn world() -> World {
    World::for_family(FAMILY).await
}

fn kms(w: &World) -> Kms {
    Kms::new(&w.sdk)
}

/// The function, with CloudTrail's event history (which moto lacks) standing in as `history`.
async fn function(w: &World, history: CallHistory) -> harness::Function {
    let mut f = w.function().await;
    MotoGaps::install(&mut f, &w.sdk, history);
    f
}

async fn create_key(w: &World) -> String {
    kms(w)
        .create_key()
        .send()
        .await
        .expect("CreateKey")
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .expect("a key id")
}

/// A KMS CloudTrail fixture naming `key`.
fn event(name: &str, id: &str, key: &str) -> Value {
    let mut v = fixture(name);
    v["id"] = Value::from(id);
    v["detail"]["requestParameters"]["keyId"] = Value::from(key);
    v
}

async fn rotation(w: &World, key: &str) -> bool {
    kms(w)
        .get_key_rotation_status()
        .key_id(key)
        .send()
        .await
        .expect("GetKeyRotationStatus")
        .key_rotation_enabled()
}

async fn state(w: &World, key: &str) -> KeyState {
    kms(w)
        .describe_key()
        .key_id(key)
        .send()
        .await
        .expect("DescribeKey")
        .key_metadata()
        .and_then(|m| m.key_state().cloned())
        .expect("a key state")
}

async fn records(w: &World, rule: &str) -> Vec<LedgerRecord> {
    w.ledger().await.into_iter().filter(|r| r.rule == rule).collect()
}

async fn undo(w: &World, f: &harness::Function, rule: &str, key: &str) {
    let recs = records(w, rule).await;
    let rec = recs
        .iter()
        .find(|r| r.outcome == Outcome::Fixed)
        .unwrap_or_else(|| panic!("no fixed record: {recs:#?}"));
    let plan = Plan::of(rec.actions.clone()).undo().expect("reversible");
    let r = ResourceRef::of(ResourceKind::KmsKey, key, ACCOUNT, REGION);
    for a in &plan.actions {
        f.app.ports.remediator.apply(&r, a).await.expect("undo action");
    }
}

fn enabled_days_ago(days: i64) -> CallHistory {
    CallHistory::of(vec![RecordedCall {
        name: "EnableKey".into(),
        time: chrono::Utc::now() - chrono::Duration::days(days),
    }])
}

#[tokio::test]
async fn a_key_without_rotation_gets_it_and_undo_turns_it_off() {
    let w = world().await;
    let key = create_key(&w).await;
    assert!(!rotation(&w, &key).await);
    let f = function(&w, CallHistory::default()).await;

    f.handle(event("cloudtrail-disable-key-rotation.json", "ev-rot", &key))
        .await
        .expect("handler");

    assert!(rotation(&w, &key).await, "rotation is on");
    let recs = records(&w, ROTATION).await;
    assert!(
        recs.iter().any(|r| r.outcome == Outcome::Fixed && r.verified),
        "{recs:#?}"
    );
    let text = w.slack.posts().await.iter().map(Value::to_string).collect::<String>();
    assert!(text.contains("<!here>") && text.contains("203.0.113.42"), "{text}");

    undo(&w, &f, ROTATION, &key).await;
    assert!(!rotation(&w, &key).await, "undo turns rotation off again");
}

#[tokio::test]
async fn replaying_the_rotation_event_three_times_fixes_once() {
    let w = world().await;
    let key = create_key(&w).await;
    let f = function(&w, CallHistory::default()).await;
    for _ in 0..3 {
        f.handle(event("cloudtrail-disable-key-rotation.json", "ev-rot-replay", &key))
            .await
            .expect("handler");
    }
    assert!(rotation(&w, &key).await);
    let fixed = records(&w, ROTATION)
        .await
        .into_iter()
        .filter(|r| r.outcome == Outcome::Fixed)
        .count();
    assert_eq!(fixed, 1);
}

#[tokio::test]
async fn in_notify_mode_rotation_stays_off() {
    let w = world().await;
    let key = create_key(&w).await;
    w.set_mode(ROTATION, Mode::Notify).await;
    let f = function(&w, CallHistory::default()).await;
    f.handle(event("cloudtrail-disable-key-rotation.json", "ev-rot-notify", &key))
        .await
        .expect("handler");
    assert!(!rotation(&w, &key).await);
    assert!(!w.slack.posts().await.is_empty(), "still said");
}

#[tokio::test]
async fn a_key_pending_deletion_is_cancelled_and_enabled_again_and_undo_reschedules_it() {
    let w = world().await;
    let key = create_key(&w).await;
    kms(&w)
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(30)
        .send()
        .await
        .expect("ScheduleKeyDeletion");
    assert_eq!(state(&w, &key).await, KeyState::PendingDeletion);
    let f = function(&w, enabled_days_ago(40)).await;

    f.handle(event("cloudtrail-schedule-key-deletion.json", "ev-del", &key))
        .await
        .expect("handler");

    assert_eq!(state(&w, &key).await, KeyState::Enabled, "cancelled and enabled again");
    let recs = records(&w, DELETION).await;
    assert!(
        recs.iter().any(|r| r.outcome == Outcome::Fixed && r.verified),
        "{recs:#?}"
    );

    undo(&w, &f, DELETION, &key).await;
    assert_eq!(
        state(&w, &key).await,
        KeyState::PendingDeletion,
        "undo schedules it again"
    );
}

#[tokio::test]
async fn a_key_disabled_before_its_deletion_stays_disabled_when_cancelled() {
    let w = world().await;
    let key = create_key(&w).await;
    kms(&w).disable_key().key_id(&key).send().await.expect("DisableKey");
    kms(&w)
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("ScheduleKeyDeletion");
    let history = CallHistory::of(vec![RecordedCall {
        name: "DisableKey".into(),
        time: chrono::Utc::now() - chrono::Duration::hours(1),
    }]);
    let f = function(&w, history).await;

    f.handle(event("cloudtrail-schedule-key-deletion.json", "ev-del-disabled", &key))
        .await
        .expect("handler");

    assert_eq!(state(&w, &key).await, KeyState::Disabled);
}

#[tokio::test]
async fn a_deliberate_deletion_is_exempted_by_tag() {
    let w = world().await;
    let key = create_key(&w).await;
    kms(&w)
        .tag_resource()
        .key_id(&key)
        .tags(
            aws_sdk_kms::types::Tag::builder()
                .tag_key(harness::EXEMPT_TAG)
                .tag_value("decommissioned, ticket SEC-42")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("TagResource");
    kms(&w)
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(30)
        .send()
        .await
        .expect("ScheduleKeyDeletion");
    let f = function(&w, enabled_days_ago(40)).await;

    f.handle(event("cloudtrail-schedule-key-deletion.json", "ev-del-exempt", &key))
        .await
        .expect("handler");

    assert_eq!(
        state(&w, &key).await,
        KeyState::PendingDeletion,
        "an exempt key's deletion stands"
    );
}

#[tokio::test]
async fn a_key_gone_meanwhile_is_a_quiet_no_op() {
    let w = world().await;
    let f = function(&w, CallHistory::default()).await;
    f.handle(event(
        "cloudtrail-schedule-key-deletion.json",
        "ev-del-gone",
        "0d5b9f1e-1111-2222-3333-444455556666",
    ))
    .await
    .expect("handler");
    assert!(w.ledger().await.iter().all(|r| r.outcome != Outcome::Fixed));
}
