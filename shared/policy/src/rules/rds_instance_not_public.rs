//! `rds-instance-not-public`: no RDS DB instance is publicly accessible.
//!
//! HIPAA Security Rule: access control, 45 CFR 164.312(a)(1), and transmission
//! security, 164.312(e)(1). Mirrors the AWS Config managed rule
//! `RDS_INSTANCE_PUBLIC_ACCESS_CHECK` (Security Hub RDS.2).
//!
//! The fix is `ModifyDBInstance PubliclyAccessible=false, ApplyImmediately=true`.
//! Aurora cluster members are instances, each judged and fixed on its own. Default
//! mode `notify`: clients outside the VPC lose access at once. Undo makes the
//! instance publicly accessible again.
//!
//! The Config rule `RDS_INSTANCE_PUBLIC_ACCESS_CHECK` is not a trigger: AWS Config names a DB instance by its resource id (`db-...`), which the RDS API does not take; the CloudTrail triggers and the sweep name it by its identifier.
use crate::family;
use crate::kinds::rds_db_instance::{Facet, InstanceInfo, ModifyDbInstancePubliclyAccessible, RdsDbInstance, Snapshot};
use crate::kinds::{Facet as AnyFacet, Read, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::settings::Mode;

pub const ID: &str = "rds-instance-not-public";

const INSTANCE: AnyFacet = AnyFacet::RdsDbInstance(Facet::Instance);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "No RDS DB instance is publicly accessible",
    safeguard: "164.312(a)(1) Access control",
    kind: ResourceKind::RdsDbInstance,
    family: family::DATA_STORE_EXPOSURE,
    triggers: Triggers {
        // Not a trigger: RDS_INSTANCE_PUBLIC_ACCESS_CHECK (see the module doc).
        config_rules: &[],
        cloudtrail: &["CreateDBInstance", "ModifyDBInstance"],
        schedule: true,
        security_hub: &["RDS.2"],
    },
    facets: &[INSTANCE],
    reads: &[INSTANCE],
    actions: &[ModifyDbInstancePubliclyAccessible::INFO],
    parameters: &[],
    default_mode: Mode::Notify,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct RdsInstanceNotPublic;

impl KindRule for RdsInstanceNotPublic {
    type Kind = RdsDbInstance;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        match s.instance.get() {
            None => Verdict::NeedsFacets { facets: vec![INSTANCE] },
            Some(i) if i.publicly_accessible => Verdict::NonCompliant {
                findings: vec![match &i.cluster {
                    Some(c) => format!(
                        "RDS DB instance {} (a member of cluster {c}) is publicly accessible",
                        s.instance_id
                    ),
                    None => format!("RDS DB instance {} is publicly accessible", s.instance_id),
                }],
            },
            Some(_) => Verdict::Compliant {
                reason: "not publicly accessible".into(),
            },
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        match s.instance.get() {
            Some(i) if i.publicly_accessible => Plan::of(vec![
                ModifyDbInstancePubliclyAccessible {
                    instance_id: s.instance_id.clone(),
                    publicly_accessible: false,
                }
                .into(),
            ]),
            Some(_) | None => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let db = |public: bool, cluster: Option<&str>| Snapshot {
            instance_id: "patients-db".into(),
            instance: Read::Value(InstanceInfo {
                publicly_accessible: public,
                engine: "postgres".into(),
                cluster: cluster.map(str::to_owned),
                tags: Default::default(),
            }),
        };
        Examples {
            non_compliant: db(true, None),
            compliant: db(false, None),
            // An Aurora member: fixed on its own.
            edge: db(true, Some("patients-aurora")),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_aurora_member_is_fixed_as_an_instance_and_undo_reopens_it() {
        let s = RdsInstanceNotPublic.examples().edge;
        let plan = RdsInstanceNotPublic.plan(&s);
        assert!(plan.descriptions()[0].contains("patients-db"));
        let undo = plan.undo().unwrap();
        assert!(undo.descriptions()[0].contains("publicly accessible again"));
        assert_eq!(SPEC.default_mode, Mode::Notify);
    }
}
