//! Error types of the policy crate.
use std::error::Error as StdError;

/// An inbound event could not be understood. Nothing is changed for it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("event is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    #[error("event has an unknown shape: {0}")]
    UnknownShape(String),
    #[error("event is missing `{field}` ({context})")]
    Missing { field: &'static str, context: &'static str },
    #[error("event field `{field}` is invalid: {reason}")]
    Invalid { field: &'static str, reason: String },
}

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What went wrong talking to the world through a port. The variant decides what
/// happens: `NotFound` is a quiet no-op, `Throttled`/`Transient` are retried by the
/// runtime, `AccessDenied` is alarmed, the rest fail the one (rule, resource).
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("access denied: {operation}")]
    AccessDenied {
        operation: String,
        #[source]
        source: BoxError,
    },
    #[error("throttled: {operation}")]
    Throttled {
        operation: String,
        #[source]
        source: BoxError,
    },
    #[error("transient failure: {operation}")]
    Transient {
        operation: String,
        #[source]
        source: BoxError,
    },
    #[error("{operation} failed")]
    Other {
        operation: String,
        #[source]
        source: BoxError,
    },
    #[error("invalid data from {operation}: {reason}")]
    InvalidData { operation: String, reason: String },
    #[error("not supported here: {0}")]
    Unsupported(String),
}

impl PortError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, PortError::NotFound { .. })
    }
    /// Whether running the same event again could succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, PortError::Throttled { .. } | PortError::Transient { .. })
    }
}
