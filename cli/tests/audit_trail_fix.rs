//! Issue #11, "What it must show", end to end: `autofix fix` for the audit-trail and
//! KMS rules in a local world (moto, the stack's tables), then `autofix undo` of each
//! fix. CloudTrail's `LookupEvents`, which moto lacks, is the launcher's stand-in
//! (an empty history: no key changed state in the last 90 days).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_cloudtrail::Client as CloudTrail;
use aws_sdk_kms::Client as Kms;
use aws_sdk_kms::types::KeyState;
use harness::*;
use policy::Outcome;

const BUCKET: &str = "cli-trail-logs";
const RULES: &[&str] = &[
    "cloudtrail-enabled",
    "cloudtrail-log-file-validation",
    "cloudtrail-encryption",
    "kms-key-rotation",
    "kms-key-deletion-cancelled",
];

fn autofix(world: &World) -> assert_cmd::Command {
    harness::autofix_cmd(env!("CARGO_BIN_EXE_autofix"), world)
}

/// `autofix fix --rule <each of RULES> --set TrailBucket=.. --set TrailKmsKeyArn=..`; its output.
fn fix(world: &World, key: &str) -> String {
    let mut args = vec!["fix".to_string()];
    for r in RULES {
        args.extend(["--rule".to_string(), r.to_string()]);
    }
    args.extend([
        "--set".into(),
        format!("TrailBucket={BUCKET}"),
        "--set".into(),
        format!("TrailKmsKeyArn={key}"),
    ]);
    let out = autofix(world).args(&args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    text
}

/// A trail as this test compares it: (name, logging, multi-region, validation, key).
type TrailState = (String, bool, bool, bool, Option<String>);

async fn trails(world: &World) -> Vec<TrailState> {
    let ct = CloudTrail::new(&world.sdk);
    let mut out = Vec::new();
    for t in ct.describe_trails().send().await.unwrap().trail_list() {
        let name = t.name().unwrap().to_string();
        let logging = ct
            .get_trail_status()
            .name(&name)
            .send()
            .await
            .unwrap()
            .is_logging()
            .unwrap_or(false);
        out.push((
            name,
            logging,
            t.is_multi_region_trail().unwrap_or(false),
            t.log_file_validation_enabled().unwrap_or(false),
            t.kms_key_id().filter(|k| !k.is_empty()).map(str::to_owned),
        ));
    }
    out.sort();
    out
}

/// A key as this test compares it: (rotation on, state).
async fn key_state(world: &World, key: &str) -> (bool, KeyState) {
    let kms = Kms::new(&world.sdk);
    let rotation = kms
        .get_key_rotation_status()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .key_rotation_enabled();
    let state = kms
        .describe_key()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .and_then(|m| m.key_state().cloned())
        .unwrap();
    (rotation, state)
}

async fn create_key(world: &World) -> String {
    Kms::new(&world.sdk)
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata()
        .unwrap()
        .key_id()
        .to_string()
}

/// Undo every fix in the ledger, newest first, with `autofix undo`; their outputs.
async fn undo_every_fix(world: &World) -> String {
    let mut fixed: Vec<_> = world
        .ledger()
        .await
        .into_iter()
        .filter(|r| r.outcome == Outcome::Fixed)
        .collect();
    assert!(!fixed.is_empty(), "nothing was fixed");
    fixed.sort_by_key(|r| std::cmp::Reverse(r.time));
    let mut said = String::new();
    for r in fixed {
        let out = autofix(world)
            .args(["undo", &r.id, "--exempt-days", "0", "--reason", "issue #11 CLI test"])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(0), "undo of {} ({}): {text}", r.id, r.rule);
        said.push_str(&text);
    }
    said
}

/// A stopped multi-region trail, a one-region trail without validation or encryption,
/// a key without rotation and a key pending deletion: after `autofix fix` a
/// multi-region trail logs, every trail validates and is encrypted, every key rotates
/// and none is pending deletion (a key disabled before its deletion was scheduled
/// stays disabled). `autofix undo` of each fix restores the exact
/// before-state, except the deletion date, which AWS can't restore (the undo says so).
#[tokio::test]
async fn fix_leaves_a_logging_validated_encrypted_trail_and_keys_on_and_undo_restores_each() {
    let world = World::new().await;
    world.create_bucket(BUCKET).await;
    let trail_key = world.trail_key().await;
    let ct = CloudTrail::new(&world.sdk);
    // Stopped (CreateTrail doesn't start logging), otherwise as the rules want it.
    ct.create_trail()
        .name("cli-stopped")
        .s3_bucket_name(BUCKET)
        .is_multi_region_trail(true)
        .include_global_service_events(true)
        .enable_log_file_validation(true)
        .kms_key_id(&trail_key)
        .send()
        .await
        .unwrap();
    // Logging in one region, without validation or encryption.
    ct.create_trail()
        .name("cli-plain")
        .s3_bucket_name(BUCKET)
        .is_multi_region_trail(false)
        .send()
        .await
        .unwrap();
    ct.start_logging().name("cli-plain").send().await.unwrap();
    let no_rotation = create_key(&world).await;
    let pending = create_key(&world).await;
    Kms::new(&world.sdk)
        .schedule_key_deletion()
        .key_id(&pending)
        .pending_window_in_days(30)
        .send()
        .await
        .unwrap();
    // A key disabled, then scheduled for deletion: CloudTrail's history (the
    // launcher's LookupEvents stand-in) says it was disabled, so it stays disabled.
    let disabled = create_key(&world).await;
    let kms = Kms::new(&world.sdk);
    kms.disable_key().key_id(&disabled).send().await.unwrap();
    kms.schedule_key_deletion()
        .key_id(&disabled)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let disabled_arn = kms
        .describe_key()
        .key_id(&disabled)
        .send()
        .await
        .unwrap()
        .key_metadata()
        .and_then(|m| m.arn().map(str::to_owned))
        .unwrap();
    world
        .moto
        .set_cloudtrail_history(&[("DisableKey", 3600, &disabled_arn)])
        .await
        .unwrap();
    let before_trails = trails(&world).await;
    let before_keys = [key_state(&world, &no_rotation).await, key_state(&world, &pending).await];
    assert_eq!(before_keys[1].1, KeyState::PendingDeletion);

    fix(&world, &trail_key);

    let after = trails(&world).await;
    assert!(
        after
            .iter()
            .any(|(_, logging, multi, valid, key)| *logging && *multi && *valid && key.is_some()),
        "no logging multi-region trail with validation and encryption: {after:?}"
    );
    for (name, _, _, valid, key) in &after {
        assert!(*valid, "{name} does not validate: {after:?}");
        assert_eq!(key.as_deref(), Some(trail_key.as_str()), "{name}: {after:?}");
    }
    for k in [&no_rotation, &pending, &trail_key] {
        assert_eq!(key_state(&world, k).await, (true, KeyState::Enabled), "{k}");
    }
    assert_eq!(
        key_state(&world, &disabled).await.1,
        KeyState::Disabled,
        "cancelled, and left disabled as it was"
    );

    // Undo each fix: the exact before-state, except the deletion date.
    let said = undo_every_fix(&world).await;
    assert_eq!(trails(&world).await, before_trails);
    assert_eq!(key_state(&world, &no_rotation).await, before_keys[0]);
    assert_eq!(key_state(&world, &pending).await, before_keys[1]);
    assert!(
        said.contains("counted from now"),
        "the undo says the date is new: {said}"
    );
}

/// No trail at all: `autofix fix` creates `<stack>-trail`, multi-region, validated,
/// encrypted, logging; its undo deletes it again.
#[tokio::test]
async fn fix_with_no_trail_creates_the_stacks_trail_and_undo_deletes_it() {
    let world = World::new().await;
    world.create_bucket(BUCKET).await;
    let trail_key = world.trail_key().await;
    assert!(trails(&world).await.is_empty());

    fix(&world, &trail_key);

    let after = trails(&world).await;
    assert_eq!(
        after,
        vec![(
            "hipaa-autofix-trail".to_string(),
            true,
            true,
            true,
            Some(trail_key.clone())
        )]
    );
    let t = CloudTrail::new(&world.sdk).describe_trails().send().await.unwrap();
    assert_eq!(t.trail_list()[0].s3_bucket_name(), Some(BUCKET));

    undo_every_fix(&world).await;
    assert!(trails(&world).await.is_empty(), "undo deletes the created trail");
}
