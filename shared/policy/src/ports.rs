//! Ports: the narrow traits through which the executor talks to the world.
//! `hipaa-aws` implements them over the AWS SDK; `memory` has in-process versions.
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::PortError;
use crate::kinds::Action;
use crate::kinds::{Facet, ResourceKind, ResourceRef, Snapshot};
use crate::ledger::LedgerRecord;
use crate::notice::Notice;
use crate::org::{ModeScope, Registry};
use crate::rule::{Rule, Verdict};
use crate::settings::{Exemption, ExemptionEntry, Mode, ModeSetting};

/// Reads resource state. Only reads the facets asked for that are not read yet.
#[async_trait]
pub trait ResourceReader: Send + Sync {
    /// `Err(PortError::NotFound)` when the resource no longer exists.
    async fn fill(&self, resource: &ResourceRef, snapshot: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError>;
}

/// Lists every resource of a kind, for sweeps (paginated inside).
#[async_trait]
pub trait ResourceLister: Send + Sync {
    async fn list(&self, kind: ResourceKind, account: &str, region: &str) -> Result<Vec<Listed>, PortError>;
}

/// One resource a sweep's listing found, with a [`Summary`] of its state when the
/// listing had one at no extra cost per resource.
#[derive(Debug, Clone)]
pub struct Listed {
    pub resource: ResourceRef,
    pub summary: Option<Summary>,
}

impl Listed {
    /// A resource the listing knows nothing more about.
    pub fn bare(resource: ResourceRef) -> Self {
        Listed {
            resource,
            summary: None,
        }
    }
}

/// A snapshot built from an account-wide summary (the IAM credential report: one
/// call for every user), not read from the resource itself.
///
/// It can be hours old and holds placeholders where the summary lacks a detail (the
/// credential report names no access-key ids). So the executor trusts it for one
/// thing only: a rule that judges it **compliant** costs no per-resource read. Any
/// other verdict (non-compliant, a warning, more facets needed, can't judge) is
/// judged again on a live read before anything is planned, and a summary is never
/// planned from, recorded or shown. An adapter builds a summary so that any doubt
/// leans towards "not compliant" (a date it lacks is taken as the oldest it could
/// be), which costs a live read, never a missed violation.
#[derive(Debug, Clone)]
pub struct Summary {
    snapshot: Snapshot,
    source: String,
}

impl Summary {
    /// `source` says where the summary comes from, for logs ("the IAM credential report").
    pub fn new(snapshot: Snapshot, source: impl Into<String>) -> Self {
        Summary {
            snapshot,
            source: source.into(),
        }
    }
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    /// The reason `rule` finds the summary compliant, judged as of `now`; `None`
    /// for any other verdict (the executor then reads the resource live).
    pub fn compliant(&self, rule: &dyn Rule, now: DateTime<Utc>) -> Option<String> {
        let mut snap = self.snapshot.clone();
        snap.set_as_of(now);
        match rule.evaluate(&snap) {
            Verdict::Compliant { reason } => Some(reason),
            Verdict::NonCompliant { .. }
            | Verdict::NeedsFacets { .. }
            | Verdict::Warning { .. }
            | Verdict::CannotJudge { .. } => None,
        }
    }
}

/// Applies one action. Idempotent. `Err(PortError::NotFound)` when the resource is gone.
#[async_trait]
pub trait Remediator: Send + Sync {
    async fn apply(&self, resource: &ResourceRef, action: &Action) -> Result<(), PortError>;
}

/// Rule modes and ledger-held exemptions, changed at runtime by admins.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The mode an admin set for a rule, if any.
    async fn mode(&self, rule: &str) -> Result<Option<Mode>, PortError>;
    /// An exemption of `resource_arn` from `rule` held in the settings store, if any.
    async fn exemption(&self, rule: &str, resource_arn: &str) -> Result<Option<Exemption>, PortError>;
    /// The mode an admin set for a rule in one account or OU (organisation mode), if
    /// any. A store that keeps none answers `None`.
    async fn scoped_mode(&self, _rule: &str, _scope: &ModeScope) -> Result<Option<Mode>, PortError> {
        Ok(None)
    }
    /// The organisation's account registry, if one is stored (organisation mode).
    async fn registry(&self) -> Result<Option<Registry>, PortError> {
        Ok(None)
    }
}

/// Admins' changes to modes and exemptions (the CLI and Slack buttons).
#[async_trait]
pub trait SettingsAdmin: Send + Sync {
    async fn set_mode(&self, rule: &str, mode: Mode, by: &str, reason: &str) -> Result<(), PortError>;
    async fn put_exemption(
        &self,
        rule: &str,
        arn: &str,
        reason: &str,
        until: Option<chrono::NaiveDate>,
        by: &str,
    ) -> Result<(), PortError>;
    /// `false` when there was none.
    async fn delete_exemption(&self, rule: &str, arn: &str) -> Result<bool, PortError>;
    async fn list_modes(&self) -> Result<Vec<ModeSetting>, PortError>;
    async fn list_exemptions(&self) -> Result<Vec<ExemptionEntry>, PortError>;
    /// Set a rule's mode for one account or OU (organisation mode).
    async fn set_scoped_mode(
        &self,
        _rule: &str,
        _scope: &ModeScope,
        _mode: Mode,
        _by: &str,
        _reason: &str,
    ) -> Result<(), PortError> {
        Err(PortError::Unsupported(
            "this settings store keeps no per-account or per-OU modes".into(),
        ))
    }
    /// Store the organisation's account registry (the planner and the CLI refresh it).
    async fn put_registry(&self, _registry: &Registry) -> Result<(), PortError> {
        Err(PortError::Unsupported(
            "this settings store keeps no account registry".into(),
        ))
    }
}

/// The audit ledger.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// Claim an idempotency key; `false` when it was already claimed (a duplicate delivery).
    async fn claim(&self, key: &str) -> Result<bool, PortError>;
    /// Give a claim back after a failure so a retry can do the work.
    async fn release(&self, key: &str) -> Result<(), PortError>;
    async fn record(&self, record: &LedgerRecord) -> Result<(), PortError>;
    /// One record by id.
    async fn get(&self, id: &str) -> Result<Option<LedgerRecord>, PortError>;
    /// Every record, oldest first.
    async fn list(&self) -> Result<Vec<LedgerRecord>, PortError>;
    /// Count one change against `account`'s limit for `hour` (`YYYYMMDDHH`): `true`
    /// when it was within `max` and is now counted, `false` when the account already
    /// had `max` changes that hour (nothing counted). Atomic across functions.
    async fn count_change(&self, account: &str, hour: &str, max: u32) -> Result<bool, PortError>;
}

/// Delivers notices (Slack). Failures never fail a remediation.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError>;
}

/// An evaluation for AWS Config's `PutEvaluations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub resource_type: String,
    pub resource_id: String,
    /// COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE or INSUFFICIENT_DATA.
    pub compliance: String,
    pub annotation: String,
    pub ordering_time: DateTime<Utc>,
}

/// Reports evaluations back to AWS Config for a custom-rule invocation.
#[async_trait]
pub trait ComplianceReporter: Send + Sync {
    async fn put_evaluations(&self, result_token: &str, evaluations: &[Evaluation]) -> Result<(), PortError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::rules::iam_access_key_rotated::IamAccessKeyRotated;
    use crate::rules::samples::{key, now, user_with_keys};

    fn summary(age_days: i64) -> Summary {
        Summary::new(
            Snapshot::IamUser(user_with_keys(vec![key("(placeholder)", true, age_days, None)])),
            "a test report",
        )
    }

    #[test]
    fn only_a_compliant_verdict_of_a_summary_is_trusted() {
        let rule = IamAccessKeyRotated::new(&Params::default());
        assert!(summary(10).compliant(&rule, now()).is_some());
        // Over age, and near the limit (a warning): judged again on a live read.
        assert!(summary(120).compliant(&rule, now()).is_none());
        assert!(summary(88).compliant(&rule, now()).is_none());
    }

    #[test]
    fn a_summary_is_judged_as_of_the_executors_clock() {
        let rule = IamAccessKeyRotated::new(&Params::default());
        // 10 days old when summarised, 100 days later it is over age.
        let later = now() + chrono::Duration::days(100);
        assert!(summary(10).compliant(&rule, later).is_none());
    }

    #[test]
    fn a_summary_missing_what_the_rule_needs_is_not_trusted() {
        let rule = IamAccessKeyRotated::new(&Params::default());
        let mut u = user_with_keys(vec![]);
        u.access_keys = crate::kinds::Read::NotRead;
        assert!(
            Summary::new(Snapshot::IamUser(u), "x")
                .compliant(&rule, now())
                .is_none()
        );
    }
}
