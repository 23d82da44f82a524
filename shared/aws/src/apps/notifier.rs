//! The notifier app: the `notifier` function delivers the notices the remediation
//! functions queue (SQS FIFO) to Slack, with partial batch failures (see
//! [`crate::notices`]).
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use aws_types::SdkConfig;
use lambda_runtime::{LambdaEvent, service_fn};
use tracing::{Instrument, info, info_span, warn};

use super::init_tracing;
use crate::clients::load_sdk_config;
use crate::error::{ConfigError, InitError};
use crate::metrics::MetricsSink;
use crate::notices::delivery::*;
use crate::notices::findings::{FindingsOut, security_hub};
use crate::notices::repeats::*;
use crate::slack::webhook::SlackNotifier;

/// What the `notifier` function's role must allow, and nothing more (the template
/// meta-test checks its role against this list):
/// * the SQS event source mapping polls the notice queue with the function's role
///   (`ReceiveMessage`, `DeleteMessage`, `GetQueueAttributes`);
/// * the repeat counters in the ledger table ([`DynamoRepeats`]: `GetItem`,
///   `PutItem`, `UpdateItem`);
/// * the Slack webhook secret, read once at cold start;
/// * the stack key behind the queue, the table, the secret and the environment;
/// * its own log group.
pub const PERMISSIONS: &[&str] = &[
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

/// What the role must also allow with `SecurityHubIntegration=true` (a statement
/// under the template's `SecurityHubIntegrationOn` condition): read the findings of
/// a notice's resource, and set their workflow status and note
/// ([`crate::notices::findings`]).
pub const SECURITY_HUB_PERMISSIONS: &[&str] = &["securityhub:GetFindings", "securityhub:BatchUpdateFindings"];

/// The time budget of an invocation whose context has no deadline (a test's
/// `Context::default()`).
const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

/// Time kept back from the invocation's deadline to answer the runtime.
const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

/// The notifier function's configuration, read once at cold start.
///
/// | variable                     | meaning                                              | default |
/// |------------------------------|------------------------------------------------------|---------|
/// | `SLACK_SECRET_ID`            | Secrets Manager secret holding the Slack webhook URL | notices are logged |
/// | `LEDGER_TABLE`               | the ledger table, for repeat counters                | no grouping |
/// | `NOTICE_REPEAT_WINDOW_HOURS` | repeats within this many hours are grouped (0: never) | `24` |
/// | `METRICS_NAMESPACE`          | the namespace of the `SlackDeliveryFailures` metric   | `hipaa-autofix` |
/// | `SECURITY_HUB_INTEGRATION`   | `true`: bring Security Hub findings in line with each notice | `false` |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierConfig {
    pub slack_secret_id: Option<String>,
    pub ledger_table: Option<String>,
    pub repeat_window: Duration,
    /// The CloudWatch namespace of the `SlackDeliveryFailures` metric (`METRICS_NAMESPACE`).
    pub metrics_namespace: String,
    /// Whether notices update Security Hub findings (`SECURITY_HUB_INTEGRATION`).
    pub security_hub_integration: bool,
}

impl NotifierConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read the configuration through `lookup`; an empty value counts as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let repeat_window = match get("NOTICE_REPEAT_WINDOW_HOURS") {
            None => DEFAULT_REPEAT_WINDOW,
            Some(v) => match v.parse::<u64>() {
                Ok(h) if h <= 24 * 366 => Duration::from_secs(h * 3600),
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "NOTICE_REPEAT_WINDOW_HOURS".into(),
                        reason: format!("{v:?} is not a whole number of hours from 0 to 8784"),
                    });
                }
            },
        };
        let security_hub_integration = match get("SECURITY_HUB_INTEGRATION").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(v) => {
                return Err(ConfigError::Invalid {
                    var: "SECURITY_HUB_INTEGRATION".into(),
                    reason: format!("{v:?} is neither true nor false"),
                });
            }
        };
        Ok(NotifierConfig {
            security_hub_integration,
            slack_secret_id: get("SLACK_SECRET_ID"),
            ledger_table: get("LEDGER_TABLE"),
            repeat_window,
            metrics_namespace: get("METRICS_NAMESPACE")
                .unwrap_or_else(|| policy::metrics::DEFAULT_NAMESPACE.to_string()),
        })
    }
}

/// The notifier function: built once per container.
#[derive(Debug)]
pub struct NotifierApp {
    pub deliverer: Deliverer,
    /// Where the `SlackDeliveryFailures` metric line goes (standard output in Lambda).
    pub metrics: Option<MetricsSink>,
    /// Where findings are brought in line with each notice (`SECURITY_HUB_INTEGRATION`).
    pub findings: Option<Arc<dyn FindingsOut>>,
}

impl NotifierApp {
    /// Read the webhook secret, set up the counters. An empty or placeholder
    /// secret logs notices instead (with a warning): nothing to deliver to, and
    /// nothing to gain by failing every batch until someone fills it in.
    pub async fn build(sdk: &SdkConfig, cfg: &NotifierConfig) -> Result<NotifierApp, InitError> {
        let poster: Arc<dyn Poster> = match &cfg.slack_secret_id {
            Some(id) => {
                let secrets = aws_sdk_secretsmanager::Client::new(sdk);
                match SlackNotifier::from_secret(&secrets, id).await {
                    Ok(Some(w)) => Arc::new(w),
                    Ok(None) => {
                        warn!(
                            secret_id = %id,
                            "the Slack secret holds no webhook URL (empty or a placeholder); notices will only be logged"
                        );
                        Arc::new(LogPoster)
                    }
                    Err(source) => {
                        return Err(InitError::SlackSecret {
                            secret_id: id.clone(),
                            source,
                        });
                    }
                }
            }
            None => {
                warn!("SLACK_SECRET_ID is not set: notices are only logged");
                Arc::new(LogPoster)
            }
        };
        let repeats: Option<Arc<dyn RepeatStore>> = match &cfg.ledger_table {
            Some(t) if !cfg.repeat_window.is_zero() => {
                Some(Arc::new(DynamoRepeats::new(aws_sdk_dynamodb::Client::new(sdk), t)))
            }
            Some(_) => None,
            None => {
                warn!("LEDGER_TABLE is not set: repeated notices are not grouped");
                None
            }
        };
        let findings = if cfg.security_hub_integration {
            security_hub(sdk)
        } else {
            None
        };
        info!(
            security_hub = findings.is_some(),
            grouping = repeats.is_some(),
            window_hours = cfg.repeat_window.as_secs() / 3600,
            "notifier ready"
        );
        Ok(NotifierApp {
            deliverer: Deliverer {
                poster,
                repeats,
                policy: RetryPolicy::default(),
                window: cfg.repeat_window,
            },
            metrics: None,
            findings,
        })
    }

    /// Deliver one batch; the messages to redeliver are its `batchItemFailures`.
    pub async fn handle(&self, event: &SqsEvent, deadline: Instant) -> SqsBatchResponse {
        let outcome = self.deliverer.deliver_batch(&event.records, deadline).await;
        if let Some(findings) = &self.findings {
            sync_findings(findings.as_ref(), &outcome.delivered).await;
        }
        if let Some(metrics) = &self.metrics {
            metrics.slack_delivery_failures(outcome.slack_failures, chrono::Utc::now());
        }
        let mut response = SqsBatchResponse::default();
        response.set_failures(outcome.failed);
        response
    }
}

/// Bring Security Hub in line with the notices of a batch that were delivered (a
/// failed one comes back, and is synced then). A failure is logged: the notice stands.
async fn sync_findings(findings: &dyn FindingsOut, delivered: &[policy::notice::Notice]) {
    for notice in delivered {
        if let Err(e) = findings.sync(notice).await {
            warn!(error = %e, rule = %notice.rule, resource = %notice.resource, ledger_id = %notice.ledger_id, "Security Hub findings not updated; the notice stands");
        }
    }
}

/// The instant to be done by: the invocation's deadline less a margin, or
/// [`DEFAULT_BUDGET`] from now when the context has none.
pub fn deadline_of(ctx: &lambda_runtime::Context) -> Instant {
    let now = Instant::now();
    if ctx.deadline == 0 {
        return now + DEFAULT_BUDGET;
    }
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let left = Duration::from_millis(ctx.deadline.saturating_sub(now_ms));
    now + left.saturating_sub(DEADLINE_MARGIN)
}

/// The Lambda handler. Never fails the whole batch: what was not delivered is
/// listed in `batchItemFailures`.
pub async fn handler(
    event: LambdaEvent<SqsEvent>,
    app: &NotifierApp,
) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let span = info_span!("invocation", request_id = %event.context.request_id);
    let deadline = deadline_of(&event.context);
    Ok(app.handle(&event.payload, deadline).instrument(span).await)
}

/// The whole life of the notifier function. A start-up failure is reported to the
/// Lambda Runtime API's `/init/error` ([`crate::startup`]).
pub async fn run() -> Result<(), lambda_runtime::Error> {
    init_tracing(true);
    let app = crate::startup::start("notifier", async {
        let sdk = load_sdk_config().await;
        let cfg = NotifierConfig::from_env()?;
        let mut app = NotifierApp::build(&sdk, &cfg).await?;
        app.metrics = Some(MetricsSink::stdout(&cfg.metrics_namespace));
        Ok::<_, InitError>(app)
    })
    .await?;
    let app = Arc::new(app);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<SqsEvent>| {
        let app = Arc::clone(&app);
        async move { handler(ev, &app).await }
    }))
    .await
}
