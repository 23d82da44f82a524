//! Whole runs: sweeps, Config invocations, claim keys, foreign accounts, own resources.

use super::*;

#[tokio::test]
async fn a_sweep_lists_each_kind_once_and_runs_one_resources_rules_in_order() {
    let h = Harness::new();
    let alice = ResourceRef::iam_user("alice", ACCOUNT, REGION);
    // Over-age and unused: the first rule deactivates it, the second reads it inactive.
    h.world
        .insert(alice.clone(), user_with_keys(vec![key("AKIAOLD", true, 200, None)]));
    let rules = crate::catalog::family(crate::family::IAM_ACCESS_KEYS);
    let r = h
        .executor_for(rules)
        .handle(&Event::manual(ACCOUNT, REGION, None))
        .await;
    let by_rule: BTreeMap<&str, Outcome> = r.decisions.iter().map(|d| (d.rule.as_str(), d.outcome)).collect();
    assert_eq!(by_rule["iam-access-key-rotated"], Outcome::Fixed);
    assert_eq!(by_rule["iam-credentials-unused"], Outcome::Compliant);
    assert_eq!(by_rule["iam-inactive-access-key-deleted"], Outcome::Off);
    assert_eq!(h.world.applied().len(), 1);
}

#[tokio::test]
async fn a_config_invocation_gets_an_evaluation_per_decision() {
    let h = Harness::new();
    h.world.insert(bucket_ref("b"), public_bucket("b", &[]));
    let mut ev = put_acl("b");
    ev.source = EventSource::ConfigRule {
        rule_name: "hipaa-autofix-s3-bucket-public-access".into(),
        result_token: "token".into(),
        ordering_time: now(),
        event_left_scope: false,
    };
    ev.actor = None;
    let r = h.buckets().handle(&ev).await;
    assert_eq!(only(&r).outcome, Outcome::Fixed);
    let calls = h.reporter.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].1[0].compliance, "COMPLIANT");
    assert_eq!(calls[0].1[0].resource_id, "b");
}

#[test]
fn an_event_id_in_other_case_or_padded_claims_the_same_key() {
    let key = claim_key("6a7e8feb-b491-4cf7-a9f1-bf3703467718", "r", "arn:aws:s3:::b");
    for spelling in [
        "6A7E8FEB-B491-4CF7-A9F1-BF3703467718",
        "6a7E8fEb-B491-4cf7-A9f1-bF3703467718",
        " 6a7e8feb-b491-4cf7-a9f1-bf3703467718\n",
        "\t6A7E8FEB-B491-4CF7-A9F1-BF3703467718 ",
    ] {
        assert_eq!(claim_key(spelling, "r", "arn:aws:s3:::b"), key, "{spelling:?}");
    }
    // Another event, rule or resource is another claim.
    assert_ne!(
        claim_key("6a7e8feb-b491-4cf7-a9f1-bf3703467719", "r", "arn:aws:s3:::b"),
        key
    );
    assert_ne!(
        claim_key("6a7e8feb-b491-4cf7-a9f1-bf3703467718", "q", "arn:aws:s3:::b"),
        key
    );
    assert_ne!(
        claim_key("6a7e8feb-b491-4cf7-a9f1-bf3703467718", "r", "arn:aws:s3:::c"),
        key
    );
}

#[tokio::test]
async fn an_event_about_another_account_is_refused_before_any_read() {
    let h = Harness::new();
    h.world.insert(bucket_ref("b"), public_bucket("b", &[]));
    let mut ev = put_acl("b");
    ev.account = "210987654321".into();
    ev.accounts = vec![crate::event::AccountClaim::new(
        crate::event::AccountField::Recipient,
        "210987654321",
    )];
    let r = h.buckets().handle(&ev).await;
    assert!(r.refused.is_some() && r.decisions.is_empty() && r.has_failures());
    assert!(h.world.reads().is_empty());
}

#[tokio::test]
async fn the_deployments_own_resources_are_never_judged() {
    let mut h = Harness::new();
    h.opts.own_resources = vec![bucket_ref("ours").arn()];
    h.world.insert(bucket_ref("ours"), public_bucket("ours", &[]));
    let r = h.buckets().handle(&put_acl("ours")).await;
    assert!(r.decisions.is_empty(), "{:?}", r.decisions.len());
    assert!(h.world.reads().is_empty(), "our own resource was read");
    assert!(h.records().is_empty() && h.notifier.notices().is_empty());
}
