//! Grouping repeats: a notice that changed nothing, the same as one posted within
//! the window, is counted rather than posted; the counters live in the ledger table.
use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use policy::PortError;
use policy::ledger::Outcome;
use policy::notice::Notice;

use super::queue::sha256_hex;
use crate::error::{error_code, port_error};

/// How long a notice that changed nothing is not posted again, unless configured.
pub const DEFAULT_REPEAT_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The ledger-table key prefix of a repeat counter.
pub const REPEAT_PREFIX: &str = "notice#";

/// How long a counter outlives its window before DynamoDB's TTL removes it.
const REPEAT_TTL_SLACK_SECONDS: i64 = 7 * 24 * 60 * 60;

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
    if !notice.groupable() || prev.fingerprint != fingerprint(notice) {
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

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
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
