//! Start-up failures, told to Lambda.
//!
//! Every function builds what it needs once, at cold start: its typed
//! configuration, the Slack secret, its clients. When that fails (no credentials,
//! a secret that is missing or can't be read, an invalid variable), the process
//! reports it to the Lambda Runtime API before it exits non-zero, as the custom
//! runtime API's *Initialization error* asks:
//!
//! ```text
//! POST http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error
//! Lambda-Runtime-Function-Error-Type: SlackSecret.NotFound
//! {"errorMessage": "reading the Slack webhook secret …: … not found", "errorType": "SlackSecret.NotFound"}
//! ```
//!
//! Lambda then shows that type and message for the failed start (and the
//! invocation that waited for it) instead of a bare `Runtime.ExitError`.
//! `lambda_runtime` 1.5 posts to `/init/error` only for its own SnapStart hook
//! failures and has no public call for an error raised before
//! `lambda_runtime::run`, so this module posts it.
//!
//! The error type is `Category.Reason` ([`InitError::error_type`], the format the
//! API documentation recommends); the message is the error's chain: what failed
//! and why (a variable's name, a secret's *id*, the service's error code). Never a
//! secret's value: no start-up error carries one (the secret string is parsed in
//! memory and never put into an error), and the integration tests check the body.
//! Outside Lambda (`AWS_LAMBDA_RUNTIME_API` unset) the failure is only logged.
use std::fmt;
use std::future::Future;
use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use policy::PortError;
use policy::executor::chain;
use serde::Serialize;
use tracing::{error, info, warn};

use crate::error::{ConfigError, InitError};

/// The variable Lambda sets to the Runtime API's `host:port`.
pub const RUNTIME_API_ENV: &str = "AWS_LAMBDA_RUNTIME_API";
/// The initialization-error resource of the Runtime API (version 2018-06-01).
pub const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";
/// The header naming the error type.
pub const ERROR_TYPE_HEADER: &str = "Lambda-Runtime-Function-Error-Type";
/// How long the report may take (the API is local; a hung report must not keep a
/// failed process alive).
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest message reported (the chain of an SDK error is a few hundred bytes).
pub const MESSAGE_MAX: usize = 4096;

/// A failed start, as reported: the body of the `/init/error` request, and the
/// error `main` exits with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InitFailure {
    #[serde(rename = "errorType")]
    pub error_type: &'static str,
    #[serde(rename = "errorMessage")]
    pub error_message: String,
}

impl InitFailure {
    pub fn of(e: &InitError) -> InitFailure {
        let mut error_message = chain(e);
        if error_message.len() > MESSAGE_MAX {
            let mut end = MESSAGE_MAX - 3;
            while !error_message.is_char_boundary(end) {
                end -= 1;
            }
            error_message.truncate(end);
            error_message.push_str("...");
        }
        InitFailure {
            error_type: e.error_type(),
            error_message,
        }
    }
}

impl fmt::Display for InitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.error_message)
    }
}

impl std::error::Error for InitFailure {}

impl InitError {
    /// The error type reported to Lambda, `Category.Reason`.
    pub fn error_type(&self) -> &'static str {
        match self {
            InitError::Config(ConfigError::Invalid { .. }) => "Config.InvalidVariable",
            InitError::Config(ConfigError::UnknownFamily(_)) => "Config.UnknownFamily",
            InitError::SlackSecret { source, .. } if caused_by_credentials(source) => "Credentials.Unavailable",
            InitError::SlackSecret { source, .. } => match source {
                PortError::NotFound { .. } => "SlackSecret.NotFound",
                PortError::AccessDenied { .. } => "SlackSecret.AccessDenied",
                PortError::Throttled { .. } | PortError::Transient { .. } => "SlackSecret.Unavailable",
                PortError::Other { .. } | PortError::InvalidData { .. } | PortError::Unsupported(_) => {
                    "SlackSecret.Unreadable"
                }
            },
            // slack-interactions learns its account from STS at start-up.
            InitError::OwnAccount(source) if caused_by_credentials(source) => "Credentials.Unavailable",
            InitError::OwnAccount(_) => "OwnAccount.Unavailable",
        }
    }
}

/// Whether the SDK could not find credentials to sign with (no role, no variables):
/// the call never left the process.
fn caused_by_credentials(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.is::<CredentialsError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Why a report did not reach the Runtime API.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("posting to the Runtime API failed")]
    Http(#[source] reqwest::Error),
    #[error("the Runtime API answered HTTP {0}")]
    Status(u16),
}

/// POST `failure` to the Runtime API at `runtime_api` (`host:port`).
pub async fn report(runtime_api: &str, failure: &InitFailure) -> Result<(), ReportError> {
    let http = reqwest::Client::builder()
        .timeout(REPORT_TIMEOUT)
        // The Runtime API is local: never through a proxy a variable may name.
        .no_proxy()
        .build()
        .map_err(ReportError::Http)?;
    let res = http
        .post(format!("http://{runtime_api}{INIT_ERROR_PATH}"))
        .header(ERROR_TYPE_HEADER, failure.error_type)
        .json(failure)
        .send()
        .await
        .map_err(ReportError::Http)?;
    let status = res.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(ReportError::Status(status.as_u16()))
    }
}

/// Await a function's cold start. On failure: log it, report it to the Runtime API
/// (when `AWS_LAMBDA_RUNTIME_API` is set), and return it for `main` to exit with
/// (non-zero). A report that fails is logged; the process exits all the same.
pub async fn start<T>(what: &str, init: impl Future<Output = Result<T, InitError>>) -> Result<T, InitFailure> {
    let err = match init.await {
        Ok(state) => return Ok(state),
        Err(e) => e,
    };
    let failure = InitFailure::of(&err);
    error!(function = what, error_type = failure.error_type, error = %failure.error_message, "the function could not start");
    match std::env::var(RUNTIME_API_ENV).ok().filter(|v| !v.trim().is_empty()) {
        Some(api) => match report(api.trim(), &failure).await {
            Ok(()) => info!(
                error_type = failure.error_type,
                "start-up failure reported to the Lambda Runtime API"
            ),
            Err(e) => warn!(error = %chain(&e), "reporting the start-up failure to the Lambda Runtime API failed"),
        },
        None => warn!("{RUNTIME_API_ENV} is not set (not running in Lambda): the start-up failure is only logged"),
    }
    Err(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other(msg: &str) -> Box<dyn std::error::Error + Send + Sync> {
        msg.into()
    }

    fn secret_error(source: PortError) -> InitError {
        InitError::SlackSecret {
            secret_id: "hipaa-autofix/slack-webhook".into(),
            source,
        }
    }

    #[test]
    fn error_types_name_the_category_and_reason() {
        let cases = [
            (
                InitError::Config(ConfigError::Invalid {
                    var: "DRY_RUN".into(),
                    reason: "is not true or false".into(),
                }),
                "Config.InvalidVariable",
            ),
            (
                InitError::Config(ConfigError::UnknownFamily("nope".into())),
                "Config.UnknownFamily",
            ),
            (
                secret_error(PortError::NotFound {
                    what: "secret x".into(),
                }),
                "SlackSecret.NotFound",
            ),
            (
                secret_error(PortError::AccessDenied {
                    operation: "GetSecretValue".into(),
                    source: other("no"),
                }),
                "SlackSecret.AccessDenied",
            ),
            (
                secret_error(PortError::Throttled {
                    operation: "GetSecretValue".into(),
                    source: other("slow down"),
                }),
                "SlackSecret.Unavailable",
            ),
            (
                secret_error(PortError::Other {
                    operation: "GetSecretValue".into(),
                    source: other("odd"),
                }),
                "SlackSecret.Unreadable",
            ),
            (
                secret_error(PortError::Transient {
                    operation: "GetSecretValue".into(),
                    source: Box::new(CredentialsError::not_loaded(
                        "no providers in chain provided credentials",
                    )),
                }),
                "Credentials.Unavailable",
            ),
        ];
        for (e, ty) in cases {
            let f = InitFailure::of(&e);
            assert_eq!(f.error_type, ty, "{e}");
            assert!(f.error_message.starts_with(&e.to_string()), "{f}");
            assert!(ty.split('.').count() == 2 && !ty.contains(' '), "{ty}");
        }
    }

    #[test]
    fn the_body_is_what_the_runtime_api_expects_and_long_messages_are_cut() {
        let e = InitError::Config(ConfigError::Invalid {
            var: "X".into(),
            reason: "é".repeat(5000),
        });
        let f = InitFailure::of(&e);
        assert!(f.error_message.len() <= MESSAGE_MAX && f.error_message.ends_with("..."));
        let body = serde_json::to_value(&f).unwrap_or_default();
        assert_eq!(body["errorType"], "Config.InvalidVariable");
        assert!(
            body["errorMessage"]
                .as_str()
                .is_some_and(|m| m.starts_with("environment variable X"))
        );
        assert_eq!(body.as_object().map(|o| o.len()), Some(2));
    }
}
