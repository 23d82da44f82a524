//! Lambda: customer-managed KMS keys keep automatic rotation on, and a scheduled deletion is cancelled.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::KMS_KEYS).await
}
