//! The report's tables, from hand-made records and scan decisions.
use super::*;
use chrono::TimeZone;
use policy::{Actor, ResourceRef};

pub(crate) fn t(d: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, s).single().unwrap_or_default()
}

pub(crate) fn record(
    id: &str,
    time: DateTime<Utc>,
    outcome: Outcome,
    event_time: Option<DateTime<Utc>>,
) -> LedgerRecord {
    LedgerRecord {
        id: id.into(),
        time,
        rule: "s3-bucket-public-access".into(),
        resource: "arn:aws:s3:::phi-records".into(),
        target: None,
        account: "123456789012".into(),
        region: "us-east-1".into(),
        event_id: "e".into(),
        event_time,
        trigger: "CloudTrail PutBucketAcl".into(),
        actor: Some(Actor {
            arn: "arn:aws:iam::123456789012:user/alice".into(),
            role_arn: None,
            kind: Some("IAMUser".into()),
            source_ip: None,
            user_agent: None,
        }),
        mode: Mode::Auto,
        outcome,
        dry_run: false,
        findings: vec!["ACL grants READ to AllUsers".into()],
        actions: vec![],
        before: None,
        after: None,
        verified: outcome == Outcome::Fixed,
        notes: vec![],
        error: None,
    }
}

pub(crate) fn rules() -> Vec<RuleInfo> {
    ["s3-bucket-public-access", "iam-password-policy"]
        .iter()
        .map(|id| RuleInfo {
            id: id.to_string(),
            title: format!("{id} title"),
            safeguard: "164.312(a)(1)".into(),
            function: "s3-public-access".into(),
            default_mode: Mode::Auto,
        })
        .collect()
}

pub(crate) fn decision(outcome: Outcome, exemption: Option<Exemption>) -> Decision {
    Decision {
        rule: "s3-bucket-public-access".into(),
        resource: ResourceRef::bucket("public-website", "123456789012", "us-east-1"),
        outcome,
        mode: Mode::Auto,
        mode_scope: None,
        findings: vec!["policy statement Website allows everyone".into()],
        plan: policy::Plan::default(),
        ledger_id: None,
        notes: vec![],
        error: None,
        exemption,
        retryable: false,
        not_examined: false,
    }
}

pub(crate) fn sample(records: &[LedgerRecord], scan: &[Decision], exemptions: &[ExemptionEntry]) -> Report {
    build(&Inputs {
        now: t(29, 12, 0, 0),
        since: t(27, 0, 0, 0),
        account: "123456789012".into(),
        region: "us-east-1".into(),
        stack: "hipaa-autofix".into(),
        ledger_table: "hipaa-autofix-ledger".into(),
        settings_table: Some("hipaa-autofix-settings".into()),
        rules: rules(),
        records,
        scan,
        scan_errors: &[],
        modes: &[],
        exemptions,
    })
}

#[test]
fn nearest_rank_percentiles() {
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(percentile(&[7], 0.5), Some(7));
    assert_eq!(percentile(&[7], 0.95), Some(7));
    let v: Vec<i64> = (1..=20).collect();
    assert_eq!(percentile(&v, 0.5), Some(10));
    assert_eq!(percentile(&v, 0.95), Some(19));
    assert_eq!(percentile(&[1, 2, 3, 100], 0.95), Some(100));
    assert_eq!(percentile(&[1, 2, 3, 100], 0.5), Some(2));
}

#[test]
fn time_to_remediate_counts_only_fixes_that_know_their_change_time() {
    let records = vec![
        record("a", t(28, 10, 0, 30), Outcome::Fixed, Some(t(28, 10, 0, 0))),
        record("b", t(28, 11, 0, 50), Outcome::Fixed, Some(t(28, 11, 0, 0))),
        record("c", t(28, 12, 0, 0), Outcome::Fixed, None),
        // Outside the period, a dry run and a failure: not fixes in the period.
        record("d", t(20, 12, 0, 0), Outcome::Fixed, Some(t(20, 11, 0, 0))),
        record("e", t(28, 12, 0, 0), Outcome::Failed, Some(t(28, 11, 0, 0))),
    ];
    let r = sample(&records, &[], &[]);
    let ttr = r.table("time_to_remediate").unwrap_or_else(|| panic!("no table"));
    let all: Vec<String> = ttr.rows[0].iter().map(Cell::text).collect();
    assert_eq!(all, vec!["all rules", "3", "2", "30.0", "50.0"]);
    assert_eq!(ttr.rows[0][4].json(), json!(50.0));
    // A rule without fixes: n/a, and null in JSON.
    let none = &ttr.rows[2];
    assert_eq!(none[0].text(), "iam-password-policy");
    assert_eq!(none[3].text(), "n/a");
    assert_eq!(none[3].json(), Value::Null);
    let fixes = r.table("fixes").unwrap_or_else(|| panic!("no table"));
    assert_eq!(fixes.rows.len(), 3);
    assert_eq!(fixes.rows[2][6].text(), "n/a");
}

#[test]
fn fixes_per_day_spans_every_day_of_the_period() {
    let records = vec![
        record("a", t(28, 10, 0, 0), Outcome::Fixed, None),
        record("b", t(28, 11, 0, 0), Outcome::Fixed, None),
        record("c", t(29, 9, 0, 0), Outcome::Fixed, None),
    ];
    let r = sample(&records, &[], &[]);
    let days: Vec<(String, u64)> = r.fixes_per_day.iter().map(|(d, n)| (d.to_string(), *n)).collect();
    assert_eq!(
        days,
        vec![
            ("2026-11-27".to_string(), 0),
            ("2026-11-28".to_string(), 2),
            ("2026-11-29".to_string(), 1)
        ]
    );
    let table = r.table("fixes_per_day").unwrap_or_else(|| panic!("no table"));
    assert_eq!(table.rows.len(), 2, "days without a fix are left out of the table");
    assert_eq!(r.fixes_per_rule[0], ("s3-bucket-public-access".to_string(), 3));
}

#[test]
fn admin_acts_and_withheld_fixes_say_who_and_why() {
    let mut mode = record("m", t(28, 9, 0, 0), Outcome::ModeSet, None);
    mode.findings = vec!["mode of s3-bucket-public-access set to notify (was auto) by alice".into()];
    let mut failed = record("f", t(28, 9, 30, 0), Outcome::Failed, None);
    failed.error = Some("PutPublicAccessBlock failed: AccessDenied".into());
    let notified = record("n", t(28, 9, 40, 0), Outcome::Notified, None);
    let r = sample(&[mode, failed, notified], &[], &[]);
    let acts = r.table("admin_acts").unwrap_or_else(|| panic!("no table"));
    assert_eq!(acts.rows.len(), 1);
    assert_eq!(acts.rows[0][1].text(), "rule mode set");
    assert_eq!(acts.rows[0][4].text(), "arn:aws:iam::123456789012:user/alice");
    let problems = r.table("withheld_and_failed").unwrap_or_else(|| panic!("no table"));
    let reasons: Vec<(String, String)> = problems.rows.iter().map(|row| (row[3].text(), row[4].text())).collect();
    assert_eq!(
        reasons,
        vec![
            (
                "fix failed".to_string(),
                "PutPublicAccessBlock failed: AccessDenied".to_string()
            ),
            (
                "withheld: notify mode".to_string(),
                "the rule is in notify mode".to_string()
            ),
        ]
    );
}

#[test]
fn exemptions_merge_the_table_and_the_tags_the_scan_saw() {
    let tag = Exemption {
        reason: "marketing site no PHI".into(),
        until: NaiveDate::from_ymd_opt(2026, 12, 31),
        source: ExemptionSource::Tag {
            key: "hipaa-autofix:exempt".into(),
        },
    };
    let expired = ExemptionEntry {
        rule: "s3-bucket-public-access".into(),
        resource_arn: "arn:aws:s3:::old-site".into(),
        account: None,
        exemption: Exemption {
            reason: "migration".into(),
            until: NaiveDate::from_ymd_opt(2026, 11, 1),
            source: ExemptionSource::Settings {
                by: Some("arn:aws:iam::123456789012:user/alice".into()),
            },
        },
        created_at: None,
    };
    let r = sample(&[], &[decision(Outcome::Exempt, Some(tag))], &[expired]);
    let ex = r.table("exemptions").unwrap_or_else(|| panic!("no table"));
    let rows: Vec<Vec<String>> = ex.rows.iter().map(|row| row.iter().map(Cell::text).collect()).collect();
    assert_eq!(
        rows,
        vec![
            vec![
                "s3-bucket-public-access",
                "arn:aws:s3:::old-site",
                "migration",
                "2026-11-01",
                "expired",
                "settings table",
                "arn:aws:iam::123456789012:user/alice",
                "no"
            ],
            vec![
                "s3-bucket-public-access",
                "arn:aws:s3:::public-website",
                "marketing site no PHI",
                "2026-12-31",
                "active",
                "tag hipaa-autofix:exempt",
                "-",
                "yes"
            ],
        ]
    );
    let rules = r.table("rules").unwrap_or_else(|| panic!("no table"));
    // An exempt violation is not counted as a violation, and one exemption is active.
    assert_eq!(rules.rows[0][6].text(), "0");
    assert_eq!(rules.rows[0][7].text(), "1");
    let violations = r.table("violations").unwrap_or_else(|| panic!("no table"));
    assert_eq!(violations.rows[0][2].text(), "violation: exempt");
}

#[test]
fn the_report_states_its_period_and_where_the_ledger_is() {
    let r = sample(&[record("a", t(28, 10, 0, 0), Outcome::Fixed, None)], &[], &[]);
    let about = r.table("about").unwrap_or_else(|| panic!("no table"));
    let get = |k: &str| {
        about
            .rows
            .iter()
            .find(|row| row[0].text() == k)
            .map(|row| row[1].text())
            .unwrap_or_default()
    };
    assert_eq!(get("period from"), "2026-11-27T00:00:00Z");
    assert_eq!(get("period to"), "2026-11-29T12:00:00Z");
    assert!(get("ledger").contains("hipaa-autofix-ledger"), "{}", get("ledger"));
    assert!(get("retention").contains("164.316(b)"));
    assert!(get("retention").contains("six years"));
}
