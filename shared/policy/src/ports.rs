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
    async fn list(&self, kind: ResourceKind, account: &str, region: &str) -> Result<Vec<ResourceRef>, PortError>;
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
