//! `ebs-snapshot-not-public`: no EBS snapshot may be restored by anyone.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1). Mirrors the AWS Config
//! managed rule `EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK` (Security Hub EC2.1).
//!
//! The fix removes the `all` group from the snapshot's `createVolumePermission`; the
//! accounts it is shared with by id keep access. Undo makes it public again and its
//! notice says that is dangerous.
//!
//! The Config rule `EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK` is not a trigger: it reports the account (`AWS::::Account`), not the snapshot, so its compliance change names nothing to fix: the CloudTrail trigger and the sweep find the snapshot.
use crate::family;
use crate::kinds::ebs_snapshot::{
    EbsSnapshot, Facet, RemoveSnapshotPublicVolumePermission, Snapshot, VolumePermissions,
};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "ebs-snapshot-not-public";

const PERMS: AnyFacet = AnyFacet::EbsSnapshot(Facet::VolumePermissions);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "No EBS snapshot is public",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::EbsSnapshot,
    family: family::DATA_STORE_EXPOSURE,
    triggers: Triggers {
        // Not a trigger: EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK (see the module doc).
        config_rules: &[],
        cloudtrail: &["ModifySnapshotAttribute"],
        schedule: true,
        security_hub: &[],
    },
    facets: &[PERMS],
    reads: &[PERMS],
    actions: &[RemoveSnapshotPublicVolumePermission::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct EbsSnapshotNotPublic;

impl KindRule for EbsSnapshotNotPublic {
    type Kind = EbsSnapshot;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        match s.permissions.get() {
            None => Verdict::NeedsFacets { facets: vec![PERMS] },
            Some(p) if p.public => Verdict::NonCompliant {
                findings: vec![format!(
                    "EBS snapshot {} is public: anyone in any AWS account can create a volume from it",
                    s.snapshot_id
                )],
            },
            Some(p) => Verdict::Compliant {
                reason: format!(
                    "not public (shared with {} by id)",
                    crate::wording::count(p.accounts.len(), "account", "accounts")
                ),
            },
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        match s.permissions.get() {
            Some(p) if p.public => Plan::of(vec![
                RemoveSnapshotPublicVolumePermission {
                    snapshot_id: s.snapshot_id.clone(),
                }
                .into(),
            ]),
            Some(_) | None => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let snap = |public: bool, accounts: &[&str]| Snapshot {
            snapshot_id: "snap-0123".into(),
            permissions: Read::Value(VolumePermissions {
                public,
                accounts: accounts.iter().map(|a| (*a).to_string()).collect(),
            }),
            tags: Read::Value(Default::default()),
        };
        Examples {
            non_compliant: snap(true, &["111122223333"]),
            compliant: snap(false, &["111122223333"]),
            edge: snap(false, &[]),
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
        let s = EbsSnapshotNotPublic.examples().non_compliant;
        let plan = EbsSnapshotNotPublic.plan(&s);
        let mut after: crate::Snapshot = s.into();
        plan.actions[0].apply_to(&mut after);
        let p = after.as_ebs_snapshot().and_then(|s| s.permissions.get()).unwrap();
        assert!(!p.public);
        assert_eq!(p.accounts, ["111122223333"]);
        assert!(plan.undo().unwrap().descriptions()[0].starts_with("DANGEROUS"));
    }
}
