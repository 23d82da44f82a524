//! The `iam-access-keys` function, through its real Lambda handler, against moto and
//! a local Slack receiver. Keys are backdated with the moto launcher's
//! `access-key-dates` route (moto stamps every key CreateDate = now).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::{
    ACCOUNT, BREAK_GLASS_TAG, IAM_ACCESS_KEYS, KEY_ROTATED_RULE, REGION, UNUSED_RULE, World, fixture, fixture_for_user,
    scheduled_event, user_arn,
};
use policy::{LedgerRecord, Mode, Outcome, Plan, ResourceRef};
use serde_json::{Value, json};

async fn world() -> World {
    World::for_family(IAM_ACCESS_KEYS).await
}

/// The ledger records about `user`.
async fn records(world: &World, user: &str) -> Vec<LedgerRecord> {
    world.ledger_for(&user_arn(user)).await
}

/// The one ledger record about `user`; fails unless there is exactly one.
async fn only_record(world: &World, user: &str) -> LedgerRecord {
    let mut recs = records(world, user).await;
    assert_eq!(recs.len(), 1, "expected one ledger record for {user}, got {recs:#?}");
    recs.remove(0)
}

fn assert_fixed(rec: &LedgerRecord, rule: &str) {
    assert_eq!(rec.rule, rule, "{rec:#?}");
    assert_eq!(rec.outcome, Outcome::Fixed, "{rec:#?}");
    assert!(rec.verified, "fixed but not verified: {rec:#?}");
    assert!(rec.before.is_some() && rec.after.is_some(), "{rec:#?}");
}

/// Posts to Slack whose text names exactly `user` (the ARN ends with it).
async fn posts_about(world: &World, user: &str) -> Vec<Value> {
    world.slack.posts_mentioning(&format!("{}`", user_arn(user))).await
}

#[tokio::test]
async fn keys_at_91_days_are_deactivated_and_at_89_days_get_one_warning() {
    let world = world().await;
    // Used yesterday: only the age rule has something to say.
    let old = world.user_with_key("age-91", 91, Some(1)).await;
    let near = world.user_with_key("age-89", 89, Some(1)).await;
    let f = world.function().await;

    f.handle(scheduled_event("sweep-1")).await.expect("handler");

    assert!(
        !world.key_active("age-91", &old).await,
        "the 91-day key is still active"
    );
    assert!(
        world.key_active("age-89", &near).await,
        "the 89-day key was deactivated"
    );
    let rec = only_record(&world, "age-91").await;
    assert_fixed(&rec, KEY_ROTATED_RULE);
    assert_eq!(
        rec.actions,
        vec![policy::Action::from(policy::kinds::iam_user::DeactivateAccessKey {
            user: "age-91".into(),
            key_id: old.clone()
        })]
    );
    let warn = only_record(&world, "age-89").await;
    assert_eq!((warn.rule.as_str(), warn.outcome), (KEY_ROTATED_RULE, Outcome::Warned));
    assert!(warn.actions.is_empty());
    assert_eq!(posts_about(&world, "age-91").await.len(), 1);
    let warned = posts_about(&world, "age-89").await;
    assert_eq!(warned.len(), 1, "{warned:#?}");
    assert!(warned[0].to_string().contains(&near), "{:#}", warned[0]);

    // The next day's sweep: the warning is not repeated, the fixed key stays off.
    f.handle(scheduled_event("sweep-2")).await.expect("handler");
    assert_eq!(posts_about(&world, "age-89").await.len(), 1, "the warning was repeated");
    assert_eq!(posts_about(&world, "age-91").await.len(), 1);
    assert!(world.key_active("age-89", &near).await);
}

#[tokio::test]
async fn unused_keys_past_the_limit_are_deactivated_on_both_edges() {
    let world = world().await;
    let never_91 = world.user_with_key("never-used-91", 91, None).await;
    let never_89 = world.user_with_key("never-used-89", 89, None).await;
    let last_91 = world.user_with_key("last-used-91", 200, Some(91)).await;
    let last_89 = world.user_with_key("last-used-89", 200, Some(89)).await;
    // Age is another rule's business: lift its limit so only "unused" judges.
    let mut cfg = world.config();
    cfg.params
        .set(
            policy::params::Param::Number(&policy::rules::iam_access_key_rotated::ACCESS_KEY_MAX_AGE_DAYS),
            "365",
        )
        .unwrap();
    let f = world.function_with(&cfg).await;

    f.handle(scheduled_event("sweep-unused")).await.expect("handler");

    assert!(
        !world.key_active("never-used-91", &never_91).await,
        "never used and 91 days old"
    );
    assert!(
        world.key_active("never-used-89", &never_89).await,
        "never used and 89 days old"
    );
    assert!(
        !world.key_active("last-used-91", &last_91).await,
        "last used 91 days ago"
    );
    assert!(
        world.key_active("last-used-89", &last_89).await,
        "last used 89 days ago"
    );
    for user in ["never-used-91", "last-used-91"] {
        assert_fixed(&only_record(&world, user).await, UNUSED_RULE);
        assert_eq!(posts_about(&world, user).await.len(), 1, "{user}");
    }
    for user in ["never-used-89", "last-used-89"] {
        assert!(records(&world, user).await.is_empty(), "{user}");
        assert!(posts_about(&world, user).await.is_empty(), "{user}");
    }
}

#[tokio::test]
async fn a_fresh_key_is_untouched_and_nothing_is_said() {
    let world = world().await;
    world.create_user("fresh").await;
    let key = world.create_access_key("fresh").await;
    let f = world.function().await;

    f.handle(scheduled_event("sweep-fresh")).await.expect("handler");
    f.handle(fixture_for_user(
        "cloudtrail-update-access-key.json",
        "fresh",
        Some(&key),
    ))
    .await
    .expect("handler");

    assert!(world.key_active("fresh", &key).await);
    assert_eq!(world.slack.posts().await, Vec::<Value>::new());
    assert_eq!(world.ledger().await, vec![]);
}

#[tokio::test]
async fn a_reactivated_old_key_is_fixed_again_at_once() {
    let world = world().await;
    let key = world.user_with_key("svc-reporting", 120, Some(1)).await;
    let f = world.function().await;
    f.handle(scheduled_event("sweep-before")).await.expect("handler");
    assert!(!world.key_active("svc-reporting", &key).await);

    // The user turns the key back on; CloudTrail reports UpdateAccessKey.
    world.set_key_active("svc-reporting", &key, true).await;
    f.handle(fixture_for_user(
        "cloudtrail-update-access-key.json",
        "svc-reporting",
        Some(&key),
    ))
    .await
    .expect("handler");

    assert!(
        !world.key_active("svc-reporting", &key).await,
        "re-activated key left on"
    );
    let recs = records(&world, "svc-reporting").await;
    assert_eq!(recs.len(), 2, "{recs:#?}");
    for r in &recs {
        assert_fixed(r, KEY_ROTATED_RULE);
    }
    assert!(
        recs.iter().any(|r| r.trigger == "CloudTrail UpdateAccessKey"
            && r.actor.as_ref().is_some_and(|a| a.arn.ends_with("user/svc-reporting"))),
        "{recs:#?}"
    );
    assert_eq!(posts_about(&world, "svc-reporting").await.len(), 2);
}

#[tokio::test]
async fn a_break_glass_user_is_untouched_and_noticed_loudly() {
    let world = world().await;
    let key = world.user_with_key("break-glass-admin", 400, None).await;
    world
        .tag_user("break-glass-admin", BREAK_GLASS_TAG, "emergency access, vault 7")
        .await;
    let f = world.function().await;

    f.handle(scheduled_event("sweep-bg")).await.expect("handler");

    assert!(
        world.key_active("break-glass-admin", &key).await,
        "a break-glass key was deactivated"
    );
    let recs = records(&world, "break-glass-admin").await;
    // Both the age and the unused rule see it; neither touches it.
    assert_eq!(recs.len(), 2, "{recs:#?}");
    for r in &recs {
        assert_eq!(r.outcome, Outcome::BreakGlass, "{r:#?}");
        assert!(r.notes.iter().any(|n| n.contains("break-glass")), "{r:#?}");
    }
    let posts = posts_about(&world, "break-glass-admin").await;
    assert_eq!(posts.len(), 2, "{posts:#?}");
    for p in &posts {
        let t = p.to_string();
        assert!(t.contains(":rotating_light:") && t.contains("break-glass"), "{p:#}");
    }
}

#[tokio::test]
async fn undo_reactivates_the_key_exactly() {
    let world = world().await;
    let key = world.user_with_key("undo-me", 95, Some(2)).await;
    let other = world.create_access_key("undo-me").await;
    let seeded = world.keys("undo-me").await;
    let f = world.function().await;
    f.handle(scheduled_event("sweep-undo")).await.expect("handler");
    assert!(!world.key_active("undo-me", &key).await);
    assert!(world.key_active("undo-me", &other).await, "the fresh key was touched");

    let rec = only_record(&world, "undo-me").await;
    let undo = Plan::of(rec.actions.clone())
        .undo()
        .expect("deactivation is reversible");
    let r = ResourceRef::iam_user("undo-me", ACCOUNT, REGION);
    for a in &undo.actions {
        f.app.ports.remediator.apply(&r, a).await.expect("undo action");
    }

    assert_eq!(world.keys("undo-me").await, seeded, "undo did not restore the keys");
}

#[tokio::test]
async fn notify_mode_changes_nothing_and_posts_a_notice() {
    let world = world().await;
    world.set_mode(KEY_ROTATED_RULE, Mode::Notify).await;
    let key = world.user_with_key("notify-me", 91, Some(1)).await;
    let f = world.function().await;

    f.handle(scheduled_event("sweep-notify")).await.expect("handler");

    assert!(
        world.key_active("notify-me", &key).await,
        "notify mode deactivated the key"
    );
    let rec = only_record(&world, "notify-me").await;
    assert_eq!(rec.outcome, Outcome::Notified, "{rec:#?}");
    assert!(!rec.actions.is_empty(), "the notice should carry the planned fix");
    assert_eq!(posts_about(&world, "notify-me").await.len(), 1);
}

#[tokio::test]
async fn off_mode_changes_nothing_posts_nothing_records_nothing() {
    let world = world().await;
    world.set_mode(KEY_ROTATED_RULE, Mode::Off).await;
    let key = world.user_with_key("off-me", 91, Some(1)).await;
    let f = world.function().await;

    f.handle(scheduled_event("sweep-off")).await.expect("handler");

    assert!(world.key_active("off-me", &key).await);
    assert_eq!(world.slack.posts().await, Vec::<Value>::new());
    assert_eq!(world.ledger().await, vec![]);
}

#[tokio::test]
async fn replaying_the_same_event_makes_one_change_and_one_notice() {
    let world = world().await;
    let key = world.user_with_key("svc-reporting", 100, Some(3)).await;
    let f = world.function().await;
    let event = fixture_for_user("cloudtrail-update-access-key.json", "svc-reporting", Some(&key));

    f.handle(event.clone()).await.expect("first delivery");
    f.handle(event).await.expect("second delivery");

    assert!(!world.key_active("svc-reporting", &key).await);
    assert_fixed(&only_record(&world, "svc-reporting").await, KEY_ROTATED_RULE);
    assert_eq!(world.slack.posts().await.len(), 1);
}

#[tokio::test]
async fn a_config_compliance_change_naming_the_user_by_unique_id_is_fixed() {
    let world = world().await;
    let key = world.user_with_key("config-named", 91, Some(1)).await;
    let unique_id = world.user_id("config-named").await;
    // AWS Config names IAM users by their unique id (AIDA...), not their name.
    let mut event = fixture("config-compliance-change-bucket.json");
    event["detail"]["configRuleName"] = json!("access-keys-rotated");
    event["detail"]["resourceType"] = json!("AWS::IAM::User");
    event["detail"]["resourceId"] = json!(unique_id);
    event["detail"]["awsRegion"] = json!(REGION);
    let q = &mut event["detail"]["newEvaluationResult"]["evaluationResultIdentifier"]["evaluationResultQualifier"];
    q["configRuleName"] = json!("access-keys-rotated");
    q["resourceType"] = json!("AWS::IAM::User");
    q["resourceId"] = json!(unique_id);
    let f = world.function().await;

    f.handle(event).await.expect("handler");

    assert!(!world.key_active("config-named", &key).await);
    let recs = world.ledger().await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_fixed(&recs[0], KEY_ROTATED_RULE);
    // The actions name the user as IAM knows it.
    assert_eq!(
        recs[0].actions,
        vec![policy::Action::from(policy::kinds::iam_user::DeactivateAccessKey {
            user: "config-named".into(),
            key_id: key
        })]
    );
}

#[tokio::test]
async fn a_key_both_over_age_and_unused_is_deactivated_once() {
    let world = world().await;
    let key = world.user_with_key("both-old-and-idle", 120, None).await;
    let f = world.function().await;
    f.handle(scheduled_event("sweep-both")).await.expect("handler");
    assert!(!world.key_active("both-old-and-idle", &key).await);
    // The rules of one resource run in turn: the second reads the key inactive.
    let fixed: Vec<LedgerRecord> = records(&world, "both-old-and-idle")
        .await
        .into_iter()
        .filter(|r| r.outcome == Outcome::Fixed)
        .collect();
    assert_eq!(fixed.len(), 1, "{fixed:?}");
    assert_eq!(posts_about(&world, "both-old-and-idle").await.len(), 1);
}
