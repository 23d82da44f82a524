//! IAM users: the reader, lister and remediator of the `iam_user` kind (access
//! keys, console password, MFA devices, attached policies, tags).
//!
//! Reads only the facets asked for and not read yet, and applies every user action
//! through one exhaustive match. IAM's `NoSuchEntity` means different things per
//! call, so it is never classified globally: each call site decides whether it
//! means "the user is gone" ([`PortError::NotFound`]), "there is no such setting"
//! (a value: no login profile, no password policy) or "already done" (idempotent
//! deletes and detaches). No call is spent just to confirm that a user exists:
//! * the per-user list calls (`ListAccessKeys`, `ListMFADevices`,
//!   `ListAttachedUserPolicies`, `ListUserTags`) answer `NoSuchEntity` only for a
//!   user that does not exist: the user is gone;
//! * `GetAccessKeyLastUsed` names a key, not a user: the key was deleted since it
//!   was listed, and is left out of the snapshot;
//! * the login-profile facet calls `GetUser` anyway (it alone gives
//!   `PasswordLastUsed`): its `NoSuchEntity` is "gone", and `GetLoginProfile`'s
//!   after it is "no console password";
//! * a fix's `NoSuchEntity` (`UpdateAccessKey`, `DeleteAccessKey`,
//!   `DeleteLoginProfile`, `DetachUserPolicy`, `AttachUserPolicy`) is the one
//!   ambiguous case: the user or the thing on it? Only then `GetUser` tells.
//!
//! **Sweeps** list users with `ListUsers` and read the account's credential report
//! once ([`crate::credential_report`]): each listed user comes with a summary of
//! its keys, password and MFA, so a user the report shows compliant costs no
//! per-user call. A report that can't be had costs calls, not correctness: every
//! user is then read live.
//!
//! **Users named by their unique id.** AWS Config names an `AWS::IAM::User` by its
//! unique id (`AIDA...`), not its name. When `GetUser` by that name finds nothing
//! and the id looks like a unique id, the user is found by listing users and
//! matching `UserId`; the snapshot then carries the real user name, so the plan's
//! actions name the user IAM knows. Resolutions are cached per container.
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_iam::types::{ReportStateType, StatusType};
use chrono::{DateTime, Utc};
use policy::PortError;
use policy::executor::chain;
use policy::iam::{AccessKey, LoginProfile, MfaDevice};
use policy::kinds::iam_user::{
    Action, ActivateAccessKey, AttachUserPolicy, DeactivateAccessKey, DeleteAccessKey, DeleteLoginProfile,
    DetachUserPolicy, Facet, IamUser, Snapshot,
};
use policy::kinds::{Read, ResourceRef};
use policy::ports::{Listed, Summary};
use tracing::{debug, warn};

use super::KindAdapter;
use crate::clients::Clients;
use crate::credential_report;
use crate::error::{error_code, port_error};

/// IAM's "no such user / key / profile / policy / attachment".
pub(crate) const NO_SUCH_ENTITY: &str = "NoSuchEntity";

/// Items per IAM list page (IAM's maximum is 1000).
const PAGE_SIZE: i32 = 1000;

/// How long to wait before asking again whether the credential report is complete
/// (doubling up to [`REPORT_MAX_POLL`]), and for how long at most. IAM generates a
/// report in seconds for most accounts; after [`REPORT_MAX_WAIT`] the sweep reads
/// every user live instead.
const REPORT_FIRST_POLL: Duration = Duration::from_millis(100);
const REPORT_MAX_POLL: Duration = Duration::from_secs(5);
const REPORT_MAX_WAIT: Duration = Duration::from_secs(60);

/// IAM users over the SDK.
#[derive(Debug)]
pub struct IamUserAdapter {
    iam: aws_sdk_iam::Client,
    /// Unique ids (`AIDA...`) already resolved to user names.
    names_by_id: Mutex<HashMap<String, String>>,
}

/// What `GetUser` says about a user that exists.
struct UserInfo {
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
                password_last_used: u.password_last_used().and_then(to_chrono),
            })),
            Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => Ok(None),
            Err(e) => Err(port_error("GetUser", &user_what(name), e)),
        }
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
    async fn user_exists(&self, name: &str) -> Result<bool, PortError> {
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

    /// Read the facets asked for. No call is spent just to confirm the user exists:
    /// each call's own `NoSuchEntity` says so (see the module doc). A resource named
    /// by a unique id (`AIDA...`) that no user has as a name is resolved through
    /// `ListUsers` once, and the snapshot then carries the real name.
    async fn fill_user(&self, r: &ResourceRef, u: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        let wanted: Vec<Facet> = facets.iter().copied().filter(|f| !u.has(*f)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let cached = self.names_by_id.lock().ok().and_then(|m| m.get(&u.name).cloned());
        if let Some(name) = cached {
            u.name = name;
        }
        match self.fill_user_facets(u, &wanted).await {
            Err(PortError::NotFound { .. }) if u.name == r.id && looks_like_unique_id(&r.id) => {
                let Some(name) = self.find_name_by_unique_id(&r.id).await? else {
                    return Err(PortError::NotFound { what: user_what(&r.id) });
                };
                if let Ok(mut m) = self.names_by_id.lock() {
                    m.insert(r.id.clone(), name.clone());
                }
                u.name = name;
                self.fill_user_facets(u, &wanted).await
            }
            other => other,
        }
    }

    async fn fill_user_facets(&self, u: &mut Snapshot, wanted: &[Facet]) -> Result<(), PortError> {
        let name = u.name.clone();
        let what = user_what(&name);
        for facet in wanted {
            match facet {
                Facet::AccessKeys => u.access_keys = Read::Value(self.access_keys(&name, &what).await?),
                Facet::AccessKeyLastUsed => {
                    // Which keys to ask about: the keys read now, or read already.
                    let keys = match u.access_keys.get() {
                        Some(k) => k.clone(),
                        None => self.access_keys(&name, &what).await?,
                    };
                    let (keys, used) = self.keys_last_used(keys, &what).await?;
                    u.access_keys = Read::Value(keys);
                    u.key_last_used = Read::Value(used);
                }
                Facet::LoginProfile => u.login_profile = Read::Value(self.login_profile(&name, &what).await?),
                Facet::MfaDevices => u.mfa_devices = Read::Value(self.mfa_devices(&name, &what).await?),
                Facet::AttachedPolicies => {
                    u.attached_policies = Read::Value(self.attached_policies(&name, &what).await?);
                }
                Facet::Tags => u.tags = Read::Value(self.user_tags(&name, &what).await?),
            }
        }
        Ok(())
    }

    /// `ListAccessKeys`: `NoSuchEntity` can only mean the user is gone.
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
                });
            }
        }
        Ok(keys)
    }

    /// `GetAccessKeyLastUsed` for each key. It names the key, not the user, so its
    /// `NoSuchEntity` means the key was deleted since it was listed: the key is left
    /// out of both (it no longer exists).
    async fn keys_last_used(
        &self,
        keys: Vec<AccessKey>,
        what: &str,
    ) -> Result<(Vec<AccessKey>, BTreeMap<String, Option<DateTime<Utc>>>), PortError> {
        let mut kept = Vec::with_capacity(keys.len());
        let mut used = BTreeMap::new();
        for k in keys {
            match self.iam.get_access_key_last_used().access_key_id(&k.id).send().await {
                // LastUsedDate absent: the key was never used.
                Ok(out) => {
                    used.insert(
                        k.id.clone(),
                        out.access_key_last_used()
                            .and_then(|l| l.last_used_date())
                            .and_then(to_chrono),
                    );
                    kept.push(k);
                }
                Err(e) if error_code(&e) == Some(NO_SUCH_ENTITY) => {
                    debug!(key = %k.id, "the key was deleted since it was listed");
                }
                Err(e) => {
                    return Err(port_error(
                        "GetAccessKeyLastUsed",
                        &format!("access key {} of {what}", k.id),
                        e,
                    ));
                }
            }
        }
        Ok((kept, used))
    }

    /// `GetUser` (for `PasswordLastUsed`, which only it and `ListUsers` give), then
    /// `GetLoginProfile`. `GetUser`'s `NoSuchEntity` means the user is gone; after it,
    /// `GetLoginProfile`'s means "no console password".
    async fn login_profile(&self, user: &str, what: &str) -> Result<Option<LoginProfile>, PortError> {
        let Some(info) = self.get_user(user).await? else {
            return Err(PortError::NotFound { what: what.to_string() });
        };
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
                    password_last_used: info.password_last_used,
                }))
            }
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

    async fn attached_policies(&self, user: &str, what: &str) -> Result<Vec<String>, PortError> {
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

impl IamUserAdapter {
    /// The account's credential report as summaries by user name:
    /// `GenerateCredentialReport` until its state is `COMPLETE` (IAM answers at once
    /// when a report under four hours old exists), then `GetCredentialReport`.
    async fn credential_report(&self, account: &str) -> Result<HashMap<String, Snapshot>, PortError> {
        let mut wait = REPORT_FIRST_POLL;
        let started = tokio::time::Instant::now();
        loop {
            let out = self
                .iam
                .generate_credential_report()
                .send()
                .await
                .map_err(|e| port_error("GenerateCredentialReport", "the credential report", e))?;
            if out.state() == Some(&ReportStateType::Complete) {
                break;
            }
            if started.elapsed() >= REPORT_MAX_WAIT {
                return Err(PortError::InvalidData {
                    operation: "GenerateCredentialReport".into(),
                    reason: format!("the report was not complete after {REPORT_MAX_WAIT:?}"),
                });
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(REPORT_MAX_POLL);
        }
        let out = self
            .iam
            .get_credential_report()
            .send()
            .await
            .map_err(|e| port_error("GetCredentialReport", "the credential report", e))?;
        let content = out.content().map(|b| b.as_ref()).unwrap_or_default();
        credential_report::parse(content, account, Utc::now()).map_err(|e| PortError::InvalidData {
            operation: "GetCredentialReport".into(),
            reason: e.to_string(),
        })
    }
}

#[async_trait]
impl KindAdapter<IamUser> for IamUserAdapter {
    async fn fill(&self, r: &ResourceRef, u: &mut Snapshot, facets: &[Facet]) -> Result<(), PortError> {
        debug!(resource = %r, facets = ?facets, "reading");
        self.fill_user(r, u, facets).await
    }

    async fn list(&self, account: &str, region: &str) -> Result<Vec<Listed>, PortError> {
        // ListUsers is the list (the report may be hours old: a user created since
        // is read live, one deleted since is not swept); the report only summarises.
        let mut pages = self.iam.list_users().max_items(PAGE_SIZE).into_paginator().send();
        let mut names = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| port_error("ListUsers", "users", e))?;
            names.extend(page.users().iter().map(|u| u.user_name().to_string()));
        }
        let mut summaries = match self.credential_report(account).await {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %chain(&e), "the credential report could not be read; every user is read live");
                HashMap::new()
            }
        };
        Ok(names
            .into_iter()
            .map(|name| {
                let summary = summaries
                    .remove(&name)
                    .map(|u| Summary::new(policy::Snapshot::IamUser(u), credential_report::SOURCE));
                Listed {
                    resource: ResourceRef::iam_user(name, account, region),
                    summary,
                }
            })
            .collect())
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
