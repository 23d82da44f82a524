//! Lambda: delivers the notices the remediation functions queue (SQS FIFO) to Slack.
//! Everything but the wiring lives in `adapters::notices`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::notifier::run().await
}
