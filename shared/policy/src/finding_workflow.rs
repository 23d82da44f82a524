//! Security Hub, out: what a notice makes of the active Security Hub findings about
//! its rule's controls and its resource (`SecurityHubIntegration=true`).
//!
//! * A verified fix resolves them (`RESOLVED`), with a note naming the ledger id.
//! * An exemption suppresses them (`SUPPRESSED`), with the exemption's reason and expiry.
//! * When the exemption ends (removed by an admin, or expired so the violation is
//!   reported again), the findings hipaa-autofix suppressed go back to `NEW`. A finding
//!   a person suppressed is never reopened: only notes written by [`UPDATED_BY`] count.
//!
//! Only the decision lives here; the notifier's adapter reads and updates the findings.
//! The finding is never trusted for state: the notice reports what a fresh read showed.
use crate::kinds::{FindingResource, ResourceKind};
use crate::ledger::Outcome;
use crate::notice::Notice;

/// `Note.UpdatedBy` of every note hipaa-autofix writes on a finding.
pub const UPDATED_BY: &str = "hipaa-autofix";

/// Security Hub's longest `Note.Text`.
pub const NOTE_MAX_CHARS: usize = 512;

/// A finding's `Workflow.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowStatus {
    New,
    Notified,
    Resolved,
    Suppressed,
}

impl WorkflowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::New => "NEW",
            WorkflowStatus::Notified => "NOTIFIED",
            WorkflowStatus::Resolved => "RESOLVED",
            WorkflowStatus::Suppressed => "SUPPRESSED",
        }
    }

    /// The status an ASFF `Workflow.Status` names (`None` for anything else).
    pub fn parse(s: &str) -> Option<WorkflowStatus> {
        [
            WorkflowStatus::New,
            WorkflowStatus::Notified,
            WorkflowStatus::Resolved,
            WorkflowStatus::Suppressed,
        ]
        .into_iter()
        .find(|w| w.as_str() == s)
    }
}

/// What a finding is now, as far as this module cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingState<'a> {
    /// `Workflow.Status`; a finding without one counts as `NEW`.
    pub status: Option<WorkflowStatus>,
    /// `Note.UpdatedBy`, if the finding has a note.
    pub note_by: Option<&'a str>,
}

/// The change a notice asks of its resource's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowChange {
    pub to: WorkflowStatus,
    /// The note to write (at most [`NOTE_MAX_CHARS`] characters).
    pub note: String,
}

impl WorkflowChange {
    /// The change `notice` asks for, if any. Dry runs change nothing.
    pub fn for_notice(n: &Notice) -> Option<WorkflowChange> {
        let (to, note) = match n.outcome {
            Outcome::Fixed if !n.dry_run => (
                WorkflowStatus::Resolved,
                format!(
                    "Fixed by hipaa-autofix (rule {}) and verified on a fresh read. Ledger id {}.",
                    n.rule, n.ledger_id
                ),
            ),
            Outcome::Exempt => {
                let why = match &n.exemption {
                    Some(e) => e.describe(),
                    None => n.notes.join("; "),
                };
                (
                    WorkflowStatus::Suppressed,
                    format!(
                        "Exempt in hipaa-autofix (rule {}): {why}. Ledger id {}.",
                        n.rule, n.ledger_id
                    ),
                )
            }
            Outcome::Exempted => (
                WorkflowStatus::Suppressed,
                format!(
                    "Exempted in hipaa-autofix by {} (rule {}): {}. Ledger id {}.",
                    n.caused_by,
                    n.rule,
                    n.findings.join("; "),
                    n.ledger_id
                ),
            ),
            Outcome::ExemptionRemoved => (
                WorkflowStatus::New,
                format!(
                    "The hipaa-autofix exemption was removed by {} (rule {}). Ledger id {}.",
                    n.caused_by, n.rule, n.ledger_id
                ),
            ),
            // The violation is reported again (an exemption has ended, or never was):
            // reopen what we suppressed.
            Outcome::Notified
            | Outcome::DryRun
            | Outcome::NotVerified
            | Outcome::Failed
            | Outcome::CannotJudge
            | Outcome::Limited
            | Outcome::BreakGlass => (
                WorkflowStatus::New,
                format!(
                    "hipaa-autofix reports the violation again (rule {}, {}): no exemption holds. Ledger id {}.",
                    n.rule, n.outcome, n.ledger_id
                ),
            ),
            Outcome::Fixed
            | Outcome::Compliant
            | Outcome::Gone
            | Outcome::Off
            | Outcome::LoopGuard
            | Outcome::FailedCall
            | Outcome::Duplicate
            | Outcome::Warned
            | Outcome::Undone
            | Outcome::ModeSet => return None,
        };
        Some(WorkflowChange {
            to,
            note: clip(&note, NOTE_MAX_CHARS),
        })
    }

    /// Whether the change applies to a finding in `state`: never to one already
    /// there; back to `NEW` only from a suppression hipaa-autofix wrote.
    pub fn applies_to(&self, state: FindingState<'_>) -> bool {
        let now = state.status.unwrap_or(WorkflowStatus::New);
        if now == self.to {
            return false;
        }
        match self.to {
            WorkflowStatus::New => now == WorkflowStatus::Suppressed && state.note_by == Some(UPDATED_BY),
            WorkflowStatus::Resolved | WorkflowStatus::Suppressed | WorkflowStatus::Notified => true,
        }
    }
}

/// How to narrow `GetFindings` to the notice's resource by `ResourceId`: an
/// account-level rule's findings name `AWS::::Account:<account>` exactly; others
/// name the resource's ARN, which contains its name (an IAM user's ARN may carry a
/// path our ARN lacks, so "contains", and [`names_resource`] decides).
pub fn resource_id_filter(kind: ResourceKind, n: &Notice) -> ResourceIdFilter {
    if kind.is_account_level() {
        return ResourceIdFilter::Equals(format!("AWS::::Account:{}", n.account));
    }
    let tail = n
        .resource
        .rsplit(['/', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or(&n.resource);
    ResourceIdFilter::Contains(tail.to_string())
}

/// A `StringFilter` on `ResourceId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceIdFilter {
    Equals(String),
    Contains(String),
}

/// Whether a finding's resource is the notice's resource: the same resource the
/// Security Hub trigger would route (`ResourceKind::from_finding`), compared by ARN;
/// for an account-level rule, the finding's account settings of the same account.
pub fn names_resource(kind: ResourceKind, n: &Notice, r: &FindingResource<'_>) -> bool {
    let Some(found) = ResourceKind::from_finding(r) else {
        return false;
    };
    if found.account != n.account {
        return false;
    }
    if kind.is_account_level() {
        found.kind.is_account_level()
    } else {
        found.kind == kind && found.arn() == n.resource
    }
}

/// `s` cut to at most `max` characters (on a character boundary), with an ellipsis.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::settings::{Exemption, ExemptionSource, Mode};
    use chrono::NaiveDate;

    fn notice(outcome: Outcome) -> Notice {
        Notice {
            rule: "s3-bucket-public-access".into(),
            rule_title: "S3 buckets are not public".into(),
            resource: "arn:aws:s3:::phi-bucket".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            outcome,
            mode: Mode::Auto,
            dry_run: false,
            headline: String::new(),
            findings: vec!["exempted until 2027-01-31: vendor review".into()],
            changes: vec![],
            caused_by: "arn:aws:iam::123456789012:user/alice".into(),
            trigger: "cloudtrail:PutBucketAcl".into(),
            ledger_id: "01JLEDGER".into(),
            undo: None,
            notes: vec![],
            severity: Default::default(),
            source_ip: None,
            user_agent: None,
            caused_at: None,
            exemption: None,
        }
    }

    fn state(status: Option<WorkflowStatus>, note_by: Option<&str>) -> FindingState<'_> {
        FindingState { status, note_by }
    }

    #[test]
    fn a_verified_fix_resolves_with_the_ledger_id_and_a_dry_run_changes_nothing() {
        let c = WorkflowChange::for_notice(&notice(Outcome::Fixed)).expect("a change");
        assert_eq!(c.to, WorkflowStatus::Resolved);
        assert!(c.note.contains("01JLEDGER"), "{}", c.note);
        let mut dry = notice(Outcome::Fixed);
        dry.dry_run = true;
        assert_eq!(WorkflowChange::for_notice(&dry), None);
        assert!(c.applies_to(state(None, None)));
        assert!(c.applies_to(state(Some(WorkflowStatus::Notified), Some("someone"))));
        assert!(!c.applies_to(state(Some(WorkflowStatus::Resolved), None)));
    }

    #[test]
    fn an_exemption_suppresses_with_its_reason_and_expiry() {
        let mut n = notice(Outcome::Exempt);
        n.exemption = Some(Exemption {
            reason: "vendor review".into(),
            until: NaiveDate::from_ymd_opt(2027, 1, 31),
            source: ExemptionSource::Settings {
                by: Some("alice".into()),
            },
        });
        let c = WorkflowChange::for_notice(&n).expect("a change");
        assert_eq!(c.to, WorkflowStatus::Suppressed);
        for part in ["vendor review", "2027-01-31", "01JLEDGER"] {
            assert!(c.note.contains(part), "{part} missing from {}", c.note);
        }
        let admin = WorkflowChange::for_notice(&notice(Outcome::Exempted)).expect("a change");
        assert_eq!(admin.to, WorkflowStatus::Suppressed);
        assert!(
            admin.note.contains("vendor review") && admin.note.contains("alice"),
            "{}",
            admin.note
        );
    }

    #[test]
    fn only_a_suppression_we_wrote_goes_back_to_new() {
        for outcome in [Outcome::Notified, Outcome::ExemptionRemoved, Outcome::Failed] {
            let c = WorkflowChange::for_notice(&notice(outcome)).expect("a change");
            assert_eq!(c.to, WorkflowStatus::New, "{outcome}");
            assert!(c.applies_to(state(Some(WorkflowStatus::Suppressed), Some(UPDATED_BY))));
            assert!(!c.applies_to(state(Some(WorkflowStatus::Suppressed), Some("security-team"))));
            assert!(!c.applies_to(state(Some(WorkflowStatus::Suppressed), None)));
            assert!(!c.applies_to(state(Some(WorkflowStatus::Resolved), Some(UPDATED_BY))));
            assert!(!c.applies_to(state(None, None)));
        }
    }

    #[test]
    fn outcomes_that_say_nothing_about_the_finding_change_nothing() {
        for outcome in Outcome::ALL {
            let c = WorkflowChange::for_notice(&notice(outcome));
            let expected = !matches!(
                outcome,
                Outcome::Compliant
                    | Outcome::Gone
                    | Outcome::Off
                    | Outcome::LoopGuard
                    | Outcome::FailedCall
                    | Outcome::Duplicate
                    | Outcome::Warned
                    | Outcome::Undone
                    | Outcome::ModeSet
            );
            assert_eq!(c.is_some(), expected, "{outcome}");
        }
    }

    #[test]
    fn notes_are_clipped_to_security_hubs_limit() {
        let mut n = notice(Outcome::Exempted);
        n.findings = vec!["é".repeat(2000)];
        let c = WorkflowChange::for_notice(&n).expect("a change");
        assert_eq!(c.note.chars().count(), NOTE_MAX_CHARS);
        assert!(c.note.ends_with('…'));
    }

    #[test]
    fn a_finding_names_the_notices_resource_by_arn_or_account() {
        let n = notice(Outcome::Fixed);
        let bucket = |id: &'static str, account: &'static str| FindingResource {
            kind: "AwsS3Bucket",
            id,
            details: None,
            account,
            region: "us-east-1",
        };
        let k = ResourceKind::S3Bucket;
        assert!(names_resource(
            k,
            &n,
            &bucket("arn:aws:s3:::phi-bucket", "123456789012")
        ));
        assert!(!names_resource(
            k,
            &n,
            &bucket("arn:aws:s3:::phi-bucket-2", "123456789012")
        ));
        assert!(!names_resource(
            k,
            &n,
            &bucket("arn:aws:s3:::phi-bucket", "210987654321")
        ));
        assert_eq!(
            resource_id_filter(k, &n),
            ResourceIdFilter::Contains("phi-bucket".into())
        );

        let mut acct = notice(Outcome::Fixed);
        acct.rule = "iam-password-policy".into();
        acct.resource = "arn:aws:iam::123456789012:account-password-policy".into();
        let account = FindingResource {
            kind: "AwsAccount",
            id: "AWS::::Account:123456789012",
            details: None,
            account: "123456789012",
            region: "us-east-1",
        };
        assert!(names_resource(ResourceKind::IamAccount, &acct, &account));
        assert!(!names_resource(
            ResourceKind::IamAccount,
            &acct,
            &bucket("arn:aws:s3:::x", "123456789012")
        ));
        assert_eq!(
            resource_id_filter(ResourceKind::IamAccount, &acct),
            ResourceIdFilter::Equals("AWS::::Account:123456789012".into())
        );
    }

    #[test]
    fn workflow_statuses_round_trip() {
        for s in ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"] {
            assert_eq!(WorkflowStatus::parse(s).map(WorkflowStatus::as_str), Some(s));
        }
        assert_eq!(WorkflowStatus::parse("DONE"), None);
    }
}
