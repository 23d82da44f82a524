use super::*;
use chrono::NaiveDate;

use policy::PortError;

use crate::slack::buttons::tests::{form, payload, value};
use crate::slack::buttons::*;
use crate::slack::signature::tests::{SECRET, at, mixed_case};
use crate::slack::signature::*;

#[test]
fn the_allowlist_is_exact() {
    let a = Allowlist::parse(" U123 , ,W456,");
    assert_eq!(a.len(), 2);
    assert!(a.allows("U123") && a.allows("W456"));
    assert!(!a.allows("u123") && !a.allows("U12") && !a.allows("") && !a.allows("U123 "));
    assert!(Allowlist::parse("").is_empty());
    assert!(!Allowlist::parse("").allows(""));
}

#[test]
fn config_needs_the_tables_and_reads_every_family() {
    let vars: BTreeMap<&str, &str> = [
        ("SETTINGS_TABLE", "s"),
        ("LEDGER_TABLE", "l"),
        ("SLACK_SECRET_ID", "slack"),
        ("ADMIN_SLACK_USER_IDS", "U1,U2"),
        ("EXEMPT_TAG_KEY", "x:exempt"),
    ]
    .into();
    let c = InteractionsConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.admins.len(), 2);
    assert_eq!(c.families.len(), policy::catalog::families().len());
    assert!(c.families.iter().all(|f| f.exempt_tag == "x:exempt"));
    for missing in ["SETTINGS_TABLE", "LEDGER_TABLE"] {
        let e =
            InteractionsConfig::from_lookup(|k| (k != missing).then(|| vars.get(k).map(|v| v.to_string())).flatten());
        assert!(
            matches!(e, Err(ConfigError::Invalid { ref var, .. }) if var == missing),
            "{e:?}"
        );
    }
}

#[test]
fn undo_names_come_from_the_action_specs() {
    use policy::kinds::{ActionInfo, Undo, iam_account, iam_user, s3_bucket};
    let undo_names = |a: ActionInfo| -> BTreeSet<&'static str> {
        match a.undo() {
            Undo::By(us) => us.iter().map(|u| u.name).collect(),
            Undo::Irreversible(_) => BTreeSet::new(),
        }
    };
    assert_eq!(
        undo_names(s3_bucket::PutBucketPublicAccessBlock::INFO),
        BTreeSet::from(["PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock"])
    );
    assert_eq!(
        undo_names(iam_account::UpdateAccountPasswordPolicy::INFO),
        BTreeSet::from(["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"])
    );
    assert_eq!(
        undo_names(iam_user::AttachUserPolicy::INFO),
        BTreeSet::from(["DetachUserPolicy"])
    );
    assert!(undo_names(iam_user::DeleteAccessKey::INFO).is_empty());
}

#[test]
fn required_permissions_cover_every_fix_read_and_undo_and_no_more() {
    let p = required_permissions();
    // What reading a facet or applying an action calls (EC2's Describe calls both
    // list and read: `ec2:DescribeSecurityGroups` is a sweep's and a read's).
    let read_or_act: BTreeSet<&str> = policy::kinds::ResourceKind::ALL
        .iter()
        .flat_map(|k| {
            let s = k.spec();
            s.facets
                .iter()
                .flat_map(|f| f.permissions().iter().copied())
                .chain(s.actions.iter().flat_map(|a| a.permissions.iter().copied()))
        })
        .collect();
    for family in policy::catalog::families() {
        for perm in policy::permissions::family_permissions(family) {
            // What only sweeps (listing, the credential report) and Config reports call.
            // (A list call that is also a facet's read, CloudTrail's DescribeTrails, is
            // a read.)
            let sweep_or_config = perm == "config:PutEvaluations"
                || (policy::kinds::ResourceKind::ALL
                    .iter()
                    .any(|k| k.list_permissions().contains(&perm))
                    && !read_or_act.contains(perm));
            assert_eq!(p.contains(perm), !sweep_or_config, "{perm} ({family})");
        }
    }
    for undo_only in [
        "iam:DeleteAccountPasswordPolicy",
        "iam:DetachUserPolicy",
        "iam:UpdateAccessKey",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutAccountPublicAccessBlock",
    ] {
        assert!(p.contains(undo_only), "{undo_only}");
    }
    assert!(
        !p.iter().any(|a| a.contains('*') || a.starts_with("s3:GetObject")),
        "{p:?}"
    );
    assert!(!p.contains("dynamodb:Scan"), "the function never scans");
}

/// Settings that refuse everything (the test never reaches them).
struct NoSettings;

#[async_trait::async_trait]
impl SettingsAdmin for NoSettings {
    async fn set_mode(&self, _: &str, _: Mode, _: &str, _: &str) -> Result<(), PortError> {
        Err(PortError::Unsupported("test".into()))
    }
    async fn put_exemption(&self, _: &str, _: &str, _: &str, _: Option<NaiveDate>, _: &str) -> Result<(), PortError> {
        Err(PortError::Unsupported("test".into()))
    }
    async fn delete_exemption(&self, _: &str, _: &str) -> Result<bool, PortError> {
        Err(PortError::Unsupported("test".into()))
    }
    async fn list_modes(&self) -> Result<Vec<policy::settings::ModeSetting>, PortError> {
        Err(PortError::Unsupported("test".into()))
    }
    async fn list_exemptions(&self) -> Result<Vec<policy::settings::ExemptionEntry>, PortError> {
        Err(PortError::Unsupported("test".into()))
    }
}

#[tokio::test]
async fn unauthenticated_requests_touch_nothing() {
    let ledger = Arc::new(policy::memory::MemoryLedger::default());
    let now = 1_700_000_000;
    let i = Interactions::new(
        Some(SECRET.into()),
        Allowlist::parse("U1"),
        BTreeMap::new(),
        Arc::new(NoSettings),
        ledger.clone(),
    )
    .with_clock(Arc::new(move || at(now)));
    let body = form(&payload("U1", "autofix_undo", &value(ButtonKind::Undo)));
    let ts = now.to_string();
    let sig = sign(SECRET, &ts, body.as_bytes());
    let forged = sign("not-the-secret", &ts, body.as_bytes());
    let old_ts = (now - 301).to_string();
    let old_sig = sign(SECRET, &old_ts, body.as_bytes());
    for (t, s) in [(ts.as_str(), forged.as_str()), (old_ts.as_str(), old_sig.as_str())] {
        let r = i.handle_signed(Some(t), Some(s), body.as_bytes()).await;
        assert_eq!(r.status, 401);
    }
    // Nothing was claimed: the genuine request still goes through once
    // (to a refusal here: the record doesn't exist), then is a replay.
    let first = i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
    assert_eq!(first.status, 200);
    let again = i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
    assert_eq!(again, Reply::new(401, "replayed"));
    assert!(ledger.list().await.unwrap_or_default().is_empty());
    // Without a signing secret, every request is refused.
    let none = Interactions::new(
        None,
        Allowlist::parse("U1"),
        BTreeMap::new(),
        Arc::new(NoSettings),
        ledger,
    );
    let r = none.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn refusals_before_the_claim_write_nothing_and_other_spellings_are_replays() {
    let ledger = Arc::new(policy::memory::MemoryLedger::default());
    let now = 1_700_000_000;
    let i = Interactions::new(
        Some(SECRET.into()),
        Allowlist::parse("U1"),
        BTreeMap::new(),
        Arc::new(NoSettings),
        ledger.clone(),
    )
    .with_clock(Arc::new(move || at(now)));
    let ts = now.to_string();
    let replay_key = |sig: &str, body: &str| {
        verify(SECRET, Some(&ts), Some(sig), body.as_bytes(), at(now))
            .map(|v| v.replay_key())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    // A non-admin's click and a payload that isn't JSON, both correctly signed:
    // refused, and their keys are still free (nothing was claimed).
    let not_admin = form(&payload("U2", "autofix_undo", &value(ButtonKind::Undo)));
    let not_json = "payload=%7Bnot+json".to_string();
    for (body, status) in [(not_admin, 200), (not_json, 400)] {
        let sig = sign(SECRET, &ts, body.as_bytes());
        let r = i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await;
        assert_eq!(r.status, status, "{body}");
        assert_eq!(ledger.claim(&replay_key(&sig, &body)).await.ok(), Some(true), "{body}");
    }
    // An admin's click is handled once; its signature in upper or mixed case is
    // the same request: a replay.
    let body = form(&payload("U1", "autofix_undo", &value(ButtonKind::Undo)));
    let sig = sign(SECRET, &ts, body.as_bytes());
    assert_eq!(
        i.handle_signed(Some(&ts), Some(&sig), body.as_bytes()).await.status,
        200
    );
    for variant in [format!("v0={}", sig[3..].to_ascii_uppercase()), mixed_case(&sig)] {
        let r = i.handle_signed(Some(&ts), Some(&variant), body.as_bytes()).await;
        assert_eq!(r, Reply::new(401, "replayed"), "{variant}");
    }
    assert!(ledger.list().await.unwrap_or_default().is_empty());
}

#[test]
fn the_secret_is_never_printed() {
    let i = Interactions::new(
        Some("shh-signing".into()),
        Allowlist::default(),
        BTreeMap::new(),
        Arc::new(NoSettings),
        Arc::new(policy::memory::MemoryLedger::default()),
    );
    assert!(!format!("{i:?}").contains("shh"));
}
