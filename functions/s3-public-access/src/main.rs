//! Lambda: S3 bucket- and account-level public access remediation.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::S3_PUBLIC_ACCESS).await
}
