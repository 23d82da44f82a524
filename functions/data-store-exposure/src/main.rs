//! Lambda: Data stores open to anyone or unencrypted by default: EBS encryption by default, public EBS and RDS snapshots, publicly accessible RDS instances, public Lambda functions.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::DATA_STORE_EXPOSURE).await
}
