//! Rule parameters: ages, grace periods, policy strengths. Each is a typed constant
//! declared by the rule that reads it (`iam_access_key_rotated::ACCESS_KEY_MAX_AGE_DAYS`)
//! and read as `params.number(&ACCESS_KEY_MAX_AGE_DAYS)`, so a misspelt name fails to
//! compile. Set by the template's parameters (passed to functions as environment
//! variables), or for one CLI run with `--set NAME=VALUE`; names are the template's
//! parameter names. A value out of bounds is refused at cold start and by `--set`.
//!
//! The list of every parameter is derived from the rules (`catalog::parameters`).
use std::collections::BTreeMap;
use std::fmt;

/// A whole-number parameter with inclusive bounds.
#[derive(Debug)]
pub struct NumberParam {
    /// The template parameter's name (`AccessKeyMaxAgeDays`).
    pub name: &'static str,
    pub default: u32,
    pub min: u32,
    pub max: u32,
    pub help: &'static str,
}

/// A `true`/`false` parameter.
#[derive(Debug)]
pub struct FlagParam {
    pub name: &'static str,
    pub default: bool,
    pub help: &'static str,
}

/// A text parameter. Non-empty, unless its default is empty: then empty is allowed
/// and means what its help says (for the stack's own resource, e.g. its trail bucket,
/// which the template fills in and the CLI finds by the stack's name).
#[derive(Debug)]
pub struct TextParam {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

/// Any parameter, as rules declare them in their spec.
#[derive(Debug, Clone, Copy)]
pub enum Param {
    Number(&'static NumberParam),
    Flag(&'static FlagParam),
    Text(&'static TextParam),
}

impl Param {
    pub fn name(self) -> &'static str {
        match self {
            Param::Number(p) => p.name,
            Param::Flag(p) => p.name,
            Param::Text(p) => p.name,
        }
    }
    pub fn help(self) -> &'static str {
        match self {
            Param::Number(p) => p.help,
            Param::Flag(p) => p.help,
            Param::Text(p) => p.help,
        }
    }
    /// The default, as the template and `--set` write it.
    pub fn default_text(self) -> String {
        match self {
            Param::Number(p) => p.default.to_string(),
            Param::Flag(p) => p.default.to_string(),
            Param::Text(p) => p.default.to_string(),
        }
    }
    /// What a valid value is, for error messages.
    pub fn expected(self) -> String {
        match self {
            Param::Number(p) => format!("a whole number from {} to {}", p.min, p.max),
            Param::Flag(_) => "true or false".into(),
            Param::Text(p) if p.default.is_empty() => "a text (empty: the default)".into(),
            Param::Text(_) => "a non-empty text".into(),
        }
    }
    /// The environment variable a function reads it from.
    pub fn env_name(self) -> String {
        env_name(self.name())
    }
    /// `value` checked and normalised (`TRUE` → `true`), or why it is refused.
    pub fn check(self, value: &str) -> Result<String, ParamError> {
        let value = value.trim();
        let ok = match self {
            Param::Number(p) => value
                .parse::<u32>()
                .ok()
                .filter(|n| (p.min..=p.max).contains(n))
                .map(|n| n.to_string()),
            Param::Flag(_) => match value.to_ascii_lowercase().as_str() {
                v @ ("true" | "false") => Some(v.to_string()),
                _ => None,
            },
            // A text whose default is empty ("unset": S3EncryptionKeyArn) may be set empty.
            Param::Text(p) => (!value.is_empty() || p.default.is_empty()).then(|| value.to_string()),
        };
        ok.ok_or_else(|| ParamError::Invalid {
            name: self.name().into(),
            value: value.into(),
            expected: self.expected(),
        })
    }
}

impl PartialEq for Param {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}
impl Eq for Param {}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParamError {
    #[error("unknown parameter {0:?} (see `autofix rules --params`)")]
    Unknown(String),
    #[error("parameter {name}: {value:?} is not {expected}")]
    Invalid {
        name: String,
        value: String,
        expected: String,
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

/// Parameter values; a parameter not set takes its default. Only checked values are held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<&'static str, String>);

impl Params {
    /// Set one parameter, checking its value.
    pub fn set(&mut self, p: Param, value: &str) -> Result<(), ParamError> {
        let v = p.check(value)?;
        self.0.insert(p.name(), v);
        Ok(())
    }

    /// Forget a parameter's value: it takes its default again.
    pub fn unset(&mut self, p: Param) {
        self.0.remove(p.name());
    }

    /// Set a parameter by name (any case) among `known`.
    pub fn set_named(&mut self, known: &[Param], name: &str, value: &str) -> Result<(), ParamError> {
        let p = known
            .iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| ParamError::Unknown(name.to_string()))?;
        self.set(*p, value)
    }

    /// Parse `NAME=VALUE` for one of `known`.
    pub fn set_pair(&mut self, known: &[Param], pair: &str) -> Result<(), ParamError> {
        let (n, v) = pair
            .split_once('=')
            .ok_or_else(|| ParamError::Syntax(pair.to_string()))?;
        self.set_named(known, n, v)
    }

    /// Read `known` from an environment-like lookup (`ACCESS_KEY_MAX_AGE_DAYS`, ...); empty means unset.
    pub fn from_lookup(known: &[Param], lookup: impl Fn(&str) -> Option<String>) -> Result<Params, ParamError> {
        let mut p = Params::default();
        for spec in known {
            if let Some(v) = lookup(&spec.env_name()).filter(|v| !v.trim().is_empty()) {
                p.set(*spec, &v)?;
            }
        }
        Ok(p)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    pub fn number(&self, p: &NumberParam) -> u32 {
        self.get(p.name).and_then(|v| v.parse().ok()).unwrap_or(p.default)
    }
    pub fn flag(&self, p: &FlagParam) -> bool {
        self.get(p.name).map_or(p.default, |v| v == "true")
    }
    pub fn text(&self, p: &TextParam) -> String {
        self.get(p.name).unwrap_or(p.default).to_string()
    }
    /// Whether the parameter was set (not left to its default).
    pub fn is_set(&self, p: Param) -> bool {
        self.0.contains_key(p.name())
    }
    /// The value in force, as text.
    pub fn value(&self, p: Param) -> String {
        self.get(p.name()).map_or_else(|| p.default_text(), str::to_owned)
    }
    /// The value in force for each of `known`, and whether it was set.
    pub fn effective(&self, known: &[Param]) -> Vec<(Param, String, bool)> {
        known.iter().map(|p| (*p, self.value(*p), self.is_set(*p))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAYS: NumberParam = NumberParam {
        name: "SomeDays",
        default: 90,
        min: 1,
        max: 3650,
        help: "",
    };
    const ON: FlagParam = FlagParam {
        name: "SomeFlag",
        default: false,
        help: "",
    };
    const NAME: TextParam = TextParam {
        name: "SomeName",
        default: "x",
        help: "",
    };
    const KNOWN: &[Param] = &[Param::Number(&DAYS), Param::Flag(&ON), Param::Text(&NAME)];

    #[test]
    fn env_names_are_upper_snake() {
        assert_eq!(env_name("AccessKeyMaxAgeDays"), "ACCESS_KEY_MAX_AGE_DAYS");
        assert_eq!(env_name("MfaGraceHours"), "MFA_GRACE_HOURS");
    }
    #[test]
    fn defaults_apply_until_set() {
        let mut p = Params::default();
        assert_eq!(p.number(&DAYS), 90);
        assert!(!p.flag(&ON));
        assert_eq!(p.text(&NAME), "x");
        p.set_pair(KNOWN, "somedays=30").unwrap_or_else(|e| panic!("{e}"));
        p.set_pair(KNOWN, "SomeFlag=TRUE").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.number(&DAYS), 30);
        assert!(p.flag(&ON));
        assert!(p.is_set(Param::Number(&DAYS)));
        assert_eq!(p.value(Param::Text(&NAME)), "x");
    }
    #[test]
    fn bad_names_values_and_bounds_are_refused() {
        let mut p = Params::default();
        assert!(matches!(p.set_named(KNOWN, "Nope", "1"), Err(ParamError::Unknown(_))));
        assert!(matches!(
            p.set(Param::Number(&DAYS), "-1"),
            Err(ParamError::Invalid { .. })
        ));
        assert!(matches!(
            p.set(Param::Flag(&ON), "yes"),
            Err(ParamError::Invalid { .. })
        ));
        assert!(matches!(
            p.set(Param::Text(&NAME), " "),
            Err(ParamError::Invalid { .. })
        ));
        assert!(matches!(p.set_pair(KNOWN, "SomeDays"), Err(ParamError::Syntax(_))));
        for out in ["0", "3651"] {
            let e = p.set(Param::Number(&DAYS), out).err();
            assert_eq!(
                e.map(|e| e.to_string()),
                Some(format!(
                    "parameter SomeDays: {out:?} is not a whole number from 1 to 3650"
                ))
            );
        }
        assert!(p.set(Param::Number(&DAYS), "3650").is_ok());
        assert_eq!(p.number(&DAYS), 3650);
    }
    #[test]
    fn a_text_whose_default_is_empty_may_be_set_empty_and_no_other() {
        const STACKS: TextParam = TextParam {
            name: "SomeBucket",
            default: "",
            help: "empty: the stack's",
        };
        let mut p = Params::default();
        assert!(p.set(Param::Text(&STACKS), "").is_ok());
        assert_eq!(p.text(&STACKS), "");
        assert!(p.set(Param::Text(&STACKS), "b").is_ok());
        assert_eq!(p.text(&STACKS), "b");
        assert!(p.set(Param::Text(&NAME), "").is_err());
    }

    #[test]
    fn lookups_read_env_names_and_empty_is_unset() {
        let p = Params::from_lookup(KNOWN, |k| match k {
            "SOME_DAYS" => Some("7".into()),
            "SOME_FLAG" => Some(" ".into()),
            _ => None,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.number(&DAYS), 7);
        assert!(!p.is_set(Param::Flag(&ON)));
        assert!(Params::from_lookup(KNOWN, |k| (k == "SOME_DAYS").then(|| "0".into())).is_err());
    }
}
