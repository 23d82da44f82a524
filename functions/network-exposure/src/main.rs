//! Lambda: Security groups that open admin and database ports to the internet, and VPC default security groups with rules.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::NETWORK_EXPOSURE).await
}
