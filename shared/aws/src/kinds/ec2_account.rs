//! The account's EC2 settings in the function's region (EBS encryption by default):
//! the reader, lister and remediator of the `ec2_account` kind.
use async_trait::async_trait;
use policy::PortError;
use policy::kinds::ec2_account::{Action, Ec2Account, Facet, Snapshot};
use policy::kinds::{Read, ResourceKind, ResourceRef};
use policy::ports::Listed;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::port_error;

/// EC2 over the SDK. The client's region is the one whose settings it reads and sets.
#[derive(Debug)]
pub struct Ec2AccountAdapter {
    ec2: aws_sdk_ec2::Client,
}

impl Ec2AccountAdapter {
    pub fn new(clients: &Clients) -> Self {
        Ec2AccountAdapter {
            ec2: clients.ec2.clone(),
        }
    }
}

#[async_trait]
impl KindAdapter<Ec2Account> for Ec2AccountAdapter {
    async fn fill(&self, r: &ResourceRef, s: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !s.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::EbsEncryptionByDefault => {
                    let out = self
                        .ec2
                        .get_ebs_encryption_by_default()
                        .send()
                        .await
                        .map_err(|e| port_error("GetEbsEncryptionByDefault", &r.region, e))?;
                    s.ebs_encryption_by_default = Read::Value(out.ebs_encryption_by_default().unwrap_or(false));
                }
            }
        }
        Ok(())
    }

    /// One per account and region: nothing to call.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        Ok(vec![Listed::bare(ResourceRef::of(
            ResourceKind::Ec2Account,
            "",
            account,
            region,
        ))])
    }

    async fn apply(&self, r: &ResourceRef, action: &Action) -> Result<(), PortError> {
        match action {
            Action::EnableEbsEncryptionByDefault(a) => {
                if let Some(k) = &a.kms_key_id {
                    self.ec2
                        .modify_ebs_default_kms_key_id()
                        .kms_key_id(k)
                        .send()
                        .await
                        .map_err(|e| port_error("ModifyEbsDefaultKmsKeyId", &r.region, e))?;
                }
                self.ec2
                    .enable_ebs_encryption_by_default()
                    .send()
                    .await
                    .map_err(|e| port_error("EnableEbsEncryptionByDefault", &r.region, e))?;
            }
            Action::DisableEbsEncryptionByDefault(_) => {
                self.ec2
                    .disable_ebs_encryption_by_default()
                    .send()
                    .await
                    .map_err(|e| port_error("DisableEbsEncryptionByDefault", &r.region, e))?;
            }
        }
        Ok(())
    }
}
