//! Where the functions' CloudWatch metrics go: EMF lines ([`policy::metrics`]) on
//! standard output, which is the function's log; CloudWatch Logs extracts the
//! metrics from them. Tests give a recorder instead.
use std::io::Write;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use policy::{Event, RunReport};

type WriteLine = dyn Fn(&str) + Send + Sync;

/// Writes EMF lines in one namespace (the stack's name in a deployment).
#[derive(Clone)]
pub struct MetricsSink {
    namespace: String,
    write: Arc<WriteLine>,
}

impl std::fmt::Debug for MetricsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSink")
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl MetricsSink {
    /// Lines to standard output (the Lambda function's log), one whole line per write.
    pub fn stdout(namespace: &str) -> Self {
        Self::new(namespace, |line| {
            let mut out = std::io::stdout().lock();
            // A metric line that can't be written is not worth failing a fix for.
            let _ = writeln!(out, "{line}");
        })
    }

    pub fn new(namespace: &str, write: impl Fn(&str) + Send + Sync + 'static) -> Self {
        MetricsSink {
            namespace: namespace.to_string(),
            write: Arc::new(write),
        }
    }

    /// A sink that keeps the lines, and the lines it kept (tests).
    pub fn recording(namespace: &str) -> (Self, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = lines.clone();
        let sink = Self::new(namespace, move |line| {
            if let Ok(mut l) = kept.lock() {
                l.push(line.to_string());
            }
        });
        (sink, lines)
    }

    /// One line per decision of the run, decided at `now`.
    pub fn decisions(&self, report: &RunReport, event: &Event, now: DateTime<Utc>) {
        let event_time = event.occurred_at();
        for d in &report.decisions {
            if d.outcome.is_admin() {
                continue;
            }
            let line = policy::metrics::decision_line(&self.namespace, d, &event.id, event_time, now);
            (self.write)(&line.to_line());
        }
    }

    /// The notices of a batch that could not be delivered to Slack (none: no line).
    pub fn slack_delivery_failures(&self, failures: usize, now: DateTime<Utc>) {
        if failures > 0 {
            let line = policy::metrics::slack_delivery_failures_line(&self.namespace, failures, now);
            (self.write)(&line.to_line());
        }
    }
}
