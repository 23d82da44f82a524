//! `s3-bucket-ssl-requests-only`: every bucket policy denies requests that don't use
//! TLS.
//!
//! HIPAA Security Rule: transmission security, 164.312(e)(1). Mirrors the AWS Config
//! managed rule `S3_BUCKET_SSL_REQUESTS_ONLY` (Security Hub S3.5).
//!
//! Compliant when any statement already denies insecure transport, in any
//! equivalent form ([`crate::s3::protection::denies_insecure_transport`]). The fix
//! merges one `Deny` statement with a fixed Sid (`aws:SecureTransport` false, the
//! bucket and `bucket/*`) into the policy as it is when applied, every other
//! statement kept byte for byte, and creates the policy if there is none. Undo
//! removes only that statement. A policy too full to take it (S3's 20 KB limit)
//! is withheld with the reason, never truncated; an unparsable one is never edited.
use serde_json::Value;

use crate::family;
use crate::kinds::s3_bucket::{Facet, PutBucketPolicyStatement, S3Bucket, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::s3::policy_text::{MAX_POLICY_BYTES, merge_statement};
use crate::s3::protection::{TLS_SID, denies_insecure_transport, tls_statement};
use crate::settings::Mode;

pub const ID: &str = "s3-bucket-ssl-requests-only";

const POLICY: AnyFacet = AnyFacet::S3Bucket(Facet::Policy);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "S3 bucket policies deny requests without TLS",
    safeguard: "164.312(e)(1) Transmission security",
    kind: ResourceKind::S3Bucket,
    family: family::S3_DATA_PROTECTION,
    triggers: Triggers {
        config_rules: &["S3_BUCKET_SSL_REQUESTS_ONLY"],
        cloudtrail: &["CreateBucket", "PutBucketPolicy", "DeleteBucketPolicy"],
        schedule: true,
    },
    facets: &[POLICY],
    reads: &[POLICY],
    actions: &[PutBucketPolicyStatement::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 10,
    fix: Fix::Reversible,
};

pub struct S3BucketSslRequestsOnly;

/// The policy's statements, or why it can't be judged.
fn statements(policy: &str) -> Result<Vec<Value>, String> {
    let doc: Value = serde_json::from_str(policy).map_err(|e| format!("the bucket policy is not valid JSON: {e}"))?;
    match doc.get("Statement") {
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(s @ Value::Object(_)) => Ok(vec![s.clone()]),
        _ => Err("the bucket policy has no Statement".into()),
    }
}

impl KindRule for S3BucketSslRequestsOnly {
    type Kind = S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, b: &Snapshot) -> Verdict {
        let Some(policy) = b.policy.get() else {
            return Verdict::NeedsFacets { facets: vec![POLICY] };
        };
        let Some(text) = policy else {
            return Verdict::NonCompliant {
                findings: vec!["the bucket has no policy, so requests without TLS are allowed".into()],
            };
        };
        match statements(text) {
            Err(reason) => Verdict::CannotJudge { reason },
            Ok(s) if s.iter().any(|s| denies_insecure_transport(s, &b.name)) => Verdict::Compliant {
                reason: "the bucket policy denies requests without TLS".into(),
            },
            Ok(_) => Verdict::NonCompliant {
                findings: vec![
                    "no statement of the bucket policy denies requests without TLS (aws:SecureTransport)".into(),
                ],
            },
        }
    }

    fn plan(&self, b: &Snapshot) -> Plan {
        if !matches!(self.evaluate(b), Verdict::NonCompliant { .. }) {
            return Plan::default();
        }
        let Some(policy) = b.policy.get() else {
            return Plan::default();
        };
        let statement = tls_statement(&b.name);
        let merged = match merge_statement(policy.as_deref(), TLS_SID, &statement) {
            Ok(m) => m,
            // An unparsable policy is never edited (evaluate says CannotJudge).
            Err(_) => return Plan::default(),
        };
        if merged.text.len() > MAX_POLICY_BYTES {
            return Plan {
                actions: vec![],
                withheld: vec![format!(
                    "the bucket policy is {} bytes; with the TLS-only statement (Sid {TLS_SID}) it would be {}, over S3's limit of {MAX_POLICY_BYTES}: shorten the policy, then the statement is added",
                    policy.as_deref().map_or(0, str::len),
                    merged.text.len()
                )],
            };
        }
        Plan::of(vec![
            PutBucketPolicyStatement {
                bucket: b.name.clone(),
                sid: TLS_SID.into(),
                statement,
                replaced: merged.replaced,
                created_policy: policy.is_none(),
            }
            .into(),
        ])
    }

    fn examples(&self) -> Examples<Snapshot> {
        let bucket = |p: Option<&str>| Snapshot {
            name: "phi-records".into(),
            policy: Read::Value(p.map(str::to_owned)),
            tags: Read::Value(Default::default()),
            ..Default::default()
        };
        Examples {
            non_compliant: bucket(Some(
                "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Sid\": \"Partner\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:root\"}, \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::phi-records/*\"}\n  ]\n}",
            )),
            compliant: bucket(Some(
                r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"*","Resource":["arn:aws:s3:::phi-records","arn:aws:s3:::phi-records/*"],"Condition":{"BoolIfExists":{"aws:SecureTransport":false}}}]}"#,
            )),
            edge: bucket(Some("{not json")),
            edge_verdict: VerdictClass::CannotJudge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action as AnyAction;
    use crate::kinds::s3_bucket::Action;
    use crate::s3::policy_text::find_statement;

    fn bucket(p: Option<&str>) -> Snapshot {
        Snapshot {
            name: "b".into(),
            policy: Read::Value(p.map(str::to_owned)),
            ..Default::default()
        }
    }
    fn simulated(b: &Snapshot) -> Snapshot {
        let mut s = b.clone();
        for a in S3BucketSslRequestsOnly.plan(b).actions {
            match a {
                AnyAction::S3Bucket(a) => a.apply_to(&mut s),
                other => panic!("{other:?}"),
            }
        }
        s
    }

    #[test]
    fn no_policy_is_created_with_only_the_tls_statement_and_undo_deletes_it() {
        let b = bucket(None);
        let after = simulated(&b);
        assert!(matches!(
            S3BucketSslRequestsOnly.evaluate(&after),
            Verdict::Compliant { .. }
        ));
        let plan = S3BucketSslRequestsOnly.plan(&b);
        let Some(AnyAction::S3Bucket(undo @ Action::DeleteBucketPolicyStatement(_))) =
            plan.undo().map(|u| u.actions[0].clone())
        else {
            panic!("{plan:?}")
        };
        let mut back = after.clone();
        undo.apply_to(&mut back);
        assert_eq!(back.policy, Read::Value(None));
    }

    #[test]
    fn other_statements_stay_byte_for_byte_and_undo_removes_only_ours() {
        let before = "{ \"Statement\" : [ {\"Sid\":\"Z\",\"Effect\":\"Allow\",  \"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Resource\":\"*\",\"Action\":\"s3:GetObject\"} ] , \"Version\":\"2012-10-17\"}";
        let b = bucket(Some(before));
        let after = simulated(&b);
        let Some(Some(text)) = after.policy.get() else { panic!() };
        assert!(text.starts_with("{ \"Statement\" : [ {\"Sid\":\"Z\",\"Effect\":\"Allow\",  \"Principal\""));
        assert!(find_statement(text, TLS_SID).is_some());
        let undo = S3BucketSslRequestsOnly.plan(&b).undo().unwrap_or_else(|| panic!());
        let mut back = after.clone();
        for a in undo.actions {
            if let AnyAction::S3Bucket(a) = a {
                a.apply_to(&mut back);
            }
        }
        assert_eq!(back.policy, Read::Value(Some(before.to_string())));
    }

    #[test]
    fn a_policy_too_full_for_the_statement_is_withheld_not_truncated() {
        let filler = format!(
            r#"{{"Statement":[{{"Sid":"Big","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":"s3:GetObject","Resource":["{}"]}}]}}"#,
            vec!["arn:aws:s3:::b/x"; 1065].join("\",\"")
        );
        assert!(filler.len() < MAX_POLICY_BYTES);
        let plan = S3BucketSslRequestsOnly.plan(&bucket(Some(&filler)));
        assert!(plan.actions.is_empty());
        assert!(plan.withheld[0].contains("20480"), "{plan:?}");
    }

    #[test]
    fn any_equivalent_tls_deny_is_compliant_and_an_unparsable_policy_is_not_touched() {
        let p = r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}}"#;
        assert!(matches!(
            S3BucketSslRequestsOnly.evaluate(&bucket(Some(p))),
            Verdict::Compliant { .. }
        ));
        assert!(S3BucketSslRequestsOnly.plan(&bucket(Some("{x"))).is_empty());
    }
}
