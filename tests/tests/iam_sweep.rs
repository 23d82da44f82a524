//! IAM sweeps read the credential report once: a user it shows compliant costs no
//! per-user call, a user it shows non-compliant is read live before anything is
//! done, and events still read only the user they name. Requests are counted by
//! the moto launcher (`GET /moto-api/hipaa/requests`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use harness::*;
use policy::Outcome;

/// Calls of one IAM operation since the counters were reset.
fn calls(c: &RequestCounts, op: &str) -> u64 {
    c.by_operation.get(&format!("iam:{op}")).copied().unwrap_or(0)
}

#[tokio::test]
async fn compliant_users_cost_no_per_user_call_and_violators_are_read_live() {
    let world = World::for_family(IAM_ACCESS_KEYS).await;
    for i in 0..6 {
        world.user_with_key(&format!("sweep-ok-{i}"), 10, Some(1)).await;
    }
    let old = world.user_with_key("sweep-old", 120, Some(1)).await;
    let f = world.function().await;

    world.moto.reset_requests().await.unwrap();
    let event = policy::Event::parse(&scheduled_event("iam-sweep-1")).unwrap();
    let report = f.executor_for(&event).handle(&event).await;
    let c = world.moto.requests().await.unwrap();

    assert!(!report.fix_failed() && !report.could_not_look(), "{report:#?}");
    assert!(!world.key_active("sweep-old", &old).await);
    let fixed: Vec<_> = report
        .decisions
        .iter()
        .filter(|d| d.outcome == Outcome::Fixed)
        .map(|d| d.resource.id.clone())
        .collect();
    assert_eq!(fixed, vec!["sweep-old".to_string()]);
    // One listing and one report for the whole account ...
    assert_eq!(calls(&c, "ListUsers"), 1, "{c:?}");
    assert_eq!(calls(&c, "GetCredentialReport"), 1, "{c:?}");
    // ... no GetUser at all, and per-user reads only for the violator: its live
    // read before acting (keys, and for the unused-credentials rule their last use
    // and the password) and its verifying read.
    assert_eq!(calls(&c, "GetUser"), 0, "{c:?}");
    assert_eq!(calls(&c, "ListUserTags"), 1, "only the violator's tags: {c:?}");
    assert_eq!(calls(&c, "UpdateAccessKey"), 1, "{c:?}");
    let per_user = calls(&c, "ListAccessKeys") + calls(&c, "GetAccessKeyLastUsed") + calls(&c, "GetLoginProfile");
    assert!(per_user <= 8, "the six compliant users cost per-user calls: {c:?}");
    for d in report
        .decisions
        .iter()
        .filter(|d| d.resource.id.starts_with("sweep-ok-") && d.outcome != Outcome::Off)
    {
        assert_eq!(d.outcome, Outcome::Compliant, "{d:?}");
        assert!(
            d.notes.iter().any(|n| n.contains("credential report")),
            "{} was not judged from the report: {:?}",
            d.resource,
            d.notes
        );
    }
}

#[tokio::test]
async fn an_event_reads_only_the_user_it_names() {
    let world = World::for_family(IAM_ACCESS_KEYS).await;
    for i in 0..3 {
        world.user_with_key(&format!("bystander-{i}"), 10, None).await;
    }
    let key = world.user_with_key("named", 120, Some(1)).await;
    let f = world.function().await;

    world.moto.reset_requests().await.unwrap();
    f.handle(fixture_for_user(
        "cloudtrail-update-access-key.json",
        "named",
        Some(&key),
    ))
    .await
    .expect("handler");
    let c = world.moto.requests().await.unwrap();

    assert!(!world.key_active("named", &key).await);
    assert_eq!(calls(&c, "ListUsers"), 0, "{c:?}");
    assert_eq!(
        calls(&c, "GenerateCredentialReport") + calls(&c, "GetCredentialReport"),
        0,
        "{c:?}"
    );
    assert_eq!(calls(&c, "ListUserTags"), 1, "{c:?}");
}
