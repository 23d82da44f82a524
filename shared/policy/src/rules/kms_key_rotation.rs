//! `kms-key-rotation`: customer-managed symmetric encryption keys rotate their key
//! material automatically.
//!
//! HIPAA Security Rule: encryption and decryption, 164.312(a)(2)(iv), and
//! transmission security, 164.312(e)(2)(ii). Mirrors the AWS Config managed rule
//! `CMK_BACKING_KEY_ROTATION_ENABLED` (Security Hub KMS.4).
//!
//! The fix is `EnableKeyRotation`, keeping the `RotationPeriodInDays` the owner set;
//! undo turns rotation off again. Keys that can't rotate automatically — asymmetric,
//! HMAC, imported key material, custom key stores — are skipped with one notice
//! saying why; AWS-managed keys are AWS's to rotate (every year). A key pending
//! deletion is `kms-key-deletion-cancelled`'s.
use crate::family;
use crate::history::CallHistory;
use crate::kinds::kms_key::{EnableKeyRotation, Facet, KeyManager, KeyMetadata, KmsKey, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::key;
use crate::settings::Mode;

pub const ID: &str = "kms-key-rotation";

const METADATA: AnyFacet = AnyFacet::KmsKey(Facet::Metadata);
const ROTATION: AnyFacet = AnyFacet::KmsKey(Facet::Rotation);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "Customer-managed KMS keys rotate automatically",
    safeguard: "164.312(a)(2)(iv) Encryption and decryption; 164.312(e)(2)(ii) Encryption",
    kind: ResourceKind::KmsKey,
    family: family::KMS_KEYS,
    triggers: Triggers {
        config_rules: &["CMK_BACKING_KEY_ROTATION_ENABLED"],
        cloudtrail: &["DisableKeyRotation", "EnableKey"],
        schedule: true,
        security_hub: &["KMS.4"],
    },
    facets: &[METADATA],
    reads: &[METADATA, ROTATION],
    actions: &[EnableKeyRotation::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 1,
    fix: Fix::Reversible,
};

pub struct KmsKeyRotation;

/// Why the rule doesn't apply to this key, if it doesn't; `Ok(())` when it does.
fn applies(m: &KeyMetadata) -> Result<(), Verdict> {
    if m.manager == KeyManager::Aws {
        return Err(Verdict::Compliant {
            reason: "an AWS-managed key: AWS rotates it every year".into(),
        });
    }
    if let Some(why) = m.cannot_rotate() {
        return Err(Verdict::Warning {
            findings: vec![format!(
                "KMS key {} can't rotate automatically: {why}; rotate it by hand (a new key and an alias moved to it)",
                m.arn
            )],
            token: "cannot-rotate".into(),
        });
    }
    if m.state != KeyMetadata::ENABLED && m.state != KeyMetadata::DISABLED {
        return Err(Verdict::Compliant {
            reason: format!("not applicable: the key is {}", m.state),
        });
    }
    Ok(())
}

impl KindRule for KmsKeyRotation {
    type Kind = KmsKey;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(m) = s.metadata.get() else {
            return Verdict::NeedsFacets { facets: vec![METADATA] };
        };
        if let Err(v) = applies(m) {
            return v;
        }
        let Some(r) = s.rotation.get() else {
            return Verdict::NeedsFacets { facets: vec![ROTATION] };
        };
        if r.enabled {
            Verdict::Compliant {
                reason: format!(
                    "automatic rotation is on{}",
                    r.period_days.map(|d| format!(" (every {d} days)")).unwrap_or_default()
                ),
            }
        } else {
            Verdict::NonCompliant {
                findings: vec![format!("KMS key {} does not rotate automatically", m.arn)],
            }
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        match (s.metadata.get(), s.rotation.get()) {
            (Some(m), Some(r)) if applies(m).is_ok() && !r.enabled => Plan::of(vec![
                EnableKeyRotation {
                    key_id: s.id.clone(),
                    period_days: r.period_days,
                }
                .into(),
            ]),
            (Some(_) | None, Some(_) | None) => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let mut asymmetric = key(KeyMetadata::ENABLED, false, CallHistory::default());
        if let Some(m) = asymmetric.metadata.get_mut() {
            m.spec = "RSA_2048".into();
        }
        Examples {
            non_compliant: key(KeyMetadata::ENABLED, false, CallHistory::default()),
            compliant: key(KeyMetadata::ENABLED, true, CallHistory::default()),
            // An asymmetric key can't rotate: said once, never changed.
            edge: asymmetric,
            edge_verdict: VerdictClass::Warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_off_is_turned_on_keeping_the_owners_period_and_undo_turns_it_off() {
        let s = key(KeyMetadata::ENABLED, false, CallHistory::default());
        assert!(matches!(KmsKeyRotation.evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = KmsKeyRotation.plan(&s);
        assert_eq!(plan.actions.len(), 1);
        assert!(plan.actions[0].describe().contains("every 180 days"));
        assert_eq!(plan.undo().map(|u| u.actions[0].name()), Some("DisableKeyRotation"));
    }

    #[test]
    fn keys_that_cannot_rotate_are_skipped_and_say_why() {
        for (spec, origin, why) in [
            ("RSA_2048", "AWS_KMS", "asymmetric"),
            ("HMAC_256", "AWS_KMS", "HMAC"),
            ("SYMMETRIC_DEFAULT", "EXTERNAL", "imported"),
            ("SYMMETRIC_DEFAULT", "AWS_CLOUDHSM", "custom key store"),
        ] {
            let mut s = key(KeyMetadata::ENABLED, false, CallHistory::default());
            if let Some(m) = s.metadata.get_mut() {
                m.spec = spec.into();
                m.origin = origin.into();
            }
            match KmsKeyRotation.evaluate(&s) {
                Verdict::Warning { findings, .. } => assert!(findings[0].contains(why), "{findings:?}"),
                v => panic!("{spec}/{origin}: {v:?}"),
            }
            assert!(KmsKeyRotation.plan(&s).is_empty());
        }
    }

    #[test]
    fn aws_managed_and_pending_deletion_keys_are_not_this_rules() {
        let mut aws = key(KeyMetadata::ENABLED, false, CallHistory::default());
        if let Some(m) = aws.metadata.get_mut() {
            m.manager = KeyManager::Aws;
        }
        assert!(matches!(KmsKeyRotation.evaluate(&aws), Verdict::Compliant { .. }));
        let pending = key(KeyMetadata::PENDING_DELETION, false, CallHistory::default());
        assert!(matches!(KmsKeyRotation.evaluate(&pending), Verdict::Compliant { .. }));
        assert!(KmsKeyRotation.plan(&pending).is_empty());
    }
}
