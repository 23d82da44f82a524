//! Security Hub, out (`SecurityHubIntegration=true`): after a notice, the active
//! findings of its rule's controls about its resource get the workflow status the
//! notice asks for ([`policy::finding_workflow`]): `RESOLVED` after a verified fix,
//! `SUPPRESSED` for an exemption, `NEW` again when the exemption ends.
//!
//! Only the notifier does this: it sees every notice of every function, and it is
//! the only function that links the Security Hub SDK for it. Like Slack, it reports
//! a decision and never changes one: a failure is logged and the fix stands.
use std::sync::Arc;

use async_trait::async_trait;
use policy::PortError;
use policy::notice::Notice;
use policy::ports::Notifier;

/// Where a notice's Security Hub findings are brought in line with it.
#[async_trait]
pub trait FindingsOut: Send + Sync + std::fmt::Debug {
    /// Update the findings `notice` concerns; how many were updated. Errors are
    /// described for the log; they never fail the notice.
    async fn sync(&self, notice: &Notice) -> Result<usize, String>;
}

/// The findings integration `SECURITY_HUB_INTEGRATION` asks for, if this build has it.
pub fn security_hub(sdk: &aws_types::SdkConfig) -> Option<Arc<dyn FindingsOut>> {
    #[cfg(feature = "securityhub")]
    {
        match OnOwnThread::spawn(hub::SecurityHubFindings::new(sdk)) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                tracing::error!(error = %e, "the Security Hub thread could not start; findings are left as they are");
                None
            }
        }
    }
    #[cfg(not(feature = "securityhub"))]
    {
        let _ = sdk;
        tracing::error!(
            "SECURITY_HUB_INTEGRATION is on, but this build has no Security Hub client (feature securityhub)"
        );
        None
    }
}

/// The stack of the thread that reads findings. Security Hub's finding shape is
/// vast (`Resources[].Details` has hundreds of typed variants) and the SDK's
/// deserializer needs more than 6 MiB of stack for one page in a debug build, more
/// than a runtime worker thread (2 MiB) has. Reserved, not committed: only what is
/// touched costs memory.
pub const FINDINGS_THREAD_STACK: usize = 64 * 1024 * 1024;

/// A [`FindingsOut`] run on a thread of its own with [`FINDINGS_THREAD_STACK`] (and
/// a single-threaded runtime), for as long as this handle lives.
#[derive(Debug)]
pub struct OnOwnThread {
    tx: tokio::sync::mpsc::UnboundedSender<(Notice, tokio::sync::oneshot::Sender<Result<usize, String>>)>,
}

impl OnOwnThread {
    pub fn spawn(inner: impl FindingsOut + 'static) -> std::io::Result<OnOwnThread> {
        let (tx, mut rx) =
            tokio::sync::mpsc::unbounded_channel::<(Notice, tokio::sync::oneshot::Sender<Result<usize, String>>)>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new()
            .name("security-hub".into())
            .stack_size(FINDINGS_THREAD_STACK)
            .spawn(move || {
                runtime.block_on(async move {
                    while let Some((notice, reply)) = rx.recv().await {
                        let _ = reply.send(inner.sync(&notice).await);
                    }
                });
            })?;
        Ok(OnOwnThread { tx })
    }
}

#[async_trait]
impl FindingsOut for OnOwnThread {
    async fn sync(&self, notice: &Notice) -> Result<usize, String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .send((notice.clone(), reply))
            .map_err(|_| "the Security Hub thread has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the Security Hub thread ended without an answer".to_string())?
    }
}

/// A notifier that also brings Security Hub findings in line with each notice (the
/// CLI's `--security-hub`, for the same result as the deployed notifier with
/// `SecurityHubIntegration=true`). A findings failure is logged; the notice stands.
pub struct AlsoFindings {
    pub inner: Arc<dyn Notifier>,
    pub findings: Arc<dyn FindingsOut>,
}

#[async_trait]
impl Notifier for AlsoFindings {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        let posted = self.inner.notify(notice).await;
        if let Err(e) = self.findings.sync(notice).await {
            tracing::warn!(error = %e, rule = %notice.rule, resource = %notice.resource, ledger_id = %notice.ledger_id, "Security Hub findings not updated; the notice stands");
        }
        posted
    }
}

#[cfg(feature = "securityhub")]
pub use hub::SecurityHubFindings;

#[cfg(feature = "securityhub")]
mod hub {
    use std::sync::Arc;

    use async_trait::async_trait;
    use aws_sdk_securityhub::types::{
        AwsSecurityFinding, AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, NoteUpdate, StringFilter,
        StringFilterComparison, WorkflowUpdate,
    };
    use policy::Rule;
    use policy::finding_workflow::{
        FindingState, ResourceIdFilter, UPDATED_BY, WorkflowChange, WorkflowStatus, names_resource, resource_id_filter,
    };
    use policy::kinds::FindingResource;
    use policy::notice::Notice;
    use serde_json::{Value, json};
    use tracing::{info, warn};

    use super::FindingsOut;
    use aws_smithy_types::error::display::DisplayErrorContext;

    /// `GetFindings` pages read per notice at most (100 findings each): the filter
    /// names one resource, so more means something is off.
    const MAX_PAGES: usize = 5;

    /// `BatchUpdateFindings` takes at most 100 findings per call.
    const BATCH: usize = 100;

    /// Security Hub in the notifier's region (with cross-Region aggregation, that
    /// region sees every linked region's findings).
    pub struct SecurityHubFindings {
        hub: aws_sdk_securityhub::Client,
        rules: Vec<Arc<dyn Rule>>,
    }

    impl std::fmt::Debug for SecurityHubFindings {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SecurityHubFindings")
                .field("rules", &self.rules.len())
                .finish_non_exhaustive()
        }
    }

    impl SecurityHubFindings {
        pub fn new(sdk: &aws_types::SdkConfig) -> Self {
            SecurityHubFindings {
                hub: aws_sdk_securityhub::Client::new(sdk),
                rules: policy::rules::all(),
            }
        }

        /// The active findings of `controls` in the notice's account that may be about
        /// its resource (`GetFindings` filters; the caller checks each one again).
        async fn candidates(
            &self,
            controls: &[&str],
            kind: policy::ResourceKind,
            n: &Notice,
        ) -> Result<Vec<AwsSecurityFinding>, String> {
            let eq = |v: &str| {
                StringFilter::builder()
                    .comparison(StringFilterComparison::Equals)
                    .value(v)
                    .build()
            };
            let mut filters = AwsSecurityFindingFilters::builder()
                .aws_account_id(eq(&n.account))
                .record_state(eq("ACTIVE"));
            for c in controls {
                filters = filters.compliance_security_control_id(eq(c));
            }
            filters = filters.resource_id(match resource_id_filter(kind, n) {
                ResourceIdFilter::Equals(v) => eq(&v),
                ResourceIdFilter::Contains(v) => StringFilter::builder()
                    .comparison(StringFilterComparison::Contains)
                    .value(v)
                    .build(),
            });
            let filters = filters.build();
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let page = self
                    .hub
                    .get_findings()
                    .filters(filters.clone())
                    .max_results(100)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| format!("GetFindings: {}", DisplayErrorContext(&e)))?;
                out.extend(page.findings().iter().cloned());
                match page.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => return Ok(out),
                }
            }
            warn!(rule = %n.rule, resource = %n.resource, pages = MAX_PAGES, "more Security Hub findings than expected for one resource; the rest are left as they are");
            Ok(out)
        }
    }

    /// Whether `f` is an active finding of one of `controls` about the notice's resource.
    fn concerns(f: &AwsSecurityFinding, controls: &[&str], kind: policy::ResourceKind, n: &Notice) -> bool {
        let account = f.aws_account_id().unwrap_or_default();
        let region = f.region().unwrap_or(&n.region);
        let active = f.record_state().is_none_or(|s| s.as_str() == "ACTIVE");
        let control = f
            .compliance()
            .and_then(|c| c.security_control_id())
            .or_else(|| f.product_fields().and_then(|p| p.get("ControlId")).map(String::as_str));
        active
            && account == n.account
            && control.is_some_and(|c| controls.contains(&c))
            && f.resources().iter().any(|r| {
                let details = details_of(r);
                let resource = FindingResource {
                    kind: r.r#type().unwrap_or_default(),
                    id: r.id().unwrap_or_default(),
                    details: details.as_ref(),
                    account,
                    region: r.region().unwrap_or(region),
                };
                names_resource(kind, n, &resource)
            })
    }

    /// The ASFF `Details` fields the kinds' `from_finding` read (an IAM user's name).
    fn details_of(r: &aws_sdk_securityhub::types::Resource) -> Option<Value> {
        let d = r.details()?;
        if let Some(u) = d.aws_iam_user() {
            return Some(json!({"AwsIamUser": {"UserName": u.user_name()}}));
        }
        if let Some(k) = d.aws_iam_access_key() {
            return Some(json!({"AwsIamAccessKey": {"PrincipalName": k.principal_name()}}));
        }
        None
    }

    fn state_of(f: &AwsSecurityFinding) -> FindingState<'_> {
        FindingState {
            status: f
                .workflow()
                .and_then(|w| w.status())
                .and_then(|s| WorkflowStatus::parse(s.as_str())),
            note_by: f.note().and_then(|n| n.updated_by()),
        }
    }

    #[async_trait]
    impl FindingsOut for SecurityHubFindings {
        async fn sync(&self, n: &Notice) -> Result<usize, String> {
            let Some(change) = WorkflowChange::for_notice(n) else {
                return Ok(0);
            };
            let Some(rule) = self.rules.iter().find(|r| r.id() == n.rule) else {
                return Ok(0);
            };
            let controls = rule.spec().triggers.security_hub;
            if controls.is_empty() {
                return Ok(0);
            }
            let kind = rule.kind();
            let found = self.candidates(controls, kind, n).await?;
            let ids: Vec<AwsSecurityFindingIdentifier> = found
                .iter()
                // moto ignores GetFindings' filters; real Security Hub's "contains"
                // may match a longer name: check each finding again.
                .filter(|f| concerns(f, controls, kind, n) && change.applies_to(state_of(f)))
                .filter_map(|f| {
                    Some(
                        AwsSecurityFindingIdentifier::builder()
                            .id(f.id()?)
                            .product_arn(f.product_arn()?)
                            .build(),
                    )
                })
                .collect();
            let mut updated = 0;
            for chunk in ids.chunks(BATCH) {
                let out = self
                    .hub
                    .batch_update_findings()
                    .set_finding_identifiers(Some(chunk.to_vec()))
                    .workflow(
                        WorkflowUpdate::builder()
                            .status(aws_sdk_securityhub::types::WorkflowStatus::from(change.to.as_str()))
                            .build(),
                    )
                    .note(NoteUpdate::builder().text(&change.note).updated_by(UPDATED_BY).build())
                    .send()
                    .await
                    .map_err(|e| format!("BatchUpdateFindings: {}", DisplayErrorContext(&e)))?;
                for u in out.unprocessed_findings() {
                    warn!(
                        finding = u.finding_identifier().and_then(|i| i.id()).unwrap_or_default(),
                        code = u.error_code().unwrap_or_default(),
                        message = u.error_message().unwrap_or_default(),
                        "Security Hub did not update a finding"
                    );
                }
                updated += out.processed_findings().len();
            }
            if updated > 0 {
                info!(rule = %n.rule, resource = %n.resource, status = change.to.as_str(), findings = updated, ledger_id = %n.ledger_id, "Security Hub findings updated");
            }
            Ok(updated)
        }
    }
}
