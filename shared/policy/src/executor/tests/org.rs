//! Organisation mode in the executor: modes set per account and OU, and the
//! per-account hourly change limit.
use super::*;
use crate::org::{AccountStatus, MemberAccount, ModeScope, Registry};

const MEMBER: &str = "210987654321";
const OU: &str = "ou-ab12-workloads";

fn member_bucket(name: &str) -> ResourceRef {
    ResourceRef::bucket(name, MEMBER, REGION)
}

/// A PutBucketAcl in the member account (as forwarded to the central bus).
fn member_put_acl(bucket: &str, id: &str) -> Event {
    let mut e = put_acl_by(bucket, "arn:aws:iam::210987654321:user/bob", id);
    e.account = MEMBER.into();
    e.accounts = vec![crate::event::AccountClaim::new(
        crate::event::AccountField::Recipient,
        MEMBER,
    )];
    e.resources = vec![member_bucket(bucket)];
    e
}

/// A harness in organisation mode: the central account and one member under `OU`.
fn org_harness() -> Harness {
    let mut h = Harness::new();
    let registry = Registry::new(
        [MemberAccount {
            id: MEMBER.into(),
            name: Some("prod".into()),
            status: AccountStatus::Active,
            ou_path: vec![OU.into()],
        }],
        None,
    );
    h.opts.accounts = registry.scope(Some(ACCOUNT)).unwrap();
    h.opts.organisation = Some(Arc::new(registry));
    h
}

#[tokio::test]
async fn a_member_accounts_event_is_fixed_in_that_account() {
    let h = org_harness();
    h.world.insert(member_bucket("m"), public_bucket("m", &[]));
    let r = h.buckets().handle(&member_put_acl("m", "ev-m")).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Fixed);
    assert_eq!(d.resource.account, MEMBER);
    assert_eq!(h.records()[0].account, MEMBER);
}

#[tokio::test]
async fn a_mode_set_for_the_account_wins_over_its_ou_and_the_organisation() {
    let h = org_harness();
    h.settings.set_mode(s3_bucket_public_access::ID, Mode::Auto);
    h.settings
        .set_scoped(s3_bucket_public_access::ID, ModeScope::Ou(OU.into()), Mode::Off);
    h.settings.set_scoped(
        s3_bucket_public_access::ID,
        ModeScope::Account(MEMBER.into()),
        Mode::Notify,
    );
    h.world.insert(member_bucket("m"), public_bucket("m", &[]));
    let d = only(&h.buckets().handle(&member_put_acl("m", "ev-1")).await).clone();
    assert_eq!((d.outcome, d.mode), (Outcome::Notified, Mode::Notify));
    assert_eq!(d.mode_scope, Some(ModeScope::Account(MEMBER.into())));
    assert!(h.world.applied().is_empty());
}

#[tokio::test]
async fn an_ou_mode_applies_to_its_accounts_and_not_to_others() {
    let h = org_harness();
    h.settings
        .set_scoped(s3_bucket_public_access::ID, ModeScope::Ou(OU.into()), Mode::Notify);
    h.world.insert(member_bucket("m"), public_bucket("m", &[]));
    h.world.insert(bucket_ref("c"), public_bucket("c", &[]));
    assert_eq!(
        only(&h.buckets().handle(&member_put_acl("m", "ev-1")).await).outcome,
        Outcome::Notified
    );
    // The central account is in no OU of the registry: the organisation default (auto).
    assert_eq!(only(&h.buckets().handle(&put_acl("c")).await).outcome, Outcome::Fixed);
}

#[tokio::test]
async fn an_admins_fix_does_not_override_a_notify_set_for_the_account() {
    let mut h = org_harness();
    h.opts.force_auto = true;
    h.settings.set_mode(s3_bucket_public_access::ID, Mode::Notify);
    h.world.insert(bucket_ref("c"), public_bucket("c", &[]));
    // The organisation-wide notify is overridden by an explicit fix, as before.
    assert_eq!(only(&h.buckets().handle(&put_acl("c")).await).outcome, Outcome::Fixed);
    h.settings.set_scoped(
        s3_bucket_public_access::ID,
        ModeScope::Account(MEMBER.into()),
        Mode::Notify,
    );
    h.world.insert(member_bucket("m"), public_bucket("m", &[]));
    let r = h.buckets().handle(&Event::manual(MEMBER, REGION, None)).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Notified);
    assert!(
        d.notes.iter().any(|n| n.contains("set for account 210987654321")),
        "{d:?}"
    );
}

#[tokio::test]
async fn the_hourly_limit_counts_per_account_across_runs_and_names_itself() {
    let mut h = org_harness();
    h.opts.max_changes_per_account_per_hour = Some(1);
    for name in ["m1", "m2"] {
        h.world.insert(member_bucket(name), public_bucket(name, &[]));
    }
    h.world.insert(bucket_ref("c"), public_bucket("c", &[]));
    assert_eq!(
        only(&h.buckets().handle(&member_put_acl("m1", "ev-1")).await).outcome,
        Outcome::Fixed
    );
    // A second run (another event) in the same hour: the member's limit is spent.
    let r = h.buckets().handle(&member_put_acl("m2", "ev-2")).await;
    let d = only(&r);
    assert_eq!(d.outcome, Outcome::Limited);
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("MaxChangesPerAccountPerHour") && n.contains(MEMBER)),
        "{d:?}"
    );
    // Another account has its own count.
    assert_eq!(only(&h.buckets().handle(&put_acl("c")).await).outcome, Outcome::Fixed);
    // The claim was given back: after the hour (a new count), the same event fixes it.
    h.opts.clock = Arc::new(|| now() + chrono::Duration::hours(1));
    assert_eq!(
        only(&h.buckets().handle(&member_put_acl("m2", "ev-2")).await).outcome,
        Outcome::Fixed
    );
}

#[tokio::test]
async fn an_account_outside_the_organisation_is_refused() {
    let h = org_harness();
    let mut e = member_put_acl("x", "ev-x");
    e.account = "999999999999".into();
    let r = h.buckets().handle(&e).await;
    assert!(
        matches!(r.refused, Some(crate::AccountRefusal::Foreign { ref account, .. }) if account == "999999999999"),
        "{r:?}"
    );
    assert!(h.records().is_empty() && h.notifier.notices().is_empty());
}
