//! Lambda behind a function URL: Slack's Interactivity requests (button clicks on
//! notices). Everything but the wiring lives in `adapters::interactions`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::interactions::run().await
}
