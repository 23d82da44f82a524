//! The executor: the decisions every rule shares.
//!
//! For each (rule, resource) an event concerns it looks up the rule's mode, re-reads
//! the resource (never trusting the event for state), evaluates, checks exemptions,
//! claims the event for idempotency, honours notify mode, dry run and the change
//! limit, applies the plan, re-reads and re-evaluates (reporting "fixed" only when
//! verified), writes a ledger record and sends a notice. A failed notice never
//! fails or repeats a fix. Events caused by our own roles are ignored (loop guard).
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use tracing::{error, info, warn};

use crate::error::PortError;
use crate::event::{Actor, Event, EventSource};
use crate::kinds::Action;
use crate::kinds::{Facet, ResourceKind, ResourceRef, Snapshot};
use crate::ledger::{ConfigReport, LedgerRecord, Outcome, new_id};
use crate::notice::Notice;
use crate::plan::Plan;
use crate::ports::{
    ComplianceReporter, Evaluation, Ledger, Notifier, Remediator, ResourceLister, ResourceReader, SettingsStore,
};
use crate::rule::{Rule, Verdict};
use crate::settings::{DEFAULT_BREAK_GLASS_TAG, DEFAULT_EXEMPT_TAG, Exemption, ExemptionCheck, Mode, parse_exempt_tag};

/// Why an undo was refused.
#[derive(Debug, thiserror::Error)]
pub enum UndoError {
    #[error("nothing to undo: {0}")]
    NothingToUndo(String),
    #[error("cannot be undone: AWS offers no way to restore it exactly ({0})")]
    Irreversible(String),
    #[error("refused: {0}")]
    Changed(String),
    #[error("the resource {0} no longer exists")]
    Gone(String),
    #[error("rule {0} is not one of this function's rules")]
    UnknownRule(String),
    #[error("reading the resource failed")]
    Port(#[source] PortError),
}

/// The ports the executor acts through.
#[derive(Clone)]
pub struct Ports {
    pub reader: Arc<dyn ResourceReader>,
    pub lister: Arc<dyn ResourceLister>,
    pub remediator: Arc<dyn Remediator>,
    pub settings: Arc<dyn SettingsStore>,
    pub ledger: Arc<dyn Ledger>,
    pub notifier: Arc<dyn Notifier>,
    pub reporter: Arc<dyn ComplianceReporter>,
}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Observes a run's progress (the CLI draws a progress bar with it).
pub trait Progress: Send + Sync {
    /// The run will make `total` decisions.
    fn start(&self, total: usize);
    /// One decision was made.
    fn advance(&self, decision: &Decision);
}

/// Run-wide options, from the function's typed config or the CLI's flags.
#[derive(Clone)]
pub struct ExecOptions {
    /// Report what would change; change nothing.
    pub dry_run: bool,
    /// Record to the ledger and send notices. `false` for `autofix scan`.
    pub record: bool,
    /// An explicit admin fix: rules in `notify` mode are fixed (`off` is still honoured).
    pub force_auto: bool,
    /// Role ARNs or names whose CloudTrail events are ours (the loop guard).
    pub own_roles: Vec<String>,
    pub exempt_tag: String,
    /// Resources with this tag are never changed; their violations are loud notices.
    pub break_glass_tag: String,
    /// Modes that replace a rule's built-in default (the deployment's parameters).
    pub default_modes: BTreeMap<String, Mode>,
    /// At most this many resources changed per run (blast-radius limit).
    pub max_changes: Option<usize>,
    /// Resources processed at once in a sweep.
    pub concurrency: usize,
    /// Who is acting, when not the event's caller (the CLI's caller).
    pub actor: Option<Actor>,
    pub clock: Clock,
    pub progress: Option<Arc<dyn Progress>>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            dry_run: false,
            record: true,
            force_auto: false,
            own_roles: vec![],
            exempt_tag: DEFAULT_EXEMPT_TAG.to_string(),
            break_glass_tag: DEFAULT_BREAK_GLASS_TAG.to_string(),
            default_modes: BTreeMap::new(),
            max_changes: None,
            concurrency: 16,
            actor: None,
            clock: Arc::new(Utc::now),
            progress: None,
        }
    }
}

/// The result of one (rule, resource).
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub rule: String,
    pub resource: ResourceRef,
    pub outcome: Outcome,
    pub mode: Mode,
    pub findings: Vec<String>,
    /// Planned (notify, dry run, exempt) or applied (fixed) actions.
    pub plan: Plan,
    pub ledger_id: Option<String>,
    pub notes: Vec<String>,
    pub error: Option<String>,
    #[serde(skip)]
    pub retryable: bool,
}

impl Decision {
    fn new(rule: &str, resource: &ResourceRef, mode: Mode) -> Self {
        Decision {
            rule: rule.to_string(),
            resource: resource.clone(),
            outcome: Outcome::Compliant,
            mode,
            findings: vec![],
            plan: Plan::default(),
            ledger_id: None,
            notes: vec![],
            error: None,
            retryable: false,
        }
    }
    /// Whether the resource violated the rule when read.
    pub fn is_violation(&self) -> bool {
        self.outcome.class().violation
    }
    /// Whether the violation ended well: fixed and verified, or skipped by mode or exemption.
    pub fn is_resolved(&self) -> bool {
        !self.outcome.class().needs_attention
    }
}

/// The result of one event.
#[derive(Debug, Clone, Serialize, Default)]
pub struct RunReport {
    pub event_id: String,
    pub decisions: Vec<Decision>,
    /// Run-level failures (listing for a sweep, reporting to Config).
    pub errors: Vec<String>,
    #[serde(skip)]
    pub retryable: bool,
    /// Why the event was ignored as a whole, if it was.
    pub ignored: Option<String>,
}

impl RunReport {
    pub fn has_failures(&self) -> bool {
        !self.errors.is_empty() || self.decisions.iter().any(|d| !d.is_resolved())
    }
    pub fn count(&self, o: Outcome) -> usize {
        self.decisions.iter().filter(|d| d.outcome == o).count()
    }
}

pub struct Executor {
    rules: Vec<Arc<dyn Rule>>,
    ports: Ports,
    opts: ExecOptions,
}

impl Executor {
    pub fn new(rules: Vec<Arc<dyn Rule>>, ports: Ports, opts: ExecOptions) -> Self {
        Executor { rules, ports, opts }
    }

    pub fn rules(&self) -> &[Arc<dyn Rule>] {
        &self.rules
    }

    pub fn options(&self) -> &ExecOptions {
        &self.opts
    }

    /// Handle one event end to end.
    pub async fn handle(&self, event: &Event) -> RunReport {
        let mut report = RunReport {
            event_id: event.id.clone(),
            ..Default::default()
        };
        if let EventSource::CloudTrail {
            event_name,
            error_code: Some(code),
            ..
        } = &event.source
        {
            info!(event_id = %event.id, event_name = %event_name, error_code = %code, "ignored: the recorded call failed, nothing changed");
            report.ignored = Some(format!("{event_name} failed with {code}; nothing changed"));
            return report;
        }
        if let Some(actor) = &event.actor
            && self.is_own(actor)
        {
            info!(event_id = %event.id, actor = %actor.arn, "ignored: caused by hipaa-autofix itself (loop guard)");
            report.ignored = Some(format!("caused by hipaa-autofix's own role {}", actor.arn));
            return report;
        }
        if let EventSource::ConfigRule {
            event_left_scope: true, ..
        } = &event.source
        {
            let evals = event
                .resources
                .iter()
                .map(|r| evaluation(r, "NOT_APPLICABLE", "resource left the rule's scope", event))
                .collect::<Vec<_>>();
            self.report_to_config(event, &evals, &mut report).await;
            return report;
        }

        let rules: Vec<&Arc<dyn Rule>> = self.rules.iter().filter(|r| r.applies_to(event)).collect();
        if rules.is_empty() {
            info!(event_id = %event.id, trigger = ?event.trigger_name(), "ignored: no rule of this function handles the event");
            report.ignored = Some("no rule of this function handles the event".into());
            return report;
        }

        let mut work: Vec<(Arc<dyn Rule>, ResourceRef)> = Vec::new();
        if event.is_sweep() {
            // Each kind is listed once per sweep, however many rules judge it.
            let mut listed: BTreeMap<ResourceKind, Option<Vec<ResourceRef>>> = BTreeMap::new();
            for rule in &rules {
                let kind = rule.kind();
                if let std::collections::btree_map::Entry::Vacant(slot) = listed.entry(kind) {
                    match self.ports.lister.list(kind, &event.account, &event.region).await {
                        Ok(rs) => {
                            slot.insert(Some(rs));
                        }
                        Err(e) => {
                            error!(error = %e, kind = ?kind, "listing resources for the sweep failed");
                            report.retryable |= e.is_retryable();
                            report.errors.push(format!("listing {kind:?}: {}", chain(&e)));
                            slot.insert(None);
                        }
                    }
                }
                for r in listed.get(&kind).into_iter().flatten().flatten() {
                    work.push((Arc::clone(rule), r.clone()));
                }
            }
        } else {
            for rule in &rules {
                for r in rule.targets(event) {
                    work.push((Arc::clone(rule), r));
                }
            }
        }

        let budget = AtomicUsize::new(0);
        let concurrency = self.opts.concurrency.max(1);
        if let Some(p) = &self.opts.progress {
            p.start(work.len());
        }
        // One resource's rules run one after another, in the family's order, so two
        // rules never change the same resource at once (an over-age key that is also
        // unused is deactivated once; the second rule reads it inactive). Resources
        // run concurrently.
        let mut by_resource: BTreeMap<ResourceRef, Vec<Arc<dyn Rule>>> = BTreeMap::new();
        for (rule, r) in work {
            by_resource.entry(r).or_default().push(rule);
        }
        let nested: Vec<Vec<Decision>> = futures::stream::iter(by_resource)
            .map(|(r, rules)| {
                let budget = &budget;
                async move {
                    let mut out = Vec::with_capacity(rules.len());
                    for rule in rules {
                        let d = self.process(rule.as_ref(), &r, event, budget).await;
                        if let Some(p) = &self.opts.progress {
                            p.advance(&d);
                        }
                        out.push(d);
                    }
                    out
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let mut decisions: Vec<Decision> = nested.into_iter().flatten().collect();
        decisions.sort_by(|a, b| (&a.rule, &a.resource).cmp(&(&b.rule, &b.resource)));
        report.retryable |= decisions.iter().any(|d| d.retryable);

        if matches!(event.source, EventSource::ConfigRule { .. }) {
            let evals: Vec<Evaluation> = decisions.iter().filter_map(|d| decision_evaluation(d, event)).collect();
            self.report_to_config(event, &evals, &mut report).await;
        }
        report.decisions = decisions;
        report
    }

    fn is_own(&self, actor: &Actor) -> bool {
        self.opts.own_roles.iter().filter(|o| !o.is_empty()).any(|own| {
            let name = own.rsplit('/').next().unwrap_or(own);
            actor
                .role_arn
                .as_deref()
                .is_some_and(|r| r == own || r.ends_with(&format!("/{name}")))
                || actor.arn == *own
                || actor.arn.contains(&format!(":assumed-role/{name}/"))
        })
    }

    async fn mode_of(&self, rule: &dyn Rule) -> Result<Mode, PortError> {
        let configured = self.ports.settings.mode(rule.id()).await?;
        let mode = configured
            .or_else(|| self.opts.default_modes.get(rule.id()).copied())
            .unwrap_or(rule.spec().default_mode);
        Ok(mode)
    }

    /// Read what the rule needs and evaluate, reading more facets while it asks.
    async fn read_and_evaluate(
        &self,
        rule: &dyn Rule,
        r: &ResourceRef,
        snap: &mut Snapshot,
    ) -> Result<Verdict, PortError> {
        self.ports.reader.fill(r, snap, rule.spec().facets).await?;
        for _ in 0..4 {
            match rule.evaluate(snap) {
                Verdict::NeedsFacets { facets } => {
                    let missing = snap.missing(&facets);
                    if missing.is_empty() {
                        break;
                    }
                    self.ports.reader.fill(r, snap, &missing).await?;
                }
                v => return Ok(v),
            }
        }
        Ok(Verdict::CannotJudge {
            reason: "the rule kept asking for more state".into(),
        })
    }

    async fn exemption(
        &self,
        rule: &dyn Rule,
        r: &ResourceRef,
        snap: &Snapshot,
        d: &mut Decision,
    ) -> Result<Option<Exemption>, PortError> {
        let now = (self.opts.clock)();
        let mut candidates = Vec::new();
        if let Some(value) = snap.tags().and_then(|t| t.get(&self.opts.exempt_tag)) {
            match parse_exempt_tag(&self.opts.exempt_tag, value) {
                Ok(e) => candidates.push(e),
                Err(msg) => d.notes.push(format!("{msg}; the tag is ignored")),
            }
        }
        if let Some(e) = self.ports.settings.exemption(rule.id(), &r.arn()).await? {
            candidates.push(e);
        }
        for e in candidates {
            match e.check(now) {
                ExemptionCheck::Active(e) => return Ok(Some(e)),
                ExemptionCheck::Expired(e) => d
                    .notes
                    .push(format!("{} expired; the exemption no longer applies", e.describe())),
                ExemptionCheck::Invalid(msg) => d.notes.push(msg),
            }
        }
        Ok(None)
    }

    async fn process(&self, rule: &dyn Rule, r: &ResourceRef, event: &Event, budget: &AtomicUsize) -> Decision {
        let mut d = Decision::new(rule.id(), r, rule.spec().default_mode);
        let mode = match self.mode_of(rule).await {
            Ok(m) => m,
            Err(e) => return self.failed_early(d, "reading the rule's mode", e),
        };
        d.mode = mode;
        if mode == Mode::Off {
            d.outcome = Outcome::Off;
            return log_decision(d);
        }

        let mut before = Snapshot::empty_at(r, (self.opts.clock)());
        let verdict = match self.read_and_evaluate(rule, r, &mut before).await {
            Ok(v) => v,
            Err(e) if e.is_not_found() => {
                d.outcome = Outcome::Gone;
                return log_decision(d);
            }
            Err(e) => return self.failed_early(d, "reading the resource", e),
        };
        match verdict {
            Verdict::Compliant { .. } => {
                d.outcome = Outcome::Compliant;
                return log_decision(d);
            }
            Verdict::Warning { findings, token } => {
                d.findings = findings;
                d.outcome = Outcome::Warned;
                if self.opts.record {
                    // One notice per warning, however many sweeps see it.
                    match self
                        .ports
                        .ledger
                        .claim(&format!("warn#{}#{}#{token}", rule.id(), r.arn()))
                        .await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            d.outcome = Outcome::Compliant;
                            return log_decision(d);
                        }
                        Err(e) => return self.failed_early(d, "claiming the warning in the ledger", e),
                    }
                }
                return self.finish(rule, d, event, Some(before), None).await;
            }
            Verdict::CannotJudge { reason } => {
                d.findings.push(reason);
                d.outcome = Outcome::CannotJudge;
                return self.finish(rule, d, event, Some(before), None).await;
            }
            Verdict::NonCompliant { findings } => d.findings = findings,
            Verdict::NeedsFacets { .. } => {
                d.findings.push("the rule could not get the state it needs".into());
                d.outcome = Outcome::CannotJudge;
                return self.finish(rule, d, event, Some(before), None).await;
            }
        }

        let tags: Vec<_> = r.kind.tags_facet().into_iter().collect();
        if let Err(e) = self.ports.reader.fill(r, &mut before, &tags).await {
            if e.is_not_found() {
                d.outcome = Outcome::Gone;
                return log_decision(d);
            }
            return self.failed_early(d, "reading the resource's tags", e);
        }
        let exemption = match self.exemption(rule, r, &before, &mut d).await {
            Ok(e) => e,
            Err(e) => return self.failed_early(d, "reading exemptions", e),
        };
        d.plan = rule.plan(&before);

        let key = format!("{}#{}#{}", event.id, rule.id(), r.arn());
        if self.opts.record {
            match self.ports.ledger.claim(&key).await {
                Ok(true) => {}
                Ok(false) => {
                    d.outcome = Outcome::Duplicate;
                    return log_decision(d);
                }
                Err(e) => return self.failed_early(d, "claiming the event in the ledger", e),
            }
        }

        if let Some(v) = before.tags().and_then(|t| t.get(&self.opts.break_glass_tag)) {
            d.notes.push(format!(
                "break-glass resource (tag {}={v:?}): never changed automatically; an admin must act",
                self.opts.break_glass_tag
            ));
            d.outcome = Outcome::BreakGlass;
            return self.finish(rule, d, event, Some(before), None).await;
        }
        if let Some(e) = exemption {
            d.notes.push(format!("exempt by {}", e.describe()));
            d.outcome = Outcome::Exempt;
            return self.finish(rule, d, event, Some(before), None).await;
        }
        for w in &d.plan.withheld {
            d.notes.push(format!("not done automatically: {w}"));
        }
        if d.plan.is_empty() && !d.plan.withheld.is_empty() {
            d.outcome = Outcome::Notified;
            return self.finish(rule, d, event, Some(before), None).await;
        }
        if d.plan.is_empty() {
            d.outcome = Outcome::CannotJudge;
            d.notes
                .push("no automatic fix exists for this state; an admin must act".into());
            return self.finish(rule, d, event, Some(before), None).await;
        }
        if mode == Mode::Notify && !self.opts.force_auto {
            d.outcome = Outcome::Notified;
            return self.finish(rule, d, event, Some(before), None).await;
        }
        if self.opts.dry_run {
            d.outcome = Outcome::DryRun;
            return self.finish(rule, d, event, Some(before), None).await;
        }
        if let Some(max) = self.opts.max_changes
            && budget.fetch_add(1, Ordering::SeqCst) >= max
        {
            d.outcome = Outcome::Limited;
            d.notes.push(format!(
                "this run already changed {max} resources, its limit; the next run continues"
            ));
            if self.opts.record {
                let _ = self.ports.ledger.release(&key).await;
            }
            return self.finish(rule, d, event, Some(before), None).await;
        }

        // Apply, in order. Stop at the first failure.
        let mut applied = Vec::new();
        for action in &d.plan.actions {
            match self.ports.remediator.apply(r, action).await {
                Ok(()) => applied.push(action.clone()),
                Err(e) if e.is_not_found() && applied.is_empty() => {
                    d.outcome = Outcome::Gone;
                    if self.opts.record {
                        let _ = self.ports.ledger.release(&key).await;
                    }
                    return log_decision(d);
                }
                Err(e) => {
                    d.outcome = Outcome::Failed;
                    d.error = Some(format!("{} failed: {}", action.name(), chain(&e)));
                    d.retryable = e.is_retryable();
                    if applied.is_empty() && self.opts.record && d.retryable {
                        // Nothing changed: let the runtime's retry do the work again.
                        let _ = self.ports.ledger.release(&key).await;
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
        self.finish(rule, d, event, Some(before), Some(after)).await
    }

    fn failed_early(&self, mut d: Decision, what: &str, e: PortError) -> Decision {
        d.outcome = Outcome::Failed;
        d.retryable = e.is_retryable();
        d.error = Some(format!("{what}: {}", chain(&e)));
        log_decision(d)
    }

    /// Write the ledger record, then send the notice. Neither failure undoes a fix.
    async fn finish(
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
        let notice = Notice::from_record(
            &LedgerRecord {
                notes: d.notes.clone(),
                ..rec
            },
            rule.spec().title,
            changes,
            undo,
        );
        if let Err(e) = self.ports.notifier.notify(&notice).await {
            warn!(error = %chain(&e), rule = %d.rule, resource = %d.resource, "notification failed; the decision stands");
            d.notes.push("the notification could not be delivered".into());
        }
        log_decision(d)
    }

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
        let rec = LedgerRecord {
            id: new_id(),
            time: (self.opts.clock)(),
            rule: rule.to_string(),
            resource: resource.to_string(),
            target: None,
            account: String::new(),
            region: String::new(),
            event_id: format!("admin-{}", uuid::Uuid::new_v4()),
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

    async fn report_to_config(&self, event: &Event, evals: &[Evaluation], report: &mut RunReport) {
        let EventSource::ConfigRule { result_token, .. } = &event.source else {
            return;
        };
        if !self.opts.record {
            return;
        }
        for chunk in evals.chunks(100) {
            if let Err(e) = self.ports.reporter.put_evaluations(result_token, chunk).await {
                error!(error = %chain(&e), "reporting evaluations to AWS Config failed");
                report.retryable |= e.is_retryable();
                report.errors.push(format!("PutEvaluations: {}", chain(&e)));
            }
        }
    }
}

fn evaluation(r: &ResourceRef, compliance: &str, annotation: &str, event: &Event) -> Evaluation {
    let ordering_time = match &event.source {
        EventSource::ConfigRule { ordering_time, .. } => *ordering_time,
        _ => event.time,
    };
    let resource_type = r.kind.config_type();
    let id = if r.kind.is_account_level() {
        r.account.clone()
    } else {
        r.id.clone()
    };
    let mut annotation = annotation.to_string();
    if annotation.len() > 255 {
        let mut cut = 252;
        while !annotation.is_char_boundary(cut) {
            cut -= 1;
        }
        annotation.truncate(cut);
        annotation.push_str("...");
    }
    Evaluation {
        resource_type: resource_type.into(),
        resource_id: id,
        compliance: compliance.into(),
        annotation,
        ordering_time,
    }
}

fn decision_evaluation(d: &Decision, event: &Event) -> Option<Evaluation> {
    let ledger = d
        .ledger_id
        .as_deref()
        .map(|id| format!(" (ledger {id})"))
        .unwrap_or_default();
    let (c, note) = match d.outcome.class().config {
        ConfigReport::Compliant => ("COMPLIANT", "compliant".to_string()),
        ConfigReport::CompliantWithWarning => (
            "COMPLIANT",
            format!("compliant, with a warning: {}", d.findings.join("; ")),
        ),
        ConfigReport::Fixed => ("COMPLIANT", format!("fixed by hipaa-autofix{ledger}")),
        ConfigReport::NotApplicable => ("NOT_APPLICABLE", "resource no longer exists".to_string()),
        ConfigReport::AlreadyHandled => (
            "NON_COMPLIANT",
            "non-compliant; already handled for this event".to_string(),
        ),
        ConfigReport::NonCompliant => (
            "NON_COMPLIANT",
            format!("{}: {}{ledger}", d.outcome, d.findings.join("; ")),
        ),
        ConfigReport::NotReported => return None,
    };
    Some(evaluation(&d.resource, c, &note, event))
}

fn log_decision(d: Decision) -> Decision {
    let changes = d.plan.actions.len();
    match d.outcome {
        Outcome::Failed | Outcome::NotVerified => {
            error!(rule = %d.rule, resource = %d.resource, outcome = %d.outcome, mode = %d.mode, changes, error = ?d.error, notes = ?d.notes, "decided")
        }
        _ => {
            info!(rule = %d.rule, resource = %d.resource, outcome = %d.outcome, mode = %d.mode, changes, ledger_id = ?d.ledger_id, "decided")
        }
    }
    d
}

/// An error and its sources, on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}
