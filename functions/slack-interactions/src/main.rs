//! Lambda behind a function URL: Slack's Interactivity requests (button clicks on
//! notices). Everything but the wiring lives in `adapters::interactions`.
use std::sync::Arc;

use adapters::interactions::{Interactions, InteractionsConfig};
use aws_lambda_events::lambda_function_urls::{LambdaFunctionUrlRequest, LambdaFunctionUrlResponse};
use lambda_runtime::{LambdaEvent, service_fn};
use tracing::error;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    adapters::app::init_tracing(true);
    let sdk = adapters::load_sdk_config().await;
    // Typed config (tables, Slack secret, admin allowlist, one FunctionConfig per family).
    let cfg = InteractionsConfig::from_env().inspect_err(|e| error!(error = %e, "invalid configuration"))?;
    // The signing secret (Secrets Manager) and one App per rule family, built once.
    let interactions = Interactions::build(&sdk, &cfg)
        .await
        .inspect_err(|e| error!(error = %adapters::interactions::chain(e), "the function could not start"))?;
    let interactions = Arc::new(interactions);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<LambdaFunctionUrlRequest>| {
        let interactions = Arc::clone(&interactions);
        async move { Ok::<LambdaFunctionUrlResponse, lambda_runtime::Error>(interactions.handle(&ev.payload).await) }
    }))
    .await
}
