//! `ssm-document-not-public`: no SSM document the account owns is shared with every
//! AWS account (documents hold scripts, hostnames, sometimes paths to ePHI).
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1). Mirrors the AWS Config
//! managed rule `SSM_DOCUMENT_NOT_PUBLIC` (Security Hub SSM.4).
//!
//! The fix removes `All` from the document's `Share` permission; the accounts it is
//! shared with by id keep access. Undo shares it with everyone again and its notice
//! says that is dangerous. Triggers: `ModifyDocumentPermission` and the sweep (owned
//! documents only). The Config rule is not a trigger: it is periodic and reports the
//! account's documents in bulk.
use crate::family;
use crate::kinds::ssm_document::{Facet, RemoveDocumentPublicShare, SharePermission, Snapshot, SsmDocument};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "ssm-document-not-public";

const SHARE: AnyFacet = AnyFacet::SsmDocument(Facet::Share);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "No SSM document is shared with every AWS account",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::SsmDocument,
    family: family::DATA_STORE_EXPOSURE,
    triggers: Triggers {
        config_rules: &[],
        cloudtrail: &["ModifyDocumentPermission"],
        schedule: true,
        security_hub: &[],
    },
    facets: &[SHARE],
    reads: &[SHARE],
    actions: &[RemoveDocumentPublicShare::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct SsmDocumentNotPublic;

impl KindRule for SsmDocumentNotPublic {
    type Kind = SsmDocument;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, d: &Snapshot) -> Verdict {
        match d.share.get() {
            None => Verdict::NeedsFacets { facets: vec![SHARE] },
            Some(p) if p.public => Verdict::NonCompliant {
                findings: vec![format!(
                    "SSM document {} is shared with every AWS account: anyone can read and run it",
                    d.name
                )],
            },
            Some(p) => Verdict::Compliant {
                reason: format!(
                    "not public (shared with {})",
                    crate::wording::count(p.accounts.len(), "account", "accounts")
                ),
            },
        }
    }
    fn plan(&self, d: &Snapshot) -> Plan {
        match d.share.get() {
            Some(p) if p.public => Plan::of(vec![RemoveDocumentPublicShare { name: d.name.clone() }.into()]),
            Some(_) | None => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let doc = |public: bool, accounts: &[&str]| Snapshot {
            name: "patch-phi-hosts".into(),
            share: Read::Value(SharePermission {
                public,
                accounts: accounts.iter().map(|a| (*a).to_string()).collect(),
            }),
            tags: Read::Value(Default::default()),
        };
        Examples {
            non_compliant: doc(true, &[]),
            compliant: doc(false, &["111122223333"]),
            edge: doc(false, &[]),
            edge_verdict: VerdictClass::Compliant,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn named_accounts_keep_access_and_the_undo_is_called_dangerous() {
        let mut s = SsmDocumentNotPublic.examples().non_compliant;
        s.share = Read::Value(SharePermission {
            public: true,
            accounts: vec!["111122223333".into()],
        });
        let plan = SsmDocumentNotPublic.plan(&s);
        let mut after: crate::Snapshot = s.into();
        plan.actions[0].apply_to(&mut after);
        let p = after.as_ssm_document().and_then(|s| s.share.get()).unwrap();
        assert!(!p.public);
        assert_eq!(p.accounts, ["111122223333"]);
        assert!(plan.undo().unwrap().descriptions()[0].starts_with("DANGEROUS"));
    }
}
