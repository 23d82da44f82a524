//! The function in organisation mode: its account scope is the organisation's active
//! accounts (the account registry in the settings table, re-read every
//! [`REGISTRY_MAX_AGE`]), its reads and fixes in a member account go through that
//! account's member role ([`crate::members`]), and it consumes the planner's sweep
//! messages (one (account, region, family) each) from its SQS queue, reporting each
//! failed message back (`ReportBatchItemFailures`) so only that one is retried.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsEvent;
use policy::org::{Registry, SweepMessage};
use policy::ports::SettingsStore;
use policy::{AccountScope, Event, EventSource, Executor};
use serde_json::{Value, json};
use tracing::{error, info, warn};

use super::{App, HandlerError, outcome, summary};
use crate::config::OrganizationConfig;
use crate::members::MemberRouter;

/// How long a container trusts the account registry it read.
pub const REGISTRY_MAX_AGE: Duration = Duration::from_secs(5 * 60);

/// What a function keeps for organisation mode.
pub struct OrgState {
    pub config: OrganizationConfig,
    settings: Arc<dyn SettingsStore>,
    /// The sweep ports' router (sweeps probe a member's role before listing).
    sweep_router: Arc<MemberRouter>,
    registry: Mutex<Option<(Instant, Arc<Registry>)>>,
}

impl OrgState {
    pub fn new(config: OrganizationConfig, settings: Arc<dyn SettingsStore>, sweep_router: Arc<MemberRouter>) -> Self {
        OrgState {
            config,
            settings,
            sweep_router,
            registry: Mutex::new(None),
        }
    }

    /// Whether `account`'s member role can be assumed in `region`.
    pub async fn reach(&self, account: &str, region: &str) -> Result<(), policy::PortError> {
        self.sweep_router.reach(account, region).await
    }

    /// The registry, re-read when older than [`REGISTRY_MAX_AGE`]. No registry stored
    /// yet: an empty one (only the central account is in scope, and that is logged).
    async fn registry(&self) -> Result<Arc<Registry>, policy::PortError> {
        if let Some((at, r)) = self.registry.lock().ok().and_then(|g| g.clone())
            && at.elapsed() < REGISTRY_MAX_AGE
        {
            return Ok(r);
        }
        let read = self.settings.registry().await?;
        if read.is_none() {
            warn!(
                "organisation mode, but no account registry in the settings table yet (the sweep planner or `autofix accounts refresh` writes it): only the central account is in scope"
            );
        }
        let r = Arc::new(read.unwrap_or_default());
        if let Ok(mut g) = self.registry.lock() {
            *g = Some((Instant::now(), r.clone()));
        }
        Ok(r)
    }
}

/// Whether a payload is an SQS batch (the planner's sweep messages).
pub fn is_sqs(payload: &Value) -> bool {
    payload
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("eventSource"))
        .and_then(Value::as_str)
        == Some("aws:sqs")
}

impl App {
    /// The executor for `event` within `accounts`; in organisation mode also within
    /// the registry's active accounts, whose modes resolve by account and OU.
    pub(super) async fn org_executor(&self, event: &Event, accounts: AccountScope) -> Result<Executor, HandlerError> {
        let Some(org) = &self.org else {
            return Ok(self.executor_in(event, accounts));
        };
        let registry = org.registry().await.map_err(|e| {
            error!(error = %policy::executor::chain(&e), "reading the account registry failed; nothing read or changed");
            HandlerError::Retryable {
                summary: format!("reading the account registry: {}", policy::executor::chain(&e)),
            }
        })?;
        let mut scope = accounts;
        for a in registry.active() {
            scope = match scope.clone().with(&a.id) {
                Ok(s) => s,
                Err(e) => {
                    warn!(account = %a.id, error = %e, "the registry holds a bad account id; ignored");
                    scope
                }
            };
        }
        let mut executor = self.executor_in(event, scope);
        executor.options_mut().organisation = Some(registry);
        executor.options_mut().regional_sweep = true;
        Ok(executor)
    }

    /// Handle a batch of sweep messages: each (account, region) swept on its own, a
    /// failed one reported in `batchItemFailures` (retried by SQS, then its DLQ); a
    /// member that can't be reached is recorded and posted once and not retried.
    pub async fn handle_sweep_messages(&self, payload: Value, accounts: AccountScope) -> Result<Value, HandlerError> {
        let batch: SqsEvent = serde_json::from_value(payload).map_err(|e| {
            let e = policy::EventError::Json(e);
            error!(error = %crate::error::describe_event_error(&e), "unusable SQS batch; nothing changed");
            HandlerError::BadEvent(e)
        })?;
        let mut failures = Vec::new();
        let mut results = Vec::new();
        for record in batch.records {
            let id = record.message_id.clone().unwrap_or_default();
            let body = record.body.as_deref().unwrap_or_default();
            let msg = match SweepMessage::parse(body) {
                Ok(m) => m,
                Err(reason) => {
                    // Never retried: the same body would fail the same way.
                    error!(message_id = %id, reason = %reason, "unusable sweep message; dropped");
                    continue;
                }
            };
            if msg.family != self.family_name() {
                error!(message_id = %id, family = %msg.family, "a sweep message for another family; dropped");
                continue;
            }
            match self.sweep_one(&id, &msg, accounts.clone()).await {
                Ok(v) => results.push(v),
                Err(e) => {
                    warn!(message_id = %id, account = %msg.account, region = %msg.region, error = %e, "sweep message failed; SQS retries it");
                    if !matches!(e, HandlerError::Refused { .. }) {
                        failures.push(json!({"itemIdentifier": id}));
                    }
                }
            }
        }
        Ok(json!({"batchItemFailures": failures, "sweeps": results}))
    }

    fn family_name(&self) -> &str {
        self.rules.first().map(|r| r.spec().family.name()).unwrap_or_default()
    }

    async fn sweep_one(
        &self,
        message_id: &str,
        msg: &SweepMessage,
        accounts: AccountScope,
    ) -> Result<Value, HandlerError> {
        let mut event = Event::manual(&msg.account, &msg.region, None);
        // A redelivered message is the same event: its claims hold.
        event.id = format!("sweep-{message_id}");
        event.source = EventSource::Schedule { rule_arn: None };
        event.time = msg.planned_at;
        let executor = self.org_executor(&event, accounts).await?;
        // The gate first (an account outside the organisation is refused, unread).
        if let Err(refusal) = executor.options().accounts.admit(&event) {
            warn!(account = %msg.account, reason = %refusal, "refused: the sweep message names an account outside the organisation");
            return Err(HandlerError::Refused {
                event_id: event.id,
                refusal,
            });
        }
        if let Some(org) = &self.org
            && let Err(e) = org.sweep_router.reach(&msg.account, &msg.region).await
        {
            let reason = policy::executor::chain(&e);
            if e.is_retryable() {
                return Err(HandlerError::Retryable { summary: reason });
            }
            executor.record_unreachable(&event, &reason).await;
            return Ok(json!({"account": msg.account, "region": msg.region, "unreachable": reason}));
        }
        info!(account = %msg.account, region = %msg.region, "sweeping a member account");
        let report = executor.handle(&event).await;
        if let Some(metrics) = &self.metrics {
            metrics.decisions(&report, &event, (self.opts.clock)());
        }
        let s = summary(&report);
        outcome(&report).map(|()| s)
    }
}
