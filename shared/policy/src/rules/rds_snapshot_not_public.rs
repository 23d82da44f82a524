//! `rds-snapshot-not-public`: no RDS DB snapshot or DB cluster snapshot may be
//! restored by anyone.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1). Mirrors the AWS Config
//! managed rule `RDS_SNAPSHOTS_PUBLIC_PROHIBITED` (Security Hub RDS.1).
//!
//! The fix removes `all` from the snapshot's `restore` attribute; the accounts it is
//! shared with by id keep access. Undo makes it public again, and says it is dangerous.
//!
//! The Config rule `RDS_SNAPSHOTS_PUBLIC_PROHIBITED` is not a trigger: its compliance changes name a snapshot without saying which API reads it back through the same id this kind uses (`snapshot:`/`cluster-snapshot:`); the CloudTrail triggers and the sweep find it.
use crate::family;
use crate::kinds::rds_snapshot::{Facet, RdsSnapshot, RemoveRdsSnapshotPublicRestore, RestoreAttribute, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "rds-snapshot-not-public";

const RESTORE: AnyFacet = AnyFacet::RdsSnapshot(Facet::Restore);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "No RDS snapshot is public",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::RdsSnapshot,
    family: family::DATA_STORE_EXPOSURE,
    triggers: Triggers {
        // Not a trigger: RDS_SNAPSHOTS_PUBLIC_PROHIBITED (see the module doc).
        config_rules: &[],
        cloudtrail: &["ModifyDBSnapshotAttribute", "ModifyDBClusterSnapshotAttribute"],
        schedule: true,
        security_hub: &["RDS.1"],
    },
    facets: &[RESTORE],
    reads: &[RESTORE],
    actions: &[RemoveRdsSnapshotPublicRestore::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct RdsSnapshotNotPublic;

impl KindRule for RdsSnapshotNotPublic {
    type Kind = RdsSnapshot;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        match s.restore.get() {
            None => Verdict::NeedsFacets { facets: vec![RESTORE] },
            Some(r) if r.public => Verdict::NonCompliant {
                findings: vec![format!(
                    "RDS {} is public: anyone in any AWS account can restore the database from it",
                    s.id
                )],
            },
            Some(r) => Verdict::Compliant {
                reason: format!(
                    "not public (shared with {} by id)",
                    crate::wording::count(r.accounts.len(), "account", "accounts")
                ),
            },
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        match s.restore.get() {
            Some(r) if r.public => Plan::of(vec![RemoveRdsSnapshotPublicRestore { id: s.id.clone() }.into()]),
            Some(_) | None => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let snap = |id: &str, public: bool| Snapshot {
            id: id.into(),
            restore: Read::Value(RestoreAttribute {
                public,
                accounts: vec!["111122223333".into()],
            }),
            tags: Read::Value(Default::default()),
        };
        Examples {
            non_compliant: snap("snapshot:patients-nightly", true),
            compliant: snap("snapshot:patients-nightly", false),
            edge: snap("cluster-snapshot:aurora-weekly", true),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::rds_snapshot::SnapshotId;

    #[test]
    fn db_and_cluster_snapshots_are_told_apart_by_their_id() {
        assert_eq!(SnapshotId::parse("snapshot:a"), Some(SnapshotId::Db("a")));
        assert_eq!(SnapshotId::parse("cluster-snapshot:a"), Some(SnapshotId::Cluster("a")));
        assert_eq!(SnapshotId::parse("a"), None);
        let s = RdsSnapshotNotPublic.examples().edge;
        assert!(RdsSnapshotNotPublic.plan(&s).descriptions()[0].contains("cluster-snapshot:aurora-weekly"));
    }
}
