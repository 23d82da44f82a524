use super::*;
use policy::ResourceRef;
use policy::memory::{RecordingNotifier, RecordingReporter};
use policy::ports::{Remediator, ResourceLister, ResourceReader};
use policy::{Action, PortError};
use policy::{Facet, ResourceKind, Snapshot};

/// A reader that fails every read the way the test says.
struct Failing(fn() -> PortError);

#[async_trait::async_trait]
impl ResourceReader for Failing {
    async fn fill(&self, _: &ResourceRef, _: &mut Snapshot, _: &[Facet]) -> Result<(), PortError> {
        Err((self.0)())
    }
}
#[async_trait::async_trait]
impl ResourceLister for Failing {
    async fn list(&self, _: ResourceKind, _: &str, _: &str) -> Result<Vec<policy::ports::Listed>, PortError> {
        Err((self.0)())
    }
}
#[async_trait::async_trait]
impl Remediator for Failing {
    async fn apply(&self, _: &ResourceRef, _: &Action) -> Result<(), PortError> {
        Err((self.0)())
    }
}

const OURS: &str = "123456789012";
const THEIRS: &str = "210987654321";

/// The app as the CLI holds it: acting in our account (`opts.accounts`).
fn app(f: fn() -> PortError) -> App {
    let mut a = app_without_account(f);
    a.opts.accounts = AccountScope::own(OURS).unwrap_or_else(|e| panic!("{e}"));
    a
}

/// The app as a function builds it: its account is learned by [`handler`].
fn app_without_account(f: fn() -> PortError) -> App {
    let port = Arc::new(Failing(f));
    App::new(
        policy::catalog::family(policy::family::S3_PUBLIC_ACCESS),
        Ports {
            reader: port.clone(),
            lister: port.clone(),
            remediator: port,
            settings: Arc::new(MemorySettings::default()),
            ledger: Arc::new(MemoryLedger::default()),
            notifier: Arc::new(RecordingNotifier::default()),
            reporter: Arc::new(RecordingReporter::default()),
        },
        policy::ExecOptions::default(),
    )
}

fn lambda_context(function_arn: &str) -> lambda_runtime::Context {
    let mut c = lambda_runtime::Context::default();
    c.invoked_function_arn = function_arn.to_string();
    c
}

fn function_arn(account: &str) -> String {
    format!("arn:aws:lambda:us-east-1:{account}:function:hipaa-autofix-s3-public-access")
}

fn cloudtrail_put_bucket_acl() -> Value {
    json!({
        "version": "0", "id": "ev-1", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.s3", "account": "123456789012", "time": "2025-01-01T00:00:00Z",
        "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.08", "eventSource": "s3.amazonaws.com", "eventName": "PutBucketAcl",
            "awsRegion": "us-east-1", "eventTime": "2025-01-01T00:00:00Z",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
            "requestParameters": {"bucketName": "b"}
        }
    })
}

fn throttled() -> PortError {
    PortError::Throttled {
        operation: "GetPublicAccessBlock".into(),
        source: "slow down".into(),
    }
}
fn denied() -> PortError {
    PortError::AccessDenied {
        operation: "GetPublicAccessBlock".into(),
        source: "no".into(),
    }
}
fn gone() -> PortError {
    PortError::NotFound {
        what: "bucket b".into(),
    }
}

#[tokio::test]
async fn payloads_that_are_not_events_are_bad_events() {
    let a = app(gone);
    for p in [
        json!(null),
        json!(42),
        json!("secret patient name"),
        json!([1, 2]),
        json!({}),
        json!({"detail-type": 1, "source": {}}),
        json!({"invokingEvent": "{", "resultToken": "t", "configRuleName": "r"}),
        json!({"invokingEvent": 5, "resultToken": "t"}),
    ] {
        match a.handle(p.clone()).await {
            Err(e @ HandlerError::BadEvent(_)) => {
                assert!(!e.is_retryable());
                assert!(!e.to_string().contains("patient"), "{e}");
            }
            other => panic!("{p}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn throttled_reads_make_the_invocation_retryable() {
    let e = app(throttled).handle(cloudtrail_put_bucket_acl()).await;
    assert!(matches!(e, Err(HandlerError::Retryable { .. })), "{e:?}");
}

#[tokio::test]
async fn access_denied_fails_the_invocation_for_good() {
    let e = app(denied).handle(cloudtrail_put_bucket_acl()).await;
    assert!(matches!(e, Err(HandlerError::Failed { .. })), "{e:?}");
}

#[tokio::test]
async fn a_gone_bucket_is_a_quiet_success_with_a_summary() {
    let v = app(gone)
        .handle(cloudtrail_put_bucket_acl())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["event_id"], "ev-1");
    assert_eq!(v["decisions"][0]["outcome"], "gone");
    assert_eq!(v["decisions"][0]["resource"], "arn:aws:s3:::b");
    assert!(v["errors"].as_array().is_some_and(Vec::is_empty));
}

#[tokio::test]
async fn the_handler_takes_a_lambda_event() {
    let ev = LambdaEvent::new(cloudtrail_put_bucket_acl(), lambda_context(&function_arn(OURS)));
    assert!(handler(ev, &app_without_account(gone)).await.is_ok());
}

// -- the account gate ------------------------------------------------------

/// Every port, counting each call: a refused event must make none.
#[derive(Default)]
struct Tripwire {
    calls: std::sync::atomic::AtomicUsize,
    notifier: RecordingNotifier,
    reporter: RecordingReporter,
}

impl Tripwire {
    fn hit(&self) -> PortError {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        PortError::Unsupported("tripwire".into())
    }
    fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
            + self.notifier.notices().len()
            + self.reporter.calls().len()
    }
}

#[async_trait::async_trait]
impl ResourceReader for Tripwire {
    async fn fill(&self, _: &ResourceRef, _: &mut Snapshot, _: &[Facet]) -> Result<(), PortError> {
        Err(self.hit())
    }
}
#[async_trait::async_trait]
impl ResourceLister for Tripwire {
    async fn list(&self, _: ResourceKind, _: &str, _: &str) -> Result<Vec<policy::ports::Listed>, PortError> {
        Err(self.hit())
    }
}
#[async_trait::async_trait]
impl Remediator for Tripwire {
    async fn apply(&self, _: &ResourceRef, _: &Action) -> Result<(), PortError> {
        Err(self.hit())
    }
}
#[async_trait::async_trait]
impl SettingsStore for Tripwire {
    async fn mode(&self, _: &str) -> Result<Option<policy::Mode>, PortError> {
        Err(self.hit())
    }
    async fn exemption(&self, _: &str, _: &str) -> Result<Option<policy::settings::Exemption>, PortError> {
        Err(self.hit())
    }
}
#[async_trait::async_trait]
impl Ledger for Tripwire {
    async fn claim(&self, _: &str) -> Result<bool, PortError> {
        Err(self.hit())
    }
    async fn release(&self, _: &str) -> Result<(), PortError> {
        Err(self.hit())
    }
    async fn record(&self, _: &policy::LedgerRecord) -> Result<(), PortError> {
        Err(self.hit())
    }
    async fn get(&self, _: &str) -> Result<Option<policy::LedgerRecord>, PortError> {
        Err(self.hit())
    }
    async fn list(&self) -> Result<Vec<policy::LedgerRecord>, PortError> {
        Err(self.hit())
    }
    async fn count_change(&self, _: &str, _: &str, _: u32) -> Result<bool, PortError> {
        Err(self.hit())
    }
}
#[async_trait::async_trait]
impl Notifier for Tripwire {
    async fn notify(&self, n: &policy::notice::Notice) -> Result<(), PortError> {
        self.notifier.notify(n).await
    }
}
#[async_trait::async_trait]
impl policy::ports::ComplianceReporter for Tripwire {
    async fn put_evaluations(&self, t: &str, e: &[policy::ports::Evaluation]) -> Result<(), PortError> {
        self.reporter.put_evaluations(t, e).await
    }
}

/// An app for `family` whose every port is the tripwire.
fn tripwired(family: &str, accounts: AccountScope) -> (App, Arc<Tripwire>) {
    let t = Arc::new(Tripwire::default());
    let opts = policy::ExecOptions {
        accounts,
        ..Default::default()
    };
    let app = App::new(
        policy::catalog::family(
            policy::catalog::family_by_name(family).unwrap_or_else(|| panic!("no family {family}")),
        ),
        Ports {
            reader: t.clone(),
            lister: t.clone(),
            remediator: t.clone(),
            settings: t.clone(),
            ledger: t.clone(),
            notifier: t.clone(),
            reporter: t.clone(),
        },
        opts,
    );
    (app, t)
}

fn with_accounts(mut v: Value, envelope: &str, recipient: &str) -> Value {
    v["account"] = json!(envelope);
    v["detail"]["recipientAccountId"] = json!(recipient);
    v
}

fn iam_update_access_key(account: &str) -> Value {
    json!({
        "version": "0", "id": "ev-iam", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.iam", "account": account, "time": "2025-01-01T00:00:00Z", "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventSource": "iam.amazonaws.com", "eventName": "UpdateAccessKey", "awsRegion": "us-east-1",
            "recipientAccountId": account,
            "userIdentity": {"type": "IAMUser", "accountId": account, "arn": format!("arn:aws:iam::{account}:user/bob")},
            "requestParameters": {"userName": "bob", "accessKeyId": "AKIAEXAMPLE", "status": "Active"}
        }
    })
}

fn config_invocation(account: &str) -> Value {
    let inv = json!({"messageType": "ConfigurationItemChangeNotification",
                     "configurationItem": {"resourceType": "AWS::S3::Bucket", "resourceId": "b", "resourceName": "b",
                                           "awsAccountId": account, "awsRegion": "us-east-1"}});
    json!({"invokingEvent": inv.to_string(), "resultToken": "token",
           "configRuleName": "hipaa-autofix-s3-bucket-public-access", "accountId": account,
           "configRuleArn": format!("arn:aws:config:us-east-1:{account}:config-rule/config-rule-1"),
           "eventLeftScope": false})
}

fn compliance_change(account: &str) -> Value {
    json!({"version": "0", "id": "ev-cc", "detail-type": "Config Rules Compliance Change", "source": "aws.config",
           "account": account, "time": "2025-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
           "detail": {"resourceId": "b", "resourceType": "AWS::S3::Bucket", "awsRegion": "us-east-1",
                      "awsAccountId": account, "configRuleName": "s3-bucket-public-read-prohibited",
                      "newEvaluationResult": {"complianceType": "NON_COMPLIANT"}}})
}

fn refused(r: Result<Value, HandlerError>) -> (HandlerError, AccountRefusal) {
    match r {
        Err(e @ HandlerError::Refused { .. }) => {
            let HandlerError::Refused { refusal, .. } = &e else {
                unreachable!()
            };
            let refusal = refusal.clone();
            (e, refusal)
        }
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test]
async fn events_about_another_account_are_refused_before_any_port_is_called() {
    let ours = AccountScope::own(OURS).unwrap_or_else(|e| panic!("{e}"));
    for (family, payload) in [
        (
            "s3-public-access",
            with_accounts(cloudtrail_put_bucket_acl(), THEIRS, THEIRS),
        ),
        (
            "s3-public-access",
            with_accounts(cloudtrail_put_bucket_acl(), OURS, THEIRS),
        ),
        (
            "s3-public-access",
            with_accounts(cloudtrail_put_bucket_acl(), THEIRS, OURS),
        ),
        ("iam-access-keys", iam_update_access_key(THEIRS)),
        ("s3-public-access", config_invocation(THEIRS)),
        ("s3-public-access", compliance_change(THEIRS)),
    ] {
        let (app, trip) = tripwired(family, ours.clone());
        let (e, refusal) = refused(app.handle(payload.clone()).await);
        assert!(
            matches!(refusal, AccountRefusal::Foreign { .. }),
            "{payload}: {refusal:?}"
        );
        assert_eq!(e.error_type(), "ForeignAccount");
        assert!(!e.is_retryable());
        let msg = e.to_string();
        assert!(
            msg.contains(THEIRS) && msg.contains(OURS) && msg.contains("nothing was read or changed"),
            "{msg}"
        );
        assert_eq!(trip.calls(), 0, "{payload}: a port was called for a refused event");
    }
}

#[tokio::test]
async fn a_caller_from_another_account_acting_on_our_bucket_is_handled() {
    let mut v = cloudtrail_put_bucket_acl();
    v["detail"]["recipientAccountId"] = json!(OURS);
    v["detail"]["userIdentity"] = json!({"type": "AssumedRole", "accountId": THEIRS,
        "arn": format!("arn:aws:sts::{THEIRS}:assumed-role/VendorDeploy/ci")});
    let out = app(gone).handle(v).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out["decisions"][0]["outcome"], "gone");
}

#[tokio::test]
async fn the_handler_learns_its_account_from_the_function_arn_once() {
    let a = app_without_account(gone);
    let ours = |v: Value| LambdaEvent::new(v, lambda_context(&function_arn(OURS)));
    assert!(handler(ours(cloudtrail_put_bucket_acl()), &a).await.is_ok());
    // An event about another account, to the same container: refused.
    let (e, _) = refused(handler(ours(with_accounts(cloudtrail_put_bucket_acl(), THEIRS, THEIRS)), &a).await);
    assert_eq!(e.error_type(), "ForeignAccount");
    // An invocation whose ARN names another account: a misconfiguration, refused,
    // even for an event about that other account.
    let theirs = LambdaEvent::new(
        with_accounts(cloudtrail_put_bucket_acl(), THEIRS, THEIRS),
        lambda_context(&function_arn(THEIRS)),
    );
    let (e, refusal) = refused(handler(theirs, &a).await);
    assert_eq!(e.error_type(), "OwnAccountUnknown");
    assert!(
        matches!(&refusal, AccountRefusal::OwnAccountUnknown(OwnAccountError::Changed { learned, now })
            if learned == OURS && now == THEIRS),
        "{refusal:?}"
    );
    // The container still acts in its own account.
    assert!(handler(ours(cloudtrail_put_bucket_acl()), &a).await.is_ok());
}

#[tokio::test]
async fn without_a_usable_function_arn_every_event_is_refused() {
    for arn in ["", "not-an-arn", "arn:aws:lambda:us-east-1:12345:function:f"] {
        let (a, trip) = tripwired("s3-public-access", AccountScope::default());
        let ev = LambdaEvent::new(cloudtrail_put_bucket_acl(), lambda_context(arn));
        let (e, refusal) = refused(handler(ev, &a).await);
        assert!(refusal.is_own_account_unknown(), "{arn:?}: {refusal:?}");
        assert_eq!(e.error_type(), "OwnAccountUnknown");
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("does not know which AWS account"), "{e}");
        assert_eq!(trip.calls(), 0);
    }
}

#[tokio::test]
async fn an_app_that_was_never_told_its_account_refuses_every_event() {
    let (a, trip) = tripwired("s3-public-access", AccountScope::default());
    let (_, refusal) = refused(a.handle(cloudtrail_put_bucket_acl()).await);
    assert_eq!(refusal, AccountRefusal::OwnAccountUnknown(OwnAccountError::NotLearned));
    assert_eq!(trip.calls(), 0);
}

#[tokio::test]
async fn an_undo_of_a_record_about_another_account_is_refused_before_any_read() {
    let ours = AccountScope::own(OURS).unwrap_or_else(|e| panic!("{e}"));
    let (a, trip) = tripwired("iam-access-keys", ours);
    let target = ResourceRef::iam_user("bob", THEIRS, "us-east-1");
    let record = policy::LedgerRecord {
        id: "rec-1".into(),
        time: chrono::Utc::now(),
        rule: "iam-access-key-rotated".into(),
        resource: target.arn(),
        target: Some(target),
        account: THEIRS.into(),
        region: "us-east-1".into(),
        event_id: "ev-1".into(),
        event_time: None,
        trigger: "CloudTrail UpdateAccessKey".into(),
        actor: None,
        mode: policy::Mode::Auto,
        outcome: policy::Outcome::Fixed,
        dry_run: false,
        findings: vec![],
        actions: vec![
            policy::kinds::iam_user::DeactivateAccessKey {
                user: "bob".into(),
                key_id: "AKIAEXAMPLE".into(),
            }
            .into(),
        ],
        before: None,
        after: None,
        verified: true,
        notes: vec![],
        error: None,
    };
    match a.executor().undo(&record, "test").await {
        Err(policy::executor::UndoError::Refused(AccountRefusal::Foreign { account, .. })) => {
            assert_eq!(account, THEIRS)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(trip.calls(), 0);
}

#[test]
fn a_refused_event_reaches_lambda_as_its_own_error_type() {
    let e = HandlerError::Refused {
        event_id: "ev-1".into(),
        refusal: AccountRefusal::Foreign {
            what: "account".into(),
            account: THEIRS.into(),
            ours: OURS.into(),
        },
    };
    let d = lambda_runtime::Diagnostic::from(e);
    assert_eq!(d.error_type, "ForeignAccount");
    assert!(d.error_message.contains("ev-1") && d.error_message.contains(THEIRS));
}
