//! A scenario per Outcome, and a test that every Outcome is reached by one.

use super::*;

/// What a scenario produced: the one decision's outcome, an ignored event's, or an
/// admin act's.
async fn reach(o: Outcome) -> Outcome {
    match o {
        Outcome::Compliant => only(&compliant().await.1).outcome,
        Outcome::Gone => only(&gone_before_the_read().await.1).outcome,
        Outcome::Off => only(&off().await.1).outcome,
        Outcome::LoopGuard => loop_guard().await.ignored_as.expect("ignored"),
        Outcome::FailedCall => failed_call().await.ignored_as.expect("ignored"),
        Outcome::Duplicate => only(&duplicate().await.1).outcome,
        Outcome::Exempt => only(&exempt().await.1).outcome,
        Outcome::Notified => only(&notified().await.1).outcome,
        Outcome::DryRun => only(&dry_run().await.1).outcome,
        Outcome::Fixed => only(&fixed().await.1).outcome,
        Outcome::NotVerified => only(&not_verified().await.1).outcome,
        Outcome::Failed => only(&failed_apply(denied).await.1).outcome,
        Outcome::CannotJudge => only(&cannot_judge().await.1).outcome,
        Outcome::Limited => only(&limited().await.1).outcome,
        Outcome::Warned => only(&warned().await.1).outcome,
        Outcome::BreakGlass => only(&break_glass().await.1).outcome,
        Outcome::Undone => undone().await.1.outcome,
        Outcome::ModeSet => admin_acts().await[0],
        Outcome::Exempted => admin_acts().await[1],
        Outcome::ExemptionRemoved => admin_acts().await[2],
    }
}

#[tokio::test]
async fn every_outcome_is_reached_by_a_scenario() {
    for o in Outcome::ALL {
        assert_eq!(reach(o).await, o, "the scenario for {o}");
    }
}

async fn compliant() -> (Harness, RunReport) {
    let h = Harness::new();
    h.world.insert(bucket_ref("b"), private_bucket("b"));
    let r = h.buckets().handle(&put_acl("b")).await;
    (h, r)
}

#[tokio::test]
async fn a_compliant_resource_costs_one_read_and_leaves_no_record() {
    let (h, r) = compliant().await;
    assert_eq!(only(&r).outcome, Outcome::Compliant);
    assert_eq!(h.world.reads().len(), 1, "only Block Public Access is read");
    assert!(h.records().is_empty() && h.notifier.notices().is_empty());
}

async fn gone_before_the_read() -> (Harness, RunReport) {
    let h = Harness::new();
    let r = h.buckets().handle(&put_acl("b")).await;
    (h, r)
}

#[tokio::test]
async fn a_vanished_resource_is_a_quiet_no_op() {
    let (h, r) = gone_before_the_read().await;
    assert_eq!(only(&r).outcome, Outcome::Gone);
    assert!(!r.has_failures());
    assert!(h.records().is_empty() && h.notifier.notices().is_empty());
}

#[tokio::test]
async fn a_resource_that_vanishes_before_the_fix_is_gone_and_its_claim_released() {
    let h = Harness::new();
    h.world.set_faults(Faults {
        vanish_on_apply: true,
        ..Faults::default()
    });
    let r = handle_public(&h, &[]).await;
    assert_eq!(only(&r).outcome, Outcome::Gone);
    assert!(h.records().is_empty() && h.notifier.notices().is_empty());
    // The claim was given back: the same event, redelivered, is judged again (and is gone).
    h.world.set_faults(Faults::default());
    h.world.insert(bucket_ref("b"), public_bucket("b", &[]));
    let again = h.buckets().handle(&put_acl("b")).await;
    assert_eq!(only(&again).outcome, Outcome::Fixed);
}

async fn off() -> (Harness, RunReport) {
    let h = Harness::new();
    h.settings.set_mode(s3_bucket_public_access::ID, Mode::Off);
    let r = handle_public(&h, &[]).await;
    (h, r)
}

#[tokio::test]
async fn a_rule_that_is_off_reads_and_records_nothing() {
    let (h, r) = off().await;
    assert_eq!(only(&r).outcome, Outcome::Off);
    assert!(h.world.reads().is_empty());
    assert!(h.records().is_empty());
}

async fn loop_guard() -> RunReport {
    let h = Harness::new();
    h.world.insert(bucket_ref("b"), public_bucket("b", &[]));
    let ev = put_acl_by(
        "b",
        "arn:aws:sts::123456789012:assumed-role/hipaa-autofix-s3/session",
        "ev-own",
    );
    let r = h.buckets().handle(&ev).await;
    assert!(h.world.reads().is_empty());
    r
}

#[tokio::test]
async fn our_own_events_are_ignored_by_the_loop_guard() {
    let r = loop_guard().await;
    assert_eq!(r.ignored_as, Some(Outcome::LoopGuard));
    assert!(r.decisions.is_empty());
    assert!(r.ignored.as_deref().is_some_and(|i| i.contains("own role")), "{r:?}");
}

async fn failed_call() -> RunReport {
    let h = Harness::new();
    h.world.insert(bucket_ref("b"), public_bucket("b", &[]));
    let mut ev = put_acl("b");
    ev.source = EventSource::CloudTrail {
        event_name: "PutBucketAcl".into(),
        event_source: "s3.amazonaws.com".into(),
        error_code: Some("AccessDenied".into()),
    };
    let r = h.buckets().handle(&ev).await;
    assert!(h.world.reads().is_empty());
    r
}

#[tokio::test]
async fn an_event_recording_a_failed_call_is_ignored() {
    let r = failed_call().await;
    assert_eq!(r.ignored_as, Some(Outcome::FailedCall));
    assert!(r.decisions.is_empty());
}

async fn duplicate() -> (Harness, RunReport) {
    let h = Harness::new();
    h.settings.set_mode(s3_bucket_public_access::ID, Mode::Notify);
    let first = handle_public(&h, &[]).await;
    assert_eq!(only(&first).outcome, Outcome::Notified);
    let r = h.buckets().handle(&put_acl("b")).await;
    (h, r)
}

#[tokio::test]
async fn the_same_event_twice_is_one_decision_and_one_notice() {
    let (h, r) = duplicate().await;
    assert_eq!(only(&r).outcome, Outcome::Duplicate);
    assert_eq!(h.records().len(), 1);
    assert_eq!(h.notifier.notices().len(), 1);
}

async fn exempt() -> (Harness, RunReport) {
    let h = Harness::new();
    let r = handle_public(&h, &[("hipaa-autofix:exempt", "public site until=2026-12-31")]).await;
    (h, r)
}

#[tokio::test]
async fn an_exempt_resource_is_reported_not_changed() {
    let (h, r) = exempt().await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Exempt);
    assert!(d.notes.iter().any(|n| n.contains("public site")), "{d:?}");
    assert!(h.world.applied().is_empty());
    assert_eq!(h.records()[0].outcome, Outcome::Exempt);
}

#[tokio::test]
async fn an_expired_exemption_is_noted_and_the_fix_goes_ahead() {
    let h = Harness::new();
    let r = handle_public(&h, &[("hipaa-autofix:exempt", "old until=2026-01-01")]).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Fixed);
    assert!(d.notes.iter().any(|n| n.contains("expired")), "{d:?}");
}

#[tokio::test]
async fn an_exemption_held_in_the_settings_exempts_too() {
    let h = Harness::new();
    h.settings.exempt(
        s3_bucket_public_access::ID,
        "arn:aws:s3:::b",
        crate::settings::Exemption {
            reason: "website".into(),
            until: None,
            source: crate::settings::ExemptionSource::Settings { by: None },
        },
    );
    assert_eq!(only(&handle_public(&h, &[]).await).outcome, Outcome::Exempt);
}

#[tokio::test]
async fn an_unreadable_until_is_ignored_loudly_and_the_fix_goes_ahead() {
    let h = Harness::new();
    let r = handle_public(&h, &[("hipaa-autofix:exempt", "site until=31/12/2026")]).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Fixed);
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("is not a date") && n.contains("the tag is ignored")),
        "{d:?}"
    );
}

async fn notified() -> (Harness, RunReport) {
    let h = Harness::new();
    h.settings.set_mode(s3_bucket_public_access::ID, Mode::Notify);
    let r = handle_public(&h, &[]).await;
    (h, r)
}

#[tokio::test]
async fn notify_mode_reports_the_plan_and_changes_nothing() {
    let (h, r) = notified().await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Notified);
    assert_eq!(d.plan.actions.len(), 2, "the plan is reported");
    assert!(h.world.applied().is_empty());
    let n = &h.notifier.notices()[0];
    assert_eq!(n.outcome, Outcome::Notified);
    assert_eq!(n.changes.len(), 2);
}

#[tokio::test]
async fn a_fix_only_a_person_can_make_is_notified_with_what_to_do() {
    let h = Harness::new();
    let r = ResourceRef::iam_account(ACCOUNT, REGION);
    h.world
        .insert(r.clone(), crate::rules::samples::account(Some(None), Some(false)));
    let mut ev = put_acl("x");
    ev.source = EventSource::Manual;
    ev.resources = vec![r];
    let report = h
        .executor_for(vec![Arc::new(iam_root_account_mfa::IamRootAccountMfa)])
        .handle(&ev)
        .await;
    let d = only(&report);
    assert_eq!(d.outcome, Outcome::Notified);
    assert!(d.notes.iter().any(|n| n.contains("Assign MFA")), "{d:?}");
}

#[tokio::test]
async fn an_admin_fix_overrides_notify_mode() {
    let mut h = Harness::new();
    h.settings.set_mode(s3_bucket_public_access::ID, Mode::Notify);
    h.opts.force_auto = true;
    assert_eq!(only(&handle_public(&h, &[]).await).outcome, Outcome::Fixed);
}

async fn dry_run() -> (Harness, RunReport) {
    let mut h = Harness::new();
    h.opts.dry_run = true;
    let r = handle_public(&h, &[]).await;
    (h, r)
}

#[tokio::test]
async fn a_dry_run_records_what_would_change_and_changes_nothing() {
    let (h, r) = dry_run().await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::DryRun);
    assert_eq!(d.plan.actions.len(), 2);
    assert!(h.world.applied().is_empty());
    let rec = &h.records()[0];
    assert!(rec.dry_run && !rec.verified);
    assert_eq!(rec.actions.len(), 2, "the planned actions are recorded");
}

async fn fixed() -> (Harness, RunReport) {
    let h = Harness::new();
    let r = handle_public(&h, &[]).await;
    (h, r)
}

#[tokio::test]
async fn a_violation_is_fixed_verified_recorded_and_notified_with_its_undo() {
    let (h, r) = fixed().await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Fixed);
    let names: Vec<&str> = d.plan.actions.iter().map(Action::name).collect();
    assert_eq!(names, ["PutBucketAcl", "PutBucketPublicAccessBlock"]);
    let now = h.world.get(&bucket_ref("b")).unwrap();
    assert!(matches!(
        Rule::evaluate(&s3_bucket_public_access::S3BucketPublicAccess, &now),
        Verdict::Compliant { .. }
    ));
    let rec = &h.records()[0];
    assert!(rec.verified && rec.before.is_some() && rec.after.is_some());
    assert_eq!(Some(rec.id.clone()), d.ledger_id);
    let n = &h.notifier.notices()[0];
    assert_eq!(n.headline, "Fixed and verified");
    assert_eq!(n.undo.as_deref(), Some(format!("autofix undo {}", rec.id).as_str()));
    assert_eq!(n.caused_by, "arn:aws:iam::123456789012:user/alice");
}

async fn not_verified() -> (Harness, RunReport) {
    let h = Harness::new();
    h.world.set_faults(Faults {
        apply_ignored: true,
        ..Faults::default()
    });
    let r = handle_public(&h, &[]).await;
    (h, r)
}

#[tokio::test]
async fn a_change_that_does_not_verify_is_not_verified_and_fails_the_run() {
    let (h, r) = not_verified().await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::NotVerified);
    assert!(d.notes.iter().any(|n| n.contains("still says")), "{d:?}");
    assert!(r.has_failures());
    assert!(!h.records()[0].verified);
}

async fn failed_apply(make: fn() -> PortError) -> (Harness, RunReport) {
    let h = Harness::new();
    h.world.set_faults(Faults {
        apply: Some(make),
        ..Faults::default()
    });
    let r = handle_public(&h, &[]).await;
    (h, r)
}

#[tokio::test]
async fn a_denied_call_fails_the_decision_for_good_and_keeps_the_claim() {
    let (h, r) = failed_apply(denied).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Failed);
    assert!(!d.retryable && !r.retryable);
    assert!(
        d.error
            .as_deref()
            .is_some_and(|e| e.starts_with("PutBucketAcl failed: access denied")),
        "{d:?}"
    );
    assert_eq!(h.records()[0].outcome, Outcome::Failed);
    // Not worth a retry: the claim stays, a redelivery is a duplicate.
    h.world.set_faults(Faults::default());
    assert_eq!(
        only(&h.buckets().handle(&put_acl("b")).await).outcome,
        Outcome::Duplicate
    );
}

#[tokio::test]
async fn a_throttled_call_before_any_change_releases_the_claim_for_the_retry() {
    let (h, r) = failed_apply(throttled).await;
    assert_eq!(only(&r).outcome, Outcome::Failed);
    assert!(r.retryable);
    h.world.set_faults(Faults::default());
    assert_eq!(only(&h.buckets().handle(&put_acl("b")).await).outcome, Outcome::Fixed);
}

#[tokio::test]
async fn a_change_reported_as_failed_is_failed_and_the_next_read_sees_it() {
    let h = Harness::new();
    h.world.set_faults(Faults {
        apply_changes_then: Some(denied),
        ..Faults::default()
    });
    let r = handle_public(&h, &[]).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Failed);
    // The first step changed the bucket before failing; the run stopped there.
    assert_eq!(h.world.applied().len(), 1);
    assert!(
        d.plan.actions.is_empty(),
        "only actions that succeeded count as applied"
    );
    let rec = &h.records()[0];
    assert!(rec.after.is_some(), "the state after the failure is recorded");
}

#[tokio::test]
async fn a_failed_read_fails_the_decision_retryably_and_is_recorded_unexamined() {
    let h = Harness::new();
    h.world.set_faults(Faults {
        read: Some(throttled),
        ..Faults::default()
    });
    let r = handle_public(&h, &[]).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Failed);
    assert!(d.retryable && r.retryable);
    assert!(
        d.error
            .as_deref()
            .is_some_and(|e| e.starts_with("reading the resource")),
        "{d:?}"
    );
    // Every failure is in the ledger; this one without a before-state, and the run
    // says it could not look at everything.
    assert!(d.not_examined && r.could_not_look() && !r.fix_failed());
    let recs = h.records();
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].outcome, Outcome::Failed);
    assert!(recs[0].before.is_none());
}

async fn cannot_judge() -> (Harness, RunReport) {
    let h = Harness::new();
    let mut b = public_bucket("b", &[]);
    b.policy = Read::Value(Some("{not json".into()));
    h.world.insert(bucket_ref("b"), b);
    let r = h.buckets().handle(&put_acl("b")).await;
    (h, r)
}

#[tokio::test]
async fn a_state_that_cannot_be_judged_is_recorded_and_never_fixed_blindly() {
    let (h, r) = cannot_judge().await;
    assert_eq!(only(&r).outcome, Outcome::CannotJudge);
    assert!(h.world.applied().is_empty());
    assert_eq!(h.records()[0].outcome, Outcome::CannotJudge);
    assert!(r.has_failures(), "a person must look");
}

#[tokio::test]
async fn a_violation_without_an_automatic_fix_cannot_be_judged_and_says_so() {
    let h = Harness::new();
    h.world.insert(bucket_ref("b"), private_bucket("b"));
    let r = h.executor_for(vec![Arc::new(NoFix)]).handle(&put_acl("b")).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::CannotJudge);
    assert!(d.notes.iter().any(|n| n.contains("no automatic fix")), "{d:?}");
}

async fn limited() -> (Harness, RunReport) {
    let mut h = Harness::new();
    h.opts.max_changes = Some(0);
    let r = handle_public(&h, &[]).await;
    (h, r)
}

#[tokio::test]
async fn past_the_change_limit_a_violation_is_reported_and_left_for_the_next_run() {
    let (h, r) = limited().await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Limited);
    assert!(d.notes.iter().any(|n| n.contains("its limit")), "{d:?}");
    assert!(h.world.applied().is_empty());
    // The claim was given back: with room in the next run, the same event fixes it.
    let mut h2 = h;
    h2.opts.max_changes = Some(1);
    assert_eq!(only(&h2.buckets().handle(&put_acl("b")).await).outcome, Outcome::Fixed);
}

#[tokio::test]
async fn a_sweep_changes_at_most_the_limit() {
    let mut h = Harness::new();
    h.opts.max_changes = Some(2);
    for name in ["a", "b", "c"] {
        h.world.insert(bucket_ref(name), public_bucket(name, &[]));
    }
    h.world.insert(bucket_ref("ok"), private_bucket("ok"));
    let r = h.buckets().handle(&Event::manual(ACCOUNT, REGION, None)).await;
    assert_eq!(r.decisions.len(), 4);
    assert_eq!(r.count(Outcome::Fixed), 2);
    assert_eq!(r.count(Outcome::Limited), 1);
    assert_eq!(r.count(Outcome::Compliant), 1);
}

async fn warned() -> (Harness, RunReport) {
    let h = Harness::new();
    let r = ResourceRef::iam_user("alice", ACCOUNT, REGION);
    h.world
        .insert(r.clone(), user_with_keys(vec![key("AKIANEAR", true, 89, None)]));
    let mut ev = put_acl("x");
    ev.source = EventSource::Manual;
    ev.resources = vec![r];
    let rule = iam_access_key_rotated::IamAccessKeyRotated::new(&crate::params::Params::default());
    let report = h.executor_for(vec![Arc::new(rule)]).handle(&ev).await;
    (h, report)
}

#[tokio::test]
async fn a_warning_is_noticed_once() {
    let (h, r) = warned().await;
    assert_eq!(only(&r).outcome, Outcome::Warned);
    assert_eq!(h.notifier.notices().len(), 1);
    let rule = iam_access_key_rotated::IamAccessKeyRotated::new(&crate::params::Params::default());
    let again = h
        .executor_for(vec![Arc::new(rule)])
        .handle(&Event::manual(ACCOUNT, REGION, None))
        .await;
    assert_eq!(only(&again).outcome, Outcome::Compliant, "the warning was claimed");
    assert_eq!(h.notifier.notices().len(), 1);
}

async fn break_glass() -> (Harness, RunReport) {
    let h = Harness::new();
    let r = handle_public(&h, &[("hipaa-autofix:break-glass", "emergency")]).await;
    (h, r)
}

#[tokio::test]
async fn a_break_glass_resource_is_never_changed_and_its_violation_is_loud() {
    let (h, r) = break_glass().await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::BreakGlass);
    assert!(h.world.applied().is_empty());
    assert!(h.notifier.notices()[0].headline.starts_with("BREAK-GLASS"));
}

async fn undone() -> (Harness, Decision) {
    let (h, r) = fixed().await;
    let before = public_bucket("b", &[]);
    let rec = h.records()[0].clone();
    assert_eq!(only(&r).outcome, Outcome::Fixed);
    let d = h.buckets().undo(&rec, "test").await.unwrap();
    let now = h.world.get(&bucket_ref("b")).unwrap();
    assert_eq!(now, Snapshot::from(before), "the exact before-state is back");
    (h, d)
}

#[tokio::test]
async fn an_undo_restores_the_exact_before_state_and_is_recorded() {
    let (h, d) = undone().await;
    assert_eq!(d.outcome, Outcome::Undone);
    let names: Vec<&str> = d.plan.actions.iter().map(Action::name).collect();
    assert_eq!(names, ["DeleteBucketPublicAccessBlock", "PutBucketAcl"]);
    let recs = h.records();
    assert_eq!(recs.last().map(|r| r.outcome), Some(Outcome::Undone));
}

#[tokio::test]
async fn an_undo_is_refused_when_the_resource_changed_since() {
    let (h, _) = fixed().await;
    let rec = h.records()[0].clone();
    let mut b = h.world.get(&bucket_ref("b")).unwrap();
    if let Snapshot::S3Bucket(s) = &mut b {
        s.public_access_block = Read::Value(None);
    }
    h.world.insert(bucket_ref("b"), b);
    assert!(matches!(h.buckets().undo(&rec, "").await, Err(UndoError::Changed(_))));
}

#[tokio::test]
async fn an_undo_of_a_vanished_resource_is_refused_as_gone() {
    let (h, _) = fixed().await;
    let rec = h.records()[0].clone();
    h.world.remove(&bucket_ref("b"));
    assert!(matches!(h.buckets().undo(&rec, "").await, Err(UndoError::Gone(_))));
}

/// The outcomes of an admin setting a mode, exempting, and lifting the exemption.
async fn admin_acts() -> Vec<Outcome> {
    let h = Harness::new();
    let x = h.buckets();
    let rule = s3_bucket_public_access::ID;
    x.set_mode(h.settings.as_ref(), rule, Mode::Notify, "test")
        .await
        .unwrap();
    x.exempt(h.settings.as_ref(), rule, "arn:aws:s3:::b", "site", None)
        .await
        .unwrap();
    x.remove_exemption(h.settings.as_ref(), rule, "arn:aws:s3:::b", "")
        .await
        .unwrap();
    let outcomes: Vec<Outcome> = h.records().iter().map(|r| r.outcome).collect();
    assert!(h.records().iter().all(|r| r.verified));
    assert_eq!(h.notifier.notices().len(), 3);
    outcomes
}

#[tokio::test]
async fn admin_acts_are_recorded_and_notified() {
    assert_eq!(
        admin_acts().await,
        [Outcome::ModeSet, Outcome::Exempted, Outcome::ExemptionRemoved]
    );
}
