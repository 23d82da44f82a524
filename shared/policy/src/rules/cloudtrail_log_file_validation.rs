//! `cloudtrail-log-file-validation`: every trail of the account writes signed digest
//! files, so a log file changed or deleted after delivery can be detected.
//!
//! HIPAA Security Rule: audit controls, 164.312(b), and integrity, 164.312(c)(1).
//! Mirrors the AWS Config managed rule `CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED`
//! (Security Hub CloudTrail.4).
//!
//! The fix is `UpdateTrail EnableLogFileValidation` in the trail's home region; undo
//! turns it off again. Another account's organization trail is its management
//! account's to change: it is reported, never changed.
use crate::family;
use crate::kinds::cloudtrail_trail::{CloudTrailTrail, Facet, SetLogFileValidation, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::{one_trail, trail};
use crate::settings::Mode;

pub const ID: &str = "cloudtrail-log-file-validation";

const TRAIL: AnyFacet = AnyFacet::CloudTrailTrail(Facet::Trail);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "CloudTrail trails validate their log files",
    safeguard: "164.312(b) Audit controls; 164.312(c)(1) Integrity",
    kind: ResourceKind::CloudTrailTrail,
    family: family::AUDIT_TRAIL,
    triggers: Triggers {
        config_rules: &["CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED"],
        cloudtrail: &["CreateTrail", "UpdateTrail"],
        schedule: true,
        security_hub: &["CloudTrail.4"],
    },
    facets: &[TRAIL],
    reads: &[TRAIL],
    actions: &[SetLogFileValidation::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct CloudTrailLogFileValidation;

/// Why the account can't change a trail (another account's organization trail).
pub(crate) fn not_ours(s: &Snapshot) -> Option<Verdict> {
    let t = s.trail.get()?;
    (t.owner() != s.account).then(|| Verdict::CannotJudge {
        reason: format!(
            "trail {} belongs to account {} (an organization trail): only that account can change it",
            t.name,
            t.owner()
        ),
    })
}

impl KindRule for CloudTrailLogFileValidation {
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
        if t.validation {
            Verdict::Compliant {
                reason: "log file validation is on".into(),
            }
        } else {
            Verdict::NonCompliant {
                findings: vec![format!("trail {} does not validate its log files", t.name)],
            }
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        match s.trail.get() {
            Some(t) if !t.validation && not_ours(s).is_none() => Plan::of(vec![
                SetLogFileValidation {
                    trail: t.name.clone(),
                    on: true,
                }
                .into(),
            ]),
            Some(_) | None => Plan::default(),
        }
    }
    fn examples(&self) -> Examples<Snapshot> {
        let mut off = trail("audit");
        off.validation = false;
        let mut org = off.clone();
        org.arn = "arn:aws:cloudtrail:us-east-1:999999999999:trail/audit".into();
        org.organization = true;
        Examples {
            non_compliant: one_trail(off, None),
            compliant: one_trail(trail("audit"), None),
            // Another account's organization trail: reported, never changed.
            edge: one_trail(org, None),
            edge_verdict: VerdictClass::CannotJudge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_off_is_turned_on_and_undo_turns_it_off() {
        let mut t = trail("audit");
        t.validation = false;
        let s = one_trail(t, None);
        assert!(matches!(
            CloudTrailLogFileValidation.evaluate(&s),
            Verdict::NonCompliant { .. }
        ));
        let plan = CloudTrailLogFileValidation.plan(&s);
        assert_eq!(plan.actions.len(), 1);
        assert_eq!(
            plan.undo().map(|u| u.actions[0].describe()),
            Some("turn log file validation off on trail audit".to_string())
        );
    }

    #[test]
    fn another_accounts_organization_trail_is_never_changed() {
        let e = CloudTrailLogFileValidation.examples();
        assert!(matches!(
            CloudTrailLogFileValidation.evaluate(&e.edge),
            Verdict::CannotJudge { .. }
        ));
        assert!(CloudTrailLogFileValidation.plan(&e.edge).is_empty());
    }
}
