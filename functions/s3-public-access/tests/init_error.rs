#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real `s3-public-access` binary (the start-up every rule family shares,
//! `adapters::apps::function::run`), started as Lambda starts it: a Slack secret that does not
//! exist, and no credentials at all, are each reported to the local Runtime API's
//! `/runtime/init/error` with their type, and the process exits non-zero.

use std::collections::BTreeMap;
use std::time::Duration;

use harness::runtime::{INIT_ERROR_PATH, RuntimeApi, lambda_env, run_function};
use harness::*;

fn function_env(world: &World, api: &RuntimeApi) -> BTreeMap<String, String> {
    let mut env = lambda_env(world, api, "hipaa-autofix-s3-public-access");
    env.extend(world.env.clone());
    env
}

#[tokio::test]
async fn a_slack_secret_that_does_not_exist_is_reported_without_the_webhook() {
    let world = World::new().await;
    let api = RuntimeApi::start().await;
    let mut env = function_env(&world, &api);
    env.insert("SLACK_SECRET_ID".into(), "hipaa-autofix/not-there".into());

    let exit = run_function(env!("CARGO_BIN_EXE_s3-public-access"), &env, Duration::from_secs(60)).await;

    assert!(!exit.status.success(), "{}", exit.output);
    let reports = api.init_errors().await;
    assert_eq!(reports.len(), 1, "{reports:?}\n{}", exit.output);
    let r = &reports[0];
    assert_eq!(r.error_type_header.as_deref(), Some("SlackSecret.NotFound"));
    assert_eq!(r.body["errorType"], "SlackSecret.NotFound");
    assert!(
        r.body["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("hipaa-autofix/not-there")),
        "{r:?}"
    );
    let webhook = world.slack.webhook_url();
    assert!(!r.raw.contains(&webhook) && !exit.output.contains(&webhook));
    assert_eq!(api.requests().await, [format!("POST {INIT_ERROR_PATH}")]);
}

#[tokio::test]
async fn no_credentials_is_reported_as_such() {
    let world = World::new().await;
    let api = RuntimeApi::start().await;
    let mut env = function_env(&world, &api);
    env.remove("AWS_ACCESS_KEY_ID");
    env.remove("AWS_SECRET_ACCESS_KEY");

    let exit = run_function(env!("CARGO_BIN_EXE_s3-public-access"), &env, Duration::from_secs(60)).await;

    assert!(!exit.status.success(), "{}", exit.output);
    let reports = api.init_errors().await;
    assert_eq!(reports.len(), 1, "{reports:?}\n{}", exit.output);
    assert_eq!(
        reports[0].error_type_header.as_deref(),
        Some("Credentials.Unavailable"),
        "{reports:?}"
    );
    assert_eq!(reports[0].body["errorType"], "Credentials.Unavailable");
}
