//! AWS Config: evaluations back to Config for a custom-rule invocation.
//!
//! Note for tests: moto answers `PutEvaluations` only with `TestMode=true` (a real
//! call returns HTTP 500 "not yet implemented"), so integration tests use a
//! recording stand-in (`policy::memory::RecordingReporter`) for this one port, or
//! set `CONFIG_TEST_MODE=true`.
use async_trait::async_trait;
use aws_sdk_config::types::{ComplianceType, Evaluation as SdkEvaluation};
use aws_smithy_types::DateTime as SmithyDateTime;
use policy::PortError;
use policy::ports::{ComplianceReporter, Evaluation};
use tracing::error;

use crate::error::{AdapterError, port_error};

/// Reports evaluations with `PutEvaluations`.
#[derive(Debug, Clone)]
pub struct ConfigReporter {
    pub client: aws_sdk_config::Client,
    /// Send `TestMode=true`: Config validates the call but records nothing.
    pub test_mode: bool,
}

impl ConfigReporter {
    pub fn new(client: aws_sdk_config::Client, test_mode: bool) -> Self {
        ConfigReporter { client, test_mode }
    }
}

/// One evaluation in the SDK's terms.
pub fn to_sdk(e: &Evaluation) -> Result<SdkEvaluation, PortError> {
    let t = e.ordering_time;
    SdkEvaluation::builder()
        .compliance_resource_type(&e.resource_type)
        .compliance_resource_id(&e.resource_id)
        .compliance_type(ComplianceType::from(e.compliance.as_str()))
        .annotation(&e.annotation)
        .ordering_timestamp(SmithyDateTime::from_secs_and_nanos(
            t.timestamp(),
            t.timestamp_subsec_nanos(),
        ))
        .build()
        .map_err(|err| PortError::Other {
            operation: "PutEvaluations".into(),
            source: Box::new(AdapterError::Build(err)),
        })
}

#[async_trait]
impl ComplianceReporter for ConfigReporter {
    async fn put_evaluations(&self, result_token: &str, evaluations: &[Evaluation]) -> Result<(), PortError> {
        if evaluations.is_empty() {
            return Ok(());
        }
        let evals = evaluations.iter().map(to_sdk).collect::<Result<Vec<_>, _>>()?;
        let mut req = self
            .client
            .put_evaluations()
            .result_token(result_token)
            .set_evaluations(Some(evals));
        if self.test_mode {
            req = req.test_mode(true);
        }
        let out = req
            .send()
            .await
            .map_err(|e| port_error("PutEvaluations", "AWS Config evaluations", e))?;
        let failed = out.failed_evaluations();
        if !failed.is_empty() {
            let ids: Vec<&str> = failed.iter().map(SdkEvaluation::compliance_resource_id).collect();
            error!(failed = failed.len(), resources = ?ids, "AWS Config rejected evaluations");
            return Err(PortError::Other {
                operation: "PutEvaluations".into(),
                source: Box::new(AdapterError::EvaluationsFailed { failed: failed.len() }),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn evaluations_map_to_the_sdk_shape() {
        let t = Utc
            .with_ymd_and_hms(2025, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_else(|| panic!("valid date"));
        let e = Evaluation {
            resource_type: "AWS::S3::Bucket".into(),
            resource_id: "b".into(),
            compliance: "NON_COMPLIANT".into(),
            annotation: "public".into(),
            ordering_time: t,
        };
        let s = to_sdk(&e).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.compliance_resource_type(), "AWS::S3::Bucket");
        assert_eq!(s.compliance_resource_id(), "b");
        assert_eq!(s.compliance_type(), &ComplianceType::NonCompliant);
        assert_eq!(s.annotation(), Some("public"));
        assert_eq!(s.ordering_timestamp().secs(), t.timestamp());
    }
}
