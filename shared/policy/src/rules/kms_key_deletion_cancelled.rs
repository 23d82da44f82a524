//! `kms-key-deletion-cancelled`: no customer-managed KMS key is scheduled for deletion.
//!
//! HIPAA Security Rule: contingency plan, 164.308(a)(7), and integrity,
//! 164.312(c)(1): a deleted key makes everything encrypted under it unreadable for
//! good. Mirrors the AWS Config managed rule `KMS_CMK_NOT_SCHEDULED_FOR_DELETION`
//! (Security Hub KMS.3).
//!
//! The fix is `CancelKeyDeletion`, then `EnableKey` when the key was enabled before
//! the deletion was scheduled (`CancelKeyDeletion` leaves it disabled). Whether it was
//! enabled is read from CloudTrail's event history (the key's last `EnableKey`,
//! `DisableKey`, `CreateKey` or `CancelKeyDeletion` in 90 days; none: enabled). A
//! deliberate deletion is exempted by tag like any other resource. Undo schedules the
//! deletion again with the waiting period it had (counted from the undo: AWS can't
//! put back the original date).
use crate::family;
use crate::kinds::kms_key::{CancelKeyDeletion, Facet, HISTORY_EVENTS, KeyManager, KeyMetadata, KmsKey, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::audit_samples::{history, key};
use crate::settings::Mode;

pub const ID: &str = "kms-key-deletion-cancelled";

const METADATA: AnyFacet = AnyFacet::KmsKey(Facet::Metadata);
const HISTORY: AnyFacet = AnyFacet::KmsKey(Facet::History);

/// KMS's bounds on a deletion's waiting period.
const MIN_WINDOW: i64 = 7;
const MAX_WINDOW: i64 = 30;

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "No customer-managed KMS key is scheduled for deletion",
    safeguard: "164.308(a)(7) Contingency plan; 164.312(c)(1) Integrity",
    kind: ResourceKind::KmsKey,
    family: family::KMS_KEYS,
    triggers: Triggers {
        config_rules: &["KMS_CMK_NOT_SCHEDULED_FOR_DELETION"],
        cloudtrail: &["ScheduleKeyDeletion"],
        schedule: true,
        security_hub: &["KMS.3"],
    },
    facets: &[METADATA],
    reads: &[METADATA, HISTORY],
    actions: &[CancelKeyDeletion::INFO],
    parameters: &[],
    default_mode: Mode::Auto,
    custom_config_rule: false,
    order: 0,
    fix: Fix::Reversible,
};

pub struct KmsKeyDeletionCancelled;

/// Whether the key was enabled before its deletion was scheduled: its last state
/// change in the event history; none in 90 days means it was enabled.
fn was_enabled(s: &Snapshot) -> Option<bool> {
    let h = s.history.get()?;
    Some(!matches!(
        h.last_of(HISTORY_EVENTS).map(|c| c.name.as_str()),
        Some("DisableKey" | "CancelKeyDeletion")
    ))
}

/// The waiting period the deletion has left, in whole days (rounded up, within KMS's bounds).
fn window_days(s: &Snapshot, m: &KeyMetadata) -> u32 {
    let days = m.deletion_date.map_or(MAX_WINDOW, |d| {
        let secs = (d - s.as_of).num_seconds().max(0);
        (secs + 86_399) / 86_400
    });
    u32::try_from(days.clamp(MIN_WINDOW, MAX_WINDOW)).unwrap_or(30)
}

impl KindRule for KmsKeyDeletionCancelled {
    type Kind = KmsKey;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, s: &Snapshot) -> Verdict {
        let Some(m) = s.metadata.get() else {
            return Verdict::NeedsFacets { facets: vec![METADATA] };
        };
        if m.manager == KeyManager::Aws || m.state != KeyMetadata::PENDING_DELETION {
            return Verdict::Compliant {
                reason: format!("the key is {}", m.state),
            };
        }
        if !s.history.is_read() {
            return Verdict::NeedsFacets { facets: vec![HISTORY] };
        }
        Verdict::NonCompliant {
            findings: vec![format!(
                "KMS key {} is scheduled for deletion on {}: everything encrypted under it would be unreadable for good",
                m.arn,
                m.deletion_date
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_else(|| "an unknown date".into())
            )],
        }
    }
    fn plan(&self, s: &Snapshot) -> Plan {
        let (Some(m), Some(reenable)) = (s.metadata.get(), was_enabled(s)) else {
            return Plan::default();
        };
        if m.manager == KeyManager::Aws || m.state != KeyMetadata::PENDING_DELETION {
            return Plan::default();
        }
        Plan::of(vec![
            CancelKeyDeletion {
                key_id: s.id.clone(),
                window_days: window_days(s, m),
                reenable,
            }
            .into(),
        ])
    }
    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: key(KeyMetadata::PENDING_DELETION, true, history(&[("EnableKey", 40)])),
            compliant: key(KeyMetadata::ENABLED, true, history(&[])),
            // Disabled before its deletion was scheduled: cancelled, left disabled.
            edge: key(KeyMetadata::PENDING_DELETION, true, history(&[("DisableKey", 3)])),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheduled_deletion_is_cancelled_and_the_key_enabled_again() {
        let e = KmsKeyDeletionCancelled.examples();
        let plan = KmsKeyDeletionCancelled.plan(&e.non_compliant);
        assert_eq!(
            plan.actions,
            vec![
                CancelKeyDeletion {
                    key_id: e.non_compliant.id.clone(),
                    window_days: 30,
                    reenable: true,
                }
                .into()
            ]
        );
    }

    #[test]
    fn a_key_disabled_before_stays_disabled() {
        let e = KmsKeyDeletionCancelled.examples();
        let plan = KmsKeyDeletionCancelled.plan(&e.edge);
        assert!(plan.actions[0].describe().contains("disabled") || !plan.actions[0].describe().contains("enable"));
        let mut s = e.edge.clone();
        plan.actions[0].apply_to(&mut crate::Snapshot::KmsKey(s.clone()));
        if let Some(m) = s.metadata.get_mut() {
            m.state = KeyMetadata::DISABLED.into();
        }
        assert!(matches!(
            KmsKeyDeletionCancelled.evaluate(&s),
            Verdict::Compliant { .. }
        ));
    }

    #[test]
    fn undo_schedules_the_deletion_again_with_the_waiting_period_it_had() {
        let mut s = key(KeyMetadata::PENDING_DELETION, true, history(&[]));
        if let Some(m) = s.metadata.get_mut() {
            m.deletion_date = Some(s.as_of + chrono::Duration::days(7) - chrono::Duration::seconds(5));
        }
        let undo = KmsKeyDeletionCancelled.plan(&s).undo();
        assert_eq!(
            undo.map(|u| u.actions[0].describe()),
            Some(format!(
                "schedule the deletion of KMS key {} again, with its 7-day waiting period counted from now",
                s.id
            ))
        );
    }
}
