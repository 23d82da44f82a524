//! Lambda: the audit trail stays on: CloudTrail logging in every region with validation, encryption and CloudWatch Logs delivery, the AWS Config recorder, GuardDuty, Security Hub.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::AUDIT_TRAIL).await
}
