//! Security Hub in a region: the reader, lister and remediator of the `security_hub` kind.
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::security_hub::{Action, Facet, HISTORY_EVENTS, Hub, SecurityHub, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use super::cloudtrail::Trails;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// Security Hub's "this account is not subscribed".
const NOT_SUBSCRIBED: &[&str] = &["InvalidAccessException", "ResourceNotFoundException"];

/// Security Hub (and CloudTrail's event history) over the SDK.
#[derive(Debug)]
pub struct SecurityHubAdapter {
    hub: aws_sdk_securityhub::Client,
    trails: Trails,
}

impl SecurityHubAdapter {
    pub fn new(clients: &Clients) -> Self {
        SecurityHubAdapter {
            hub: clients.securityhub.clone(),
            trails: Trails::new(clients.cloudtrail.clone()),
        }
    }

    async fn hub(&self) -> Result<Option<Hub>, PortError> {
        match self.hub.describe_hub().send().await {
            Ok(h) => Ok(Some(Hub {
                arn: h.hub_arn().unwrap_or_default().to_string(),
                subscribed_at: h.subscribed_at().map(str::to_owned),
            })),
            Err(e) if error_code(&e).is_some_and(|c| NOT_SUBSCRIBED.contains(&c)) => Ok(None),
            Err(e) => Err(port_error("DescribeHub", "Security Hub", e)),
        }
    }
}

#[async_trait]
impl KindAdapter<SecurityHub> for SecurityHubAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Hub => s.hub = Read::Value(self.hub().await?),
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
            ResourceKind::SecurityHub,
            "",
            account,
            region,
        ))])
    }

    async fn apply(&self, _r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        // Exhaustive: a new action can't be half-wired. Both are idempotent.
        match action {
            Action::EnableSecurityHub(_) => match self.hub.enable_security_hub().send().await {
                Ok(_) => Ok(()),
                Err(e) if error_code(&e) == Some("ResourceConflictException") => Ok(()),
                Err(e) => Err(port_error("EnableSecurityHub", "Security Hub", e)),
            },
            Action::DisableSecurityHub(_) => match self.hub.disable_security_hub().send().await {
                Ok(_) => Ok(()),
                Err(e) if error_code(&e).is_some_and(|c| NOT_SUBSCRIBED.contains(&c)) => Ok(()),
                Err(e) => Err(port_error("DisableSecurityHub", "Security Hub", e)),
            },
        }
    }
}
