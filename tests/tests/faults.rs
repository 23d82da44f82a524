//! Sweeps under a high fault rate: 30 % of AWS requests throttled and 10 % of the
//! mutating ones answered 500 after they took effect, S3 and IAM rules together.
//!
//! The faults come from the moto launcher's middleware (`POST /moto-api/hipaa/faults`,
//! seeded, so a run is reproducible); the functions are the real ones, with the
//! sweep retry configuration's *numbers of attempts* as deployed and only its
//! backoffs shortened through the typed config (`RETRY_*_BACKOFF_MS_SWEEP`), so the
//! test is fast without weakening the production defaults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use adapters::config::FunctionConfig;
use harness::*;
use policy::kinds::s3_bucket;
use policy::{Action, Outcome, RunReport};
use serde_json::json;

const SEED: u64 = 20_260_101;
const THROTTLE_PERCENT: f64 = 30.0;
const AFTER_CHANGE_PERCENT: f64 = 10.0;

/// The world's environment with millisecond backoffs (the attempts stay the defaults).
fn fast_backoff(world: &mut World) {
    for (k, v) in [
        ("RETRY_INITIAL_BACKOFF_MS_SWEEP", "2"),
        ("RETRY_MAX_BACKOFF_MS_SWEEP", "20"),
        ("RETRY_INITIAL_BACKOFF_MS_EVENT", "2"),
        ("RETRY_MAX_BACKOFF_MS_EVENT", "20"),
    ] {
        world.env.insert(k.into(), v.into());
    }
}

fn public_policy(bucket: &str) -> serde_json::Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            public_read_statement(bucket),
            cloudfront_oac_statement(bucket),
        ]
    })
}

/// Every Failed or NotVerified decision of a report, and every listing error, has
/// its ledger record.
fn assert_every_failure_recorded(report: &RunReport, ledger: &[policy::LedgerRecord]) {
    for d in &report.decisions {
        assert!(
            !d.notes.iter().any(|n| n.contains("ledger write failed")),
            "{} {}: a ledger write was lost: {:?}",
            d.rule,
            d.resource,
            d.notes
        );
        if matches!(d.outcome, Outcome::Failed | Outcome::NotVerified) {
            let found = ledger.iter().any(|r| {
                r.event_id == report.event_id
                    && r.rule == d.rule
                    && r.resource == d.resource.arn()
                    && r.outcome == d.outcome
            });
            assert!(
                found,
                "failure of {} on {} in {} is not in the ledger: {:?}",
                d.rule, d.resource, report.event_id, d.error
            );
        }
    }
    for e in &report.errors {
        let found = ledger
            .iter()
            .any(|r| r.event_id == report.event_id && r.outcome == Outcome::Failed && r.error.as_deref() == Some(e));
        assert!(found, "run error {e:?} of {} is not in the ledger", report.event_id);
    }
}

#[tokio::test]
async fn sweeps_at_30_percent_throttles_and_10_percent_lost_answers_fix_everything_within_three() {
    let mut world = World::new().await;
    fast_backoff(&mut world);

    // S3: public ACLs, a public policy next to a private statement (the fix rewrites
    // the policy, then turns Block Public Access on: two changes that can be split
    // by a failure), and compliant buckets.
    let acl_buckets: Vec<String> = (0..4).map(|i| format!("fault-acl-{i}")).collect();
    for b in &acl_buckets {
        world.public_read_bucket(b).await;
    }
    let policy_buckets: Vec<String> = (0..3).map(|i| format!("fault-policy-{i}")).collect();
    for b in &policy_buckets {
        world.create_bucket(b).await;
        world.put_policy(b, &public_policy(b)).await;
    }
    let ok_buckets: Vec<String> = (0..3).map(|i| format!("fault-ok-{i}")).collect();
    for b in &ok_buckets {
        world.compliant_bucket(b).await;
    }
    // IAM: users with an over-age key, users with a fresh one.
    let mut old_keys = BTreeMap::new();
    for i in 0..6 {
        let u = format!("fault-old-{i}");
        old_keys.insert(u.clone(), world.user_with_key(&u, 120, Some(1)).await);
    }
    let mut fresh_keys = BTreeMap::new();
    for i in 0..6 {
        let u = format!("fault-fresh-{i}");
        fresh_keys.insert(u.clone(), world.user_with_key(&u, 10, Some(1)).await);
    }

    let s3 = world.function().await;
    let iam_cfg = FunctionConfig::from_lookup(policy::family::IAM_ACCESS_KEYS, |k| world.env.get(k).cloned()).unwrap();
    let iam = world.function_with(&iam_cfg).await;

    world
        .moto
        .set_faults(SEED, THROTTLE_PERCENT, AFTER_CHANGE_PERCENT)
        .await
        .unwrap();
    let mut reports: Vec<RunReport> = Vec::new();
    let mut clean_after = None;
    for n in 1..=3 {
        let mut clean = true;
        for f in [&s3, &iam] {
            let event = policy::Event::parse(&scheduled_event(&format!("fault-sweep-{n}"))).unwrap();
            let report = f.executor_for(&event).handle(&event).await;
            clean &= !report.fix_failed() && !report.could_not_look();
            reports.push(report);
        }
        if clean {
            clean_after = Some(n);
            break;
        }
    }
    let counts = world.moto.requests().await.unwrap();
    world.moto.set_faults(SEED, 0.0, 0.0).await.unwrap();
    assert!(
        counts.throttled > 0 && counts.after_change > 0,
        "the faults were injected: {counts:?}"
    );
    let clean_after = clean_after.unwrap_or_else(|| {
        let failures: Vec<String> = reports
            .iter()
            .flat_map(|r| {
                r.decisions
                    .iter()
                    .filter(|d| !d.is_resolved())
                    .map(|d| format!("{} {} {}: {:?}", r.event_id, d.rule, d.resource, d.error))
                    .chain(r.errors.iter().cloned())
            })
            .collect();
        panic!("three sweeps did not end clean:\n  {}", failures.join("\n  "))
    });
    eprintln!("clean after {clean_after} sweep(s); {counts:?}");

    // Every violation is fixed (read back without faults) and nothing else changed.
    for b in &acl_buckets {
        assert!(!world.has_public_grant(b).await, "{b} still has a public grant");
        assert_eq!(world.bpa(b).await, Some([true; 4]), "{b}");
    }
    for b in &policy_buckets {
        assert_eq!(
            world.policy_sids(b).await,
            vec!["AllowCloudFrontServicePrincipalReadOnly"],
            "{b}"
        );
        assert_eq!(world.bpa(b).await, Some([true; 4]), "{b}");
    }
    for b in &ok_buckets {
        assert_eq!(world.bpa(b).await, Some([true; 4]), "{b}");
    }
    assert_eq!(world.account_bpa().await, Some([true; 4]));
    for (u, k) in &old_keys {
        assert!(!world.key_active(u, k).await, "{u}'s over-age key is still active");
    }
    for (u, k) in &fresh_keys {
        assert!(world.key_active(u, k).await, "{u}'s fresh key was changed");
    }

    let ledger = world.ledger().await;
    for r in &reports {
        assert_every_failure_recorded(r, &ledger);
    }

    // Every change was applied (and recorded) once: a change that took effect but was
    // answered 500 is recognised on the re-read, never applied twice.
    let applied = |arn: &str, name: &str| -> usize {
        ledger
            .iter()
            .filter(|r| r.resource == arn && r.outcome.changed())
            .flat_map(|r| r.actions.iter())
            .filter(|a| a.name() == name)
            .count()
    };
    for b in &policy_buckets {
        let arn = bucket_arn(b);
        assert_eq!(applied(&arn, "PutBucketPolicy"), 1, "{b}: policy rewrites recorded");
        assert_eq!(
            applied(&arn, "PutBucketPublicAccessBlock"),
            1,
            "{b}: BPA changes recorded"
        );
        // The undo data is the first before-state: the original public policy.
        let previous = ledger
            .iter()
            .flat_map(|r| r.actions.iter())
            .find_map(|a| {
                if let Action::S3Bucket(s3_bucket::Action::PutBucketPolicy(p)) = a
                    && p.bucket == *b
                {
                    p.previous.clone()
                } else {
                    None
                }
            })
            .expect("the policy rewrite is recorded");
        assert!(
            previous.contains("PublicRead"),
            "{b}: undo data is not the original policy"
        );
    }
    for b in &acl_buckets {
        let arn = bucket_arn(b);
        assert_eq!(applied(&arn, "PutBucketAcl"), 1, "{b}: ACL rewrites recorded");
        assert_eq!(
            applied(&arn, "PutBucketPublicAccessBlock"),
            1,
            "{b}: BPA changes recorded"
        );
    }
    for u in old_keys.keys() {
        assert_eq!(
            applied(&user_arn(u), "DeactivateAccessKey"),
            1,
            "{u}: deactivations recorded"
        );
    }
    // Each violation ended fixed and verified in one record.
    for arn in acl_buckets
        .iter()
        .chain(&policy_buckets)
        .map(|b| bucket_arn(b))
        .chain(old_keys.keys().map(|u| user_arn(u)))
    {
        let fixed = ledger
            .iter()
            .filter(|r| r.resource == arn && r.outcome == Outcome::Fixed && r.verified)
            .count();
        let reported = ledger
            .iter()
            .filter(|r| {
                r.resource == arn
                    && (r.outcome == Outcome::NotVerified || (r.outcome == Outcome::Failed && !r.actions.is_empty()))
            })
            .count();
        assert!(
            fixed + reported >= 1,
            "{arn}: neither a verified fix nor a reported change in the ledger"
        );
    }
    // A partial fix is never silent: its record names what was and wasn't done.
    for r in ledger
        .iter()
        .filter(|r| r.outcome == Outcome::Failed && !r.actions.is_empty())
    {
        assert!(
            r.notes.iter().any(|n| n.contains("half-fixed")) || r.error.is_some(),
            "{}: a partial fix without a note",
            r.resource
        );
    }
}

/// A ledger claim that was written but answered 500 is retried by the SDK; the
/// retry must find the claim its own, not someone else's (which would skip the
/// work as a duplicate delivery).
#[tokio::test]
async fn a_claim_whose_answer_was_lost_is_still_the_claimants() {
    use policy::ports::Ledger;
    let world = World::new().await;
    let retry = adapters::config::Retry {
        max_attempts: 10,
        initial_backoff: std::time::Duration::from_millis(2),
        max_backoff: std::time::Duration::from_millis(20),
    };
    let clients = adapters::Clients::new(&world.sdk).with_retry(&retry.sdk());
    let ledger = adapters::DynamoLedger::new(clients.dynamodb.clone(), LEDGER_TABLE);

    world.moto.set_faults(SEED, 0.0, 50.0).await.unwrap();
    for i in 0..20 {
        assert!(
            ledger.claim(&format!("event-{i}#rule#arn")).await.unwrap(),
            "claim {i} was taken for a duplicate"
        );
    }
    let counts = world.moto.requests().await.unwrap();
    assert!(counts.after_change > 0, "no answer was lost: {counts:?}");
    world.moto.set_faults(SEED, 0.0, 0.0).await.unwrap();
    // A second claim of the same key (a repeated delivery) is still refused.
    for i in 0..20 {
        assert!(
            !ledger.claim(&format!("event-{i}#rule#arn")).await.unwrap(),
            "claim {i} twice"
        );
    }
}
