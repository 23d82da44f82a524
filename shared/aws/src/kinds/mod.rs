//! The adapters of the resource kinds: one module per kind of `policy::kinds`, each
//! the reader, lister and remediator of its own kind only, over the AWS SDK; and
//! [`AwsAdapter`], which routes each port call to the kind's adapter with one match
//! arm per kind.
use std::sync::Arc;

use async_trait::async_trait;
use policy::kinds::{self as k, Kind};
use policy::ports::{Listed, Remediator, ResourceLister, ResourceReader};
use policy::{Action, Facet, PortError, ResourceKind, ResourceRef, Snapshot};
use tracing::debug;

use crate::clients::Clients;

#[cfg(feature = "ec2")]
pub mod ebs_snapshot;
#[cfg(feature = "ec2")]
pub mod ec2_account;
#[cfg(feature = "ec2")]
pub mod ec2_security_group;
#[cfg(feature = "iam")]
pub mod iam_account;
#[cfg(feature = "iam")]
pub mod iam_user;
#[cfg(feature = "iam")]
mod iam_user_permissions;
#[cfg(feature = "lambda")]
pub mod lambda_function;
#[cfg(feature = "rds")]
pub mod rds_db_instance;
#[cfg(feature = "rds")]
pub mod rds_snapshot;
#[cfg(feature = "s3control")]
pub mod s3_account;
#[cfg(feature = "s3")]
pub mod s3_bucket;
// issue #11: the audit trail and the keys
#[cfg(feature = "cloudtrail")]
pub mod cloudtrail;
#[cfg(all(feature = "cloudtrail", feature = "kms"))]
pub mod cloudtrail_account;
#[cfg(all(feature = "cloudtrail", feature = "kms", feature = "logs"))]
pub mod cloudtrail_trail;
#[cfg(feature = "config")]
pub mod config_recorder;
#[cfg(all(feature = "guardduty", feature = "cloudtrail"))]
pub mod guardduty;
#[cfg(all(feature = "kms", feature = "cloudtrail"))]
pub mod kms_key;
#[cfg(all(feature = "securityhub", feature = "cloudtrail"))]
pub mod security_hub;
#[cfg(feature = "ssm")]
pub mod ssm_document;
#[cfg(feature = "ec2")]
pub mod vpc;

/// The reader, lister and remediator of one kind.
#[async_trait]
pub trait KindAdapter<K: Kind>: Send + Sync {
    /// Read the facets asked for that are not read yet. `Err(PortError::NotFound)`
    /// when the resource no longer exists.
    async fn fill(&self, r: &ResourceRef, s: &mut K::Snapshot, facets: &[K::Facet]) -> Result<(), PortError>;
    /// Every resource of the kind (paginated inside), each with a summary of its
    /// state when the listing had one at no extra cost per resource.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError>;
    /// Apply one action. Idempotent. `Err(PortError::NotFound)` when the resource is gone.
    async fn apply(&self, r: &ResourceRef, action: &K::Action) -> Result<(), PortError>;
}

/// Every kind's adapter.
pub struct AwsAdapter {
    pub s3_bucket: Arc<dyn KindAdapter<k::s3_bucket::S3Bucket>>,
    pub s3_account: Arc<dyn KindAdapter<k::s3_account::S3Account>>,
    pub iam_user: Arc<dyn KindAdapter<k::iam_user::IamUser>>,
    pub iam_account: Arc<dyn KindAdapter<k::iam_account::IamAccount>>,
    // issue #11
    pub cloudtrail_account: Arc<dyn KindAdapter<k::cloudtrail_account::CloudTrailAccount>>,
    pub cloudtrail_trail: Arc<dyn KindAdapter<k::cloudtrail_trail::CloudTrailTrail>>,
    pub config_recorder: Arc<dyn KindAdapter<k::config_recorder::ConfigRecorder>>,
    pub guardduty: Arc<dyn KindAdapter<k::guardduty::GuardDuty>>,
    pub security_hub: Arc<dyn KindAdapter<k::security_hub::SecurityHub>>,
    pub kms_key: Arc<dyn KindAdapter<k::kms_key::KmsKey>>,
    pub ec2_security_group: Arc<dyn KindAdapter<k::ec2_security_group::Ec2SecurityGroup>>,
    pub ec2_account: Arc<dyn KindAdapter<k::ec2_account::Ec2Account>>,
    pub ebs_snapshot: Arc<dyn KindAdapter<k::ebs_snapshot::EbsSnapshot>>,
    pub rds_db_instance: Arc<dyn KindAdapter<k::rds_db_instance::RdsDbInstance>>,
    pub rds_snapshot: Arc<dyn KindAdapter<k::rds_snapshot::RdsSnapshot>>,
    pub lambda_function: Arc<dyn KindAdapter<k::lambda_function::LambdaFunction>>,
    pub vpc: Arc<dyn KindAdapter<k::vpc::Vpc>>,
    pub ssm_document: Arc<dyn KindAdapter<k::ssm_document::SsmDocument>>,
}

impl std::fmt::Debug for AwsAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsAdapter").finish_non_exhaustive()
    }
}

impl AwsAdapter {
    /// Each kind's adapter, or [`Unlinked`] for a kind whose service this build
    /// leaves out (its cargo feature is off: the function has no rule of the kind).
    /// `params` are the rules' parameters (the trail key the CloudTrail kinds read).
    pub fn new(clients: &Clients, params: &policy::params::Params) -> Self {
        #[cfg(feature = "s3")]
        let s3_bucket = Arc::new(self::s3_bucket::S3BucketAdapter::new(clients));
        #[cfg(not(feature = "s3"))]
        let s3_bucket = Arc::new(Unlinked);
        #[cfg(feature = "s3control")]
        let s3_account = Arc::new(self::s3_account::S3AccountAdapter::new(clients));
        #[cfg(not(feature = "s3control"))]
        let s3_account = Arc::new(Unlinked);
        #[cfg(feature = "iam")]
        let (iam_user, iam_account) = (
            Arc::new(self::iam_user::IamUserAdapter::new(clients)),
            Arc::new(self::iam_account::IamAccountAdapter::new(clients)),
        );
        #[cfg(not(feature = "iam"))]
        let (iam_user, iam_account) = (Arc::new(Unlinked), Arc::new(Unlinked));
        // issue #11
        let trail_key =
            Some(params.text(&policy::rules::cloudtrail_encryption::TRAIL_KMS_KEY_ARN)).filter(|k| !k.is_empty());
        #[cfg(all(feature = "cloudtrail", feature = "kms"))]
        let cloudtrail_account = Arc::new(self::cloudtrail_account::CloudTrailAccountAdapter::new(
            clients,
            trail_key.clone(),
        ));
        #[cfg(not(all(feature = "cloudtrail", feature = "kms")))]
        let cloudtrail_account = Arc::new(Unlinked);
        #[cfg(all(feature = "cloudtrail", feature = "kms", feature = "logs"))]
        let cloudtrail_trail = Arc::new(self::cloudtrail_trail::CloudTrailTrailAdapter::new(clients, trail_key));
        #[cfg(not(all(feature = "cloudtrail", feature = "kms", feature = "logs")))]
        let cloudtrail_trail = {
            let _ = trail_key;
            Arc::new(Unlinked)
        };
        #[cfg(feature = "config")]
        let config_recorder = Arc::new(self::config_recorder::ConfigRecorderAdapter::new(clients));
        #[cfg(not(feature = "config"))]
        let config_recorder = Arc::new(Unlinked);
        #[cfg(all(feature = "guardduty", feature = "cloudtrail"))]
        let guardduty = Arc::new(self::guardduty::GuardDutyAdapter::new(clients));
        #[cfg(not(all(feature = "guardduty", feature = "cloudtrail")))]
        let guardduty = Arc::new(Unlinked);
        #[cfg(all(feature = "securityhub", feature = "cloudtrail"))]
        let security_hub = Arc::new(self::security_hub::SecurityHubAdapter::new(clients));
        #[cfg(not(all(feature = "securityhub", feature = "cloudtrail")))]
        let security_hub = Arc::new(Unlinked);
        #[cfg(all(feature = "kms", feature = "cloudtrail"))]
        let kms_key = Arc::new(self::kms_key::KmsKeyAdapter::new(clients));
        #[cfg(not(all(feature = "kms", feature = "cloudtrail")))]
        let kms_key = Arc::new(Unlinked);
        #[cfg(feature = "ec2")]
        let ec2_security_group = Arc::new(self::ec2_security_group::Ec2SecurityGroupAdapter::new(clients));
        #[cfg(not(feature = "ec2"))]
        let ec2_security_group = Arc::new(Unlinked);
        #[cfg(feature = "ec2")]
        let ec2_account = Arc::new(self::ec2_account::Ec2AccountAdapter::new(clients));
        #[cfg(not(feature = "ec2"))]
        let ec2_account = Arc::new(Unlinked);
        #[cfg(feature = "ec2")]
        let ebs_snapshot = Arc::new(self::ebs_snapshot::EbsSnapshotAdapter::new(clients));
        #[cfg(not(feature = "ec2"))]
        let ebs_snapshot = Arc::new(Unlinked);
        #[cfg(feature = "rds")]
        let rds_db_instance = Arc::new(self::rds_db_instance::RdsDbInstanceAdapter::new(clients));
        #[cfg(not(feature = "rds"))]
        let rds_db_instance = Arc::new(Unlinked);
        #[cfg(feature = "rds")]
        let rds_snapshot = Arc::new(self::rds_snapshot::RdsSnapshotAdapter::new(clients));
        #[cfg(not(feature = "rds"))]
        let rds_snapshot = Arc::new(Unlinked);
        #[cfg(feature = "lambda")]
        let lambda_function = Arc::new(self::lambda_function::LambdaFunctionAdapter::new(clients));
        #[cfg(not(feature = "lambda"))]
        let lambda_function = Arc::new(Unlinked);
        #[cfg(feature = "ec2")]
        let vpc = Arc::new(self::vpc::VpcAdapter::new(clients));
        #[cfg(not(feature = "ec2"))]
        let vpc = Arc::new(Unlinked);
        #[cfg(feature = "ssm")]
        let ssm_document = Arc::new(self::ssm_document::SsmDocumentAdapter::new(clients));
        #[cfg(not(feature = "ssm"))]
        let ssm_document = Arc::new(Unlinked);
        let _ = clients;
        AwsAdapter {
            s3_bucket,
            s3_account,
            iam_user,
            iam_account,
            cloudtrail_account,
            cloudtrail_trail,
            config_recorder,
            guardduty,
            security_hub,
            kms_key,
            ec2_security_group,
            ec2_account,
            ebs_snapshot,
            rds_db_instance,
            rds_snapshot,
            lambda_function,
            vpc,
            ssm_document,
        }
    }
}

/// The adapter of a kind whose AWS service this build does not link: every call
/// fails as unsupported (a function only ever sees its own rules' kinds).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlinked;

impl Unlinked {
    fn refuse<K: Kind>() -> PortError {
        PortError::Unsupported(format!(
            "this function is built without the AWS SDK for {:?} resources (cargo features of hipaa-aws: {})",
            K::KIND,
            K::KIND
                .spec()
                .services
                .iter()
                .map(|s| s.feature())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

#[async_trait]
impl<K: Kind> KindAdapter<K> for Unlinked {
    async fn fill(&self, _: &ResourceRef, _: &mut K::Snapshot, _: &[K::Facet]) -> Result<(), PortError> {
        Err(Self::refuse::<K>())
    }
    async fn list(&self, _: &str, _: &str) -> Result<Vec<Listed>, PortError> {
        Err(Self::refuse::<K>())
    }
    async fn apply(&self, _: &ResourceRef, _: &K::Action) -> Result<(), PortError> {
        Err(Self::refuse::<K>())
    }
}

/// The facets of one kind among `facets` (another kind's facets don't apply: the
/// resource doesn't have them).
fn own<F: Copy>(facets: &[Facet], project: impl Fn(Facet) -> Option<F>) -> Vec<F> {
    facets.iter().copied().filter_map(project).collect()
}

/// The snapshot, action or facet is of another kind than the resource.
fn mismatch(resource: &ResourceRef, what: &str) -> PortError {
    PortError::InvalidData {
        operation: what.to_string(),
        reason: format!("{resource} is a {:?}, the {what} is of another kind", resource.kind),
    }
}

#[async_trait]
impl ResourceReader for AwsAdapter {
    async fn fill(&self, resource: &ResourceRef, snapshot: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        debug!(resource = %resource, facets = ?facets, "reading");
        match snapshot {
            Snapshot::S3Bucket(s) => {
                let f = own(facets, Facet::as_s3_bucket);
                self.s3_bucket.fill(resource, s, &f).await
            }
            Snapshot::S3Account(s) => {
                let f = own(facets, Facet::as_s3_account);
                self.s3_account.fill(resource, s, &f).await
            }
            Snapshot::IamUser(s) => {
                let f = own(facets, Facet::as_iam_user);
                self.iam_user.fill(resource, s, &f).await
            }
            Snapshot::IamAccount(s) => {
                let f = own(facets, Facet::as_iam_account);
                self.iam_account.fill(resource, s, &f).await
            }
            Snapshot::CloudTrailAccount(s) => {
                let f = own(facets, Facet::as_cloudtrail_account);
                self.cloudtrail_account.fill(resource, s, &f).await
            }
            Snapshot::CloudTrailTrail(s) => {
                let f = own(facets, Facet::as_cloudtrail_trail);
                self.cloudtrail_trail.fill(resource, s, &f).await
            }
            Snapshot::ConfigRecorder(s) => {
                let f = own(facets, Facet::as_config_recorder);
                self.config_recorder.fill(resource, s, &f).await
            }
            Snapshot::GuardDuty(s) => {
                let f = own(facets, Facet::as_guardduty);
                self.guardduty.fill(resource, s, &f).await
            }
            Snapshot::SecurityHub(s) => {
                let f = own(facets, Facet::as_security_hub);
                self.security_hub.fill(resource, s, &f).await
            }
            Snapshot::KmsKey(s) => {
                let f = own(facets, Facet::as_kms_key);
                self.kms_key.fill(resource, s, &f).await
            }
            Snapshot::Ec2SecurityGroup(s) => {
                let f = own(facets, Facet::as_ec2_security_group);
                self.ec2_security_group.fill(resource, s, &f).await
            }
            Snapshot::Ec2Account(s) => {
                let f = own(facets, Facet::as_ec2_account);
                self.ec2_account.fill(resource, s, &f).await
            }
            Snapshot::EbsSnapshot(s) => {
                let f = own(facets, Facet::as_ebs_snapshot);
                self.ebs_snapshot.fill(resource, s, &f).await
            }
            Snapshot::RdsDbInstance(s) => {
                let f = own(facets, Facet::as_rds_db_instance);
                self.rds_db_instance.fill(resource, s, &f).await
            }
            Snapshot::RdsSnapshot(s) => {
                let f = own(facets, Facet::as_rds_snapshot);
                self.rds_snapshot.fill(resource, s, &f).await
            }
            Snapshot::LambdaFunction(s) => {
                let f = own(facets, Facet::as_lambda_function);
                self.lambda_function.fill(resource, s, &f).await
            }
            Snapshot::Vpc(s) => {
                let f = own(facets, Facet::as_vpc);
                self.vpc.fill(resource, s, &f).await
            }
            Snapshot::SsmDocument(s) => {
                let f = own(facets, Facet::as_ssm_document);
                self.ssm_document.fill(resource, s, &f).await
            }
        }
    }
}

#[async_trait]
impl ResourceLister for AwsAdapter {
    async fn list(&self, kind: ResourceKind, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        match kind {
            ResourceKind::S3Bucket => self.s3_bucket.list(account, region).await,
            ResourceKind::S3Account => self.s3_account.list(account, region).await,
            ResourceKind::IamUser => self.iam_user.list(account, region).await,
            ResourceKind::IamAccount => self.iam_account.list(account, region).await,
            ResourceKind::CloudTrailAccount => self.cloudtrail_account.list(account, region).await,
            ResourceKind::CloudTrailTrail => self.cloudtrail_trail.list(account, region).await,
            ResourceKind::ConfigRecorder => self.config_recorder.list(account, region).await,
            ResourceKind::GuardDuty => self.guardduty.list(account, region).await,
            ResourceKind::SecurityHub => self.security_hub.list(account, region).await,
            ResourceKind::KmsKey => self.kms_key.list(account, region).await,
            ResourceKind::Ec2SecurityGroup => self.ec2_security_group.list(account, region).await,
            ResourceKind::Ec2Account => self.ec2_account.list(account, region).await,
            ResourceKind::EbsSnapshot => self.ebs_snapshot.list(account, region).await,
            ResourceKind::RdsDbInstance => self.rds_db_instance.list(account, region).await,
            ResourceKind::RdsSnapshot => self.rds_snapshot.list(account, region).await,
            ResourceKind::LambdaFunction => self.lambda_function.list(account, region).await,
            ResourceKind::Vpc => self.vpc.list(account, region).await,
            ResourceKind::SsmDocument => self.ssm_document.list(account, region).await,
        }
    }
}

#[async_trait]
impl Remediator for AwsAdapter {
    async fn apply(&self, resource: &ResourceRef, action: &Action) -> Result<(), PortError> {
        if action.kind() != resource.kind {
            return Err(mismatch(resource, action.name()));
        }
        match action {
            Action::S3Bucket(a) => self.s3_bucket.apply(resource, a).await,
            Action::S3Account(a) => self.s3_account.apply(resource, a).await,
            Action::IamUser(a) => self.iam_user.apply(resource, a).await,
            Action::IamAccount(a) => self.iam_account.apply(resource, a).await,
            Action::CloudTrailAccount(a) => self.cloudtrail_account.apply(resource, a).await,
            Action::CloudTrailTrail(a) => self.cloudtrail_trail.apply(resource, a).await,
            Action::ConfigRecorder(a) => self.config_recorder.apply(resource, a).await,
            Action::GuardDuty(a) => self.guardduty.apply(resource, a).await,
            Action::SecurityHub(a) => self.security_hub.apply(resource, a).await,
            Action::KmsKey(a) => self.kms_key.apply(resource, a).await,
            Action::Ec2SecurityGroup(a) => self.ec2_security_group.apply(resource, a).await,
            Action::Ec2Account(a) => self.ec2_account.apply(resource, a).await,
            Action::EbsSnapshot(a) => self.ebs_snapshot.apply(resource, a).await,
            Action::RdsDbInstance(a) => self.rds_db_instance.apply(resource, a).await,
            Action::RdsSnapshot(a) => self.rds_snapshot.apply(resource, a).await,
            Action::LambdaFunction(a) => self.lambda_function.apply(resource, a).await,
            Action::Vpc(a) => self.vpc.apply(resource, a).await,
            Action::SsmDocument(a) => self.ssm_document.apply(resource, a).await,
        }
    }
}
