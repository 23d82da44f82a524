//! The audit ledger's record: one per decision that was acted on or reported.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::Actor;
use crate::kinds::Action;
use crate::kinds::Snapshot;
use crate::settings::Mode;

/// What became of one (rule, resource) decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Compliant on a fresh read: nothing to do.
    Compliant,
    /// The resource no longer exists: a quiet no-op.
    Gone,
    /// The rule is off.
    Off,
    /// The event was caused by hipaa-autofix itself.
    LoopGuard,
    /// The event records a call that failed; nothing changed.
    FailedCall,
    /// Already handled for this event (a repeated delivery).
    Duplicate,
    /// Exempt by tag or settings entry.
    Exempt,
    /// Notify mode: reported, not changed.
    Notified,
    /// Dry run: reported what would change.
    DryRun,
    /// Changed and verified compliant on a fresh read.
    Fixed,
    /// Changed, but a fresh read is still not compliant.
    NotVerified,
    /// A change failed.
    Failed,
    /// The state can't be judged or has no automatic fix.
    CannotJudge,
    /// Not changed because the run's change limit was reached.
    Limited,
    /// Compliant, with a warning worth a notice (once).
    Warned,
    /// A break-glass resource: never changed, every violation a loud notice.
    BreakGlass,
    /// An earlier fix was undone by an admin.
    Undone,
    /// An admin set a rule's mode.
    ModeSet,
    /// An admin exempted a resource from a rule.
    Exempted,
    /// An admin removed an exemption.
    ExemptionRemoved,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Compliant => "compliant",
            Outcome::Gone => "gone",
            Outcome::Off => "off",
            Outcome::LoopGuard => "loop_guard",
            Outcome::FailedCall => "failed_call",
            Outcome::Duplicate => "duplicate",
            Outcome::Exempt => "exempt",
            Outcome::Notified => "notified",
            Outcome::DryRun => "dry_run",
            Outcome::Fixed => "fixed",
            Outcome::NotVerified => "not_verified",
            Outcome::Failed => "failed",
            Outcome::CannotJudge => "cannot_judge",
            Outcome::Limited => "limited",
            Outcome::Warned => "warned",
            Outcome::BreakGlass => "break_glass",
            Outcome::Undone => "undone",
            Outcome::ModeSet => "mode_set",
            Outcome::Exempted => "exempted",
            Outcome::ExemptionRemoved => "exemption_removed",
        }
    }
    /// Whether the decision changed the account.
    pub fn changed(self) -> bool {
        matches!(
            self,
            Outcome::Fixed | Outcome::NotVerified | Outcome::Failed | Outcome::Undone
        )
    }
    /// Whether the record is an admin's act (mode, exemption, undo), not a rule's decision.
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Outcome::Undone | Outcome::ModeSet | Outcome::Exempted | Outcome::ExemptionRemoved
        )
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One ledger item. Holds configuration, never object contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRecord {
    pub id: String,
    pub time: DateTime<Utc>,
    pub rule: String,
    pub resource: String,
    /// The resource as the executor names it (kind, id, account, region), for undo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<crate::kinds::ResourceRef>,
    pub account: String,
    pub region: String,
    pub event_id: String,
    pub trigger: String,
    pub actor: Option<Actor>,
    pub mode: Mode,
    pub outcome: Outcome,
    pub dry_run: bool,
    pub findings: Vec<String>,
    /// The actions applied (or, for notify and dry run, planned).
    pub actions: Vec<Action>,
    pub before: Option<Snapshot>,
    pub after: Option<Snapshot>,
    pub verified: bool,
    pub notes: Vec<String>,
    pub error: Option<String>,
}

/// A new, time-ordered ledger id (UUID v7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
