//! One CloudTrail trail in its home region: the reader, lister and remediator of the
//! `cloudtrail_trail` kind (log file validation, encryption, CloudWatch Logs delivery).
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::cloudtrail_trail::{Action, CloudTrailTrail, Facet, NewLogGroup, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use super::cloudtrail::{Trails, trail_key};
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// CloudTrail, KMS (the trail key) and CloudWatch Logs (a trail's log group) over the SDK.
#[derive(Debug)]
pub struct CloudTrailTrailAdapter {
    trails: Trails,
    kms: aws_sdk_kms::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    /// The key trails are to be encrypted with (`TrailKmsKeyArn`, or the stack's).
    trail_key_arn: Option<String>,
}

impl CloudTrailTrailAdapter {
    pub fn new(clients: &Clients, trail_key_arn: Option<String>) -> Self {
        CloudTrailTrailAdapter {
            trails: Trails::new(clients.cloudtrail.clone()),
            kms: clients.kms.clone(),
            logs: clients.logs.clone(),
            trail_key_arn,
        }
    }

    /// Create the log group with its retention, unless it exists (then it is left as it is).
    async fn ensure_log_group(&self, g: &NewLogGroup) -> Result<(), PortError> {
        match self.logs.create_log_group().log_group_name(&g.name).send().await {
            Ok(_) => {}
            Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => return Ok(()),
            Err(e) => return Err(port_error("CreateLogGroup", &g.name, e)),
        }
        self.logs
            .put_retention_policy()
            .log_group_name(&g.name)
            .retention_in_days(i32::try_from(g.retention_days).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| port_error("PutRetentionPolicy", &g.name, e))?;
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<CloudTrailTrail> for CloudTrailTrailAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Trail => s.trail = Read::Value(self.trails.describe_one(&r.id, &r.account, &r.region).await?),
                Facet::Tags => {
                    let arn = match s.trail.get() {
                        Some(t) => t.arn.clone(),
                        None => (policy::kinds::cloudtrail_trail::SPEC.arn)(r),
                    };
                    s.tags = Read::Value(self.trails.tags(&arn, &r.region).await?);
                }
                Facet::TrailKey => {
                    s.trail_key = Read::Value(trail_key(&self.kms, self.trail_key_arn.as_deref()).await?);
                }
            }
        }
        Ok(())
    }

    /// The trails homed in `region` (another region's multi-region trail is listed there).
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        Ok(self
            .trails
            .describe_all(account, region)
            .await?
            .into_iter()
            .filter(|t| t.home_region == region)
            .map(|t| Listed::bare(ResourceRef::of(ResourceKind::CloudTrailTrail, t.name, account, region)))
            .collect())
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::SetLogFileValidation(a) => {
                self.trails
                    .update(&a.trail, &r.region, |u| u.enable_log_file_validation(a.on))
                    .await
            }
            // An empty KmsKeyId puts the trail back on S3-managed encryption.
            Action::SetTrailKmsKey(a) => {
                let key = a.key.clone().unwrap_or_default();
                self.trails.update(&a.trail, &r.region, |u| u.kms_key_id(key)).await
            }
            Action::SetTrailCloudWatchLogs(a) => {
                if let Some(g) = &a.create_group {
                    self.ensure_log_group(g).await?;
                }
                let (group, role) = match &a.delivery {
                    Some(d) => (d.log_group_arn.clone(), d.role_arn.clone()),
                    None => (String::new(), String::new()),
                };
                self.trails
                    .update(&a.trail, &r.region, |u| {
                        u.cloud_watch_logs_log_group_arn(group).cloud_watch_logs_role_arn(role)
                    })
                    .await
            }
        }
    }
}
