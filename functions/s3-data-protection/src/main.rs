//! Lambda: S3 bucket data protection (default encryption, TLS only, versioning, access logs, ACLs disabled).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::S3_DATA_PROTECTION).await
}
