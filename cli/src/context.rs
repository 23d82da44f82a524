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
use policy::catalog;
use policy::params::Params;
use policy::ports::Notifier;
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
    family: policy::Family,
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
fn params_of(filter: &RuleFilter) -> Result<Params> {
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
async fn sweep(
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
    for family in catalog::families() {
        let rules = catalog::family(family);
        if !filter.rules.is_empty() && !rules.iter().any(|rule| filter.rules.iter().any(|r| r == rule.id())) {
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
        reports.push(app.executor().handle(&event).await);
    }
    bar.finish();
    Ok(reports)
}

pub async fn scan(g: &Global, filter: &RuleFilter) -> Result<u8> {
    check_rules(filter)?;
    let stack = discover(g, false).await?;
    let reports = sweep(g, filter, &stack, false, true, None).await?;
    output::print_scan(&reports, g.json);
    Ok(if reports.iter().any(|r| !r.errors.is_empty()) {
        1
    } else {
        0
    })
}

pub async fn fix(g: &Global, filter: &RuleFilter, dry_run: bool, max_changes: Option<usize>) -> Result<u8> {
    check_rules(filter)?;
    let stack = discover(g, true).await?;
    let reports = sweep(g, filter, &stack, true, dry_run, max_changes).await?;
    output::print_fix(&reports, g.json);
    Ok(if reports.iter().any(RunReport::has_failures) {
        1
    } else {
        0
    })
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
