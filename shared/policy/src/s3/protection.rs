//! S3 data-protection shapes (issue #10): default encryption, versioning, server
//! access logging, object ownership, and what counts as a TLS-only bucket policy.
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `SSEAlgorithm` values as `GetBucketEncryption` returns them.
pub const SSE_S3: &str = "AES256";
pub const SSE_KMS: &str = "aws:kms";
pub const DSSE_KMS: &str = "aws:kms:dsse";

/// A bucket's default encryption (the first rule of `GetBucketEncryption`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Encryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    /// The KMS key (ARN, id or alias) for SSE-KMS; `None`: the AWS-managed key `aws/s3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    pub bucket_key: bool,
}

impl Encryption {
    pub fn is_kms(&self) -> bool {
        self.algorithm == SSE_KMS || self.algorithm == DSSE_KMS
    }
    pub fn describe(&self) -> String {
        match (self.algorithm.as_str(), &self.kms_key) {
            (SSE_S3, _) => "SSE-S3".into(),
            (SSE_KMS, Some(k)) => format!("SSE-KMS with key {k}"),
            (SSE_KMS, None) => "SSE-KMS with the AWS-managed key aws/s3".into(),
            (DSSE_KMS, _) => "DSSE-KMS".into(),
            (other, _) => other.to_string(),
        }
    }
}

/// A bucket's versioning state. S3 can't go back to `Never` once versioning was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Versioning {
    Never,
    Enabled,
    Suspended,
}

/// The fixed ID of the lifecycle rule `s3-bucket-versioning` ensures when
/// `S3VersioningNoncurrentDays` is set: it expires noncurrent object versions.
pub const NONCURRENT_RULE_ID: &str = "hipaa-autofix-noncurrent-versions";

/// One rule of a bucket's lifecycle configuration, as much of it as the rules judge.
/// The adapter keeps every rule it doesn't write exactly as S3 returned it (it
/// passes S3's own rules back untouched), so this summary never has to hold a
/// whole rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    /// The rule's `ID` (S3 gives one to every rule).
    pub id: String,
    /// `Status` is `Enabled`.
    pub enabled: bool,
    /// The rule applies to every object: no prefix, tag or object-size filter.
    pub whole_bucket: bool,
    /// `NoncurrentVersionExpiration.NoncurrentDays`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noncurrent_days: Option<u32>,
    /// The rule does more than expire noncurrent versions (an expiration,
    /// transitions, `NewerNoncurrentVersions`, aborting multipart uploads).
    pub other_actions: bool,
}

impl LifecycleRule {
    /// The rule `s3-bucket-versioning` writes: ours, enabled, whole bucket, expiring
    /// noncurrent versions after `days` and nothing else.
    pub fn noncurrent_expiry(id: &str, days: u32) -> Self {
        LifecycleRule {
            id: id.to_string(),
            enabled: true,
            whole_bucket: true,
            noncurrent_days: Some(days),
            other_actions: false,
        }
    }

    /// This rule is exactly the one [`LifecycleRule::noncurrent_expiry`] makes,
    /// whatever its days: the shape an undo can restore from the days alone.
    pub fn days_if_ours_in_shape(&self, id: &str) -> Option<u32> {
        let days = self.noncurrent_days?;
        (*self == LifecycleRule::noncurrent_expiry(id, days)).then_some(days)
    }
}

/// S3's limit on the rules of one lifecycle configuration.
pub const MAX_LIFECYCLE_RULES: usize = 1000;

/// Where a bucket's server access logs go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Logging {
    pub target_bucket: String,
    pub target_prefix: String,
}

/// `ObjectOwnership` of a bucket's ownership controls.
pub const BUCKET_OWNER_ENFORCED: &str = "BucketOwnerEnforced";

/// The fixed Sid of the statement `s3-bucket-ssl-requests-only` merges.
pub const TLS_SID: &str = "HipaaAutofixDenyInsecureTransport";

/// The TLS-only statement for `bucket`, as compact JSON text. The principal is
/// `{"AWS": "*"}`, the same as `"*"` to S3 and to AWS Config's rule; moto's
/// PutBucketLogging fails (500) on a target whose policy has `"Principal": "*"`.
pub fn tls_statement(bucket: &str) -> String {
    serde_json::json!({
        "Sid": TLS_SID,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })
    .to_string()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => vec![],
    }
}

/// Whether `pattern` (an IAM resource with `*`/`?` wildcards) matches `arn`.
fn wildcard_match(pattern: &str, arn: &str) -> bool {
    let (p, a): (Vec<char>, Vec<char>) = (pattern.chars().collect(), arn.chars().collect());
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < a.len() {
        if i < p.len() && (p[i] == '?' || p[i] == a[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

/// Whether one statement denies every S3 action over insecure transport to everyone,
/// for the bucket and its objects: `Deny`, principal `*`, action `s3:*` (or `*`),
/// resources covering the bucket and `bucket/*`, and `aws:SecureTransport` false
/// under `Bool` or `BoolIfExists` (a string or a boolean), with or without a Sid.
pub fn denies_insecure_transport(stmt: &Value, bucket: &str) -> bool {
    let eff = stmt.get("Effect").and_then(Value::as_str) == Some("Deny");
    let everyone = match stmt.get("Principal") {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(m)) => strings(m.get("AWS")).iter().any(|p| p == "*"),
        _ => false,
    };
    let actions = strings(stmt.get("Action"));
    let all_actions = actions.iter().any(|a| a == "*" || a.eq_ignore_ascii_case("s3:*"));
    let res = strings(stmt.get("Resource"));
    let covers = |arn: &str| res.iter().any(|r| wildcard_match(r, arn));
    let resources = covers(&format!("arn:aws:s3:::{bucket}")) && covers(&format!("arn:aws:s3:::{bucket}/*"));
    let insecure = stmt.get("Condition").and_then(Value::as_object).is_some_and(|cond| {
        cond.iter().any(|(op, kv)| {
            (op.eq_ignore_ascii_case("Bool") || op.eq_ignore_ascii_case("BoolIfExists"))
                && kv.as_object().is_some_and(|m| {
                    m.iter().any(|(k, v)| {
                        k.eq_ignore_ascii_case("aws:SecureTransport")
                            && match v {
                                Value::Bool(b) => !b,
                                Value::String(s) => s.eq_ignore_ascii_case("false"),
                                Value::Array(a) => {
                                    a.iter().all(|x| {
                                        x.as_bool() == Some(false)
                                            || x.as_str().is_some_and(|s| s.eq_ignore_ascii_case("false"))
                                    }) && !a.is_empty()
                                }
                                _ => false,
                            }
                    })
                })
        })
    });
    eff && everyone && all_actions && resources && insecure
}

/// The access-log bucket the stack creates when `AccessLogBucket` is empty (the
/// template's `AccessLogsBucket`).
pub fn stack_access_log_bucket(stack: &str, account: &str, region: &str) -> String {
    format!("{stack}-access-logs-{account}-{region}")
}

/// Fill the stack's own key and log bucket into `S3EncryptionKeyArn`,
/// `AccessLogBucket` and `FlowLogsDestinationArn` where they were left empty: a function gets them from its
/// environment (`STACK_KEY_ARN`, `STACK_ACCESS_LOG_BUCKET`), the CLI from the stack
/// it found.
pub fn fill_stack_defaults(params: &mut crate::params::Params, key: Option<&str>, log_bucket: Option<&str>) {
    use crate::params::Param;
    use crate::rules::s3_bucket_access_logging::ACCESS_LOG_BUCKET;
    use crate::rules::s3_bucket_default_encryption::S3_ENCRYPTION_KEY_ARN;
    use crate::rules::vpc_flow_logs_enabled::FLOW_LOGS_DESTINATION_ARN;
    // VPC flow logs go to the same log bucket (S3 destination: no role needed).
    let flow_logs = log_bucket
        .filter(|b| !b.is_empty())
        .map(|b| format!("arn:aws:s3:::{b}"));
    for (p, v) in [
        (Param::Text(&S3_ENCRYPTION_KEY_ARN), key),
        (Param::Text(&ACCESS_LOG_BUCKET), log_bucket),
        (Param::Text(&FLOW_LOGS_DESTINATION_ARN), flow_logs.as_deref()),
    ] {
        let unset = params.value(p).is_empty();
        if let Some(v) = v.filter(|v| !v.is_empty())
            && unset
        {
            // A value the deployment gives is a non-empty text: always accepted.
            let _ = params.set(p, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deny(cond: Value, res: Value) -> Value {
        json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": res, "Condition": cond})
    }

    #[test]
    fn every_equivalent_form_of_the_tls_deny_counts() {
        let res = json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"]);
        for cond in [
            json!({"Bool": {"aws:SecureTransport": "false"}}),
            json!({"Bool": {"aws:SecureTransport": false}}),
            json!({"BoolIfExists": {"aws:SecureTransport": "false"}}),
            json!({"BoolIfExists": {"aws:securetransport": false}}),
        ] {
            assert!(
                denies_insecure_transport(&deny(cond.clone(), res.clone()), "b"),
                "{cond}"
            );
        }
        assert!(denies_insecure_transport(
            &deny(
                json!({"Bool": {"aws:SecureTransport": "false"}}),
                json!("arn:aws:s3:::b*")
            ),
            "b"
        ));
        let ours: Value = serde_json::from_str(&tls_statement("b")).unwrap_or_default();
        assert!(denies_insecure_transport(&ours, "b"));
    }

    #[test]
    fn a_deny_that_misses_the_objects_or_allows_is_not_tls_only() {
        let cond = json!({"Bool": {"aws:SecureTransport": "false"}});
        assert!(!denies_insecure_transport(
            &deny(cond.clone(), json!("arn:aws:s3:::b")),
            "b"
        ));
        assert!(!denies_insecure_transport(
            &deny(json!({"Bool": {"aws:SecureTransport": "true"}}), json!("*")),
            "b"
        ));
        let mut allow = deny(cond, json!("*"));
        allow["Effect"] = json!("Allow");
        assert!(!denies_insecure_transport(&allow, "b"));
    }
}
