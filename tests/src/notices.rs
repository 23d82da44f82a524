//! The notice queue and the notifier function, played as Lambda's SQS poller plays them.
use super::*;

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
        exemption: None,
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

// -- Security Hub, out -------------------------------------------------------

/// What the launcher's `BatchUpdateFindings` stand-in recorded: every request body, as sent.
pub async fn finding_updates(world: &World) -> Vec<Value> {
    let r = reqwest::Client::new()
        .get(format!(
            "{}/moto-api/hipaa/securityhub/batch-updates",
            world.moto.endpoint
        ))
        .send()
        .await
        .expect("GET batch-updates");
    let v: Value = r.json().await.expect("JSON");
    v["calls"].as_array().cloned().unwrap_or_default()
}

/// A finding's workflow status, note text and note author, as `GetFindings` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingNow {
    pub status: String,
    pub note: Option<String>,
    pub note_by: Option<String>,
}

impl World {
    /// Subscribe the account to Security Hub in moto.
    pub async fn enable_security_hub(&self) {
        aws_sdk_securityhub::Client::new(&self.sdk)
            .enable_security_hub()
            .send()
            .await
            .expect("EnableSecurityHub");
    }

    /// Import an active, failed finding of `control` about `bucket` in `account`
    /// (the shape of `securityhub-finding-s3-2-public-read.json`), with a workflow
    /// status and, optionally, a note by `note_by`; its id.
    pub async fn import_bucket_finding(
        &self,
        control: &str,
        bucket: &str,
        account: &str,
        status: &str,
        note_by: Option<&str>,
    ) -> String {
        let mut f = fixture("securityhub-finding-s3-2-public-read.json")["detail"]["findings"][0].clone();
        let id = format!("arn:aws:securityhub:{REGION}:{account}:security-control/{control}/finding/{bucket}");
        f["Id"] = Value::from(id.clone());
        f["AwsAccountId"] = Value::from(account);
        f["GeneratorId"] = Value::from(format!("security-control/{control}"));
        f["Compliance"]["SecurityControlId"] = Value::from(control);
        f["Resources"][0]["Id"] = Value::from(format!("arn:aws:s3:::{bucket}"));
        f["Workflow"] = serde_json::json!({ "Status": status });
        if let Some(by) = note_by {
            f["Note"] =
                serde_json::json!({ "Text": "set by a person", "UpdatedBy": by, "UpdatedAt": "2026-11-01T00:00:00Z" });
        }
        let body = serde_json::json!({ "Findings": [f] });
        let r = reqwest::Client::new()
            .post(format!("{}/findings/import", self.moto.endpoint))
            .header("Host", format!("securityhub.{REGION}.amazonaws.com"))
            .header(
                "Authorization",
                format!("AWS4-HMAC-SHA256 Credential=testing/20261130/{REGION}/securityhub/aws4_request"),
            )
            .json(&body)
            .send()
            .await
            .expect("BatchImportFindings");
        let v: Value = r.json().await.expect("JSON");
        assert_eq!(v["SuccessCount"], 1, "BatchImportFindings: {v}");
        id
    }

    /// A finding as `GetFindings` answers now. Read on a thread with the notifier's
    /// findings stack (`FINDINGS_THREAD_STACK`: the SDK's finding deserializer
    /// overflows a test thread's 2 MiB in a debug build), with a client of its own.
    pub async fn finding(&self, id: &str) -> FindingNow {
        let endpoint = self.moto.endpoint.clone();
        let id = id.to_string();
        let read = move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async {
                let out = aws_sdk_securityhub::Client::new(&sdk_config(&endpoint).await)
                    .get_findings()
                    .max_results(100)
                    .send()
                    .await
                    .expect("GetFindings");
                let f = out
                    .findings()
                    .iter()
                    .find(|f| f.id() == Some(id.as_str()))
                    .unwrap_or_else(|| panic!("no finding {id}"));
                FindingNow {
                    status: f
                        .workflow()
                        .and_then(|w| w.status())
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    note: f.note().and_then(|n| n.text()).map(str::to_owned),
                    note_by: f.note().and_then(|n| n.updated_by()).map(str::to_owned),
                }
            })
        };
        tokio::task::spawn_blocking(move || {
            std::thread::Builder::new()
                .stack_size(adapters::notices::findings::FINDINGS_THREAD_STACK)
                .spawn(read)
                .expect("a thread")
                .join()
                .expect("reading the finding")
        })
        .await
        .expect("spawn_blocking")
    }

    /// The notifier as [`World::notifier`] builds it, with `SECURITY_HUB_INTEGRATION=true`.
    pub async fn notifier_with_security_hub(&self) -> adapters::apps::notifier::NotifierApp {
        let mut app = self.notifier().await;
        app.findings = adapters::notices::findings::security_hub(&self.sdk);
        assert!(app.findings.is_some(), "the harness builds hipaa-aws with securityhub");
        app
    }
}
