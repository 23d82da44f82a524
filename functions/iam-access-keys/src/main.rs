//! Lambda: IAM access keys: over-age and unused keys deactivated, unused console passwords reported.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::app::run("iam-access-keys").await
}
