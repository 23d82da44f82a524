//! Rule parameters: ages, grace periods, policy strengths. Set by the template's
//! parameters (passed to functions as environment variables), or for one CLI run
//! with `--set NAME=VALUE`. Names are the template's parameter names.
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Number,
    Bool,
    Text,
}

/// One parameter: its name (as in template.yaml), default, meaning and rules.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: &'static str,
    pub help: &'static str,
    pub rules: &'static [&'static str],
}

pub const PARAMS: &[ParamSpec] = &[
    ParamSpec {
        name: "AccessKeyMaxAgeDays",
        kind: ParamKind::Number,
        default: "90",
        help: "An active access key older than this many days is deactivated",
        rules: &["iam-access-key-rotated"],
    },
    ParamSpec {
        name: "AccessKeyWarnDays",
        kind: ParamKind::Number,
        default: "7",
        help: "A warning notice goes out this many days before a key reaches its maximum age (0: none)",
        rules: &["iam-access-key-rotated"],
    },
    ParamSpec {
        name: "UnusedCredentialsDays",
        kind: ParamKind::Number,
        default: "90",
        help: "An active key or console password unused (or never used and older) for more days is unused",
        rules: &["iam-credentials-unused"],
    },
    ParamSpec {
        name: "RemoveUnusedConsolePasswords",
        kind: ParamKind::Bool,
        default: "false",
        help: "Remove unused console passwords (irreversible); when false they are only reported",
        rules: &["iam-credentials-unused"],
    },
    ParamSpec {
        name: "InactiveKeyDeleteDays",
        kind: ParamKind::Number,
        default: "90",
        help: "An inactive key unused (or, never used, created) more than this many days ago is deleted",
        rules: &["iam-inactive-access-key-deleted"],
    },
    ParamSpec {
        name: "MfaGraceHours",
        kind: ParamKind::Number,
        default: "24",
        help: "Hours after a console password is created before a user without MFA is quarantined",
        rules: &["iam-user-console-mfa"],
    },
    ParamSpec {
        name: "MfaStage2Days",
        kind: ParamKind::Number,
        default: "7",
        help: "Days after a console password is created before stage 2 removes it (when enabled)",
        rules: &["iam-user-console-mfa"],
    },
    ParamSpec {
        name: "MfaStage2Enabled",
        kind: ParamKind::Bool,
        default: "false",
        help: "Stage 2: remove the console password of a user still without MFA (irreversible)",
        rules: &["iam-user-console-mfa"],
    },
    ParamSpec {
        name: "MfaQuarantinePolicyName",
        kind: ParamKind::Text,
        default: "hipaa-autofix-mfa-quarantine",
        help: "The customer-managed policy (created by the stack) that quarantines a user without MFA",
        rules: &["iam-user-console-mfa"],
    },
    ParamSpec {
        name: "PasswordMinLength",
        kind: ParamKind::Number,
        default: "14",
        help: "Minimum password length the account policy must require",
        rules: &["iam-password-policy"],
    },
    ParamSpec {
        name: "PasswordReusePrevention",
        kind: ParamKind::Number,
        default: "24",
        help: "Previous passwords that may not be reused",
        rules: &["iam-password-policy"],
    },
    ParamSpec {
        name: "PasswordMaxAgeDays",
        kind: ParamKind::Number,
        default: "90",
        help: "Maximum password age in days",
        rules: &["iam-password-policy"],
    },
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParamError {
    #[error("unknown parameter {0:?} (see `autofix rules --params`)")]
    Unknown(String),
    #[error("parameter {name}: {value:?} is not {expected}")]
    Invalid {
        name: String,
        value: String,
        expected: &'static str,
    },
    #[error("expected NAME=VALUE, got {0:?}")]
    Syntax(String),
}

/// The environment variable a function reads a parameter from: `AccessKeyMaxAgeDays` → `ACCESS_KEY_MAX_AGE_DAYS`.
pub fn env_name(param: &str) -> String {
    let mut out = String::new();
    for (i, c) in param.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

pub fn spec(name: &str) -> Option<&'static ParamSpec> {
    PARAMS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Parameter values; a parameter not set takes its default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<&'static str, String>);

impl Params {
    /// Set one parameter, validating its name and value.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ParamError> {
        let spec = spec(name).ok_or_else(|| ParamError::Unknown(name.to_string()))?;
        let value = value.trim();
        let ok = match spec.kind {
            ParamKind::Number => value.parse::<u32>().is_ok(),
            ParamKind::Bool => matches!(value.to_ascii_lowercase().as_str(), "true" | "false"),
            ParamKind::Text => !value.is_empty(),
        };
        if !ok {
            let expected = match spec.kind {
                ParamKind::Number => "a whole number",
                ParamKind::Bool => "true or false",
                ParamKind::Text => "a non-empty text",
            };
            return Err(ParamError::Invalid {
                name: spec.name.into(),
                value: value.into(),
                expected,
            });
        }
        self.0.insert(spec.name, value.to_string());
        Ok(())
    }

    /// Parse `NAME=VALUE`.
    pub fn set_pair(&mut self, pair: &str) -> Result<(), ParamError> {
        let (n, v) = pair
            .split_once('=')
            .ok_or_else(|| ParamError::Syntax(pair.to_string()))?;
        self.set(n.trim(), v)
    }

    /// Read every parameter from an environment-like lookup (`ACCESS_KEY_MAX_AGE_DAYS`, ...); empty means unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Params, ParamError> {
        let mut p = Params::default();
        for spec in PARAMS {
            if let Some(v) = lookup(&env_name(spec.name)).filter(|v| !v.trim().is_empty()) {
                p.set(spec.name, &v)?;
            }
        }
        Ok(p)
    }

    fn raw(&self, name: &'static str) -> &str {
        self.0
            .get(name)
            .map(String::as_str)
            .or_else(|| spec(name).map(|s| s.default))
            .unwrap_or_default()
    }
    pub fn number(&self, name: &'static str) -> u32 {
        self.raw(name).parse().unwrap_or(0)
    }
    pub fn flag(&self, name: &'static str) -> bool {
        self.raw(name).eq_ignore_ascii_case("true")
    }
    pub fn text(&self, name: &'static str) -> String {
        self.raw(name).to_string()
    }
    /// The value in force for each parameter, and whether it was set.
    pub fn effective(&self) -> Vec<(&'static ParamSpec, String, bool)> {
        PARAMS
            .iter()
            .map(|s| (s, self.raw(s.name).to_string(), self.0.contains_key(s.name)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_are_upper_snake() {
        assert_eq!(env_name("AccessKeyMaxAgeDays"), "ACCESS_KEY_MAX_AGE_DAYS");
        assert_eq!(env_name("MfaGraceHours"), "MFA_GRACE_HOURS");
    }
    #[test]
    fn defaults_apply_until_set() {
        let mut p = Params::default();
        assert_eq!(p.number("AccessKeyMaxAgeDays"), 90);
        p.set_pair("AccessKeyMaxAgeDays=30").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.number("AccessKeyMaxAgeDays"), 30);
    }
    #[test]
    fn bad_names_and_values_are_refused() {
        let mut p = Params::default();
        assert!(matches!(p.set("Nope", "1"), Err(ParamError::Unknown(_))));
        assert!(matches!(p.set("MfaGraceHours", "-1"), Err(ParamError::Invalid { .. })));
        assert!(matches!(
            p.set("MfaStage2Enabled", "yes"),
            Err(ParamError::Invalid { .. })
        ));
        assert!(matches!(p.set_pair("MfaGraceHours"), Err(ParamError::Syntax(_))));
    }
    #[test]
    fn every_param_names_a_known_rule_and_its_default_parses() {
        let ids: Vec<&str> = crate::rules::all().iter().map(|r| r.id()).collect();
        for s in PARAMS {
            for r in s.rules {
                assert!(ids.contains(r), "{} names unknown rule {r}", s.name);
            }
            assert!(Params::default().set(s.name, s.default).is_ok(), "{} default", s.name);
        }
    }
}
