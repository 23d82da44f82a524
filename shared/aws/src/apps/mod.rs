//! The Lambda apps: [`function`] (every remediation function: one family's
//! rules), [`notifier`] (delivers queued notices to Slack) and [`interactions`]
//! (Slack's button clicks). Each is built once per container from its typed
//! configuration and run by its function crate's `main`.
pub mod function;
pub mod interactions;
pub mod notifier;
#[cfg(feature = "organizations")]
pub mod planner;

/// Structured logs: JSON lines in Lambda, plain text elsewhere. `RUST_LOG` filters
/// (default `info`). Safe to call twice.
pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}
