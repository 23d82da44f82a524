//! The commands that sweep and handle events: `scan`, `fix`, `handle` and `rules`,
//! run through the executor in-process against the stack the CLI finds.
use std::path::Path;
use std::sync::Arc;

use adapters::apps::function::HandlerError;
use adapters::clients::Clients;
use adapters::dynamo::table_exists;
use anyhow::{Context, Result, bail};
use policy::catalog;
use policy::params::Params;
use policy::{Actor, Event, RunReport};

use crate::org::OrgTargets;
use crate::output::{self, Bar};
use crate::stack::{Stack, config_for, discover, find_table, sdk_config};
use crate::{Global, RuleFilter};

/// The rule parameters of a run: the defaults with the `--set` overrides.
pub(crate) fn params_of(filter: &RuleFilter) -> Result<Params> {
    let mut p = Params::default();
    for pair in &filter.sets {
        catalog::set_param(&mut p, pair)?;
    }
    Ok(p)
}

fn check_rules(filter: &RuleFilter) -> Result<()> {
    params_of(filter)?;
    for id in &filter.rules {
        if catalog::by_id(id).is_none() {
            let known = catalog::rule_ids();
            bail!("unknown rule {id:?}; known rules: {}", known.join(", "));
        }
    }
    Ok(())
}

/// Run a manual sweep over every family with a selected rule.
pub(crate) async fn sweep(
    g: &Global,
    filter: &RuleFilter,
    stack: &Stack,
    fix: bool,
    dry_run: bool,
    max_changes: Option<usize>,
) -> Result<Vec<RunReport>> {
    let region = stack.sdk.region().map(|r| r.to_string()).unwrap_or_default();
    let actor = Actor {
        arn: stack.caller.clone(),
        role_arn: None,
        kind: Some("autofix-cli".into()),
        source_ip: None,
        user_agent: None,
    };
    let mut params = params_of(filter)?;
    stack.fill_stack_defaults(&mut params, &region);
    let bar = Bar::new(!g.json, if fix { "fixing" } else { "scanning" });
    // One executor holds the selected rules of every family, so the rules of one
    // resource run on one snapshot: each facet of a bucket is read at most once
    // across the S3 families, and again only after a fix wrote it. The first
    // selected family's app provides the ports (the CLI links every adapter).
    let mut selected: Vec<Arc<dyn policy::Rule>> = Vec::new();
    let mut base = None;
    for family in catalog::families() {
        let rules: Vec<_> = catalog::family_with(family, &params)
            .into_iter()
            .filter(|rule| filter.rules.is_empty() || filter.rules.iter().any(|r| r == rule.id()))
            .collect();
        if rules.is_empty() {
            continue;
        }
        base.get_or_insert(family);
        selected.extend(rules);
    }
    let mut reports = Vec::new();
    if let Some(family) = base {
        let mut cfg = config_for(stack, family, dry_run, max_changes)?;
        cfg.params = params.clone();
        let mut app = stack.app(&cfg)?;
        // The executor runs one resource's rules by their declared order.
        app.rules = selected;
        app.opts.actor = Some(actor.clone());
        app.opts.progress = Some(Arc::new(bar.clone()));
        if fix {
            app.opts.force_auto = true;
        } else {
            // A scan changes nothing and records nothing.
            app.opts.dry_run = true;
            app.opts.record = false;
        }
        let event = Event::manual(&stack.account, &region, Some(actor.clone()));
        reports.push(app.executor_for(&event).handle(&event).await);
    }
    bar.finish();
    Ok(reports)
}

/// `scan` and `fix` exit with 4 when a member account was skipped (its role could not
/// be assumed) and nothing worse happened.
pub const EXIT_MEMBER_SKIPPED: u8 = 4;

/// Run an organisation sweep (`--account`, `--all-accounts`, or several `--region`s
/// in the caller's account), print it, and give its exit code.
async fn org_run(
    g: &Global,
    filter: &RuleFilter,
    targets: &OrgTargets,
    fix: bool,
    dry_run: bool,
    max_changes: Option<usize>,
) -> Result<u8> {
    let stack = discover(g, fix).await?;
    let mut targets = targets.clone();
    if !targets.any() {
        targets.accounts = vec![stack.account.clone()];
    }
    let actor = Actor {
        arn: stack.caller.clone(),
        role_arn: None,
        kind: Some("autofix-cli".into()),
        source_ip: None,
        user_agent: None,
    };
    let run = crate::org::sweep(
        filter,
        &stack,
        &targets,
        &g.region,
        &actor,
        fix,
        dry_run,
        max_changes,
        g.json,
    )
    .await?;
    if fix {
        output::print_fix_org(&run.reports, &run.skipped, g.json);
    } else {
        output::print_scan_org(&run.reports, &run.skipped, g.json);
    }
    let code = sweep_exit_code(&run.reports, fix);
    Ok(if code == 0 && !run.skipped.is_empty() {
        EXIT_MEMBER_SKIPPED
    } else {
        code
    })
}

/// `scan` and `fix` exit with 1 when a violation that was found did not end well.
pub const EXIT_FIX_FAILED: u8 = 1;
/// `scan` and `fix` exit with 3 when the sweep could not look at everything (a
/// listing, a rule's mode or a resource could not be read, after the SDK's retries)
/// and nothing worse happened: "nothing left to fix" is not known. Run it again.
pub const EXIT_COULD_NOT_LOOK: u8 = 3;

/// The exit code of a sweep: 0 everything looked at and every violation resolved;
/// 1 a fix failed, was not verified, could not be judged or hit the change limit
/// (it wins over 3: a known violation is left); 3 something could not be looked at.
pub fn sweep_exit_code(reports: &[RunReport], fixing: bool) -> u8 {
    if fixing && reports.iter().any(RunReport::fix_failed) {
        EXIT_FIX_FAILED
    } else if reports.iter().any(RunReport::could_not_look) {
        EXIT_COULD_NOT_LOOK
    } else {
        0
    }
}

pub async fn scan(g: &Global, filter: &RuleFilter, targets: &OrgTargets) -> Result<u8> {
    check_rules(filter)?;
    if targets.any() || g.region.len() > 1 {
        return org_run(g, filter, targets, false, true, None).await;
    }
    let stack = discover(g, false).await?;
    let reports = sweep(g, filter, &stack, false, true, None).await?;
    output::print_scan(&reports, g.json);
    Ok(sweep_exit_code(&reports, false))
}

pub async fn fix(
    g: &Global,
    filter: &RuleFilter,
    dry_run: bool,
    max_changes: Option<usize>,
    targets: &OrgTargets,
) -> Result<u8> {
    check_rules(filter)?;
    if targets.any() || g.region.len() > 1 {
        return org_run(g, filter, targets, true, dry_run, max_changes).await;
    }
    let stack = discover(g, true).await?;
    let reports = sweep(g, filter, &stack, true, dry_run, max_changes).await?;
    output::print_fix(&reports, g.json);
    Ok(sweep_exit_code(&reports, true))
}

pub async fn handle(g: &Global, event: &Path, function: &str, dry_run: bool) -> Result<u8> {
    let Some(family) = catalog::family_by_name(function) else {
        let known: Vec<&str> = catalog::families().iter().map(|f| f.name()).collect();
        bail!("unknown function {function:?}; known: {}", known.join(", "));
    };
    let bytes = std::fs::read(event).with_context(|| format!("reading {}", event.display()))?;
    let payload: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("autofix: bad event {}: not JSON: {e}", event.display());
            return Ok(2);
        }
    };
    let stack = discover(g, true).await?;
    let cfg = config_for(&stack, family, dry_run, None)?;
    let app = stack.app(&cfg)?;
    match app.handle(payload).await {
        Ok(summary) => {
            println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
            Ok(0)
        }
        Err(e @ HandlerError::BadEvent(_)) => {
            eprintln!("autofix: bad event {}: {e}", event.display());
            Ok(2)
        }
        // An event about another account (or an unknown own account): refused, nothing read.
        Err(e @ HandlerError::Refused { .. }) => {
            eprintln!("autofix: {}: {e}", event.display());
            Ok(2)
        }
        Err(e) => {
            eprintln!("autofix: the handler failed: {e}");
            Ok(1)
        }
    }
}

pub async fn rules(g: &Global, params: bool) -> Result<u8> {
    if params {
        output::print_params(&Params::default(), g.json);
        return Ok(0);
    }
    let sdk = sdk_config(g).await;
    let clients = Clients::new(&sdk);
    let mut notes = Vec::new();
    let table = match find_table(
        &clients,
        g.settings_table.as_deref(),
        &format!("{}-settings", g.stack_name),
        &mut notes,
    )
    .await
    {
        Ok(t) => t,
        Err(e) => {
            notes.push(format!("settings unavailable: {e:#}"));
            None
        }
    };
    let settings: Option<adapters::dynamo::DynamoSettings> =
        table.map(|t| adapters::dynamo::DynamoSettings::new(clients.dynamodb.clone(), t));
    let ledger_name = g
        .ledger_table
        .clone()
        .unwrap_or_else(|| format!("{}-ledger", g.stack_name));
    let last = match table_exists(&clients.dynamodb, &ledger_name).await {
        Ok(true) => {
            crate::admin::last_actions(&adapters::dynamo::DynamoLedger::new(
                clients.dynamodb.clone(),
                ledger_name,
            ))
            .await
        }
        _ => vec![],
    };
    let mut rows = Vec::new();
    for family in catalog::families() {
        for rule in catalog::family(family) {
            let id = rule.id();
            let spec = rule.spec();
            let configured = match &settings {
                Some(s) => policy::ports::SettingsStore::mode(s, id).await.ok().flatten(),
                None => None,
            };
            rows.push(output::RuleRow {
                id: id.to_string(),
                family: family.to_string(),
                title: spec.title.to_string(),
                default_mode: spec.default_mode.to_string(),
                mode: configured.map(|m| m.to_string()),
                last_action: last
                    .iter()
                    .find(|r| r.rule == id)
                    .map(|r| format!("{} {} {}", r.time.format("%Y-%m-%d %H:%M"), r.outcome, r.resource)),
            });
        }
    }
    if !notes.is_empty() && !g.json {
        eprintln!("autofix: {}; showing default modes.", notes.join("; "));
    }
    output::print_rules(&rows, g.json);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::{Decision, Outcome, ResourceRef};

    fn report(outcomes: &[(Outcome, bool)], errors: &[&str]) -> RunReport {
        let decisions = outcomes
            .iter()
            .map(|(o, not_examined)| {
                let mut d = Decision::new("r", &ResourceRef::bucket("b", "1", "us-east-1"), policy::Mode::Auto);
                d.outcome = *o;
                d.not_examined = *not_examined;
                d
            })
            .collect();
        RunReport {
            decisions,
            errors: errors.iter().map(|e| e.to_string()).collect(),
            ..RunReport::default()
        }
    }

    #[test]
    fn exit_codes_tell_nothing_left_from_could_not_look() {
        let clean = report(&[(Outcome::Fixed, false), (Outcome::Compliant, false)], &[]);
        assert_eq!(sweep_exit_code(&[clean], true), 0);
        let listing_failed = report(&[(Outcome::Fixed, false)], &["listing IamUser: throttled"]);
        assert_eq!(
            sweep_exit_code(std::slice::from_ref(&listing_failed), true),
            EXIT_COULD_NOT_LOOK
        );
        assert_eq!(sweep_exit_code(&[listing_failed], false), EXIT_COULD_NOT_LOOK);
        let unread = report(&[(Outcome::Failed, true)], &[]);
        assert_eq!(sweep_exit_code(&[unread], true), EXIT_COULD_NOT_LOOK);
        let fix_failed = report(&[(Outcome::Failed, false), (Outcome::Failed, true)], &["listing x"]);
        assert_eq!(
            sweep_exit_code(std::slice::from_ref(&fix_failed), true),
            EXIT_FIX_FAILED
        );
        // A scan fixes nothing: only whether it could look matters.
        assert_eq!(sweep_exit_code(&[fix_failed], false), EXIT_COULD_NOT_LOOK);
    }
}
