//! One adapter for every resource kind: routes each port call to the service
//! adapter that owns the kind, by an exhaustive match (a new kind can't be left
//! unrouted).
use async_trait::async_trait;
use policy::ports::{Listed, Remediator, ResourceLister, ResourceReader};
use policy::resource::Facet;
use policy::{Action, PortError, ResourceKind, ResourceRef, Snapshot};

use crate::clients::Clients;
use crate::iam::IamAdapter;
use crate::s3::S3Adapter;

/// S3 for buckets and the account-level Block Public Access; IAM for users and
/// account-wide IAM settings.
#[derive(Debug)]
pub struct AwsAdapter {
    pub s3: S3Adapter,
    pub iam: IamAdapter,
}

/// The service adapter that owns a kind.
enum Owner<'a> {
    S3(&'a S3Adapter),
    Iam(&'a IamAdapter),
}

impl AwsAdapter {
    pub fn new(clients: &Clients) -> Self {
        AwsAdapter {
            s3: S3Adapter::new(clients),
            iam: IamAdapter::new(clients),
        }
    }

    fn owner(&self, kind: ResourceKind) -> Owner<'_> {
        match kind {
            ResourceKind::S3Bucket | ResourceKind::S3Account => Owner::S3(&self.s3),
            ResourceKind::IamUser | ResourceKind::IamAccount => Owner::Iam(&self.iam),
        }
    }
}

#[async_trait]
impl ResourceReader for AwsAdapter {
    async fn fill(&self, resource: &ResourceRef, snapshot: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        match self.owner(resource.kind) {
            Owner::S3(a) => a.fill(resource, snapshot, facets).await,
            Owner::Iam(a) => a.fill(resource, snapshot, facets).await,
        }
    }
}

#[async_trait]
impl ResourceLister for AwsAdapter {
    async fn list(&self, kind: ResourceKind, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        match self.owner(kind) {
            Owner::S3(a) => a.list(kind, account, region).await,
            Owner::Iam(a) => a.list(kind, account, region).await,
        }
    }
}

#[async_trait]
impl Remediator for AwsAdapter {
    async fn apply(&self, resource: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match self.owner(resource.kind) {
            Owner::S3(a) => a.apply(resource, action).await,
            Owner::Iam(a) => a.apply(resource, action).await,
        }
    }
}
