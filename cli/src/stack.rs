//! The deployed stack as the CLI finds it: the SDK configuration, the caller, the
//! stack's tables and Slack secret (or, said once, that there is none), and each
//! family's function built in-process against them.
use std::sync::Arc;

use adapters::apps::function::App;
use adapters::clients::{Clients, caller_identity};
use adapters::config::FunctionConfig;
use adapters::dynamo::table_exists;
use adapters::slack::SlackNotifier;
use anyhow::{Context, Result, bail};
use aws_config::BehaviorVersion;
use policy::AccountScope;
use policy::ports::Notifier;

use crate::Global;

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
    pub(crate) stack_name: String,
}

impl Stack {
    /// Whether the stack is deployed in the account: its settings or ledger table was found.
    pub(crate) fn deployed(&self) -> bool {
        self.settings_table.is_some() || self.ledger_table.is_some()
    }

    /// The stack's own resources as the defaults of the parameters left empty: its
    /// key `alias/<stack>` for `S3EncryptionKeyArn`, its
    /// `<stack>-access-logs-<account>-<region>` for `AccessLogBucket`. Without the
    /// stack they stay empty: default encryption uses `aws/s3`, and access logging
    /// is withheld until `--set AccessLogBucket=...`.
    ///
    /// An empty `TrailName` is `<stack>-trail`, as the template names the trail it
    /// creates, whether or not the stack is deployed (the name is only a name).
    pub(crate) fn fill_stack_defaults(&self, params: &mut policy::params::Params, region: &str) {
        self.fill_trail_name(params);
        if !self.deployed() {
            return;
        }
        let key = format!("arn:aws:kms:{region}:{}:alias/{}", self.account, self.stack_name);
        let logs = policy::s3::protection::stack_access_log_bucket(&self.stack_name, &self.account, region);
        policy::s3::protection::fill_stack_defaults(params, Some(&key), Some(&logs));
    }

    /// An empty `TrailName` is `<stack>-trail`.
    pub(crate) fn fill_trail_name(&self, params: &mut policy::params::Params) {
        let trail_name = policy::params::Param::Text(&policy::rules::cloudtrail_enabled::TRAIL_NAME);
        if params.value(trail_name).is_empty() {
            // A non-empty text: always accepted.
            let _ = params.set(trail_name, &format!("{}-trail", self.stack_name));
        }
    }

    /// The stack's settings table, if it has one.
    pub(crate) fn settings(&self) -> Option<adapters::dynamo::DynamoSettings> {
        self.settings_table
            .as_ref()
            .map(|t| adapters::dynamo::DynamoSettings::new(Clients::new(&self.sdk).dynamodb, t.clone()))
    }

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

pub(crate) async fn sdk_config(g: &Global) -> aws_types::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(p) = &g.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = g.region.first() {
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
    if g.security_hub {
        match adapters::notices::findings::security_hub(&sdk) {
            Some(findings) => {
                let inner = slack
                    .take()
                    .unwrap_or_else(|| Arc::new(adapters::slack::webhook::LogNotifier) as Arc<dyn Notifier>);
                slack =
                    Some(Arc::new(adapters::notices::findings::AlsoFindings { inner, findings }) as Arc<dyn Notifier>);
            }
            None => bail!("--security-hub: the Security Hub client could not start"),
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
        stack_name: g.stack_name.clone(),
    })
}

pub(crate) async fn find_table(
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
