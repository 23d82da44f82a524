//! The account's trails seen from one region: the reader, lister and remediator of
//! the `cloudtrail_account` kind. Every change is made in the trail's home region.
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::cloudtrail_account::{Action, CloudTrailAccount, Facet, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use super::cloudtrail::{Trails, trail_key};
use crate::clients::Clients;

/// CloudTrail (and KMS, for the trail key) over the SDK.
#[derive(Debug)]
pub struct CloudTrailAccountAdapter {
    trails: Trails,
    kms: aws_sdk_kms::Client,
    /// The key a created trail is encrypted with (`TrailKmsKeyArn`, filled in by the
    /// template with the stack's key when left empty); `None`: no key configured.
    trail_key_arn: Option<String>,
}

impl CloudTrailAccountAdapter {
    pub fn new(clients: &Clients, trail_key_arn: Option<String>) -> Self {
        CloudTrailAccountAdapter {
            trails: Trails::new(clients.cloudtrail.clone()),
            kms: clients.kms.clone(),
            trail_key_arn,
        }
    }
}

#[async_trait]
impl KindAdapter<CloudTrailAccount> for CloudTrailAccountAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Trails => s.trails = Read::Value(self.trails.describe_all(&r.account, &r.region).await?),
                Facet::TrailKey => {
                    s.trail_key = Read::Value(trail_key(&self.kms, self.trail_key_arn.as_deref()).await?);
                }
            }
        }
        Ok(())
    }

    /// One per account and region: nothing to call.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        Ok(vec![Listed::bare(ResourceRef::of(
            ResourceKind::CloudTrailAccount,
            "",
            account,
            region,
        ))])
    }

    async fn apply(&self, _r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::StartLogging(a) => self.trails.start_logging(&a.trail, &a.home_region).await,
            Action::StopLogging(a) => match self.trails.stop_logging(&a.trail, &a.home_region).await {
                // The undo of a created trail stops it, then deletes it: gone is stopped.
                Err(PortError::NotFound { .. }) => Ok(()),
                other => other,
            },
            Action::SetTrailMultiRegion(a) => {
                self.trails
                    .update(&a.trail, &a.home_region, |u| {
                        u.is_multi_region_trail(a.multi_region)
                            .include_global_service_events(a.global_events)
                    })
                    .await
            }
            Action::PutEventSelectors(a) => self.trails.put_selectors(&a.trail, &a.home_region, &a.selectors).await,
            Action::CreateTrail(a) => {
                self.trails
                    .create(&a.trail, &a.home_region, &a.bucket, a.kms_key.as_deref())
                    .await
            }
            Action::DeleteTrail(a) => self.trails.delete(&a.trail, &a.home_region).await,
        }
    }
}
