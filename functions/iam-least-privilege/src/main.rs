//! Lambda: IAM users' own policies moved to a group of their own (the user keeps every permission throughout).

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::function::run(policy::family::IAM_LEAST_PRIVILEGE).await
}
