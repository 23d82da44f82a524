//! IAM data shapes: users' credentials and the account password policy.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// One access key of a user (its last use is a separate facet:
/// `UserSnapshot::key_last_used`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub active: bool,
    pub created: DateTime<Utc>,
}

/// A user's console password (login profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    pub created: DateTime<Utc>,
    /// The user's `PasswordLastUsed`; `None` when never used.
    pub password_last_used: Option<DateTime<Utc>>,
}

/// An MFA device assigned to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDevice {
    pub serial: String,
    pub enabled: DateTime<Utc>,
}

/// The account password policy, as `GetAccountPasswordPolicy` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicy {
    pub minimum_password_length: Option<u32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    /// Days; `None` means passwords never expire.
    pub max_password_age: Option<u32>,
    /// `None` means no reuse prevention.
    pub password_reuse_prevention: Option<u32>,
    pub hard_expiry: Option<bool>,
}

impl PasswordPolicy {
    /// Equal as IAM enforces them: an absent hard expiry is no hard expiry.
    pub fn same_as(&self, other: &PasswordPolicy) -> bool {
        let norm = |p: &PasswordPolicy| PasswordPolicy {
            hard_expiry: Some(p.hard_expiry.unwrap_or(false)),
            ..*p
        };
        norm(self) == norm(other)
    }
}

/// Whole days between two instants (floored; 0 when `then` is in the future).
pub fn age_days(now: DateTime<Utc>, then: DateTime<Utc>) -> i64 {
    (now - then).num_days().max(0)
}

/// Whether `then` is more than `days` days before `now`.
pub fn older_than(now: DateTime<Utc>, then: DateTime<Utc>, days: u32) -> bool {
    now - then > Duration::days(i64::from(days))
}

/// Whether `then` is at least `hours` hours before `now`.
pub fn at_least_hours(now: DateTime<Utc>, then: DateTime<Utc>, hours: u32) -> bool {
    now - then >= Duration::hours(i64::from(hours))
}
