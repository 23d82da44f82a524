//! GuardDuty in a region: the reader, lister and remediator of the `guardduty` kind.
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::guardduty::{Action, Detector, Facet, GuardDuty, HISTORY_EVENTS, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use super::cloudtrail::Trails;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// GuardDuty (and CloudTrail's event history) over the SDK.
#[derive(Debug)]
pub struct GuardDutyAdapter {
    guardduty: aws_sdk_guardduty::Client,
    trails: Trails,
}

impl GuardDutyAdapter {
    pub fn new(clients: &Clients) -> Self {
        GuardDutyAdapter {
            guardduty: clients.guardduty.clone(),
            trails: Trails::new(clients.cloudtrail.clone()),
        }
    }

    async fn detector_ids(&self) -> Result<Vec<String>, PortError> {
        Ok(self
            .guardduty
            .list_detectors()
            .send()
            .await
            .map_err(|e| port_error("ListDetectors", "GuardDuty detectors", e))?
            .detector_ids()
            .to_vec())
    }

    async fn detectors(&self) -> Result<Vec<Detector>, PortError> {
        let mut out = Vec::new();
        for id in self.detector_ids().await? {
            match self.guardduty.get_detector().detector_id(&id).send().await {
                Ok(d) => out.push(Detector {
                    enabled: d.status() == Some(&aws_sdk_guardduty::types::DetectorStatus::Enabled),
                    id,
                }),
                // Deleted between the list and the read: not there.
                Err(e) if error_code(&e) == Some("BadRequestException") => {}
                Err(e) => return Err(port_error("GetDetector", &id, e)),
            }
        }
        Ok(out)
    }

    async fn set_enabled(&self, id: &str, on: bool) -> Result<(), PortError> {
        match self.guardduty.update_detector().detector_id(id).enable(on).send().await {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e) == Some("BadRequestException") => Err(PortError::NotFound {
                what: format!("GuardDuty detector {id}"),
            }),
            Err(e) => Err(port_error("UpdateDetector", id, e)),
        }
    }
}

#[async_trait]
impl KindAdapter<GuardDuty> for GuardDutyAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Detectors => s.detectors = Read::Value(self.detectors().await?),
                Facet::History => {
                    s.history = Read::Value(self.trails.history_of_calls(&r.region, HISTORY_EVENTS).await?);
                }
            }
        }
        Ok(())
    }

    /// One per account and region: nothing to call.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        Ok(vec![Listed::bare(ResourceRef::of(
            ResourceKind::GuardDuty,
            "",
            account,
            region,
        ))])
    }

    async fn apply(&self, _r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::EnableDetector(a) => self.set_enabled(&a.detector_id, true).await,
            Action::DisableDetector(a) => self.set_enabled(&a.detector_id, false).await,
            // Idempotent: a region has at most one detector; one already there is kept.
            Action::CreateDetector(_) => {
                if !self.detector_ids().await?.is_empty() {
                    return Ok(());
                }
                self.guardduty
                    .create_detector()
                    .enable(true)
                    .send()
                    .await
                    .map_err(|e| port_error("CreateDetector", "GuardDuty detector", e))?;
                Ok(())
            }
            Action::DeleteDetector(_) => {
                for id in self.detector_ids().await? {
                    match self.guardduty.delete_detector().detector_id(&id).send().await {
                        Ok(_) => {}
                        Err(e) if error_code(&e) == Some("BadRequestException") => {}
                        Err(e) => return Err(port_error("DeleteDetector", &id, e)),
                    }
                }
                Ok(())
            }
        }
    }
}
