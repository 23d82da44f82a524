//! The account-level S3 Block Public Access configuration (S3 Control): the reader,
//! lister and remediator of the `s3_account` kind.
use async_trait::async_trait;
use aws_sdk_s3control::types as s3ct;
use policy::PortError;
use policy::kinds::s3_account::{Action, Facet, S3Account, Snapshot};
use policy::kinds::{Read, ResourceRef};
use policy::ports::Listed;
use policy::s3::PublicAccessBlock;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// "This account has no Block Public Access configuration".
const NO_PAB: &str = "NoSuchPublicAccessBlockConfiguration";

/// S3 Control over the SDK.
#[derive(Debug)]
pub struct S3AccountAdapter {
    s3control: aws_sdk_s3control::Client,
}

impl S3AccountAdapter {
    pub fn new(clients: &Clients) -> Self {
        S3AccountAdapter {
            s3control: clients.s3control.clone(),
        }
    }
    async fn get_account_pab(&self, account: &str) -> Result<Option<PublicAccessBlock>, PortError> {
        let res = self
            .s3control
            .get_public_access_block()
            .account_id(account)
            .send()
            .await;
        match res {
            Ok(out) => Ok(out.public_access_block_configuration().map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            })),
            Err(e) if error_code(&e) == Some(NO_PAB) => Ok(None),
            Err(e) => Err(port_error(
                "GetPublicAccessBlock (account)",
                &format!("account {account}"),
                e,
            )),
        }
    }

    async fn put_account_pab(&self, account: &str, settings: &PublicAccessBlock) -> Result<(), PortError> {
        let conf = s3ct::PublicAccessBlockConfiguration::builder()
            .block_public_acls(settings.block_public_acls)
            .ignore_public_acls(settings.ignore_public_acls)
            .block_public_policy(settings.block_public_policy)
            .restrict_public_buckets(settings.restrict_public_buckets)
            .build();
        self.s3control
            .put_public_access_block()
            .account_id(account)
            .public_access_block_configuration(conf)
            .send()
            .await
            .map_err(|e| port_error("PutPublicAccessBlock (account)", &format!("account {account}"), e))?;
        Ok(())
    }

    async fn delete_account_pab(&self, account: &str) -> Result<(), PortError> {
        match self
            .s3control
            .delete_public_access_block()
            .account_id(account)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e) == Some(NO_PAB) => Ok(()),
            Err(e) => Err(port_error(
                "DeletePublicAccessBlock (account)",
                &format!("account {account}"),
                e,
            )),
        }
    }
}

#[async_trait]
impl KindAdapter<S3Account> for S3AccountAdapter {
    async fn fill(&self, r: &ResourceRef, a: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !a.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::PublicAccessBlock => {
                    a.public_access_block = Read::Value(self.get_account_pab(&r.account).await?);
                }
            }
        }
        Ok(())
    }

    /// One per account: nothing to call.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        Ok(vec![Listed::bare(ResourceRef::s3_account(account, region))])
    }

    async fn apply(&self, _resource: &ResourceRef, action: &Action) -> Result<(), PortError> {
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::PutAccountPublicAccessBlock(a) => self.put_account_pab(&a.account, &a.settings).await,
            Action::DeleteAccountPublicAccessBlock(a) => self.delete_account_pab(&a.account).await,
        }
    }
}
