//! Lambda: IAM console users without MFA: warned, quarantined, then (when enabled) their console password removed; root MFA reported.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::IAM_MFA).await
}
