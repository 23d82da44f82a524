//! The function runtime every Lambda shares: typed config and clients built once at
//! cold start, one handler that parses the event, runs the executor and maps the
//! result to retryable / non-retryable for the Lambda runtime.
use std::sync::Arc;

use aws_types::SdkConfig;
use lambda_runtime::{LambdaEvent, service_fn};
use policy::executor::chain;
use policy::memory::{MemoryLedger, MemorySettings};
use policy::ports::{Ledger, Notifier, SettingsStore};
use policy::{Decision, EventError, Executor, Ports, Rule, RunReport};
use serde_json::{Value, json};
use tracing::{Instrument, error, info, info_span, warn};

use crate::clients::{Clients, load_sdk_config};
use crate::config::FunctionConfig;
use crate::config_reporter::ConfigReporter;
use crate::dynamo::{DynamoLedger, DynamoSettings};
use crate::error::ConfigError;
pub use crate::error::{HandlerError, InitError};
use crate::kinds::AwsAdapter;
use crate::notices::QueueNotifier;
use crate::slack::{LogNotifier, SlackNotifier};

/// One function's rules, ports and options; built once per container.
pub struct App {
    pub rules: Vec<Arc<dyn Rule>>,
    pub ports: Ports,
    pub opts: policy::ExecOptions,
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
        let aws = Arc::new(AwsAdapter::new(clients));

        let settings: Arc<dyn SettingsStore> = match &cfg.settings_table {
            Some(t) => Arc::new(DynamoSettings::new(clients.dynamodb.clone(), t)),
            None => {
                warn!("SETTINGS_TABLE is not set: rule modes and exemptions come from the deployment only");
                Arc::new(MemorySettings::default())
            }
        };
        let ledger: Arc<dyn Ledger> = match &cfg.ledger_table {
            Some(t) => Arc::new(DynamoLedger::new(clients.dynamodb.clone(), t)),
            None => {
                warn!(
                    "LEDGER_TABLE is not set: ledger records are kept in memory only and idempotency holds per container"
                );
                Arc::new(MemoryLedger::default())
            }
        };
        if slack.is_none() && cfg.slack_secret_id.is_none() && cfg.notice_queue_url.is_none() {
            warn!("SLACK_SECRET_ID is not set: notices are only logged");
        }
        // With a notice queue, the notifier function posts to Slack; this function
        // posts directly only when the queue refuses a notice.
        let notifier: Arc<dyn Notifier> = match (&cfg.notice_queue_url, slack) {
            (Some(url), fallback) => Arc::new(QueueNotifier::new(clients.sqs.clone(), url, fallback)),
            (None, Some(slack)) => slack,
            (None, None) => Arc::new(LogNotifier),
        };
        let ports = Ports {
            reader: aws.clone(),
            lister: aws.clone(),
            remediator: aws,
            settings,
            ledger,
            notifier,
            reporter: Arc::new(ConfigReporter::new(clients.config.clone(), cfg.config_test_mode)),
        };
        info!(
            family = %cfg.family,
            rules = ?rules.iter().map(|r| r.id()).collect::<Vec<_>>(),
            dry_run = cfg.dry_run,
            params = ?cfg.params.effective(&policy::catalog::parameters()).iter().filter(|(_, _, set)| *set).map(|(p, v, _)| format!("{p}={v}")).collect::<Vec<_>>(),
            "function ready"
        );
        Ok(App {
            rules,
            ports,
            opts: cfg.exec_options(),
        })
    }

    pub fn executor(&self) -> Executor {
        Executor::new(self.rules.clone(), self.ports.clone(), self.opts.clone())
    }

    /// Handle one payload: parse, decide and act, summarise. Never panics on any payload.
    pub async fn handle(&self, payload: Value) -> Result<Value, HandlerError> {
        let event = policy::Event::parse(&payload).map_err(|e| {
            // Never log the payload: it may hold data; nor serde's message, which may quote it.
            error!(error = %describe_event_error(&e), "unusable event; nothing changed");
            HandlerError::BadEvent(e)
        })?;
        drop(payload);
        let report = self.executor().handle(&event).await;
        let summary = summary(&report);
        outcome(&report).map(|()| summary)
    }
}

/// The Lambda handler: [`App::handle`] for one invocation.
pub async fn handler(event: LambdaEvent<Value>, app: &App) -> Result<Value, HandlerError> {
    let span = info_span!("invocation", request_id = %event.context.request_id);
    app.handle(event.payload).instrument(span).await
}

/// Describe an event error without quoting the payload (serde messages can quote
/// values, which may hold data): JSON errors give only their category and position.
pub fn describe_event_error(e: &EventError) -> String {
    match e {
        EventError::Json(j) => format!(
            "event does not have the expected shape ({:?} error at line {}, column {})",
            j.classify(),
            j.line(),
            j.column()
        ),
        other => other.to_string(),
    }
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
    let summary = format!(
        "{} of {} decision(s) failed, {} run error(s): {}",
        failed.len(),
        report.decisions.len(),
        report.errors.len(),
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

/// Structured logs: JSON lines in Lambda, plain text elsewhere. `RUST_LOG` filters
/// (default `info`). Safe to call twice.
pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

/// The whole life of a function: tracing, SDK config, typed config, ports, then
/// the Lambda runtime loop.
pub async fn run(family: policy::Family) -> Result<(), lambda_runtime::Error> {
    init_tracing(true);
    let sdk = load_sdk_config().await;
    let cfg = FunctionConfig::from_env(family).inspect_err(|e| error!(error = %chain(e), "invalid configuration"))?;
    let app = App::build(&sdk, &cfg)
        .await
        .inspect_err(|e| error!(error = %chain(e), "the function could not start"))?;
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
        async fn list(&self, _: ResourceKind, _: &str, _: &str) -> Result<Vec<ResourceRef>, PortError> {
            Err((self.0)())
        }
    }
    #[async_trait::async_trait]
    impl Remediator for Failing {
        async fn apply(&self, _: &ResourceRef, _: &Action) -> Result<(), PortError> {
            Err((self.0)())
        }
    }

    fn app(f: fn() -> PortError) -> App {
        let port = Arc::new(Failing(f));
        App {
            rules: policy::catalog::family(policy::family::S3_PUBLIC_ACCESS),
            ports: Ports {
                reader: port.clone(),
                lister: port.clone(),
                remediator: port,
                settings: Arc::new(MemorySettings::default()),
                ledger: Arc::new(MemoryLedger::default()),
                notifier: Arc::new(RecordingNotifier::default()),
                reporter: Arc::new(RecordingReporter::default()),
            },
            opts: policy::ExecOptions::default(),
        }
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
        let ev = LambdaEvent::new(cloudtrail_put_bucket_acl(), lambda_runtime::Context::default());
        assert!(handler(ev, &app(gone)).await.is_ok());
    }
}
