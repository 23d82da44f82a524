//! Stage 3, apply and verify: the plan's actions in order (stopping at the first
//! failure; an action whose call failed but which a re-read shows done counts as
//! done), then a fresh read, judged again: "fixed" only when it is compliant. A
//! failure after some actions were applied is said in the notes (half-fixed).
use tracing::error;

use crate::error::PortError;
use crate::kinds::{Action, ResourceRef, Snapshot};
use crate::ledger::Outcome;
use crate::rule::{Rule, Verdict};

use super::gate::Claim;
use super::{Decision, Executor, chain};

/// How the apply stage ends.
pub(super) enum Applied {
    /// The resource vanished before anything changed: a quiet no-op.
    Gone,
    /// Applied (all, or up to a failure) and read again.
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
        shared: &mut Snapshot,
    ) -> Applied {
        // Whatever a planned action may have written is stale now (even one that
        // failed may have changed it), and read again; the rest still holds.
        let blank = Snapshot::empty_at(r, (self.opts.clock)());
        for action in &d.plan.actions {
            shared.copy_facet(&blank, action.writes());
        }
        let planned = std::mem::take(&mut d.plan.actions);
        let mut applied = Vec::new();
        for (i, action) in planned.iter().enumerate() {
            let e = match self.ports.remediator.apply(r, action).await {
                Ok(()) => {
                    applied.push(action.clone());
                    continue;
                }
                Err(e) if e.is_not_found() && applied.is_empty() => {
                    d.outcome = Outcome::Gone;
                    self.release(claim).await;
                    return Applied::Gone;
                }
                Err(e) => e,
            };
            // A call that fails with a retryable error after the SDK's own retries may
            // still have taken effect (the service changed the resource, then the
            // answer was lost): the facet it writes is read again, and an action that
            // holds there counts as done, never applied twice.
            if e.is_retryable() {
                match self.done_after_all(r, action).await {
                    Ok(true) => {
                        d.notes.push(format!(
                            "{} failed ({}) but a re-read shows it took effect: counted as done, not applied again",
                            action.name(),
                            chain(&e)
                        ));
                        applied.push(action.clone());
                        continue;
                    }
                    Ok(false) => {}
                    Err(re) => d.notes.push(format!(
                        "{} may have taken effect: re-reading to tell failed ({})",
                        action.describe(),
                        chain(&re)
                    )),
                }
            }
            d.outcome = Outcome::Failed;
            d.error = Some(format!("{} failed: {}", action.name(), chain(&e)));
            d.retryable = e.is_retryable();
            if applied.is_empty() && d.retryable {
                // Nothing changed: let the runtime's retry (or the next sweep) do the work again.
                self.release(claim).await;
            }
            if matches!(e, PortError::AccessDenied { .. }) {
                error!(rule = %rule.id(), resource = %r, action = action.name(), "access denied: the function's role lacks a permission");
            }
            if !applied.is_empty() {
                let left: Vec<String> = planned[i..].iter().map(Action::describe).collect();
                d.notes.push(format!(
                    "half-fixed: {} of {} change(s) applied; not applied: {}",
                    applied.len(),
                    planned.len(),
                    left.join("; ")
                ));
            }
            break;
        }
        let failed = d.outcome == Outcome::Failed;
        d.plan.actions = applied;

        // Verify on a fresh read of what was written (and of anything not read yet).
        let mut after = shared.clone();
        let read = self.read_and_evaluate(rule, r, &mut after).await;
        shared.clone_from(&after);
        let verified = match read {
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

    /// Whether `action` holds on a fresh read of the facet it writes.
    async fn done_after_all(&self, r: &ResourceRef, action: &Action) -> Result<bool, PortError> {
        let mut now = Snapshot::empty_at(r, (self.opts.clock)());
        self.ports.reader.fill(r, &mut now, &[action.writes()]).await?;
        Ok(action.holds_in(&now) == Some(true))
    }
}
