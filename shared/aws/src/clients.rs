//! SDK clients, built once per process from one `SdkConfig`.
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_types::SdkConfig;
use policy::PortError;

use crate::error::port_error;

/// Every AWS client the adapters use. Cheap to clone (each client is an `Arc` inside).
/// A resource service's client exists only with its cargo feature (see `Cargo.toml`).
#[derive(Clone, Debug)]
pub struct Clients {
    /// The configuration the clients were built from (organisation mode builds each
    /// member account's clients from it, with the member role's credentials).
    pub sdk: SdkConfig,
    #[cfg(feature = "s3")]
    pub s3: aws_sdk_s3::Client,
    #[cfg(feature = "s3control")]
    pub s3control: aws_sdk_s3control::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    #[cfg(feature = "config")]
    pub config: aws_sdk_config::Client,
    pub sts: aws_sdk_sts::Client,
    /// The notice queue (`QueueNotifier`).
    pub sqs: aws_sdk_sqs::Client,
    /// IAM is global: one endpoint, whatever the configured region.
    #[cfg(feature = "iam")]
    pub iam: aws_sdk_iam::Client,
    // issue #11
    #[cfg(feature = "cloudtrail")]
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    #[cfg(feature = "kms")]
    pub kms: aws_sdk_kms::Client,
    #[cfg(feature = "guardduty")]
    pub guardduty: aws_sdk_guardduty::Client,
    #[cfg(feature = "securityhub")]
    pub securityhub: aws_sdk_securityhub::Client,
    #[cfg(feature = "logs")]
    pub logs: aws_sdk_cloudwatchlogs::Client,
    #[cfg(feature = "ec2")]
    pub ec2: aws_sdk_ec2::Client,
    #[cfg(feature = "rds")]
    pub rds: aws_sdk_rds::Client,
    #[cfg(feature = "lambda")]
    pub lambda: aws_sdk_lambda::Client,
    #[cfg(feature = "ssm")]
    pub ssm: aws_sdk_ssm::Client,
}

impl Clients {
    /// Build every client from one shared configuration.
    ///
    /// With an endpoint override (`AWS_ENDPOINT_URL`, e.g. a local moto server) S3 is
    /// addressed path-style (`http://host/bucket`, not `http://bucket.host`, which
    /// does not resolve for `127.0.0.1` or `localhost`), and S3 Control requests keep
    /// the override's host (see [`KeepEndpointHost`]).
    pub fn new(sdk: &SdkConfig) -> Clients {
        #[cfg(feature = "s3")]
        let s3 = {
            let mut b = aws_sdk_s3::config::Builder::from(sdk);
            if sdk.endpoint_url().is_some() {
                b = b.force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        };
        #[cfg(feature = "s3control")]
        let s3control = {
            let mut b = aws_sdk_s3control::config::Builder::from(sdk);
            if let Some(host) = sdk.endpoint_url().and_then(KeepEndpointHost::new) {
                b = b.interceptor(host);
            }
            aws_sdk_s3control::Client::from_conf(b.build())
        };
        Clients {
            sdk: sdk.clone(),
            #[cfg(feature = "s3")]
            s3,
            #[cfg(feature = "s3control")]
            s3control,
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            secrets: aws_sdk_secretsmanager::Client::new(sdk),
            #[cfg(feature = "config")]
            config: aws_sdk_config::Client::new(sdk),
            sts: aws_sdk_sts::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            #[cfg(feature = "iam")]
            iam: aws_sdk_iam::Client::new(sdk),
            #[cfg(feature = "cloudtrail")]
            cloudtrail: aws_sdk_cloudtrail::Client::new(sdk),
            #[cfg(feature = "kms")]
            kms: aws_sdk_kms::Client::new(sdk),
            #[cfg(feature = "guardduty")]
            guardduty: aws_sdk_guardduty::Client::new(sdk),
            #[cfg(feature = "securityhub")]
            securityhub: aws_sdk_securityhub::Client::new(sdk),
            #[cfg(feature = "logs")]
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
            #[cfg(feature = "ec2")]
            ec2: aws_sdk_ec2::Client::new(sdk),
            #[cfg(feature = "rds")]
            rds: aws_sdk_rds::Client::new(sdk),
            #[cfg(feature = "lambda")]
            lambda: aws_sdk_lambda::Client::new(sdk),
            #[cfg(feature = "ssm")]
            ssm: aws_sdk_ssm::Client::new(sdk),
        }
    }
}

impl Clients {
    /// The same clients with another retry configuration (everything else, the
    /// endpoint, path-style S3 and the S3 Control host fix included, is kept).
    /// Each client still shares the one HTTP connection pool of the `SdkConfig`.
    pub fn with_retry(&self, retry: &RetryConfig) -> Clients {
        Clients {
            sdk: self.sdk.to_builder().retry_config(retry.clone()).build(),
            #[cfg(feature = "s3")]
            s3: aws_sdk_s3::Client::from_conf(self.s3.config().to_builder().retry_config(retry.clone()).build()),
            #[cfg(feature = "s3control")]
            s3control: aws_sdk_s3control::Client::from_conf(
                self.s3control.config().to_builder().retry_config(retry.clone()).build(),
            ),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(
                self.dynamodb.config().to_builder().retry_config(retry.clone()).build(),
            ),
            secrets: aws_sdk_secretsmanager::Client::from_conf(
                self.secrets.config().to_builder().retry_config(retry.clone()).build(),
            ),
            #[cfg(feature = "config")]
            config: aws_sdk_config::Client::from_conf(
                self.config.config().to_builder().retry_config(retry.clone()).build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(self.sts.config().to_builder().retry_config(retry.clone()).build()),
            sqs: aws_sdk_sqs::Client::from_conf(self.sqs.config().to_builder().retry_config(retry.clone()).build()),
            #[cfg(feature = "iam")]
            iam: aws_sdk_iam::Client::from_conf(self.iam.config().to_builder().retry_config(retry.clone()).build()),
            // issue #11
            #[cfg(feature = "cloudtrail")]
            cloudtrail: aws_sdk_cloudtrail::Client::from_conf(
                self.cloudtrail
                    .config()
                    .to_builder()
                    .retry_config(retry.clone())
                    .build(),
            ),
            #[cfg(feature = "kms")]
            kms: aws_sdk_kms::Client::from_conf(self.kms.config().to_builder().retry_config(retry.clone()).build()),
            #[cfg(feature = "guardduty")]
            guardduty: aws_sdk_guardduty::Client::from_conf(
                self.guardduty.config().to_builder().retry_config(retry.clone()).build(),
            ),
            #[cfg(feature = "securityhub")]
            securityhub: aws_sdk_securityhub::Client::from_conf(
                self.securityhub
                    .config()
                    .to_builder()
                    .retry_config(retry.clone())
                    .build(),
            ),
            #[cfg(feature = "logs")]
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                self.logs.config().to_builder().retry_config(retry.clone()).build(),
            ),
            #[cfg(feature = "ec2")]
            ec2: aws_sdk_ec2::Client::from_conf(self.ec2.config().to_builder().retry_config(retry.clone()).build()),
            #[cfg(feature = "rds")]
            rds: aws_sdk_rds::Client::from_conf(self.rds.config().to_builder().retry_config(retry.clone()).build()),
            #[cfg(feature = "lambda")]
            lambda: aws_sdk_lambda::Client::from_conf(
                self.lambda.config().to_builder().retry_config(retry.clone()).build(),
            ),
            #[cfg(feature = "ssm")]
            ssm: aws_sdk_ssm::Client::from_conf(self.ssm.config().to_builder().retry_config(retry.clone()).build()),
        }
    }
}

/// The SDK configuration from the environment (region, credentials, `AWS_ENDPOINT_URL`).
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The account id and ARN of the caller (STS `GetCallerIdentity`).
pub async fn caller_identity(clients: &Clients) -> Result<(String, String), PortError> {
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| port_error("GetCallerIdentity", "caller identity", e))?;
    let account = out.account().ok_or_else(|| PortError::InvalidData {
        operation: "GetCallerIdentity".into(),
        reason: "no Account in the answer".into(),
    })?;
    let arn = out.arn().unwrap_or_default();
    Ok((account.to_string(), arn.to_string()))
}

/// Sends S3 Control requests to the endpoint override's host, as given.
///
/// S3 Control's endpoint rules put the account id in front of the host
/// (`https://123456789012.s3-control.us-east-1.amazonaws.com`), and they do the same
/// to a custom endpoint: `http://127.0.0.1:5055` becomes
/// `http://123456789012.127.0.0.1:5055`, which does not resolve. The AWS standard
/// for custom endpoints (`AWS_ENDPOINT_URL`) is that the endpoint is used as given,
/// so this interceptor puts the override's scheme and host back, keeping the path
/// and query. A local emulator (moto) routes S3 Control requests by their
/// `/v20180820/` path, which is all it needs. It runs before signing so the
/// signature covers the host actually called. It is only installed when an
/// endpoint override is set; real AWS endpoints are never touched.
#[derive(Debug, Clone)]
pub struct KeepEndpointHost {
    scheme: String,
    authority: String,
}

impl KeepEndpointHost {
    /// `None` when the override is not an absolute `scheme://host[:port]` URL.
    pub fn new(endpoint: &str) -> Option<Self> {
        let (scheme, authority, _) = split_uri(endpoint)?;
        Some(KeepEndpointHost {
            scheme: scheme.to_string(),
            authority: authority.to_string(),
        })
    }

    /// The request URI with the override's scheme and host, or `None` when it already has them.
    pub fn rewrite(&self, uri: &str) -> Option<String> {
        let (scheme, authority, rest) = split_uri(uri)?;
        if scheme == self.scheme && authority == self.authority {
            return None;
        }
        Some(format!("{}://{}{}", self.scheme, self.authority, rest))
    }
}

/// Split `scheme://authority/rest?query` into its scheme, authority and the rest
/// (path and query, possibly empty).
fn split_uri(uri: &str) -> Option<(&str, &str, &str)> {
    let (scheme, after) = uri.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if scheme.is_empty() || authority.is_empty() {
        return None;
    }
    Some((scheme, authority, rest))
}

impl Intercept for KeepEndpointHost {
    fn name(&self) -> &'static str {
        "KeepEndpointHost"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        if let Some(uri) = self.rewrite(request.uri()) {
            request.set_uri(uri)?;
            if request.headers().contains_key("host") {
                request.headers_mut().insert("host", self.authority.clone());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_prefixed_host_goes_back_to_the_override() {
        let k = KeepEndpointHost::new("http://127.0.0.1:5055").unwrap_or_else(|| panic!("valid"));
        assert_eq!(
            k.rewrite("http://123456789012.127.0.0.1:5055/v20180820/configuration/publicAccessBlock")
                .as_deref(),
            Some("http://127.0.0.1:5055/v20180820/configuration/publicAccessBlock")
        );
        assert_eq!(
            k.rewrite("http://123456789012.127.0.0.1:5055/v20180820/x?a=b")
                .as_deref(),
            Some("http://127.0.0.1:5055/v20180820/x?a=b")
        );
    }

    #[test]
    fn a_request_already_on_the_override_is_left_alone() {
        let k = KeepEndpointHost::new("http://localhost:5000/").unwrap_or_else(|| panic!("valid"));
        assert_eq!(k.rewrite("http://localhost:5000/v20180820/x"), None);
    }

    #[test]
    fn overrides_that_are_not_urls_are_refused() {
        assert!(KeepEndpointHost::new("localhost:5000").is_none());
        assert!(KeepEndpointHost::new("http://").is_none());
    }
}
