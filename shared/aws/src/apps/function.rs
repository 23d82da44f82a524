//! The function app: the runtime every remediation Lambda shares: typed config and clients built once at
//! cold start, one handler that parses the event, runs the executor and maps the
//! result to retryable / non-retryable for the Lambda runtime.
//!
//! The function acts only in its own account (see `policy::account`). It learns that
//! account once per container, from the first invocation's function ARN, and refuses
//! a later invocation whose ARN names another account as a misconfiguration. When the
//! account can't be learned (an empty or unparsable ARN) every event is refused.
//! In organisation mode ([`org`]) it also acts in the organisation's active member
//! accounts, each through the account's member role.
use std::sync::{Arc, OnceLock};

use aws_types::SdkConfig;
use lambda_runtime::{LambdaEvent, service_fn};
use policy::account::account_from_function_arn;
use policy::memory::{MemoryLedger, MemorySettings};
use policy::ports::{ComplianceReporter, Ledger, Notifier, SettingsStore};
use policy::{AccountRefusal, AccountScope, Decision, Executor, OwnAccountError, Ports, Rule, RunReport};
use serde_json::{Value, json};
use tracing::{Instrument, error, info, info_span, warn};

use super::init_tracing;
use crate::clients::{Clients, load_sdk_config};
use crate::config::FunctionConfig;
use crate::dynamo::{DynamoLedger, DynamoSettings};
use crate::error::{ConfigError, describe_event_error};
pub use crate::error::{HandlerError, InitError};
use crate::kinds::AwsAdapter;
use crate::members::MemberRouter;
use crate::notices::queue::QueueNotifier;
use crate::slack::webhook::{LogNotifier, SlackNotifier};

/// One function's rules, ports and options; built once per container.
pub struct App {
    pub rules: Vec<Arc<dyn Rule>>,
    /// The ports for events (one resource; the event retry configuration).
    pub ports: Ports,
    /// The same ports over clients with the sweep retry configuration.
    pub sweep_ports: Ports,
    /// Run-wide options. `opts.accounts` is what the app may act in besides the account
    /// [`handler`] learns: empty for a function (it learns its own), the caller's
    /// account for the CLI (STS), which calls [`App::handle`] directly.
    pub opts: policy::ExecOptions,
    /// Where each decision's metrics line goes (EMF, standard output in Lambda);
    /// `None` (the CLI, tests that don't look): no metrics.
    pub metrics: Option<crate::metrics::MetricsSink>,
    /// The account this container runs in, learned from the first invocation's ARN
    /// (shared with the member router, which reaches it with the function's own role).
    own_account: Arc<OnceLock<String>>,
    /// Organisation mode, when on.
    pub org: Option<org::OrgState>,
    /// Organisation mode: the rules as they run in a member account, with the
    /// deployment's parameters less the central account's default keys
    /// ([`policy::org::member_params`]).
    pub member_rules: Option<Vec<Arc<dyn Rule>>>,
}

/// The Slack notifier in the secret `secret_id`: `None` when no secret is named or it
/// holds no webhook yet; an error (failing the cold start) when it can't be read.
pub async fn slack_notifier(
    clients: &Clients,
    secret_id: Option<&str>,
) -> Result<Option<Arc<dyn Notifier>>, InitError> {
    let Some(id) = secret_id else { return Ok(None) };
    match SlackNotifier::from_secret(&clients.secrets, id).await {
        Ok(slack) => Ok(slack.map(|s| Arc::new(s) as Arc<dyn Notifier>)),
        Err(source) => Err(InitError::SlackSecret {
            secret_id: id.to_string(),
            source,
        }),
    }
}

/// The account the SDK's credentials belong to, as the accounts an app may act in:
/// STS `GetCallerIdentity` (which needs no IAM permission). For a function that no
/// invocation tells its account: slack-interactions, whose requests come through a
/// function URL and whose apps are built at cold start.
pub async fn caller_accounts(clients: &Clients) -> Result<AccountScope, InitError> {
    let (account, _) = crate::clients::caller_identity(clients)
        .await
        .map_err(InitError::OwnAccount)?;
    AccountScope::own(&account).map_err(|e| {
        InitError::OwnAccount(policy::PortError::InvalidData {
            operation: "GetCallerIdentity".into(),
            reason: e.to_string(),
        })
    })
}

impl App {
    /// Build everything from the SDK configuration and the function's config.
    ///
    /// Settings and ledger are DynamoDB when their tables are configured, in memory
    /// otherwise; notices go to the notice queue when `NOTICE_QUEUE_URL` is set (to
    /// Slack directly only when the queue refuses one), else to Slack when the
    /// secret holds a webhook, to the log otherwise. A secret that is configured
    /// but can't be read fails the start
    /// (a deployment error, surfaced at once rather than hidden in every notice).
    pub async fn build(sdk: &SdkConfig, cfg: &FunctionConfig) -> Result<App, InitError> {
        let clients = Clients::new(sdk);
        let slack = slack_notifier(&clients, cfg.slack_secret_id.as_deref()).await?;
        App::assemble(&clients, cfg, slack)
    }

    /// An app from clients and a Slack notifier built once and shared (the CLI and
    /// slack-interactions hold one app per family: one secret read, not one each).
    pub fn assemble(
        clients: &Clients,
        cfg: &FunctionConfig,
        slack: Option<Arc<dyn Notifier>>,
    ) -> Result<App, InitError> {
        let rules = policy::catalog::family_with(cfg.family, &cfg.params);
        if rules.is_empty() {
            return Err(ConfigError::UnknownFamily(cfg.family.name().to_string()).into());
        }
        // Events and sweeps retry AWS calls differently (see `config::Retries`):
        // two sets of clients over one connection pool, two sets of ports.
        if cfg.settings_table.is_none() {
            warn!("SETTINGS_TABLE is not set: rule modes and exemptions come from the deployment only");
        }
        if cfg.ledger_table.is_none() {
            warn!(
                "LEDGER_TABLE is not set: ledger records are kept in memory only and idempotency holds per container"
            );
        }
        if slack.is_none() && cfg.slack_secret_id.is_none() && cfg.notice_queue_url.is_none() {
            warn!("SLACK_SECRET_ID is not set: notices are only logged");
        }
        let memory = (Arc::new(MemorySettings::default()), Arc::new(MemoryLedger::default()));
        let event_clients = clients.with_retry(&cfg.retry.event.sdk());
        let sweep_clients = clients.with_retry(&cfg.retry.sweep.sdk());
        let own_account = Arc::new(OnceLock::new());
        let mut ports = Self::ports(&event_clients, cfg, slack.clone(), &memory);
        let mut sweep_ports = Self::ports(&sweep_clients, cfg, slack, &memory);
        let org = cfg.organization.as_ref().map(|o| {
            let role = o.member_role(cfg.family.name());
            let routed = |clients: &Clients, ports: &mut Ports| {
                let router = Arc::new(MemberRouter::new(clients, &cfg.params, role.clone(), own_account.clone()));
                ports.reader = router.clone();
                ports.lister = router.clone();
                ports.remediator = router.clone();
                router
            };
            routed(&event_clients, &mut ports);
            let sweep_router = routed(&sweep_clients, &mut sweep_ports);
            info!(organization = %o.organization_id, role_prefix = %o.member_role_prefix, "organisation mode: member accounts through their roles");
            org::OrgState::new(o.clone(), ports.settings.clone(), sweep_router)
        });
        info!(
            family = %cfg.family,
            rules = ?rules.iter().map(|r| r.id()).collect::<Vec<_>>(),
            dry_run = cfg.dry_run,
            params = ?cfg.params.effective(&policy::catalog::parameters()).iter().filter(|(_, _, set)| *set).map(|(p, v, _)| format!("{p}={v}")).collect::<Vec<_>>(),
            retry = ?cfg.retry,
            "function ready"
        );
        let mut opts = cfg.exec_options();
        // Admin acts name no regional resource; their records carry the region we run in.
        opts.region = clients.sts.config().region().map(|r| r.to_string());
        Ok(App {
            rules,
            ports,
            sweep_ports,
            opts,
            metrics: None,
            own_account,
            member_rules: org
                .as_ref()
                .map(|_| policy::catalog::family_with(cfg.family, &policy::org::member_params(&cfg.params))),
            org,
        })
    }

    /// The ports over one set of clients. `memory` holds the in-process settings and
    /// ledger used when no table is configured, shared by both sets of ports.
    fn ports(
        clients: &Clients,
        cfg: &FunctionConfig,
        slack: Option<Arc<dyn Notifier>>,
        memory: &(Arc<MemorySettings>, Arc<MemoryLedger>),
    ) -> Ports {
        let aws = Arc::new(AwsAdapter::new(clients, &cfg.params));
        let settings: Arc<dyn SettingsStore> = match &cfg.settings_table {
            Some(t) => Arc::new(DynamoSettings::new(clients.dynamodb.clone(), t)),
            None => memory.0.clone(),
        };
        let ledger: Arc<dyn Ledger> = match &cfg.ledger_table {
            Some(t) => Arc::new(DynamoLedger::new(clients.dynamodb.clone(), t)),
            None => memory.1.clone(),
        };
        // With a notice queue, the notifier function posts to Slack; this function
        // posts directly only when the queue refuses a notice.
        let notifier: Arc<dyn Notifier> = match (&cfg.notice_queue_url, slack) {
            (Some(url), fallback) => Arc::new(QueueNotifier::new(clients.sqs.clone(), url, fallback)),
            (None, Some(slack)) => slack,
            (None, None) => Arc::new(LogNotifier),
        };
        Ports {
            reader: aws.clone(),
            lister: aws.clone(),
            remediator: aws,
            settings,
            ledger,
            notifier,
            reporter: config_reporter(clients, cfg),
        }
    }

    /// An app from its parts (tests give in-memory ports; one set serves events and sweeps).
    pub fn new(rules: Vec<Arc<dyn Rule>>, ports: Ports, opts: policy::ExecOptions) -> App {
        App {
            rules,
            sweep_ports: ports.clone(),
            ports,
            opts,
            metrics: None,
            own_account: Arc::new(OnceLock::new()),
            org: None,
            member_rules: None,
        }
    }

    /// The executor for events (one resource at a time), acting in `opts.accounts`.
    pub fn executor(&self) -> Executor {
        Executor::new(self.rules.clone(), self.ports.clone(), self.opts.clone())
    }

    /// The executor for `event` in `opts.accounts`: over the sweep ports for a sweep,
    /// else the event ports.
    pub fn executor_for(&self, event: &policy::Event) -> Executor {
        self.executor_in(event, self.opts.accounts.clone())
    }

    /// [`App::executor_for`] within `accounts` (e.g. those [`App::learn_account`] gave).
    pub fn executor_in(&self, event: &policy::Event, accounts: AccountScope) -> Executor {
        let ports = if event.is_sweep() {
            self.sweep_ports.clone()
        } else {
            self.ports.clone()
        };
        let mut opts = self.opts.clone();
        opts.accounts = accounts;
        // A member account's resources are judged with the member rules (no central key).
        let rules = match (&self.member_rules, self.own_account.get()) {
            (Some(member), Some(own)) if event.account != *own => member.clone(),
            _ => self.rules.clone(),
        };
        Executor::new(rules, ports, opts)
    }

    /// Handle one payload in the accounts of `opts.accounts` (the CLI, which learned
    /// its account from STS): parse, decide and act, summarise. Never panics on any
    /// payload. The Lambda runtime calls [`handler`], which learns the account first.
    pub async fn handle(&self, payload: Value) -> Result<Value, HandlerError> {
        if org::is_sqs(&payload) {
            return self.handle_sweep_messages(payload, self.opts.accounts.clone()).await;
        }
        let event = parse_event(payload)?;
        self.decide(&event, self.opts.accounts.clone()).await
    }

    /// The accounts this invocation may act in: `opts.accounts` and the container's
    /// own account, learned from the first invocation's function ARN and confirmed by
    /// every later one.
    pub fn learn_account(&self, invoked_function_arn: &str) -> Result<AccountScope, OwnAccountError> {
        let account = account_from_function_arn(invoked_function_arn)?;
        let learned = self.own_account.get_or_init(|| {
            info!(account = %account, "learned the function's own account from its ARN");
            account.clone()
        });
        if *learned != account {
            return Err(OwnAccountError::Changed {
                learned: learned.clone(),
                now: account,
            });
        }
        self.opts.accounts.clone().with(learned)
    }

    /// The central account, when known otherwise than by an invocation (the CLI: STS):
    /// in organisation mode its resources are reached with the app's own credentials.
    pub fn set_own_account(&self, account: &str) {
        let _ = self.own_account.set(account.to_string());
    }

    /// Whether a member account's role can be assumed in `region` (organisation mode;
    /// always `Ok` otherwise).
    pub async fn reach_member(&self, account: &str, region: &str) -> Result<(), policy::PortError> {
        match &self.org {
            Some(org) => org.reach(account, region).await,
            None => Ok(()),
        }
    }

    /// Run the executor on a parsed event within `accounts` (in organisation mode,
    /// those and the registry's active accounts), and map its report.
    async fn decide(&self, event: &policy::Event, accounts: AccountScope) -> Result<Value, HandlerError> {
        let executor = self.org_executor(event, accounts).await?;
        let report = executor.handle(event).await;
        if let Some(metrics) = &self.metrics {
            metrics.decisions(&report, event, (self.opts.clock)());
        }
        // The executor logged the refusal (event id, accounts, reason).
        if let Some(refusal) = report.refused {
            return Err(HandlerError::Refused {
                event_id: report.event_id,
                refusal,
            });
        }
        let summary = summary(&report);
        outcome(&report).map(|()| summary)
    }
}

/// Parse a payload, logging an unusable one without quoting it.
fn parse_event(payload: Value) -> Result<policy::Event, HandlerError> {
    policy::Event::parse(&payload).map_err(|e| {
        // Never log the payload: it may hold data; nor serde's message, which may quote it.
        error!(error = %describe_event_error(&e), "unusable event; nothing changed");
        HandlerError::BadEvent(e)
    })
}

/// The Lambda handler: learn (or confirm) the function's own account from the invoked
/// function ARN, then [`App::handle`] the payload within it. An event arriving while the
/// account is unknown is refused (fail closed).
pub async fn handler(event: LambdaEvent<Value>, app: &App) -> Result<Value, HandlerError> {
    let LambdaEvent { payload, context } = event;
    let span = info_span!("invocation", request_id = %context.request_id);
    async move {
        if org::is_sqs(&payload) {
            let accounts = app.learn_account(&context.invoked_function_arn).map_err(|e| {
                error!(error = %e, "refused: the function does not know its own account; nothing read or changed");
                HandlerError::Refused {
                    event_id: context.request_id.clone(),
                    refusal: AccountRefusal::OwnAccountUnknown(e),
                }
            })?;
            return app.handle_sweep_messages(payload, accounts).await;
        }
        let event = parse_event(payload)?;
        let accounts = app.learn_account(&context.invoked_function_arn).map_err(|e| {
            error!(event_id = %event.id, error = %e, "refused: the function does not know its own account; nothing read or changed");
            HandlerError::Refused {
                event_id: event.id.clone(),
                refusal: AccountRefusal::OwnAccountUnknown(e),
            }
        })?;
        app.decide(&event, accounts).await
    }
    .instrument(span)
    .await
}

/// Whether a decision counts as a failure of the invocation: a change failed or
/// wasn't verified. `CannotJudge` and `Limited` are reported (recorded, notified)
/// but are not errors: running the event again would decide the same.
fn is_failure(d: &Decision) -> bool {
    d.outcome.class().fails_invocation
}

/// The invocation's result for Lambda: retryable when any failure may pass on a retry.
fn outcome(report: &RunReport) -> Result<(), HandlerError> {
    let failed: Vec<&Decision> = report.decisions.iter().filter(|d| is_failure(d)).collect();
    if failed.is_empty() && report.errors.is_empty() {
        return Ok(());
    }
    let mut parts: Vec<String> = failed
        .iter()
        .take(5)
        .map(|d| {
            format!(
                "{} {}: {}{}",
                d.rule,
                d.resource,
                d.outcome,
                d.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
            )
        })
        .collect();
    if failed.len() > 5 {
        parts.push(format!("and {} more", failed.len() - 5));
    }
    parts.extend(report.errors.iter().cloned());
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let summary = format!(
        "{} of {} failed, {}: {}",
        failed.len(),
        plural(report.decisions.len(), "decision", "decisions"),
        plural(report.errors.len(), "run error", "run errors"),
        parts.join("; ")
    );
    if report.retryable {
        Err(HandlerError::Retryable { summary })
    } else {
        Err(HandlerError::Failed { summary })
    }
}

/// The JSON the handler returns: what was decided, per (rule, resource).
pub fn summary(report: &RunReport) -> Value {
    let decisions: Vec<Value> = report
        .decisions
        .iter()
        .map(|d| {
            json!({
                "rule": d.rule,
                "resource": d.resource.arn(),
                "outcome": d.outcome,
                "mode": d.mode,
                "ledger_id": d.ledger_id,
                "findings": d.findings,
                "changes": d.plan.descriptions(),
                "error": d.error,
            })
        })
        .collect();
    json!({
        "event_id": report.event_id,
        "ignored": report.ignored,
        "decisions": decisions,
        "errors": report.errors,
    })
}

/// AWS Config's `PutEvaluations`, for the custom Config rules that invoke the function.
#[cfg(feature = "config")]
fn config_reporter(clients: &Clients, cfg: &FunctionConfig) -> Arc<dyn ComplianceReporter> {
    Arc::new(crate::config_reporter::ConfigReporter::new(
        clients.config.clone(),
        cfg.config_test_mode,
    ))
}

/// Built without AWS Config (no rule of the function deploys a custom Config rule,
/// so none invokes it): an invocation that does is answered with an error.
#[cfg(not(feature = "config"))]
fn config_reporter(_: &Clients, _: &FunctionConfig) -> Arc<dyn ComplianceReporter> {
    Arc::new(NoConfig)
}

#[cfg(not(feature = "config"))]
struct NoConfig;

#[cfg(not(feature = "config"))]
#[async_trait::async_trait]
impl ComplianceReporter for NoConfig {
    async fn put_evaluations(&self, _: &str, _: &[policy::ports::Evaluation]) -> Result<(), policy::PortError> {
        Err(policy::PortError::Unsupported(
            "this function is built without AWS Config (cargo feature config of hipaa-aws): no custom Config rule should invoke it".into(),
        ))
    }
}

/// The whole life of a function: tracing, SDK config, typed config, ports, then
/// the Lambda runtime loop. A failure before the loop (bad configuration, an
/// unreadable secret, no credentials) is reported to the Lambda Runtime API's
/// `/init/error` ([`crate::startup`]) and ends the process with an error.
pub async fn run(family: policy::Family) -> Result<(), lambda_runtime::Error> {
    init_tracing(true);
    let app = crate::startup::start(family.name(), async {
        let sdk = load_sdk_config().await;
        let cfg = FunctionConfig::from_env(family)?;
        let mut app = App::build(&sdk, &cfg).await?;
        app.metrics = Some(crate::metrics::MetricsSink::stdout(&cfg.metrics_namespace));
        Ok::<_, InitError>(app)
    })
    .await?;
    let app = Arc::new(app);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        let app = Arc::clone(&app);
        async move { handler(ev, &app).await }
    }))
    .await
}

pub mod org;
#[cfg(test)]
mod tests;
