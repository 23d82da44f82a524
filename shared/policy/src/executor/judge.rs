//! Stage 1, judge: the rule's mode, a fresh read of what the rule needs, and its
//! verdict. Only a violation goes on to the gate. In a sweep, a listing's summary
//! of the resource (the IAM credential report) spares the read when the rule finds
//! it compliant; any other verdict is judged again on a live read.
use crate::error::PortError;
use crate::kinds::{ResourceRef, Snapshot};
use crate::ledger::Outcome;
use crate::org::ModeScope;
use crate::ports::Summary;
use crate::rule::{Rule, Verdict};
use crate::settings::Mode;

use super::{Decision, Executor, Run, Stop};

impl Executor {
    /// Judge `r` by `rule` into `before`. `Ok` with the findings in `d` when the
    /// resource violates the rule; otherwise how the decision ends.
    pub(super) async fn judge(
        &self,
        rule: &dyn Rule,
        r: &ResourceRef,
        summary: Option<&Summary>,
        run: &Run<'_>,
        before: &mut Snapshot,
        d: &mut Decision,
    ) -> Result<(), Stop> {
        (d.mode, d.mode_scope) = match self.mode_of(rule, run).await {
            Ok(m) => m,
            Err(e) => return Err(d.not_examined("reading the rule's mode", e)),
        };
        if let Some(scope) = &d.mode_scope {
            d.notes.push(format!("mode {} set for {scope}", d.mode));
        }
        if d.mode == Mode::Off {
            d.outcome = Outcome::Off;
            return Err(Stop::Quiet);
        }
        // A sweep's summary is trusted only to say "compliant".
        if let Some(summary) = summary
            && let Some(reason) = summary.compliant(rule, (self.opts.clock)())
        {
            d.outcome = Outcome::Compliant;
            d.notes.push(format!("compliant by {}: {reason}", summary.source()));
            return Err(Stop::Quiet);
        }
        let verdict = match self.read_and_evaluate(rule, r, before).await {
            Ok(v) => v,
            Err(e) if e.is_not_found() => {
                d.outcome = Outcome::Gone;
                return Err(Stop::Quiet);
            }
            Err(e) => return Err(d.not_examined("reading the resource", e)),
        };
        match verdict {
            Verdict::NonCompliant { findings } => {
                d.findings = findings;
                Ok(())
            }
            Verdict::Compliant { .. } => {
                d.outcome = Outcome::Compliant;
                Err(Stop::Quiet)
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
                            return Err(Stop::Quiet);
                        }
                        Err(e) => return Err(d.failed("claiming the warning in the ledger", e)),
                    }
                }
                Err(Stop::Record)
            }
            Verdict::CannotJudge { reason } => {
                d.findings.push(reason);
                d.outcome = Outcome::CannotJudge;
                Err(Stop::Record)
            }
            Verdict::NeedsFacets { .. } => {
                d.findings.push("the rule could not get the state it needs".into());
                d.outcome = Outcome::CannotJudge;
                Err(Stop::Record)
            }
        }
    }

    /// The rule's mode in the event's account: in organisation mode the one set for
    /// the account, else for its OUs (deepest first); then the settings table's
    /// organisation-wide one, else the deployment's default, else the rule's own.
    /// Read once per run (a run is about one account). With the mode, the account or
    /// OU it was set for, if it was.
    async fn mode_of(&self, rule: &dyn Rule, run: &Run<'_>) -> Result<(Mode, Option<ModeScope>), PortError> {
        if let Some(m) = run.modes.lock().ok().and_then(|m| m.get(rule.id()).cloned()) {
            return Ok(m);
        }
        let mut found = None;
        if let Some(org) = &self.opts.organisation {
            for scope in org.mode_scopes(&run.event.account) {
                if let Some(m) = self.ports.settings.scoped_mode(rule.id(), &scope).await? {
                    found = Some((m, Some(scope)));
                    break;
                }
            }
        }
        let resolved = match found {
            Some(f) => f,
            None => {
                let configured = self.ports.settings.mode(rule.id()).await?;
                let mode = configured
                    .or_else(|| self.opts.default_modes.get(rule.id()).copied())
                    .unwrap_or(rule.spec().default_mode);
                (mode, None)
            }
        };
        if let Ok(mut m) = run.modes.lock() {
            m.insert(rule.id(), resolved.clone());
        }
        Ok(resolved)
    }

    /// Read what the rule needs and evaluate, reading more facets while it asks.
    pub(super) async fn read_and_evaluate(
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
}
