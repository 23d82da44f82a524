//! Commands that talk to AWS: resolve the SDK configuration, find the stack's
//! tables and Slack secret (or say once that there is no stack), and run the
//! executor in-process.
use std::path::Path;
use std::sync::Arc;

use adapters::app::{App, HandlerError};
use adapters::clients::{Clients, caller_identity};
use adapters::config::FunctionConfig;
use adapters::dynamo::table_exists;
use adapters::slack::SlackNotifier;
use anyhow::{Context, Result, bail};
use aws_config::BehaviorVersion;
use policy::params::Params;
use policy::ports::Notifier;
use policy::rules::FAMILIES;
use policy::{AccountScope, Actor, Event, RunReport};

use crate::output::{self, Bar};
use crate::{Global, RuleFilter};

/// What the CLI found of the deployed stack.
pub(crate) struct Stack {
    pub(crate) sdk: aws_types::SdkConfig,
    pub(crate) settings_table: Option<String>,
    pub(crate) ledger_table: Option<String>,
    pub(crate) slack_secret: Option<String>,
    /// The webhook, read once and shared by every family's app.
    pub(crate) slack: Option<Arc<dyn Notifier>>,
    pub(crate) account: String,
    pub(crate) caller: String,
}

impl Stack {
    /// A family's function, in-process, with this stack's tables and Slack webhook,
    /// acting only in the caller's account (the executor refuses events about any other).
    pub(crate) fn app(&self, cfg: &FunctionConfig) -> Result<App> {
        let mut app = App::assemble(&Clients::new(&self.sdk), cfg, self.slack.clone())
            .with_context(|| format!("building the {} function", cfg.family))?;
        app.opts.accounts = AccountScope::own(&self.account)
            .with_context(|| format!("the caller's account {:?} (STS GetCallerIdentity)", self.account))?;
        Ok(app)
    }
}

async fn sdk_config(g: &Global) -> aws_types::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &g.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &g.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    loader.load().await
}

/// Resolve credentials, the caller and the stack's resources. Says once on stderr
/// what it could not find and what that means.
pub(crate) async fn discover(g: &Global, need_slack: bool) -> Result<Stack> {
    let sdk = sdk_config(g).await;
    if sdk.region().is_none() {
        bail!("no AWS region: pass --region or set AWS_REGION");
    }
    let clients = Clients::new(&sdk);
    let (account, caller) = caller_identity(&clients)
        .await
        .context("resolving the caller's identity (are AWS credentials set?)")?;

    let mut notes = Vec::new();
    let settings_table = find_table(
        &clients,
        g.settings_table.as_deref(),
        &format!("{}-settings", g.stack_name),
        &mut notes,
    )
    .await?;
    let ledger_table = find_table(
        &clients,
        g.ledger_table.as_deref(),
        &format!("{}-ledger", g.stack_name),
        &mut notes,
    )
    .await?;
    if settings_table.is_none() {
        notes.push("each rule's default mode applies".to_string());
    }
    if ledger_table.is_none() {
        notes.push("no ledger is written".to_string());
    }
    let (mut slack_secret, mut slack) = (None, None);
    if need_slack {
        let id = g
            .slack_secret
            .clone()
            .unwrap_or_else(|| format!("{}/slack-webhook", g.stack_name));
        match SlackNotifier::from_secret(&clients.secrets, &id).await {
            Ok(Some(notifier)) => {
                slack_secret = Some(id);
                slack = Some(Arc::new(notifier) as Arc<dyn Notifier>);
            }
            Ok(None) => notes.push(format!("the Slack secret {id} is empty, so notices are not posted")),
            Err(e) if g.slack_secret.is_some() => {
                return Err(anyhow::Error::new(e).context(format!("reading the Slack secret {id}")));
            }
            Err(_) => notes.push(format!("no Slack secret {id}, so notices are not posted")),
        }
    }
    if !notes.is_empty() {
        eprintln!(
            "autofix: stack {:?} not fully found in account {account}: {}.",
            g.stack_name,
            notes.join("; ")
        );
    }
    Ok(Stack {
        sdk,
        settings_table,
        ledger_table,
        slack_secret,
        slack,
        account,
        caller,
    })
}

async fn find_table(
    clients: &Clients,
    explicit: Option<&str>,
    default: &str,
    notes: &mut Vec<String>,
) -> Result<Option<String>> {
    let name = explicit.unwrap_or(default);
    let exists = table_exists(&clients.dynamodb, name)
        .await
        .with_context(|| format!("looking for table {name}"))?;
    match (exists, explicit) {
        (true, _) => Ok(Some(name.to_string())),
        (false, Some(_)) => bail!("table {name} does not exist"),
        (false, None) => {
            notes.push(format!("no table {name}"));
            Ok(None)
        }
    }
}

pub(crate) fn config_for(
    stack: &Stack,
    family: &str,
    dry_run: bool,
    max_changes: Option<usize>,
) -> Result<FunctionConfig> {
    // No environment: the CLI's options are the configuration.
    let mut cfg = FunctionConfig::from_lookup(family, |_| None).with_context(|| format!("configuring {family}"))?;
    cfg.settings_table = stack.settings_table.clone();
    cfg.ledger_table = stack.ledger_table.clone();
    cfg.slack_secret_id = stack.slack_secret.clone();
    cfg.dry_run = dry_run;
    cfg.max_changes = max_changes;
    Ok(cfg)
}

/// The rule parameters of a run: the defaults with the `--set` overrides.
/// The rule parameters of a run: the defaults with the `--set` overrides.
fn params_of(filter: &RuleFilter) -> Result<Params> {
    let mut p = Params::default();
    for pair in &filter.sets {
        p.set_pair(pair)?;
    }
    Ok(p)
}

fn check_rules(filter: &RuleFilter) -> Result<()> {
    params_of(filter)?;
    for id in &filter.rules {
        if policy::rules::by_id(id).is_none() {
            let known: Vec<&str> = policy::rules::all().iter().map(|r| r.id()).collect();
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
    };
    let params = params_of(filter)?;
    let bar = Bar::new(!g.json, if fix { "fixing" } else { "scanning" });
    let mut reports = Vec::new();
    for (family, ids) in FAMILIES {
        if !filter.rules.is_empty() && !ids.iter().any(|id| filter.rules.iter().any(|r| r == id)) {
            continue;
        }
        let mut cfg = config_for(stack, family, dry_run, max_changes)?;
        cfg.params = params.clone();
        let mut app = stack.app(&cfg)?;
        if !filter.rules.is_empty() {
            app.rules.retain(|r| filter.rules.iter().any(|id| id == r.id()));
        }
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

pub async fn scan(g: &Global, filter: &RuleFilter) -> Result<u8> {
    check_rules(filter)?;
    let stack = discover(g, false).await?;
    let reports = sweep(g, filter, &stack, false, true, None).await?;
    output::print_scan(&reports, g.json);
    Ok(sweep_exit_code(&reports, false))
}

pub async fn fix(g: &Global, filter: &RuleFilter, dry_run: bool, max_changes: Option<usize>) -> Result<u8> {
    check_rules(filter)?;
    let stack = discover(g, true).await?;
    let reports = sweep(g, filter, &stack, true, dry_run, max_changes).await?;
    output::print_fix(&reports, g.json);
    Ok(sweep_exit_code(&reports, true))
}

pub async fn handle(g: &Global, event: &Path, family: &str, dry_run: bool) -> Result<u8> {
    if !FAMILIES.iter().any(|(f, _)| *f == family) {
        let known: Vec<&str> = FAMILIES.iter().map(|(f, _)| *f).collect();
        bail!("unknown function {family:?}; known: {}", known.join(", "));
    }
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
    for (family, ids) in FAMILIES {
        for id in *ids {
            let Some(rule) = policy::rules::by_id(id) else { continue };
            let configured = match &settings {
                Some(s) => policy::ports::SettingsStore::mode(s, id).await.ok().flatten(),
                None => None,
            };
            rows.push(output::RuleRow {
                id: id.to_string(),
                family: family.to_string(),
                title: rule.title().to_string(),
                default_mode: rule.default_mode().to_string(),
                mode: configured.map(|m| m.to_string()),
                last_action: last
                    .iter()
                    .find(|r| r.rule == *id)
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
