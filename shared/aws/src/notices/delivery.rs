//! Delivery to Slack: posting with retries, backoff and `Retry-After`, one batch of
//! queued notices at a time, failing a message's group after it.
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_lambda_events::sqs::SqsMessage;
use chrono::{DateTime, Utc};
use policy::executor::chain;
use policy::notice::Notice;
use tracing::{Instrument, error, info, info_span, warn};

use crate::error::AdapterError;
use crate::slack::webhook::{SLACK_TIMEOUT, SlackNotifier};

use super::queue::message_group_id;
use super::repeats::*;

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
pub(crate) fn random_jitter() -> f64 {
    // The top 48 bits of a v4 UUID are random (its version and variant bits come after).
    let bits = uuid::Uuid::new_v4().as_u128() >> 80;
    bits as f64 / (1u64 << 48) as f64
}

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

/// What became of a batch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The ids of the messages that were not delivered (for `batchItemFailures`).
    pub failed: Vec<String>,
    /// How many notices Slack did not take (or were held back behind one it didn't
    /// take), not counting messages that are no notice at all.
    pub slack_failures: usize,
    /// The notices handled for good (posted, grouped with a repeat, or a duplicate),
    /// in order: what else reports them (Security Hub findings) works on these.
    pub delivered: Vec<Notice>,
}

impl Deliverer {
    /// Deliver `batch` in order before `deadline`; the ids of the messages that
    /// were not delivered (for `batchItemFailures`).
    pub async fn deliver(&self, batch: &[SqsMessage], deadline: Instant) -> Vec<String> {
        self.deliver_batch(batch, deadline).await.failed
    }

    /// [`Deliverer::deliver`], also counting the notices Slack did not take.
    pub async fn deliver_batch(&self, batch: &[SqsMessage], deadline: Instant) -> BatchOutcome {
        let mut failed = Vec::new();
        let mut blocked_groups: HashSet<String> = HashSet::new();
        let mut slack_blocked = false;
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        let mut delivered = Vec::new();
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
                Delivered::Posted | Delivered::Grouped | Delivered::Duplicate => delivered.extend(notice.ok()),
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
        BatchOutcome {
            failed,
            slack_failures: n("failed"),
            delivered,
        }
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
