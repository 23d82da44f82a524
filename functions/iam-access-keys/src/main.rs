//! Lambda: IAM access keys: over-age and unused keys deactivated, unused console passwords reported.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::IAM_ACCESS_KEYS).await
}
