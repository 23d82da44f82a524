//! The end of every decision worth recording: the ledger record, then the notice.
//! Neither failure undoes a fix. Admins' acts on the settings are recorded the same way.
use tracing::{error, info, warn};

use crate::error::PortError;
use crate::event::{Event, EventSource};
use crate::kinds::Snapshot;
use crate::ledger::{LedgerRecord, Outcome, new_id};
use crate::notice::Notice;
use crate::rule::Rule;
use crate::settings::Mode;

use super::{Decision, Executor, chain, log_decision};

impl Executor {
    /// Write the ledger record, then send the notice. Neither failure undoes a fix.
    pub(super) async fn finish(
        &self,
        rule: &dyn Rule,
        mut d: Decision,
        event: &Event,
        before: Option<Snapshot>,
        after: Option<Snapshot>,
    ) -> Decision {
        if !self.opts.record {
            return log_decision(d);
        }
        let actor = self.opts.actor.clone().or_else(|| event.actor.clone());
        let rec = LedgerRecord {
            id: new_id(),
            time: (self.opts.clock)(),
            rule: d.rule.clone(),
            resource: d.resource.arn(),
            target: Some(d.resource.clone()),
            account: d.resource.account.clone(),
            region: d.resource.region.clone(),
            event_id: event.id.clone(),
            event_time: event.occurred_at(),
            trigger: event.label(),
            actor,
            mode: d.mode,
            outcome: d.outcome,
            dry_run: self.opts.dry_run,
            findings: d.findings.clone(),
            actions: d.plan.actions.clone(),
            before,
            after,
            verified: d.outcome.class().verified,
            notes: d.notes.clone(),
            error: d.error.clone(),
        };
        match self.ports.ledger.record(&rec).await {
            Ok(()) => d.ledger_id = Some(rec.id.clone()),
            Err(e) => {
                // The fix stands. Keep the record in the logs so the audit trail is not lost.
                let json = serde_json::to_string(&rec).unwrap_or_default();
                error!(error = %chain(&e), record = %json, "ledger write failed; record logged instead");
                d.notes
                    .push("the ledger write failed; the record is in the function's logs".into());
            }
        }
        let undo = if !d.outcome.changed() || d.plan.is_empty() || d.outcome == Outcome::Undone {
            None
        } else if d.plan.undo().is_some() {
            Some(format!("autofix undo {}", rec.id))
        } else {
            Some("irreversible: AWS offers no way to restore the previous state exactly".to_string())
        };
        let changes = d.plan.descriptions();
        let mut notice = Notice::from_record(
            &LedgerRecord {
                notes: d.notes.clone(),
                ..rec
            },
            rule.spec().title,
            changes,
            undo,
        );
        // An undo is an admin's act, never loud; a plan that turns an audit or
        // detection control back on is, in every mode.
        if d.outcome != Outcome::Undone {
            notice.severity = d.plan.severity();
        }
        if matches!(event.source, EventSource::CloudTrail { .. }) {
            notice.caused_at = Some(event.time);
        }
        notice.exemption = d.exemption.clone();
        if let Err(e) = self.ports.notifier.notify(&notice).await {
            warn!(error = %chain(&e), rule = %d.rule, resource = %d.resource, "notification failed; the decision stands");
            d.notes.push("the notification could not be delivered".into());
        }
        log_decision(d)
    }

    /// Record an admin's act on the settings (a mode, an exemption) in the ledger and
    /// notify it. `resource` is the resource's ARN, or `rule:<id>` for a mode.
    pub async fn record_admin_act(
        &self,
        rule: &str,
        resource: &str,
        outcome: Outcome,
        mode: Mode,
        what: String,
    ) -> Result<String, PortError> {
        let actor = self.opts.actor.clone();
        let (account, region) = self.act_scope(resource);
        let rec = LedgerRecord {
            id: new_id(),
            time: (self.opts.clock)(),
            rule: rule.to_string(),
            resource: resource.to_string(),
            target: None,
            account,
            region,
            event_id: format!("admin-{}", uuid::Uuid::new_v4()),
            event_time: None,
            trigger: "admin".into(),
            actor,
            mode,
            outcome,
            dry_run: false,
            findings: vec![what],
            actions: vec![],
            before: None,
            after: None,
            verified: outcome.class().verified,
            notes: vec![],
            error: None,
        };
        self.ports.ledger.record(&rec).await?;
        let title = self
            .rules
            .iter()
            .find(|r| r.id() == rule)
            .map(|r| r.spec().title)
            .unwrap_or_default();
        let notice = Notice::from_record(&rec, title, vec![], None);
        if let Err(e) = self.ports.notifier.notify(&notice).await {
            warn!(error = %chain(&e), rule, "notification of an admin act failed; the act stands");
        }
        info!(rule, resource, outcome = %outcome, ledger_id = %rec.id, "admin act recorded");
        Ok(rec.id)
    }
}
