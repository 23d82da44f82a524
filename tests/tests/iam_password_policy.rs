//! The `iam-password-policy` function, through its real Lambda handler, against moto
//! and a local Slack receiver.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_iam::types::PasswordPolicy;
use harness::{ACCOUNT, IAM_PASSWORD_POLICY, PASSWORD_RULE, REGION, World, fixture, scheduled_event};
use policy::{LedgerRecord, Mode, Outcome, Plan, ResourceRef};
use serde_json::Value;

async fn world() -> World {
    World::for_family(IAM_PASSWORD_POLICY).await
}

/// A policy to seed: (min length, upper, lower, numbers, symbols, reuse, max age, hard expiry, allow change).
#[derive(Clone, Copy)]
struct Seed {
    len: i32,
    classes: bool,
    symbols: bool,
    reuse: Option<i32>,
    max_age: Option<i32>,
    hard_expiry: bool,
    allow_change: bool,
}

async fn seed(world: &World, s: Seed) {
    world
        .iam
        .update_account_password_policy()
        .minimum_password_length(s.len)
        .require_uppercase_characters(s.classes)
        .require_lowercase_characters(s.classes)
        .require_numbers(s.classes)
        .require_symbols(s.symbols)
        .set_password_reuse_prevention(s.reuse)
        .set_max_password_age(s.max_age)
        .hard_expiry(s.hard_expiry)
        .allow_users_to_change_password(s.allow_change)
        .send()
        .await
        .expect("UpdateAccountPasswordPolicy");
}

async fn records(world: &World) -> Vec<LedgerRecord> {
    world
        .ledger()
        .await
        .into_iter()
        .filter(|r| r.rule == PASSWORD_RULE)
        .collect()
}

/// The fixture for `DeleteAccountPasswordPolicy`, with its own event id.
fn event(id: &str) -> Value {
    let mut v = fixture("cloudtrail-delete-account-password-policy.json");
    v["id"] = Value::from(id);
    v
}

/// Apply the undo of the one fixed record through the function's own remediator.
async fn undo(world: &World, f: &harness::Function) {
    let recs = records(world).await;
    let rec = recs
        .iter()
        .find(|r| r.outcome == Outcome::Fixed)
        .unwrap_or_else(|| panic!("no fixed record: {recs:#?}"));
    let plan = Plan::of(rec.actions.clone()).undo().expect("reversible");
    let r = ResourceRef::iam_account(ACCOUNT, REGION);
    for a in &plan.actions {
        f.app.ports.remediator.apply(&r, a).await.expect("undo action");
    }
}

fn assert_meets_defaults(p: &PasswordPolicy) {
    assert!(p.minimum_password_length().unwrap_or(0) >= 14, "{p:?}");
    assert!(
        p.require_uppercase_characters() && p.require_lowercase_characters(),
        "{p:?}"
    );
    assert!(p.require_numbers() && p.require_symbols(), "{p:?}");
    assert!(p.password_reuse_prevention().unwrap_or(0) >= 24, "{p:?}");
    assert!(matches!(p.max_password_age(), Some(1..=90)), "{p:?}");
}

#[tokio::test]
async fn a_missing_policy_is_set_and_undo_deletes_it_again() {
    let world = world().await;
    assert_eq!(world.password_policy().await, None);
    let f = world.function().await;

    f.handle(event("ev-missing")).await.expect("handler");

    let p = world.password_policy().await.expect("a policy");
    assert_meets_defaults(&p);
    assert_eq!(
        (
            p.minimum_password_length(),
            p.password_reuse_prevention(),
            p.max_password_age()
        ),
        (Some(14), Some(24), Some(90))
    );
    assert!(
        p.allow_users_to_change_password(),
        "a new policy lets users change their password"
    );
    let recs = records(&world).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);
    assert!(recs[0].verified);
    assert_eq!(world.slack.posts().await.len(), 1);

    undo(&world, &f).await;
    assert_eq!(world.password_policy().await, None, "undo left a policy");
}

#[tokio::test]
async fn a_weaker_policy_is_strengthened_and_undo_restores_it_exactly() {
    let world = world().await;
    // One short of every limit: length 13, reuse 23, expiry 91 days, no symbols.
    seed(
        &world,
        Seed {
            len: 13,
            classes: true,
            symbols: false,
            reuse: Some(23),
            max_age: Some(91),
            hard_expiry: false,
            allow_change: true,
        },
    )
    .await;
    let seeded = world.password_policy().await.expect("seeded");
    let f = world.function().await;

    f.handle(event("ev-weaker")).await.expect("handler");

    let p = world.password_policy().await.expect("a policy");
    assert_meets_defaults(&p);
    assert_eq!(
        (
            p.minimum_password_length(),
            p.password_reuse_prevention(),
            p.max_password_age()
        ),
        (Some(14), Some(24), Some(90))
    );
    let rec = records(&world).await.pop().expect("a record");
    assert_eq!(rec.outcome, Outcome::Fixed, "{rec:#?}");

    undo(&world, &f).await;
    assert_eq!(
        world.password_policy().await,
        Some(seeded),
        "undo did not restore the policy"
    );
}

#[tokio::test]
async fn a_policy_without_expiry_is_restored_without_expiry() {
    let world = world().await;
    seed(
        &world,
        Seed {
            len: 8,
            classes: false,
            symbols: false,
            reuse: None,
            max_age: None,
            hard_expiry: false,
            allow_change: false,
        },
    )
    .await;
    let seeded = world.password_policy().await.expect("seeded");
    assert!(!seeded.expire_passwords());
    let f = world.function().await;

    f.handle(event("ev-no-expiry")).await.expect("handler");
    let p = world.password_policy().await.expect("a policy");
    assert_meets_defaults(&p);
    assert!(!p.allow_users_to_change_password(), "an admin's choice was overridden");

    undo(&world, &f).await;
    let back = world.password_policy().await.expect("restored");
    assert_eq!(back, seeded);
    assert!(!back.expire_passwords());
}

#[tokio::test]
async fn stronger_settings_survive_the_fix() {
    let world = world().await;
    // Longer, shorter-lived, hard expiry, but no symbols.
    seed(
        &world,
        Seed {
            len: 20,
            classes: true,
            symbols: false,
            reuse: Some(24),
            max_age: Some(30),
            hard_expiry: true,
            allow_change: false,
        },
    )
    .await;
    let f = world.function().await;

    f.handle(event("ev-stronger")).await.expect("handler");

    let p = world.password_policy().await.expect("a policy");
    assert!(p.require_symbols());
    assert_eq!(p.minimum_password_length(), Some(20), "the longer minimum was lowered");
    assert_eq!(p.max_password_age(), Some(30), "the shorter expiry was lengthened");
    assert_eq!(p.hard_expiry(), Some(true));
    assert!(!p.allow_users_to_change_password());
    assert_eq!(records(&world).await.pop().map(|r| r.outcome), Some(Outcome::Fixed));
}

#[tokio::test]
async fn a_policy_exactly_at_the_limits_is_kept_and_nothing_is_said() {
    let world = world().await;
    seed(
        &world,
        Seed {
            len: 14,
            classes: true,
            symbols: true,
            reuse: Some(24),
            max_age: Some(90),
            hard_expiry: false,
            allow_change: true,
        },
    )
    .await;
    let seeded = world.password_policy().await;
    let f = world.function().await;

    f.handle(scheduled_event("sweep-at-limits")).await.expect("handler");

    assert_eq!(world.password_policy().await, seeded);
    assert!(records(&world).await.is_empty());
    assert_eq!(world.slack.posts().await, Vec::<Value>::new());
}

#[tokio::test]
async fn notify_and_off_modes_change_nothing() {
    let world = world().await;
    world.set_mode(PASSWORD_RULE, Mode::Notify).await;
    let f = world.function().await;
    f.handle(event("ev-notify")).await.expect("handler");
    assert_eq!(world.password_policy().await, None, "notify mode set a policy");
    let recs = records(&world).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Notified);
    assert_eq!(world.slack.posts().await.len(), 1);

    world.set_mode(PASSWORD_RULE, Mode::Off).await;
    f.handle(event("ev-off")).await.expect("handler");
    assert_eq!(world.password_policy().await, None, "off mode set a policy");
    assert_eq!(records(&world).await.len(), 1, "off mode recorded something");
    assert_eq!(world.slack.posts().await.len(), 1, "off mode posted");
}

#[tokio::test]
async fn replaying_the_same_event_makes_one_change_and_one_notice() {
    let world = world().await;
    let f = world.function().await;

    f.handle(event("ev-replayed")).await.expect("first delivery");
    // Someone deletes the policy again, but the same event is delivered again:
    // a replay is a duplicate, not a new violation.
    world.iam.delete_account_password_policy().send().await.unwrap();
    f.handle(event("ev-replayed")).await.expect("second delivery");

    // The duplicate changed nothing (the next event or sweep fixes the new deletion).
    assert_eq!(world.password_policy().await, None);

    let recs = records(&world).await;
    assert_eq!(recs.len(), 1, "{recs:#?}");
    assert_eq!(recs[0].outcome, Outcome::Fixed);
    assert_eq!(world.slack.posts().await.len(), 1);
}
