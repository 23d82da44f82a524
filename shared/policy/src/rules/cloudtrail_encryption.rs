//! `cloudtrail-encryption`: every trail of the account encrypts its log files with a
//! KMS key (SSE-KMS), so reading them takes a key grant as well as bucket access.
//!
//! HIPAA Security Rule: audit controls, 164.312(b), and encryption, 164.312(a)(2)(iv).
//! Mirrors the AWS Config managed rule `CLOUD_TRAIL_ENCRYPTION_ENABLED` (Security Hub
//! CloudTrail.2).
//!
//! The fix is `UpdateTrail KmsKeyId` with `TrailKmsKeyArn` (empty: the stack's trail
//! key). The key's policy must let CloudTrail encrypt for this account's trails
//! (`kms:GenerateDataKey*` for `cloudtrail.amazonaws.com`): when it doesn't, or no key
//! is configured, the fix is withheld and the notice says why. Undo puts back the
//! encryption the trail had.
use crate::family;
use crate::kinds::cloudtrail_trail::{CloudTrailTrail, Facet, SetTrailKmsKey, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{Param, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::{one_trail, trail, trail_key};
use crate::rules::cloudtrail_log_file_validation::not_ours;
use crate::settings::Mode;

pub const ID: &str = "cloudtrail-encryption";

pub const TRAIL_KMS_KEY_ARN: TextParam = TextParam {
    name: "TrailKmsKeyArn",
    default: "",
    help: "The KMS key trails are encrypted with (empty: the stack's trail key)",
};

const TRAIL: AnyFacet = AnyFacet::CloudTrailTrail(Facet::Trail);
const KEY: AnyFacet = AnyFacet::CloudTrailTrail(Facet::TrailKey);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "CloudTrail trails encrypt their logs with a KMS key",
    safeguard: "164.312(b) Audit controls; 164.312(a)(2)(iv) Encryption",
    kind: ResourceKind::CloudTrailTrail,
    family: family::AUDIT_TRAIL,
    triggers: Triggers {
        config_rules: &["CLOUD_TRAIL_ENCRYPTION_ENABLED"],
        cloudtrail: &["CreateTrail", "UpdateTrail"],
        schedule: true,
        security_hub: &["CloudTrail.2"],
    },
    facets: &[TRAIL],
    reads: &[TRAIL, KEY],
    actions: &[SetTrailKmsKey::INFO],
    parameters: &[Param::Text(&TRAIL_KMS_KEY_ARN)],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 1,
    fix: Fix::Reversible,
};

pub struct CloudTrailEncryption;

impl KindRule for CloudTrailEncryption {
    type Kind = CloudTrailTrail;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(t) = s.trail.get() else {
            return Verdict::NeedsFacets { facets: vec![TRAIL] };
        };
        if let Some(v) = not_ours(s) {
            return v;
        }
        if let Some(k) = &t.kms_key {
            return Verdict::Compliant {
                reason: format!("encrypted with {k}"),
            };
        }
        if !s.trail_key.is_read() {
            return Verdict::NeedsFacets { facets: vec![KEY] };
        }
        Verdict::NonCompliant {
            findings: vec![format!(
                "trail {} encrypts its logs with S3-managed keys only, not a KMS key",
                t.name
            )],
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        let Some(t) = s.trail.get() else {
            return Plan::default();
        };
        if t.kms_key.is_some() || not_ours(s).is_some() {
            return Plan::default();
        }
        let refusal = match s.trail_key.get() {
            Some(Some(k)) => match k.refusal(&s.account) {
                None => {
                    return Plan::of(vec![
                        SetTrailKmsKey {
                            trail: t.name.clone(),
                            key: Some(k.arn.clone()),
                            previous: None,
                        }
                        .into(),
                    ]);
                }
                Some(why) => why,
            },
            Some(None) => "TrailKmsKeyArn is empty and the stack has no trail key".to_string(),
            None => return Plan::default(),
        };
        let mut p = Plan::default();
        p.withheld
            .push(format!("encrypt trail {} with a KMS key: {refusal}", t.name));
        p
    }
    fn examples(&self) -> Examples<Snapshot> {
        let mut plain = trail("audit");
        plain.kms_key = None;
        let mut refusing = trail_key();
        refusing.policy = r#"{"Version": "2012-10-17", "Statement": []}"#.into();
        Examples {
            non_compliant: one_trail(plain.clone(), Some(trail_key())),
            compliant: one_trail(trail("audit"), Some(trail_key())),
            // The key's policy doesn't let CloudTrail encrypt: non-compliant, fix withheld.
            edge: one_trail(plain, Some(refusing)),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::audit_samples::KEY_ARN;

    #[test]
    fn an_unencrypted_trail_gets_the_configured_key_and_undo_removes_it() {
        let e = CloudTrailEncryption.examples();
        let plan = CloudTrailEncryption.plan(&e.non_compliant);
        assert_eq!(
            plan.actions[0].describe(),
            format!("encrypt the logs of trail audit with KMS key {KEY_ARN}")
        );
        assert_eq!(
            plan.undo().map(|u| u.actions[0].describe()),
            Some("put trail audit back on S3-managed encryption (no KMS key)".to_string())
        );
    }

    #[test]
    fn a_key_policy_that_refuses_cloudtrail_withholds_the_fix_with_the_reason() {
        let e = CloudTrailEncryption.examples();
        assert!(matches!(
            CloudTrailEncryption.evaluate(&e.edge),
            Verdict::NonCompliant { .. }
        ));
        let plan = CloudTrailEncryption.plan(&e.edge);
        assert!(plan.is_empty());
        assert!(
            plan.withheld[0].contains("does not let cloudtrail.amazonaws.com use kms:GenerateDataKey*"),
            "{:?}",
            plan.withheld
        );
    }

    #[test]
    fn no_key_configured_withholds_the_fix_and_says_so() {
        let mut plain = trail("audit");
        plain.kms_key = None;
        let plan = CloudTrailEncryption.plan(&one_trail(plain, None));
        assert!(plan.is_empty());
        assert!(plan.withheld[0].contains("TrailKmsKeyArn is empty"));
    }
}
