#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real `notifier` binary, started as Lambda starts it, with a configuration
//! that can't work: it reports the failure to the local Runtime API's
//! `/runtime/init/error` with its type and cause, and exits non-zero.

use std::time::Duration;

use harness::runtime::{INIT_ERROR_PATH, RuntimeApi, lambda_env, run_function};
use harness::*;

#[tokio::test]
async fn an_invalid_variable_is_reported_to_the_runtime_api() {
    let world = World::new().await;
    let api = RuntimeApi::start().await;
    let mut env = lambda_env(&world, &api, "hipaa-autofix-notifier");
    env.insert("SLACK_SECRET_ID".into(), SLACK_SECRET_ID.into());
    env.insert("LEDGER_TABLE".into(), LEDGER_TABLE.into());
    env.insert("NOTICE_REPEAT_WINDOW_HOURS".into(), "a day".into());

    let exit = run_function(env!("CARGO_BIN_EXE_notifier"), &env, Duration::from_secs(60)).await;

    assert!(!exit.status.success(), "{}", exit.output);
    let reports = api.init_errors().await;
    assert_eq!(reports.len(), 1, "{reports:?}\n{}", exit.output);
    assert_eq!(reports[0].error_type_header.as_deref(), Some("Config.InvalidVariable"));
    assert_eq!(reports[0].body["errorType"], "Config.InvalidVariable");
    let message = reports[0].body["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("NOTICE_REPEAT_WINDOW_HOURS"), "{message}");
    assert_eq!(api.requests().await, [format!("POST {INIT_ERROR_PATH}")]);
}

#[tokio::test]
async fn a_missing_slack_secret_is_reported_without_the_webhook() {
    let world = World::new().await;
    let api = RuntimeApi::start().await;
    let mut env = lambda_env(&world, &api, "hipaa-autofix-notifier");
    env.insert("SLACK_SECRET_ID".into(), "hipaa-autofix/not-there".into());

    let exit = run_function(env!("CARGO_BIN_EXE_notifier"), &env, Duration::from_secs(60)).await;

    assert!(!exit.status.success(), "{}", exit.output);
    let reports = api.init_errors().await;
    assert_eq!(reports.len(), 1, "{reports:?}\n{}", exit.output);
    assert_eq!(reports[0].error_type_header.as_deref(), Some("SlackSecret.NotFound"));
    assert!(
        !reports[0].raw.contains(&world.slack.webhook_url()),
        "{}",
        reports[0].raw
    );
}
