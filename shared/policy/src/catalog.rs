//! Everything about the rules that is derived from the one list, [`rules::all`]:
//! the families and their rules, rules by id, and the parameters. (The permissions
//! are derived in [`crate::permissions`].)
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::kinds::Service;
use crate::params::{Param, ParamError, Params};
use crate::rule::{Family, Rule};
use crate::rules;

/// Every function family, in the order of the rules list.
pub fn families() -> Vec<Family> {
    let mut out: Vec<Family> = Vec::new();
    for r in rules::all() {
        let f = r.spec().family;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// The family of that name (`s3-public-access`).
pub fn family_by_name(name: &str) -> Option<Family> {
    families().into_iter().find(|f| f.name() == name)
}

/// The rules of one function family, with parameters, in their order.
pub fn family_with(family: Family, p: &Params) -> Vec<Arc<dyn Rule>> {
    rules::all_with(p)
        .into_iter()
        .filter(|r| r.spec().family == family)
        .collect()
}

/// The rules of one function family, with default parameters.
pub fn family(family: Family) -> Vec<Arc<dyn Rule>> {
    family_with(family, &Params::default())
}

/// The family a rule belongs to.
pub fn family_of(rule: &str) -> Option<Family> {
    by_id(rule).map(|r| r.spec().family)
}

pub fn by_id(id: &str) -> Option<Arc<dyn Rule>> {
    rules::all().into_iter().find(|r| r.id() == id)
}

/// Every rule id, in order.
pub fn rule_ids() -> Vec<&'static str> {
    rules::all().iter().map(|r| r.id()).collect()
}

/// Every parameter any rule reads, once each, in the order of the rules.
pub fn parameters() -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    for r in rules::all() {
        for p in r.spec().parameters {
            if !out.contains(p) {
                out.push(*p);
            }
        }
    }
    out
}

/// The ids of the rules that read a parameter.
pub fn rules_reading(p: Param) -> Vec<&'static str> {
    rules::all()
        .iter()
        .filter(|r| r.spec().parameters.contains(&p))
        .map(|r| r.id())
        .collect()
}

/// Every parameter read from an environment-like lookup (`ACCESS_KEY_MAX_AGE_DAYS`).
pub fn params_from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Params, ParamError> {
    Params::from_lookup(&parameters(), lookup)
}

/// Set one parameter from `NAME=VALUE` (the CLI's `--set`).
pub fn set_param(params: &mut Params, pair: &str) -> Result<(), ParamError> {
    params.set_pair(&parameters(), pair)
}

/// The AWS services a family's function calls: its kinds' services, and AWS Config
/// when one of its rules deploys a custom Config rule. Its crate enables exactly these
/// features of `hipaa-aws`.
pub fn services(family: Family) -> BTreeSet<Service> {
    let mut out = BTreeSet::new();
    for r in self::family(family) {
        let spec = r.spec();
        out.extend(spec.kind.spec().services.iter().copied());
        if spec.custom_config_rule {
            out.insert(Service::Config);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::ResourceKind;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for r in rules::all() {
            let id = r.id();
            assert!(seen.insert(id), "duplicate rule id {id}");
            assert!(
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id} is not kebab-case"
            );
            assert!(
                !id.starts_with('-') && !id.ends_with('-') && !id.contains("--"),
                "{id} is not kebab-case"
            );
        }
    }

    #[test]
    fn every_rule_has_a_trigger() {
        for r in rules::all() {
            let t = r.spec().triggers;
            assert!(
                t.schedule || !t.cloudtrail.is_empty() || !t.config_rules.is_empty(),
                "{} has no trigger",
                r.id()
            );
        }
    }

    #[test]
    fn a_spec_speaks_of_its_own_kind_only() {
        for r in rules::all() {
            let s = r.spec();
            for f in s.facets.iter().chain(s.reads) {
                assert_eq!(f.kind(), s.kind, "{}: facet {f:?} is of another kind", s.id);
            }
            for f in s.facets {
                assert!(s.reads.contains(f), "{}: {f:?} is read first but not in reads", s.id);
            }
            for a in s.actions {
                assert_eq!(a.kind, s.kind, "{}: action {} is of another kind", s.id, a.name);
            }
            // The blanket impl judges the kind the rule's code is written for.
            let empty = crate::kinds::Snapshot::empty_at(
                &crate::kinds::ResourceRef::of(s.kind, "x", "123456789012", "us-east-1"),
                crate::rules::samples::now(),
            );
            assert!(
                !matches!(r.evaluate(&empty), crate::rule::Verdict::CannotJudge { .. }),
                "{}: spec kind {:?} is not the kind its code judges",
                s.id,
                s.kind
            );
        }
    }

    #[test]
    fn the_rules_of_a_kind_have_distinct_orders() {
        let mut seen: HashMap<(ResourceKind, u16), &str> = HashMap::new();
        for r in rules::all() {
            let s = r.spec();
            if let Some(other) = seen.insert((s.kind, s.order), s.id) {
                panic!(
                    "{} and {other} both have order {} among {:?} rules",
                    s.id, s.order, s.kind
                );
            }
        }
    }

    #[test]
    fn the_rules_list_is_in_each_kinds_order() {
        // The executor runs one resource's rules by `order`; the list keeps the same
        // order, so the family's rules read the same either way.
        let mut last: HashMap<ResourceKind, u16> = HashMap::new();
        for r in rules::all() {
            let s = r.spec();
            if let Some(prev) = last.insert(s.kind, s.order) {
                assert!(prev < s.order, "{} is listed after a rule of a higher order", s.id);
            }
        }
    }

    #[test]
    fn every_family_has_rules_and_every_rule_one_family() {
        let fams = families();
        assert_eq!(
            fams.iter().map(|f| f.name()).collect::<Vec<_>>(),
            [
                "s3-public-access",
                "iam-access-keys",
                "iam-mfa",
                "iam-password-policy",
                "s3-data-protection",
                "audit-trail",
                "kms-keys",
                "iam-least-privilege",
                "network-exposure",
                "data-store-exposure",
            ]
        );
        let total: usize = fams.iter().map(|f| family(*f).len()).sum();
        assert_eq!(total, rules::all().len());
        assert_eq!(family_by_name("iam-mfa"), Some(crate::family::IAM_MFA));
        assert_eq!(family_by_name("nope"), None);
        assert_eq!(
            family_of("iam-password-policy"),
            Some(crate::family::IAM_PASSWORD_POLICY)
        );
    }

    #[test]
    fn parameters_are_unique_with_defaults_in_bounds() {
        let ps = parameters();
        let names: HashSet<&str> = ps.iter().map(|p| p.name()).collect();
        assert_eq!(names.len(), ps.len());
        for p in &ps {
            assert!(p.check(&p.default_text()).is_ok(), "{} default", p.name());
            assert!(!rules_reading(*p).is_empty());
        }
        // Names and env names never change: deployments set them.
        let mut p = Params::default();
        set_param(&mut p, "AccessKeyMaxAgeDays=30").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.number(&crate::rules::iam_access_key_rotated::ACCESS_KEY_MAX_AGE_DAYS),
            30
        );
        assert!(set_param(&mut p, "AccessKeyMaxAgeDays=0").is_err());
        assert!(set_param(&mut p, "AccessKeyMaxAgeDays=3651").is_err());
        let env = params_from_lookup(|k| (k == "ACCESS_KEY_MAX_AGE_DAYS").then(|| "45".into()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            env.number(&crate::rules::iam_access_key_rotated::ACCESS_KEY_MAX_AGE_DAYS),
            45
        );
    }

    #[test]
    fn families_need_only_their_kinds_services() {
        use Service::*;
        assert_eq!(
            services(crate::family::S3_PUBLIC_ACCESS),
            [S3, S3Control, Config].into_iter().collect()
        );
        for f in [
            crate::family::IAM_ACCESS_KEYS,
            crate::family::IAM_MFA,
            crate::family::IAM_PASSWORD_POLICY,
        ] {
            assert_eq!(services(f), [Iam].into_iter().collect(), "{f}");
        }
    }
}
