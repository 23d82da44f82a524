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

mod audit;
mod iam;
mod network;
mod notices;
mod org;
mod s3_data;
mod slack;
pub use self::{audit::*, iam::*, network::*, notices::*, org::*, s3_data::*, slack::*};
