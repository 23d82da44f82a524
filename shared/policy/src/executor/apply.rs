//! Stage 3, apply and verify: the plan's actions in order (stopping at the first
//! failure), then a fresh read, judged again: "fixed" only when it is compliant.
use tracing::error;

use crate::error::PortError;
use crate::kinds::{ResourceRef, Snapshot};
use crate::ledger::Outcome;
use crate::plan::Plan;
use crate::rule::{Rule, Verdict};

use super::gate::Claim;
use super::{Decision, Executor, chain};

/// How the apply stage ends.
pub(super) enum Applied {
    /// The resource vanished before anything changed: a quiet no-op.
    Gone,
    /// Applied (all, or up to a failure) and read again.
    /// Boxed: a snapshot of the larger kinds (a KMS key, the account's trails) is
    /// hundreds of bytes, `Gone` none.
    Done { after: Box<Snapshot> },
}

impl Executor {
    /// Apply `d.plan` to `r` and verify it on a fresh read; `d` ends with the actions
    /// applied and the outcome (`Fixed`, `NotVerified`, `Failed` or `Gone`).
    pub(super) async fn apply_and_verify(
        &self,
        rule: &dyn Rule,
        r: &ResourceRef,
        claim: &Claim,
        d: &mut Decision,
    ) -> Applied {
        let mut applied = Vec::new();
        for action in &d.plan.actions {
            match self.ports.remediator.apply(r, action).await {
                Ok(()) => applied.push(action.clone()),
                Err(e) if e.is_not_found() && applied.is_empty() => {
                    d.outcome = Outcome::Gone;
                    self.release(claim).await;
                    return Applied::Gone;
                }
                Err(e) => {
                    d.outcome = Outcome::Failed;
                    d.error = Some(format!("{} failed: {}", action.name(), chain(&e)));
                    d.retryable = e.is_retryable();
                    if applied.is_empty() && d.retryable {
                        // Nothing changed: let the runtime's retry do the work again.
                        self.release(claim).await;
                    }
                    if matches!(e, PortError::AccessDenied { .. }) {
                        error!(rule = %rule.id(), resource = %r, action = action.name(), "access denied: the function's role lacks a permission");
                    }
                    break;
                }
            }
        }
        let failed = d.outcome == Outcome::Failed;
        d.plan = Plan {
            actions: applied,
            withheld: std::mem::take(&mut d.plan.withheld),
        };

        // Verify on a fresh read.
        let mut after = Snapshot::empty_at(r, (self.opts.clock)());
        let verified = match self.read_and_evaluate(rule, r, &mut after).await {
            Ok(Verdict::Compliant { .. }) => true,
            Ok(v) => {
                if !failed {
                    d.notes.push(format!("after the change the rule still says {v:?}"));
                }
                false
            }
            Err(e) => {
                d.notes
                    .push(format!("re-reading after the change failed: {}", chain(&e)));
                false
            }
        };
        if !failed {
            d.outcome = if verified { Outcome::Fixed } else { Outcome::NotVerified };
        }
        Applied::Done { after: Box::new(after) }
    }
}
