//! Organisation mode: a member account's resources, reached only through that
//! account's role for the function's family (`<MemberRolePrefix><family>`, deployed
//! by the member stack), with the external id, in the resource's region. Never with
//! the central account's own rights.
//!
//! Credentials come from the SDK's own [`AssumeRoleProvider`] behind a lazy identity
//! cache: one `sts:AssumeRole` per (account, region) until [`REFRESH_BEFORE_EXPIRY`]
//! before the session ends, then one more. Each (account, region) gets its clients
//! once per container ([`MemberRouter`] keeps them), so a warm function makes no
//! STS call for an account it reached in the last hour.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use aws_types::region::Region;
use policy::ports::{Listed, Remediator, ResourceLister, ResourceReader};
use policy::{Action, Facet, PortError, ResourceKind, ResourceRef, Snapshot};
use tracing::info;

use crate::clients::Clients;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{classify, error_code, http_status, port_error};
use crate::kinds::AwsAdapter;

/// Assumed credentials are renewed this long before they expire (the SDK's default
/// buffer is 10 s; a sweep's call should never start on credentials about to end).
pub const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// How a family reaches member accounts: the role name prefix and the external id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRole {
    /// `MemberRolePrefix`: the member role is this and the family id.
    pub prefix: String,
    /// `MemberExternalId`: the `sts:ExternalId` the member roles require.
    pub external_id: Option<String>,
    /// The family whose role is assumed (`s3-public-access`).
    pub family: String,
}

impl MemberRole {
    /// The role's ARN in `account` (partition from `region`).
    pub fn arn(&self, account: &str, region: &str) -> String {
        policy::org::member_role_arn(partition_of(region), account, &self.prefix, &self.family)
    }
}

/// The partition of a region (`aws`, `aws-us-gov`, `aws-cn`).
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("cn-") {
        "aws-cn"
    } else {
        "aws"
    }
}

/// The SDK configuration for `account` in `region` through the family's member
/// role: `base` (endpoint, retries, HTTP client) with the assumed role's credentials,
/// renewed [`REFRESH_BEFORE_EXPIRY`] before they end. Nothing is called until the
/// first request (or [`probe`]).
pub async fn member_sdk_config(base: &SdkConfig, role: &MemberRole, account: &str, region: &str) -> SdkConfig {
    let mut builder = AssumeRoleProvider::builder(role.arn(account, region))
        .session_name(format!("hipaa-autofix-{}", role.family))
        .region(Region::new(region.to_string()))
        .configure(base);
    if let Some(id) = &role.external_id {
        builder = builder.external_id(id.clone());
    }
    let provider = builder.build().await;
    base.to_builder()
        .region(Region::new(region.to_string()))
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .identity_cache(IdentityCache::lazy().buffer_time(REFRESH_BEFORE_EXPIRY).build())
        .build()
}

/// Whether the role can be assumed: STS `GetCallerIdentity` through it (which needs
/// no permission, so only the assumption itself can fail). The account it answers.
pub async fn probe(sdk: &SdkConfig) -> Result<String, PortError> {
    match aws_sdk_sts::Client::new(sdk).get_caller_identity().send().await {
        Ok(out) => Ok(out.account().unwrap_or_default().to_string()),
        Err(e) => Err(assume_role_error(e)),
    }
}

/// A call that failed because its credentials could not be had: classified by STS's
/// answer to the `AssumeRole` behind them (the SDK reports any credentials failure
/// as a dispatch failure, which alone would read as "transient, retry"). A role that
/// does not exist or does not trust us, or an SCP's deny, is `AccessDenied`; a
/// disabled region is `RegionDisabledException`: neither is retried.
pub fn assume_role_error<E>(e: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cur {
        if let Some(refusal) = c.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>() {
            let code = error_code(refusal).map(str::to_owned);
            let status = http_status(refusal);
            let message = policy::executor::chain(refusal);
            return match code.as_deref() {
                Some("RegionDisabledException") => PortError::AccessDenied {
                    operation: "AssumeRole".into(),
                    source: format!("the region is disabled for STS: {message}").into(),
                },
                _ => classify(
                    "AssumeRole".into(),
                    "the member role",
                    code.as_deref(),
                    status,
                    format!("{} {message}", code.as_deref().unwrap_or_default()).into(),
                ),
            };
        }
        cur = c.source();
    }
    port_error("AssumeRole", "the member role", e)
}

/// The regions enabled in the account of `sdk`'s credentials (EC2 `DescribeRegions`:
/// without `AllRegions`, the opted-in ones), sorted.
#[cfg(feature = "ec2")]
pub async fn enabled_regions(sdk: &SdkConfig) -> Result<Vec<String>, PortError> {
    let out = aws_sdk_ec2::Client::new(sdk)
        .describe_regions()
        .send()
        .await
        .map_err(|e| port_error("DescribeRegions", "the account's regions", e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_owned))
        .collect();
    regions.sort();
    Ok(regions)
}

/// The reader, lister and remediator of an organisation: each call goes to the
/// adapter of the resource's account and region, built over the member role's
/// credentials (over the function's own for its own account).
pub struct MemberRouter {
    base: Clients,
    params: policy::params::Params,
    role: MemberRole,
    /// The central account, once known (a function learns it from its first
    /// invocation's ARN): its resources are reached with the function's own role.
    own_account: Arc<OnceLock<String>>,
    own: Arc<AwsAdapter>,
    /// Each (account, region)'s adapter and the configuration its clients share (one
    /// identity cache: one AssumeRole until the credentials near their end).
    adapters: Mutex<HashMap<(String, String), Member>>,
}

/// One (account, region)'s adapter and the configuration behind its clients.
type Member = (Arc<AwsAdapter>, SdkConfig);

impl std::fmt::Debug for MemberRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberRouter")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl MemberRouter {
    pub fn new(
        base: &Clients,
        params: &policy::params::Params,
        role: MemberRole,
        own_account: Arc<OnceLock<String>>,
    ) -> Self {
        MemberRouter {
            own: Arc::new(AwsAdapter::new(base, params)),
            base: base.clone(),
            params: params.clone(),
            role,
            own_account,
            adapters: Mutex::new(HashMap::new()),
        }
    }

    fn home_region(&self) -> String {
        self.base.sdk.region().map(|r| r.to_string()).unwrap_or_default()
    }

    /// Whether `account`'s role can be assumed in `region`: a sweep asks before
    /// listing, so that a missing role is one clear failure, not one per kind.
    /// The central account is always reachable (its own role).
    pub async fn reach(&self, account: &str, region: &str) -> Result<(), PortError> {
        if self.own_account.get().is_some_and(|o| o == account) {
            return Ok(());
        }
        self.adapter(account, region).await;
        let region = if region.is_empty() {
            self.home_region()
        } else {
            region.to_string()
        };
        let sdk = self
            .adapters
            .lock()
            .ok()
            .and_then(|m| m.get(&(account.to_string(), region)).map(|(_, sdk)| sdk.clone()));
        match sdk {
            Some(sdk) => probe(&sdk).await.map(drop),
            None => Err(PortError::Unsupported("the member's clients could not be kept".into())),
        }
    }

    /// The adapter for `account` in `region` (the home region when empty).
    async fn adapter(&self, account: &str, region: &str) -> Arc<AwsAdapter> {
        let home = self.home_region();
        let region = if region.is_empty() { home.as_str() } else { region };
        let own = self.own_account.get().is_some_and(|o| o == account);
        if own && region == home {
            return self.own.clone();
        }
        let key = (account.to_string(), region.to_string());
        if let Some(a) = self
            .adapters
            .lock()
            .ok()
            .and_then(|m| m.get(&key).map(|(a, _)| a.clone()))
        {
            return a;
        }
        let sdk = if own {
            self.base
                .sdk
                .to_builder()
                .region(Region::new(region.to_string()))
                .build()
        } else {
            info!(account = %account, region = %region, role = %self.role.arn(account, region), "reaching a member account through its role");
            member_sdk_config(&self.base.sdk, &self.role, account, region).await
        };
        let adapter = Arc::new(AwsAdapter::new(&Clients::new(&sdk), &self.params));
        if let Ok(mut m) = self.adapters.lock() {
            // Two calls may race to build one; either serves.
            return m.entry(key).or_insert((adapter, sdk)).0.clone();
        }
        adapter
    }
}

#[async_trait]
impl ResourceReader for MemberRouter {
    async fn fill(&self, resource: &ResourceRef, snapshot: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        self.adapter(&resource.account, &resource.region)
            .await
            .fill(resource, snapshot, facets)
            .await
    }
}

#[async_trait]
impl ResourceLister for MemberRouter {
    async fn list(&self, kind: ResourceKind, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        self.adapter(account, region).await.list(kind, account, region).await
    }
}

#[async_trait]
impl Remediator for MemberRouter {
    async fn apply(&self, resource: &ResourceRef, action: &Action) -> Result<(), PortError> {
        self.adapter(&resource.account, &resource.region)
            .await
            .apply(resource, action)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_arn_follows_the_partition_of_the_region() {
        let role = MemberRole {
            prefix: "hipaa-autofix-member-".into(),
            external_id: None,
            family: "iam-mfa".into(),
        };
        assert_eq!(
            role.arn("111111111111", "eu-west-1"),
            "arn:aws:iam::111111111111:role/hipaa-autofix-member-iam-mfa"
        );
        assert!(role.arn("111111111111", "us-gov-west-1").starts_with("arn:aws-us-gov:"));
        assert!(role.arn("111111111111", "cn-north-1").starts_with("arn:aws-cn:"));
    }
}
