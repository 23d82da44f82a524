//! Admin control from the CLI against moto: modes, exemptions, history, undo. Each
//! admin act is checked through what the functions then do, and through the ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_s3::types::Permission;
use harness::*;
use policy::params::Param;
use policy::rules::iam_user_console_mfa as mfa;
use serde_json::Value;

/// The binary under test, built by cargo for this crate's integration tests.
fn autofix(world: &World) -> assert_cmd::Command {
    harness::autofix_cmd(env!("CARGO_BIN_EXE_autofix"), world)
}

fn run(world: &World, args: &[&str]) -> (i32, String, String) {
    let out = autofix(world).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(world: &World, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(world, args);
    assert_eq!(code, 0, "autofix {args:?}\nstdout: {stdout}\nstderr: {stderr}");
    stdout
}

fn acl_event(bucket: &str) -> Value {
    fixture_for_bucket("cloudtrail-put-bucket-acl.json", bucket)
}

#[tokio::test]
async fn rules_set_takes_effect_on_the_next_event_and_is_recorded() {
    let world = World::new().await;
    ok(
        &world,
        &["rules", "set", BUCKET_RULE, "notify", "--reason", "first week"],
    );
    world.public_read_bucket("adm-mode").await;
    let f = world.function().await;
    f.handle(acl_event("adm-mode")).await.unwrap();
    assert!(
        world.has_public_grant("adm-mode").await,
        "notify mode changed the bucket"
    );
    let ledger = world.ledger().await;
    let set = ledger
        .iter()
        .find(|r| r.outcome == policy::Outcome::ModeSet)
        .expect("the mode change is in the ledger");
    assert!(set.findings[0].contains("first week") && set.actor.is_some(), "{set:?}");
    assert!(ledger.iter().any(|r| r.outcome == policy::Outcome::Notified));

    // And back to auto: the next event fixes.
    ok(&world, &["rules", "set", BUCKET_RULE, "auto"]);
    let mut ev = acl_event("adm-mode");
    ev["id"] = Value::String("another-event".into());
    f.handle(ev).await.unwrap();
    assert!(!world.has_public_grant("adm-mode").await);
    let listed = ok(&world, &["rules", "--json"]);
    let rules: Value = serde_json::from_str(&listed).unwrap();
    let row = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == BUCKET_RULE)
        .unwrap();
    assert_eq!(row["mode"], "auto");
    assert!(
        row["last_action"].as_str().is_some_and(|a| a.contains("fixed")),
        "{row}"
    );
}

#[tokio::test]
async fn exempt_add_keeps_the_resource_untouched_and_a_past_until_does_not() {
    let world = World::new().await;
    world.public_read_bucket("adm-exempt").await;
    world.public_read_bucket("adm-expired").await;
    let until = date_in_days(10);
    ok(
        &world,
        &[
            "exempt",
            "add",
            &bucket_arn("adm-exempt"),
            "--rule",
            BUCKET_RULE,
            "--reason",
            "public dataset",
            "--until",
            &until,
        ],
    );
    ok(
        &world,
        &[
            "exempt",
            "add",
            &bucket_arn("adm-expired"),
            "--rule",
            BUCKET_RULE,
            "--reason",
            "old",
            "--until",
            &date_in_days(-1),
        ],
    );
    let f = world.function().await;
    f.handle(acl_event("adm-exempt")).await.unwrap();
    f.handle(acl_event("adm-expired")).await.unwrap();
    assert!(
        world.has_public_grant("adm-exempt").await,
        "an exempt bucket was changed"
    );
    assert!(
        !world.has_public_grant("adm-expired").await,
        "an expired exemption still protected the bucket"
    );

    let list: Value = serde_json::from_str(&ok(&world, &["exempt", "list", "--json"])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    ok(
        &world,
        &["exempt", "remove", &bucket_arn("adm-exempt"), "--rule", BUCKET_RULE],
    );
    let mut ev = acl_event("adm-exempt");
    ev["id"] = Value::String("after-removal".into());
    f.handle(ev).await.unwrap();
    assert!(
        !world.has_public_grant("adm-exempt").await,
        "removing the exemption did not let the fix through"
    );
    let outcomes: Vec<policy::Outcome> = world.ledger().await.iter().map(|r| r.outcome).collect();
    assert!(outcomes.contains(&policy::Outcome::Exempted) && outcomes.contains(&policy::Outcome::ExemptionRemoved));
}

#[tokio::test]
async fn history_lists_what_happened_with_before_and_after() {
    let world = World::new().await;
    world.public_read_bucket("adm-history").await;
    world.function().await.handle(acl_event("adm-history")).await.unwrap();
    let json: Value = serde_json::from_str(&ok(&world, &["history", "--json", "--resource", "adm-history"])).unwrap();
    let recs = json.as_array().unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["outcome"], "fixed");
    assert!(
        recs[0]["before"].is_object() && recs[0]["after"].is_object(),
        "{}",
        recs[0]
    );
    let table = ok(&world, &["history", "--rule", BUCKET_RULE, "--since", "1d"]);
    assert!(table.contains("adm-history") && table.contains("fixed"), "{table}");
    let none = ok(&world, &["history", "--since", "2999-01-01"]);
    assert!(none.contains("No ledger records match"), "{none}");
}

#[tokio::test]
async fn undo_restores_a_bucket_exactly_exempts_it_and_refuses_when_it_changed_since() {
    let world = World::new().await;
    // A bucket with a public ACL grant, a mixed policy and partial Block Public Access.
    world.create_bucket("adm-undo").await;
    world.grant_group("adm-undo", ALL_USERS, Permission::Read).await;
    world
        .put_policy(
            "adm-undo",
            &serde_json::json!({"Version": "2012-10-17", "Statement": [public_read_statement("adm-undo"), cloudfront_oac_statement("adm-undo")]}),
        )
        .await;
    world.put_bpa("adm-undo", [true, false, false, false]).await;
    let before = world.bucket_state("adm-undo").await;
    world.function().await.handle(acl_event("adm-undo")).await.unwrap();
    assert_ne!(world.bucket_state("adm-undo").await, before);
    let fixed = world
        .ledger()
        .await
        .into_iter()
        .find(|r| r.outcome == policy::Outcome::Fixed)
        .unwrap();

    let out = ok(
        &world,
        &[
            "undo",
            &fixed.id,
            "--reason",
            "needed for the migration",
            "--exempt-days",
            "7",
        ],
    );
    assert!(out.contains("undone"), "{out}");
    assert_eq!(
        world.bucket_state("adm-undo").await,
        before,
        "undo did not restore the exact before-state"
    );
    // Exempt for 7 days, so the next event leaves it alone.
    let mut ev = acl_event("adm-undo");
    ev["id"] = Value::String("after-undo".into());
    world.function().await.handle(ev).await.unwrap();
    assert_eq!(
        world.bucket_state("adm-undo").await,
        before,
        "the undone fix was applied again"
    );

    // Undoing again refuses: the resource no longer shows what the fix made of it.
    let (code, _, stderr) = run(&world, &["undo", &fixed.id]);
    assert_eq!(code, 1);
    assert!(stderr.contains("changed since"), "{stderr}");
    let outcomes: Vec<policy::Outcome> = world.ledger().await.iter().map(|r| r.outcome).collect();
    assert!(outcomes.contains(&policy::Outcome::Undone), "{outcomes:?}");
}

#[tokio::test]
async fn undo_restores_account_block_public_access() {
    let world = World::new().await;
    world.function().await.handle(scheduled_event("sweep-1")).await.unwrap();
    assert_eq!(world.account_bpa().await, Some([true; 4]));
    let rec = world
        .ledger()
        .await
        .into_iter()
        .find(|r| r.rule == ACCOUNT_RULE && r.outcome == policy::Outcome::Fixed)
        .unwrap();
    ok(&world, &["undo", &rec.id, "--exempt-days", "0"]);
    assert_eq!(
        world.account_bpa().await,
        None,
        "the account had no configuration before the fix"
    );
}

#[tokio::test]
async fn undo_reactivates_a_key_and_lifts_a_quarantine_and_restores_a_password_policy() {
    // Access keys: a 120-day-old key deactivated, then reactivated by undo.
    let world = World::for_family("iam-access-keys").await;
    let key = world.user_with_key("adm-key", 120, Some(1)).await;
    world
        .function()
        .await
        .handle(scheduled_event("sweep-keys"))
        .await
        .unwrap();
    assert!(!world.key_active("adm-key", &key).await);
    let rec = world
        .ledger()
        .await
        .into_iter()
        .find(|r| r.rule == "iam-access-key-rotated" && r.outcome == policy::Outcome::Fixed)
        .unwrap();
    ok(&world, &["undo", &rec.id]);
    assert!(
        world.key_active("adm-key", &key).await,
        "undo did not reactivate the key"
    );

    // MFA quarantine: attached past the grace period, detached by undo.
    let world = World::for_family("iam-mfa").await;
    world.create_quarantine_policy().await;
    world.console_user("adm-mfa").await;
    let mut cfg = world.config();
    cfg.params.set(Param::Number(&mfa::MFA_GRACE_HOURS), "0").unwrap();
    world
        .function_with(&cfg)
        .await
        .handle(scheduled_event("sweep-mfa"))
        .await
        .unwrap();
    assert!(world.is_quarantined("adm-mfa").await);
    let rec = world
        .ledger()
        .await
        .into_iter()
        .find(|r| r.rule == "iam-user-console-mfa" && r.outcome == policy::Outcome::Fixed)
        .unwrap();
    ok(&world, &["undo", &rec.id]);
    assert!(
        !world.is_quarantined("adm-mfa").await,
        "undo did not lift the quarantine"
    );

    // Password policy: a weak one strengthened, then restored exactly.
    let world = World::for_family("iam-password-policy").await;
    world
        .iam
        .update_account_password_policy()
        .minimum_password_length(8)
        .require_numbers(true)
        .send()
        .await
        .unwrap();
    let before = world.password_policy().await;
    world
        .function()
        .await
        .handle(scheduled_event("sweep-pw"))
        .await
        .unwrap();
    assert_ne!(world.password_policy().await, before);
    let rec = world
        .ledger()
        .await
        .into_iter()
        .find(|r| r.rule == "iam-password-policy" && r.outcome == policy::Outcome::Fixed)
        .unwrap();
    ok(&world, &["undo", &rec.id]);
    assert_eq!(
        world.password_policy().await,
        before,
        "undo did not restore the password policy"
    );
}

#[tokio::test]
async fn undo_refuses_an_irreversible_fix() {
    let world = World::for_family("iam-mfa").await;
    world.create_quarantine_policy().await;
    world.console_user("adm-stage2").await;
    let mut cfg = world.config();
    cfg.params.set(Param::Number(&mfa::MFA_GRACE_HOURS), "0").unwrap();
    cfg.params.set(Param::Number(&mfa::MFA_STAGE2_DAYS), "0").unwrap();
    cfg.params.set(Param::Flag(&mfa::MFA_STAGE2_ENABLED), "true").unwrap();
    world
        .function_with(&cfg)
        .await
        .handle(scheduled_event("sweep-stage2"))
        .await
        .unwrap();
    assert!(!world.has_login_profile("adm-stage2").await);
    let rec = world
        .ledger()
        .await
        .into_iter()
        .find(|r| r.rule == "iam-user-console-mfa" && r.outcome == policy::Outcome::Fixed)
        .unwrap();
    let (code, _, stderr) = run(&world, &["undo", &rec.id]);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot be undone"), "{stderr}");
    assert!(!world.has_login_profile("adm-stage2").await);
}

#[tokio::test]
async fn admin_commands_need_the_stack_and_say_so() {
    let world = World::new().await;
    let (code, _, stderr) = run(&world, &["history", "--stack-name", "not-deployed"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("needs the stack's settings and ledger tables"),
        "{stderr}"
    );
    let (code, _, _) = run(&world, &["rules", "set", "no-such-rule", "auto"]);
    assert_eq!(code, 2);
    let (code, _, _) = run(
        &world,
        &[
            "exempt",
            "add",
            "arn:aws:s3:::x",
            "--rule",
            BUCKET_RULE,
            "--reason",
            "r",
            "--until",
            "soon",
        ],
    );
    assert_eq!(code, 2);
}

#[tokio::test]
async fn undo_puts_back_a_deleted_all_public_policy() {
    let world = World::new().await;
    world.create_bucket("adm-undo-delete").await;
    world
        .put_policy(
            "adm-undo-delete",
            &serde_json::json!({"Version": "2012-10-17", "Statement": [public_read_statement("adm-undo-delete")]}),
        )
        .await;
    let before = world.bucket_state("adm-undo-delete").await;
    world
        .function()
        .await
        .handle(acl_event("adm-undo-delete"))
        .await
        .unwrap();
    assert_eq!(
        world.policy("adm-undo-delete").await,
        None,
        "the all-public policy was not deleted"
    );
    let fixed = world
        .ledger()
        .await
        .into_iter()
        .find(|r| r.outcome == policy::Outcome::Fixed)
        .unwrap();
    assert!(
        fixed.actions.iter().any(|a| a.name() == "DeleteBucketPolicy"),
        "{:?}",
        fixed.actions
    );
    ok(&world, &["undo", &fixed.id]);
    assert_eq!(world.bucket_state("adm-undo-delete").await, before);
}

/// Security Hub, out, in the local world: `autofix --security-hub` brings the findings
/// in line as the deployed notifier does with `SecurityHubIntegration=true`. A
/// finding for a public bucket fed through `autofix handle` fixes it and ends
/// `RESOLVED`; an exemption added with `autofix exempt add` suppresses its bucket's
/// finding, and removing it reopens it. (moto lacks BatchUpdateFindings: the
/// launcher's stand-in applies and records it, see tests/moto/launcher.py.)
#[tokio::test]
async fn with_security_hub_on_a_handled_finding_ends_resolved_and_an_exempt_buckets_suppressed_then_new() {
    let world = World::new().await;
    world.enable_security_hub().await;
    world.public_read_bucket("phi-public-read").await;
    world.public_read_bucket("vendor-share").await;
    let fixed = world
        .import_bucket_finding("S3.2", "phi-public-read", ACCOUNT, "NEW", None)
        .await;
    let exempt = world
        .import_bucket_finding("S3.8", "vendor-share", ACCOUNT, "NEW", None)
        .await;

    let event = fixtures_dir().join("securityhub-finding-s3-2-public-read.json");
    let event = event.to_str().unwrap();
    ok(&world, &["--security-hub", "handle", "--event", event]);
    assert!(!world.has_public_grant("phi-public-read").await);
    let rec = world.ledger_for(&bucket_arn("phi-public-read")).await;
    assert_eq!(rec[0].outcome, policy::Outcome::Fixed);
    let now = world.finding(&fixed).await;
    assert_eq!(now.status, "RESOLVED");
    assert!(now.note.unwrap_or_default().contains(&rec[0].id));

    let until = date_in_days(30);
    let arn = bucket_arn("vendor-share");
    ok(
        &world,
        &[
            "--security-hub",
            "exempt",
            "add",
            &arn,
            "--rule",
            BUCKET_RULE,
            "--reason",
            "vendor review",
            "--until",
            &until,
        ],
    );
    let now = world.finding(&exempt).await;
    assert_eq!(now.status, "SUPPRESSED");
    let note = now.note.unwrap_or_default();
    assert!(note.contains("vendor review") && note.contains(&until), "{note}");

    ok(
        &world,
        &["--security-hub", "exempt", "remove", &arn, "--rule", BUCKET_RULE],
    );
    assert_eq!(world.finding(&exempt).await.status, "NEW");
    assert!(
        world.has_public_grant("vendor-share").await,
        "an exemption's acts change no bucket"
    );
    let calls = finding_updates(&world).await;
    let statuses: Vec<&str> = calls.iter().filter_map(|c| c["Workflow"]["Status"].as_str()).collect();
    assert_eq!(statuses, ["RESOLVED", "SUPPRESSED", "NEW"], "{calls:#?}");
}
