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
    /// Every outcome (the unit tests check the list is whole).
    pub const ALL: [Outcome; 20] = [
        Outcome::Compliant,
        Outcome::Gone,
        Outcome::Off,
        Outcome::LoopGuard,
        Outcome::FailedCall,
        Outcome::Duplicate,
        Outcome::Exempt,
        Outcome::Notified,
        Outcome::DryRun,
        Outcome::Fixed,
        Outcome::NotVerified,
        Outcome::Failed,
        Outcome::CannotJudge,
        Outcome::Limited,
        Outcome::Warned,
        Outcome::BreakGlass,
        Outcome::Undone,
        Outcome::ModeSet,
        Outcome::Exempted,
        Outcome::ExemptionRemoved,
    ];

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
        self.class().changed
    }
    /// Whether the record is an admin's act (mode, exemption, undo), not a rule's decision.
    pub fn is_admin(self) -> bool {
        self.class().admin
    }

    /// Every outcome's meaning, in one place: one arm per outcome, so a new outcome
    /// is classified here or the crate doesn't compile. The executor, the ledger,
    /// notices, Slack, the Lambda result and the CLI read it from here.
    pub const fn class(self) -> OutcomeClass {
        use ConfigReport as C;
        const NO_ACTION: &str = "No action";
        // The quiet outcomes: nothing to do, nothing reported to Config beyond the verdict.
        const QUIET: OutcomeClass = OutcomeClass {
            violation: false,
            needs_attention: false,
            changed: false,
            admin: false,
            fails_invocation: false,
            verified: false,
            groupable: false,
            fix_now: false,
            undo_button: false,
            headline: NO_ACTION,
            config: C::NotReported,
        };
        // A violation found and left in place, said in a notice that may be grouped with its repeats.
        const LEFT: OutcomeClass = OutcomeClass {
            violation: true,
            groupable: true,
            fix_now: true,
            config: C::NonCompliant,
            ..QUIET
        };
        // An admin's act on the settings.
        const ADMIN: OutcomeClass = OutcomeClass {
            admin: true,
            verified: true,
            ..QUIET
        };
        match self {
            Outcome::Compliant => OutcomeClass {
                config: C::Compliant,
                ..QUIET
            },
            Outcome::Gone => OutcomeClass {
                config: C::NotApplicable,
                ..QUIET
            },
            Outcome::Off | Outcome::LoopGuard | Outcome::FailedCall => QUIET,
            Outcome::Duplicate => OutcomeClass {
                config: C::AlreadyHandled,
                ..QUIET
            },
            Outcome::Exempt => OutcomeClass {
                headline: "Violation on an exempt resource (nothing changed)",
                ..LEFT
            },
            Outcome::Notified => OutcomeClass {
                headline: "Violation found (notify mode: nothing changed)",
                ..LEFT
            },
            Outcome::DryRun => OutcomeClass {
                headline: "Violation found (dry run: nothing changed)",
                ..LEFT
            },
            Outcome::Limited => OutcomeClass {
                needs_attention: true,
                headline: "Violation found (change limit reached: nothing changed)",
                ..LEFT
            },
            Outcome::Fixed => OutcomeClass {
                violation: true,
                changed: true,
                verified: true,
                undo_button: true,
                headline: "Fixed and verified",
                config: C::Fixed,
                ..QUIET
            },
            Outcome::NotVerified => OutcomeClass {
                violation: true,
                needs_attention: true,
                changed: true,
                fails_invocation: true,
                undo_button: true,
                headline: "Changed, but NOT verified compliant",
                config: C::NonCompliant,
                ..QUIET
            },
            Outcome::Failed => OutcomeClass {
                violation: true,
                needs_attention: true,
                changed: true,
                fails_invocation: true,
                headline: "Fix FAILED",
                config: C::NonCompliant,
                ..QUIET
            },
            Outcome::CannotJudge => OutcomeClass {
                needs_attention: true,
                fix_now: false,
                headline: "Could not judge or fix automatically",
                ..LEFT
            },
            Outcome::Warned => OutcomeClass {
                violation: true,
                groupable: true,
                headline: "Warning: action will be needed soon",
                config: C::CompliantWithWarning,
                ..QUIET
            },
            Outcome::BreakGlass => OutcomeClass {
                violation: true,
                headline: "BREAK-GLASS resource in violation (never changed automatically): act now",
                config: C::NonCompliant,
                ..QUIET
            },
            Outcome::Undone => OutcomeClass {
                changed: true,
                headline: "Fix undone by an admin",
                ..ADMIN
            },
            Outcome::ModeSet => OutcomeClass {
                headline: "Rule mode changed by an admin",
                ..ADMIN
            },
            Outcome::Exempted => OutcomeClass {
                headline: "Resource exempted by an admin",
                ..ADMIN
            },
            Outcome::ExemptionRemoved => OutcomeClass {
                headline: "Exemption removed by an admin",
                ..ADMIN
            },
        }
    }
}

/// What an [`Outcome`] means to everything that reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeClass {
    /// The resource violated the rule when read (a scan lists it; a notice offers an exemption).
    pub violation: bool,
    /// The decision did not end well: a person must look (a failed or unverified
    /// change, a state that can't be judged, the change limit). A run with one fails.
    pub needs_attention: bool,
    /// The decision changed (or tried to change) the account.
    pub changed: bool,
    /// An admin's act (mode, exemption, undo), not a rule's decision.
    pub admin: bool,
    /// The Lambda invocation fails (a change failed or wasn't verified). Running the
    /// event again would decide the same for the other attention-needing outcomes.
    pub fails_invocation: bool,
    /// The ledger records it as verified (on a fresh read, or an admin's act).
    pub verified: bool,
    /// A notice of it may be grouped with its repeats: it changed nothing.
    pub groupable: bool,
    /// The violation was left in place by the mode, a dry run, the change limit or an
    /// exemption: "Fix now" can fix it.
    pub fix_now: bool,
    /// A change the executor may invert ("Undo", when the notice offers `autofix undo`).
    pub undo_button: bool,
    /// The notice's headline.
    pub headline: &'static str,
    /// What a custom AWS Config rule invocation is told.
    pub config: ConfigReport,
}

/// What AWS Config is told about a decision (`PutEvaluations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigReport {
    /// COMPLIANT.
    Compliant,
    /// COMPLIANT, with the warning in the annotation.
    CompliantWithWarning,
    /// COMPLIANT: fixed by hipaa-autofix.
    Fixed,
    /// NOT_APPLICABLE: the resource no longer exists.
    NotApplicable,
    /// NON_COMPLIANT, with the outcome and findings.
    NonCompliant,
    /// NON_COMPLIANT: a repeated delivery of an event already handled. The resource was
    /// non-compliant when read (a claim follows only a non-compliant verdict), and the
    /// first delivery acted on it; Config needs the evaluation again on a retry.
    AlreadyHandled,
    /// Nothing: the rule did not judge the resource (off, our own event, a failed call).
    NotReported,
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
    /// When the triggering change happened (CloudTrail's `eventTime`, Config's capture
    /// time), for time to remediate. `None` for a sweep or an admin's act, where no
    /// change event started it, and in records written before the field existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time: Option<DateTime<Utc>>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;

    #[test]
    fn all_lists_every_outcome_once() {
        for (i, o) in Outcome::ALL.iter().enumerate() {
            assert_eq!(Outcome::ALL.iter().position(|x| x == o), Some(i), "{o} twice");
            // The serialized name round-trips (ledger records hold it).
            let json = serde_json::to_string(o).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
        }
    }

    /// The classification says what the seven lists it replaced said (executor,
    /// app, notice, notices, slack, ledger): no outcome changed meaning.
    #[test]
    fn outcome_classes_are_what_the_old_lists_said() {
        for o in Outcome::ALL {
            let c = o.class();
            let not_violation = [
                Compliant,
                Gone,
                Off,
                LoopGuard,
                FailedCall,
                Duplicate,
                Undone,
                ModeSet,
                Exempted,
                ExemptionRemoved,
            ];
            assert_eq!(c.violation, !not_violation.contains(&o), "{o} violation");
            assert_eq!(
                c.needs_attention,
                [Failed, NotVerified, CannotJudge, Limited].contains(&o),
                "{o} resolved"
            );
            assert_eq!(
                c.changed,
                [Fixed, NotVerified, Failed, Undone].contains(&o),
                "{o} changed"
            );
            assert_eq!(
                c.admin,
                [Undone, ModeSet, Exempted, ExemptionRemoved].contains(&o),
                "{o} admin"
            );
            assert_eq!(c.fails_invocation, [Failed, NotVerified].contains(&o), "{o} failure");
            assert_eq!(
                c.groupable,
                [Notified, Exempt, Warned, CannotJudge, Limited, DryRun].contains(&o),
                "{o}"
            );
            assert_eq!(
                c.fix_now,
                [Notified, DryRun, Limited, Exempt].contains(&o),
                "{o} fix now"
            );
            assert_eq!(c.undo_button, [Fixed, NotVerified].contains(&o), "{o} undo");
            let quiet = [Compliant, Gone, Off, LoopGuard, FailedCall, Duplicate].contains(&o);
            assert_eq!(c.headline == "No action", quiet, "{o} headline");
            let config = match o {
                Compliant => ConfigReport::Compliant,
                Warned => ConfigReport::CompliantWithWarning,
                Fixed => ConfigReport::Fixed,
                Gone => ConfigReport::NotApplicable,
                Duplicate => ConfigReport::AlreadyHandled,
                Off | LoopGuard | FailedCall => ConfigReport::NotReported,
                // Admin acts never answer a Config invocation (they were NON_COMPLIANT
                // by a wildcard arm before, on a path nothing takes).
                Undone | ModeSet | Exempted | ExemptionRemoved => ConfigReport::NotReported,
                Exempt | Notified | DryRun | NotVerified | Failed | CannotJudge | Limited | BreakGlass => {
                    ConfigReport::NonCompliant
                }
            };
            assert_eq!(c.config, config, "{o} config");
        }
        assert_eq!(Fixed.class().headline, "Fixed and verified");
        assert!(Fixed.class().verified && Undone.class().verified && !NotVerified.class().verified);
    }
}
