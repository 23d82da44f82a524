//! Lambda (organisation mode): on the schedule, refresh the account registry and put
//! one sweep message per (account, region, family) on the family's queue.
//! Everything but the wiring lives in `adapters::apps::planner`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::apps::planner::run().await
}
