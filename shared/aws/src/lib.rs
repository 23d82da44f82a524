//! hipaa-autofix adapters: the policy crate's ports over the AWS SDK, DynamoDB,
//! Secrets Manager and Slack, and the runtime every Lambda function shares.
//!
//! This is the only crate that imports `aws-sdk-*`. Each resource service's SDK is
//! behind a cargo feature (`s3`, `s3control`, `iam`, `config`; `all` for every one):
//! a function links only what its rules use.
pub mod apps;
pub mod clients;
pub mod config;
#[cfg(feature = "config")]
pub mod config_reporter;
#[cfg(feature = "iam")]
pub mod credential_report;
pub mod dynamo;
pub mod error;
pub mod kinds;
pub mod members;
pub mod metrics;
pub mod notices;
#[cfg(feature = "organizations")]
pub mod organizations;
pub mod slack;
pub mod startup;

pub use apps::function::App;
pub use apps::notifier::NotifierApp;
pub use clients::{Clients, caller_identity, load_sdk_config};
pub use config::FunctionConfig;
#[cfg(feature = "config")]
pub use config_reporter::ConfigReporter;
pub use dynamo::{DynamoLedger, DynamoSettings, table_exists};
pub use error::{AdapterError, ConfigError, HandlerError, InitError};
pub use kinds::AwsAdapter;
pub use metrics::MetricsSink;
pub use notices::QueueNotifier;
pub use slack::{LogNotifier, SlackNotifier};
