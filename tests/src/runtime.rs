//! The Lambda Runtime API, played locally, and a function binary run against it as
//! Lambda runs one: a process whose `AWS_LAMBDA_RUNTIME_API` names the API's
//! `host:port`, with the function's environment and nothing else.
//!
//! [`RuntimeApi`] answers `POST /2018-06-01/runtime/init/error` with 202 and
//! `{"status": "OK"}`, as the API does, and records every request it gets.
//! Nothing is queued for `/invocation/next`: a function that starts asks for its
//! first event and gets a 404, so these tests are about start-up only.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{REGION, World};

/// The initialization-error resource.
pub const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";

/// One request the function made to `/init/error`.
#[derive(Debug, Clone)]
pub struct InitErrorReport {
    /// The `Lambda-Runtime-Function-Error-Type` header.
    pub error_type_header: Option<String>,
    /// The raw body, as text (to search for anything that must not be there).
    pub raw: String,
    /// The body as JSON (`Value::Null` when it isn't).
    pub body: Value,
}

/// A local Runtime API.
pub struct RuntimeApi {
    server: MockServer,
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(INIT_ERROR_PATH))
            .respond_with(ResponseTemplate::new(202).set_body_json(serde_json::json!({"status": "OK"})))
            .mount(&server)
            .await;
        RuntimeApi { server }
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.server.address().to_string()
    }

    /// Every path requested, in order (`POST /2018-06-01/runtime/init/error`, ...).
    pub async fn requests(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    /// The requests made to `/init/error`.
    pub async fn init_errors(&self) -> Vec<InitErrorReport> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == INIT_ERROR_PATH)
            .map(|r| InitErrorReport {
                error_type_header: r
                    .headers
                    .get("lambda-runtime-function-error-type")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                raw: String::from_utf8_lossy(&r.body).into_owned(),
                body: serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            })
            .collect()
    }
}

/// What became of a function process.
#[derive(Debug)]
pub struct Exit {
    pub status: ExitStatus,
    /// stdout and stderr together (the function's JSON logs and `main`'s error).
    pub output: String,
}

/// The environment Lambda gives the function `name`, pointed at `world`'s moto and
/// at `api`; a test adds the function's own variables (as `template.yaml` sets them).
pub fn lambda_env(world: &World, api: &RuntimeApi, name: &str) -> BTreeMap<String, String> {
    [
        ("AWS_LAMBDA_RUNTIME_API", api.address()),
        ("AWS_LAMBDA_FUNCTION_NAME", name.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}")),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2025/01/01/[$LATEST]0123456789abcdef".into(),
        ),
        ("AWS_ENDPOINT_URL", world.moto.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", REGION.into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_MAX_ATTEMPTS", "1".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Run the function binary `bin` with exactly `env` (plus `PATH`, and `HOME` in a
/// temporary directory so no profile or credentials file of the machine is read)
/// until it exits, or kill it after `timeout` (and fail the test).
pub async fn run_function(bin: impl AsRef<Path>, env: &BTreeMap<String, String>, timeout: Duration) -> Exit {
    let home = tempfile::tempdir().expect("a temporary HOME");
    let mut cmd = tokio::process::Command::new(bin.as_ref());
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {}: {e}", bin.as_ref().display()));
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{} did not exit within {timeout:?}", bin.as_ref().display()))
        .expect("waiting for the function");
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    Exit {
        status: out.status,
        output,
    }
}
