//! The sending side: the remediation functions hand every notice to the SQS FIFO
//! notice queue (see the module's documentation for its message groups and
//! deduplication ids).
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use policy::PortError;
use policy::executor::chain;
use policy::notice::Notice;
use policy::ports::Notifier;
use sha2::{Digest, Sha256};
use tracing::warn;

use crate::error::port_error;

/// SQS's limit on `MessageGroupId` and `MessageDeduplicationId`.
const SQS_ID_MAX: usize = 128;

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
pub(crate) fn valid_sqs_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= SQS_ID_MAX && s.chars().all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
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
