//! Lambda: The IAM account password policy: set when missing or weaker, stronger settings kept.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::IAM_PASSWORD_POLICY).await
}
