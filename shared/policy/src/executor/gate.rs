//! Stage 2, gate: whether a violation may be changed now. In order: the resource's
//! tags and exemptions, the plan, the event's claim (a repeated delivery stops
//! here), break-glass, an active exemption, fixes the rule withholds or can't make,
//! notify mode, a dry run, and the run's change limit.
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::PortError;
use crate::event::Event;
use crate::kinds::{ResourceRef, Snapshot};
use crate::ledger::Outcome;
use crate::rule::Rule;
use crate::settings::{Exemption, ExemptionCheck, Mode, parse_exempt_tag};

use super::{Decision, Executor, Stop};

/// The event's claim on a (rule, resource): released when nothing was changed and
/// a retry should do the work.
pub(super) struct Claim(pub(super) String);

impl Executor {
    /// Gate the violation judged in `before` (the plan goes into `d`). `Ok` with the
    /// claim when the plan may be applied now; otherwise how the decision ends.
    pub(super) async fn gate(
        &self,
        rule: &dyn Rule,
        r: &ResourceRef,
        event: &Event,
        before: &mut Snapshot,
        budget: &AtomicUsize,
        d: &mut Decision,
    ) -> Result<Claim, Stop> {
        let tags: Vec<_> = r.kind.tags_facet().into_iter().collect();
        if let Err(e) = self.ports.reader.fill(r, before, &tags).await {
            if e.is_not_found() {
                d.outcome = Outcome::Gone;
                return Err(Stop::Quiet);
            }
            return Err(d.failed("reading the resource's tags", e));
        }
        let exemption = match self.exemption(rule, r, before, d).await {
            Ok(e) => e,
            Err(e) => return Err(d.failed("reading exemptions", e)),
        };
        // The plan, and with it every action's undo data, comes from this first read.
        // However often an action is tried or found done on a re-read, the
        // before-state recorded is this one: the first before-state wins.
        d.plan = rule.plan(before);

        let claim = Claim(super::claim_key(&event.id, rule.id(), &r.arn()));
        if self.opts.record {
            match self.ports.ledger.claim(&claim.0).await {
                Ok(true) => {}
                Ok(false) => {
                    d.outcome = Outcome::Duplicate;
                    return Err(Stop::Quiet);
                }
                Err(e) => return Err(d.failed("claiming the event in the ledger", e)),
            }
        }

        if let Some(v) = before.tags().and_then(|t| t.get(&self.opts.break_glass_tag)) {
            d.notes.push(format!(
                "break-glass resource (tag {}={v:?}): never changed automatically; an admin must act",
                self.opts.break_glass_tag
            ));
            d.outcome = Outcome::BreakGlass;
            return Err(Stop::Record);
        }
        if let Some(e) = exemption {
            d.notes.push(format!("exempt by {}", e.describe()));
            d.outcome = Outcome::Exempt;
            d.exemption = Some(e);
            return Err(Stop::Record);
        }
        for w in &d.plan.withheld {
            d.notes.push(format!("not done automatically: {w}"));
        }
        if d.plan.is_empty() && !d.plan.withheld.is_empty() {
            d.outcome = Outcome::Notified;
            return Err(Stop::Record);
        }
        if d.plan.is_empty() {
            d.outcome = Outcome::CannotJudge;
            d.notes
                .push("no automatic fix exists for this state; an admin must act".into());
            return Err(Stop::Record);
        }
        // An admin's `fix` overrides a rule's notify mode, but not one set for the
        // account or its OU: that is the account's owners' decision.
        if d.mode == Mode::Notify && (!self.opts.force_auto || d.mode_scope.is_some()) {
            d.outcome = Outcome::Notified;
            return Err(Stop::Record);
        }
        if self.opts.dry_run {
            d.outcome = Outcome::DryRun;
            return Err(Stop::Record);
        }
        if let Some(max) = self.opts.max_changes
            && budget.fetch_add(1, Ordering::SeqCst) >= max
        {
            d.outcome = Outcome::Limited;
            d.notes.push(format!(
                "this run already changed {max} resources, its limit; the next run continues"
            ));
            self.release(&claim).await;
            return Err(Stop::Record);
        }
        if let Some(max) = self.opts.max_changes_per_account_per_hour {
            let hour = crate::org::change_hour((self.opts.clock)());
            match self.ports.ledger.count_change(&r.account, &hour, max).await {
                Ok(true) => {}
                Ok(false) => {
                    d.outcome = Outcome::Limited;
                    d.notes.push(format!(
                        "account {} already had {max} changes this hour, its limit (MaxChangesPerAccountPerHour); the next event or sweep after the hour continues",
                        r.account
                    ));
                    self.release(&claim).await;
                    return Err(Stop::Record);
                }
                Err(e) => {
                    self.release(&claim).await;
                    return Err(d.failed("counting the change against the account's hourly limit", e));
                }
            }
        }
        Ok(claim)
    }

    /// Give the event's claim back (nothing changed): a retry may do the work.
    pub(super) async fn release(&self, claim: &Claim) {
        if self.opts.record {
            let _ = self.ports.ledger.release(&claim.0).await;
        }
    }

    /// The exemption in force for `r`: by tag or in the settings table. An expired or
    /// unreadable one is noted and ignored.
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
}
