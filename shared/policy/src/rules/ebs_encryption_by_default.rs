//! `ebs-encryption-by-default`: EBS encryption by default is on in each region the
//! stack runs in, so every new volume (and snapshot copy) holding ePHI is encrypted.
//!
//! HIPAA Security Rule: encryption and decryption, 45 CFR 164.312(a)(2)(iv). Mirrors
//! the AWS Config managed rule `EC2_EBS_ENCRYPTION_BY_DEFAULT` (Security Hub EC2.7).
//!
//! The fix is `EnableEbsEncryptionByDefault` in the function's region; with
//! `EbsDefaultKmsKeyArn` set, `ModifyEbsDefaultKmsKeyId` first makes that key the
//! default. Existing volumes are not changed. Undo turns encryption by default off
//! again (the default key set, if any, stays).
use crate::family;
use crate::kinds::ec2_account::{Ec2Account, EnableEbsEncryptionByDefault, Facet, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::params::{Param, Params, TextParam};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "ebs-encryption-by-default";

/// A customer-managed KMS key to make the default EBS key; empty keeps the current one.
pub static EBS_DEFAULT_KMS_KEY_ARN: TextParam = TextParam {
    name: "EbsDefaultKmsKeyArn",
    default: "",
    help: "ARN of a KMS key to make the default EBS encryption key when ebs-encryption-by-default turns encryption on; empty keeps the current default (aws/ebs)",
};

const EBS: AnyFacet = AnyFacet::Ec2Account(Facet::EbsEncryptionByDefault);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "EBS encryption by default is on",
    safeguard: "164.312(a)(2)(iv) Encryption and decryption",
    kind: ResourceKind::Ec2Account,
    family: family::DATA_STORE_EXPOSURE,
    triggers: Triggers {
        config_rules: &["EC2_EBS_ENCRYPTION_BY_DEFAULT"],
        cloudtrail: &["DisableEbsEncryptionByDefault"],
        schedule: true,
        security_hub: &["EC2.7"],
    },
    facets: &[EBS],
    reads: &[EBS],
    actions: &[EnableEbsEncryptionByDefault::INFO],
    parameters: &[Param::Text(&EBS_DEFAULT_KMS_KEY_ARN)],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct EbsEncryptionByDefault {
    kms_key: Option<String>,
}

impl EbsEncryptionByDefault {
    pub fn new(p: &Params) -> Self {
        let k = p.text(&EBS_DEFAULT_KMS_KEY_ARN);
        Self {
            kms_key: (!k.trim().is_empty()).then(|| k.trim().to_string()),
        }
    }
}

impl KindRule for EbsEncryptionByDefault {
    type Kind = Ec2Account;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, a: &Snapshot) -> Verdict {
        match a.ebs_encryption_by_default.get() {
            None => Verdict::NeedsFacets { facets: vec![EBS] },
            Some(true) => Verdict::Compliant {
                reason: "EBS encryption by default is on".into(),
            },
            Some(false) => Verdict::NonCompliant {
                findings: vec![format!(
                    "EBS encryption by default is off in {} (account {}): new volumes may hold ePHI unencrypted",
                    a.region, a.account
                )],
            },
        }
    }
    fn plan(&self, a: &Snapshot) -> Plan {
        match a.ebs_encryption_by_default.get() {
            Some(false) => Plan::of(vec![
                EnableEbsEncryptionByDefault {
                    region: a.region.clone(),
                    kms_key_id: self.kms_key.clone(),
                }
                .into(),
            ]),
            Some(true) | None => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let acct = |on: Option<bool>| Snapshot {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            ebs_encryption_by_default: on.map_or(Read::NotRead, Read::Value),
        };
        Examples {
            non_compliant: acct(Some(false)),
            compliant: acct(Some(true)),
            edge: acct(None),
            edge_verdict: VerdictClass::NeedsFacets,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_kms_key_parameter_goes_into_the_fix() {
        let mut p = Params::default();
        p.set(Param::Text(&EBS_DEFAULT_KMS_KEY_ARN), "arn:aws:kms:us-east-1:1:key/k")
            .unwrap();
        let rule = EbsEncryptionByDefault::new(&p);
        let plan = rule.plan(&rule.examples().non_compliant);
        assert!(plan.descriptions()[0].contains("arn:aws:kms:us-east-1:1:key/k"));
        let plan = EbsEncryptionByDefault::new(&Params::default()).plan(&rule.examples().non_compliant);
        assert!(!plan.descriptions()[0].contains("KMS"));
        assert_eq!(plan.undo().unwrap().actions[0].name(), "DisableEbsEncryptionByDefault");
    }
}
