//! Error types of the adapters, and the one place SDK errors become [`PortError`]s.
//!
//! An SDK error's *code* decides what happens next (`NoSuchBucket` → the resource is
//! gone, a quiet no-op; `AccessDenied` → alarm; `Throttling` → retry), so it is never
//! flattened to a string: [`port_error`] classifies by code and HTTP status and keeps
//! the SDK error as the `#[source]`.
use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use policy::{EventError, PortError};

/// Error codes that mean "slow down".
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "PriorRequestNotComplete",
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
];

/// Error codes that mean "the caller may not do this".
const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AllAccessDisabled",
    "AuthorizationError",
];

/// Error codes for failures that a later attempt may not hit.
const TRANSIENT_CODES: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "IDPCommunicationError",
    "OperationAborted",
];

/// Error codes that mean the resource itself does not exist (any more).
const NOT_FOUND_CODES: &[&str] = &[
    "NoSuchBucket",
    "InvalidGroup.NotFound",
    "InvalidSnapshot.NotFound",
    "InvalidVpcID.NotFound",
    "DBInstanceNotFound",
    "DBInstanceNotFoundFault",
    "DBSnapshotNotFound",
    "DBSnapshotNotFoundFault",
    "DBClusterSnapshotNotFoundFault",
    // SSM: a document that does not exist (DescribeDocumentPermission, ModifyDocumentPermission).
    "InvalidDocument",
];

/// The error code of an SDK error, when the service sent one.
pub fn error_code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    match err {
        SdkError::ServiceError(_) => err.code(),
        _ => None,
    }
}

/// The HTTP status of the response an SDK error came with, if there was one.
pub fn http_status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// Classify an SDK error for the executor. `operation` is the API call
/// (`GetBucketAcl`), `resource` what it was about (for `NotFound`).
///
/// Codes that mean "no such configuration" (`NoSuchBucketPolicy`,
/// `NoSuchPublicAccessBlockConfiguration`, `NoSuchTagSet`) are *not* handled here:
/// they are answers, not failures, and each call site turns them into values first.
pub fn port_error<E>(operation: &str, resource: &str, err: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let code = error_code(&err).map(str::to_owned);
    let status = http_status(&err);
    let operation = operation.to_string();
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            return PortError::Transient {
                operation,
                source: Box::new(err),
            };
        }
        SdkError::ConstructionFailure(_) => {
            return PortError::Other {
                operation,
                source: Box::new(err),
            };
        }
        // A response that could not be read (truncated, garbled): try again.
        SdkError::ResponseError(_) => {
            return PortError::Transient {
                operation,
                source: Box::new(err),
            };
        }
        _ => {}
    }
    classify(operation, resource, code.as_deref(), status, Box::new(err))
}

/// The classification itself, separate from the SDK types so it can be tested directly.
pub(crate) fn classify(
    operation: String,
    resource: &str,
    code: Option<&str>,
    status: Option<u16>,
    source: Box<dyn StdError + Send + Sync + 'static>,
) -> PortError {
    let is = |codes: &[&str]| code.is_some_and(|c| codes.contains(&c));
    if is(NOT_FOUND_CODES) {
        PortError::NotFound {
            what: resource.to_string(),
        }
    } else if is(THROTTLING_CODES) || matches!(status, Some(429 | 503)) {
        PortError::Throttled { operation, source }
    } else if is(ACCESS_DENIED_CODES) || (code.is_none() && status == Some(403)) {
        PortError::AccessDenied { operation, source }
    } else if is(TRANSIENT_CODES) || matches!(status, Some(500 | 502 | 504)) {
        PortError::Transient { operation, source }
    } else {
        PortError::Other { operation, source }
    }
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

/// A port failure with no SDK error behind it (Slack's HTTP status, a bad secret).
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("Slack answered HTTP {status}")]
    SlackStatus { status: u16 },
    #[error("posting to Slack failed")]
    SlackHttp(#[source] reqwest::Error),
    #[error("building an SDK request: {0}")]
    Build(#[source] aws_smithy_types::error::operation::BuildError),
    #[error("AWS Config rejected {failed} {}", if *failed == 1 { "evaluation" } else { "evaluations" })]
    EvaluationsFailed { failed: usize },
}

/// The function's configuration is invalid. Raised at cold start; names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {var} is invalid: {reason}")]
    Invalid { var: String, reason: String },
    #[error("no rules belong to the function family {0:?}")]
    UnknownFamily(String),
}

/// The function could not start.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("reading the Slack webhook secret {secret_id}")]
    SlackSecret {
        secret_id: String,
        #[source]
        source: PortError,
    },
    /// The account the credentials belong to could not be learned (STS `GetCallerIdentity`).
    #[error("learning the function's own account (STS GetCallerIdentity)")]
    OwnAccount(#[source] PortError),
}

/// Why one invocation failed, and whether running it again could help.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The payload is not an event hipaa-autofix understands. Nothing was changed;
    /// running it again can't help.
    /// Its message describes the error without quoting the payload.
    #[error("unusable event: {}", describe_event_error(.0))]
    BadEvent(#[source] policy::EventError),
    /// The account gate refused the event: it is about another AWS account, or the
    /// function does not know its own. Nothing was read, claimed, changed or
    /// notified; running it again can't help. Its own error type (`ForeignAccount`,
    /// `OwnAccountUnknown`) makes it visible in metrics and the dead-letter queue.
    #[error("refused event {event_id}: {refusal}; nothing was read or changed")]
    Refused {
        event_id: String,
        refusal: policy::AccountRefusal,
    },
    /// A run-level step or a decision failed with a throttling or transient error:
    /// every decision that could be made was made and recorded; a retry finishes the rest.
    #[error("retryable failure: {summary}")]
    Retryable { summary: String },
    /// Some decisions failed for good (access denied, not verified, ...). Every
    /// decision was made and recorded; a retry would do the same.
    #[error("failed: {summary}")]
    Failed { summary: String },
}

impl HandlerError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, HandlerError::Retryable { .. })
    }
    /// The `errorType` Lambda reports.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::BadEvent(_) => "BadEvent",
            HandlerError::Refused { refusal, .. } if refusal.is_own_account_unknown() => "OwnAccountUnknown",
            HandlerError::Refused { .. } => "ForeignAccount",
            HandlerError::Retryable { .. } => "Retryable",
            HandlerError::Failed { .. } => "Failed",
        }
    }
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    // The message is the error's own text, not its source chain: a bad event's
    // source (a serde error) may quote the payload.
    fn from(e: HandlerError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: e.error_type().to_string(),
            error_message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::operation::get_item::GetItemError as GetBucketPolicyError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: Option<&str>, status: u16) -> SdkError<GetBucketPolicyError, HttpResponse> {
        let mut meta = ErrorMetadata::builder();
        if let Some(c) = code {
            meta = meta.code(c);
        }
        let err = GetBucketPolicyError::generic(meta.build());
        let status = StatusCode::try_from(status).unwrap_or_else(|e| panic!("{e}"));
        SdkError::service_error(err, HttpResponse::new(status, SdkBody::empty()))
    }

    fn map(code: Option<&str>, status: u16) -> PortError {
        port_error("GetBucketPolicy", "bucket b", service_error(code, status))
    }

    #[test]
    fn no_such_bucket_is_not_found() {
        assert!(map(Some("NoSuchBucket"), 404).is_not_found());
    }

    #[test]
    fn access_denied_is_access_denied() {
        assert!(matches!(map(Some("AccessDenied"), 403), PortError::AccessDenied { .. }));
        assert!(matches!(map(None, 403), PortError::AccessDenied { .. }));
    }

    #[test]
    fn throttling_codes_and_503_are_throttled_and_retryable() {
        for code in ["Throttling", "ThrottlingException", "SlowDown", "RequestLimitExceeded"] {
            let e = map(Some(code), 400);
            assert!(matches!(e, PortError::Throttled { .. }), "{code}");
            assert!(e.is_retryable());
        }
        assert!(matches!(map(None, 503), PortError::Throttled { .. }));
        assert!(matches!(map(Some("Whatever"), 429), PortError::Throttled { .. }));
    }

    #[test]
    fn internal_errors_are_transient() {
        assert!(matches!(map(Some("InternalError"), 500), PortError::Transient { .. }));
        assert!(matches!(map(None, 502), PortError::Transient { .. }));
    }

    #[test]
    fn timeouts_are_transient() {
        let e: SdkError<GetBucketPolicyError, HttpResponse> = SdkError::timeout_error("took too long");
        assert!(matches!(
            port_error("GetBucketPolicy", "b", e),
            PortError::Transient { .. }
        ));
    }

    #[test]
    fn other_codes_fail_the_decision_without_retry_and_keep_the_code() {
        let e = map(Some("MalformedPolicy"), 400);
        assert!(matches!(e, PortError::Other { .. }));
        assert!(!e.is_retryable());
        assert!(
            policy::executor::chain(&e).contains("MalformedPolicy"),
            "{}",
            policy::executor::chain(&e)
        );
    }

    #[test]
    fn codes_are_read_from_service_errors() {
        let e = service_error(Some("NoSuchBucketPolicy"), 404);
        assert_eq!(error_code(&e), Some("NoSuchBucketPolicy"));
        assert_eq!(http_status(&e), Some(404));
    }

    #[test]
    fn handler_errors_say_whether_to_retry() {
        assert!(HandlerError::Retryable { summary: "x".into() }.is_retryable());
        assert!(!HandlerError::Failed { summary: "x".into() }.is_retryable());
    }
}
