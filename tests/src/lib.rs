//! The local AWS world for hipaa-autofix's integration tests.
//!
//! * [`Moto`]: a moto server (pinned in `scripts/bootstrap-python.sh`) on a free
//!   loopback port, one per test. Tests run under cargo-nextest, one process per
//!   test, so every test has its own empty AWS: no name clashes, no reset.
//! * [`Slack`]: a local HTTP server standing in for Slack's incoming webhook.
//! * [`World`]: both, plus SDK clients to seed state and assert on it, the settings
//!   and ledger tables, the Slack webhook secret, and the function under test built
//!   by the real `adapters::apps::function::App::build`.
//! * [`runtime`]: a local Lambda Runtime API, and a function binary run against it
//!   as a process, as Lambda starts one.
//!
//! State is seeded with the AWS SDK against moto, never with hand-written mocks.
//!
//! [`deployment`]: the template, README and fixtures as the code sees them, and
//! the conformance check of every rule against them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod deployment;
pub mod runtime;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use adapters::apps::function::{App, HandlerError};
use adapters::config::FunctionConfig;
use anyhow::{Context as _, bail};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType};
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::types::{
    AccessControlPolicy, Grant, Grantee, Permission, PublicAccessBlockConfiguration, Tag, Tagging, Type,
};
use lambda_runtime::{Context, LambdaEvent};
use policy::memory::RecordingReporter;
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
pub const FAMILY: &str = "s3-public-access";
pub const BUCKET_RULE: &str = "s3-bucket-public-access";
pub const ACCOUNT_RULE: &str = "s3-account-public-access-block";
/// The function's own role: CloudTrail events from its sessions are ignored (loop guard).
pub const OWN_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/hipaa-autofix-s3-public-access";
pub const SETTINGS_TABLE: &str = "hipaa-autofix-settings";
pub const LEDGER_TABLE: &str = "hipaa-autofix-ledger";
pub const SLACK_SECRET_ID: &str = "hipaa-autofix/slack-webhook";
pub const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
pub const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
pub const EXEMPT_TAG: &str = "hipaa-autofix:exempt";

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

// ---------------------------------------------------------------------------
// moto

/// A moto server on 127.0.0.1 and a port it picked itself; killed on drop.
pub struct Moto {
    pub endpoint: String,
    pub port: u16,
    child: Child,
}

impl Moto {
    /// Start `tests/moto/launcher.py` with the repo's venv and wait until it answers.
    pub async fn start() -> anyhow::Result<Moto> {
        let root = repo_root();
        let python = root.join(".venv/bin/python");
        if !python.exists() {
            bail!(
                "{} is missing: run `scripts/bootstrap-python.sh` first (it installs the pinned moto server)",
                python.display()
            );
        }
        let mut child = Command::new(&python)
            .arg(root.join("tests/moto/launcher.py"))
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            // moto's request log goes to the test's stderr: nextest shows it only on failure.
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning {}", python.display()))?;
        let stdout = child.stdout.take().context("launcher stdout")?;
        // Read the PORT= line off the runtime's threads (the read blocks).
        let port = tokio::task::spawn_blocking(move || -> anyhow::Result<u16> {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref() {
                let line = line?;
                if let Some(p) = line.trim().strip_prefix("PORT=") {
                    let port = p.parse().with_context(|| format!("bad port line {line:?}"))?;
                    // Keep draining stdout so the launcher never blocks on a full pipe.
                    std::thread::spawn(move || lines.for_each(drop));
                    return Ok(port);
                }
            }
            bail!("the moto launcher exited without printing PORT=")
        })
        .await??;
        let moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            child,
        };
        moto.wait_ready().await?;
        Ok(moto)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let url = format!("{}/moto-api/data.json", self.endpoint);
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("moto did not answer {url} within 20 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Backdate an IAM access key (moto stamps CreateDate = now and has no time travel):
    /// the launcher's `POST /moto-api/hipaa/iam/access-key-dates` route.
    pub async fn set_access_key_dates(
        &self,
        access_key_id: &str,
        create_date: Option<&str>,
        last_used: Option<&str>,
    ) -> anyhow::Result<Value> {
        let mut body = serde_json::json!({
            "account_id": ACCOUNT,
            "access_key_id": access_key_id,
            "last_used": last_used,
            "last_used_service": "s3",
            "last_used_region": REGION,
        });
        if let Some(c) = create_date {
            body["create_date"] = Value::from(c);
        }
        let r = reqwest::Client::new()
            .post(format!("{}/moto-api/hipaa/iam/access-key-dates", self.endpoint))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let text = r.text().await?;
        if !status.is_success() {
            bail!("access-key-dates answered {status}: {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }
}

/// The AWS requests the moto launcher saw (`GET /moto-api/hipaa/requests`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RequestCounts {
    pub total: u64,
    /// By SigV4 service name (`iam`, `s3`, `dynamodb`, ...).
    pub by_service: BTreeMap<String, u64>,
    /// By `service:Operation` (`iam:ListUsers`; S3 as `s3:METHOD subresource`).
    pub by_operation: BTreeMap<String, u64>,
    /// Requests answered with an injected throttling error.
    pub throttled: u64,
    /// Mutating requests that took effect but were answered 500.
    pub after_change: u64,
    /// The operations (`service:Operation`) in the order they arrived (the last 10,000).
    #[serde(default)]
    pub sequence: Vec<String>,
}

impl RequestCounts {
    pub fn service(&self, name: &str) -> u64 {
        self.by_service.get(name).copied().unwrap_or(0)
    }
}

impl Moto {
    async fn post_api(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let r = reqwest::Client::new()
            .post(format!("{}/moto-api/hipaa/{path}", self.endpoint))
            .json(body)
            .send()
            .await?;
        let status = r.status();
        let text = r.text().await?;
        if !status.is_success() {
            bail!("{path} answered {status}: {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }

    /// Inject faults from now on (the launcher's `POST /moto-api/hipaa/faults`):
    /// `throttle_percent` % of AWS requests answered with the service's throttling
    /// error, and `after_change_percent` % of the mutating requests that succeed
    /// answered 500 after taking effect. Seeded: the same seed, the same faults.
    pub async fn set_faults(&self, seed: u64, throttle_percent: f64, after_change_percent: f64) -> anyhow::Result<()> {
        self.post_api(
            "faults",
            &serde_json::json!({
                "seed": seed,
                "throttle_percent": throttle_percent,
                "after_change_percent": after_change_percent,
            }),
        )
        .await
        .map(drop)
    }

    /// The AWS requests seen since start or the last [`Moto::reset_requests`].
    pub async fn requests(&self) -> anyhow::Result<RequestCounts> {
        let r = reqwest::Client::new()
            .get(format!("{}/moto-api/hipaa/requests", self.endpoint))
            .send()
            .await?;
        Ok(r.json().await?)
    }

    pub async fn reset_requests(&self) -> anyhow::Result<()> {
        self.post_api("requests/reset", &serde_json::json!({})).await.map(drop)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SDK configuration for moto: static test credentials, us-east-1, the endpoint,
/// and no retries (an API moto lacks fails at once instead of after backoff).
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "hipaa-autofix-tests",
        ))
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

/// An S3 client for moto (path-style: `bucket.127.0.0.1` does not resolve).
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(sdk).force_path_style(true).build())
}

/// S3 Control puts the account id in front of the endpoint's host
/// (`123456789012.127.0.0.1`), which does not resolve. This resolver sends every
/// request to the endpoint as given; moto routes `/v20180820/...` to S3 Control and
/// reads the account from the `x-amz-account-id` header.
#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

pub fn s3control_client(sdk: &SdkConfig, endpoint: &str) -> aws_sdk_s3control::Client {
    aws_sdk_s3control::Client::from_conf(
        aws_sdk_s3control::config::Builder::from(sdk)
            .endpoint_resolver(FixedEndpoint(endpoint.to_string()))
            .build(),
    )
}

// ---------------------------------------------------------------------------
// Slack

/// A local stand-in for a Slack incoming webhook.
pub struct Slack {
    server: MockServer,
}

impl Slack {
    /// A webhook that answers 200 "ok", as Slack does.
    pub async fn up() -> Slack {
        Self::answering(200, "ok").await
    }

    /// A webhook that answers 500: Slack is down.
    pub async fn down() -> Slack {
        Self::answering(500, "internal_error").await
    }

    async fn answering(status: u16, body: &str) -> Slack {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        Slack { server }
    }

    /// The URL to keep in the Slack secret.
    pub fn webhook_url(&self) -> String {
        format!("{}/services/T/B/X", self.server.uri())
    }

    /// Every body POSTed so far, as JSON (a body that isn't JSON fails the test).
    pub async fn posts(&self) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "POST")
            .map(|r| {
                assert_eq!(r.url.path(), "/services/T/B/X", "posted to the wrong path");
                serde_json::from_slice(&r.body)
                    .unwrap_or_else(|e| panic!("Slack got a body that is not JSON ({e}): {:?}", r.body))
            })
            .collect()
    }

    /// Posts whose text mentions `needle` (e.g. a bucket name).
    pub async fn posts_mentioning(&self, needle: &str) -> Vec<Value> {
        self.posts()
            .await
            .into_iter()
            .filter(|p| p.to_string().contains(needle))
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Fixtures

pub fn fixtures_dir() -> PathBuf {
    repo_root().join("tests/fixtures/events")
}

/// An event fixture from `tests/fixtures/events/`.
pub fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A CloudTrail fixture rewritten to name another bucket.
pub fn fixture_for_bucket(name: &str, bucket: &str) -> Value {
    let mut v = fixture(name);
    let params = v
        .pointer_mut("/detail/requestParameters")
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{name} has no detail.requestParameters"));
    params.insert("bucketName".into(), Value::from(bucket));
    params.insert("Host".into(), Value::from(format!("{bucket}.s3.amazonaws.com")));
    v
}

// ---------------------------------------------------------------------------
// The function under test

/// The real function, built by `App::build`, with the Config `PutEvaluations` port
/// swapped for a recorder (moto answers PutEvaluations only in TestMode; a real
/// call gets HTTP 500 "not yet implemented").
pub struct Function {
    pub app: App,
    pub reporter: Arc<RecordingReporter>,
    /// The ARN Lambda invokes the function by; its account is [`ACCOUNT`].
    pub function_arn: String,
}

impl Function {
    /// The executor the handler would run `event` with, in the function's own account
    /// (learned from its ARN, as the Lambda handler does): for tests that inspect the
    /// run report itself.
    pub fn executor_for(&self, event: &policy::Event) -> policy::Executor {
        let accounts = self
            .app
            .learn_account(&self.function_arn)
            .expect("the test function's ARN names its account");
        self.app.executor_in(event, accounts)
    }

    /// Call the real Lambda handler, as the runtime does: with a context carrying the
    /// function's ARN in the test account, from which the handler learns its account.
    pub async fn handle(&self, payload: Value) -> Result<Value, HandlerError> {
        self.handle_in(payload, lambda_context(&self.function_arn)).await
    }

    /// Call the real Lambda handler with a context the test chose (another ARN, none).
    pub async fn handle_in(&self, payload: Value, context: Context) -> Result<Value, HandlerError> {
        adapters::apps::function::handler(LambdaEvent::new(payload, context), &self.app).await
    }
}

/// The ARN of a function of `family` in `account`, as Lambda names it.
pub fn function_arn(account: &str, family: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{account}:function:hipaa-autofix-{family}")
}

/// A Lambda invocation context carrying `function_arn` (what the runtime gives a handler).
pub fn lambda_context(function_arn: &str) -> Context {
    let mut c = Context::default();
    c.invoked_function_arn = function_arn.to_string();
    c
}

/// A local AWS world: moto, a Slack receiver, the function's tables and secret.
pub struct World {
    pub moto: Moto,
    pub sdk: SdkConfig,
    pub slack: Slack,
    pub s3: aws_sdk_s3::Client,
    pub s3control: aws_sdk_s3control::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// IAM, to seed users and read the account back.
    pub iam: aws_sdk_iam::Client,
    /// The function family under test (`s3-public-access` unless [`World::for_family`]).
    pub family: String,
    /// The function's environment, as `template.yaml` would set it; tests may edit it
    /// before calling [`World::function`].
    pub env: BTreeMap<String, String>,
}

impl World {
    /// A world whose Slack answers 200.
    pub async fn new() -> World {
        Self::with_slack(Slack::up().await).await
    }

    /// A world whose Slack answers 500.
    pub async fn with_slack_down() -> World {
        Self::with_slack(Slack::down().await).await
    }

    pub async fn with_slack(slack: Slack) -> World {
        let moto = Moto::start().await.expect("starting moto");
        let sdk = sdk_config(&moto.endpoint).await;
        let world = World {
            s3: s3_client(&sdk),
            s3control: s3control_client(&sdk, &moto.endpoint),
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            iam: aws_sdk_iam::Client::new(&sdk),
            family: FAMILY.to_string(),
            env: BTreeMap::from(
                [
                    ("SETTINGS_TABLE", SETTINGS_TABLE),
                    ("LEDGER_TABLE", LEDGER_TABLE),
                    ("SLACK_SECRET_ID", SLACK_SECRET_ID),
                    ("OWN_ROLE_ARNS", OWN_ROLE_ARN),
                    ("DRY_RUN", "false"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string())),
            ),
            sdk,
            slack,
            moto,
        };
        world.create_table(SETTINGS_TABLE, "pk").await;
        world.create_table(LEDGER_TABLE, "id").await;
        aws_sdk_secretsmanager::Client::new(&world.sdk)
            .create_secret()
            .name(SLACK_SECRET_ID)
            .secret_string(world.slack.webhook_url())
            .send()
            .await
            .expect("creating the Slack secret");
        world
    }

    async fn create_table(&self, name: &str, key: &str) {
        self.dynamodb
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(key)
                    .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(key)
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap_or_else(|e| panic!("creating table {name}: {e:?}"));
    }

    /// The function's typed config, read from [`World::env`] the way `main` reads the environment.
    pub fn config(&self) -> FunctionConfig {
        let family = policy::catalog::family_by_name(&self.family).expect("a known function family");
        FunctionConfig::from_lookup(family, |k| self.env.get(k).cloned()).expect("the test environment is valid")
    }

    /// Build the function under test from [`World::env`].
    pub async fn function(&self) -> Function {
        self.function_with(&self.config()).await
    }

    /// Build the function under test from a config a test adjusted (e.g. its `params`).
    pub async fn function_with(&self, cfg: &FunctionConfig) -> Function {
        let cfg = cfg.clone();
        let mut app = App::build(&self.sdk, &cfg).await.expect("App::build");
        let reporter = Arc::new(RecordingReporter::default());
        // moto answers PutEvaluations only with TestMode=true (a real call returns 500):
        // record the call instead; its content is asserted in the Config test.
        app.ports.reporter = reporter.clone();
        app.sweep_ports.reporter = reporter.clone();
        Function {
            app,
            reporter,
            function_arn: function_arn(ACCOUNT, cfg.family.name()),
        }
    }

    // -- settings ------------------------------------------------------------

    /// Set a rule's mode in the settings table, through the adapter `autofix rules set` uses.
    pub async fn set_mode(&self, rule: &str, mode: policy::Mode) {
        adapters::dynamo::DynamoSettings::new(self.dynamodb.clone(), SETTINGS_TABLE)
            .set_mode(rule, mode, "integration-test", "set by the test")
            .await
            .expect("setting the mode");
    }

    // -- ledger --------------------------------------------------------------

    /// Every record in the ledger table, read through the adapter that wrote them.
    pub async fn ledger(&self) -> Vec<policy::LedgerRecord> {
        let ledger = adapters::dynamo::DynamoLedger::new(self.dynamodb.clone(), LEDGER_TABLE);
        let mut records = ledger.list_records().await.expect("listing the ledger");
        records.sort_by(|a, b| a.id.cmp(&b.id));
        records
    }

    /// Ledger records about one resource ARN.
    pub async fn ledger_for(&self, arn: &str) -> Vec<policy::LedgerRecord> {
        self.ledger().await.into_iter().filter(|r| r.resource == arn).collect()
    }

    // -- seeding S3 ----------------------------------------------------------

    /// A private bucket with all four bucket-level BPA settings on (compliant).
    pub async fn compliant_bucket(&self, name: &str) {
        self.create_bucket(name).await;
        self.put_bpa(name, [true; 4]).await;
    }

    /// A bucket with no BPA configuration, no policy and a private ACL.
    pub async fn create_bucket(&self, name: &str) {
        self.s3.create_bucket().bucket(name).send().await.expect("CreateBucket");
        // moto creates buckets without BPA, but be explicit: a seeded bucket starts bare.
        let _ = self.s3.delete_public_access_block().bucket(name).send().await;
    }

    /// Grant `permission` to the group `group_uri` on top of the owner's FULL_CONTROL.
    /// (Explicit grants: moto reads canned `public-read-write` back as READ only.)
    pub async fn grant_group(&self, bucket: &str, group_uri: &str, permission: Permission) {
        let acl = self
            .s3
            .get_bucket_acl()
            .bucket(bucket)
            .send()
            .await
            .expect("GetBucketAcl");
        let owner = acl.owner().cloned().expect("bucket has an owner");
        let mut grants: Vec<Grant> = acl.grants().to_vec();
        grants.push(
            Grant::builder()
                .grantee(Grantee::builder().r#type(Type::Group).uri(group_uri).build().unwrap())
                .permission(permission)
                .build(),
        );
        self.s3
            .put_bucket_acl()
            .bucket(bucket)
            .access_control_policy(
                AccessControlPolicy::builder()
                    .owner(owner)
                    .set_grants(Some(grants))
                    .build(),
            )
            .send()
            .await
            .expect("PutBucketAcl");
    }

    /// A bucket readable by everyone through its ACL (AllUsers READ), without BPA.
    pub async fn public_read_bucket(&self, name: &str) {
        self.create_bucket(name).await;
        self.grant_group(name, ALL_USERS, Permission::Read).await;
    }

    pub async fn put_policy(&self, bucket: &str, policy: &Value) {
        self.s3
            .put_bucket_policy()
            .bucket(bucket)
            .policy(policy.to_string())
            .send()
            .await
            .expect("PutBucketPolicy");
    }

    pub async fn put_bpa(&self, bucket: &str, [a, b, c, d]: [bool; 4]) {
        self.s3
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(a)
                    .ignore_public_acls(b)
                    .block_public_policy(c)
                    .restrict_public_buckets(d)
                    .build(),
            )
            .send()
            .await
            .expect("PutPublicAccessBlock");
    }

    pub async fn tag(&self, bucket: &str, key: &str, value: &str) {
        self.s3
            .put_bucket_tagging()
            .bucket(bucket)
            .tagging(
                Tagging::builder()
                    .tag_set(Tag::builder().key(key).value(value).build().unwrap())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("PutBucketTagging");
    }

    pub async fn delete_bucket(&self, bucket: &str) {
        self.s3
            .delete_bucket()
            .bucket(bucket)
            .send()
            .await
            .expect("DeleteBucket");
    }

    /// Turn the account-level BPA on (all four), so account checks pass.
    pub async fn account_bpa_on(&self) {
        self.s3control
            .put_public_access_block()
            .account_id(ACCOUNT)
            .public_access_block_configuration(
                aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .expect("PutPublicAccessBlock (account)");
    }

    // -- reading S3 back -----------------------------------------------------

    /// The bucket's grants as (grantee, permission): a group's URI or a user's canonical id.
    pub async fn grants(&self, bucket: &str) -> Vec<(String, String)> {
        let acl = self
            .s3
            .get_bucket_acl()
            .bucket(bucket)
            .send()
            .await
            .expect("GetBucketAcl");
        acl.grants()
            .iter()
            .map(|g| {
                let who = g
                    .grantee()
                    .map(|e| e.uri().or(e.id()).or(e.email_address()).unwrap_or("?").to_string())
                    .unwrap_or_default();
                let perm = g.permission().map(|p| p.as_str().to_string()).unwrap_or_default();
                (who, perm)
            })
            .collect()
    }

    /// The bucket owner's canonical id.
    pub async fn owner_id(&self, bucket: &str) -> String {
        let acl = self
            .s3
            .get_bucket_acl()
            .bucket(bucket)
            .send()
            .await
            .expect("GetBucketAcl");
        acl.owner().and_then(|o| o.id()).expect("owner id").to_string()
    }

    /// Whether any grant goes to AllUsers or AuthenticatedUsers.
    pub async fn has_public_grant(&self, bucket: &str) -> bool {
        self.grants(bucket)
            .await
            .iter()
            .any(|(who, _)| who == ALL_USERS || who == AUTHENTICATED_USERS)
    }

    /// The bucket policy, or `None` when it has none.
    pub async fn policy(&self, bucket: &str) -> Option<Value> {
        match self.s3.get_bucket_policy().bucket(bucket).send().await {
            Ok(o) => Some(serde_json::from_str(o.policy().expect("policy text")).expect("policy is JSON")),
            Err(e) if format!("{e:?}").contains("NoSuchBucketPolicy") => None,
            Err(e) => panic!("GetBucketPolicy {bucket}: {e:?}"),
        }
    }

    /// The bucket policy's statement Sids.
    pub async fn policy_sids(&self, bucket: &str) -> Vec<String> {
        self.policy(bucket)
            .await
            .and_then(|p| p.get("Statement").cloned())
            .map(|s| match s {
                Value::Array(a) => a,
                other => vec![other],
            })
            .unwrap_or_default()
            .iter()
            .map(|s| s.get("Sid").and_then(Value::as_str).unwrap_or("").to_string())
            .collect()
    }

    /// The bucket's BPA settings [BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy,
    /// RestrictPublicBuckets], or `None` when it has no configuration.
    pub async fn bpa(&self, bucket: &str) -> Option<[bool; 4]> {
        match self.s3.get_public_access_block().bucket(bucket).send().await {
            Ok(o) => {
                let c = o.public_access_block_configuration().expect("configuration");
                Some([
                    c.block_public_acls().unwrap_or(false),
                    c.ignore_public_acls().unwrap_or(false),
                    c.block_public_policy().unwrap_or(false),
                    c.restrict_public_buckets().unwrap_or(false),
                ])
            }
            Err(e) if format!("{e:?}").contains("NoSuchPublicAccessBlockConfiguration") => None,
            Err(e) => panic!("GetPublicAccessBlock {bucket}: {e:?}"),
        }
    }

    /// The account's BPA settings, read through S3 Control, or `None` when unset.
    pub async fn account_bpa(&self) -> Option<[bool; 4]> {
        match self
            .s3control
            .get_public_access_block()
            .account_id(ACCOUNT)
            .send()
            .await
        {
            Ok(o) => {
                let c = o.public_access_block_configuration().expect("configuration");
                Some([
                    c.block_public_acls().unwrap_or(false),
                    c.ignore_public_acls().unwrap_or(false),
                    c.block_public_policy().unwrap_or(false),
                    c.restrict_public_buckets().unwrap_or(false),
                ])
            }
            Err(e) if format!("{e:?}").contains("NoSuchPublicAccessBlockConfiguration") => None,
            Err(e) => panic!("GetPublicAccessBlock (account): {e:?}"),
        }
    }

    /// Everything a test may want to compare before and after a no-op.
    pub async fn bucket_state(&self, bucket: &str) -> (Vec<(String, String)>, Option<Value>, Option<[bool; 4]>) {
        (
            self.grants(bucket).await,
            self.policy(bucket).await,
            self.bpa(bucket).await,
        )
    }
}

/// The ARN the rules use for a bucket.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// A date `days` from today (negative: in the past), as the exemption tag writes it.
pub fn date_in_days(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A CloudFront OAC statement (service principal pinned by `AWS:SourceArn`): not public.
pub fn cloudfront_oac_statement(bucket: &str) -> Value {
    serde_json::json!({
        "Sid": "AllowCloudFrontServicePrincipalReadOnly",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{bucket}/*"),
        "Condition": {"StringEquals": {"AWS:SourceArn": format!("arn:aws:cloudfront::{ACCOUNT}:distribution/E2QWRUHAPOMQZL")}}
    })
}

/// A statement that lets anyone read every object: public.
pub fn public_read_statement(bucket: &str) -> Value {
    serde_json::json!({
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{bucket}/*")
    })
}

// ---------------------------------------------------------------------------
// IAM

pub const IAM_ACCESS_KEYS: &str = "iam-access-keys";
pub const IAM_MFA: &str = "iam-mfa";
pub const IAM_PASSWORD_POLICY: &str = "iam-password-policy";
pub const KEY_ROTATED_RULE: &str = "iam-access-key-rotated";
pub const UNUSED_RULE: &str = "iam-credentials-unused";
pub const MFA_RULE: &str = "iam-user-console-mfa";
pub const ROOT_MFA_RULE: &str = "iam-root-account-mfa";
pub const PASSWORD_RULE: &str = "iam-password-policy";
pub const BREAK_GLASS_TAG: &str = "hipaa-autofix:break-glass";
/// The customer-managed policy the stack creates to quarantine users without MFA.
pub const QUARANTINE_POLICY: &str = "hipaa-autofix-mfa-quarantine";

/// The quarantine policy's ARN in the test account.
pub fn quarantine_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{QUARANTINE_POLICY}")
}

/// The ARN the rules use for a user.
pub fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

/// The self-managed-MFA quarantine policy document, shared with the template.
pub fn quarantine_policy_document() -> String {
    let path = repo_root().join("tests/fixtures/mfa-quarantine-policy.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// An IAM CloudTrail fixture rewritten to name another user (and, for key calls, key).
pub fn fixture_for_user(name: &str, user: &str, key_id: Option<&str>) -> Value {
    let mut v = fixture(name);
    let params = v
        .pointer_mut("/detail/requestParameters")
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{name} has no detail.requestParameters"));
    params.insert("userName".into(), Value::from(user));
    if let Some(k) = key_id {
        params.insert("accessKeyId".into(), Value::from(k));
    }
    v
}

/// A scheduled sweep event with its own id (a sweep's ledger claims are per event id).
pub fn scheduled_event(id: &str) -> Value {
    let mut v = fixture("scheduled-event.json");
    v["id"] = Value::from(id);
    v
}

/// `days` days before now, as RFC 3339 (for the launcher's access-key-dates route).
pub fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339()
}

impl World {
    /// A world whose function under test is `family` (Slack answers 200).
    pub async fn for_family(family: &str) -> World {
        let mut w = World::new().await;
        w.family = family.to_string();
        w
    }

    pub async fn create_user(&self, name: &str) {
        self.iam.create_user().user_name(name).send().await.expect("CreateUser");
    }

    /// The user's unique id (`AIDA...`), as AWS Config names users.
    pub async fn user_id(&self, name: &str) -> String {
        let out = self.iam.get_user().user_name(name).send().await.expect("GetUser");
        out.user().expect("user").user_id().to_string()
    }

    pub async fn tag_user(&self, name: &str, key: &str, value: &str) {
        self.iam
            .tag_user()
            .user_name(name)
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("TagUser");
    }

    /// A new active access key for `user`; its id.
    pub async fn create_access_key(&self, user: &str) -> String {
        let out = self
            .iam
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .expect("CreateAccessKey");
        out.access_key().expect("access key").access_key_id().to_string()
    }

    /// Backdate a key: created `created_days_ago` days ago, last used
    /// `last_used_days_ago` days ago (`None`: never used).
    pub async fn backdate_key(&self, key_id: &str, created_days_ago: i64, last_used_days_ago: Option<i64>) {
        let last = last_used_days_ago.map(days_ago);
        self.moto
            .set_access_key_dates(key_id, Some(&days_ago(created_days_ago)), last.as_deref())
            .await
            .expect("backdating the key");
    }

    /// A user with one key created `created_days_ago` days ago and last used as given; the key id.
    pub async fn user_with_key(&self, user: &str, created_days_ago: i64, last_used_days_ago: Option<i64>) -> String {
        self.create_user(user).await;
        let key = self.create_access_key(user).await;
        self.backdate_key(&key, created_days_ago, last_used_days_ago).await;
        key
    }

    /// Each key of `user` and whether it is active.
    pub async fn keys(&self, user: &str) -> BTreeMap<String, bool> {
        let out = self
            .iam
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .expect("ListAccessKeys");
        out.access_key_metadata()
            .iter()
            .map(|k| {
                (
                    k.access_key_id().unwrap_or_default().to_string(),
                    k.status() == Some(&aws_sdk_iam::types::StatusType::Active),
                )
            })
            .collect()
    }

    /// Whether `key_id` of `user` is active.
    pub async fn key_active(&self, user: &str, key_id: &str) -> bool {
        *self
            .keys(user)
            .await
            .get(key_id)
            .unwrap_or_else(|| panic!("no key {key_id} on {user}"))
    }

    /// Set a key's status as a user would (`aws iam update-access-key`).
    pub async fn set_key_active(&self, user: &str, key_id: &str, active: bool) {
        use aws_sdk_iam::types::StatusType;
        self.iam
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(if active {
                StatusType::Active
            } else {
                StatusType::Inactive
            })
            .send()
            .await
            .expect("UpdateAccessKey");
    }

    /// Give `user` a console password (moto stamps its CreateDate = now).
    pub async fn create_login_profile(&self, user: &str) {
        self.iam
            .create_login_profile()
            .user_name(user)
            .password("Correct-Horse-Battery-9")
            .send()
            .await
            .expect("CreateLoginProfile");
    }

    pub async fn has_login_profile(&self, user: &str) -> bool {
        match self.iam.get_login_profile().user_name(user).send().await {
            Ok(_) => true,
            Err(e) if format!("{e:?}").contains("NoSuchEntity") => false,
            Err(e) => panic!("GetLoginProfile {user}: {e:?}"),
        }
    }

    /// A console user without MFA: a user and a login profile.
    pub async fn console_user(&self, user: &str) {
        self.create_user(user).await;
        self.create_login_profile(user).await;
    }

    /// Create and enable a virtual MFA device for `user` (moto accepts any codes); its serial.
    pub async fn enable_virtual_mfa(&self, user: &str) -> String {
        let out = self
            .iam
            .create_virtual_mfa_device()
            .virtual_mfa_device_name(format!("{user}-phone"))
            .send()
            .await
            .expect("CreateVirtualMFADevice");
        let serial = out.virtual_mfa_device().expect("device").serial_number().to_string();
        self.iam
            .enable_mfa_device()
            .user_name(user)
            .serial_number(&serial)
            .authentication_code1("123456")
            .authentication_code2("654321")
            .send()
            .await
            .expect("EnableMFADevice");
        serial
    }

    /// Create the stack's quarantine policy (the AWS-documented self-managed-MFA
    /// policy in `tests/fixtures/mfa-quarantine-policy.json`); its ARN.
    pub async fn create_quarantine_policy(&self) -> String {
        let out = self
            .iam
            .create_policy()
            .policy_name(QUARANTINE_POLICY)
            .description("hipaa-autofix: denies everything except setting up one's own MFA device")
            .policy_document(quarantine_policy_document())
            .send()
            .await
            .expect("CreatePolicy (quarantine)");
        out.policy().and_then(|p| p.arn()).expect("policy arn").to_string()
    }

    /// ARNs of the managed policies attached to `user`.
    pub async fn attached_policies(&self, user: &str) -> Vec<String> {
        let out = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .expect("ListAttachedUserPolicies");
        out.attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .map(str::to_owned)
            .collect()
    }

    pub async fn is_quarantined(&self, user: &str) -> bool {
        self.attached_policies(user).await.contains(&quarantine_arn())
    }

    pub async fn attach_policy(&self, user: &str, arn: &str) {
        self.iam
            .attach_user_policy()
            .user_name(user)
            .policy_arn(arn)
            .send()
            .await
            .expect("AttachUserPolicy");
    }

    /// The account password policy as IAM returns it, or `None` when there is none.
    pub async fn password_policy(&self) -> Option<aws_sdk_iam::types::PasswordPolicy> {
        match self.iam.get_account_password_policy().send().await {
            Ok(o) => o.password_policy().cloned(),
            Err(e) if format!("{e:?}").contains("NoSuchEntity") => None,
            Err(e) => panic!("GetAccountPasswordPolicy: {e:?}"),
        }
    }
}

// ---------------------------------------------------------------------------
// The notice queue and the notifier function

/// The notice queue and its dead-letter queue (both FIFO), as the template makes them.
pub const NOTICE_QUEUE: &str = "hipaa-autofix-notices.fifo";
pub const NOTICE_DLQ: &str = "hipaa-autofix-notices-dlq.fifo";
/// Receives before a notice goes to the dead-letter queue (the template's maxReceiveCount).
pub const NOTICE_MAX_RECEIVES: u32 = 5;

/// The URLs of the notice queue and its dead-letter queue.
#[derive(Debug, Clone)]
pub struct NoticeQueues {
    pub url: String,
    pub arn: String,
    pub dlq_url: String,
}

/// What [`World::drain_notices`] did, round by round, as Lambda's SQS poller would.
#[derive(Debug, Default, Clone)]
pub struct Drained {
    /// Handler invocations.
    pub invocations: usize,
    /// Messages handed to the handler (redeliveries included).
    pub received: usize,
    /// Messages the handler reported failed (left to become visible again).
    pub failed: usize,
}

impl Slack {
    /// A webhook that answers the first post with 429 and `Retry-After: <secs>`,
    /// then 200 "ok", as Slack's rate limit does.
    pub async fn rate_limited_once(retry_after_secs: u64) -> Slack {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", retry_after_secs.to_string().as_str())
                    .set_body_string("rate_limited"),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .with_priority(2)
            .mount(&server)
            .await;
        Slack { server }
    }

    /// The plain-text fallback (`text`) of every post, in the order received.
    pub async fn texts(&self) -> Vec<String> {
        self.posts()
            .await
            .iter()
            .map(|p| p["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// A notice as the executor builds it (for tests that queue notices directly).
pub fn sample_notice(resource: &str, outcome: policy::Outcome, ledger_id: &str) -> policy::notice::Notice {
    let mode = if outcome == policy::Outcome::Fixed {
        policy::Mode::Auto
    } else {
        policy::Mode::Notify
    };
    policy::notice::Notice {
        rule: BUCKET_RULE.into(),
        rule_title: "S3 buckets are not public".into(),
        resource: resource.into(),
        account: ACCOUNT.into(),
        region: REGION.into(),
        outcome,
        mode,
        dry_run: false,
        headline: format!("headline for {outcome}"),
        findings: vec!["ACL grants READ to AllUsers".into()],
        changes: vec![],
        caused_by: "unknown (found by a sweep)".into(),
        trigger: "schedule".into(),
        ledger_id: ledger_id.into(),
        undo: None,
        notes: vec![],
        severity: policy::notice::Severity::Normal,
        source_ip: None,
        user_agent: None,
        caused_at: None,
    }
}

impl World {
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk)
    }

    /// Create the notice queue (FIFO, no content-based deduplication, the given
    /// visibility timeout) and its FIFO dead-letter queue (redrive after
    /// [`NOTICE_MAX_RECEIVES`] receives), and point the function's
    /// `NOTICE_QUEUE_URL` at it.
    pub async fn notice_queues(&mut self, visibility_timeout_secs: u32) -> NoticeQueues {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let sqs = self.sqs();
        let dlq_url = sqs
            .create_queue()
            .queue_name(NOTICE_DLQ)
            .attributes(A::FifoQueue, "true")
            .attributes(A::ContentBasedDeduplication, "false")
            .send()
            .await
            .expect("CreateQueue (DLQ)")
            .queue_url()
            .expect("DLQ url")
            .to_string();
        let dlq_arn = self.queue_arn(&dlq_url).await;
        let redrive = serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": NOTICE_MAX_RECEIVES});
        let url = sqs
            .create_queue()
            .queue_name(NOTICE_QUEUE)
            .attributes(A::FifoQueue, "true")
            .attributes(A::ContentBasedDeduplication, "false")
            .attributes(A::VisibilityTimeout, visibility_timeout_secs.to_string())
            .attributes(A::RedrivePolicy, redrive.to_string())
            .send()
            .await
            .expect("CreateQueue (notices)")
            .queue_url()
            .expect("queue url")
            .to_string();
        let arn = self.queue_arn(&url).await;
        self.env.insert("NOTICE_QUEUE_URL".into(), url.clone());
        NoticeQueues { url, arn, dlq_url }
    }

    async fn queue_arn(&self, url: &str) -> String {
        let out = self
            .sqs()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("GetQueueAttributes");
        out.attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
            .expect("QueueArn")
            .clone()
    }

    /// Queue a notice as `QueueNotifier` does (group = resource, dedup = ledger id).
    pub async fn queue_notice(&self, q: &NoticeQueues, notice: &policy::notice::Notice) {
        adapters::notices::QueueNotifier::new(self.sqs(), &q.url, None)
            .send(notice)
            .await
            .expect("SendMessage");
    }

    /// Queue a raw body (e.g. one that is not a notice).
    pub async fn queue_raw(&self, q: &NoticeQueues, group: &str, dedup: &str, body: &str) {
        self.sqs()
            .send_message()
            .queue_url(&q.url)
            .message_group_id(group)
            .message_deduplication_id(dedup)
            .message_body(body)
            .send()
            .await
            .expect("SendMessage (raw)");
    }

    /// The notifier function as `main` builds it (its webhook from the Slack
    /// secret, counters in the ledger table), with millisecond backoffs so a
    /// test's retries don't take seconds.
    pub async fn notifier(&self) -> adapters::apps::notifier::NotifierApp {
        let cfg = adapters::apps::notifier::NotifierConfig::from_lookup(|k| match k {
            "SLACK_SECRET_ID" => Some(SLACK_SECRET_ID.to_string()),
            "LEDGER_TABLE" => Some(LEDGER_TABLE.to_string()),
            _ => None,
        })
        .expect("notifier config");
        let mut app = adapters::apps::notifier::NotifierApp::build(&self.sdk, &cfg)
            .await
            .expect("NotifierApp::build");
        app.deliverer.policy.base_backoff = Duration::from_millis(20);
        app.deliverer.policy.max_backoff = Duration::from_millis(100);
        app
    }

    /// Every body in a queue, received without deleting (for the DLQ: nothing
    /// consumes it). Each receive hides the messages for 30 s.
    pub async fn queue_bodies(&self, url: &str) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let r = self
                .sqs()
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .visibility_timeout(30)
                .send()
                .await
                .expect("ReceiveMessage");
            let msgs = r.messages();
            if msgs.is_empty() {
                return out;
            }
            out.extend(msgs.iter().map(|m| m.body().unwrap_or_default().to_string()));
        }
    }

    /// Visible plus in-flight messages of a queue.
    pub async fn queue_depth(&self, url: &str) -> usize {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let out = self
            .sqs()
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(A::ApproximateNumberOfMessages)
            .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("GetQueueAttributes");
        let attrs = out.attributes().cloned().unwrap_or_default();
        let n = |a: A| attrs.get(&a).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        n(A::ApproximateNumberOfMessages) + n(A::ApproximateNumberOfMessagesNotVisible)
    }

    /// Play Lambda's SQS poller until the notice queue is empty (or `timeout`):
    /// receive a batch of up to 10 (with the system attributes Lambda passes),
    /// call the real handler with it as an `SqsEvent`, delete the messages it did
    /// not report failed, and leave the failed ones to become visible again after
    /// the visibility timeout (moto moves a message to the dead-letter queue when
    /// it is received after `maxReceiveCount` receives, as SQS does).
    pub async fn drain_notices(
        &self,
        q: &NoticeQueues,
        app: &adapters::apps::notifier::NotifierApp,
        timeout: Duration,
    ) -> Drained {
        let sqs = self.sqs();
        let deadline = Instant::now() + timeout;
        let mut drained = Drained::default();
        loop {
            let r = sqs
                .receive_message()
                .queue_url(&q.url)
                .max_number_of_messages(10)
                .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
                .send()
                .await
                .expect("ReceiveMessage");
            let msgs = r.messages().to_vec();
            if msgs.is_empty() {
                if self.queue_depth(&q.url).await == 0 || Instant::now() > deadline {
                    return drained;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            let records: Vec<Value> = msgs
                .iter()
                .map(|m| {
                    let attributes: serde_json::Map<String, Value> = m
                        .attributes()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.as_str().to_string(), Value::from(v.clone())))
                        .collect();
                    serde_json::json!({
                        "messageId": m.message_id(),
                        "receiptHandle": m.receipt_handle(),
                        "body": m.body(),
                        "attributes": attributes,
                        "messageAttributes": {},
                        "md5OfBody": m.md5_of_body(),
                        "eventSource": "aws:sqs",
                        "eventSourceARN": q.arn,
                        "awsRegion": REGION,
                    })
                })
                .collect();
            let event: aws_lambda_events::sqs::SqsEvent =
                serde_json::from_value(serde_json::json!({ "Records": records })).expect("an SqsEvent");
            let response = adapters::apps::notifier::handler(LambdaEvent::new(event, Context::default()), app)
                .await
                .expect("the notifier handler never fails a batch");
            drained.invocations += 1;
            drained.received += msgs.len();
            let failed: std::collections::HashSet<String> = response
                .batch_item_failures
                .iter()
                .map(|f| f.item_identifier.clone())
                .collect();
            drained.failed += failed.len();
            for m in &msgs {
                if !failed.contains(m.message_id().unwrap_or_default()) {
                    sqs.delete_message()
                        .queue_url(&q.url)
                        .receipt_handle(m.receipt_handle().unwrap_or_default())
                        .send()
                        .await
                        .expect("DeleteMessage");
                }
            }
            if Instant::now() > deadline {
                return drained;
            }
        }
    }
}

/// The `autofix` CLI (`bin`: the binary, `env!("CARGO_BIN_EXE_autofix")` in the CLI
/// crate's tests) as an admin runs it against this world: the world's endpoint and
/// test credentials, nothing else from the test's environment.
pub fn autofix_cmd(bin: impl AsRef<std::ffi::OsStr>, world: &World) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(bin);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("AWS_ENDPOINT_URL", &world.moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

// ---------------------------------------------------------------------------
// S3 data protection (issue #10)

/// The access-log bucket the stack creates (`AccessLogBucket` empty), as the CLI
/// names it when it finds the stack's tables.
pub fn stack_log_bucket() -> String {
    policy::s3::protection::stack_access_log_bucket("hipaa-autofix", ACCOUNT, REGION)
}

impl World {
    /// A log bucket as the template makes one: S3's logging service may write to it
    /// (`aws:SourceAccount`), Block Public Access, SSE-S3, versioned, ACLs disabled,
    /// TLS only; so every S3 rule finds it compliant.
    pub async fn log_bucket(&self, name: &str) {
        use aws_sdk_s3::types as t;
        self.compliant_bucket(name).await;
        self.put_policy(
            name,
            &serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "S3ServerAccessLogsPolicy", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                 "Action": "s3:PutObject", "Resource": format!("arn:aws:s3:::{name}/*"),
                 "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}},
                serde_json::from_str::<Value>(&policy::s3::protection::tls_statement(name)).expect("JSON")]}),
        )
        .await;
        let default = t::ServerSideEncryptionByDefault::builder()
            .sse_algorithm(t::ServerSideEncryption::Aes256)
            .build()
            .expect("SSE-S3");
        self.s3
            .put_bucket_encryption()
            .bucket(name)
            .server_side_encryption_configuration(
                t::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        t::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(default)
                            .build(),
                    )
                    .build()
                    .expect("rules"),
            )
            .send()
            .await
            .expect("PutBucketEncryption");
        self.versioning_and_no_acls(name).await;
    }

    /// A bucket compliant with every S3 bucket rule, logging to `log_bucket`.
    pub async fn data_protected_bucket(&self, name: &str, log_bucket: &str) {
        use aws_sdk_s3::types as t;
        self.compliant_bucket(name).await;
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            policy::s3::protection::tls_statement(name)
        );
        self.s3
            .put_bucket_policy()
            .bucket(name)
            .policy(policy)
            .send()
            .await
            .expect("PutBucketPolicy");
        let default = t::ServerSideEncryptionByDefault::builder()
            .sse_algorithm(t::ServerSideEncryption::AwsKms)
            .build()
            .expect("SSE-KMS");
        self.s3
            .put_bucket_encryption()
            .bucket(name)
            .server_side_encryption_configuration(
                t::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        t::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(default)
                            .bucket_key_enabled(true)
                            .build(),
                    )
                    .build()
                    .expect("rules"),
            )
            .send()
            .await
            .expect("PutBucketEncryption");
        self.s3
            .put_bucket_logging()
            .bucket(name)
            .bucket_logging_status(
                t::BucketLoggingStatus::builder()
                    .logging_enabled(
                        t::LoggingEnabled::builder()
                            .target_bucket(log_bucket)
                            .target_prefix(format!("{name}/"))
                            .build()
                            .expect("logging"),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("PutBucketLogging");
        self.versioning_and_no_acls(name).await;
    }

    async fn versioning_and_no_acls(&self, name: &str) {
        use aws_sdk_s3::types as t;
        self.s3
            .put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(
                t::VersioningConfiguration::builder()
                    .status(t::BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("PutBucketVersioning");
        self.s3
            .put_bucket_ownership_controls()
            .bucket(name)
            .ownership_controls(
                t::OwnershipControls::builder()
                    .rules(
                        t::OwnershipControlsRule::builder()
                            .object_ownership(t::ObjectOwnership::BucketOwnerEnforced)
                            .build()
                            .expect("rule"),
                    )
                    .build()
                    .expect("controls"),
            )
            .send()
            .await
            .expect("PutBucketOwnershipControls");
    }
}

// ---------------------------------------------------------------------------
// issue #11: the audit trail and the keys

/// Stand-ins for the two calls of the audit-trail and KMS adapters moto 5.2.5 lacks,
/// and only those (README, testing notes): CloudTrail's `LookupEvents` (the event
/// history the GuardDuty, Security Hub and key-deletion rules read) answers with the
/// calls a test records; AWS Config's `DescribeDeliveryChannelStatus` is left out of
/// the channels facet (the channels themselves are read from moto, with no delivery
/// status). Every other facet is read from moto by the real adapter.
pub struct MotoGaps {
    pub inner: Arc<dyn policy::ports::ResourceReader>,
    pub config: aws_sdk_config::Client,
    /// The event history every history facet reads.
    pub history: policy::history::CallHistory,
}

impl MotoGaps {
    /// Wrap a function's readers (for events and for sweeps) with `history` as the
    /// event history.
    pub fn install(f: &mut Function, sdk: &SdkConfig, history: policy::history::CallHistory) {
        for ports in [&mut f.app.ports, &mut f.app.sweep_ports] {
            let inner = ports.reader.clone();
            ports.reader = Arc::new(MotoGaps {
                inner,
                config: aws_sdk_config::Client::new(sdk),
                history: history.clone(),
            });
        }
    }

    async fn channels(&self) -> Result<Vec<policy::kinds::config_recorder::DeliveryChannel>, policy::PortError> {
        let out =
            self.config
                .describe_delivery_channels()
                .send()
                .await
                .map_err(|e| policy::PortError::InvalidData {
                    operation: "DescribeDeliveryChannels".into(),
                    reason: e.to_string(),
                })?;
        Ok(out
            .delivery_channels()
            .iter()
            .map(|c| policy::kinds::config_recorder::DeliveryChannel {
                name: c.name().unwrap_or_default().to_string(),
                bucket: c.s3_bucket_name().map(str::to_owned),
                last_delivery: None,
                last_error: None,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl policy::ports::ResourceReader for MotoGaps {
    async fn fill(
        &self,
        resource: &policy::ResourceRef,
        snapshot: &mut policy::Snapshot,
        facets: &[policy::Facet],
    ) -> Result<(), policy::PortError> {
        use policy::Facet as F;
        use policy::kinds::{Read, config_recorder, guardduty, kms_key, security_hub};
        let mut rest = Vec::new();
        for f in facets {
            match (f, &mut *snapshot) {
                (F::KmsKey(kms_key::Facet::History), policy::Snapshot::KmsKey(s)) => {
                    s.history = Read::Value(self.history.clone());
                }
                (F::GuardDuty(guardduty::Facet::History), policy::Snapshot::GuardDuty(s)) => {
                    s.history = Read::Value(self.history.clone());
                }
                (F::SecurityHub(security_hub::Facet::History), policy::Snapshot::SecurityHub(s)) => {
                    s.history = Read::Value(self.history.clone());
                }
                (F::ConfigRecorder(config_recorder::Facet::Channels), policy::Snapshot::ConfigRecorder(s)) => {
                    s.channels = Read::Value(self.channels().await?);
                }
                (other, _) => rest.push(*other),
            }
        }
        self.inner.fill(resource, snapshot, &rest).await
    }
}

impl World {
    /// A KMS key whose policy lets CloudTrail encrypt this account's trails (as the
    /// stack's trail key does); its ARN.
    pub async fn trail_key(&self) -> String {
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Admin", "Effect": "Allow",
                 "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                 "Action": "kms:*", "Resource": "*"},
                {"Sid": "CloudTrailEncrypt", "Effect": "Allow",
                 "Principal": {"Service": "cloudtrail.amazonaws.com"},
                 "Action": "kms:GenerateDataKey*", "Resource": "*",
                 "Condition": {"StringLike": {
                     "kms:EncryptionContext:aws:cloudtrail:arn": format!("arn:aws:cloudtrail:*:{ACCOUNT}:trail/*")}}}
            ]
        });
        aws_sdk_kms::Client::new(&self.sdk)
            .create_key()
            .policy(policy.to_string())
            .send()
            .await
            .expect("CreateKey")
            .key_metadata()
            .and_then(|m| m.arn())
            .expect("a key ARN")
            .to_string()
    }
}

impl Moto {
    /// What CloudTrail's `LookupEvents` answers from now on (the launcher's stand-in
    /// for the call moto lacks): `(event name, seconds ago, resource name)` each.
    pub async fn set_cloudtrail_history(&self, events: &[(&str, i64, &str)]) -> anyhow::Result<()> {
        let now = chrono::Utc::now().timestamp();
        let events: Vec<Value> = events
            .iter()
            .map(|(name, ago, resource)| {
                serde_json::json!({"EventName": name, "EventTime": now - ago,
                                   "Resources": [{"ResourceName": resource}]})
            })
            .collect();
        self.post_api("cloudtrail/events", &serde_json::json!({ "events": events }))
            .await
            .map(drop)
    }
}

// Issue #12: Lambda functions in moto

/// A minimal zip (stored, one file): Lambda's CreateFunction wants a package; moto
/// runs nothing. Written out here rather than pulling in a zip crate for one file.
pub fn lambda_zip() -> Vec<u8> {
    let name = b"index.py";
    let data = b"def handler(e, c):\n    return 1\n";
    let crc = {
        let mut c: u32 = !0;
        for b in data {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
            }
        }
        !c
    };
    let (len, nlen) = (data.len() as u32, name.len() as u16);
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>| {
        z.extend(0x0403_4b50u32.to_le_bytes());
        z.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        z.extend(crc.to_le_bytes());
        z.extend(len.to_le_bytes());
        z.extend(len.to_le_bytes());
        z.extend(nlen.to_le_bytes());
        z.extend(0u16.to_le_bytes());
    };
    local(&mut z);
    z.extend(name);
    z.extend(data);
    let cd_start = z.len() as u32;
    z.extend(0x0201_4b50u32.to_le_bytes());
    z.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    z.extend(crc.to_le_bytes());
    z.extend(len.to_le_bytes());
    z.extend(len.to_le_bytes());
    z.extend(nlen.to_le_bytes());
    z.extend([0u8; 12]);
    z.extend(0u32.to_le_bytes());
    z.extend(name);
    let cd_len = z.len() as u32 - cd_start;
    z.extend(0x0605_4b50u32.to_le_bytes());
    z.extend([0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend(cd_len.to_le_bytes());
    z.extend(cd_start.to_le_bytes());
    z.extend(0u16.to_le_bytes());
    z
}
