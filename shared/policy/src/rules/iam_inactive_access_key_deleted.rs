//! `iam-inactive-access-key-deleted` (optional, `off` by default): inactive access
//! keys are deleted once they have not been used for `InactiveKeyDeleteDays`.
//!
//! HIPAA Security Rule: termination procedures, 164.308(a)(3)(ii)(C). IAM does not
//! record when a key was deactivated, so the age is measured from the key's last
//! use, or from its creation when it was never used. Deleting a key is
//! **irreversible** (its secret can't be recovered): the notice says so.
use crate::action::{Action, Plan};
use crate::iam::{age_days, older_than};
use crate::params::Params;
use chrono::{DateTime, Utc};

use crate::iam::AccessKey;
use crate::resource::{Facet, ResourceKind, Snapshot, UserSnapshot};
use crate::rule::{Rule, Triggers, Verdict};
use crate::settings::Mode;

pub const ID: &str = "iam-inactive-access-key-deleted";

pub struct IamInactiveAccessKeyDeleted {
    pub days: u32,
}

impl IamInactiveAccessKeyDeleted {
    pub fn new(p: &Params) -> Self {
        Self {
            days: p.number("InactiveKeyDeleteDays"),
        }
    }
}

impl IamInactiveAccessKeyDeleted {
    /// Since when key `k` is idle, when it is inactive and idle for longer than the
    /// limit: its last use, or its creation when never used. A key whose last use was
    /// not read is not judged.
    fn idle_since(&self, u: &UserSnapshot, k: &AccessKey) -> Option<DateTime<Utc>> {
        if k.active {
            return None;
        }
        let since = u.last_use_of(&k.id)?.unwrap_or(k.created);
        older_than(u.as_of, since, self.days).then_some(since)
    }
}

impl Rule for IamInactiveAccessKeyDeleted {
    fn id(&self) -> &'static str {
        ID
    }
    fn title(&self) -> &'static str {
        "Long-inactive IAM access keys are deleted"
    }
    fn safeguard(&self) -> &'static str {
        "164.308(a)(3)(ii)(C) Termination procedures"
    }
    fn kind(&self) -> ResourceKind {
        ResourceKind::IamUser
    }
    fn triggers(&self) -> Triggers {
        Triggers {
            config_rules: &[],
            cloudtrail: &[],
            schedule: true,
        }
    }
    fn facets(&self) -> &'static [Facet] {
        &[Facet::UserAccessKeys, Facet::UserAccessKeyLastUsed]
    }
    fn reads(&self) -> &'static [Facet] {
        &[Facet::UserAccessKeys, Facet::UserAccessKeyLastUsed]
    }
    fn actions(&self) -> &'static [&'static str] {
        &["DeleteAccessKey"]
    }
    fn default_mode(&self) -> Mode {
        Mode::Off
    }
    fn evaluate(&self, snapshot: &Snapshot) -> Verdict {
        let Snapshot::IamUser(u) = snapshot else {
            return Verdict::CannotJudge {
                reason: "not a user snapshot".into(),
            };
        };
        let (Some(keys), true) = (u.access_keys.get(), u.key_last_used.is_read()) else {
            return Verdict::NeedsFacets {
                facets: vec![Facet::UserAccessKeys, Facet::UserAccessKeyLastUsed],
            };
        };
        let findings: Vec<String> = keys
            .iter()
            .filter_map(|k| Some((k, self.idle_since(u, k)?)))
            .map(|(k, since)| {
                format!(
                    "inactive access key {} unused for {} days (limit {})",
                    k.id,
                    age_days(u.as_of, since),
                    self.days
                )
            })
            .collect();
        if findings.is_empty() {
            Verdict::Compliant {
                reason: "no long-inactive key".into(),
            }
        } else {
            Verdict::NonCompliant { findings }
        }
    }
    fn plan(&self, snapshot: &Snapshot) -> Plan {
        let Snapshot::IamUser(u) = snapshot else {
            return Plan::default();
        };
        let keys = u.access_keys.get().map(Vec::as_slice).unwrap_or_default();
        Plan::of(
            keys.iter()
                .filter(|k| self.idle_since(u, k).is_some())
                .map(|k| Action::DeleteAccessKey {
                    user: u.name.clone(),
                    key_id: k.id.clone(),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{key, user_with_keys};

    #[test]
    fn long_inactive_key_is_deleted_irreversibly() {
        let s = user_with_keys(vec![key("AKIAOFF", false, 300, Some(120))]);
        let r = IamInactiveAccessKeyDeleted::new(&Params::default());
        assert!(matches!(r.evaluate(&s), Verdict::NonCompliant { .. }));
        let plan = r.plan(&s);
        assert_eq!(plan.actions.len(), 1);
        assert!(plan.undo().is_none());
    }
    #[test]
    fn active_or_recently_used_keys_stay() {
        let s = user_with_keys(vec![
            key("AKIAON", true, 300, None),
            key("AKIARECENT", false, 300, Some(10)),
        ]);
        let r = IamInactiveAccessKeyDeleted::new(&Params::default());
        assert!(matches!(r.evaluate(&s), Verdict::Compliant { .. }));
    }
    #[test]
    fn off_by_default() {
        assert_eq!(
            IamInactiveAccessKeyDeleted::new(&Params::default()).default_mode(),
            Mode::Off
        );
    }
}
