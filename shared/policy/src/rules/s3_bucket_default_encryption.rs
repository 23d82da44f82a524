//! `s3-bucket-default-encryption`: every bucket encrypts new objects by default with
//! SSE-KMS (S3 Bucket Keys on, so KMS costs stay flat), or SSE-S3 where the account
//! chose no KMS (`S3EncryptionMode=SSE-S3`).
//!
//! HIPAA Security Rule: encryption and decryption, 164.312(a)(2)(iv). Mirrors the
//! AWS Config managed rules `S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED` and
//! `S3_DEFAULT_ENCRYPTION_KMS` (Security Hub S3.4, S3.17).
//!
//! The key is `S3EncryptionKeyArn`. Left empty, the function uses the stack's own key
//! (the function's configuration resolves it, see `hipaa-aws`'s `config`; the
//! template's key policy lets the account's S3 use it), and the CLI on an account
//! without the stack the AWS-managed key `aws/s3` (no key id in the request).
//! A bucket already on SSE-KMS with another key, or DSSE-KMS, is compliant: never
//! downgraded. The access-log bucket (`AccessLogBucket`) stays on SSE-S3: server
//! access logging cannot write to an SSE-KMS bucket. The fix records the
//! configuration it replaced; undo restores it exactly.
use crate::family;
use crate::kinds::s3_bucket::{Facet, PutBucketEncryption, S3Bucket, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::params::{Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::s3_bucket_access_logging::ACCESS_LOG_BUCKET;
use crate::s3::protection::{DSSE_KMS, Encryption, SSE_KMS, SSE_S3};
use crate::settings::Mode;

pub const ID: &str = "s3-bucket-default-encryption";

pub const S3_ENCRYPTION_KEY_ARN: TextParam = TextParam {
    name: "S3EncryptionKeyArn",
    default: "",
    help: "The KMS key for bucket default encryption (ARN or alias ARN); empty: the stack's key (the CLI without a stack: aws/s3)",
};

pub const S3_ENCRYPTION_MODE: TextParam = TextParam {
    name: "S3EncryptionMode",
    default: "SSE-KMS",
    help: "SSE-KMS, or SSE-S3 for accounts that want no KMS",
};

const ENC: AnyFacet = AnyFacet::S3Bucket(Facet::Encryption);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "S3 buckets encrypt new objects by default (SSE-KMS with a Bucket Key)",
    safeguard: "164.312(a)(2)(iv) Encryption and decryption",
    kind: ResourceKind::S3Bucket,
    family: family::S3_DATA_PROTECTION,
    triggers: Triggers {
        config_rules: &["S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "S3_DEFAULT_ENCRYPTION_KMS"],
        cloudtrail: &["CreateBucket", "PutBucketEncryption", "DeleteBucketEncryption"],
        schedule: true,
    },
    facets: &[ENC],
    reads: &[ENC],
    actions: &[PutBucketEncryption::INFO],
    parameters: &[
        Param::Text(&S3_ENCRYPTION_KEY_ARN),
        Param::Text(&S3_ENCRYPTION_MODE),
        Param::Text(&ACCESS_LOG_BUCKET),
    ],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 20,
    fix: Fix::Reversible,
};

pub struct S3BucketDefaultEncryption {
    /// `None`: the AWS-managed key `aws/s3`.
    pub key: Option<String>,
    /// `false`: SSE-S3 (`S3EncryptionMode=SSE-S3`).
    pub kms: bool,
    /// The mode text when it is neither SSE-KMS nor SSE-S3: nothing is changed.
    pub bad_mode: Option<String>,
    pub log_bucket: Option<String>,
}

impl S3BucketDefaultEncryption {
    pub fn new(p: &Params) -> Self {
        let mode = p.text(&S3_ENCRYPTION_MODE);
        let key = p.text(&S3_ENCRYPTION_KEY_ARN);
        let log_bucket = p.text(&ACCESS_LOG_BUCKET);
        Self {
            key: (!key.is_empty()).then_some(key),
            kms: !mode.eq_ignore_ascii_case("SSE-S3"),
            bad_mode: (!mode.eq_ignore_ascii_case("SSE-S3") && !mode.eq_ignore_ascii_case("SSE-KMS")).then_some(mode),
            log_bucket: (!log_bucket.is_empty()).then_some(log_bucket),
        }
    }

    /// What the bucket's default encryption must become.
    fn target(&self, bucket: &str) -> Encryption {
        if self.kms && self.log_bucket.as_deref() != Some(bucket) {
            Encryption {
                algorithm: SSE_KMS.into(),
                kms_key: self.key.clone(),
                bucket_key: true,
            }
        } else {
            Encryption {
                algorithm: SSE_S3.into(),
                kms_key: None,
                bucket_key: false,
            }
        }
    }
}

impl KindRule for S3BucketDefaultEncryption {
    type Kind = S3Bucket;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }

    fn evaluate(&self, b: &Snapshot) -> Verdict {
        let Some(enc) = b.encryption.get() else {
            return Verdict::NeedsFacets { facets: vec![ENC] };
        };
        let want_kms = self.target(&b.name).is_kms();
        match enc {
            None => Verdict::NonCompliant {
                findings: vec!["the bucket has no default encryption".into()],
            },
            Some(e) if e.is_kms() => Verdict::Compliant {
                reason: format!("new objects are encrypted with {} (never downgraded)", e.describe()),
            },
            Some(e) if e.algorithm == SSE_S3 && !want_kms => Verdict::Compliant {
                reason: "new objects are encrypted with SSE-S3, as configured".into(),
            },
            Some(e) => Verdict::NonCompliant {
                findings: vec![format!("new objects are encrypted with {}, not SSE-KMS", e.describe())],
            },
        }
    }

    fn plan(&self, b: &Snapshot) -> Plan {
        if !matches!(self.evaluate(b), Verdict::NonCompliant { .. }) {
            return Plan::default();
        }
        let Some(previous) = b.encryption.get() else {
            return Plan::default();
        };
        if let Some(mode) = &self.bad_mode {
            return Plan {
                actions: vec![],
                withheld: vec![format!(
                    "S3EncryptionMode is {mode:?}: set it to SSE-KMS or SSE-S3 for the fix to be made"
                )],
            };
        }
        Plan::of(vec![
            PutBucketEncryption {
                bucket: b.name.clone(),
                encryption: self.target(&b.name),
                previous: previous.clone(),
            }
            .into(),
        ])
    }

    fn examples(&self) -> Examples<Snapshot> {
        let bucket = |e: Option<Encryption>| Snapshot {
            name: "phi-records".into(),
            encryption: Read::Value(e),
            tags: Read::Value(Default::default()),
            ..Default::default()
        };
        Examples {
            non_compliant: bucket(Some(Encryption {
                algorithm: SSE_S3.into(),
                kms_key: None,
                bucket_key: false,
            })),
            compliant: bucket(Some(Encryption {
                algorithm: DSSE_KMS.into(),
                kms_key: Some("arn:aws:kms:us-east-1:111122223333:key/other".into()),
                bucket_key: false,
            })),
            // Another KMS key, without a Bucket Key: compliant, left alone.
            edge: bucket(Some(Encryption {
                algorithm: SSE_KMS.into(),
                kms_key: Some("arn:aws:kms:us-east-1:111122223333:key/theirs".into()),
                bucket_key: false,
            })),
            edge_verdict: VerdictClass::Compliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Action as AnyAction;
    use crate::kinds::s3_bucket::Action;

    fn rule(pairs: &[&str]) -> S3BucketDefaultEncryption {
        let mut p = Params::default();
        for pair in pairs {
            crate::catalog::set_param(&mut p, pair).unwrap_or_else(|e| panic!("{e}"));
        }
        S3BucketDefaultEncryption::new(&p)
    }
    fn bucket(name: &str, e: Option<Encryption>) -> Snapshot {
        Snapshot {
            name: name.into(),
            encryption: Read::Value(e),
            ..Default::default()
        }
    }
    fn planned(plan: &Plan) -> Encryption {
        let AnyAction::S3Bucket(Action::PutBucketEncryption(a)) = &plan.actions[0] else {
            panic!("{plan:?}")
        };
        a.encryption.clone()
    }

    #[test]
    fn a_bucket_without_encryption_gets_sse_kms_with_the_configured_key_and_a_bucket_key() {
        let r = rule(&["S3EncryptionKeyArn=arn:aws:kms:us-east-1:123456789012:key/k"]);
        let b = bucket("b", None);
        assert!(matches!(r.evaluate(&b), Verdict::NonCompliant { .. }));
        let e = planned(&r.plan(&b));
        assert_eq!(e.algorithm, SSE_KMS);
        assert_eq!(e.kms_key.as_deref(), Some("arn:aws:kms:us-east-1:123456789012:key/k"));
        assert!(e.bucket_key);
    }

    #[test]
    fn no_key_configured_means_the_aws_managed_key() {
        let e = planned(&rule(&[]).plan(&bucket("b", None)));
        assert_eq!((e.algorithm.as_str(), e.kms_key), (SSE_KMS, None));
    }

    #[test]
    fn sse_kms_with_another_key_or_dsse_is_never_downgraded() {
        for alg in [SSE_KMS, DSSE_KMS] {
            let b = bucket(
                "b",
                Some(Encryption {
                    algorithm: alg.into(),
                    kms_key: Some("other".into()),
                    bucket_key: false,
                }),
            );
            assert!(matches!(
                rule(&["S3EncryptionMode=SSE-S3"]).evaluate(&b),
                Verdict::Compliant { .. }
            ));
            assert!(matches!(rule(&[]).evaluate(&b), Verdict::Compliant { .. }));
        }
    }

    #[test]
    fn sse_s3_mode_accepts_sse_s3_and_fixes_none_with_sse_s3() {
        let r = rule(&["S3EncryptionMode=SSE-S3"]);
        let sse_s3 = Encryption {
            algorithm: SSE_S3.into(),
            kms_key: None,
            bucket_key: false,
        };
        assert!(matches!(
            r.evaluate(&bucket("b", Some(sse_s3.clone()))),
            Verdict::Compliant { .. }
        ));
        assert_eq!(planned(&r.plan(&bucket("b", None))), sse_s3);
    }

    #[test]
    fn the_access_log_bucket_stays_on_sse_s3() {
        let r = rule(&["AccessLogBucket=logs"]);
        let sse_s3 = Encryption {
            algorithm: SSE_S3.into(),
            kms_key: None,
            bucket_key: false,
        };
        assert!(matches!(
            r.evaluate(&bucket("logs", Some(sse_s3.clone()))),
            Verdict::Compliant { .. }
        ));
        assert_eq!(planned(&r.plan(&bucket("logs", None))), sse_s3);
        assert!(matches!(
            r.evaluate(&bucket("other", Some(sse_s3))),
            Verdict::NonCompliant { .. }
        ));
    }

    #[test]
    fn an_unknown_mode_withholds_the_fix_and_says_what_to_set() {
        let plan = rule(&["S3EncryptionMode=AES"]).plan(&bucket("b", None));
        assert!(plan.actions.is_empty());
        assert!(plan.withheld[0].contains("SSE-KMS or SSE-S3"));
    }
}
