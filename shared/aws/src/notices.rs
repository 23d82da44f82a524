//! Notices through a queue: the remediation functions hand every notice to an SQS
//! FIFO queue ([`QueueNotifier`]); the `notifier` function delivers them to Slack
//! ([`NotifierApp`]), so a Slack outage or rate limit never loses a notice.
//!
//! # The queue
//! One message per notice, its body the [`Notice`] as JSON.
//! * `MessageGroupId` = the notice's resource ([`message_group_id`]): one resource's
//!   notices stay in order, different resources don't wait for each other.
//! * `MessageDeduplicationId` = the ledger id ([`deduplication_id`]), or a hash of
//!   the notice when it has none: a retried `SendMessage` is not delivered twice.
//!
//! # Delivery ([`Deliverer::deliver`])
//! Each message of a batch is posted as Block Kit ([`crate::slack::message`]), in
//! order. 2xx: done. HTTP 429: `Retry-After` is honoured when it is short and the
//! invocation has the time ([`next_step`]); otherwise the message is reported
//! failed and SQS redelivers it after the visibility timeout. 5xx and network
//! errors: a few attempts with exponential backoff and jitter, then failed. Any
//! other 4xx (a payload Slack refuses): failed at once. Once a message fails, every
//! later message of its group fails too (FIFO redelivery keeps the order), and
//! after a 429 or an outage that outlasted the retries the rest of the batch is not
//! tried (Slack's limit is per webhook). Messages that keep failing reach the
//! queue's dead-letter queue through its redrive policy (`maxReceiveCount`).
//!
//! # Grouping repeats ([`decide`])
//! A notice whose outcome changed nothing (notify mode, exempt, warning, ...) for
//! the same rule, resource, outcome and findings as one posted within the window
//! (default 24 h) is not posted again; the ledger table keeps a counter, and the
//! next post says "(repeated N times since <time>)". Notices that changed something
//! (fixed, not verified, failed, undo and admin acts) are always posted.
//!
//! ## Ledger-table item (partition key `id`)
//! | `id`                           | attributes |
//! |--------------------------------|------------|
//! | `notice#<rule>#<resource-arn>` | `kind` = `notice`, `rule`, `resource`, `last_posted` (S, RFC 3339), `count` (N: repeats not posted since), `fingerprint` (S: outcome and findings), `last_ledger_id` (S: the notice last posted), `last_seen` (S: the notice last handled), `expires_at` (N, epoch seconds: DynamoDB TTL) |
//!
//! The item is read and written without a condition: the queue's groups are
//! per resource and SQS FIFO hands one group to one invocation at a time, so two
//! invocations never work on one item at once.
//!
//! Nothing here logs the webhook URL or a message body: logs carry the message
//! id and what a [`Notice`] holds (rule, resource, outcome, ledger id), never
//! request bodies (a Notice holds no PHI).
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_types::SdkConfig;
use chrono::{DateTime, Utc};
use lambda_runtime::{LambdaEvent, service_fn};
use policy::PortError;
use policy::executor::chain;
use policy::ledger::Outcome;
use policy::notice::Notice;
use policy::ports::Notifier;
use sha2::{Digest, Sha256};
use tracing::{Instrument, error, info, info_span, warn};

use crate::app::init_tracing;
use crate::clients::load_sdk_config;
use crate::error::{AdapterError, ConfigError, InitError, error_code, port_error};
use crate::slack::{SLACK_TIMEOUT, SlackNotifier};

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

/// How long a notice that changed nothing is not posted again, unless configured.
pub const DEFAULT_REPEAT_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The ledger-table key prefix of a repeat counter.
pub const REPEAT_PREFIX: &str = "notice#";

/// How long a counter outlives its window before DynamoDB's TTL removes it.
const REPEAT_TTL_SLACK_SECONDS: i64 = 7 * 24 * 60 * 60;

/// SQS's limit on `MessageGroupId` and `MessageDeduplicationId`.
const SQS_ID_MAX: usize = 128;

/// The time budget of an invocation whose context has no deadline (a test's
/// `Context::default()`).
const DEFAULT_BUDGET: Duration = Duration::from_secs(30);

/// Time kept back from the invocation's deadline to answer the runtime.
const DEADLINE_MARGIN: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------
// Sending side: the remediation functions.

/// Hands notices to the notice queue; posts to Slack directly when the queue refuses.
pub struct QueueNotifier {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    fallback: Option<Arc<dyn Notifier>>,
}

impl fmt::Debug for QueueNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueNotifier")
            .field("queue_url", &self.queue_url)
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl QueueNotifier {
    /// A notifier sending to `queue_url` (a FIFO queue). `fallback` (the Slack
    /// notifier, when a webhook is configured) gets the notice when `SendMessage` fails.
    pub fn new(sqs: aws_sdk_sqs::Client, queue_url: impl Into<String>, fallback: Option<Arc<dyn Notifier>>) -> Self {
        QueueNotifier {
            sqs,
            queue_url: queue_url.into(),
            fallback,
        }
    }

    /// `SendMessage` of the notice.
    pub async fn send(&self, notice: &Notice) -> Result<(), PortError> {
        let body = serde_json::to_string(notice).map_err(|e| PortError::Other {
            operation: "serialising a notice".into(),
            source: Box::new(e),
        })?;
        self.sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_group_id(message_group_id(notice))
            .message_deduplication_id(deduplication_id(notice))
            .message_body(body)
            .send()
            .await
            .map_err(|e| port_error("SendMessage", &format!("notice queue {}", self.queue_url), e))?;
        Ok(())
    }
}

#[async_trait]
impl Notifier for QueueNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        let err = match self.send(notice).await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let Some(fallback) = &self.fallback else {
            return Err(err);
        };
        warn!(
            rule = %notice.rule,
            resource = %notice.resource,
            ledger_id = %notice.ledger_id,
            error = %chain(&err),
            "the notice queue refused the notice; posting it to Slack directly"
        );
        fallback.notify(notice).await
    }
}

/// Whether SQS accepts `s` as a group or deduplication id: 1 to 128 characters,
/// ASCII letters, digits and punctuation.
fn valid_sqs_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= SQS_ID_MAX && s.chars().all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
}

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The notice's FIFO group: its resource ARN, or a hash of it when SQS wouldn't
/// take the ARN (longer than 128 characters, or empty).
pub fn message_group_id(notice: &Notice) -> String {
    if valid_sqs_id(&notice.resource) {
        notice.resource.clone()
    } else {
        format!("resource-{}", sha256_hex(notice.resource.as_bytes()))
    }
}

/// The notice's deduplication id: its ledger id, or a hash of the whole notice
/// when it has none (or one SQS wouldn't take).
///
/// Like every dedup key of the notifier ([`repeat_key`], [`fingerprint`], the
/// ledger ids [`decide`] compares), it is built from values the executor
/// generated itself (a UUID it minted, the rule id, the ARN it built, findings
/// from a fresh read), never from a request's or an event's spelling: one notice
/// can't arrive in two spellings. (Contrast Slack requests and event ids, whose
/// keys are normalised: `interactions::Verified::replay_key`,
/// `policy::executor::claim_key`.)
pub fn deduplication_id(notice: &Notice) -> String {
    if valid_sqs_id(&notice.ledger_id) {
        return notice.ledger_id.clone();
    }
    let body = serde_json::to_vec(notice).unwrap_or_else(|_| notice.text().into_bytes());
    format!("notice-{}", sha256_hex(&body))
}

// ---------------------------------------------------------------------------
// Posting: what one attempt to post a notice came to.

/// The answer to one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    /// 2xx.
    Delivered,
    /// HTTP 429, with the `Retry-After` Slack sent (when it could be read).
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, or no answer (timeout, connection refused): a later attempt may pass.
    Unavailable { status: Option<u16> },
    /// Another 4xx: Slack refuses this message; repeating it can't help.
    Rejected { status: u16 },
}

impl PostOutcome {
    /// The outcome an HTTP status means.
    pub fn from_status(status: u16, retry_after: Option<Duration>) -> PostOutcome {
        match status {
            200..=299 => PostOutcome::Delivered,
            429 => PostOutcome::RateLimited { retry_after },
            500..=599 => PostOutcome::Unavailable { status: Some(status) },
            // 1xx and 3xx are not answers a webhook gives: not delivered, try again later.
            0..=199 | 300..=399 => PostOutcome::Unavailable { status: Some(status) },
            _ => PostOutcome::Rejected { status },
        }
    }
}

/// Posts one notice somewhere (Slack's webhook, or the log).
#[async_trait]
pub trait Poster: Send + Sync {
    async fn post(&self, notice: &Notice) -> PostOutcome;
}

/// The same Slack client as a direct notifier; delivery also needs `Retry-After`.
#[async_trait]
impl Poster for SlackNotifier {
    async fn post(&self, notice: &Notice) -> PostOutcome {
        match self.send(notice).await {
            Ok(res) => {
                let retry_after = res
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, Utc::now()));
                PostOutcome::from_status(res.status().as_u16(), retry_after)
            }
            Err(e) => {
                warn!(
                    ledger_id = %notice.ledger_id,
                    error = %chain(&AdapterError::SlackHttp(e)),
                    "posting to Slack got no answer"
                );
                PostOutcome::Unavailable { status: None }
            }
        }
    }
}

/// Logs notices: the notifier's stand-in while the Slack secret holds no webhook.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogPoster;

#[async_trait]
impl Poster for LogPoster {
    async fn post(&self, notice: &Notice) -> PostOutcome {
        info!(
            rule = %notice.rule,
            resource = %notice.resource,
            outcome = %notice.outcome,
            ledger_id = %notice.ledger_id,
            "notice (Slack not configured):\n{}",
            notice.text()
        );
        PostOutcome::Delivered
    }
}

/// A `Retry-After` value: delay-seconds, or an HTTP date (RFC 1123) counted from `now`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

// ---------------------------------------------------------------------------
// Retry decisions (pure).

/// How hard delivery tries within one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Posts of one notice that may end in 5xx or no answer before it is reported failed.
    pub max_attempts: u32,
    /// The first backoff after a 5xx; doubled each time, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` waited out within the invocation; a longer one
    /// fails the message, and SQS redelivers it after the visibility timeout.
    pub max_retry_after: Duration,
    /// 429s of one notice that are waited out before it is reported failed.
    pub max_rate_limit_waits: u32,
    /// The wait after a 429 without a readable `Retry-After`.
    pub default_retry_after: Duration,
    /// Time a post needs after a wait: a wait is taken only when this much is left after it.
    pub reserve: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(10),
            max_rate_limit_waits: 3,
            default_retry_after: Duration::from_secs(1),
            reserve: SLACK_TIMEOUT + Duration::from_secs(1),
        }
    }
}

/// Failed posts of one notice so far, by kind (the latest included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    pub unavailable: u32,
    pub rate_limited: u32,
}

impl Tries {
    /// Count `outcome`.
    pub fn after(mut self, outcome: &PostOutcome) -> Tries {
        match outcome {
            PostOutcome::Unavailable { .. } => self.unavailable += 1,
            PostOutcome::RateLimited { .. } => self.rate_limited += 1,
            PostOutcome::Delivered | PostOutcome::Rejected { .. } => {}
        }
        self
    }
}

/// Why a notice was not delivered in this invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// Slack asks to wait longer than this invocation can (or too often).
    RateLimited,
    /// Slack stayed down (5xx, no answer) through the retries.
    Unavailable,
    /// Slack refused the message (4xx).
    Rejected,
    /// An earlier message of the same group failed (FIFO order).
    GroupBlocked,
    /// An earlier message hit a rate limit or an outage: the rest of the batch is not tried.
    SlackBlocked,
}

impl GiveUp {
    /// Whether the rest of the batch should not be tried either (Slack-wide, not
    /// about this message).
    pub fn blocks_batch(self) -> bool {
        matches!(self, GiveUp::RateLimited | GiveUp::Unavailable)
    }
}

/// What to do after a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Done,
    /// Sleep this long, then post again.
    Retry(Duration),
    GiveUp(GiveUp),
}

/// The backoff before retry number `n` (1 = the first retry): `base · 2^(n-1)`
/// capped at `max_backoff`, with "equal jitter" (half fixed, half random), `jitter` in [0, 1).
pub fn backoff(n: u32, policy: &RetryPolicy, jitter: f64) -> Duration {
    let exp = n.saturating_sub(1).min(16);
    let cap = policy.base_backoff.saturating_mul(1u32 << exp).min(policy.max_backoff);
    let jitter = jitter.clamp(0.0, 1.0);
    cap / 2 + cap.mul_f64(jitter) / 2
}

/// The decision after a post answered `outcome`, with `tries` failed posts so far
/// (this one counted) and `remaining` time left in the invocation.
pub fn next_step(outcome: &PostOutcome, tries: Tries, remaining: Duration, policy: &RetryPolicy, jitter: f64) -> Step {
    let fits = |wait: Duration| wait.saturating_add(policy.reserve) <= remaining;
    match *outcome {
        PostOutcome::Delivered => Step::Done,
        PostOutcome::Rejected { .. } => Step::GiveUp(GiveUp::Rejected),
        PostOutcome::RateLimited { retry_after } => {
            let wait = retry_after.unwrap_or(policy.default_retry_after);
            if wait <= policy.max_retry_after && tries.rate_limited <= policy.max_rate_limit_waits && fits(wait) {
                Step::Retry(wait)
            } else {
                Step::GiveUp(GiveUp::RateLimited)
            }
        }
        PostOutcome::Unavailable { .. } => {
            if tries.unavailable >= policy.max_attempts {
                return Step::GiveUp(GiveUp::Unavailable);
            }
            let wait = backoff(tries.unavailable, policy, jitter);
            if fits(wait) {
                Step::Retry(wait)
            } else {
                Step::GiveUp(GiveUp::Unavailable)
            }
        }
    }
}

/// A random number in [0, 1) for jitter (from a v4 UUID's random bits).
fn random_jitter() -> f64 {
    // The top 48 bits of a v4 UUID are random (its version and variant bits come after).
    let bits = uuid::Uuid::new_v4().as_u128() >> 80;
    bits as f64 / (1u64 << 48) as f64
}

// ---------------------------------------------------------------------------
// Grouping repeats (pure decision).

/// What is known about the last notice posted for one (rule, resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatState {
    pub last_posted: DateTime<Utc>,
    /// Notices with the same fingerprint not posted since `last_posted`.
    pub count: u64,
    /// [`fingerprint`] of the notice last posted.
    pub fingerprint: String,
    /// Ledger id of the notice last posted.
    pub last_ledger_id: String,
    /// Ledger id of the notice last handled (posted or counted).
    pub last_seen: String,
}

/// What to do with one notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grouping {
    /// Post it; when `repeated` is set, say it repeated `count` times since `since`.
    Post { repeated: Option<(u64, DateTime<Utc>)> },
    /// A repeat within the window: count it, don't post.
    Suppress,
    /// This very notice was handled already (a redelivered message): nothing to do.
    Duplicate,
}

/// Whether a notice with this outcome may be grouped: it changed nothing.
/// Every other outcome (fixed, not verified, failed, undo and admin acts, a
/// break-glass violation — always a loud notice — and any outcome added later) is
/// always posted.
pub fn groupable(outcome: Outcome) -> bool {
    outcome.class().groupable
}

/// The ledger-table key of the counter for one (rule, resource).
pub fn repeat_key(notice: &Notice) -> String {
    format!("{REPEAT_PREFIX}{}#{}", notice.rule, notice.resource)
}

/// What makes two notices of one (rule, resource) the same: outcome and findings.
pub fn fingerprint(notice: &Notice) -> String {
    let mut s = notice.outcome.as_str().to_string();
    for f in &notice.findings {
        s.push('\n');
        s.push_str(f);
    }
    sha256_hex(s.as_bytes())
}

/// Whether to post `notice`, given the last state for its (rule, resource).
pub fn decide(notice: &Notice, prev: Option<&RepeatState>, now: DateTime<Utc>, window: Duration) -> Grouping {
    let Some(prev) = prev else {
        return Grouping::Post { repeated: None };
    };
    if !notice.ledger_id.is_empty() && (notice.ledger_id == prev.last_ledger_id || notice.ledger_id == prev.last_seen) {
        return Grouping::Duplicate;
    }
    if !groupable(notice.outcome) || prev.fingerprint != fingerprint(notice) {
        return Grouping::Post { repeated: None };
    }
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    if now < prev.last_posted + window {
        return Grouping::Suppress;
    }
    Grouping::Post {
        repeated: (prev.count > 0).then_some((prev.count, prev.last_posted)),
    }
}

/// The notice as posted when it repeated: the headline says so, and a note explains.
pub fn with_repeats(notice: &Notice, count: u64, since: DateTime<Utc>, window: Duration) -> Notice {
    let times = if count == 1 { "time" } else { "times" };
    let since = since.format("%Y-%m-%d %H:%M UTC");
    let mut n = notice.clone();
    n.headline = format!("{} (repeated {count} {times} since {since})", notice.headline);
    n.notes.push(format!(
        "This notice repeated {count} {times} since {since} without being posted: \
         the same finding on the same resource is posted at most once every {}.",
        human(window)
    ));
    n
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m) = (s / 3600, s / 60);
    if h > 0 && h * 3600 == s {
        format!("{h} h")
    } else if m > 0 && m * 60 == s {
        format!("{m} min")
    } else {
        format!("{s} s")
    }
}

/// Where repeat counters are kept.
#[async_trait]
pub trait RepeatStore: Send + Sync {
    async fn get(&self, key: &str) -> Result<Option<RepeatState>, PortError>;
    /// A notice was posted: the counter starts again from it.
    async fn posted(&self, key: &str, notice: &Notice, state: &RepeatState, window: Duration) -> Result<(), PortError>;
    /// A repeat was not posted: count it.
    async fn suppressed(&self, key: &str, ledger_id: &str) -> Result<(), PortError>;
}

/// Repeat counters in the ledger table (see the module docs for the item).
#[derive(Debug, Clone)]
pub struct DynamoRepeats {
    pub client: aws_sdk_dynamodb::Client,
    pub table: String,
}

impl DynamoRepeats {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoRepeats {
            client,
            table: table.into(),
        }
    }

    fn what(&self) -> String {
        format!("ledger table {}", self.table)
    }
}

type Item = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A counter item back into its state; `None` when it lacks what a decision needs.
pub fn repeat_state_from_item(item: &Item) -> Option<RepeatState> {
    let get = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    Some(RepeatState {
        last_posted: DateTime::parse_from_rfc3339(&get("last_posted")?)
            .ok()?
            .with_timezone(&Utc),
        count: item
            .get("count")
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        fingerprint: get("fingerprint")?,
        last_ledger_id: get("last_ledger_id").unwrap_or_default(),
        last_seen: get("last_seen").unwrap_or_default(),
    })
}

#[async_trait]
impl RepeatStore for DynamoRepeats {
    async fn get(&self, key: &str) -> Result<Option<RepeatState>, PortError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| port_error("GetItem (notice counter)", &self.what(), e))?;
        Ok(out.item.as_ref().and_then(repeat_state_from_item))
    }

    async fn posted(&self, key: &str, notice: &Notice, state: &RepeatState, window: Duration) -> Result<(), PortError> {
        let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX / 2);
        let expires_at = state
            .last_posted
            .timestamp()
            .saturating_add(window)
            .saturating_add(REPEAT_TTL_SLACK_SECONDS);
        self.client
            .put_item()
            .table_name(&self.table)
            .item("id", s(key))
            .item("kind", s("notice"))
            .item("rule", s(&notice.rule))
            .item("resource", s(&notice.resource))
            .item("last_posted", s(state.last_posted.to_rfc3339()))
            .item("count", AttributeValue::N(state.count.to_string()))
            .item("fingerprint", s(&state.fingerprint))
            .item("last_ledger_id", s(&state.last_ledger_id))
            .item("last_seen", s(&state.last_seen))
            .item("expires_at", AttributeValue::N(expires_at.to_string()))
            .send()
            .await
            .map_err(|e| port_error("PutItem (notice counter)", &self.what(), e))?;
        Ok(())
    }

    async fn suppressed(&self, key: &str, ledger_id: &str) -> Result<(), PortError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", s(key))
            .update_expression("SET last_seen = :seen ADD #count :one")
            .condition_expression("attribute_exists(id)")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":seen", s(ledger_id))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            // The counter expired in between: nothing left to count against.
            Err(e) if error_code(&e) == Some("ConditionalCheckFailedException") => Ok(()),
            Err(e) => Err(port_error("UpdateItem (notice counter)", &self.what(), e)),
        }
    }
}

// ---------------------------------------------------------------------------
// Delivering a batch.

/// What became of one message of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Posted,
    /// A repeat within the window, counted and not posted.
    Grouped,
    /// Handled before (a redelivery).
    Duplicate,
    /// Not a notice: reported failed so the redrive policy dead-letters it.
    Malformed,
    Failed(GiveUp),
}

/// Delivers batches of queued notices.
pub struct Deliverer {
    pub poster: Arc<dyn Poster>,
    /// Repeat counters; `None`: every notice is posted.
    pub repeats: Option<Arc<dyn RepeatStore>>,
    pub policy: RetryPolicy,
    /// Repeats within this window are grouped.
    pub window: Duration,
}

impl fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliverer")
            .field("grouping", &self.repeats.is_some())
            .field("policy", &self.policy)
            .field("window", &self.window)
            .finish()
    }
}

/// The notice a message holds, or why it holds none. Never quotes the body.
pub fn parse_notice(msg: &SqsMessage) -> Result<Notice, String> {
    let body = msg.body.as_deref().ok_or("the message has no body")?;
    serde_json::from_str::<Notice>(body).map_err(|e| {
        format!(
            "the body is not a notice ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })
}

/// The message's FIFO group: the attribute SQS sets, else the notice's resource.
fn group_of(msg: &SqsMessage, notice: Option<&Notice>) -> String {
    msg.attributes
        .get("MessageGroupId")
        .cloned()
        .or_else(|| notice.map(message_group_id))
        .unwrap_or_default()
}

impl Deliverer {
    /// Deliver `batch` in order before `deadline`; the ids of the messages that
    /// were not delivered (for `batchItemFailures`).
    pub async fn deliver(&self, batch: &[SqsMessage], deadline: Instant) -> Vec<String> {
        let mut failed = Vec::new();
        let mut blocked_groups: HashSet<String> = HashSet::new();
        let mut slack_blocked = false;
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        for msg in batch {
            let id = msg.message_id.clone().unwrap_or_default();
            let notice = parse_notice(msg);
            let group = group_of(msg, notice.as_ref().ok());
            let result = match &notice {
                Err(reason) => {
                    // Logged without the body; it can never be delivered. It does
                    // not hold up its group: nothing after it depends on it.
                    error!(message_id = %id, reason = %reason, "dropping a message that is not a notice (to the dead-letter queue)");
                    Delivered::Malformed
                }
                Ok(_) if blocked_groups.contains(&group) => Delivered::Failed(GiveUp::GroupBlocked),
                Ok(_) if slack_blocked => Delivered::Failed(GiveUp::SlackBlocked),
                Ok(n) => {
                    let span = info_span!("notice", message_id = %id, rule = %n.rule, resource = %n.resource, outcome = %n.outcome, ledger_id = %n.ledger_id);
                    self.deliver_one(n, deadline).instrument(span).await
                }
            };
            counts
                .entry(match &result {
                    Delivered::Posted => "posted",
                    Delivered::Grouped => "grouped",
                    Delivered::Duplicate => "duplicate",
                    Delivered::Malformed => "malformed",
                    Delivered::Failed(_) => "failed",
                })
                .and_modify(|c| *c += 1)
                .or_insert(1);
            match result {
                Delivered::Posted | Delivered::Grouped | Delivered::Duplicate => {}
                Delivered::Malformed => failed.push(id),
                Delivered::Failed(why) => {
                    if why.blocks_batch() {
                        slack_blocked = true;
                    }
                    blocked_groups.insert(group);
                    failed.push(id);
                }
            }
        }
        let n = |k: &str| counts.get(k).copied().unwrap_or(0);
        info!(
            messages = batch.len(),
            posted = n("posted"),
            grouped = n("grouped"),
            duplicate = n("duplicate"),
            malformed = n("malformed"),
            failed = n("failed"),
            "batch delivered"
        );
        failed
    }

    /// Group, post with retries, record. Counter-store failures never stop a
    /// notice: better posted twice than lost.
    async fn deliver_one(&self, notice: &Notice, deadline: Instant) -> Delivered {
        let key = repeat_key(notice);
        let now = Utc::now();
        let prev = match &self.repeats {
            None => None,
            Some(store) => match store.get(&key).await {
                Ok(p) => p,
                Err(e) => {
                    warn!(error = %chain(&e), "reading the notice counter failed; posting without grouping");
                    None
                }
            },
        };
        let grouping = if self.repeats.is_some() {
            decide(notice, prev.as_ref(), now, self.window)
        } else {
            Grouping::Post { repeated: None }
        };
        let shown = match grouping {
            Grouping::Duplicate => {
                info!("already delivered (a redelivered message)");
                return Delivered::Duplicate;
            }
            Grouping::Suppress => {
                if let Some(store) = &self.repeats
                    && let Err(e) = store.suppressed(&key, &notice.ledger_id).await
                {
                    warn!(error = %chain(&e), "counting a repeated notice failed");
                }
                info!("repeat within the window: counted, not posted");
                return Delivered::Grouped;
            }
            Grouping::Post {
                repeated: Some((count, since)),
            } => with_repeats(notice, count, since, self.window),
            Grouping::Post { repeated: None } => notice.clone(),
        };

        if let Err(why) = self.post_with_retries(&shown, deadline).await {
            return Delivered::Failed(why);
        }
        info!("posted to Slack");
        if let Some(store) = &self.repeats {
            let state = RepeatState {
                last_posted: now,
                count: 0,
                fingerprint: fingerprint(notice),
                last_ledger_id: notice.ledger_id.clone(),
                last_seen: notice.ledger_id.clone(),
            };
            if let Err(e) = store.posted(&key, notice, &state, self.window).await {
                warn!(error = %chain(&e), "recording the posted notice failed; a repeat may be posted again");
            }
        }
        Delivered::Posted
    }

    async fn post_with_retries(&self, notice: &Notice, deadline: Instant) -> Result<(), GiveUp> {
        let mut tries = Tries::default();
        loop {
            let outcome = self.poster.post(notice).await;
            tries = tries.after(&outcome);
            let remaining = deadline.saturating_duration_since(Instant::now());
            match next_step(&outcome, tries, remaining, &self.policy, random_jitter()) {
                Step::Done => return Ok(()),
                Step::Retry(wait) => {
                    info!(answer = ?outcome, wait_ms = wait.as_millis() as u64, "Slack did not take the notice; retrying");
                    tokio::time::sleep(wait).await;
                }
                Step::GiveUp(why) => {
                    warn!(answer = ?outcome, reason = ?why, "not delivered; SQS will redeliver it");
                    return Err(why);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The notifier function.

/// The notifier function's configuration, read once at cold start.
///
/// | variable                     | meaning                                              | default |
/// |------------------------------|------------------------------------------------------|---------|
/// | `SLACK_SECRET_ID`            | Secrets Manager secret holding the Slack webhook URL | notices are logged |
/// | `LEDGER_TABLE`               | the ledger table, for repeat counters                | no grouping |
/// | `NOTICE_REPEAT_WINDOW_HOURS` | repeats within this many hours are grouped (0: never) | `24` |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifierConfig {
    pub slack_secret_id: Option<String>,
    pub ledger_table: Option<String>,
    pub repeat_window: Duration,
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
        Ok(NotifierConfig {
            slack_secret_id: get("SLACK_SECRET_ID"),
            ledger_table: get("LEDGER_TABLE"),
            repeat_window,
        })
    }
}

/// The notifier function: built once per container.
#[derive(Debug)]
pub struct NotifierApp {
    pub deliverer: Deliverer,
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
        info!(
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
        })
    }

    /// Deliver one batch; the messages to redeliver are its `batchItemFailures`.
    pub async fn handle(&self, event: &SqsEvent, deadline: Instant) -> SqsBatchResponse {
        let failed = self.deliverer.deliver(&event.records, deadline).await;
        let mut response = SqsBatchResponse::default();
        response.set_failures(failed);
        response
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
        NotifierApp::build(&sdk, &cfg).await
    })
    .await?;
    let app = Arc::new(app);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<SqsEvent>| {
        let app = Arc::clone(&app);
        async move { handler(ev, &app).await }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy::Mode;
    use std::sync::Mutex;

    fn notice(outcome: Outcome, ledger_id: &str) -> Notice {
        Notice {
            rule: "s3-bucket-public-access".into(),
            rule_title: "S3 buckets are not public".into(),
            resource: "arn:aws:s3:::phi-bucket".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            outcome,
            mode: Mode::Notify,
            dry_run: false,
            headline: "Violation found".into(),
            findings: vec!["ACL grants READ to AllUsers".into()],
            changes: vec![],
            caused_by: "unknown (found by a sweep)".into(),
            trigger: "schedule".into(),
            ledger_id: ledger_id.into(),
            undo: None,
            notes: vec![],
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .unwrap_or_else(|e| panic!("{e}"))
            .with_timezone(&Utc)
    }

    const DAY: Duration = DEFAULT_REPEAT_WINDOW;

    fn posted_state(n: &Notice, at: &str, count: u64) -> RepeatState {
        RepeatState {
            last_posted: t(at),
            count,
            fingerprint: fingerprint(n),
            last_ledger_id: n.ledger_id.clone(),
            last_seen: n.ledger_id.clone(),
        }
    }

    // -- retries ---------------------------------------------------------

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
    }
    const PLENTY: Duration = Duration::from_secs(60);

    #[test]
    fn a_2xx_is_done() {
        assert_eq!(
            next_step(
                &PostOutcome::from_status(200, None),
                Tries::default(),
                PLENTY,
                &policy(),
                0.5
            ),
            Step::Done
        );
        assert_eq!(PostOutcome::from_status(204, None), PostOutcome::Delivered);
    }

    #[test]
    fn a_short_retry_after_is_waited_out() {
        let o = PostOutcome::from_status(429, Some(Duration::from_secs(1)));
        let tries = Tries::default().after(&o);
        assert_eq!(
            next_step(&o, tries, PLENTY, &policy(), 0.9),
            Step::Retry(Duration::from_secs(1))
        );
    }

    #[test]
    fn a_long_retry_after_fails_the_message_for_sqs_to_redeliver() {
        let o = PostOutcome::from_status(429, Some(Duration::from_secs(30)));
        let tries = Tries::default().after(&o);
        assert_eq!(
            next_step(&o, tries, PLENTY, &policy(), 0.1),
            Step::GiveUp(GiveUp::RateLimited)
        );
        assert!(GiveUp::RateLimited.blocks_batch());
    }

    #[test]
    fn a_retry_after_the_invocation_cannot_afford_fails_the_message() {
        let o = PostOutcome::from_status(429, Some(Duration::from_secs(5)));
        let tries = Tries::default().after(&o);
        // 5 s wait + 6 s reserve > 10 s left.
        assert_eq!(
            next_step(&o, tries, Duration::from_secs(10), &policy(), 0.1),
            Step::GiveUp(GiveUp::RateLimited)
        );
        assert_eq!(
            next_step(&o, tries, Duration::from_secs(11), &policy(), 0.1),
            Step::Retry(Duration::from_secs(5))
        );
    }

    #[test]
    fn rate_limits_are_waited_out_a_few_times_only() {
        let o = PostOutcome::RateLimited { retry_after: None };
        let mut tries = Tries::default();
        for _ in 0..policy().max_rate_limit_waits {
            tries = tries.after(&o);
            assert_eq!(
                next_step(&o, tries, PLENTY, &policy(), 0.0),
                Step::Retry(Duration::from_secs(1))
            );
        }
        tries = tries.after(&o);
        assert_eq!(
            next_step(&o, tries, PLENTY, &policy(), 0.0),
            Step::GiveUp(GiveUp::RateLimited)
        );
    }

    #[test]
    fn server_errors_back_off_exponentially_then_give_up() {
        let o = PostOutcome::from_status(503, None);
        let p = policy();
        let one = Tries::default().after(&o);
        let two = one.after(&o);
        let three = two.after(&o);
        let Step::Retry(first) = next_step(&o, one, PLENTY, &p, 0.0) else {
            panic!("should retry")
        };
        let Step::Retry(second) = next_step(&o, two, PLENTY, &p, 0.0) else {
            panic!("should retry")
        };
        assert_eq!(first, p.base_backoff / 2);
        assert_eq!(second, p.base_backoff);
        assert_eq!(next_step(&o, three, PLENTY, &p, 0.0), Step::GiveUp(GiveUp::Unavailable));
        // No answer at all counts the same.
        let none = PostOutcome::Unavailable { status: None };
        assert!(matches!(
            next_step(&none, Tries::default().after(&none), PLENTY, &p, 0.0),
            Step::Retry(_)
        ));
    }

    #[test]
    fn backoff_is_jittered_within_half_to_full_and_capped() {
        let p = policy();
        for n in 1..=20 {
            let cap = p.base_backoff.saturating_mul(1 << (n - 1).min(16)).min(p.max_backoff);
            let lo = backoff(n, &p, 0.0);
            let hi = backoff(n, &p, 0.999_999);
            assert_eq!(lo, cap / 2, "n={n}");
            assert!(hi <= cap && hi > lo, "n={n}: {hi:?} vs {cap:?}");
        }
        assert_eq!(backoff(30, &p, 1.0), p.max_backoff);
        let j = random_jitter();
        assert!((0.0..1.0).contains(&j));
    }

    #[test]
    fn other_4xx_fail_without_retry() {
        for status in [400, 403, 404, 410] {
            let o = PostOutcome::from_status(status, None);
            assert_eq!(o, PostOutcome::Rejected { status });
            assert_eq!(
                next_step(&o, Tries::default().after(&o), PLENTY, &policy(), 0.5),
                Step::GiveUp(GiveUp::Rejected)
            );
        }
        assert!(!GiveUp::Rejected.blocks_batch());
    }

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = t("2025-01-01T00:00:00Z");
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 01 Jan 2025 00:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Tue, 31 Dec 2024 23:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    // -- grouping --------------------------------------------------------

    #[test]
    fn a_first_notice_is_posted() {
        let n = notice(Outcome::Notified, "a");
        assert_eq!(
            decide(&n, None, t("2025-01-01T00:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_repeat_within_the_window_is_suppressed_and_after_it_says_how_often_it_repeated() {
        let first = notice(Outcome::Notified, "a");
        let prev = posted_state(&first, "2025-01-01T00:00:00Z", 3);
        let again = notice(Outcome::Notified, "b");
        assert_eq!(
            decide(&again, Some(&prev), t("2025-01-01T18:00:00Z"), DAY),
            Grouping::Suppress
        );
        assert_eq!(
            decide(&again, Some(&prev), t("2025-01-02T00:00:00Z"), DAY),
            Grouping::Post {
                repeated: Some((3, t("2025-01-01T00:00:00Z")))
            }
        );
        // Nothing suppressed in between: nothing to say.
        let quiet = posted_state(&first, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(&again, Some(&quiet), t("2025-01-03T00:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn every_outcome_that_changed_nothing_is_grouped_and_the_rest_never() {
        use Outcome::*;
        assert!(
            !groupable(BreakGlass),
            "a break-glass violation is always a loud notice"
        );
        for o in [Notified, Exempt, Warned, CannotJudge, Limited, DryRun] {
            assert!(groupable(o), "{o}");
            let prev = posted_state(&notice(o, "a"), "2025-01-01T00:00:00Z", 0);
            assert_eq!(
                decide(&notice(o, "b"), Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
                Grouping::Suppress,
                "{o}"
            );
        }
        for o in [
            Fixed,
            NotVerified,
            Failed,
            Compliant,
            Gone,
            Off,
            LoopGuard,
            FailedCall,
            Duplicate,
        ] {
            assert!(!groupable(o), "{o}");
            let prev = posted_state(&notice(o, "a"), "2025-01-01T00:00:00Z", 0);
            assert_eq!(
                decide(&notice(o, "b"), Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
                Grouping::Post { repeated: None },
                "{o}"
            );
        }
    }

    #[test]
    fn a_different_outcome_or_finding_is_news() {
        let prev = posted_state(&notice(Outcome::Notified, "a"), "2025-01-01T00:00:00Z", 2);
        let mut other = notice(Outcome::Notified, "b");
        other.findings.push("policy allows s3:GetObject to *".into());
        assert_eq!(
            decide(&other, Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
        let exempt = notice(Outcome::Exempt, "c");
        assert_eq!(
            decide(&exempt, Some(&prev), t("2025-01-01T01:00:00Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_fix_resets_the_counter_so_the_next_violation_is_posted() {
        let fixed = notice(Outcome::Fixed, "f");
        let after_fix = posted_state(&fixed, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(
                &notice(Outcome::Notified, "n"),
                Some(&after_fix),
                t("2025-01-01T01:00:00Z"),
                DAY
            ),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_redelivered_notice_is_a_duplicate() {
        let n = notice(Outcome::Fixed, "same");
        let prev = posted_state(&n, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(&n, Some(&prev), t("2025-01-01T00:00:01Z"), DAY),
            Grouping::Duplicate
        );
        let counted = RepeatState {
            last_seen: "later".into(),
            ..prev
        };
        assert_eq!(
            decide(
                &notice(Outcome::Notified, "later"),
                Some(&counted),
                t("2025-01-01T00:00:01Z"),
                DAY
            ),
            Grouping::Duplicate
        );
        // Without a ledger id there is nothing to recognise it by.
        let anon = notice(Outcome::Fixed, "");
        let prev = posted_state(&anon, "2025-01-01T00:00:00Z", 0);
        assert_eq!(
            decide(&anon, Some(&prev), t("2025-01-01T00:00:01Z"), DAY),
            Grouping::Post { repeated: None }
        );
    }

    #[test]
    fn a_repeated_notice_says_so_in_its_headline_and_notes() {
        let n = with_repeats(&notice(Outcome::Notified, "a"), 3, t("2025-01-01T06:30:00Z"), DAY);
        assert_eq!(
            n.headline,
            "Violation found (repeated 3 times since 2025-01-01 06:30 UTC)"
        );
        assert!(n.notes.iter().any(|x| x.contains("once every 24 h")), "{:?}", n.notes);
        let text = crate::slack::message(&n).to_string();
        assert!(text.contains("repeated 3 times since 2025-01-01 06:30 UTC"), "{text}");
    }

    // -- queue ids ---------------------------------------------------------

    #[test]
    fn groups_are_resources_and_dedup_ids_are_ledger_ids() {
        let n = notice(Outcome::Fixed, "0190b8c2-7a0e-7c3e-9a55-1a2b3c4d5e6f");
        assert_eq!(message_group_id(&n), "arn:aws:s3:::phi-bucket");
        assert_eq!(deduplication_id(&n), "0190b8c2-7a0e-7c3e-9a55-1a2b3c4d5e6f");
    }

    #[test]
    fn ids_sqs_would_refuse_are_hashed() {
        let mut n = notice(Outcome::Fixed, "");
        n.resource = format!("arn:aws:iam::123456789012:user/{}", "p/".repeat(100));
        let g = message_group_id(&n);
        assert!(valid_sqs_id(&g) && g.starts_with("resource-"), "{g}");
        assert_eq!(g, message_group_id(&n), "stable");
        let d = deduplication_id(&n);
        assert!(valid_sqs_id(&d) && d.starts_with("notice-"), "{d}");
        assert_eq!(d, deduplication_id(&n), "stable");
        let mut m = n.clone();
        m.findings.push("another".into());
        assert_ne!(d, deduplication_id(&m));
        n.ledger_id = "id with spaces".into();
        assert!(deduplication_id(&n).starts_with("notice-"));
    }

    #[test]
    fn counter_items_read_back() {
        let mut item = Item::new();
        item.insert("last_posted".into(), s("2025-01-01T00:00:00+00:00"));
        item.insert("count".into(), AttributeValue::N("4".into()));
        item.insert("fingerprint".into(), s("fp"));
        item.insert("last_seen".into(), s("x"));
        let st = repeat_state_from_item(&item).unwrap_or_else(|| panic!("parses"));
        assert_eq!(st.count, 4);
        assert_eq!(st.last_ledger_id, "");
        item.remove("last_posted");
        assert_eq!(repeat_state_from_item(&item), None);
    }

    // -- config ----------------------------------------------------------

    #[test]
    fn notifier_config_reads_its_variables() {
        let c = NotifierConfig::from_lookup(|_| None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.repeat_window, DEFAULT_REPEAT_WINDOW);
        assert_eq!(c.slack_secret_id, None);
        let c = NotifierConfig::from_lookup(|k| match k {
            "SLACK_SECRET_ID" => Some("s".into()),
            "LEDGER_TABLE" => Some(" l ".into()),
            "NOTICE_REPEAT_WINDOW_HOURS" => Some("6".into()),
            _ => None,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.slack_secret_id.as_deref(), Some("s"));
        assert_eq!(c.ledger_table.as_deref(), Some("l"));
        assert_eq!(c.repeat_window, Duration::from_secs(6 * 3600));
        let e = NotifierConfig::from_lookup(|k| (k == "NOTICE_REPEAT_WINDOW_HOURS").then(|| "day".into()));
        assert!(matches!(e, Err(ConfigError::Invalid { var, .. }) if var == "NOTICE_REPEAT_WINDOW_HOURS"));
    }

    // -- a batch, in memory ----------------------------------------------

    /// Answers from a script (then 200), recording what it was asked to post.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<Vec<PostOutcome>>,
        posted: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Poster for Scripted {
        async fn post(&self, notice: &Notice) -> PostOutcome {
            let mut a = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            let o = if a.is_empty() {
                PostOutcome::Delivered
            } else {
                a.remove(0)
            };
            self.posted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{}:{o:?}", notice.ledger_id));
            o
        }
    }

    fn msg(id: &str, group: &str, body: &str) -> SqsMessage {
        serde_json::from_value(serde_json::json!({
            "messageId": id,
            "body": body,
            "attributes": {"MessageGroupId": group},
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn notice_msg(id: &str, resource: &str, ledger_id: &str) -> SqsMessage {
        let mut n = notice(Outcome::Fixed, ledger_id);
        n.resource = resource.into();
        msg(id, resource, &serde_json::to_string(&n).unwrap_or_default())
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(2),
            default_retry_after: Duration::from_millis(1),
            reserve: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    fn deliverer(answers: Vec<PostOutcome>) -> (Deliverer, Arc<Scripted>) {
        let poster = Arc::new(Scripted {
            answers: Mutex::new(answers),
            ..Scripted::default()
        });
        (
            Deliverer {
                poster: poster.clone(),
                repeats: None,
                policy: fast(),
                window: DAY,
            },
            poster,
        )
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[tokio::test]
    async fn a_failed_message_fails_the_rest_of_its_group_but_not_other_groups() {
        let (d, poster) = deliverer(vec![PostOutcome::Rejected { status: 400 }]);
        let batch = [
            notice_msg("m1", "arn:a", "1"),
            notice_msg("m2", "arn:b", "2"),
            notice_msg("m3", "arn:a", "3"),
        ];
        assert_eq!(d.deliver(&batch, soon()).await, vec!["m1", "m3"]);
        let posted = poster.posted.lock().unwrap_or_else(|e| e.into_inner()).clone();
        assert_eq!(posted, vec!["1:Rejected { status: 400 }", "2:Delivered"]);
    }

    #[tokio::test]
    async fn an_outage_past_the_retries_fails_the_rest_of_the_batch_untried() {
        let down = PostOutcome::Unavailable { status: Some(500) };
        let (d, poster) = deliverer(vec![down; 3]);
        let batch = [notice_msg("m1", "arn:a", "1"), notice_msg("m2", "arn:b", "2")];
        assert_eq!(d.deliver(&batch, soon()).await, vec!["m1", "m2"]);
        assert_eq!(poster.posted.lock().unwrap_or_else(|e| e.into_inner()).len(), 3);
    }

    #[tokio::test]
    async fn a_transient_error_is_retried_within_the_invocation() {
        let (d, poster) = deliverer(vec![
            PostOutcome::Unavailable { status: None },
            PostOutcome::RateLimited {
                retry_after: Some(Duration::ZERO),
            },
        ]);
        assert!(d.deliver(&[notice_msg("m1", "arn:a", "1")], soon()).await.is_empty());
        assert_eq!(poster.posted.lock().unwrap_or_else(|e| e.into_inner()).len(), 3);
    }

    #[tokio::test]
    async fn a_message_that_is_not_a_notice_fails_alone() {
        let (d, poster) = deliverer(vec![]);
        let batch = [
            msg("bad", "arn:a", "{\"patient\": \"Jane Doe\"}"),
            notice_msg("m2", "arn:a", "2"),
        ];
        assert_eq!(d.deliver(&batch, soon()).await, vec!["bad"]);
        assert_eq!(poster.posted.lock().unwrap_or_else(|e| e.into_inner()).len(), 1);
        let reason = parse_notice(&batch[0]).err().unwrap_or_default();
        assert!(!reason.contains("Jane"), "{reason}");
    }
}
