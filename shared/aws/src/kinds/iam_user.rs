//! IAM users: the reader, lister and remediator of the `iam_user` kind (access
//! keys, console password, MFA devices, attached policies, tags).
//!
//! Reads only the facets asked for and not read yet, and applies every user action
//! through one exhaustive match. IAM's `NoSuchEntity` means different things per
//! call, so it is never classified globally: each call site decides whether it
//! means "the user is gone" ([`PortError::NotFound`]), "there is no such setting"
//! (a value: no login profile, no password policy) or "already done" (idempotent
//! deletes and detaches).
//!
//! **Users named by their unique id.** AWS Config names an `AWS::IAM::User` by its
//! unique id (`AIDA...`), not its name. When `GetUser` by that name finds nothing
//! and the id looks like a unique id, the user is found by listing users and
//! matching `UserId`; the snapshot then carries the real user name, so the plan's
//! actions name the user IAM knows. Resolutions are cached per container.
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use aws_sdk_iam::types::StatusType;
use chrono::{DateTime, Utc};
use policy::PortError;
use policy::iam::{AccessKey, LoginProfile, MfaDevice};
use policy::kinds::iam_user::{
    Action, ActivateAccessKey, AttachUserPolicy, DeactivateAccessKey, DeleteAccessKey, DeleteLoginProfile,
    DetachUserPolicy, Facet, IamUser, Snapshot,
};
use policy::kinds::{Read, ResourceRef};
use tracing::debug;

use super::KindAdapter;
use crate::clients::Clients;
use crate::error::{error_code, port_error};

/// IAM's "no such user / key / profile / policy / attachment".
pub(crate) const NO_SUCH_ENTITY: &str = "NoSuchEntity";

/// Items per IAM list page (IAM's maximum is 1000).
const PAGE_SIZE: i32 = 1000;

/// IAM users over the SDK.
#[derive(Debug)]
pub struct IamUserAdapter {
    iam: aws_sdk_iam::Client,
    /// Unique ids (`AIDA...`) already resolved to user names.
    names_by_id: Mutex<HashMap<String, String>>,
}

/// What `GetUser` says about a user that exists.
struct UserInfo {
    name: String,
    password_last_used: Option<DateTime<Utc>>,
}

impl IamUserAdapter {
    pub fn new(clients: &Clients) -> Self {
        IamUserAdapter {
            iam: clients.iam.clone(),
            names_by_id: Mutex::new(HashMap::new()),
        }
    }

    /// `GetUser`; `Ok(None)` when IAM has no user of that name.
    async fn get_user(&self, name: &str) -> Result<Option<UserInfo>, PortError> {
        match self.iam.get_user().user_name(name).send().await {
            Ok(out) => Ok(out.user().map(|u| UserInfo {
                name: u.user_name().to_string(),
                password_last_used: u.password_last_used().and_then(to_chrono),
            })),
            Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => Ok(None),
            Err(e) => Err(port_error("GetUser", &user_what(name), e)),
        }
    }

    /// The user a resource id names: a user name, or a unique id (`AIDA...`) that
    /// AWS Config uses. `NotFound` when neither finds a user.
    async fn resolve_user(&self, id: &str) -> Result<UserInfo, PortError> {
        let cached = self.names_by_id.lock().ok().and_then(|m| m.get(id).cloned());
        if let Some(name) = cached
            && let Some(u) = self.get_user(&name).await?
        {
            return Ok(u);
        }
        if let Some(u) = self.get_user(id).await? {
            return Ok(u);
        }
        if looks_like_unique_id(id)
            && let Some(name) = self.find_name_by_unique_id(id).await?
            && let Some(u) = self.get_user(&name).await?
        {
            if let Ok(mut m) = self.names_by_id.lock() {
                m.insert(id.to_string(), name);
            }
            return Ok(u);
        }
        Err(PortError::NotFound { what: user_what(id) })
    }

    async fn find_name_by_unique_id(&self, unique_id: &str) -> Result<Option<String>, PortError> {
        let mut pages = self.iam.list_users().max_items(PAGE_SIZE).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListUsers", "users", e))?;
            if let Some(u) = page.users().iter().find(|u| u.user_id() == unique_id) {
                return Ok(Some(u.user_name().to_string()));
            }
        }
        Ok(None)
    }

    /// Whether the user exists, for call sites where `NoSuchEntity` could mean
    /// either "the user is gone" or "the thing on the user is gone".
    pub(super) fn iam(&self) -> &aws_sdk_iam::Client {
        &self.iam
    }

    pub(super) async fn user_exists(&self, name: &str) -> Result<bool, PortError> {
        Ok(self.get_user(name).await?.is_some())
    }

    /// A `NoSuchEntity` from a call on `user`: `NotFound` when the user is gone,
    /// `Ok(())` otherwise (the thing acted on is already gone: idempotent).
    async fn gone_user_or_done(&self, user: &str) -> Result<(), PortError> {
        if self.user_exists(user).await? {
            Ok(())
        } else {
            Err(PortError::NotFound { what: user_what(user) })
        }
    }

    async fn fill_user(&self, r: &ResourceRef, u: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !u.has(*f)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        // Ensure the user exists first: every later NoSuchEntity is about the facet.
        let info = self.resolve_user(&r.id).await?;
        u.name.clone_from(&info.name);
        let name = info.name.as_str();
        let what = user_what(name);
        for facet in wanted {
            match facet {
                Facet::AccessKeys => u.access_keys = Read::Value(self.access_keys(name, &what).await?),
                Facet::LoginProfile => {
                    u.login_profile = Read::Value(self.login_profile(name, &what, info.password_last_used).await?);
                }
                Facet::MfaDevices => u.mfa_devices = Read::Value(self.mfa_devices(name, &what).await?),
                Facet::AttachedPolicies => {
                    u.attached_policies = Read::Value(self.attached_policies(name, &what).await?);
                }
                Facet::Tags => u.tags = Read::Value(self.user_tags(name, &what).await?),
                Facet::Permissions => u.permissions = Read::Value(self.permissions(name, &what).await?),
            }
        }
        Ok(())
    }

    async fn access_keys(&self, user: &str, what: &str) -> Result<Vec<AccessKey>, PortError> {
        let mut pages = self
            .iam
            .list_access_keys()
            .user_name(user)
            .max_items(PAGE_SIZE)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| user_call_error("ListAccessKeys", what, e))?;
            for k in page.access_key_metadata() {
                let (Some(id), Some(created)) = (k.access_key_id(), k.create_date().and_then(to_chrono)) else {
                    return Err(PortError::InvalidData {
                        operation: "ListAccessKeys".into(),
                        reason: format!("a key of {what} has no id or creation date"),
                    });
                };
                keys.push(AccessKey {
                    id: id.to_string(),
                    active: k.status() == Some(&StatusType::Active),
                    created,
                    last_used: None,
                });
            }
        }
        for k in &mut keys {
            let out = self
                .iam
                .get_access_key_last_used()
                .access_key_id(&k.id)
                .send()
                .await
                .map_err(|e| user_call_error("GetAccessKeyLastUsed", &format!("access key {} of {what}", k.id), e))?;
            // LastUsedDate absent: the key was never used.
            k.last_used = out
                .access_key_last_used()
                .and_then(|l| l.last_used_date())
                .and_then(to_chrono);
        }
        Ok(keys)
    }

    async fn login_profile(
        &self,
        user: &str,
        what: &str,
        password_last_used: Option<DateTime<Utc>>,
    ) -> Result<Option<LoginProfile>, PortError> {
        match self.iam.get_login_profile().user_name(user).send().await {
            Ok(out) => {
                let Some(created) = out.login_profile().and_then(|p| to_chrono(p.create_date())) else {
                    return Err(PortError::InvalidData {
                        operation: "GetLoginProfile".into(),
                        reason: format!("the login profile of {what} has no creation date"),
                    });
                };
                Ok(Some(LoginProfile {
                    created,
                    password_last_used,
                }))
            }
            // The user exists (checked first): no console password.
            Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => Ok(None),
            Err(e) => Err(port_error("GetLoginProfile", what, e)),
        }
    }

    async fn mfa_devices(&self, user: &str, what: &str) -> Result<Vec<MfaDevice>, PortError> {
        let mut pages = self
            .iam
            .list_mfa_devices()
            .user_name(user)
            .max_items(PAGE_SIZE)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| user_call_error("ListMFADevices", what, e))?;
            for d in page.mfa_devices() {
                let enabled = to_chrono(d.enable_date()).ok_or_else(|| PortError::InvalidData {
                    operation: "ListMFADevices".into(),
                    reason: format!(
                        "MFA device {} of {what} has an unreadable enable date",
                        d.serial_number()
                    ),
                })?;
                out.push(MfaDevice {
                    serial: d.serial_number().to_string(),
                    enabled,
                });
            }
        }
        Ok(out)
    }

    pub(super) async fn attached_policies(&self, user: &str, what: &str) -> Result<Vec<String>, PortError> {
        let mut pages = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .max_items(PAGE_SIZE)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| user_call_error("ListAttachedUserPolicies", what, e))?;
            out.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn())
                    .map(str::to_owned),
            );
        }
        Ok(out)
    }

    async fn user_tags(&self, user: &str, what: &str) -> Result<BTreeMap<String, String>, PortError> {
        let mut pages = self
            .iam
            .list_user_tags()
            .user_name(user)
            .max_items(PAGE_SIZE)
            .into_paginator()
            .send();
        let mut out = BTreeMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| user_call_error("ListUserTags", what, e))?;
            for t in page.tags() {
                out.insert(t.key().to_string(), t.value().to_string());
            }
        }
        Ok(out)
    }

    async fn set_key_status(&self, user: &str, key_id: &str, status: StatusType) -> Result<(), PortError> {
        let res = self
            .iam
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(status.clone())
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {
                self.gone_user_or_done(user).await?;
                if status == StatusType::Inactive {
                    // The key itself is gone: nothing left to deactivate.
                    Ok(())
                } else {
                    Err(PortError::NotFound {
                        what: format!("access key {key_id} of {}", user_what(user)),
                    })
                }
            }
            Err(e) => Err(port_error("UpdateAccessKey", &user_what(user), e)),
        }
    }
}

#[async_trait]
impl KindAdapter<IamUser> for IamUserAdapter {
    async fn fill(&self, r: &ResourceRef, u: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        debug!(resource = %r, facets = ?facets, "reading");
        self.fill_user(r, u, facets).await
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<ResourceRef>, PortError> {
        let mut pages = self.iam.list_users().max_items(PAGE_SIZE).into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListUsers", "users", e))?;
            out.extend(
                page.users()
                    .iter()
                    .map(|u| ResourceRef::iam_user(u.user_name(), account, region)),
            );
        }
        Ok(out)
    }

    async fn apply(&self, resource: &ResourceRef, action: &Action) -> Result<(), PortError> {
        debug!(resource = %resource, action = action.info().name, "applying");
        // Exhaustive: a new action can't be half-wired.
        match action {
            Action::DeactivateAccessKey(DeactivateAccessKey { user, key_id }) => {
                self.set_key_status(user, key_id, StatusType::Inactive).await?;
            }
            Action::ActivateAccessKey(ActivateAccessKey { user, key_id }) => {
                self.set_key_status(user, key_id, StatusType::Active).await?;
            }
            Action::DeleteAccessKey(DeleteAccessKey { user, key_id }) => {
                match self
                    .iam
                    .delete_access_key()
                    .user_name(user)
                    .access_key_id(key_id)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    // Already deleted, unless the user is gone.
                    Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => self.gone_user_or_done(user).await?,
                    Err(e) => return Err(port_error("DeleteAccessKey", &user_what(user), e)),
                }
            }
            Action::DeleteLoginProfile(DeleteLoginProfile { user }) => {
                match self.iam.delete_login_profile().user_name(user).send().await {
                    Ok(_) => {}
                    // No console password any more, unless the user is gone.
                    Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => self.gone_user_or_done(user).await?,
                    Err(e) => return Err(port_error("DeleteLoginProfile", &user_what(user), e)),
                }
            }
            Action::AttachUserPolicy(AttachUserPolicy { user, policy_arn }) => {
                match self
                    .iam
                    .attach_user_policy()
                    .user_name(user)
                    .policy_arn(policy_arn)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {
                        if !self.user_exists(user).await? {
                            return Err(PortError::NotFound { what: user_what(user) });
                        }
                        // The user exists, so the policy does not: a deployment error.
                        return Err(port_error(
                            "AttachUserPolicy",
                            &format!("policy {policy_arn} (is the quarantine policy deployed?)"),
                            e,
                        ));
                    }
                    Err(e) => return Err(port_error("AttachUserPolicy", &user_what(user), e)),
                }
            }
            Action::DetachUserPolicy(DetachUserPolicy { user, policy_arn }) => {
                match self
                    .iam
                    .detach_user_policy()
                    .user_name(user)
                    .policy_arn(policy_arn)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    // Not attached (any more), unless the user is gone.
                    Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => self.gone_user_or_done(user).await?,
                    Err(e) => return Err(port_error("DetachUserPolicy", &user_what(user), e)),
                }
            }
            Action::MoveDirectPoliciesToGroup(a) => self.move_to_group(a).await?,
            Action::MoveGroupPoliciesToUser(a) => self.move_to_user(a).await?,
        }
        Ok(())
    }
}

/// A failure of a call on a user that exists (checked first): `NoSuchEntity` means
/// the user was deleted in between.
fn user_call_error<E>(
    operation: &str,
    what: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> PortError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if error_code(&e) == Some(NO_SUCH_ENTITY) {
        PortError::NotFound { what: what.to_string() }
    } else {
        port_error(operation, what, e)
    }
}

fn user_what(name: &str) -> String {
    format!("IAM user {name}")
}

/// Whether `id` could be an IAM user's unique id, as AWS Config names users. AWS's
/// are `AIDA` and 17 upper-case letters or digits; any 16+ alphanumeric id is
/// accepted because emulators (moto) generate other shapes, and the cost of a
/// false guess is one `ListUsers`, spent only when no user has that name (the
/// lookup by name is always tried first).
pub fn looks_like_unique_id(id: &str) -> bool {
    id.len() >= 16 && id.chars().all(|c| c.is_ascii_alphanumeric())
}

fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_ids_are_recognised_and_names_are_not() {
        assert!(looks_like_unique_id("AIDAEXAMPLEUSER000001"));
        assert!(!looks_like_unique_id("alice"));
        assert!(!looks_like_unique_id("AIDA1"));
        assert!(!looks_like_unique_id("svc-reporting-service-user"));
        assert!(!looks_like_unique_id("alice@example.com"));
    }

    #[test]
    fn sdk_dates_convert_exactly() {
        let t = aws_smithy_types::DateTime::from_secs_and_nanos(1_700_000_000, 5);
        let c = to_chrono(&t).unwrap_or_else(|| panic!("in range"));
        assert_eq!(c.timestamp(), 1_700_000_000);
        assert_eq!(c.timestamp_subsec_nanos(), 5);
    }
}
