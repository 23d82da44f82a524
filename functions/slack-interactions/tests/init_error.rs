#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real `slack-interactions` binary, started as Lambda starts it (a process
//! whose `AWS_LAMBDA_RUNTIME_API` names a local Runtime API), configured with a
//! Slack secret id that does not exist in the account. It must report the failure
//! to `/runtime/init/error` with its type, name the cause and never a secret, and
//! exit non-zero.

use std::time::Duration;

use harness::runtime::{INIT_ERROR_PATH, RuntimeApi, lambda_env, run_function};
use harness::*;
use serde_json::json;

const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5-init-test";
const MISSING_SECRET_ID: &str = "hipaa-autofix/no-such-slack-secret";

#[tokio::test]
async fn a_slack_secret_that_does_not_exist_is_reported_to_the_runtime_api_without_any_secret() {
    let world = World::new().await;
    // The real secret exists and holds the webhook and the signing secret; the
    // function is pointed at another id.
    let webhook = world.slack.webhook_url();
    aws_sdk_secretsmanager::Client::new(&world.sdk)
        .put_secret_value()
        .secret_id(SLACK_SECRET_ID)
        .secret_string(json!({"webhook_url": webhook, "signing_secret": SIGNING_SECRET}).to_string())
        .send()
        .await
        .unwrap();
    let api = RuntimeApi::start().await;
    let mut env = lambda_env(&world, &api, "hipaa-autofix-slack-interactions");
    env.extend(
        [
            ("SETTINGS_TABLE", SETTINGS_TABLE),
            ("LEDGER_TABLE", LEDGER_TABLE),
            ("ADMIN_SLACK_USER_IDS", "UADMIN01"),
            ("SLACK_SECRET_ID", MISSING_SECRET_ID),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );

    let exit = run_function(env!("CARGO_BIN_EXE_slack-interactions"), &env, Duration::from_secs(60)).await;

    assert!(
        !exit.status.success(),
        "the process must exit non-zero: {}",
        exit.output
    );
    let reports = api.init_errors().await;
    assert_eq!(reports.len(), 1, "{reports:?}\n{}", exit.output);
    let r = &reports[0];
    assert_eq!(r.error_type_header.as_deref(), Some("SlackSecret.NotFound"), "{r:?}");
    assert_eq!(r.body["errorType"], "SlackSecret.NotFound", "{r:?}");
    let message = r.body["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains(MISSING_SECRET_ID) && message.contains("not found"),
        "the message names the cause: {message}"
    );
    for secret in [SIGNING_SECRET, webhook.as_str()] {
        assert!(!r.raw.contains(secret), "the report holds a secret: {}", r.raw);
        assert!(!exit.output.contains(secret), "the logs hold a secret: {}", exit.output);
    }
    // It reported and stopped: it never asked for an invocation.
    assert_eq!(api.requests().await, [format!("POST {INIT_ERROR_PATH}")]);
}
