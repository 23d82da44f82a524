//! An admin's undo of a fix from the ledger: refused when AWS can't restore the
//! before-state exactly or the resource changed since; otherwise the inverse actions,
//! verified on a fresh read, recorded and notified.
use crate::event::Event;
use crate::kinds::{Action, Facet, Snapshot};
use crate::ledger::{LedgerRecord, Outcome};
use crate::plan::Plan;
use crate::settings::Mode;

use super::{Decision, Executor, UndoError, chain};

impl Executor {
    /// Undo the fix a ledger record holds: refuse when it can't be undone exactly or
    /// the resource changed since; otherwise apply the inverse actions, verify them on
    /// a fresh read, record and notify. An explicit admin act: mode and exemptions
    /// don't apply.
    pub async fn undo(&self, record: &LedgerRecord, reason: &str) -> Result<Decision, UndoError> {
        if !record.outcome.changed() || record.actions.is_empty() {
            return Err(UndoError::NothingToUndo(format!(
                "record {} changed nothing (outcome {})",
                record.id, record.outcome
            )));
        }
        let rule = self
            .rules
            .iter()
            .find(|r| r.id() == record.rule)
            .ok_or_else(|| UndoError::UnknownRule(record.rule.clone()))?;
        let r = record
            .target
            .clone()
            .ok_or_else(|| UndoError::NothingToUndo(format!("record {} does not name its resource", record.id)))?;
        // The account gate, for a resource named by a ledger record rather than an event.
        self.opts.accounts.admit_resource(&r).map_err(UndoError::Refused)?;
        let forward = Plan::of(record.actions.clone());
        let Some(undo) = forward.undo() else {
            let irreversible: Vec<String> = forward
                .actions
                .iter()
                .filter(|a| a.undo().is_none())
                .map(Action::describe)
                .collect();
            return Err(UndoError::Irreversible(irreversible.join("; ")));
        };

        // Refuse when the resource no longer shows what the fix made of it.
        let mut facets: Vec<Facet> = forward.actions.iter().map(Action::writes).collect();
        facets.dedup();
        let mut now = Snapshot::empty_at(&r, (self.opts.clock)());
        match self.ports.reader.fill(&r, &mut now, &facets).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => return Err(UndoError::Gone(r.arn())),
            Err(e) => return Err(UndoError::Port(e)),
        }
        for a in &forward.actions {
            if a.holds_in(&now) != Some(true) {
                return Err(UndoError::Changed(format!(
                    "the resource changed since the fix: \"{}\" no longer holds",
                    a.describe()
                )));
            }
        }

        let actor = self.opts.actor.clone();
        let mut d = Decision::new(rule.id(), &r, Mode::Auto);
        d.findings.push(format!(
            "undo of {} requested by {}{}",
            record.id,
            actor.as_ref().map(|a| a.arn.as_str()).unwrap_or("an admin"),
            if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            }
        ));
        d.plan = undo.clone();
        let mut applied = Vec::new();
        for action in &undo.actions {
            match self.ports.remediator.apply(&r, action).await {
                Ok(()) => applied.push(action.clone()),
                Err(e) => {
                    d.outcome = Outcome::Failed;
                    d.error = Some(format!("{} failed: {}", action.name(), chain(&e)));
                    break;
                }
            }
        }
        d.plan = Plan::of(applied);
        let mut after = Snapshot::empty_at(&r, (self.opts.clock)());
        let verified = match self.ports.reader.fill(&r, &mut after, &facets).await {
            Ok(()) => undo.actions.iter().all(|a| a.holds_in(&after) == Some(true)),
            Err(e) => {
                d.notes.push(format!("re-reading after the undo failed: {}", chain(&e)));
                false
            }
        };
        if d.outcome != Outcome::Failed {
            d.outcome = if verified {
                Outcome::Undone
            } else {
                Outcome::NotVerified
            };
        }
        d.notes.push(format!("undo of ledger record {}", record.id));
        let event = Event::manual(&r.account, &r.region, actor);
        Ok(self.finish(rule.as_ref(), d, &event, Some(now), Some(after)).await)
    }
}
