//! Every kind of notice says what it is about in full: rule and title, resource,
//! account and region, headline, cause, trigger and ledger id, never an empty field
//! (an admin's exemption notice once showed an empty account and region). Each outcome
//! that produces a notice is made to happen for real (the function's handler, the
//! admin acts of the CLI and the Slack buttons) against moto, and every notice is
//! checked, as given to the notifier and as rendered for Slack.
//!
//! moto can't make a write fail or silently not take (it enforces no IAM), so for
//! `failed` and `not_verified` only the remediator is replaced; everything else is real.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;

use adapters::dynamo::DynamoSettings;
use async_trait::async_trait;
use harness::*;
use policy::memory::RecordingNotifier;
use policy::notice::Notice;
use policy::ports::Remediator;
use policy::{AccountScope, Action, Actor, Mode, Outcome, PortError, ResourceRef};
use serde_json::json;

/// Whether an outcome produces a notice. Exhaustive: a new outcome must say, and join
/// [`ALL`] below.
fn notifies(o: Outcome) -> bool {
    match o {
        Outcome::Exempt
        | Outcome::Notified
        | Outcome::DryRun
        | Outcome::Fixed
        | Outcome::NotVerified
        | Outcome::Failed
        | Outcome::CannotJudge
        | Outcome::Limited
        | Outcome::Warned
        | Outcome::BreakGlass
        | Outcome::Undone
        | Outcome::ModeSet
        | Outcome::Exempted
        | Outcome::ExemptionRemoved => true,
        Outcome::Compliant
        | Outcome::Gone
        | Outcome::Off
        | Outcome::LoopGuard
        | Outcome::FailedCall
        | Outcome::Duplicate => false,
    }
}

const ALL: [Outcome; 20] = [
    Outcome::Compliant,
    Outcome::Gone,
    Outcome::Off,
    Outcome::LoopGuard,
    Outcome::FailedCall,
    Outcome::Duplicate,
    Outcome::Exempt,
    Outcome::Notified,
    Outcome::DryRun,
    Outcome::Fixed,
    Outcome::NotVerified,
    Outcome::Failed,
    Outcome::CannotJudge,
    Outcome::Limited,
    Outcome::Warned,
    Outcome::BreakGlass,
    Outcome::Undone,
    Outcome::ModeSet,
    Outcome::Exempted,
    Outcome::ExemptionRemoved,
];

fn check(n: &Notice) {
    let what = format!("{} notice: {n:?}", n.outcome);
    for (field, value) in [
        ("rule", &n.rule),
        ("rule_title", &n.rule_title),
        ("resource", &n.resource),
        ("region", &n.region),
        ("headline", &n.headline),
        ("caused_by", &n.caused_by),
        ("trigger", &n.trigger),
        ("ledger_id", &n.ledger_id),
    ] {
        assert!(!value.trim().is_empty(), "empty {field} in the {what}");
    }
    assert!(policy::account::is_account_id(&n.account), "account of the {what}");
    assert_eq!(n.account, ACCOUNT, "{what}");
    assert_eq!(n.region, REGION, "{what}");
    assert!(n.findings.iter().all(|f| !f.trim().is_empty()), "{what}");
    // As Slack shows it: the account / region field holds both.
    let message = adapters::slack::message(n).to_string();
    assert!(message.contains(&format!("{ACCOUNT} / {REGION}")), "{what}: {message}");
}

/// Fails every change, as AWS does when the role lacks a permission.
struct Refusing;
#[async_trait]
impl Remediator for Refusing {
    async fn apply(&self, _: &ResourceRef, a: &Action) -> Result<(), PortError> {
        Err(PortError::AccessDenied {
            operation: a.name().into(),
            source: "AccessDenied (a stand-in: moto enforces no IAM)".into(),
        })
    }
}

/// Accepts every change and makes none: a write that didn't take.
struct Ignoring;
#[async_trait]
impl Remediator for Ignoring {
    async fn apply(&self, _: &ResourceRef, _: &Action) -> Result<(), PortError> {
        Ok(())
    }
}

/// The function as the tests build it, its notices recorded, acting in our account.
async fn function(world: &World, env: &[(&str, &str)], notices: &Arc<RecordingNotifier>) -> Function {
    let mut vars = world.env.clone();
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let cfg =
        adapters::config::FunctionConfig::from_lookup(policy::catalog::family_by_name(&world.family).unwrap(), |k| {
            vars.get(k).cloned()
        })
        .unwrap();
    let mut f = world.function_with(&cfg).await;
    f.app.ports.notifier = notices.clone();
    f.app.sweep_ports.notifier = notices.clone();
    f.app.opts.accounts = AccountScope::own(ACCOUNT).unwrap();
    f.app.opts.actor = Some(Actor {
        arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
        role_arn: None,
        kind: Some("autofix-cli".into()),
    });
    f
}

async fn public(world: &World, bucket: &str) {
    world.public_read_bucket(bucket).await;
}

fn acl_event(bucket: &str) -> serde_json::Value {
    fixture_for_bucket("cloudtrail-put-bucket-acl.json", bucket)
}

#[tokio::test]
async fn every_notice_kind_names_its_account_region_and_every_other_field() {
    let notices = Arc::new(RecordingNotifier::default());
    let world = World::new().await;
    let f = function(&world, &[], &notices).await;

    // fixed
    public(&world, "nf-fixed").await;
    f.handle(acl_event("nf-fixed")).await.unwrap();
    // exempt (tag)
    public(&world, "nf-exempt").await;
    world.tag("nf-exempt", EXEMPT_TAG, "public website").await;
    f.handle(acl_event("nf-exempt")).await.unwrap();
    // break-glass
    public(&world, "nf-glass").await;
    world.tag("nf-glass", "hipaa-autofix:break-glass", "on-call").await;
    f.handle(acl_event("nf-glass")).await.unwrap();
    // cannot judge: a policy whose statement is not an object (moto stores it as given)
    world.create_bucket("nf-unjudgeable").await;
    world
        .put_policy(
            "nf-unjudgeable",
            &json!({"Version": "2012-10-17", "Statement": ["not an object"]}),
        )
        .await;
    f.handle(acl_event("nf-unjudgeable")).await.unwrap();
    // notified, dry run, limited: the deployment's own settings
    for (bucket, env) in [
        ("nf-notify", ("MODE_S3_BUCKET_PUBLIC_ACCESS", "notify")),
        ("nf-dry-run", ("DRY_RUN", "true")),
        ("nf-limited", ("MAX_CHANGES_PER_RUN", "0")),
    ] {
        public(&world, bucket).await;
        function(&world, &[env], &notices)
            .await
            .handle(acl_event(bucket))
            .await
            .unwrap();
    }
    // failed, not verified: the stand-in remediators
    for (bucket, remediator) in [
        ("nf-failed", Arc::new(Refusing) as Arc<dyn Remediator>),
        ("nf-not-verified", Arc::new(Ignoring)),
    ] {
        public(&world, bucket).await;
        let mut g = function(&world, &[], &notices).await;
        g.app.ports.remediator = remediator.clone();
        g.app.sweep_ports.remediator = remediator;
        let _ = g.handle(acl_event(bucket)).await;
    }

    // The admin acts, through the executor as the CLI and the Slack buttons run them.
    let settings = DynamoSettings::new(world.dynamodb.clone(), SETTINGS_TABLE);
    let exec = f.app.executor();
    let fixed = world
        .ledger_for(&bucket_arn("nf-fixed"))
        .await
        .into_iter()
        .find(|r| r.outcome == Outcome::Fixed)
        .unwrap();
    let undone = exec.undo_and_exempt(&settings, &fixed, "test", 30).await.unwrap();
    assert_eq!(undone.decision.outcome, Outcome::Undone);
    exec.set_mode(&settings, BUCKET_RULE, Mode::Notify, "test")
        .await
        .unwrap();
    exec.remove_exemption(&settings, BUCKET_RULE, &bucket_arn("nf-fixed"), "test")
        .await
        .unwrap()
        .unwrap();

    // warned: an access key a few days before its limit (the IAM family).
    let iam = World::for_family("iam-access-keys").await;
    iam.user_with_key("nf-warned", 85, Some(1)).await;
    function(&iam, &[], &notices)
        .await
        .handle(scheduled_event("nf-sweep"))
        .await
        .unwrap();

    let all = notices.notices();
    for n in &all {
        check(n);
    }
    let seen: HashSet<Outcome> = all.iter().map(|n| n.outcome).collect();
    let expected: HashSet<Outcome> = ALL.into_iter().filter(|o| notifies(*o)).collect();
    assert_eq!(seen, expected, "every outcome that notifies, and only those");
    // The admin acts, where the fields were empty: the caller's account, the SDK's region.
    let exempted = all.iter().find(|n| n.outcome == Outcome::Exempted).unwrap();
    assert_eq!((exempted.account.as_str(), exempted.region.as_str()), (ACCOUNT, REGION));
    let mode = all.iter().find(|n| n.outcome == Outcome::ModeSet).unwrap();
    assert_eq!(mode.resource, format!("rule:{BUCKET_RULE}"));
    assert_eq!(mode.account, ACCOUNT);
}
