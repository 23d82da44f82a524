//! `iam-inactive-access-key-deleted` (optional, `off` by default): inactive access
//! keys are deleted once they have not been used for `InactiveKeyDeleteDays`.
//!
//! HIPAA Security Rule: termination procedures, 164.308(a)(3)(ii)(C). IAM does not
//! record when a key was deactivated, so the age is measured from the key's last
//! use, or from its creation when it was never used. Deleting a key is
//! **irreversible** (its secret can't be recovered): the notice says so.
use crate::family;
use chrono::{DateTime, Utc};

use crate::iam::{AccessKey, age_days, older_than};
use crate::kinds::iam_user::{DeleteAccessKey, Facet, IamUser, Snapshot};
use crate::kinds::{Facet as AnyFacet, ResourceKind};
use crate::params::{NumberParam, Param, Params};
use crate::plan::Plan;
use crate::rule::{Examples, Fix, KindRule, RuleSpec, Triggers, Verdict, VerdictClass};
use crate::rules::samples::{key, user_with_keys};
use crate::settings::Mode;

pub const ID: &str = "iam-inactive-access-key-deleted";

pub const INACTIVE_KEY_DELETE_DAYS: NumberParam = NumberParam {
    name: "InactiveKeyDeleteDays",
    default: 90,
    min: 1,
    max: 3650,
    help: "An inactive key unused (or, never used, created) more than this many days ago is deleted",
};

const KEYS: AnyFacet = AnyFacet::IamUser(Facet::AccessKeys);
const LAST_USED: AnyFacet = AnyFacet::IamUser(Facet::AccessKeyLastUsed);

pub static SPEC: RuleSpec = RuleSpec {
    id: ID,
    title: "Long-inactive IAM access keys are deleted",
    safeguard: "164.308(a)(3)(ii)(C) Termination procedures",
    kind: ResourceKind::IamUser,
    family: family::IAM_ACCESS_KEYS,
    triggers: Triggers {
        config_rules: &[],
        cloudtrail: &[],
        schedule: true,
    },
    facets: &[KEYS, LAST_USED],
    reads: &[KEYS, LAST_USED],
    actions: &[DeleteAccessKey::INFO],
    parameters: &[Param::Number(&INACTIVE_KEY_DELETE_DAYS)],
    default_mode: Mode::Off,
    custom_config_rule: false,
    order: 2,
    fix: Fix::Irreversible,
};

pub struct IamInactiveAccessKeyDeleted {
    pub days: u32,
}

impl IamInactiveAccessKeyDeleted {
    pub fn new(p: &Params) -> Self {
        Self {
            days: p.number(&INACTIVE_KEY_DELETE_DAYS),
        }
    }

    /// Since when key `k` is idle, when it is inactive and idle for longer than the
    /// limit: its last use, or its creation when never used. A key whose last use was
    /// not read is not judged.
    fn idle_since(&self, u: &Snapshot, k: &AccessKey) -> Option<DateTime<Utc>> {
        if k.active {
            return None;
        }
        let since = u.last_use_of(&k.id)?.unwrap_or(k.created);
        older_than(u.as_of, since, self.days).then_some(since)
    }
}

impl KindRule for IamInactiveAccessKeyDeleted {
    type Kind = IamUser;
    fn spec(&self) -> &'static RuleSpec {
        &SPEC
    }
    fn evaluate(&self, u: &Snapshot) -> Verdict {
        let (Some(keys), true) = (u.access_keys.get(), u.key_last_used.is_read()) else {
            return Verdict::NeedsFacets {
                facets: vec![KEYS, LAST_USED],
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
    fn plan(&self, u: &Snapshot) -> Plan {
        let keys = u.access_keys.get().map(Vec::as_slice).unwrap_or_default();
        Plan::of(
            keys.iter()
                .filter(|k| self.idle_since(u, k).is_some())
                .map(|k| {
                    DeleteAccessKey {
                        user: u.name.clone(),
                        key_id: k.id.clone(),
                    }
                    .into()
                })
                .collect(),
        )
    }
    fn examples(&self) -> Examples<Snapshot> {
        Examples {
            non_compliant: user_with_keys(vec![
                key("AKIAOFF", false, 300, Some(120)),
                key("AKIAON", true, 300, None),
            ]),
            compliant: user_with_keys(vec![
                key("AKIAON", true, 300, None),
                key("AKIARECENT", false, 300, Some(10)),
            ]),
            // Never used: its age counts from its creation.
            edge: user_with_keys(vec![key("AKIANEVER", false, 91, None)]),
            edge_verdict: VerdictClass::NonCompliant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            IamInactiveAccessKeyDeleted::new(&Params::default()).spec().default_mode,
            Mode::Off
        );
    }
}
