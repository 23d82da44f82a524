//! Slack's incoming webhook: the notifier that posts a notice's Block Kit message,
//! the webhook secret (its URL and the app's signing secret), and the notifier
//! that only logs when no webhook is configured. The webhook URL is a credential:
//! it is never printed or logged.
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use policy::PortError;
use policy::notice::Notice;
use policy::ports::Notifier;
use serde_json::Value;
use tracing::{info, warn};

use super::blocks::message;
use crate::error::{AdapterError, error_code, port_error};

/// How long one post may take.
pub const SLACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Posts notices to a Slack incoming webhook.
pub struct SlackNotifier {
    http: reqwest::Client,
    webhook_url: String,
}

impl fmt::Debug for SlackNotifier {
    // The webhook URL is a credential: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackNotifier")
            .field("webhook_url", &"<redacted>")
            .finish()
    }
}

impl SlackNotifier {
    /// A notifier for `webhook_url`, with a 5 s timeout.
    pub fn new(webhook_url: impl Into<String>) -> Result<Self, PortError> {
        let http = reqwest::Client::builder()
            .timeout(SLACK_TIMEOUT)
            .build()
            .map_err(|e| PortError::Other {
                operation: "building the HTTP client for Slack".into(),
                source: Box::new(AdapterError::SlackHttp(e)),
            })?;
        Ok(SlackNotifier {
            http,
            webhook_url: webhook_url.into(),
        })
    }

    /// A notifier from the Secrets Manager secret `secret_id`, which holds either a
    /// bare webhook URL or `{"webhook_url": "..."}`. `Ok(None)` (with a warning) when
    /// the secret is empty or still a placeholder: notices are then only logged.
    pub async fn from_secret(
        secrets: &aws_sdk_secretsmanager::Client,
        secret_id: &str,
    ) -> Result<Option<SlackNotifier>, PortError> {
        match read_secret(secrets, secret_id)
            .await?
            .as_deref()
            .and_then(webhook_from_secret)
        {
            Some(url) => Ok(Some(SlackNotifier::new(url)?)),
            None => {
                warn!(
                    secret_id,
                    "the Slack secret holds no webhook URL (empty or a placeholder); notices will only be logged"
                );
                Ok(None)
            }
        }
    }

    /// POST a notice's Block Kit message. The webhook URL (a credential) is stripped
    /// from any error.
    pub(crate) async fn send(&self, notice: &Notice) -> Result<reqwest::Response, reqwest::Error> {
        self.http
            .post(&self.webhook_url)
            .json(&message(notice))
            .send()
            .await
            .map_err(reqwest::Error::without_url)
    }
}

/// The Slack secret's string (webhook URL and, for the buttons, the signing secret),
/// read once at cold start by whoever needs it.
pub async fn read_secret(
    secrets: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<Option<String>, PortError> {
    let out = secrets
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| {
            // A secret that does not exist is a deployment error of its own (the
            // function's start-up report says `SlackSecret.NotFound`).
            if error_code(&e) == Some("ResourceNotFoundException") {
                PortError::NotFound {
                    what: format!("secret {secret_id}"),
                }
            } else {
                port_error("GetSecretValue", &format!("secret {secret_id}"), e)
            }
        })?;
    Ok(out.secret_string().map(str::to_owned))
}

/// The Slack app's signing secret in the Slack secret string
/// (`{"webhook_url": "...", "signing_secret": "..."}`). `None` when the secret is not
/// JSON, has no `signing_secret`, or holds an empty one.
pub fn signing_secret_from_secret(secret: &str) -> Option<String> {
    let v: Value = serde_json::from_str(secret.trim()).ok()?;
    let s = v.get("signing_secret")?.as_str()?.trim();
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return None;
    }
    Some(s.to_string())
}

/// The webhook URL in a secret string: a bare `http(s)://` URL, or JSON with a
/// `webhook_url` string. `None` for anything else (empty, a placeholder).
pub fn webhook_from_secret(secret: &str) -> Option<String> {
    let secret = secret.trim();
    let url = if secret.starts_with('{') {
        let v: Value = serde_json::from_str(secret).ok()?;
        v.get("webhook_url")?.as_str()?.trim().to_string()
    } else {
        secret.to_string()
    };
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    // A host, at least.
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
        return None;
    }
    Some(url)
}

#[async_trait]
impl Notifier for SlackNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        let res = self.send(notice).await.map_err(|e| {
            let operation = "posting to Slack".to_string();
            if e.is_timeout() || e.is_connect() || e.is_request() {
                PortError::Transient {
                    operation,
                    source: Box::new(AdapterError::SlackHttp(e)),
                }
            } else {
                PortError::Other {
                    operation,
                    source: Box::new(AdapterError::SlackHttp(e)),
                }
            }
        })?;
        let status = res.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let operation = format!("posting to Slack (HTTP {status})");
        let source = Box::new(AdapterError::SlackStatus { status });
        Err(match status {
            429 => PortError::Throttled { operation, source },
            500..=599 => PortError::Transient { operation, source },
            _ => PortError::Other { operation, source },
        })
    }
}

/// Logs notices instead of posting them (Slack not configured).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        info!(
            rule = %notice.rule,
            resource = %notice.resource,
            outcome = %notice.outcome,
            ledger_id = %notice.ledger_id,
            "notice (Slack not configured):\n{}",
            notice.text()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_yield_webhooks_or_nothing() {
        let url = "https://hooks.slack.com/services/T0/B0/xyz";
        assert_eq!(webhook_from_secret(url).as_deref(), Some(url));
        assert_eq!(
            webhook_from_secret(&format!(" {{\"webhook_url\": \"{url}\"}} ")).as_deref(),
            Some(url)
        );
        assert_eq!(
            webhook_from_secret("http://127.0.0.1:9000/hook").as_deref(),
            Some("http://127.0.0.1:9000/hook")
        );
        for placeholder in [
            "",
            "  ",
            "PLACEHOLDER",
            "changeme",
            "{}",
            r#"{"webhook_url": ""}"#,
            "https://",
            "{bad",
        ] {
            assert_eq!(webhook_from_secret(placeholder), None, "{placeholder:?}");
        }
    }

    #[test]
    fn signing_secrets_come_from_the_json_secret_only() {
        assert_eq!(
            signing_secret_from_secret(r#"{"webhook_url": "https://hooks.slack.com/x", "signing_secret": " abc123 "}"#)
                .as_deref(),
            Some("abc123")
        );
        for none in [
            "",
            "https://hooks.slack.com/services/T0/B0/xyz",
            r#"{"webhook_url": "https://hooks.slack.com/x"}"#,
            r#"{"signing_secret": ""}"#,
            r#"{"signing_secret": 5}"#,
            r#"{"signing_secret": "a b"}"#,
            "{bad",
        ] {
            assert_eq!(signing_secret_from_secret(none), None, "{none:?}");
        }
    }

    #[test]
    fn the_webhook_url_is_never_printed() {
        let s = SlackNotifier::new("https://hooks.slack.com/services/secret").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{s:?}").contains("secret"));
    }
}
