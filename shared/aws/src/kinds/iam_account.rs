//! Account-wide IAM settings: the reader, lister and remediator of the
//! `iam_account` kind (the password policy, the root user's MFA).
use async_trait::async_trait;
use aws_sdk_iam::types::SummaryKeyType;
use policy::PortError;
use policy::iam::PasswordPolicy;
use policy::kinds::iam_account::{Action, Facet, IamAccount, Snapshot};
use policy::kinds::{Read, ResourceRef};
use policy::ports::Listed;
use tracing::debug;

use super::KindAdapter;
use super::iam_user::NO_SUCH_ENTITY;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// Account-wide IAM settings over the SDK.
#[derive(Debug)]
pub struct IamAccountAdapter {
    iam: aws_sdk_iam::Client,
}

impl IamAccountAdapter {
    pub fn new(clients: &Clients) -> Self {
        IamAccountAdapter {
            iam: clients.iam.clone(),
        }
    }

    async fn password_policy(&self, account: &str) -> Result<Option<PasswordPolicy>, PortError> {
        match self.iam.get_account_password_policy().send().await {
            Ok(out) => Ok(out.password_policy().map(|p| PasswordPolicy {
                minimum_password_length: p.minimum_password_length().and_then(|n| u32::try_from(n).ok()),
                require_symbols: p.require_symbols(),
                require_numbers: p.require_numbers(),
                require_uppercase_characters: p.require_uppercase_characters(),
                require_lowercase_characters: p.require_lowercase_characters(),
                allow_users_to_change_password: p.allow_users_to_change_password(),
                // 0 or absent: passwords never expire (ExpirePasswords false).
                max_password_age: p
                    .max_password_age()
                    .filter(|n| *n > 0)
                    .and_then(|n| u32::try_from(n).ok()),
                // 0 or absent: no reuse prevention.
                password_reuse_prevention: p
                    .password_reuse_prevention()
                    .filter(|n| *n > 0)
                    .and_then(|n| u32::try_from(n).ok()),
                hard_expiry: p.hard_expiry(),
            })),
            Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => Ok(None),
            Err(e) => Err(port_error(
                "GetAccountPasswordPolicy",
                &format!("the password policy of account {account}"),
                e,
            )),
        }
    }

    async fn root_mfa(&self, account: &str) -> Result<bool, PortError> {
        let out = self
            .iam
            .get_account_summary()
            .send()
            .await
            .map_err(|e| port_error("GetAccountSummary", &format!("account {account}"), e))?;
        Ok(out
            .summary_map()
            .and_then(|m| m.get(&SummaryKeyType::AccountMfaEnabled))
            .is_some_and(|n| *n == 1))
    }

    async fn update_password_policy(&self, p: &PasswordPolicy) -> Result<(), PortError> {
        // UpdateAccountPasswordPolicy replaces the whole policy; a parameter not sent
        // takes IAM's default (length 6, no expiry, no reuse prevention, no hard
        // expiry), so sending every field that is set restores a policy exactly.
        let int = |name: &str, v: Option<u32>| -> Result<Option<i32>, PortError> {
            v.map(|n| {
                i32::try_from(n).map_err(|_| PortError::InvalidData {
                    operation: "UpdateAccountPasswordPolicy".into(),
                    reason: format!("{name} {n} is out of range"),
                })
            })
            .transpose()
        };
        self.iam
            .update_account_password_policy()
            .set_minimum_password_length(int("MinimumPasswordLength", p.minimum_password_length)?)
            .require_symbols(p.require_symbols)
            .require_numbers(p.require_numbers)
            .require_uppercase_characters(p.require_uppercase_characters)
            .require_lowercase_characters(p.require_lowercase_characters)
            .allow_users_to_change_password(p.allow_users_to_change_password)
            // None: passwords never expire; IAM's default when MaxPasswordAge is not sent.
            .set_max_password_age(int("MaxPasswordAge", p.max_password_age.filter(|n| *n > 0))?)
            .set_password_reuse_prevention(int(
                "PasswordReusePrevention",
                p.password_reuse_prevention.filter(|n| *n > 0),
            )?)
            .set_hard_expiry(p.hard_expiry)
            .send()
            .await
            .map_err(|e| port_error("UpdateAccountPasswordPolicy", "the account password policy", e))?;
        Ok(())
    }
}

#[async_trait]
impl KindAdapter<IamAccount> for IamAccountAdapter {
    async fn fill(&self, _r: &ResourceRef, a: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !a.has(*f)).collect();
        for facet in wanted {
            match facet {
                Facet::PasswordPolicy => a.password_policy = Read::Value(self.password_policy(&a.account).await?),
                Facet::RootMfa => a.root_mfa = Read::Value(self.root_mfa(&a.account).await?),
            }
        }
        Ok(())
    }

    /// One per account: nothing to call.
    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        Ok(vec![Listed::bare(ResourceRef::iam_account(account, region))])
    }

    async fn apply(&self, resource: &ResourceRef, action: &Action) -> Result<(), PortError> {
        debug!(resource = %resource, action = action.info().name, "applying");
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::UpdateAccountPasswordPolicy(a) => self.update_password_policy(&a.policy).await?,
            Action::DeleteAccountPasswordPolicy(_) => {
                match self.iam.delete_account_password_policy().send().await {
                    Ok(_) => {}
                    // No policy: already done.
                    Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {}
                    Err(e) => {
                        return Err(port_error(
                            "DeleteAccountPasswordPolicy",
                            "the account password policy",
                            e,
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
