//! A region's AWS Config recorder and delivery channels: the reader, lister and
//! remediator of the `config_recorder` kind.
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::config_recorder::{Action, ConfigRecorder, DeliveryChannel, Facet, Recorder, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// Config's "no such recorder".
const NO_RECORDER: &str = "NoSuchConfigurationRecorderException";

/// AWS Config over the SDK.
#[derive(Debug)]
pub struct ConfigRecorderAdapter {
    config: aws_sdk_config::Client,
}

impl ConfigRecorderAdapter {
    pub fn new(clients: &Clients) -> Self {
        ConfigRecorderAdapter {
            config: clients.config.clone(),
        }
    }

    async fn recorders(&self) -> Result<Vec<Recorder>, PortError> {
        let described = self
            .config
            .describe_configuration_recorders()
            .send()
            .await
            .map_err(|e| port_error("DescribeConfigurationRecorders", "configuration recorders", e))?;
        let status = self
            .config
            .describe_configuration_recorder_status()
            .send()
            .await
            .map_err(|e| port_error("DescribeConfigurationRecorderStatus", "configuration recorders", e))?;
        Ok(described
            .configuration_recorders()
            .iter()
            .filter_map(|r| r.name())
            .map(|name| {
                let st = status
                    .configuration_recorders_status()
                    .iter()
                    .find(|s| s.name() == Some(name));
                Recorder {
                    name: name.to_string(),
                    recording: st.is_some_and(|s| s.recording()),
                    last_status: st.and_then(|s| s.last_status()).map(|s| s.as_str().to_string()),
                    last_error: st.and_then(|s| s.last_error_code()).map(str::to_owned),
                }
            })
            .collect())
    }

    async fn channels(&self) -> Result<Vec<DeliveryChannel>, PortError> {
        let described = self
            .config
            .describe_delivery_channels()
            .send()
            .await
            .map_err(|e| port_error("DescribeDeliveryChannels", "delivery channels", e))?;
        let status = self
            .config
            .describe_delivery_channel_status()
            .send()
            .await
            .map_err(|e| port_error("DescribeDeliveryChannelStatus", "delivery channels", e))?;
        Ok(described
            .delivery_channels()
            .iter()
            .filter_map(|c| Some((c.name()?, c)))
            .map(|(name, c)| {
                let history = status
                    .delivery_channels_status()
                    .iter()
                    .find(|s| s.name() == Some(name))
                    .and_then(|s| s.config_history_delivery_info());
                DeliveryChannel {
                    name: name.to_string(),
                    bucket: c.s3_bucket_name().map(str::to_owned),
                    last_delivery: history.and_then(|h| h.last_status()).map(|s| s.as_str().to_string()),
                    last_error: history.and_then(|h| h.last_error_code()).map(str::to_owned),
                }
            })
            .collect())
    }
}

#[async_trait]
impl KindAdapter<ConfigRecorder> for ConfigRecorderAdapter {
    async fn fill(&self, _r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::Recorders => s.recorders = Read::Value(self.recorders().await?),
                Facet::Channels => s.channels = Read::Value(self.channels().await?),
            }
        }
        Ok(())
    }

    /// One per account and region: nothing to call.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        Ok(vec![Listed::bare(ResourceRef::of(
            ResourceKind::ConfigRecorder,
            "",
            account,
            region,
        ))])
    }

    async fn apply(&self, _r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        // Exhaustive: a new action can't be half-wired. Starting a recording recorder
        // (or stopping a stopped one) succeeds: both are idempotent.
        match action {
            Action::StartConfigurationRecorder(a) => self
                .config
                .start_configuration_recorder()
                .configuration_recorder_name(&a.recorder)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| recorder_error("StartConfigurationRecorder", &a.recorder, e)),
            Action::StopConfigurationRecorder(a) => self
                .config
                .stop_configuration_recorder()
                .configuration_recorder_name(&a.recorder)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| recorder_error("StopConfigurationRecorder", &a.recorder, e)),
        }
    }
}

/// A recorder that is gone is `NotFound` (a quiet no-op); anything else as usual.
fn recorder_error<E>(
    op: &str,
    name: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> PortError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if error_code(&e) == Some(NO_RECORDER) {
        PortError::NotFound {
            what: format!("configuration recorder {name}"),
        }
    } else {
        port_error(op, name, e)
    }
}
