//! Shared reads across the rules of one resource (issue #10).

use super::*;

/// Every bucket rule (of both S3 families), with `AccessLogBucket=logs`.
fn all_bucket_rules() -> Vec<Arc<dyn Rule>> {
    let mut p = crate::params::Params::default();
    crate::catalog::set_param(&mut p, "AccessLogBucket=logs").unwrap();
    crate::rules::all_with(&p)
        .into_iter()
        .filter(|r| r.kind() == crate::kinds::ResourceKind::S3Bucket)
        .collect()
}

/// A bucket compliant with every bucket rule.
fn fully_compliant_bucket(name: &str) -> s3_bucket::Snapshot {
    use crate::s3::protection::{BUCKET_OWNER_ENFORCED, Encryption, Logging, Versioning, tls_statement};
    s3_bucket::Snapshot {
        name: name.into(),
        public_access_block: Read::Value(Some(PublicAccessBlock::ALL_ON)),
        policy: Read::Value(Some(format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            tls_statement(name)
        ))),
        acl: Read::Value(owner_acl()),
        tags: Read::Value(BTreeMap::new()),
        encryption: Read::Value(Some(Encryption {
            algorithm: "aws:kms".into(),
            kms_key: None,
            bucket_key: true,
        })),
        versioning: Read::Value(Versioning::Enabled),
        logging: Read::Value(Some(Logging {
            target_bucket: "logs".into(),
            target_prefix: format!("{name}/"),
        })),
        ownership: Read::Value(Some(BUCKET_OWNER_ENFORCED.into())),
        // Read only with S3VersioningNoncurrentDays set (off here).
        lifecycle: Read::Value(vec![]),
    }
}

#[tokio::test]
async fn a_sweep_of_every_bucket_rule_reads_each_facet_of_a_bucket_at_most_once() {
    let h = Harness::new();
    for i in 0..20 {
        let name = format!("b{i:02}");
        h.world.insert(bucket_ref(&name), fully_compliant_bucket(&name));
    }
    let rules = all_bucket_rules();
    assert!(rules.len() >= 6);
    let report = h
        .executor_for(rules)
        .handle(&Event::manual(ACCOUNT, REGION, None))
        .await;
    assert!(
        report.decisions.iter().all(|d| d.outcome == Outcome::Compliant),
        "{report:?}"
    );
    let mut counts: std::collections::HashMap<(ResourceRef, crate::kinds::Facet), usize> = Default::default();
    for (r, f) in h.world.reads() {
        *counts.entry((r, f)).or_default() += 1;
    }
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    // The public-access rule and the TLS rule both judge the policy... of which only
    // the TLS rule needs it here (BPA is on), and it is read once per bucket.
    assert_eq!(h.world.reads().len(), counts.len());
}

#[tokio::test]
async fn a_public_bucket_without_tls_gets_both_policy_edits_and_the_tls_undo_keeps_the_other() {
    use crate::s3::policy_text::find_statement;
    use crate::s3::protection::TLS_SID;
    let h = Harness::new();
    let mut b = fully_compliant_bucket("b");
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    b.public_access_block = Read::Value(None);
    b.policy = Read::Value(Some(policy.into()));
    h.world.insert(bucket_ref("b"), b);
    let mut ev = put_acl("b");
    ev.source = EventSource::CloudTrail {
        event_name: "PutBucketPolicy".into(),
        event_source: "s3.amazonaws.com".into(),
        error_code: None,
    };
    let report = h.executor_for(all_bucket_rules()).handle(&ev).await;
    let fixed: Vec<&str> = report
        .decisions
        .iter()
        .filter(|d| d.outcome == Outcome::Fixed)
        .map(|d| d.rule.as_str())
        .collect();
    assert_eq!(
        fixed,
        ["s3-bucket-public-access", "s3-bucket-ssl-requests-only"],
        "{report:?}"
    );
    let now = h.world.get(&bucket_ref("b")).unwrap();
    let text = now.as_s3_bucket().unwrap().policy.get().cloned().flatten().unwrap();
    assert!(!text.contains("\"Public\""), "{text}");
    assert!(
        text.contains("Partner") && find_statement(&text, TLS_SID).is_some(),
        "{text}"
    );

    // Undo the TLS fix alone: only its statement goes, the public rule's edit stays.
    let tls = h
        .records()
        .into_iter()
        .find(|r| r.rule == "s3-bucket-ssl-requests-only")
        .unwrap();
    let public_edit = h
        .records()
        .into_iter()
        .find(|r| r.rule == "s3-bucket-public-access")
        .unwrap();
    let kept = public_edit
        .actions
        .iter()
        .find_map(|a| {
            if let Action::S3Bucket(s3_bucket::Action::PutBucketPolicy(p)) = a {
                Some(p.policy.clone())
            } else {
                None
            }
        })
        .unwrap();
    h.executor_for(all_bucket_rules())
        .undo(&tls, "test")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let back = h.world.get(&bucket_ref("b")).unwrap();
    assert_eq!(back.as_s3_bucket().unwrap().policy, Read::Value(Some(kept)));
}
