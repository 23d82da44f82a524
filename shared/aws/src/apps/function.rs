//! The function app: the runtime every remediation Lambda shares: typed config and clients built once at
//! cold start, one handler that parses the event, runs the executor and maps the
//! result to retryable / non-retryable for the Lambda runtime.
//!
//! The function acts only in its own account (see `policy::account`). It learns that
//! account once per container, from the first invocation's function ARN, and refuses
//! a later invocation whose ARN names another account as a misconfiguration. When the
//! account can't be learned (an empty or unparsable ARN) every event is refused.
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
    /// The account this container runs in, learned from the first invocation's ARN.
    own_account: OnceLock<String>,
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
        let ports = Self::ports(&event_clients, cfg, slack.clone(), &memory);
        let sweep_ports = Self::ports(&sweep_clients, cfg, slack, &memory);
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
            own_account: OnceLock::new(),
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
        let aws = Arc::new(AwsAdapter::new(clients));
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
            own_account: OnceLock::new(),
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
        Executor::new(self.rules.clone(), ports, opts)
    }

    /// Handle one payload in the accounts of `opts.accounts` (the CLI, which learned
    /// its account from STS): parse, decide and act, summarise. Never panics on any
    /// payload. The Lambda runtime calls [`handler`], which learns the account first.
    pub async fn handle(&self, payload: Value) -> Result<Value, HandlerError> {
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

    /// Run the executor on a parsed event within `accounts`, and map its report.
    async fn decide(&self, event: &policy::Event, accounts: AccountScope) -> Result<Value, HandlerError> {
        let report = self.executor_in(event, accounts).handle(event).await;
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
        App::build(&sdk, &cfg).await
    })
    .await?;
    let app = Arc::new(app);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        let app = Arc::clone(&app);
        async move { handler(ev, &app).await }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::ResourceRef;
    use policy::memory::{RecordingNotifier, RecordingReporter};
    use policy::ports::{Remediator, ResourceLister, ResourceReader};
    use policy::{Action, PortError};
    use policy::{Facet, ResourceKind, Snapshot};

    /// A reader that fails every read the way the test says.
    struct Failing(fn() -> PortError);

    #[async_trait::async_trait]
    impl ResourceReader for Failing {
        async fn fill(&self, _: &ResourceRef, _: &mut Snapshot, _: &[Facet]) -> Result<(), PortError> {
            Err((self.0)())
        }
    }
    #[async_trait::async_trait]
    impl ResourceLister for Failing {
        async fn list(&self, _: ResourceKind, _: &str, _: &str) -> Result<Vec<policy::ports::Listed>, PortError> {
            Err((self.0)())
        }
    }
    #[async_trait::async_trait]
    impl Remediator for Failing {
        async fn apply(&self, _: &ResourceRef, _: &Action) -> Result<(), PortError> {
            Err((self.0)())
        }
    }

    const OURS: &str = "123456789012";
    const THEIRS: &str = "210987654321";

    /// The app as the CLI holds it: acting in our account (`opts.accounts`).
    fn app(f: fn() -> PortError) -> App {
        let mut a = app_without_account(f);
        a.opts.accounts = AccountScope::own(OURS).unwrap_or_else(|e| panic!("{e}"));
        a
    }

    /// The app as a function builds it: its account is learned by [`handler`].
    fn app_without_account(f: fn() -> PortError) -> App {
        let port = Arc::new(Failing(f));
        App::new(
            policy::catalog::family(policy::family::S3_PUBLIC_ACCESS),
            Ports {
                reader: port.clone(),
                lister: port.clone(),
                remediator: port,
                settings: Arc::new(MemorySettings::default()),
                ledger: Arc::new(MemoryLedger::default()),
                notifier: Arc::new(RecordingNotifier::default()),
                reporter: Arc::new(RecordingReporter::default()),
            },
            policy::ExecOptions::default(),
        )
    }

    fn lambda_context(function_arn: &str) -> lambda_runtime::Context {
        let mut c = lambda_runtime::Context::default();
        c.invoked_function_arn = function_arn.to_string();
        c
    }

    fn function_arn(account: &str) -> String {
        format!("arn:aws:lambda:us-east-1:{account}:function:hipaa-autofix-s3-public-access")
    }

    fn cloudtrail_put_bucket_acl() -> Value {
        json!({
            "version": "0", "id": "ev-1", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.s3", "account": "123456789012", "time": "2025-01-01T00:00:00Z",
            "region": "us-east-1", "resources": [],
            "detail": {
                "eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl",
                "awsRegion": "us-east-1", "eventTime": "2025-01-01T00:00:00Z",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
                "requestParameters": {"bucketName": "b"}
            }
        })
    }

    fn throttled() -> PortError {
        PortError::Throttled {
            operation: "GetPublicAccessBlock".into(),
            source: "slow down".into(),
        }
    }
    fn denied() -> PortError {
        PortError::AccessDenied {
            operation: "GetPublicAccessBlock".into(),
            source: "no".into(),
        }
    }
    fn gone() -> PortError {
        PortError::NotFound {
            what: "bucket b".into(),
        }
    }

    #[tokio::test]
    async fn payloads_that_are_not_events_are_bad_events() {
        let a = app(gone);
        for p in [
            json!(null),
            json!(42),
            json!("secret patient name"),
            json!([1, 2]),
            json!({}),
            json!({"detail-type": 1, "source": {}}),
            json!({"invokingEvent": "{", "resultToken": "t", "configRuleName": "r"}),
            json!({"invokingEvent": 5, "resultToken": "t"}),
        ] {
            match a.handle(p.clone()).await {
                Err(e @ HandlerError::BadEvent(_)) => {
                    assert!(!e.is_retryable());
                    assert!(!e.to_string().contains("patient"), "{e}");
                }
                other => panic!("{p}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn throttled_reads_make_the_invocation_retryable() {
        let e = app(throttled).handle(cloudtrail_put_bucket_acl()).await;
        assert!(matches!(e, Err(HandlerError::Retryable { .. })), "{e:?}");
    }

    #[tokio::test]
    async fn access_denied_fails_the_invocation_for_good() {
        let e = app(denied).handle(cloudtrail_put_bucket_acl()).await;
        assert!(matches!(e, Err(HandlerError::Failed { .. })), "{e:?}");
    }

    #[tokio::test]
    async fn a_gone_bucket_is_a_quiet_success_with_a_summary() {
        let v = app(gone)
            .handle(cloudtrail_put_bucket_acl())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["event_id"], "ev-1");
        assert_eq!(v["decisions"][0]["outcome"], "gone");
        assert_eq!(v["decisions"][0]["resource"], "arn:aws:s3:::b");
        assert!(v["errors"].as_array().is_some_and(Vec::is_empty));
    }

    #[tokio::test]
    async fn the_handler_takes_a_lambda_event() {
        let ev = LambdaEvent::new(cloudtrail_put_bucket_acl(), lambda_context(&function_arn(OURS)));
        assert!(handler(ev, &app_without_account(gone)).await.is_ok());
    }

    // -- the account gate ------------------------------------------------------

    /// Every port, counting each call: a refused event must make none.
    #[derive(Default)]
    struct Tripwire {
        calls: std::sync::atomic::AtomicUsize,
        notifier: RecordingNotifier,
        reporter: RecordingReporter,
    }

    impl Tripwire {
        fn hit(&self) -> PortError {
            self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            PortError::Unsupported("tripwire".into())
        }
        fn calls(&self) -> usize {
            self.calls.load(std::sync::atomic::Ordering::SeqCst)
                + self.notifier.notices().len()
                + self.reporter.calls().len()
        }
    }

    #[async_trait::async_trait]
    impl ResourceReader for Tripwire {
        async fn fill(&self, _: &ResourceRef, _: &mut Snapshot, _: &[Facet]) -> Result<(), PortError> {
            Err(self.hit())
        }
    }
    #[async_trait::async_trait]
    impl ResourceLister for Tripwire {
        async fn list(&self, _: ResourceKind, _: &str, _: &str) -> Result<Vec<policy::ports::Listed>, PortError> {
            Err(self.hit())
        }
    }
    #[async_trait::async_trait]
    impl Remediator for Tripwire {
        async fn apply(&self, _: &ResourceRef, _: &Action) -> Result<(), PortError> {
            Err(self.hit())
        }
    }
    #[async_trait::async_trait]
    impl SettingsStore for Tripwire {
        async fn mode(&self, _: &str) -> Result<Option<policy::Mode>, PortError> {
            Err(self.hit())
        }
        async fn exemption(&self, _: &str, _: &str) -> Result<Option<policy::settings::Exemption>, PortError> {
            Err(self.hit())
        }
    }
    #[async_trait::async_trait]
    impl Ledger for Tripwire {
        async fn claim(&self, _: &str) -> Result<bool, PortError> {
            Err(self.hit())
        }
        async fn release(&self, _: &str) -> Result<(), PortError> {
            Err(self.hit())
        }
        async fn record(&self, _: &policy::LedgerRecord) -> Result<(), PortError> {
            Err(self.hit())
        }
        async fn get(&self, _: &str) -> Result<Option<policy::LedgerRecord>, PortError> {
            Err(self.hit())
        }
        async fn list(&self) -> Result<Vec<policy::LedgerRecord>, PortError> {
            Err(self.hit())
        }
    }
    #[async_trait::async_trait]
    impl Notifier for Tripwire {
        async fn notify(&self, n: &policy::notice::Notice) -> Result<(), PortError> {
            self.notifier.notify(n).await
        }
    }
    #[async_trait::async_trait]
    impl policy::ports::ComplianceReporter for Tripwire {
        async fn put_evaluations(&self, t: &str, e: &[policy::ports::Evaluation]) -> Result<(), PortError> {
            self.reporter.put_evaluations(t, e).await
        }
    }

    /// An app for `family` whose every port is the tripwire.
    fn tripwired(family: &str, accounts: AccountScope) -> (App, Arc<Tripwire>) {
        let t = Arc::new(Tripwire::default());
        let opts = policy::ExecOptions {
            accounts,
            ..Default::default()
        };
        let app = App::new(
            policy::catalog::family(
                policy::catalog::family_by_name(family).unwrap_or_else(|| panic!("no family {family}")),
            ),
            Ports {
                reader: t.clone(),
                lister: t.clone(),
                remediator: t.clone(),
                settings: t.clone(),
                ledger: t.clone(),
                notifier: t.clone(),
                reporter: t.clone(),
            },
            opts,
        );
        (app, t)
    }

    fn with_accounts(mut v: Value, envelope: &str, recipient: &str) -> Value {
        v["account"] = json!(envelope);
        v["detail"]["recipientAccountId"] = json!(recipient);
        v
    }

    fn iam_update_access_key(account: &str) -> Value {
        json!({
            "version": "0", "id": "ev-iam", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.iam", "account": account, "time": "2025-01-01T00:00:00Z", "region": "us-east-1",
            "resources": [],
            "detail": {
                "eventSource": "iam.amazonaws.com", "eventName": "UpdateAccessKey", "awsRegion": "us-east-1",
                "recipientAccountId": account,
                "userIdentity": {"type": "IAMUser", "accountId": account, "arn": format!("arn:aws:iam::{account}:user/bob")},
                "requestParameters": {"userName": "bob", "accessKeyId": "AKIAEXAMPLE", "status": "Active"}
            }
        })
    }

    fn config_invocation(account: &str) -> Value {
        let inv = json!({"messageType": "ConfigurationItemChangeNotification",
                         "configurationItem": {"resourceType": "AWS::S3::Bucket", "resourceId": "b", "resourceName": "b",
                                               "awsAccountId": account, "awsRegion": "us-east-1"}});
        json!({"invokingEvent": inv.to_string(), "resultToken": "token",
               "configRuleName": "hipaa-autofix-s3-bucket-public-access", "accountId": account,
               "configRuleArn": format!("arn:aws:config:us-east-1:{account}:config-rule/config-rule-1"),
               "eventLeftScope": false})
    }

    fn compliance_change(account: &str) -> Value {
        json!({"version": "0", "id": "ev-cc", "detail-type": "Config Rules Compliance Change", "source": "aws.config",
               "account": account, "time": "2025-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
               "detail": {"resourceId": "b", "resourceType": "AWS::S3::Bucket", "awsRegion": "us-east-1",
                          "awsAccountId": account, "configRuleName": "s3-bucket-public-read-prohibited",
                          "newEvaluationResult": {"complianceType": "NON_COMPLIANT"}}})
    }

    fn refused(r: Result<Value, HandlerError>) -> (HandlerError, AccountRefusal) {
        match r {
            Err(e @ HandlerError::Refused { .. }) => {
                let HandlerError::Refused { refusal, .. } = &e else {
                    unreachable!()
                };
                let refusal = refusal.clone();
                (e, refusal)
            }
            other => panic!("not refused: {other:?}"),
        }
    }

    #[tokio::test]
    async fn events_about_another_account_are_refused_before_any_port_is_called() {
        let ours = AccountScope::own(OURS).unwrap_or_else(|e| panic!("{e}"));
        for (family, payload) in [
            (
                "s3-public-access",
                with_accounts(cloudtrail_put_bucket_acl(), THEIRS, THEIRS),
            ),
            (
                "s3-public-access",
                with_accounts(cloudtrail_put_bucket_acl(), OURS, THEIRS),
            ),
            (
                "s3-public-access",
                with_accounts(cloudtrail_put_bucket_acl(), THEIRS, OURS),
            ),
            ("iam-access-keys", iam_update_access_key(THEIRS)),
            ("s3-public-access", config_invocation(THEIRS)),
            ("s3-public-access", compliance_change(THEIRS)),
        ] {
            let (app, trip) = tripwired(family, ours.clone());
            let (e, refusal) = refused(app.handle(payload.clone()).await);
            assert!(
                matches!(refusal, AccountRefusal::Foreign { .. }),
                "{payload}: {refusal:?}"
            );
            assert_eq!(e.error_type(), "ForeignAccount");
            assert!(!e.is_retryable());
            let msg = e.to_string();
            assert!(
                msg.contains(THEIRS) && msg.contains(OURS) && msg.contains("nothing was read or changed"),
                "{msg}"
            );
            assert_eq!(trip.calls(), 0, "{payload}: a port was called for a refused event");
        }
    }

    #[tokio::test]
    async fn a_caller_from_another_account_acting_on_our_bucket_is_handled() {
        let mut v = cloudtrail_put_bucket_acl();
        v["detail"]["recipientAccountId"] = json!(OURS);
        v["detail"]["userIdentity"] = json!({"type": "AssumedRole", "accountId": THEIRS,
            "arn": format!("arn:aws:sts::{THEIRS}:assumed-role/VendorDeploy/ci")});
        let out = app(gone).handle(v).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out["decisions"][0]["outcome"], "gone");
    }

    #[tokio::test]
    async fn the_handler_learns_its_account_from_the_function_arn_once() {
        let a = app_without_account(gone);
        let ours = |v: Value| LambdaEvent::new(v, lambda_context(&function_arn(OURS)));
        assert!(handler(ours(cloudtrail_put_bucket_acl()), &a).await.is_ok());
        // An event about another account, to the same container: refused.
        let (e, _) = refused(handler(ours(with_accounts(cloudtrail_put_bucket_acl(), THEIRS, THEIRS)), &a).await);
        assert_eq!(e.error_type(), "ForeignAccount");
        // An invocation whose ARN names another account: a misconfiguration, refused,
        // even for an event about that other account.
        let theirs = LambdaEvent::new(
            with_accounts(cloudtrail_put_bucket_acl(), THEIRS, THEIRS),
            lambda_context(&function_arn(THEIRS)),
        );
        let (e, refusal) = refused(handler(theirs, &a).await);
        assert_eq!(e.error_type(), "OwnAccountUnknown");
        assert!(
            matches!(&refusal, AccountRefusal::OwnAccountUnknown(OwnAccountError::Changed { learned, now })
                if learned == OURS && now == THEIRS),
            "{refusal:?}"
        );
        // The container still acts in its own account.
        assert!(handler(ours(cloudtrail_put_bucket_acl()), &a).await.is_ok());
    }

    #[tokio::test]
    async fn without_a_usable_function_arn_every_event_is_refused() {
        for arn in ["", "not-an-arn", "arn:aws:lambda:us-east-1:12345:function:f"] {
            let (a, trip) = tripwired("s3-public-access", AccountScope::default());
            let ev = LambdaEvent::new(cloudtrail_put_bucket_acl(), lambda_context(arn));
            let (e, refusal) = refused(handler(ev, &a).await);
            assert!(refusal.is_own_account_unknown(), "{arn:?}: {refusal:?}");
            assert_eq!(e.error_type(), "OwnAccountUnknown");
            assert!(!e.is_retryable());
            assert!(e.to_string().contains("does not know which AWS account"), "{e}");
            assert_eq!(trip.calls(), 0);
        }
    }

    #[tokio::test]
    async fn an_app_that_was_never_told_its_account_refuses_every_event() {
        let (a, trip) = tripwired("s3-public-access", AccountScope::default());
        let (_, refusal) = refused(a.handle(cloudtrail_put_bucket_acl()).await);
        assert_eq!(refusal, AccountRefusal::OwnAccountUnknown(OwnAccountError::NotLearned));
        assert_eq!(trip.calls(), 0);
    }

    #[tokio::test]
    async fn an_undo_of_a_record_about_another_account_is_refused_before_any_read() {
        let ours = AccountScope::own(OURS).unwrap_or_else(|e| panic!("{e}"));
        let (a, trip) = tripwired("iam-access-keys", ours);
        let target = ResourceRef::iam_user("bob", THEIRS, "us-east-1");
        let record = policy::LedgerRecord {
            id: "rec-1".into(),
            time: chrono::Utc::now(),
            rule: "iam-access-key-rotated".into(),
            resource: target.arn(),
            target: Some(target),
            account: THEIRS.into(),
            region: "us-east-1".into(),
            event_id: "ev-1".into(),
            event_time: None,
            trigger: "CloudTrail UpdateAccessKey".into(),
            actor: None,
            mode: policy::Mode::Auto,
            outcome: policy::Outcome::Fixed,
            dry_run: false,
            findings: vec![],
            actions: vec![
                policy::kinds::iam_user::DeactivateAccessKey {
                    user: "bob".into(),
                    key_id: "AKIAEXAMPLE".into(),
                }
                .into(),
            ],
            before: None,
            after: None,
            verified: true,
            notes: vec![],
            error: None,
        };
        match a.executor().undo(&record, "test").await {
            Err(policy::executor::UndoError::Refused(AccountRefusal::Foreign { account, .. })) => {
                assert_eq!(account, THEIRS)
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(trip.calls(), 0);
    }

    #[test]
    fn a_refused_event_reaches_lambda_as_its_own_error_type() {
        let e = HandlerError::Refused {
            event_id: "ev-1".into(),
            refusal: AccountRefusal::Foreign {
                what: "account".into(),
                account: THEIRS.into(),
                ours: OURS.into(),
            },
        };
        let d = lambda_runtime::Diagnostic::from(e);
        assert_eq!(d.error_type, "ForeignAccount");
        assert!(d.error_message.contains("ev-1") && d.error_message.contains(THEIRS));
    }
}
