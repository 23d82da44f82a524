//! The executor: the decisions every rule shares.
//!
//! An event is ignored as a whole when it records a failed call or was caused by
//! our own roles (loop guard). Otherwise each (rule, resource) it concerns goes
//! through three stages:
//! 1. [judge](judge.rs): the rule's mode, a fresh read of the resource (never
//!    trusting the event for state), the rule's verdict;
//! 2. [gate](gate.rs): exemptions, the event's claim (idempotency), break-glass,
//!    withheld fixes, notify mode, dry run, the change limit;
//! 3. [apply](apply.rs): the plan's actions, then a fresh read and verdict
//!    ("fixed" only when verified);
//!
//! and ends [recorded](record.rs) in the ledger and notified when it is worth it.
//! A failed notice never fails or repeats a fix. An admin's [undo](undo.rs) of a
//! recorded fix takes the same ports.
use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use serde::Serialize;
use tracing::{error, info, warn};

use crate::account::{AccountRefusal, AccountScope};
use crate::error::PortError;
use crate::event::{Actor, Event, EventSource};
use crate::kinds::{ResourceKind, ResourceRef, Snapshot};
use crate::ledger::{ConfigReport, Outcome};
use crate::plan::Plan;
use crate::ports::{
    ComplianceReporter, Evaluation, Ledger, Listed, Notifier, Remediator, ResourceLister, ResourceReader,
    SettingsStore, Summary,
};
use crate::rule::Rule;
use crate::settings::{DEFAULT_BREAK_GLASS_TAG, DEFAULT_EXEMPT_TAG, Exemption, Mode};

mod apply;
mod gate;
mod judge;
mod record;
mod undo;

#[cfg(test)]
mod tests;

/// How a decision ends before its last stage.
enum Stop {
    /// Logged only: nothing changed and nothing worth a record (compliant, off, gone,
    /// a repeated delivery, a failed read).
    Quiet,
    /// Recorded in the ledger and notified, with the snapshot as read.
    Record,
    /// Recorded in the ledger and notified without a snapshot: the resource's state
    /// could not be established (its rule's mode or the resource could not be read).
    NotExamined,
}

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
    /// The record's resource is not in an account this executor may act in.
    #[error("refused: {0}")]
    Refused(#[source] AccountRefusal),
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
    /// ARNs of the deployment's own resources (its slack-interactions function, whose
    /// URL is a deliberate public webhook): never judged, whatever the event or sweep.
    pub own_resources: Vec<String>,
    pub exempt_tag: String,
    /// Resources with this tag are never changed; their violations are loud notices.
    pub break_glass_tag: String,
    /// Modes that replace a rule's built-in default (the deployment's parameters).
    pub default_modes: BTreeMap<String, Mode>,
    /// At most this many resources changed per run (blast-radius limit).
    pub max_changes: Option<usize>,
    /// At most this many resources changed per account per clock hour, across every
    /// function and run (`MaxChangesPerAccountPerHour`; counted in the ledger).
    pub max_changes_per_account_per_hour: Option<u32>,
    /// Organisation mode: the organisation's accounts (their OUs resolve modes set
    /// per account or OU). `None`: a single-account deployment.
    pub organisation: Option<Arc<crate::org::Registry>>,
    /// A sweep judges only the listed resources in the event's region (organisation
    /// sweeps run once per region; S3 lists every region's buckets). `false`: a
    /// sweep judges everything the listing found (a single-region deployment).
    pub regional_sweep: bool,
    /// Resources processed at once in a sweep.
    pub concurrency: usize,
    /// The accounts this executor may act in (today: the function's own). Every event
    /// about another account is refused before any read. Empty (the default): the
    /// own account is unknown, and every event is refused (fail closed).
    pub accounts: AccountScope,
    /// Who is acting, when not the event's caller (the CLI's caller).
    pub actor: Option<Actor>,
    /// The region this executor runs in (the SDK's), for records of admin acts that
    /// name no regional resource (a rule's mode, an exemption of a bucket or user).
    pub region: Option<String>,
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
            own_resources: vec![],
            exempt_tag: DEFAULT_EXEMPT_TAG.to_string(),
            break_glass_tag: DEFAULT_BREAK_GLASS_TAG.to_string(),
            default_modes: BTreeMap::new(),
            max_changes: None,
            max_changes_per_account_per_hour: None,
            organisation: None,
            regional_sweep: false,
            concurrency: 16,
            accounts: AccountScope::default(),
            actor: None,
            region: None,
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
    /// Set when the mode was set for the resource's account or one of its OUs
    /// (organisation mode): an admin's `fix` does not override it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode_scope: Option<crate::org::ModeScope>,
    pub findings: Vec<String>,
    /// Planned (notify, dry run, exempt) or applied (fixed) actions.
    pub plan: Plan,
    pub ledger_id: Option<String>,
    pub notes: Vec<String>,
    pub error: Option<String>,
    /// The exemption that held the violation back (outcome `exempt`): its reason,
    /// expiry and source (a tag or the settings table), for reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exemption: Option<Exemption>,
    #[serde(skip)]
    pub retryable: bool,
    /// The resource's state could not be established (its rule's mode or the
    /// resource could not be read): the run could not look at it.
    #[serde(skip)]
    pub not_examined: bool,
}

impl Decision {
    pub fn new(rule: &str, resource: &ResourceRef, mode: Mode) -> Self {
        Decision {
            rule: rule.to_string(),
            resource: resource.clone(),
            outcome: Outcome::Compliant,
            mode,
            mode_scope: None,
            findings: vec![],
            plan: Plan::default(),
            ledger_id: None,
            notes: vec![],
            error: None,
            exemption: None,
            retryable: false,
            not_examined: false,
        }
    }
    /// A step failed with `e` once the resource's state was known: the decision
    /// fails (retryable when `e` is), and is recorded and notified like any failure.
    fn failed(&mut self, what: &str, e: PortError) -> Stop {
        self.outcome = Outcome::Failed;
        self.retryable = e.is_retryable();
        self.error = Some(format!("{what}: {}", chain(&e)));
        Stop::Record
    }
    /// A step failed with `e` before the resource's state was known: recorded, and
    /// the run could not look at this resource.
    fn not_examined(&mut self, what: &str, e: PortError) -> Stop {
        self.failed(what, e);
        self.not_examined = true;
        Stop::NotExamined
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
    /// The outcome of an event ignored as a whole for a reason that is one
    /// (`LoopGuard`, `FailedCall`).
    #[serde(skip)]
    pub ignored_as: Option<Outcome>,
    /// Why the account gate refused the event, if it did: nothing was read or changed.
    pub refused: Option<AccountRefusal>,
}

impl RunReport {
    pub fn has_failures(&self) -> bool {
        self.refused.is_some() || !self.errors.is_empty() || self.decisions.iter().any(|d| !d.is_resolved())
    }
    /// Whether a violation that was found did not end well (a fix failed or was not
    /// verified, the state can't be judged, the change limit was hit).
    pub fn fix_failed(&self) -> bool {
        self.decisions.iter().any(|d| !d.is_resolved() && !d.not_examined)
    }
    /// Whether the run could not look at everything: a listing failed, or a rule's
    /// mode or a resource could not be read.
    pub fn could_not_look(&self) -> bool {
        !self.errors.is_empty() || self.decisions.iter().any(|d| d.not_examined)
    }
    pub fn count(&self, o: Outcome) -> usize {
        self.decisions.iter().filter(|d| d.outcome == o).count()
    }
}

/// A resource's work in a run: the listing's summary of it (sweeps only) and the
/// rules that judge it, in their declared order.
type Work = (Option<Summary>, Vec<Arc<dyn Rule>>);

/// What one run (one event) shares across its decisions.
pub(super) struct Run<'a> {
    event: &'a Event,
    /// Resources changed so far (the blast-radius limit).
    budget: AtomicUsize,
    /// Each rule's mode (and the account or OU it was set for), read once per run:
    /// every decision of a run sees the same mode, and a sweep costs one settings
    /// read per rule, not one per resource.
    modes: Mutex<BTreeMap<&'static str, (Mode, Option<crate::org::ModeScope>)>>,
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

    /// The run-wide options, to adjust before a run (organisation mode adds the registry).
    pub fn options_mut(&mut self) -> &mut ExecOptions {
        &mut self.opts
    }

    /// Handle one event end to end.
    pub async fn handle(&self, event: &Event) -> RunReport {
        let mut report = RunReport {
            event_id: event.id.clone(),
            ..Default::default()
        };
        // The account gate, before anything else: no read, claim, record or notice
        // for an event about an account this function may not act in.
        if let Err(refusal) = self.opts.accounts.admit(event) {
            warn!(
                event_id = %event.id,
                event_account = %event.account,
                our_accounts = %self.opts.accounts,
                reason = %refusal,
                "refused: the event is not about this function's account; nothing read or changed"
            );
            report.refused = Some(refusal);
            return report;
        }
        if let EventSource::CloudTrail {
            event_name,
            error_code: Some(code),
            ..
        } = &event.source
        {
            info!(event_id = %event.id, event_name = %event_name, error_code = %code, "ignored: the recorded call failed, nothing changed");
            report.ignored = Some(format!("{event_name} failed with {code}; nothing changed"));
            report.ignored_as = Some(Outcome::FailedCall);
            return report;
        }
        if let Some(actor) = &event.actor
            && self.is_own(actor)
        {
            info!(event_id = %event.id, actor = %actor.arn, "ignored: caused by hipaa-autofix itself (loop guard)");
            report.ignored = Some(format!("caused by hipaa-autofix's own role {}", actor.arn));
            report.ignored_as = Some(Outcome::LoopGuard);
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

        // Each resource with the rules that judge it and, in a sweep, the listing's
        // summary of it.
        let mut by_resource: BTreeMap<ResourceRef, Work> = BTreeMap::new();
        if event.is_sweep() {
            // Each kind is listed once per sweep, however many rules judge it. A kind
            // whose listing fails (after the SDK's retries) is reported and recorded;
            // the other kinds are still swept.
            let mut listed: BTreeMap<ResourceKind, Option<Vec<Listed>>> = BTreeMap::new();
            for rule in &rules {
                let kind = rule.kind();
                if let std::collections::btree_map::Entry::Vacant(slot) = listed.entry(kind) {
                    match self.ports.lister.list(kind, &event.account, &event.region).await {
                        Ok(rs) => {
                            slot.insert(Some(rs));
                        }
                        Err(e) => {
                            error!(error = %chain(&e), kind = ?kind, "listing resources for the sweep failed");
                            report.retryable |= e.is_retryable();
                            report.errors.push(format!("listing {kind:?}: {}", chain(&e)));
                            slot.insert(None);
                        }
                    }
                }
                match listed.get(&kind) {
                    Some(Some(found)) => {
                        for l in found {
                            let entry = by_resource
                                .entry(l.resource.clone())
                                .or_insert_with(|| (l.summary.clone(), Vec::new()));
                            entry.1.push(Arc::clone(rule));
                        }
                    }
                    Some(None) | None => self.record_listing_failure(rule.as_ref(), kind, event, &report).await,
                }
            }
            if self.opts.regional_sweep {
                by_resource.retain(|r, _| r.region.is_empty() || r.region == event.region);
            }
        } else {
            for rule in &rules {
                for r in rule.targets(event) {
                    by_resource.entry(r).or_default().1.push(Arc::clone(rule));
                }
            }
        }

        // The deployment's own resources (its slack-interactions function) are never judged.
        by_resource.retain(|r, _| !self.opts.own_resources.contains(&r.arn()));

        let run = Run {
            event,
            budget: AtomicUsize::new(0),
            modes: Mutex::new(BTreeMap::new()),
        };
        let concurrency = self.opts.concurrency.max(1);
        if let Some(p) = &self.opts.progress {
            p.start(by_resource.values().map(|(_, rules)| rules.len()).sum());
        }
        // One resource's rules run one after another, in their declared order, so two
        // rules never change the same resource at once (an over-age key that is also
        // unused is deactivated once; the second rule reads it inactive). Resources
        // run concurrently. The rules of one resource share one snapshot: each facet
        // is read at most once, and again only after a fix wrote it, so each rule
        // judges and plans on the state the previous rule left.
        for (_, rules) in by_resource.values_mut() {
            rules.sort_by_key(|r| r.spec().order);
        }
        let nested: Vec<Vec<Decision>> = futures::stream::iter(by_resource)
            .map(|(r, (summary, rules))| {
                let run = &run;
                async move {
                    let mut out = Vec::with_capacity(rules.len());
                    let mut shared = Snapshot::empty_at(&r, (self.opts.clock)());
                    for rule in rules {
                        let d = self
                            .process(rule.as_ref(), &r, summary.as_ref(), run, &mut shared)
                            .await;
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

    /// One (rule, resource), through the stages. `summary`: the sweep listing's
    /// summary of the resource, if it had one. `shared` holds what the resource's
    /// earlier rules read in this run (facets a fix wrote are dropped from it); the
    /// stages read only what it lacks and leave in it what they read.
    async fn process(
        &self,
        rule: &dyn Rule,
        r: &ResourceRef,
        summary: Option<&Summary>,
        run: &Run<'_>,
        shared: &mut Snapshot,
    ) -> Decision {
        let event = run.event;
        let mut d = Decision::new(rule.id(), r, rule.spec().default_mode);
        let mut before = shared.clone();
        let cleared = match self.judge(rule, r, summary, run, &mut before, &mut d).await {
            Ok(()) => self.gate(rule, r, event, &mut before, &run.budget, &mut d).await,
            Err(stop) => Err(stop),
        };
        shared.clone_from(&before);
        let claim = match cleared {
            Ok(claim) => claim,
            Err(Stop::Quiet) => return log_decision(d),
            Err(Stop::Record) => return self.finish(rule, d, event, Some(before), None).await,
            Err(Stop::NotExamined) => return self.finish(rule, d, event, None, None).await,
        };
        match self.apply_and_verify(rule, r, &claim, &mut d, shared).await {
            apply::Applied::Gone => log_decision(d),
            apply::Applied::Done { after } => self.finish(rule, d, event, Some(before), Some(*after)).await,
        }
    }

    /// A sweep could not list the resources `rule` judges: one ledger record (and
    /// notice) says so, so every failure is in the ledger.
    async fn record_listing_failure(&self, rule: &dyn Rule, kind: ResourceKind, event: &Event, report: &RunReport) {
        let what = format!("listing {kind:?}");
        let Some(error) = report.errors.iter().find(|e| e.starts_with(&what)).cloned() else {
            return;
        };
        let mut d = Decision::new(
            rule.id(),
            &ResourceRef::iam_account(&event.account, &event.region),
            Mode::Auto,
        );
        d.resource.kind = kind;
        d.resource.id = "*".into();
        d.outcome = Outcome::Failed;
        d.not_examined = true;
        d.error = Some(error);
        d.notes.push(format!(
            "the sweep could not list every {kind:?}; the next sweep tries again"
        ));
        let _ = self.finish(rule, d, event, None, None).await;
    }

    /// A member account of the organisation could not be reached for `event`'s sweep
    /// (its role is missing or can't be assumed, an SCP denies it, the region is
    /// disabled): recorded in the ledger and notified once (per account, region and
    /// reason, while the ledger's claim lasts: 7 days), never stopping the other
    /// accounts' sweeps. Nothing was read. The decision, or `None` when it was
    /// already posted.
    pub async fn record_unreachable(&self, event: &Event, reason: &str) -> Option<Decision> {
        let rule = self.rules.first()?;
        let key = format!(
            "unreachable#{}#{}#{}#{}",
            rule.spec().family,
            event.account,
            event.region,
            reason_class(reason)
        );
        if self.opts.record && !matches!(self.ports.ledger.claim(&key).await, Ok(true)) {
            info!(account = %event.account, region = %event.region, reason, "member account unreachable; already posted");
            return None;
        }
        warn!(account = %event.account, region = %event.region, reason, "member account unreachable; its sweep is skipped");
        let mut d = Decision::new(
            rule.id(),
            &ResourceRef::iam_account(&event.account, &event.region),
            Mode::Auto,
        );
        d.resource.kind = rule.kind();
        d.resource.id = "*".into();
        d.outcome = Outcome::Failed;
        d.not_examined = true;
        d.error = Some(format!("the member account could not be reached: {reason}"));
        d.notes.push(format!(
            "account {} in {} was not swept; the other accounts were. Posted once while it lasts.",
            event.account, event.region
        ));
        Some(self.finish(rule.as_ref(), d, event, None, None).await)
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
    if d.outcome.class().fails_invocation {
        error!(rule = %d.rule, resource = %d.resource, outcome = %d.outcome, mode = %d.mode, changes, error = ?d.error, notes = ?d.notes, "decided")
    } else {
        info!(rule = %d.rule, resource = %d.resource, outcome = %d.outcome, mode = %d.mode, changes, ledger_id = ?d.ledger_id, "decided")
    }
    d
}

/// The ledger claim that makes one event act once per (rule, resource):
/// `<event id>#<rule>#<resource ARN>`.
///
/// The event id is normalised here, where the key is built, so every source of
/// events (EventBridge, Config, the CLI) gets the same treatment: surrounding
/// whitespace dropped and letters lower-cased. EventBridge ids are UUIDs and our
/// own ids (`config-<digest>`, `manual-<uuid>`) are lower-case hex, so case and
/// padding never tell two events apart; keyed on the id's spelling, a redelivery
/// with `AB12…` for `ab12…` or a trailing space would claim a "new" key and act
/// (and be recorded) twice. The rule id and ARN are ours (built from the parsed
/// event), not free text.
pub fn claim_key(event_id: &str, rule: &str, arn: &str) -> String {
    format!("{}#{rule}#{arn}", event_id.trim().to_lowercase())
}

/// What kind of failure a reason is, for deduplicating notices about it: its first
/// words up to a colon (an error's own message, without request ids).
fn reason_class(reason: &str) -> String {
    reason
        .split(':')
        .next()
        .unwrap_or(reason)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .take(60)
        .collect::<String>()
        .trim()
        .replace(' ', "-")
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
