//! IAM in the local world: users, keys, the MFA quarantine policy.
use super::*;

pub const IAM_ACCESS_KEYS: &str = "iam-access-keys";
pub const IAM_MFA: &str = "iam-mfa";
pub const IAM_PASSWORD_POLICY: &str = "iam-password-policy";
pub const KEY_ROTATED_RULE: &str = "iam-access-key-rotated";
pub const UNUSED_RULE: &str = "iam-credentials-unused";
pub const MFA_RULE: &str = "iam-user-console-mfa";
pub const ROOT_MFA_RULE: &str = "iam-root-account-mfa";
pub const PASSWORD_RULE: &str = "iam-password-policy";
pub const BREAK_GLASS_TAG: &str = "hipaa-autofix:break-glass";
/// The customer-managed policy the stack creates to quarantine users without MFA.
pub const QUARANTINE_POLICY: &str = "hipaa-autofix-mfa-quarantine";

/// The quarantine policy's ARN in the test account.
pub fn quarantine_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{QUARANTINE_POLICY}")
}

/// The ARN the rules use for a user.
pub fn user_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:user/{name}")
}

/// The self-managed-MFA quarantine policy document, shared with the template.
pub fn quarantine_policy_document() -> String {
    let path = repo_root().join("tests/fixtures/mfa-quarantine-policy.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// An IAM CloudTrail fixture rewritten to name another user (and, for key calls, key).
pub fn fixture_for_user(name: &str, user: &str, key_id: Option<&str>) -> Value {
    let mut v = fixture(name);
    let params = v
        .pointer_mut("/detail/requestParameters")
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{name} has no detail.requestParameters"));
    params.insert("userName".into(), Value::from(user));
    if let Some(k) = key_id {
        params.insert("accessKeyId".into(), Value::from(k));
    }
    v
}

/// A scheduled sweep event with its own id (a sweep's ledger claims are per event id).
pub fn scheduled_event(id: &str) -> Value {
    let mut v = fixture("scheduled-event.json");
    v["id"] = Value::from(id);
    v
}

/// `days` days before now, as RFC 3339 (for the launcher's access-key-dates route).
pub fn days_ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days)).to_rfc3339()
}

impl World {
    /// A world whose function under test is `family` (Slack answers 200).
    pub async fn for_family(family: &str) -> World {
        let mut w = World::new().await;
        w.family = family.to_string();
        w
    }

    pub async fn create_user(&self, name: &str) {
        self.iam.create_user().user_name(name).send().await.expect("CreateUser");
    }

    /// The user's unique id (`AIDA...`), as AWS Config names users.
    pub async fn user_id(&self, name: &str) -> String {
        let out = self.iam.get_user().user_name(name).send().await.expect("GetUser");
        out.user().expect("user").user_id().to_string()
    }

    pub async fn tag_user(&self, name: &str, key: &str, value: &str) {
        self.iam
            .tag_user()
            .user_name(name)
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("TagUser");
    }

    /// A new active access key for `user`; its id.
    pub async fn create_access_key(&self, user: &str) -> String {
        let out = self
            .iam
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .expect("CreateAccessKey");
        out.access_key().expect("access key").access_key_id().to_string()
    }

    /// Backdate a key: created `created_days_ago` days ago, last used
    /// `last_used_days_ago` days ago (`None`: never used).
    pub async fn backdate_key(&self, key_id: &str, created_days_ago: i64, last_used_days_ago: Option<i64>) {
        let last = last_used_days_ago.map(days_ago);
        self.moto
            .set_access_key_dates(key_id, Some(&days_ago(created_days_ago)), last.as_deref())
            .await
            .expect("backdating the key");
    }

    /// A user with one key created `created_days_ago` days ago and last used as given; the key id.
    pub async fn user_with_key(&self, user: &str, created_days_ago: i64, last_used_days_ago: Option<i64>) -> String {
        self.create_user(user).await;
        let key = self.create_access_key(user).await;
        self.backdate_key(&key, created_days_ago, last_used_days_ago).await;
        key
    }

    /// Each key of `user` and whether it is active.
    pub async fn keys(&self, user: &str) -> BTreeMap<String, bool> {
        let out = self
            .iam
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .expect("ListAccessKeys");
        out.access_key_metadata()
            .iter()
            .map(|k| {
                (
                    k.access_key_id().unwrap_or_default().to_string(),
                    k.status() == Some(&aws_sdk_iam::types::StatusType::Active),
                )
            })
            .collect()
    }

    /// Whether `key_id` of `user` is active.
    pub async fn key_active(&self, user: &str, key_id: &str) -> bool {
        *self
            .keys(user)
            .await
            .get(key_id)
            .unwrap_or_else(|| panic!("no key {key_id} on {user}"))
    }

    /// Set a key's status as a user would (`aws iam update-access-key`).
    pub async fn set_key_active(&self, user: &str, key_id: &str, active: bool) {
        use aws_sdk_iam::types::StatusType;
        self.iam
            .update_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .status(if active {
                StatusType::Active
            } else {
                StatusType::Inactive
            })
            .send()
            .await
            .expect("UpdateAccessKey");
    }

    /// Give `user` a console password (moto stamps its CreateDate = now).
    pub async fn create_login_profile(&self, user: &str) {
        self.iam
            .create_login_profile()
            .user_name(user)
            .password("Correct-Horse-Battery-9")
            .send()
            .await
            .expect("CreateLoginProfile");
    }

    pub async fn has_login_profile(&self, user: &str) -> bool {
        match self.iam.get_login_profile().user_name(user).send().await {
            Ok(_) => true,
            Err(e) if format!("{e:?}").contains("NoSuchEntity") => false,
            Err(e) => panic!("GetLoginProfile {user}: {e:?}"),
        }
    }

    /// A console user without MFA: a user and a login profile.
    pub async fn console_user(&self, user: &str) {
        self.create_user(user).await;
        self.create_login_profile(user).await;
    }

    /// Create and enable a virtual MFA device for `user` (moto accepts any codes); its serial.
    pub async fn enable_virtual_mfa(&self, user: &str) -> String {
        let out = self
            .iam
            .create_virtual_mfa_device()
            .virtual_mfa_device_name(format!("{user}-phone"))
            .send()
            .await
            .expect("CreateVirtualMFADevice");
        let serial = out.virtual_mfa_device().expect("device").serial_number().to_string();
        self.iam
            .enable_mfa_device()
            .user_name(user)
            .serial_number(&serial)
            .authentication_code1("123456")
            .authentication_code2("654321")
            .send()
            .await
            .expect("EnableMFADevice");
        serial
    }

    /// Create the stack's quarantine policy (the AWS-documented self-managed-MFA
    /// policy in `tests/fixtures/mfa-quarantine-policy.json`); its ARN.
    pub async fn create_quarantine_policy(&self) -> String {
        let out = self
            .iam
            .create_policy()
            .policy_name(QUARANTINE_POLICY)
            .description("hipaa-autofix: denies everything except setting up one's own MFA device")
            .policy_document(quarantine_policy_document())
            .send()
            .await
            .expect("CreatePolicy (quarantine)");
        out.policy().and_then(|p| p.arn()).expect("policy arn").to_string()
    }

    /// ARNs of the managed policies attached to `user`.
    pub async fn attached_policies(&self, user: &str) -> Vec<String> {
        let out = self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .expect("ListAttachedUserPolicies");
        out.attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn())
            .map(str::to_owned)
            .collect()
    }

    pub async fn is_quarantined(&self, user: &str) -> bool {
        self.attached_policies(user).await.contains(&quarantine_arn())
    }

    pub async fn attach_policy(&self, user: &str, arn: &str) {
        self.iam
            .attach_user_policy()
            .user_name(user)
            .policy_arn(arn)
            .send()
            .await
            .expect("AttachUserPolicy");
    }

    /// The account password policy as IAM returns it, or `None` when there is none.
    pub async fn password_policy(&self) -> Option<aws_sdk_iam::types::PasswordPolicy> {
        match self.iam.get_account_password_policy().send().await {
            Ok(o) => o.password_policy().cloned(),
            Err(e) if format!("{e:?}").contains("NoSuchEntity") => None,
            Err(e) => panic!("GetAccountPasswordPolicy: {e:?}"),
        }
    }
}
