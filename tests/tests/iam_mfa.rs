//! The `iam-mfa` function, through its real Lambda handler, against moto and a local
//! Slack receiver. moto stamps a login profile's CreateDate = now, so the grace
//! periods are crossed by moving the executor's clock (`app.opts.clock`): the rule
//! judges ages against the snapshot's `as_of`, which comes from that clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, Utc};
use harness::{
    ACCOUNT, Function, IAM_MFA, MFA_RULE, REGION, World, fixture_for_user, quarantine_arn, scheduled_event, user_arn,
};
use policy::kinds::iam_user;
use policy::params::Param;
use policy::{Action, LedgerRecord, Mode, Outcome, Plan, ResourceRef};
use serde_json::Value;

/// A world for `iam-mfa` with the stack's quarantine policy in place.
async fn world() -> World {
    let w = World::for_family(IAM_MFA).await;
    w.create_quarantine_policy().await;
    w
}

/// The function with its clock `hours` ahead of now, and stage 2 on or off.
async fn function_at(world: &World, hours: i64, stage2: bool) -> Function {
    let mut cfg = world.config();
    cfg.params
        .set(
            Param::Flag(&policy::rules::iam_user_console_mfa::MFA_STAGE2_ENABLED),
            if stage2 { "true" } else { "false" },
        )
        .unwrap();
    let mut f = world.function_with(&cfg).await;
    f.app.opts.clock = Arc::new(move || Utc::now() + Duration::hours(hours));
    f
}

fn create_login_profile(user: &str, id: &str) -> Value {
    let mut v = fixture_for_user("cloudtrail-create-login-profile.json", user, None);
    v["id"] = Value::from(id);
    v
}

async fn records(world: &World, user: &str) -> Vec<LedgerRecord> {
    world
        .ledger_for(&user_arn(user))
        .await
        .into_iter()
        .filter(|r| r.rule == MFA_RULE)
        .collect()
}

async fn posts_about(world: &World, user: &str) -> Vec<Value> {
    world.slack.posts_mentioning(&format!("{}`", user_arn(user))).await
}

#[tokio::test]
async fn inside_the_grace_period_only_a_warning_and_past_it_the_quarantine() {
    let world = world().await;
    world.console_user("dr-jones").await;

    // 23 hours after the password was set: one warning, nothing changed.
    let early = function_at(&world, 23, false).await;
    early
        .handle(create_login_profile("dr-jones", "ev-23h"))
        .await
        .expect("handler");
    assert!(
        !world.is_quarantined("dr-jones").await,
        "quarantined inside the grace period"
    );
    let recs = records(&world, "dr-jones").await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Warned);
    assert_eq!(posts_about(&world, "dr-jones").await.len(), 1);

    // 25 hours: quarantined.
    let late = function_at(&world, 25, false).await;
    late.handle(create_login_profile("dr-jones", "ev-25h"))
        .await
        .expect("handler");
    assert!(
        world.is_quarantined("dr-jones").await,
        "not quarantined past the grace period"
    );
    assert!(
        world.has_login_profile("dr-jones").await,
        "stage 1 removed the password"
    );
    let recs = records(&world, "dr-jones").await;
    assert_eq!(recs.len(), 2, "{recs:#?}");
    let fixed = recs
        .iter()
        .find(|r| r.outcome == Outcome::Fixed)
        .expect("a fixed record");
    assert!(fixed.verified);
    assert_eq!(
        fixed.actions,
        vec![Action::from(iam_user::AttachUserPolicy {
            user: "dr-jones".into(),
            policy_arn: quarantine_arn()
        })]
    );
    assert_eq!(posts_about(&world, "dr-jones").await.len(), 2);
}

#[tokio::test]
async fn stage_two_removes_the_password_only_when_enabled_and_due() {
    let world = world().await;
    for u in ["stage2-off", "stage2-early", "stage2-on"] {
        world.console_user(u).await;
    }

    // 8 days, stage 2 off: quarantined, password kept, the notice says what was withheld.
    function_at(&world, 8 * 24, false)
        .await
        .handle(create_login_profile("stage2-off", "ev-off"))
        .await
        .expect("handler");
    assert!(world.is_quarantined("stage2-off").await);
    assert!(world.has_login_profile("stage2-off").await, "stage 2 ran while off");
    let rec = records(&world, "stage2-off").await.pop().expect("a record");
    assert!(rec.notes.iter().any(|n| n.contains("stage 2")), "{rec:#?}");

    // 6 days, stage 2 on: not due yet, so only the quarantine.
    function_at(&world, 6 * 24, true)
        .await
        .handle(create_login_profile("stage2-early", "ev-early"))
        .await
        .expect("handler");
    assert!(world.is_quarantined("stage2-early").await);
    assert!(
        world.has_login_profile("stage2-early").await,
        "stage 2 ran before it was due"
    );

    // 8 days, stage 2 on: the console password goes; the notice says it is irreversible.
    function_at(&world, 8 * 24, true)
        .await
        .handle(create_login_profile("stage2-on", "ev-on"))
        .await
        .expect("handler");
    assert!(!world.has_login_profile("stage2-on").await, "stage 2 left the password");
    let rec = records(&world, "stage2-on").await.pop().expect("a record");
    assert_eq!(rec.outcome, Outcome::Fixed, "{rec:#?}");
    assert_eq!(
        rec.actions,
        vec![Action::from(iam_user::DeleteLoginProfile {
            user: "stage2-on".into()
        })]
    );
    assert!(Plan::of(rec.actions.clone()).undo().is_none());
    let post = posts_about(&world, "stage2-on").await.pop().expect("a notice");
    assert!(post.to_string().contains("irreversible"), "{post:#}");

    // And a quarantined user past stage 2 with stage 2 off stays as it is.
    let before = (
        world.attached_policies("stage2-off").await,
        world.has_login_profile("stage2-off").await,
    );
    function_at(&world, 9 * 24, false)
        .await
        .handle(scheduled_event("sweep-off-again"))
        .await
        .expect("handler");
    assert_eq!(
        (
            world.attached_policies("stage2-off").await,
            world.has_login_profile("stage2-off").await
        ),
        before
    );
}

#[tokio::test]
async fn enabling_mfa_lifts_the_quarantine_with_a_notice() {
    let world = world().await;
    world.console_user("dr-jones").await;
    let f = function_at(&world, 30, false).await;
    f.handle(create_login_profile("dr-jones", "ev-quarantine"))
        .await
        .expect("handler");
    assert!(world.is_quarantined("dr-jones").await);

    world.enable_virtual_mfa("dr-jones").await;
    f.handle(fixture_for_user("cloudtrail-enable-mfa-device.json", "dr-jones", None))
        .await
        .expect("handler");

    assert!(!world.is_quarantined("dr-jones").await, "the quarantine was not lifted");
    assert!(world.has_login_profile("dr-jones").await);
    let lifted = records(&world, "dr-jones")
        .await
        .into_iter()
        .find(|r| r.trigger == "CloudTrail EnableMFADevice")
        .expect("a record for the EnableMFADevice event");
    assert_eq!(lifted.outcome, Outcome::Fixed, "{lifted:#?}");
    assert_eq!(
        lifted.actions,
        vec![Action::from(iam_user::DetachUserPolicy {
            user: "dr-jones".into(),
            policy_arn: quarantine_arn()
        })]
    );
    let posts = posts_about(&world, "dr-jones").await;
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert!(
        posts.iter().any(|p| p.to_string().contains("lift the quarantine")),
        "{posts:#?}"
    );
}

#[tokio::test]
async fn a_user_with_mfa_is_untouched() {
    let world = world().await;
    world.console_user("has-mfa").await;
    world.enable_virtual_mfa("has-mfa").await;
    let f = function_at(&world, 30 * 24, true).await;

    f.handle(scheduled_event("sweep-mfa")).await.expect("handler");

    assert!(world.attached_policies("has-mfa").await.is_empty());
    assert!(world.has_login_profile("has-mfa").await);
    assert!(records(&world, "has-mfa").await.is_empty());
    assert!(posts_about(&world, "has-mfa").await.is_empty());
}

#[tokio::test]
async fn undo_detaches_the_quarantine_exactly() {
    let world = world().await;
    world.console_user("undo-q").await;
    let seeded = world.attached_policies("undo-q").await;
    let f = function_at(&world, 25, false).await;
    f.handle(create_login_profile("undo-q", "ev-undo"))
        .await
        .expect("handler");
    assert!(world.is_quarantined("undo-q").await);

    let rec = records(&world, "undo-q").await.pop().expect("a record");
    let undo = Plan::of(rec.actions.clone())
        .undo()
        .expect("the quarantine is reversible");
    let r = ResourceRef::iam_user("undo-q", ACCOUNT, REGION);
    for a in &undo.actions {
        f.app.ports.remediator.apply(&r, a).await.expect("undo action");
    }

    assert_eq!(world.attached_policies("undo-q").await, seeded);
    assert!(world.has_login_profile("undo-q").await);
}

#[tokio::test]
async fn notify_mode_changes_nothing_and_posts_a_notice() {
    let world = world().await;
    world.set_mode(MFA_RULE, Mode::Notify).await;
    world.console_user("dr-jones").await;
    let f = function_at(&world, 25, true).await;

    f.handle(create_login_profile("dr-jones", "ev-notify"))
        .await
        .expect("handler");

    assert!(!world.is_quarantined("dr-jones").await);
    let recs = records(&world, "dr-jones").await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Notified);
    assert_eq!(posts_about(&world, "dr-jones").await.len(), 1);
}

#[tokio::test]
async fn off_mode_changes_nothing_posts_nothing_records_nothing() {
    let world = world().await;
    world.set_mode(MFA_RULE, Mode::Off).await;
    world.console_user("dr-jones").await;
    let f = function_at(&world, 25, true).await;

    f.handle(create_login_profile("dr-jones", "ev-off"))
        .await
        .expect("handler");

    assert!(!world.is_quarantined("dr-jones").await);
    assert!(records(&world, "dr-jones").await.is_empty());
    assert!(posts_about(&world, "dr-jones").await.is_empty());
}

#[tokio::test]
async fn replaying_the_same_event_makes_one_change_and_one_notice() {
    let world = world().await;
    world.console_user("dr-jones").await;
    let f = function_at(&world, 25, false).await;
    let event = create_login_profile("dr-jones", "ev-replayed");

    f.handle(event.clone()).await.expect("first delivery");
    f.handle(event).await.expect("second delivery");

    assert!(world.is_quarantined("dr-jones").await);
    let recs = records(&world, "dr-jones").await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);
    assert_eq!(posts_about(&world, "dr-jones").await.len(), 1);
}
